"""Every write of measurement and monitoring.

Each function takes keyword arguments with the acting `user` first (None for system actions
such as the demo loader, which are trusted), checks `measurement.access`, validates, runs in a
transaction and writes one audit row. Refusals are `ServiceError`s with an Italian message that
names the field (`field=`); a refused write leaves nothing half-written.

Periods and windows: a value belongs to the period ending on `period_end`. A monitoring window
(30 June, 30 September, the final one) covers every period ending on or before its date; once
the window is closed those values change only through `measurement_correct`, with a reason.

Concurrent edits: a `Measurement` carries a `version`. A form sends back the version it showed
(`expected_version`; 0 means "there was no value yet"); if someone saved in between, the save is
refused with code "conflict" and the name of whoever changed it, never silently overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify

from core.audit import audit, diff, record, state_of
from core.exceptions import AccessDenied, ServiceError
from core.parsing import parse_date
from engine import achievement as ea
from engine.config import ConfigError, SmvpSettings
from engine.numbers import format_date, format_number, format_percent
from measurement import access as rules
from measurement import scoring, selectors
from measurement.models import (
    MEASURING_STATES,
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementCorrection,
    MeasurementState,
    MonitoringWindow,
    ObjectiveDelegate,
    PeriodKind,
    Reminder,
    WindowSnapshot,
    WindowState,
)
from organization.models import Ente, Parameter, Person
from planning import formulas
from planning.models import (
    Cycle,
    Indicator,
    OperationalObjective,
    Phase,
    Target,
    TargetKind,
)
from planning.years import indicator_belongs, objective_belongs, objective_years, years_label

HUNDRED = Decimal("100")
DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


# Extension → (content type, accepted leading bytes or None when the content is free text).
PDF = (b"%PDF-",)
PNG = (b"\x89PNG\r\n\x1a\n",)
JPEG = (b"\xff\xd8\xff",)
ZIP = (b"PK\x03\x04",)  # OOXML and OpenDocument files are zip archives
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # doc, xls, ppt
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", PDF),
    "png": ("image/png", PNG),
    "jpg": ("image/jpeg", JPEG),
    "jpeg": ("image/jpeg", JPEG),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    "odp": ("application/vnd.oasis.opendocument.presentation", ZIP),
    "doc": ("application/msword", OLE),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ZIP,
    ),
    "xls": ("application/vnd.ms-excel", OLE),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "ppt": ("application/vnd.ms-powerpoint", OLE),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ZIP,
    ),
    "csv": ("text/csv", None),
    "txt": ("text/plain", None),
}
MAGIC_LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", ZIP: "Office/OpenDocument", OLE: "Office"}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _access(user, ente: Ente) -> rules.MeasurementAccess | None:
    """None for system actions; the user's rights otherwise (AccessDenied without a role)."""
    if user is None:
        return None
    try:
        return rules.measurement_access(user, ente)
    except PermissionDenied as exc:
        raise AccessDenied(str(exc)) from exc


def _authorize(user, ente: Ente, check, message: str) -> None:
    access = _access(user, ente)
    if access is not None and not check(access):
        raise AccessDenied(message)


# `entered_at` changes with every save of a value, like `updated_at`: noise in an audit diff.
_state = partial(state_of, noise=("updated_at", "entered_at"))


def _within_year(day: dt.date | None, cycle: Cycle, label: str, field: str) -> None:
    if day is not None and day.year != cycle.year:
        raise ServiceError(
            f"{label} ({format_date(day)}) è fuori dall'anno del ciclo {cycle.year}.",
            field=field,
        )


def _number(raw: Any, label: str, field: str) -> Decimal | None:
    try:
        number = scoring.parse_number(raw)
    except scoring.NotANumber as exc:
        raise ServiceError(f"{label}: {exc}.", field=field) from None
    if number is None:
        return None
    if abs(number) >= scoring.MAX_VALUE:
        raise ServiceError(f"{label}: il valore «{raw}» è troppo grande.", field=field)
    if number != number.quantize(scoring.VALUE_QUANTUM):
        raise ServiceError(f"{label}: al massimo quattro decimali (indicato «{raw}»).", field=field)
    return number


def _require_measuring(cycle: Cycle) -> None:
    if cycle.state not in MEASURING_STATES:
        raise ServiceError(
            f"Il piano {cycle.year} è nello stato «{cycle.get_state_display()}»: i valori si "
            "registrano quando il piano è approvato, in monitoraggio o in misurazione.",
            field="cycle",
        )


