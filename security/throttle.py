"""Login throttling: too many wrong passwords lock the user and the address for a while.

django-axes counts the failures (per user name and per client address, see
`AXES_LOCKOUT_PARAMETERS` in the settings); this module gives it the client address behind
the installation's reverse proxy, the Italian refusal and the audit row of each lockout.
"""

from __future__ import annotations

import datetime as dt

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from core.audit import record
from core.models import AuditEntry

LOCKOUT_ACTION = "login.locked_out"


def client_ip(request) -> str | None:
    """The client address: the last `PERFORMA_TRUSTED_PROXIES` hops of X-Forwarded-For are
    the installation's own proxies; without proxies the peer address is the client."""
    proxies = int(getattr(settings, "PERFORMA_TRUSTED_PROXIES", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def cool_off_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    if isinstance(cool_off, dt.timedelta):
        return max(1, int(cool_off.total_seconds() // 60))
    return max(1, int(float(cool_off or 0) * 60))


def lockout_message() -> str:
    return (
        "Troppi tentativi di accesso non riusciti: l'accesso è sospeso per "
        f"{cool_off_minutes()} minuti per questo nome utente e da questo indirizzo. Riprova più "
        "tardi oppure chiedi all'amministratore della piattaforma di sbloccarlo."
    )


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the reason and status 429 (Too Many Requests)."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    return render(
        request,
        "security/locked_out.html",
        {"message": lockout_message(), "minutes": cool_off_minutes()},
        status=429,
    )


@receiver(user_locked_out, dispatch_uid="performa-audit-lockout")
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """One audit row per lockout (not per refused attempt while it lasts)."""
    since = timezone.now() - dt.timedelta(minutes=cool_off_minutes())
    changes = {"username": (username or "")[:150], "ip_address": ip_address or ""}
    already = AuditEntry.objects.filter(
        action=LOCKOUT_ACTION, created_at__gte=since, changes=changes
    )
    if already.exists():
        return
    record(user=None, action=LOCKOUT_ACTION, object_type="accesso", changes=changes)
