from security import saml, spid
from security.sso import oidc_enabled, provider_name


def sso(request):
    """The single sign-on buttons of the login page, and the reason of a refused SSO login."""
    if not request.path.startswith("/accedi"):
        return {}
    return {
        "sso_oidc": oidc_enabled(),
        "sso_provider_name": provider_name(),
        "sso_saml": saml.saml_enabled(),
        "sso_saml_provider_name": saml.provider_name(),
        "sso_spid_providers": spid.providers() if spid.spid_enabled() else [],
        "sso_via_spid": request.GET.get("via") == "spid",
        "sso_refused": request.GET.get("sso") == "rifiutato",
        "sso_invalid": request.GET.get("sso") == "non-valido",
    }