def _require_of_the_year(indicator: Indicator, cycle: Cycle) -> None:
    """A multi-year plan holds indicators of other years: their values belong to the cycles of
    those years (the cycle of a year monitors only what belongs to it, see planning.years)."""
    objective = indicator.objective
    if objective is not None:
        group = objective.weight_group
        group_years = {group.pk: group.years} if group is not None else {}
        if not objective_belongs(objective, cycle.year, group_years):
            years = years_label(objective_years(objective.years, group.years if group else None))
            raise ServiceError(
                f"L'obiettivo «{objective.title}» appartiene al {years}, non al "
                f"{cycle.year}: i suoi valori si inseriscono nel ciclo di quegli anni.",
                field="indicator",
            )
    target_years = list(indicator.targets.values_list("year", flat=True))
    if not indicator_belongs(target_years, cycle.year):
        raise ServiceError(
            f"L'indicatore «{indicator.name}» ha target solo per "
            f"{years_label(target_years)}, non per il {cycle.year}: i suoi valori si "
            "inseriscono nel ciclo di quegli anni.",
            field="indicator",
        )


def _closing_window(cycle: Cycle, period_end: dt.date) -> MonitoringWindow | None:
    """The earliest closed window that covers a period ending on `period_end`."""
    return (
        MonitoringWindow.objects.filter(
            cycle=cycle, state=WindowState.CLOSED, period_end__gte=period_end
        )
        .order_by("period_end")
        .first()
    )


def period_start_for(kind: str, period_end: dt.date) -> dt.date:
    """The first day of the month, quarter, four months, semester or year ending on that date."""
    months = {
        PeriodKind.MONTH: 1,
        PeriodKind.QUARTER: 3,
        PeriodKind.FOUR_MONTHS: 4,
        PeriodKind.SEMESTER: 6,
        PeriodKind.YEAR: 12,
    }
    if kind == PeriodKind.POINT:
        return period_end
    span = months[kind]
    first_month = (period_end.month - 1) // span * span + 1
    return dt.date(period_end.year, first_month, 1)


def _subject_label(indicator: Indicator | None, parameter: Parameter | None) -> str:
    if indicator is not None:
        return f"indicatore «{indicator.name}»"
    return f"parametro «{parameter}»"


def _target_of(indicator: Indicator, year: int) -> Target | None:
    return Target.objects.filter(indicator=indicator, year=year).first()


def _achievement(
    indicator: Indicator,
    cycle: Cycle,
    value: Decimal | None,
    completed_on: dt.date | None,
    as_of: dt.date,
) -> ea.Achievement:
    target = scoring.engine_target(indicator, _target_of(indicator, cycle.year))
    settings = scoring.ente_settings(cycle.ente.smvp_settings)
    return ea.score_indicator(
        target,
        ea.Measurement(value=value, completed_on=completed_on, as_of=as_of),
        settings.indicator,
        baseline=indicator.baseline_value,
        cap=settings.cap,
    )


def _is_descriptive(indicator: Indicator, cycle: Cycle) -> bool:
    """A target written only as text: its value is the attested degree of achievement (0–100)."""
    target = _target_of(indicator, cycle.year)
    return target is not None and target.kind == TargetKind.TEXT


def _check_value_rules(
    *,
    cycle: Cycle,
    indicator: Indicator | None,
    value: Decimal | None,
    completed_on: dt.date | None,
    period_end: dt.date,
    deviation_note: str,
) -> None:
    """Percentages within 0..100; a value off target needs the reason of the deviation."""
    if indicator is None:
        return
    label = _subject_label(indicator, None)
    if (
        value is not None
        and scoring.is_percent(indicator.unit_of_measure)
        and not (0 <= value <= HUNDRED)
    ):
        raise ServiceError(
            f"Valore dell'{label}: {format_number(value)} non è una percentuale valida "
            "(deve essere tra 0 e 100).",
            field="value",
        )
    if value is not None and _is_descriptive(indicator, cycle) and not (0 <= value <= HUNDRED):
        raise ServiceError(
            f"Valore dell'{label}: il target è descrittivo, quindi il valore è il grado di "
            f"raggiungimento attestato, tra 0 e 100 (non {format_number(value)}).",
            field="value",
        )
    if deviation_note:
        return
    result = _achievement(indicator, cycle, value, completed_on, period_end)
    if result.is_scored and result.percent < HUNDRED:
        raise ServiceError(
            f"Il valore dell'{label} è sotto il target ({format_percent(result.percent)}): "
            "scrivi la motivazione dello scostamento.",
            field="deviation_note",
        )


