"""The demo invoices: a year of invoices for the Sorbara and consorzio demos, known answers.

Each file in `demo/data/` is hand-designed so that every figure can be checked by hand (the
tests in `tests/payments/test_demo.py` do): partial and early payments, suspended days,
invoices received in the previous year and paid in this one, unpaid invoices not yet due,
split payment and the statuses left out of the debt stock. The demo loader calls
`load_demo_invoices` after the enti are imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from core.audit import record
from organization.models import Ente
from payments import services
from payments.models import DebtSnapshot, ImportBatch, Invoice, PaymentReport, PaymentSettings

DEMO_SOURCE = "Dati dimostrativi"


@dataclass(frozen=True)
class DemoInvoices:
    slug: str
    filename: str
    # Unpaid invoices are delayed to 31/12: the figures do not change with the day of the demo.
    rules: dict[str, Any] = field(default_factory=lambda: {"unpaid_reference": "year_end"})
    indicator_links: dict[str, str] = field(default_factory=dict)


DEMO_INVOICES = (
    DemoInvoices("unione-sorbara", "unione-sorbara-2024-fatture.csv"),
    DemoInvoices(
        "consorzio-socio-assistenziale",
        "consorzio-socio-assistenziale-2021-fatture.csv",
        # The PCC table of the consorzio's plan (seed 004) is measured from the invoices.
        indicator_links={"incidence": "pcc-1", "reduction": "pcc-2", "delay": "pcc-3"},
    ),
)


@transaction.atomic
def _reset(ente: Ente) -> None:
    count = Invoice.objects.filter(ente=ente).count()
    Invoice.objects.filter(ente=ente).delete()
    ImportBatch.objects.filter(ente=ente).delete()
    PaymentReport.objects.filter(ente=ente).delete()
    DebtSnapshot.objects.filter(ente=ente).delete()
    record(
        user=None,
        action="payments.invoices.delete",
        obj=ente,
        ente=ente,
        changes={"invoices": [count, 0], "reason": [None, "load_demo --reset"]},
    )


def load_demo_invoices(
    *,
    data_dir: Path,
    reset: bool = False,
    log: Callable[[str], None] = lambda _message: None,
    demos: tuple[DemoInvoices, ...] = DEMO_INVOICES,
) -> list[str]:
    """Import the demo invoices of the demo enti present (once; again with `reset`)."""
    loaded = []
    for demo in demos:
        ente = Ente.objects.filter(slug=demo.slug).first()
        path = Path(data_dir) / demo.filename
        if ente is None or not path.is_file():
            continue
        if Invoice.objects.filter(ente=ente).exists():
            if not reset:
                log(f"  {demo.slug}: fatture già presenti")
                continue
            _reset(ente)
        settings = PaymentSettings.objects.filter(ente=ente).first()
        if settings is None or settings.indicator_links != demo.indicator_links:
            settings = settings or PaymentSettings.objects.create(ente=ente)
            before = dict(settings.indicator_links)
            settings.indicator_links = demo.indicator_links
            settings.save(update_fields=["indicator_links", "updated_at"])
            record(
                user=None,
                action="payments.links.update",
                obj=settings,
                ente=ente,
                changes={"indicator_links": [before, demo.indicator_links]},
            )
        services.rules_update(user=None, ente=ente, data=demo.rules, recompute=False)
        batch = services.import_invoices(
            user=None,
            ente=ente,
            content=path.read_bytes(),
            filename=demo.filename,
            source_name=DEMO_SOURCE,
        )
        log(f"  {demo.slug}: {batch.message}")
        loaded.append(demo.slug)
    return loaded
