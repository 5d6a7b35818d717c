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