def _conflict(measurement: Measurement) -> ServiceError:
    who = str(measurement.entered_by) if measurement.entered_by_id else "un altro utente"
    when = timezone.localtime(measurement.updated_at).strftime("%d/%m/%Y %H:%M")
    return ServiceError(
        f"Il valore è stato modificato da {who} il {when}: ricarica la pagina prima di salvare.",
        field="value",
        code="conflict",
    )


# ---------------------------------------------------------------------------------------------
# Monitoring windows
# ---------------------------------------------------------------------------------------------


def _window_key(cycle: Cycle, label: str, period_end: dt.date) -> str:
    base = slugify(label)[:70].strip("-") or f"monitoraggio-{period_end:%Y-%m-%d}"
    taken = set(
        MonitoringWindow.objects.filter(cycle=cycle, key__startswith=base).values_list(
            "key", flat=True
        )
    )
    key, number = base, 2
    while key in taken:
        key = f"{base}-{number}"
        number += 1
    return key


@transaction.atomic
def window_create(
    *, user, cycle: Cycle, label: str, period_end: Any, is_final: bool = False
) -> MonitoringWindow:
    """A monitoring window of the cycle at `period_end` (e.g. 30 June), open."""
    _authorize(
        user,
        cycle.ente,
        rules.can_manage_windows,
        "Solo l'amministratore gestisce le finestre di monitoraggio.",
    )
    label = (label or "").strip()
    if not label:
        raise ServiceError("Indica la denominazione della finestra.", field="label")
    day = parse_date(period_end, label="Data di riferimento", field="period_end")
    if day is None:
        raise ServiceError("Indica la data di riferimento della finestra.", field="period_end")
    _within_year(day, cycle, "La data di riferimento", "period_end")
    windows = list(MonitoringWindow.objects.select_for_update().filter(cycle=cycle))
    for other in windows:
        if other.period_end == day:
            raise ServiceError(
                f"Esiste già la finestra «{other.label}» al {format_date(day)}.",
                field="period_end",
            )
    if is_final and any(other.is_final for other in windows):
        raise ServiceError("Il ciclo ha già una rilevazione finale.", field="is_final")
    final = next((other for other in windows if other.is_final), None)
    if final is not None and day > final.period_end:
        raise ServiceError(
            f"La data di riferimento segue la rilevazione finale del "
            f"{format_date(final.period_end)}.",
            field="period_end",
        )
    if is_final and any(other.period_end > day for other in windows):
        raise ServiceError(
            "La rilevazione finale deve essere l'ultima finestra del ciclo.", field="is_final"
        )
    closed_after = [o for o in windows if o.is_closed and o.period_end > day]
    if closed_after:
        raise ServiceError(
            f"La finestra «{closed_after[0].label}» è già chiusa: non si può aggiungere una "
            "finestra precedente.",
            field="period_end",
        )
    window = MonitoringWindow.objects.create(
        cycle=cycle,
        key=_window_key(cycle, label, day),
        label=label,
        period_end=day,
        is_final=bool(is_final),
    )
    audit(user, "window.create", window, cycle.ente, diff({}, _state(window)))
    return window


@transaction.atomic
def window_close(*, user, window: MonitoringWindow) -> WindowSnapshot:
    """Close the window, freezing every value and score in a snapshot. Irreversible."""
    cycle = window.cycle
    _authorize(
        user,
        cycle.ente,
        rules.can_manage_windows,
        "Solo l'amministratore chiude le finestre di monitoraggio.",
    )
    window = MonitoringWindow.objects.select_for_update().get(pk=window.pk)
    if window.is_closed:
        raise ServiceError(f"La finestra «{window.label}» è già chiusa.", field="state")
    earlier = (
        MonitoringWindow.objects.filter(
            cycle=cycle, state=WindowState.OPEN, period_end__lt=window.period_end
        )
        .order_by("period_end")
        .first()
    )
    if earlier is not None:
        raise ServiceError(
            f"Chiudi prima la finestra «{earlier.label}» del {format_date(earlier.period_end)}.",
            field="state",
        )
    window.state = WindowState.CLOSED
    window.closed_at = timezone.now()
    window.closed_by = user if getattr(user, "is_authenticated", False) else None
    window.save(update_fields=["state", "closed_at", "closed_by"])
    board = selectors.cycle_scores(cycle, window=window)
    data = board.to_dict()
    data["values"] = selectors.values_as_of(cycle, window.period_end)
    snapshot_row = WindowSnapshot.objects.create(window=window, data=data)
    audit(
        user,
        "window.close",
        window,
        cycle.ente,
        {"state": [WindowState.OPEN, WindowState.CLOSED]},
    )
    return snapshot_row


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def measurement_save(
    *,
    user,
    cycle: Cycle,
    indicator: Indicator | None = None,
    parameter: Parameter | None = None,
    period_kind: str,
    period_end: Any,
    period_start: Any = None,
    value: Any = None,
    completed_on: Any = None,
    note: str = "",
    deviation_note: str = "",
    is_cumulative: bool = True,
    expected_version: int | None = None,
) -> Measurement:
    """Create or update the value of an indicator (or a parameter) for the period ending then.

    `expected_version` is the version the writer saw (0: no value yet, None: do not check).
    """
    _require_subject(user, cycle, indicator, parameter)
    _require_measuring(cycle)
    start, end = _open_period(cycle, period_kind, period_end, period_start)
    number, done = _typed_value(cycle, indicator, parameter, value, completed_on)
    note = (note or "").strip()
    deviation_note = (deviation_note or "").strip()
    _check_value_rules(
        cycle=cycle,
        indicator=indicator,
        value=number,
        completed_on=done,
        period_end=end,
        deviation_note=deviation_note,
    )
    subject = {"indicator": indicator} if indicator is not None else {"parameter": parameter}
    existing = _existing_value(subject, end, expected_version)
    fields = {
        "period_kind": period_kind,
        "period_start": start,
        "is_cumulative": bool(is_cumulative),
        "value": number,
        "completed_on": done,
        "note": note,
        "deviation_note": deviation_note,
        "state": MeasurementState.DRAFT,
        "entered_by": user if getattr(user, "is_authenticated", False) else None,
        "approved_by": None,
        "approved_at": None,
    }
    if existing is None:
        return _value_create(user, cycle, subject, end, fields)
    return _value_update(user, cycle, existing, fields)


