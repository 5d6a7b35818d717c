"""Creating and revoking API tokens; the absence pushes of payroll systems."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.access import ADMIN, require_access
from accounts.models import Membership, User
from core.audit import diff, record, snapshot
from core.exceptions import AccessDenied, ServiceError
from core.parsing import required_date
from integrations.models import ApiToken, Scope
from organization.models import Absence, AbsenceKind, Ente, Person

TOKEN_PREFIX = "pf"
NAME_MAX = 120


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _require_admin(user, ente: Ente) -> None:
    if user is None:
        return  # system operation (commands, tests of the platform)
    try:
        require_access(user, ente, ADMIN)
    except Exception as error:
        raise AccessDenied("Solo l'amministratore dell'ente gestisce i token dell'API.") from error


@transaction.atomic
def token_create(*, user, ente: Ente, name: str, scopes: Iterable[str]) -> tuple[ApiToken, str]:
    """A new token; returns it with its full text, which is shown once and never stored."""
    _require_admin(user, ente)
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(
            "Dai un nome al token (es. «Contabilità – tempi di pagamento»).", field="name"
        )
    if len(name) > NAME_MAX:
        raise ServiceError(f"Il nome del token supera {NAME_MAX} caratteri.", field="name")
    chosen = sorted(set(scopes or []))
    unknown = [s for s in chosen if s not in Scope.values]
    if unknown:
        raise ServiceError(f"Autorizzazione non prevista: «{unknown[0]}».", field="scopes")
    if not chosen:
        raise ServiceError("Scegli almeno un'autorizzazione.", field="scopes")
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # pragma: no cover - 2^32 space
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    account = User.objects.create(
        username=f"api-{prefix}",
        first_name="API",
        last_name=name[:150],
        is_active=True,
    )
    account.set_unusable_password()
    account.save(update_fields=["password"])
    # The service account holds the administrator role so that the services accept its
    # writes; the scopes, checked by every endpoint, restrict what it may actually do.
    Membership.objects.create(user=account, ente=ente, role=ADMIN)
    token = ApiToken.objects.create(
        ente=ente,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=chosen,
        user=account,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    record(
        user=user,
        action="api_token.create",
        obj=token,
        ente=ente,
        changes={"name": [None, name], "scopes": [None, chosen], "prefix": [None, prefix]},
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def token_revoke(*, user, token: ApiToken) -> ApiToken:
    _require_admin(user, token.ente)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ServiceError("Il token è già revocato.", field="token")
    token.revoked_at = timezone.now()
    token.revoked_by = user if getattr(user, "is_authenticated", False) else None
    token.save(update_fields=["revoked_at", "revoked_by"])
    Membership.objects.filter(user=token.user).delete()
    User.objects.filter(pk=token.user_id).update(is_active=False)
    record(
        user=user,
        action="api_token.revoke",
        obj=token,
        ente=token.ente,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )
    return token


def authenticate_token(text: str) -> ApiToken | None:
    """The active token whose full text is `text`, or None."""
    parts = (text or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (
        ApiToken.objects.select_related("ente", "user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not secrets.compare_digest(token.secret_hash, hash_secret(parts[2])):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- absences from payroll -------------------------------------------------------------------


@transaction.atomic
def absence_upsert(*, user, person: Person, data: Mapping[str, Any]) -> tuple[Absence, bool]:
    """Record an absence of `person`; the same kind and start date update the existing one."""
    from organization.access import ensure_writer

    ensure_writer(user, person.ente)
    kind = data.get("kind")
    if kind not in AbsenceKind.values:
        allowed = ", ".join(AbsenceKind.values)
        raise ServiceError(
            f"Tipo di assenza «{kind}» non previsto (ammessi: {allowed}).", field="kind"
        )
    start = required_date(data.get("start_date"), label="Inizio dell'assenza", field="start_date")
    end = required_date(data.get("end_date"), label="Fine dell'assenza", field="end_date")
    if end < start:
        raise ServiceError(
            f"La fine dell'assenza ({end:%d/%m/%Y}) precede l'inizio ({start:%d/%m/%Y}).",
            field="end_date",
        )
    if not (dt.date(1950, 1, 1) <= start <= dt.date(2100, 12, 31)):
        raise ServiceError(
            f"Inizio dell'assenza fuori dagli anni ammessi: {start:%d/%m/%Y}.", field="start_date"
        )
    if (end - start).days > 5 * 366:
        raise ServiceError(
            "Un'assenza non dura più di cinque anni: controlla le date.", field="end_date"
        )
    note = " ".join(str(data.get("note") or "").split())
    if len(note) > 255:
        raise ServiceError("Le note dell'assenza superano 255 caratteri.", field="note")
    absence = (
        Absence.objects.select_for_update()
        .filter(person=person, kind=kind, start_date=start)
        .first()
    )
    created = absence is None
    before = {} if created else snapshot(absence)
    absence = absence or Absence(person=person, kind=kind, start_date=start)
    absence.end_date = end
    absence.note = note
    absence.save()
    record(
        user=user,
        action="absence.create" if created else "absence.update",
        obj=absence,
        ente=person.ente,
        changes=diff(before, snapshot(absence)),
    )
    return absence, created
