"""Single sign-on with OpenID Connect (mozilla-django-oidc), configured per installation.

The identity given by the provider is mapped to an existing Performa account, never to a new
one, and never gives a role: the ente administrator creates the account and its roles as for
password logins. The mapping, in order:

1. the fiscal code (claim `PERFORMA_OIDC_FISCAL_CODE_CLAIM`, default `fiscal_number`, with or
   without the SPID prefix «TINIT-») of a person of an ente linked to an account;
2. the e-mail address of an account, only if the provider says it is verified
   (`email_verified`).

More than one matching account, or none, refuses the login with an Italian message. SPID and
CIE reach Performa through an OIDC provider of the ente (e.g. a SPID/CIE gateway that speaks
OpenID Connect): see docs/sso.md for what is and is not covered.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.models import Membership
from core.audit import record

SPID_PREFIX = "TINIT-"


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", "")) and bool(
        getattr(settings, "OIDC_OP_AUTHORIZATION_ENDPOINT", "")
    )


def provider_name() -> str:
    return getattr(settings, "PERFORMA_OIDC_PROVIDER_NAME", "") or "il sistema di accesso dell'ente"


def fiscal_code_from(claims: dict) -> str:
    claim = getattr(settings, "PERFORMA_OIDC_FISCAL_CODE_CLAIM", "fiscal_number")
    value = str(claims.get(claim) or "").strip().upper()
    if value.startswith(SPID_PREFIX):
        value = value[len(SPID_PREFIX) :]
    return value if len(value) == 16 and value.isalnum() else ""


def matching_accounts(fiscal_code: str, email: str):
    """The active accounts an identity maps to: by fiscal code first, then by e-mail.

    Shared by OpenID Connect and SAML 2 (security/saml.py); `email` is '' when the provider
    does not vouch for it. The caller refuses the login unless exactly one account is found.
    """
    users = get_user_model().objects.filter(is_active=True, api_token__isnull=True)
    if fiscal_code:
        ids = Membership.objects.filter(person__fiscal_code=fiscal_code).values("user_id")
        found = users.filter(pk__in=ids).distinct()
        if found.exists():
            return found
    if email:
        return users.filter(email__iexact=email)
    return users.none()


# The arguments each single sign-on passes to authenticate(): mozilla-django-oidc, djangosaml2,
# the SPID/CIE federation (security/spid.py).
_SSO_CREDENTIALS = {"nonce", "code_verifier", "session_info", "spid_claims"}


def is_sso_attempt(request, credentials: dict | None) -> bool:
    """`AXES_WHITELIST_CALLABLE`: single sign-on is not counted by the password lockout.

    The identity was proven by the provider, there is no password to guess; and an identity
    without an account, refused a few times, must not lock the office's shared address out.
    """
    credentials = credentials or {}
    if credentials.get("username") or credentials.get("password"):
        return False
    return bool(_SSO_CREDENTIALS & set(credentials))


class PerformaOIDCBackend(OIDCAuthenticationBackend):
    """Maps the provider's identity to one existing, active account."""

    def filter_users_by_claims(self, claims):
        email = str(claims.get("email") or "").strip()
        verified = claims.get("email_verified") is True
        return matching_accounts(fiscal_code_from(claims), email if verified else "")

    def verify_claims(self, claims) -> bool:
        return bool(fiscal_code_from(claims) or claims.get("email"))

    def create_user(self, claims):
        return None  # accounts and roles are given by the ente, never by the provider

    def update_user(self, user, claims):
        return user  # the provider does not overwrite what the ente recorded

    def authenticate(self, request, **kwargs):
        user = super().authenticate(request, **kwargs)
        if user is not None:
            record(user=user, action="login.sso", object_type="accesso", changes={"via": "oidc"})
        return user