def _typed_value(
    cycle: Cycle,
    indicator: Indicator | None,
    parameter: Parameter | None,
    value: Any,
    completed_on: Any,
) -> tuple[Decimal | None, dt.date | None]:
    """(value, completion date) as typed; one of them is required, but for a milestone."""
    label = _subject_label(indicator, parameter)
    number = _number(value, f"Valore dell'{label}" if indicator else f"Valore del {label}", "value")
    done = parse_date(completed_on, label="Data di completamento", field="completed_on")
    _within_year(done, cycle, "La data di completamento", "completed_on")
    milestone = indicator is not None and indicator.polarity == "milestone"
    if number is None and done is None and not milestone:
        raise ServiceError(
            f"Indica il valore dell'{label}." if indicator else f"Indica il valore del {label}.",
            field="value",
        )
    return number, done


def _value_update(user, cycle: Cycle, existing: Measurement, fields: dict[str, Any]) -> Measurement:
    before = _state(existing)
    for name, new in fields.items():
        setattr(existing, name, new)
    existing.version += 1
    existing.save()
    audit(user, "measurement.update", existing, cycle.ente, diff(before, _state(existing)))
    return existing


def _require_subject(
    user, cycle: Cycle, indicator: Indicator | None, parameter: Parameter | None
) -> None:
    """Exactly one of indicator and parameter, of this cycle's ente, that the user may fill in
    (a computed indicator is never typed)."""
    if (indicator is None) == (parameter is None):
        raise ServiceError("Indica un indicatore oppure un parametro.", field="indicator")
    ente = cycle.ente
    access = _access(user, ente)
    if indicator is not None:
        if indicator.cycle_id != cycle.pk:
            raise ServiceError(
                f"L'indicatore non appartiene al piano {cycle.year}.", field="indicator"
            )
        _require_of_the_year(indicator, cycle)
        if access is not None and not rules.can_enter(access, indicator):
            raise AccessDenied("Non puoi inserire valori per questo indicatore.")
        if formulas.is_computed(indicator):
            raise ServiceError(
                f"L'indicatore «{indicator.name}» è calcolato con la formula "
                f"«{formulas.formula_expression(indicator)}»: il suo valore non si inserisce, "
                "si aggiornano i valori da cui dipende.",
                field="value",
            )
    else:
        assert parameter is not None
        if parameter.unit.ente_id != ente.pk:
            raise ServiceError(f"Il parametro non appartiene all'ente {ente}.", field="parameter")
        if access is not None and not rules.can_enter_parameter(access, parameter):
            raise AccessDenied("Non puoi inserire valori per questo parametro.")


