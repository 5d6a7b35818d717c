"""`Authorization: Bearer pf_…` for the API, scope checks and per-token rate limits."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from integrations.models import ApiToken, Scope
from integrations.services import authenticate_token


class TokenAuthentication(BaseAuthentication):
    """Authenticates a request made with an ente's API token; `request.auth` is the token."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Intestazione Authorization non valida: scrivi «Bearer <token>»."
            )
        token = authenticate_token(header[1])
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Token non valido o revocato.")
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


def token_of(request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class HasScope(permissions.BasePermission):
    """A token needs the view's `required_scope`; a logged-in person is judged by the
    access rules of the view itself (tokens are the only credentials that carry scopes)."""

    message = "Il token non ha l'autorizzazione richiesta da questa operazione."

    def has_permission(self, request, view) -> bool:
        token = token_of(request)
        if token is None:
            return bool(request.user and request.user.is_authenticated)
        default = Scope.READ if request.method in permissions.SAFE_METHODS else None
        scope = getattr(view, "required_scope", default)
        if scope is None:
            return False
        if not token.has_scope(scope):
            self.message = (
                f"Il token «{token.name}» non ha l'autorizzazione «{scope}» richiesta da "
                "questa operazione."
            )
            return False
        return True


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Requests per minute of one token (PERFORMA_API_RATE, default 120/min)."""

    scope = "api_token"

    def get_rate(self):
        return getattr(settings, "PERFORMA_API_RATE", "120/min")

    def get_cache_key(self, request, view):
        token = token_of(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


def throttled_message(wait: float | None) -> str:
    seconds = int(wait or 0) + 1
    return f"Troppe richieste con questo token: riprova tra {seconds} secondi."
