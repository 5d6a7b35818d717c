"""A session ends after a configurable time without requests (PERFORMA_SESSION_IDLE_MINUTES)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import JsonResponse

LAST_SEEN_KEY = "performa_last_seen"
# The time of the last request is stored at most this often, so that reading pages does not
# turn into a database write per request.
_STORE_EVERY_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="performa-session-last-seen")
def _start_idle_clock(sender, request=None, **kwargs) -> None:
    """The idle time counts from the login (stored with the new session, no extra write)."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        idle_limit = int(getattr(settings, "PERFORMA_SESSION_IDLE_MINUTES", 0)) * 60
        user = getattr(request, "user", None)
        if idle_limit > 0 and user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - int(last_seen) > idle_limit:
                return self._expired(request, idle_limit // 60)
            if last_seen is None or now - int(last_seen) >= _STORE_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _expired(request, minutes: int):
        logout(request)
        text = (
            f"La sessione è scaduta dopo {minutes} minuti di inattività: accedi di nuovo. "
            "Se stavi compilando un modulo, i dati non inviati non sono stati salvati."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text, "code": "session_expired"}, status=401)
        messages.warning(request, text)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