def _open_period(
    cycle: Cycle, period_kind: str, period_end: Any, period_start: Any
) -> tuple[dt.date, dt.date]:
    """(start, end) of the period, within the cycle's year and outside any closed window."""
    if period_kind not in PeriodKind.values:
        raise ServiceError(f"Periodo: valore «{period_kind}» non previsto.", field="period_kind")
    end = parse_date(period_end, label="Fine del periodo", field="period_end")
    if end is None:
        raise ServiceError("Indica la fine del periodo.", field="period_end")
    _within_year(end, cycle, "La fine del periodo", "period_end")
    start = parse_date(period_start, label="Inizio del periodo", field="period_start")
    start = start or period_start_for(period_kind, end)
    _within_year(start, cycle, "L'inizio del periodo", "period_start")
    if start > end:
        raise ServiceError("L'inizio del periodo segue la fine del periodo.", field="period_start")
    window = _closing_window(cycle, end)
    if window is not None:
        raise ServiceError(
            f"Il periodo al {format_date(end)} appartiene alla finestra «{window.label}», già "
            "chiusa: per cambiare il valore registra una correzione motivata.",
            field="period_end",
        )
    return start, end


def _existing_value(
    subject: dict[str, Any], end: dt.date, expected_version: int | None
) -> Measurement | None:
    """The value already stored for the period, locked, if it is the version the writer saw."""
    existing = (
        Measurement.objects.select_for_update(of=("self",))
        .select_related("entered_by")
        .filter(period_end=end, **subject)
        .first()
    )
    if existing is None and expected_version not in (None, 0):
        raise ServiceError(
            "Il valore che stavi modificando è stato eliminato: ricarica la pagina.",
            field="value",
            code="conflict",
        )
    if existing is not None and expected_version not in (None, existing.version):
        raise _conflict(existing)
    return existing


def _value_create(
    user, cycle: Cycle, subject: dict[str, Any], end: dt.date, fields: dict[str, Any]
) -> Measurement:
    try:
        with transaction.atomic():
            measurement = Measurement.objects.create(
                cycle=cycle, period_end=end, version=1, **subject, **fields
            )
    except IntegrityError:
        # Someone created the same value between our read and our write.
        other = Measurement.objects.select_related("entered_by").get(period_end=end, **subject)
        raise _conflict(other) from None
    audit(user, "measurement.create", measurement, cycle.ente, diff({}, _state(measurement)))
    return measurement


@transaction.atomic
def measurement_approve(*, user, measurement: Measurement) -> Measurement:
    ente = measurement.cycle.ente
    access = _access(user, ente)
    if access is not None and not rules.can_approve(access, measurement):
        if measurement.entered_by_id is not None and measurement.entered_by_id == user.pk:
            raise AccessDenied("Non puoi approvare un valore che hai inserito tu.")
        raise AccessDenied("Solo il responsabile della struttura approva questo valore.")
    current = Measurement.objects.select_for_update().get(pk=measurement.pk)
    if current.state == MeasurementState.APPROVED:
        raise ServiceError("Il valore è già approvato.", field="state")
    before = _state(current)
    current.state = MeasurementState.APPROVED
    current.approved_by = user if getattr(user, "is_authenticated", False) else None
    current.approved_at = timezone.now()
    current.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
    audit(user, "measurement.approve", current, ente, diff(before, _state(current)))
    return current


@transaction.atomic
def measurement_correct(
    *,
    user,
    measurement: Measurement,
    value: Any = None,
    completed_on: Any = None,
    reason: str,
    deviation_note: str | None = None,
) -> MeasurementCorrection:
    """Change a value of a closed window, keeping the old and the new value with the reason."""
    cycle = measurement.cycle
    ente = cycle.ente
    access = _access(user, ente)
    if access is not None and not rules.can_correct(access, measurement):
        raise AccessDenied("Solo il responsabile della struttura corregge questo valore.")
    current, window = _closed_value(cycle, measurement)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Indica il motivo della correzione.", field="reason")
    number, done = _corrected_value(cycle, current, value, completed_on)
    note = current.deviation_note if deviation_note is None else deviation_note.strip()
    _check_value_rules(
        cycle=cycle,
        indicator=current.indicator,
        value=number,
        completed_on=done,
        period_end=current.period_end,
        deviation_note=note,
    )
    before = _state(current)
    correction = MeasurementCorrection.objects.create(
        measurement=current,
        window=window,
        old_value=current.value,
        new_value=number,
        old_completed_on=current.completed_on,
        new_completed_on=done,
        reason=reason,
        corrected_by=user if getattr(user, "is_authenticated", False) else None,
    )
    current.value = number
    current.completed_on = done
    current.deviation_note = note
    current.version += 1
    current.save()
    changes = diff(before, _state(current))
    changes["reason"] = [None, reason]
    audit(user, "measurement.correct", current, ente, changes)
    return correction


