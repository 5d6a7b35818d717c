"""Writes on the documents of a cycle.

`report_validate` records the Nucleo's validation of the Relazione sulla Performance: the
«condizione inderogabile» for any premium of the year (art. 14 c.4 lett. c and c.6 D.Lgs.
150/2009). It is recorded once per cycle, by a member of the Nucleo or an admin, and only for a
plan that was approved (art. 10 c.5).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.access import ADMIN, NUCLEO, access_for
from core.audit import diff, record, snapshot
from core.exceptions import AccessDenied, ServiceError
from documents.models import ReportValidation
from planning.formatting import date_it
from planning.models import Cycle, CycleState

# States a cycle is in once its plan was approved (the later phases of the same cycle).
APPROVED_STATES = frozenset(
    {
        CycleState.APPROVED,
        CycleState.MONITORING,
        CycleState.MEASUREMENT,
        CycleState.EVALUATION,
        CycleState.REPORTING,
        CycleState.VALIDATED,
    }
)


def report_validate(
    *, user, cycle: Cycle, validated_on: dt.date, act_label: str, note: str = ""
) -> ReportValidation:
    """Record the validation of the Relazione of `cycle` (once; Nucleo or admin)."""
    if user is not None:
        access = access_for(user, cycle.ente)
        if access is None:
            raise AccessDenied("Non hai accesso a questo ente.")
        if not access.has(NUCLEO, ADMIN):
            raise AccessDenied(
                "La validazione della Relazione è registrata dal Nucleo di Valutazione o da un "
                "amministratore."
            )
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.state not in APPROVED_STATES:
            raise ServiceError(
                f"Il piano {cycle.year} non risulta approvato (stato: "
                f"{cycle.get_state_display().lower()}): la Relazione si valida solo per un "
                "piano approvato (art. 10 c.5 D.Lgs. 150/2009).",
                field="cycle",
            )
        existing = ReportValidation.objects.filter(cycle=cycle).first()
        if existing is not None:
            raise ServiceError(
                f"La Relazione {cycle.year} è già stata validata il "
                f"{date_it(existing.validated_on)} ({existing.act_label}).",
                field="cycle",
            )
        if not isinstance(validated_on, dt.date):
            raise ServiceError("La data di validazione è obbligatoria.", field="validated_on")
        if validated_on > timezone.localdate():
            raise ServiceError(
                f"La data di validazione ({date_it(validated_on)}) non può essere futura.",
                field="validated_on",
            )
        if validated_on.year <= cycle.year:
            raise ServiceError(
                f"La Relazione {cycle.year} si valida a consuntivo, dopo la fine dell'anno: "
                f"la data {date_it(validated_on)} non è successiva al 31/12/{cycle.year}.",
                field="validated_on",
            )
        act_label = (act_label or "").strip()
        if not act_label:
            raise ServiceError(
                "Indica il documento di validazione (es. verbale del Nucleo n. 3).",
                field="act_label",
            )
        try:
            with transaction.atomic():
                validation = ReportValidation.objects.create(
                    cycle=cycle,
                    validated_on=validated_on,
                    act_label=act_label,
                    note=(note or "").strip(),
                    recorded_by=user if getattr(user, "is_authenticated", False) else None,
                )
        except IntegrityError as exc:  # a concurrent validation won the race
            raise ServiceError(
                f"La Relazione {cycle.year} è già stata validata.", field="cycle"
            ) from exc
        record(
            user=user,
            action="report.validate",
            obj=validation,
            ente=cycle.ente,
            changes=diff({}, snapshot(validation)),
        )
    return validation
