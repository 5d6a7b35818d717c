"""Single logout: leaving Performa also ends the session at the identity provider, if it can.

A login through single sign-on marks the session (`SESSION_KEY`, set on `user_logged_in` from
the backend that authenticated, or by the SPID/CIE callback). The «Esci» button posts to
`accounts:logout` as usual; `SingleLogoutMiddleware` (after CSRF, so the POST is proven) takes
over that request for a marked session:

- SAML 2: a signed `LogoutRequest` to the identity provider's SingleLogoutService (djangosaml2);
  the provider answers at `/accesso/saml/sls/`. Without a logout service in its metadata, the
  local logout alone.
- OpenID Connect: the provider's `end_session_endpoint` (`PERFORMA_OIDC_END_SESSION_ENDPOINT`)
  with the ID token as hint (RP-initiated logout); without it, the local logout alone.
- SPID/CIE OIDC federation: the access token is revoked at the provider (RFC 7009), as the
  SPID/CIE rules prescribe, then the local logout.

Every single-sign-on logout writes the audit row `logout.sso`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url

from core.audit import record
from security import spid

SESSION_KEY = spid.SESSION_KEY
_BACKENDS = {
    "security.sso.PerformaOIDCBackend": "oidc",
    "security.saml.PerformaSaml2Backend": "saml",
}
LOGGED_OUT = "Sei uscito da Performa."


@receiver(user_logged_in, dispatch_uid="performa-sso-session-mark")
def _mark_sso_session(sender, request=None, user=None, **kwargs) -> None:
    via = _BACKENDS.get(getattr(user, "backend", ""))
    if via and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = {"via": via}


def _local_logout(request) -> HttpResponseRedirect:
    logout(request)
    messages.info(request, LOGGED_OUT)
    return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


def _oidc_logout(request):
    endpoint = settings.PERFORMA_OIDC_END_SESSION_ENDPOINT
    id_token = request.session.get("oidc_id_token")
    response = _local_logout(request)
    if not endpoint or not id_token:
        return response, False
    query = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(
            resolve_url(settings.LOGOUT_REDIRECT_URL)
        ),
    }
    return HttpResponseRedirect(f"{endpoint}?{urlencode(query)}"), True


def single_logout(request, sso: dict):
    """The response to «Esci» for a session opened by single sign-on."""
    user = request.user
    via = sso.get("via", "")
    if via == "saml":
        from security import saml, saml_views

        if saml.saml_enabled():
            record(user=user, action="logout.sso", object_type="accesso", changes={"via": via})
            return saml_views.saml_logout(request)
        response, at_provider = _local_logout(request), False
    elif via == "oidc":
        response, at_provider = _oidc_logout(request)
    elif via == "spid-cie-oidc":
        at_provider = spid.spid_enabled() and spid.revoke(sso)
        response = _local_logout(request)
    else:
        response, at_provider = _local_logout(request), False
    record(
        user=user,
        action="logout.sso",
        object_type="accesso",
        changes={"via": via, "at_provider": at_provider},
    )
    return response


class SingleLogoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if request.method != "POST" or match is None or match.view_name != "accounts:logout":
            return None
        sso = request.session.get(SESSION_KEY)
        if not isinstance(sso, dict) or not request.user.is_authenticated:
            return None
        return single_logout(request, sso)