def _closed_value(cycle: Cycle, measurement: Measurement) -> tuple[Measurement, MonitoringWindow]:
    """The value, locked, with the closed window it belongs to (an open one needs no
    correction)."""
    current = (
        Measurement.objects.select_for_update(of=("self",))
        .select_related("indicator", "parameter")
        .get(pk=measurement.pk)
    )
    window = _closing_window(cycle, current.period_end)
    if window is None:
        raise ServiceError(
            "Il valore appartiene a un periodo ancora aperto: modificalo direttamente, senza "
            "correzione.",
            field="value",
        )
    return current, window


def _corrected_value(
    cycle: Cycle, current: Measurement, value: Any, completed_on: Any
) -> tuple[Decimal | None, dt.date | None]:
    """(value, completion date) of a correction: one of them, and not the stored ones."""
    label = _subject_label(current.indicator, current.parameter)
    number = _number(value, f"Valore dell'{label}", "value")
    done = parse_date(completed_on, label="Data di completamento", field="completed_on")
    _within_year(done, cycle, "La data di completamento", "completed_on")
    if number is None and done is None:
        raise ServiceError("Indica il valore corretto.", field="value")
    if number == current.value and done == current.completed_on:
        raise ServiceError("Il valore corretto è uguale a quello registrato.", field="value")
    return number, done


# ---------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------


