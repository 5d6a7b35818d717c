"""Single sign-on with SAML 2 (djangosaml2 over pysaml2), configured per installation.

Performa is a SAML Service Provider of one identity provider, whose metadata is a file or an
address given in the settings (`PERFORMA_SAML_*`, docs/sso.md). As for OpenID Connect
(security/sso.py) the identity is mapped to an existing, active account, never to a new one,
and never gives a role:

1. the fiscal code (attribute `PERFORMA_SAML_FISCAL_CODE_ATTRIBUTE`, default `fiscalNumber`,
   with or without the SPID prefix «TINIT-») of a person of an ente linked to an account;
2. the e-mail address (attribute `PERFORMA_SAML_EMAIL_ATTRIBUTE`, default `email`) of an
   account: the identity provider is one the installation chose to trust.

With `PERFORMA_SAML_SPID` the SPID profile applies: AuthnRequest and LogoutRequest signed
(the key is then required), the level asked with RequestedAuthnContext (default SpidL2,
comparison `minimum`) and ForceAuthn above level 1, transient NameID, assertion signed.
Single logout (security/slo.py) goes through the identity provider's SingleLogoutService.

The response (or its assertion) must be signed by the key in the identity provider's
metadata; pysaml2 checks the signature with the `xmlsec1` program
(scripts/ensure-xmlsec1.sh).
"""

from __future__ import annotations

import functools
import json
import shutil
from typing import Any

import saml2
from django.conf import settings
from django.urls import reverse
from djangosaml2.backends import Saml2Backend
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from core.audit import record
from security.sso import SPID_PREFIX, matching_accounts

SPID_LEVELS = tuple(f"https://www.spid.gov.it/SpidL{level}" for level in (1, 2, 3))


def saml_enabled() -> bool:
    return bool(getattr(settings, "PERFORMA_SAML_ENTITY_ID", "")) and bool(
        getattr(settings, "PERFORMA_SAML_IDP_METADATA_FILE", "")
        or getattr(settings, "PERFORMA_SAML_IDP_METADATA_URL", "")
    )


def provider_name() -> str:
    return getattr(settings, "PERFORMA_SAML_PROVIDER_NAME", "") or "il sistema di accesso dell'ente"


def xmlsec_binary() -> str:
    return getattr(settings, "PERFORMA_SAML_XMLSEC_BINARY", "") or shutil.which("xmlsec1") or ""


def authn_context() -> str:
    """The authentication context class asked for: the setting, or SpidL2 with SPID."""
    if settings.PERFORMA_SAML_AUTHN_CONTEXT:
        return settings.PERFORMA_SAML_AUTHN_CONTEXT
    return SPID_LEVELS[1] if settings.PERFORMA_SAML_SPID else ""


