"""Generating the schede: who is evaluated, by whom, whether eligible; the organisational
performance that prefills them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from appraisal.models import (
    EvaluationScheme,
    EvaluatorKind,
    Scheda,
    SchedaState,
    SchedaTransition,
)
from appraisal.services._common import (
    MANAGER_ROLES,
    PROTECTED_LEAVE,
    SEGRETARIO_ROLES,
    _by,
    _require_admin,
)
from appraisal.services.schemes import (
    scheme_validate,
)
from core.audit import audit
from core.exceptions import ServiceError
from engine import appraisal as ea
from engine import tree
from engine.numbers import format_percent
from organization.models import (
    Absence,
    AssignmentKind,
    Employment,
    Person,
    Role,
    Unit,
)
from organization.models import Assignment as UnitAssignment
from planning.formatting import date_it
from planning.models import Cycle

# ---------------------------------------------------------------------------------------------
# Generating the schede: who is evaluated, by whom, and whether eligible
# ---------------------------------------------------------------------------------------------


@dataclass
class PersonYear:
    """What the year looks like for one person: service, role, unit, absences."""

    person: Person
    employment: Employment
    service: set[dt.date] = field(default_factory=set)
    employments: list[Employment] = field(default_factory=list)
    assignments: list[UnitAssignment] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)

    @property
    def service_days(self) -> int:
        return len(self.service)

    @property
    def role(self) -> str:
        return self.employment.role


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _overlapping(start_field: str, end_field: str, first: dt.date, last: dt.date) -> Q:
    return (Q(**{f"{start_field}__isnull": True}) | Q(**{f"{start_field}__lte": last})) & (
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": first})
    )


def _days(start: dt.date | None, end: dt.date | None, first: dt.date, last: dt.date):
    low = max(start or first, first)
    high = min(end or last, last)
    return (
        {low + dt.timedelta(days=n) for n in range((high - low).days + 1)} if low <= high else set()
    )


def population(cycle: Cycle, person_ids: Iterable[int] | None = None) -> dict[int, PersonYear]:
    """Everyone with an employment overlapping the cycle's year (external collaborators
    excluded), with their service days, assignments and absences: four queries."""
    first, last = _year_bounds(cycle.year)
    employments = Employment.objects.filter(person__ente_id=cycle.ente_id).filter(
        _overlapping("start_date", "end_date", first, last)
    )
    if person_ids is not None:
        employments = employments.filter(person_id__in=list(person_ids))
    people: dict[int, PersonYear] = {}
    for employment in employments.select_related("person").order_by("person_id", "start_date"):
        if employment.role == Role.EXTERNAL:
            continue
        entry = people.get(employment.person_id)
        if entry is None:
            entry = people[employment.person_id] = PersonYear(employment.person, employment)
        entry.employments.append(employment)
        entry.service |= _days(employment.start_date, employment.end_date, first, last)
        # The employment in force at the end of the period counts (latest start wins).
        if (employment.start_date or first) >= (entry.employment.start_date or first):
            entry.employment = employment
    if not people:
        return people
    for assignment in (
        UnitAssignment.objects.filter(person_id__in=list(people))
        .filter(_overlapping("start_date", "end_date", first, last))
        .select_related("unit")
    ):
        people[assignment.person_id].assignments.append(assignment)
    for absence in Absence.objects.filter(
        person_id__in=list(people), start_date__lte=last, end_date__gte=first
    ):
        people[absence.person_id].absences.append(absence)
    return people


def presence_of(entry: PersonYear) -> ea.Presence:
    """Days of service, counted absences and protected leave within the service days."""
    protected: set[dt.date] = set()
    other: set[dt.date] = set()
    first, last = min(entry.service), max(entry.service)
    for absence in entry.absences:
        days = _days(absence.start_date, absence.end_date, first, last) & entry.service
        (protected if absence.kind in PROTECTED_LEAVE else other).update(days)
    other -= protected
    return ea.Presence(entry.service_days, len(other), len(protected))


def _eligibility(entry: PersonYear, scheme: EvaluationScheme, cycle: Cycle) -> tuple[bool, str]:
    first, last = _year_bounds(cycle.year)
    notes: list[str] = []
    eligible = entry.service_days >= scheme.minimum_service_days
    if not eligible:
        notes.append(
            f"Servizio nell'anno: {entry.service_days} giorni, minimo "
            f"{scheme.minimum_service_days}."
        )
    else:
        notes.append(f"Servizio nell'anno: {entry.service_days} giorni.")
    start = min(entry.service) if entry.service else None
    end = max(entry.service) if entry.service else None
    if start and start > first:
        notes.append(f"In servizio dal {date_it(start)}.")
    if end and end < last:
        notes.append(f"In servizio fino al {date_it(end)}.")
    if entry.employment.is_part_time:
        notes.append(f"Part-time al {format_percent(entry.employment.part_time_percent)}.")
    for assignment in entry.assignments:
        if assignment.kind == AssignmentKind.CONVENTION:
            text = "In convenzione"
            if assignment.source_ente_name:
                text += f" con {assignment.source_ente_name}"
            if assignment.share_percent is not None:
                text += f" (quota {format_percent(assignment.share_percent)})"
            notes.append(text + ".")
    if entry.service:
        presence = presence_of(entry)
        if presence.protected_days:
            notes.append(
                f"Congedi tutelati (art. 9 c.3 D.Lgs. 150/2009): {presence.protected_days} "
                "giorni, che non riducono la valutazione."
            )
        if presence.absence_days:
            notes.append(f"Altre assenze: {presence.absence_days} giorni.")
    return eligible, " ".join(notes)


def _scheme_for(schemes: list[EvaluationScheme], employment: Employment):
    """The most specific scheme: a role match counts more than a category match."""
    best, best_score = None, -1
    for scheme in schemes:
        roles, categories = scheme.roles or [], scheme.categories or []
        if roles and employment.role not in roles:
            continue
        if categories and not (
            employment.ccnl_area in categories or employment.legacy_category in categories
        ):
            continue
        score = (2 if roles else 0) + (1 if categories else 0)
        if score > best_score:
            best, best_score = scheme, score
    return best


def _depth(unit: Unit, by_id: dict[int, Unit]) -> int:
    return tree.depth(_parents(by_id, unit), unit.pk)


def _parents(by_id: dict[int, Unit], unit: Unit) -> dict[int, int | None]:
    """The `{unit: parent}` map of the ente's units, `unit` included."""
    parent_of = {pk: row.parent_id for pk, row in by_id.items()}
    parent_of.setdefault(unit.pk, unit.parent_id)
    return parent_of