def evidence_max_bytes() -> int:
    return int(getattr(django_settings, "PERFORMA_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{format_number(Decimal(size) / Decimal(1024 * 1024), 1)} MB"


def _authorize_subject(user, measurement: Measurement, message: str) -> None:
    access = _access(user, measurement.cycle.ente)
    if access is None:
        return
    if measurement.indicator_id is not None:
        allowed = rules.can_enter(access, measurement.indicator)
    else:
        allowed = rules.can_enter_parameter(access, measurement.parameter)
    if not allowed:
        raise AccessDenied(message)


def _check_upload(uploaded_file) -> tuple[str, str]:
    """(safe file name, content type) of an acceptable file; ServiceError otherwise."""
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_TYPES:
        allowed = ", ".join(EVIDENCE_TYPES)
        raise ServiceError(
            f"Il file «{name}» non è di un tipo ammesso (ammessi: {allowed}).", field="file"
        )
    size = uploaded_file.size
    if not size:
        raise ServiceError(f"Il file «{name}» è vuoto.", field="file")
    limit = evidence_max_bytes()
    if size > limit:
        raise ServiceError(
            f"Il file «{name}» ({_megabytes(size)}) supera la dimensione massima di "
            f"{_megabytes(limit)}.",
            field="file",
        )
    content_type, signatures = EVIDENCE_TYPES[extension]
    uploaded_file.seek(0)
    head = uploaded_file.read(2048)
    uploaded_file.seek(0)
    if signatures is not None and not any(head.startswith(sig) for sig in signatures):
        raise ServiceError(
            f"Il contenuto del file «{name}» non è un {MAGIC_LABELS[signatures]} valido: "
            "l'estensione non corrisponde al contenuto.",
            field="file",
        )
    if signatures is None and b"\x00" in head:
        raise ServiceError(
            f"Il file «{name}» non è un file di testo: l'estensione non corrisponde al contenuto.",
            field="file",
        )
    safe = get_valid_filename(name) or f"documento.{extension}"
    return safe, content_type


@transaction.atomic
def evidence_add(*, user, measurement: Measurement, uploaded_file) -> Evidence:
    """Attach a supporting document (PDF, image, office file) to a value."""
    _authorize_subject(user, measurement, "Non puoi allegare documenti a questo valore.")
    name, content_type = _check_upload(uploaded_file)
    evidence = Evidence(
        measurement=measurement,
        original_name=os.path.basename(uploaded_file.name)[:255],
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    evidence.file.save(name, uploaded_file, save=False)
    evidence.save()
    audit(
        user,
        "evidence.add",
        evidence,
        measurement.cycle.ente,
        {"file": [None, evidence.original_name], "measurement": [None, measurement.pk]},
    )
    return evidence


@transaction.atomic
def evidence_delete(*, user, evidence: Evidence) -> None:
    measurement = evidence.measurement
    _authorize_subject(user, measurement, "Non puoi eliminare documenti di questo valore.")
    ente = measurement.cycle.ente
    name, path = evidence.original_name, evidence.file.name
    storage = evidence.file.storage
    audit(user, "evidence.delete", evidence, ente, {"file": [name, None]})
    evidence.delete()
    if path:
        transaction.on_commit(lambda: storage.delete(path))


# ---------------------------------------------------------------------------------------------
# Phases, corrective actions, delegates
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def phase_progress_save(
    *, user, phase: Phase, progress: Any = None, actual_end: Any = None, actual_text: str = ""
) -> Phase:
    """The actual side of a phase: progress %, date of completion, «consuntivo»."""
    objective = phase.objective
    cycle = objective.cycle
    _authorize(
        user,
        cycle.ente,
        lambda access: rules.can_update_phase(access, phase),
        "Non puoi aggiornare le fasi di questo obiettivo.",
    )
    _require_measuring(cycle)
    label = f"Avanzamento della fase «{phase.label or phase.description[:40]}»"
    number = _number(progress, label, "progress")
    if number is not None and not (Decimal(0) <= number <= HUNDRED):
        raise ServiceError(
            f"{label}: deve essere tra 0 e 100 (indicato {format_number(number)}).",
            field="progress",
        )
    if number is not None and number != number.quantize(Decimal("0.01")):
        raise ServiceError(f"{label}: al massimo due decimali.", field="progress")
    end = parse_date(actual_end, label="Conclusione effettiva", field="actual_end")
    _within_year(end, cycle, "La conclusione effettiva", "actual_end")
    final = MonitoringWindow.objects.filter(
        cycle=cycle, is_final=True, state=WindowState.CLOSED
    ).first()
    if final is not None:
        raise ServiceError(
            f"La rilevazione finale «{final.label}» è chiusa: l'avanzamento delle fasi non si "
            "modifica più.",
            field="progress",
        )
    current = Phase.objects.select_for_update().get(pk=phase.pk)
    before = _state(current)
    current.progress = number
    current.actual_end = end
    current.actual_text = (actual_text or "").strip()
    current.save(update_fields=["progress", "actual_end", "actual_text"])
    audit(user, "phase.progress", current, cycle.ente, diff(before, _state(current)))
    return current


@transaction.atomic
def corrective_action_add(
    *,
    user,
    objective: OperationalObjective,
    description: str,
    due_date: Any = None,
    window: MonitoringWindow | None = None,
) -> CorrectiveAction:
    cycle = objective.cycle
    _authorize(
        user,
        cycle.ente,
        lambda access: rules.can_enter_objective(access, objective),
        "Non puoi registrare azioni correttive per questo obiettivo.",
    )
    description = (description or "").strip()
    if not description:
        raise ServiceError("Descrivi l'azione correttiva.", field="description")
    due = parse_date(due_date, label="Entro il", field="due_date")
    if window is not None and window.cycle_id != cycle.pk:
        raise ServiceError(f"La finestra non appartiene al piano {cycle.year}.", field="window")
    action = CorrectiveAction.objects.create(
        objective=objective,
        window=window,
        description=description,
        due_date=due,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit(user, "corrective_action.add", action, cycle.ente, diff({}, _state(action)))
    return action


@transaction.atomic
def corrective_action_done(*, user, action: CorrectiveAction) -> CorrectiveAction:
    objective = action.objective
    _authorize(
        user,
        objective.cycle.ente,
        lambda access: rules.can_enter_objective(access, objective),
        "Non puoi aggiornare le azioni correttive di questo obiettivo.",
    )
    current = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    if current.status == CorrectiveAction.Status.DONE:
        raise ServiceError("L'azione correttiva è già attuata.", field="status")
    before = _state(current)
    current.status = CorrectiveAction.Status.DONE
    current.save(update_fields=["status"])
    changes = diff(before, _state(current))
    audit(user, "corrective_action.done", current, objective.cycle.ente, changes)
    return current


@transaction.atomic
def delegate_add(*, user, objective: OperationalObjective, person: Person) -> ObjectiveDelegate:
    ente = objective.cycle.ente
    _authorize(
        user,
        ente,
        lambda access: rules.can_manage_delegates(access, objective),
        "Non puoi nominare delegati per questo obiettivo.",
    )
    if person.ente_id != ente.pk:
        raise ServiceError(f"{person} non appartiene all'ente {ente}.", field="person")
    if not rules.can_be_delegate(objective, person):
        raise ServiceError(
            f"{person} non lavora nell'unità «{getattr(objective.unit, 'name', '')}» né nelle "
            "sue sottounità: può essere delegato solo il personale dell'unità dell'obiettivo.",
            field="person",
        )
    if ObjectiveDelegate.objects.filter(objective=objective, person=person).exists():
        raise ServiceError(f"{person} è già delegato per questo obiettivo.", field="person")
    delegate = ObjectiveDelegate.objects.create(objective=objective, person=person)
    audit(user, "delegate.add", delegate, ente, {"person": [None, person.pk]})
    return delegate


@transaction.atomic
def delegate_remove(*, user, delegate: ObjectiveDelegate) -> None:
    objective = delegate.objective
    ente = objective.cycle.ente
    _authorize(
        user,
        ente,
        lambda access: rules.can_manage_delegates(access, objective),
        "Non puoi revocare i delegati di questo obiettivo.",
    )
    audit(user, "delegate.remove", delegate, ente, {"person": [delegate.person_id, None]})
    delegate.delete()


# ---------------------------------------------------------------------------------------------
# Reminders and SMVP settings
# ---------------------------------------------------------------------------------------------


class RemindersSent(list):
    """The reminders sent; `without_email` lists the owners with pending values but no e-mail."""

    def __init__(self, reminders=(), without_email=()):
        super().__init__(reminders)
        self.without_email: list[Person] = list(without_email)


@dataclass(frozen=True)
class _Mail:
    person: Person
    pending: list


def _reminder_text(cycle: Cycle, person: Person, pending: list, today: dt.date) -> str:
    lines = [
        f"Gentile {person.display_name},",
        "",
        f"nel ciclo della performance {cycle.year} di {cycle.ente.name} risultano da aggiornare "
        f"i seguenti valori (situazione al {format_date(today)}):",
        "",
    ]
    for item in pending:
        late = " – IN RITARDO" if item.overdue else ""
        what = "grado di raggiungimento attestato" if item.descriptive else "valore"
        lines.append(f"- {item.subject_label}: {what} al {format_date(item.period_end)}{late}")
        if item.objective_label:
            lines.append(f"  obiettivo: {item.objective_label}")
    lines += [
        "",
        "Puoi inserirli in Performa, alla pagina «Le mie scadenze».",
        "",
        "Messaggio inviato automaticamente da Performa.",
    ]
    return "\n".join(lines)


@transaction.atomic
def reminders_send(*, user, cycle: Cycle, today: dt.date | None = None) -> RemindersSent:
    """One e-mail to each owner with pending values and an e-mail address."""
    ente = cycle.ente
    _authorize(user, ente, rules.can_send_reminders, "Solo l'amministratore invia i solleciti.")
    today = today or timezone.localdate()
    pending = selectors.pending_by_owner(cycle, today)
    mails, without_email = [], []
    for person, items in pending:
        (mails if person.email else without_email).append(_Mail(person, items))
    if not mails:
        return RemindersSent([], [mail.person for mail in without_email])
    subject = f"Performa – valori da aggiornare nel ciclo {cycle.year}"
    connection = get_connection()
    messages = [
        EmailMessage(
            subject=subject,
            body=_reminder_text(cycle, mail.person, mail.pending, today),
            from_email=django_settings.DEFAULT_FROM_EMAIL,
            to=[mail.person.email],
            connection=connection,
        )
        for mail in mails
    ]
    try:
        connection.send_messages(messages)
    except Exception as exc:  # the mail server's own error, shown to the administrator
        raise ServiceError(f"Invio dei solleciti non riuscito: {exc}", field="email") from exc
    sender = user if getattr(user, "is_authenticated", False) else None
    reminders = [
        Reminder.objects.create(
            cycle=cycle,
            person=mail.person,
            email=mail.person.email,
            pending_count=len(mail.pending),
            sent_by=sender,
        )
        for mail in mails
    ]
    record(
        user=user,
        action="reminders.send",
        obj=cycle,
        ente=ente,
        changes={
            "sent": [None, [mail.person.pk for mail in mails]],
            "without_email": [None, [mail.person.pk for mail in without_email]],
        },
    )
    return RemindersSent(reminders, [mail.person for mail in without_email])


@transaction.atomic
def smvp_settings_update(*, user, ente: Ente, data: dict) -> Ente:
    """Validate and store the SMVP rules of the ente (every problem reported at once)."""
    _authorize(
        user, ente, rules.can_edit_smvp, "Solo l'amministratore modifica le regole del SMVP."
    )
    try:
        settings = SmvpSettings.from_dict(data)
    except ConfigError as exc:
        first_key = exc.errors[0][0] if exc.errors else None
        lines = "; ".join(f"{key}: {message}" for key, message in exc.errors)
        raise ServiceError(f"Impostazioni SMVP non valide – {lines}.", field=first_key) from None
    current = Ente.objects.select_for_update().get(pk=ente.pk)
    before = current.smvp_settings
    current.smvp_settings = settings.to_dict()
    current.save(update_fields=["smvp_settings"])
    ente.smvp_settings = current.smvp_settings
    record(
        user=user,
        action="smvp.update",
        obj=current,
        ente=current,
        changes={"smvp_settings": [before, current.smvp_settings]},
    )
    return current
