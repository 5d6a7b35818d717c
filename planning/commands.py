"""The ente and the cycle a management command names, or a `CommandError` in Italian.

Every command of the apps from planning up (`cycle_scores`, `generate_document`,
`distribute_premiums`, `import_invoices`, `payment_indicators`) takes `--ente SLUG` and most
`--year`: they read them here, so the messages are the same everywhere.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from organization.models import Ente
from planning.models import Cycle


def ente_named(slug: str) -> Ente:
    ente = Ente.objects.filter(slug=slug).first()
    if ente is None:
        raise CommandError(f"Ente «{slug}» inesistente.")
    return ente


def cycle_of(ente: Ente, year: int) -> Cycle:
    cycle = Cycle.objects.filter(ente=ente, year=year).select_related("ente").first()
    if cycle is None:
        raise CommandError(f"L'ente «{ente.slug}» non ha un ciclo {year}.")
    return cycle