def _unit_of(entry: PersonYear, led: list[Unit], by_id: dict[int, Unit], year: int) -> Unit | None:
    if led:
        return min(led, key=lambda u: (_depth(u, by_id), u.order, u.pk))
    if not entry.assignments:
        return None
    first, last = _year_bounds(year)

    def span(a: UnitAssignment):
        return (len(_days(a.start_date, a.end_date, first, last)), a.start_date or first)

    return by_id.get(max(entry.assignments, key=span).unit_id)


def _chain_up(unit: Unit | None, person_id: int, by_id: dict[int, Unit]) -> int | None:
    """The responsabile of the unit or of the first unit above it, other than the person."""
    if unit is None:
        return None
    for pk in [unit.pk, *tree.ancestors(_parents(by_id, unit), unit.pk)]:
        node = by_id.get(pk, unit)
        if node.responsible_id and node.responsible_id != person_id:
            return node.responsible_id
    return None


def evaluator_for(
    entry: PersonYear,
    scheme: EvaluationScheme,
    unit: Unit | None,
    is_manager: bool,
    segretario_id: int | None,
    by_id: dict[int, Unit],
) -> tuple[int | None, str]:
    """(evaluator person id or None for the Nucleo, evaluator kind) — see the module notes."""
    person_id = entry.person.pk
    segretario = segretario_id if segretario_id and segretario_id != person_id else None
    if is_manager or scheme.evaluator_kind == EvaluatorKind.NUCLEO:
        if scheme.evaluator_kind == EvaluatorKind.SEGRETARIO and segretario:
            return segretario, EvaluatorKind.SEGRETARIO
        return None, EvaluatorKind.NUCLEO
    if scheme.evaluator_kind == EvaluatorKind.SEGRETARIO and segretario:
        return segretario, EvaluatorKind.SEGRETARIO
    responsible = _chain_up(unit, person_id, by_id)
    if responsible is not None:
        if responsible == segretario:
            return responsible, EvaluatorKind.SEGRETARIO
        return responsible, EvaluatorKind.RESPONSABILE
    if segretario:
        return segretario, EvaluatorKind.SEGRETARIO
    return None, EvaluatorKind.NUCLEO


def _cycle_schemes(cycle: Cycle) -> list[EvaluationScheme]:
    schemes = list(
        EvaluationScheme.objects.filter(cycle=cycle).prefetch_related(
            "components__behaviours__behaviour", "bands"
        )
    )
    if not schemes:
        raise ServiceError(
            f"Il ciclo {cycle.year} non ha modelli di scheda: definiscili prima di generare "
            "le schede."
        )
    return schemes