def sp_config_dict(acs_url: str, sls_url: str) -> dict[str, Any]:
    """The pysaml2 configuration of Performa as Service Provider, from the settings."""
    metadata: dict[str, Any] = {}
    spid_profile = settings.PERFORMA_SAML_SPID
    if settings.PERFORMA_SAML_IDP_METADATA_FILE:
        metadata["local"] = [settings.PERFORMA_SAML_IDP_METADATA_FILE]
    if settings.PERFORMA_SAML_IDP_METADATA_URL:
        metadata["remote"] = [{"url": settings.PERFORMA_SAML_IDP_METADATA_URL}]
    config: dict[str, Any] = {
        "entityid": settings.PERFORMA_SAML_ENTITY_ID,
        "xmlsec_binary": xmlsec_binary(),
        "allow_unknown_attributes": True,
        "metadata": metadata,
        "service": {
            "sp": {
                "name": "Performa",
                "endpoints": {
                    "assertion_consumer_service": [(acs_url, saml2.BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (sls_url, saml2.BINDING_HTTP_REDIRECT),
                        (sls_url, saml2.BINDING_HTTP_POST),
                    ],
                },
                "allow_unsolicited": False,
                "authn_requests_signed": bool(settings.PERFORMA_SAML_KEY_FILE),
                "logout_requests_signed": bool(settings.PERFORMA_SAML_KEY_FILE),
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "want_response_signed": settings.PERFORMA_SAML_WANT_RESPONSE_SIGNED,
                # the SPID rules want the assertion itself signed, whatever the response
                "want_assertions_signed": settings.PERFORMA_SAML_WANT_ASSERTIONS_SIGNED
                or spid_profile,
                "want_assertions_or_response_signed": True,
                "only_use_keys_in_metadata": True,
            }
        },
    }
    context = authn_context()
    if context:
        config["service"]["sp"]["requested_authn_context"] = {
            "authn_context_class_ref": [context],
            "comparison": settings.PERFORMA_SAML_AUTHN_CONTEXT_COMPARISON,
        }
    if spid_profile:
        config["service"]["sp"]["name_id_format"] = [NAMEID_FORMAT_TRANSIENT]
        config["service"]["sp"]["name_id_policy_format"] = NAMEID_FORMAT_TRANSIENT
        # SPID: levels above 1 must authenticate again at every request (ForceAuthn)
        config["service"]["sp"]["force_authn"] = context not in ("", SPID_LEVELS[0])
    if settings.PERFORMA_SAML_KEY_FILE:
        config["key_file"] = settings.PERFORMA_SAML_KEY_FILE
        config["cert_file"] = settings.PERFORMA_SAML_CERT_FILE
    return config


def sls_url(request=None) -> str:
    if settings.PERFORMA_SAML_SLS_URL:
        return settings.PERFORMA_SAML_SLS_URL
    path = reverse("security:saml_sls")
    return request.build_absolute_uri(path) if request is not None else path


def acs_url(request=None) -> str:
    if settings.PERFORMA_SAML_ACS_URL:
        return settings.PERFORMA_SAML_ACS_URL
    path = reverse("security:saml_acs")
    return request.build_absolute_uri(path) if request is not None else path


@functools.lru_cache(maxsize=8)
def _loaded_config(serialized: str) -> SPConfig:
    config = SPConfig()
    config.load(json.loads(serialized))
    return config


def config_loader(request=None) -> SPConfig:
    """`SAML_CONFIG_LOADER` of djangosaml2: the configuration built from the settings.

    Loaded once per process and set of settings, so that metadata given by address is fetched
    once, not at every login (restart Performa to read changed metadata).
    """
    config = sp_config_dict(acs_url(request), sls_url(request))
    return _loaded_config(json.dumps(config, sort_keys=True))


def _first(attributes: dict, name: str) -> str:
    wanted = name.lower()
    for key, values in attributes.items():
        if str(key).lower() == wanted and values:
            return str(values[0] if isinstance(values, list | tuple) else values).strip()
    return ""


def identity_from(attributes: dict) -> tuple[str, str]:
    """(fiscal code, e-mail) of the asserted identity; '' where missing or malformed."""
    fiscal_code = _first(attributes, settings.PERFORMA_SAML_FISCAL_CODE_ATTRIBUTE).upper()
    if fiscal_code.startswith(SPID_PREFIX):
        fiscal_code = fiscal_code[len(SPID_PREFIX) :]
    if not (len(fiscal_code) == 16 and fiscal_code.isalnum()):
        fiscal_code = ""
    email = _first(attributes, settings.PERFORMA_SAML_EMAIL_ATTRIBUTE)
    return fiscal_code, email if "@" in email else ""


class PerformaSaml2Backend(Saml2Backend):
    """Maps a verified SAML assertion to one existing, active account; never creates one."""

    def authenticate(self, request, session_info=None, attribute_mapping=None, **kwargs):
        if not saml_enabled() or not session_info or "ava" not in session_info:
            return None
        fiscal_code, email = identity_from(session_info["ava"])
        found = list(matching_accounts(fiscal_code, email)[:2])
        if len(found) != 1 or not self.user_can_authenticate(found[0]):
            return None
        user = found[0]
        record(
            user=user,
            action="login.sso",
            object_type="accesso",
            changes={"via": "saml", "idp": str(session_info.get("issuer") or "")},
        )
        return user
