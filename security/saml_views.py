"""Entry points of SAML 2 single sign-on; a 404 when the installation has not configured it.

djangosaml2 keeps the outstanding requests in its own session cookie (SameSite=None, because
the identity provider posts the response from another site); its middleware wraps only these
views, so the rest of Performa does not carry that cookie.
"""

from __future__ import annotations

import saml2
from django.conf import settings
from django.contrib import auth, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.decorators.csrf import csrf_exempt
from djangosaml2 import views as saml_views
from djangosaml2.middleware import SamlSessionMiddleware

from core.audit import record
from security.saml import identity_from, saml_enabled
from security.saml_logout import LogoutRefused, verify

REFUSED_URL = "/accedi/?sso=rifiutato"  # a valid response for an identity with no account
INVALID_URL = "/accedi/?sso=non-valido"  # a response that is not signed, stale or unsolicited


class PerformaACSView(saml_views.AssertionConsumerServiceView):
    """The assertion consumer service: a refused response goes back to the login page."""

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        # Only a verified response reaches the account lookup, which refuses with
        # PermissionDenied and passes the session info.
        verified = "session_info" in kwargs
        session_info = kwargs.get("session_info") or {}
        fiscal_code, email = identity_from(session_info.get("ava") or {})
        record(
            user=None,
            action="login.sso.refused",
            object_type="accesso",
            changes={
                "via": "saml",
                "reason": type(exception).__name__ if exception else "",
                "idp": str(session_info.get("issuer") or ""),
                "fiscal_code": fiscal_code,
                "email": email,
                "verified": verified,
            },
        )
        return HttpResponseRedirect(REFUSED_URL if verified else INVALID_URL)

    def post(self, request, *args, **kwargs):
        if "SAMLResponse" not in request.POST:
            return self.handle_acs_failure(request, exception=ValueError("SAMLResponse mancante"))
        return super().post(request, *args, **kwargs)


def _enabled_only(view_class):
    view = SamlSessionMiddleware(view_class.as_view())

    def wrapper(request):
        if not saml_enabled():
            raise Http404("L'accesso con SAML 2 non è configurato.")
        return view(request)

    return wrapper


saml_login = _enabled_only(saml_views.LoginView)
# The identity provider posts from its own site: the response's signature, not a CSRF token,
# is what proves it (and the outstanding request id ties it to this browser).
saml_acs = csrf_exempt(_enabled_only(PerformaACSView))
saml_metadata = _enabled_only(saml_views.MetadataView)


class PerformaLogoutInitView(saml_views.LogoutInitView):
    """Reached from the «Esci» POST (security/slo.py, after the CSRF check), never by a link."""

    def post(self, request, *args, **kwargs):
        if saml_views._get_subject_id(request.saml_session) is None:
            # the provider's session is unknown here (its cookie expired): local logout only
            return self.handle_unsupported_slo_exception(request, None)
        return self.get(request, *args, **kwargs)

    def handle_unsupported_slo_exception(self, request, exception, *args, **kwargs):
        """No logout service at the provider: Performa's session ends all the same."""
        auth.logout(request)
        messages.info(request, "Sei uscito da Performa.")
        return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise Http404("Per uscire usa il pulsante «Esci».")


def _logout_init(request):
    if request.method != "POST":
        raise Http404("Per uscire usa il pulsante «Esci».")
    return SamlSessionMiddleware(PerformaLogoutInitView.as_view())(request)


def saml_logout(request):
    if not saml_enabled():
        raise Http404("L'accesso con SAML 2 non è configurato.")
    return _logout_init(request)


LOGOUT_REFUSED = (
    "La richiesta di uscita ricevuta dal sistema di accesso non è valida (firma mancante o non "
    "valida, oppure riferita a un'altra sessione): la sessione di Performa resta aperta."
)


def _message_kind(data) -> str:
    if "SAMLRequest" in data:
        return "LogoutRequest"
    return "LogoutResponse" if "SAMLResponse" in data else ""


class PerformaLogoutView(saml_views.LogoutView):
    """The single logout service: only a message signed by the identity provider is acted on."""

    def do_logout_service(self, request, data, binding, *args, **kwargs):
        _state, client = self.get_state_client(request)
        try:
            verified = verify(client, request, binding)
            if verified.kind == "SAMLRequest":
                self._check_subject(request, verified.message)
        except LogoutRefused as refusal:
            return self._refuse(request, binding, data, refusal)
        return super().do_logout_service(request, data, binding, *args, **kwargs)

    @staticmethod
    def _check_subject(request, message) -> None:
        # djangosaml2 ends the session even for a request naming someone else, or when this
        # browser's SAML session is gone: a genuine request for another user, replayed, would
        # then log this one out.
        subject_id = saml_views._get_subject_id(request.saml_session)
        if subject_id is None or message.name_id != subject_id:
            raise LogoutRefused("altra sessione", issuer=message.issuer.text.strip())

    @staticmethod
    def _refuse(request, binding, data, refusal: LogoutRefused):
        user = request.user if request.user.is_authenticated else None
        record(
            user=user,
            action="logout.sso.refused",
            object_type="accesso",
            changes={
                "via": "saml",
                "reason": refusal.reason,
                "idp": refusal.issuer,
                "binding": "redirect" if binding == saml2.BINDING_HTTP_REDIRECT else "post",
                "message": _message_kind(data),
            },
        )
        messages.error(request, LOGOUT_REFUSED)
        target = settings.LOGIN_REDIRECT_URL if user is not None else settings.LOGIN_URL
        return HttpResponseRedirect(resolve_url(target))


# The identity provider's logout answer (or its own logout request) arrives from its site,
# by redirect or by POST: the signature of the message proves it, not a CSRF token.
saml_sls = csrf_exempt(_enabled_only(PerformaLogoutView))
