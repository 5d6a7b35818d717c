"""System checks of `manage.py check --deploy` specific to Performa."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def performa_deploy_checks(app_configs=None, **kwargs):
    problems = []
    if not getattr(settings, "PRODUCTION", False):
        problems.append(
            Warning(
                "PERFORMA_ENVIRONMENT non è «production»: le verifiche che impediscono l'avvio "
                "con impostazioni insicure non sono attive.",
                hint="Parti da .env.production.example.",
                id="performa.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and getattr(
        settings, "PRODUCTION", False
    ):
        problems.append(
            Warning(
                "Il database è SQLite: va bene per un ente piccolo con un solo server; per più "
                "enti o più server usa PostgreSQL (DATABASE_URL).",
                id="performa.W002",
            )
        )
    return problems


@register(Tags.security)
def saml_checks(app_configs=None, **kwargs):
    """A SAML 2 configuration that cannot work is refused at start, not at the first login."""
    from pathlib import Path

    from django.core.checks import Error

    from security.saml import saml_enabled, xmlsec_binary

    if not saml_enabled():
        return []
    problems = []
    if not xmlsec_binary():
        problems.append(
            Error(
                "L'accesso SAML 2 è configurato ma il programma xmlsec1 non si trova: senza, le "
                "firme delle risposte non si possono verificare.",
                hint="Installa il pacchetto Debian «xmlsec1» (scripts/ensure-xmlsec1.sh) o "
                "indica il programma in PERFORMA_SAML_XMLSEC_BINARY.",
                id="performa.E101",
            )
        )
    metadata_file = settings.PERFORMA_SAML_IDP_METADATA_FILE
    if metadata_file and not Path(metadata_file).is_file():
        problems.append(
            Error(
                f"PERFORMA_SAML_IDP_METADATA_FILE indica «{metadata_file}», che non esiste.",
                hint="Scarica i metadati dell'identity provider in quel file, oppure usa "
                "PERFORMA_SAML_IDP_METADATA_URL.",
                id="performa.E102",
            )
        )
    if settings.PERFORMA_SAML_SPID and not (
        settings.PERFORMA_SAML_KEY_FILE and settings.PERFORMA_SAML_CERT_FILE
    ):
        problems.append(
            Error(
                "Il profilo SPID (PERFORMA_SAML_SPID) vuole richieste firmate: mancano "
                "PERFORMA_SAML_KEY_FILE e PERFORMA_SAML_CERT_FILE.",
                hint="Crea chiave e certificato secondo l'Avviso SPID n. 29 (docs/sso.md).",
                id="performa.E106",
            )
        )
    return problems


@register(Tags.security)
def spid_checks(app_configs=None, **kwargs):
    """A SPID/CIE federation setup that cannot work is refused at start (docs/sso.md)."""
    from pathlib import Path
    from urllib.parse import urlsplit

    from django.core.checks import Error
    from django.urls import reverse

    from security.spid import providers, spid_enabled

    if not spid_enabled():
        return []
    problems = []
    for name in ("TRUST_ANCHOR_JWKS", "FEDERATION_KEY", "SIGNING_KEY", "ENCRYPTION_KEY"):
        setting = f"PERFORMA_SPID_OIDC_{name}_FILE"
        path = getattr(settings, setting)
        if not path or not Path(path).is_file():
            problems.append(
                Error(
                    f"{setting} deve indicare un file esistente (ora: «{path}»).",
                    hint="docs/sso.md, sezione SPID e CIE: come creare chiavi e file.",
                    id="performa.E103",
                )
            )
    well_known = reverse("security:spid_entity_configuration")
    expected = well_known.removesuffix(".well-known/openid-federation")
    if urlsplit(settings.PERFORMA_SPID_OIDC_CLIENT_ID).path.rstrip("/") + "/" != expected:
        problems.append(
            Error(
                "PERFORMA_SPID_OIDC_CLIENT_ID deve finire con il percorso "
                f"«{expected}»: la federazione legge la configurazione da «{well_known}».",
                id="performa.E104",
            )
        )
    if not providers():
        problems.append(
            Error(
                "PERFORMA_SPID_OIDC_PROVIDERS è vuoto: nessun provider SPID/CIE da offrire.",
                id="performa.E105",
            )
        )
    return problems
