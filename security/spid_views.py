"""Entry points of SPID/CIE through the OIDC federation; a 404 when not configured."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.decorators.http import require_GET

from security import spid
from security.federation import STATEMENT_CONTENT_TYPE

REFUSED_URL = "/accedi/?sso=rifiutato&via=spid"  # proven identity, no person with that code
INVALID_URL = "/accedi/?sso=non-valido&via=spid"  # chain, signature, state or token not valid


def _enabled_only(view):
    def wrapper(request):
        if not spid.spid_enabled():
            raise Http404("L'accesso con SPID/CIE (federazione OIDC) non è configurato.")
        return view(request)

    return require_GET(wrapper)


def _entity_configuration(request):
    response = HttpResponse(spid.entity_configuration(), content_type=STATEMENT_CONTENT_TYPE)
    response["Cache-Control"] = "max-age=3600"
    return response


def _login(request):
    provider = request.GET.get("provider", "")
    try:
        return HttpResponseRedirect(spid.authorization_url(request.session, provider))
    except spid.SpidLoginError as error:
        spid.audit_refusal(error, provider)
        return HttpResponseRedirect(INVALID_URL)


def _callback(request):
    provider = ""
    try:
        claims, sso = spid.complete(request.session, request.GET.dict())
        provider = sso["provider"]
        user = authenticate(request, spid_claims=claims)
        if user is None:
            raise spid.SpidLoginError(
                "nessuna persona collegata a un utente attivo ha questo codice fiscale",
                verified=True,
                fiscal_code=spid.fiscal_code_from(claims),
            )
    except spid.SpidLoginError as error:
        spid.audit_refusal(error, provider)
        return HttpResponseRedirect(REFUSED_URL if error.verified else INVALID_URL)
    login(request, user)
    request.session[spid.SESSION_KEY] = sso
    spid.audit_login(user, sso)
    return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))


entity_configuration = _enabled_only(_entity_configuration)
spid_login = _enabled_only(_login)
spid_callback = _enabled_only(_callback)