def _planned_schede(cycle: Cycle, people: dict, schemes: list[EvaluationScheme]) -> list[tuple]:
    """(person's entry, scheme) for everyone without a scheda yet; refused, naming them, when
    no scheme applies to some, or when a scheme to use has problems."""
    existing = set(Scheda.objects.filter(cycle=cycle).values_list("person_id", flat=True))
    planned, missing = [], []
    for entry in sorted(people.values(), key=lambda e: (e.person.last_name, e.person.pk)):
        if entry.person.pk in existing:
            continue
        scheme = _scheme_for(schemes, entry.employment)
        if scheme is None:
            what = entry.employment.get_role_display()
            if entry.employment.category_label:
                what += f", {entry.employment.category_label}"
            missing.append(f"{entry.person} ({what})")
            continue
        planned.append((entry, scheme))
    if missing:
        raise ServiceError(
            "Nessun modello di scheda si applica a: " + "; ".join(missing) + ". Aggiungi il "
            "ruolo o la categoria a un modello."
        )
    invalid = []
    for scheme in {scheme.pk: scheme for _, scheme in planned}.values():
        problems = scheme_validate(scheme)
        if problems:
            invalid.append(f"«{scheme.name}»: " + " ".join(problems))
    if invalid:
        raise ServiceError("Modelli di scheda da correggere prima: " + " ".join(invalid))
    return planned


@dataclass
class _Structure:
    """The ente's units, who leads which, and the segretario: what names the evaluator."""

    by_id: dict[int, Unit]
    led: dict[int, list[Unit]]
    segretario_id: int | None

    @classmethod
    def of(cls, ente, people: dict) -> _Structure:
        units = list(Unit.objects.filter(ente=ente))
        led: dict[int, list[Unit]] = {}
        for unit in units:
            if unit.responsible_id:
                led.setdefault(unit.responsible_id, []).append(unit)
        segretari = sorted(
            (e for e in people.values() if e.role in SEGRETARIO_ROLES),
            key=lambda e: (e.role != Role.SEGRETARIO, e.person.last_name, e.person.pk),
        )
        segretario_id = segretari[0].person.pk if segretari else None
        return cls(by_id={u.pk: u for u in units}, led=led, segretario_id=segretario_id)


def _scheda_create(user, cycle: Cycle, entry, scheme, structure: _Structure) -> Scheda:
    person_led = structure.led.get(entry.person.pk, [])
    is_manager = entry.role in MANAGER_ROLES or bool(person_led)
    unit = _unit_of(entry, person_led, structure.by_id, cycle.year)
    evaluator_id, kind = evaluator_for(
        entry, scheme, unit, is_manager, structure.segretario_id, structure.by_id
    )
    eligible, note = _eligibility(entry, scheme, cycle)
    scheda = Scheda.objects.create(
        cycle=cycle,
        person=entry.person,
        scheme=scheme,
        unit=unit,
        evaluator_id=evaluator_id,
        evaluator_kind=kind,
        is_eligible=eligible,
        eligibility_note=note,
    )
    SchedaTransition.objects.create(
        scheda=scheda,
        from_state="",
        to_state=SchedaState.DRAFT,
        by=_by(user),
        note="Scheda generata.",
    )
    return scheda


def schede_generate(*, user, cycle: Cycle) -> list[Scheda]:
    """One scheda per person employed in the cycle's year (existing schede are kept)."""
    ente = cycle.ente
    _require_admin(user, ente, "Generazione delle schede")
    with transaction.atomic():
        schemes = _cycle_schemes(cycle)
        people = population(cycle)
        structure = _Structure.of(ente, people)
        planned = _planned_schede(cycle, people, schemes)
        created = [
            _scheda_create(user, cycle, entry, scheme, structure) for entry, scheme in planned
        ]
        audit(
            user,
            "scheda.generate",
            cycle,
            ente,
            {"created": [[s.pk, s.person_id, s.scheme_id, s.evaluator_id] for s in created]},
        )
    return created


# ---------------------------------------------------------------------------------------------
# The organisational performance that prefills a scheda
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerformanceScores:
    """Percentages (0..100) from the measurement of the cycle, by unit and objective id."""

    units: dict[int, Decimal] = field(default_factory=dict)
    objectives: dict[int, Decimal] = field(default_factory=dict)
    ente: Decimal | None = None


def performance_scores(cycle: Cycle) -> PerformanceScores:
    """Unit, objective and ente percentages of the cycle from the measurement's score board
    (`measurement.selectors.cycle_scores`, the final reading once the year is over)."""
    from measurement.selectors import cycle_scores

    board = cycle_scores(cycle)
    units = {e.unit.pk: e.score.percent for e in board.units if e.score.percent is not None}
    objectives = {
        e.objective.pk: e.score.percent for e in board.objectives if e.score.percent is not None
    }
    ente = board.ente_score.percent if board.ente_score is not None else None
    return PerformanceScores(units=units, objectives=objectives, ente=ente)
