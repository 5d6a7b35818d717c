"""Retention periods of personal data, and the report of what is past them.

Periods are settings (`PERFORMA_RETENTION`, years or days per kind; see performa/settings.py).
The report only counts: deleting evaluation data is a decision of the ente, taken with
`manage.py retention_report --delete-schede --ente SLUG --confirm`, and written in the audit
trail. Technical data (failed-login records, idempotency keys) may be purged with
`--purge-technical`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from appraisal.models import Scheda
from core.audit import record
from core.exceptions import ServiceError
from core.models import AuditEntry
from integrations.models import IdempotencyKey
from measurement.models import Evidence
from organization.models import Absence, Ente

DEFAULTS = {
    # Years after the end of the cycle's year: the schede (with items and history) and the
    # evidence of measurements; absences after their end; the audit trail after its date.
    "schede_years": 10,
    "evidence_years": 10,
    "absences_years": 5,
    "audit_years": 10,
    # Days: technical records of logins and of API pushes.
    "login_records_days": 180,
    "idempotency_days": 30,
}


def periods() -> dict[str, int]:
    return {**DEFAULTS, **getattr(settings, "PERFORMA_RETENTION", {})}


@dataclass(frozen=True)
class Overdue:
    kind: str
    label: str
    period: str
    count: int


def _years_ago(today: dt.date, years: int) -> int:
    return today.year - years


def report(today: dt.date | None = None, ente: Ente | None = None) -> list[Overdue]:
    today = today or timezone.localdate()
    p = periods()
    last_year = _years_ago(today, p["schede_years"])
    schede = Scheda.objects.filter(cycle__year__lt=last_year)
    evidence = Evidence.objects.filter(
        measurement__cycle__year__lt=_years_ago(today, p["evidence_years"])
    )
    absences = Absence.objects.filter(
        end_date__lt=dt.date(_years_ago(today, p["absences_years"]), today.month, 1)
    )
    audit = AuditEntry.objects.filter(
        created_at__date__lt=dt.date(_years_ago(today, p["audit_years"]), today.month, 1)
    )
    if ente is not None:
        schede = schede.filter(cycle__ente=ente)
        evidence = evidence.filter(measurement__cycle__ente=ente)
        absences = absences.filter(person__ente=ente)
        audit = audit.filter(ente=ente)
    now = timezone.now()
    logins = now - dt.timedelta(days=p["login_records_days"])
    keys = now - dt.timedelta(days=p["idempotency_days"])
    return [
        Overdue("schede", "Schede di valutazione", f"{p['schede_years']} anni", schede.count()),
        Overdue(
            "evidence", "Documenti di evidenza", f"{p['evidence_years']} anni", evidence.count()
        ),
        Overdue("absences", "Assenze", f"{p['absences_years']} anni", absences.count()),
        Overdue("audit", "Registro di audit", f"{p['audit_years']} anni", audit.count()),
        Overdue(
            "login_records",
            "Registrazioni degli accessi",
            f"{p['login_records_days']} giorni",
            AccessAttempt.objects.filter(attempt_time__lt=logins).count()
            + AccessLog.objects.filter(attempt_time__lt=logins).count()
            + AccessFailureLog.objects.filter(attempt_time__lt=logins).count(),
        ),
        Overdue(
            "idempotency",
            "Chiavi di idempotenza dell'API",
            f"{p['idempotency_days']} giorni",
            IdempotencyKey.objects.filter(created_at__lt=keys).count(),
        ),
    ]


@transaction.atomic
def delete_schede(*, ente: Ente, today: dt.date | None = None) -> int:
    """Delete the schede of `ente` past retention: a decision of the ente, logged."""
    today = today or timezone.localdate()
    years = periods()["schede_years"]
    rows = Scheda.objects.filter(cycle__ente=ente, cycle__year__lt=_years_ago(today, years))
    count = rows.count()
    cycles = sorted(set(rows.values_list("cycle__year", flat=True)))
    try:
        rows.delete()
    except ProtectedError as error:
        raise ServiceError(
            "Alcune schede sono usate da distribuzioni di premi conservate: elimina prima "
            "quelle distribuzioni, o allunga il periodo di conservazione."
        ) from error
    record(
        user=None,
        action="retention.delete_schede",
        ente=ente,
        object_type="appraisal.Scheda",
        changes={"count": count, "cycles": cycles, "retention_years": years},
    )
    return count


def purge_technical() -> int:
    p = periods()
    now = timezone.now()
    logins = now - dt.timedelta(days=p["login_records_days"])
    removed = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        removed += model.objects.filter(attempt_time__lt=logins).delete()[0]
    keys = now - dt.timedelta(days=p["idempotency_days"])
    removed += IdempotencyKey.objects.filter(created_at__lt=keys).delete()[0]
    return removed
