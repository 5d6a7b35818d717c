"""Every write to the plan.

Each function takes keyword arguments with the acting `user` first (None for system actions
such as the demo loader), validates, runs in a transaction and writes one audit row.

The life of a cycle: draft → proposed → approved. While draft the plan is edited freely (by
admins, and by responsabili on their own objectives); once approved it is frozen, and a change
needs an open `PlanRevision` with its motivation: every objective touched under a revision gets a
new `ObjectiveVersion`, so its history stays readable (art. 10 c.3 D.Lgs. 150/2009).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from core.audit import audit, diff, state_of
from core.exceptions import AccessDenied, ServiceError
from core.parsing import parse_decimal, parse_percent, required_text, unique_key
from engine.numbers import format_percent
from organization.models import Ente, Person, Unit
from planning import access as plan_rules
from planning import selectors
from planning.formulas import validate_formula
from planning.models import (
    VALUE_KINDS,
    Cycle,
    CycleState,
    Dimension,
    Indicator,
    IndicatorGroup,
    IndicatorScope,
    ObjectiveKind,
    ObjectiveUnit,
    ObjectiveVersion,
    OperationalObjective,
    OrganisationalPerformanceLevel,
    Phase,
    PiaoTag,
    PlanDocumentKind,
    PlanRevision,
    Polarity,
    StrategicArea,
    StrategicObjective,
    StrategicObjectiveArea,
    Target,
    TargetKind,
    WeightGroup,
    WeightGroupKind,
)
from planning.years import carried_years, normal_years

HUNDRED = Decimal("100")
YEAR_PATTERN = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
MAX_HORIZON_YEARS = 3

CYCLE_FIELDS = (
    "year",
    "first_year",
    "last_year",
    "document_kind",
    "title",
    "subtitle",
    "smvp_reference",
    "introduction",
    "notes",
)
AREA_FIELDS = ("code", "name", "description", "assessore", "order")
STRATEGIC_FIELDS = (
    "area",
    "code",
    "title",
    "description",
    "mission_code",
    "mission_name",
    "programme_code",
    "programme_name",
    "units_label",
    "responsible_label",
    "stakeholders_final",
    "stakeholders_intermediate",
    "peg_services",
    "criticalities",
    "expected_impact",
    "assessore",
    "order",
)
WEIGHT_GROUP_FIELDS = (
    "kind",
    "label",
    "unit",
    "responsible",
    "expected_total",
    "scheme_share",
    "note",
    "years",
    "order",
)
OBJECTIVE_FIELDS = (
    "code",
    "section",
    "title",
    "description",
    "expected_result",
    "kind",
    "is_transversal",
    "is_payment_time",
    "tags",
    "unit",
    "responsible_label",
    "strategic_objective",
    "weight_group",
    "weight",
    "years",
    "deadline",
    "deadline_text",
    "mission_code",
    "mission_name",
    "programme_code",
    "programme_name",
    "order",
)
PHASE_FIELDS = (
    "kind",
    "label",
    "description",
    "responsible_label",
    "planned_text",
    "planned_start",
    "planned_end",
    "actual_text",
    "actual_end",
    "progress",
    "order",
)
INDICATOR_FIELDS = (
    "scope",
    "group",
    "objective",
    "strategic_objective",
    "phase",
    "unit",
    "code",
    "name",
    "description",
    "dimension",
    "dimension_label",
    "formula",
    "formula_expression",
    "unit_of_measure",
    "data_source",
    "polarity",
    "baseline_value",
    "baseline_text",
    "baseline_year",
    "standard_text",
    "tolerance_text",
    "responsible_label",
    "weight",
    "order",
)
TARGET_FIELDS = ("kind", "value", "value_to", "target_date", "text")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _authorize(user, ente: Ente, check: Callable[[plan_rules.PlanAccess], bool]) -> None:
    """System actions (user None) are trusted; people need the rule of `planning.access`."""
    if user is None:
        return
    try:
        pa = plan_rules.plan_access(user, ente)
    except PermissionDenied as exc:
        raise AccessDenied(str(exc)) from exc
    if not check(pa):
        raise AccessDenied("Il tuo ruolo non consente di modificare questa parte del piano.")


def _require_admin(user, ente: Ente) -> None:
    _authorize(user, ente, plan_rules.can_manage_cycle)


def _pick(data: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {name: data[name] for name in fields if name in data}


def _apply(instance: Model, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(instance, name, "" if value is None and _is_text(instance, name) else value)


def _is_text(instance: Model, name: str) -> bool:
    field = instance._meta.get_field(name)
    return field.get_internal_type() in {"CharField", "TextField", "SlugField"}


def _choice(value: Any, choices, label: str, field: str, *, blank: bool = False) -> str:
    if blank and value in (None, ""):
        return ""
    if value not in choices.values:
        raise ServiceError(f"{label}: valore «{value}» non previsto.", field=field)
    return value


def _clean_years(raw: Any, cycle: Cycle, label: str) -> list[int]:
    """The years a row belongs to: distinct, ascending, inside the plan's horizon."""
    try:
        years = normal_years(raw)
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"{label}: gli anni indicati non sono validi.", field="years") from exc
    outside = [year for year in years if not cycle.first_year <= year <= cycle.last_year]
    if outside:
        listed = ", ".join(str(year) for year in outside)
        raise ServiceError(
            f"{label}: l'anno {listed} è fuori dal triennio {cycle.horizon_label} del piano.",
            field="years",
        )
    return years


def _same_cycle(obj: Model | None, cycle: Cycle, label: str, field: str) -> None:
    if obj is not None and obj.cycle_id != cycle.pk:
        raise ServiceError(f"{label} non appartiene al piano {cycle.year}.", field=field)


def _same_ente(obj: Model | None, ente: Ente, label: str, field: str) -> None:
    if obj is not None and obj.ente_id != ente.pk:
        raise ServiceError(f"{label} non appartiene all'ente {ente}.", field=field)


def _next_order(queryset) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


# ---------------------------------------------------------------------------------------------
# When may the content of a plan change
# ---------------------------------------------------------------------------------------------


def _guard_content(cycle: Cycle) -> PlanRevision | None:
    """None while the cycle is a draft; the open revision of a frozen cycle; otherwise refuse."""
    if cycle.state == CycleState.DRAFT:
        return None
    if cycle.state == CycleState.PROPOSED:
        raise ServiceError(
            f"Il piano {cycle.year} è stato proposto per l'approvazione: "
            "per modificarlo riportalo prima in bozza.",
            code="frozen",
        )
    revision = selectors.open_revision(cycle)
    if revision is None:
        raise ServiceError(
            f"Il piano {cycle.year} è approvato e non si modifica: "
            "apri una revisione motivata (art. 10 c. 3 D.Lgs. 150/2009).",
            code="frozen",
        )
    return revision


def _guard_draft(cycle: Cycle, what: str) -> None:
    if cycle.state != CycleState.DRAFT:
        raise ServiceError(
            f"{what} solo finché il piano {cycle.year} è in bozza "
            f"(stato attuale: {cycle.get_state_display().lower()}).",
            code="frozen",
        )


def _open(cycle: Cycle) -> bool:
    return selectors.open_revision(cycle) is not None


def _may_edit_objective(user, objective: OperationalObjective) -> None:
    cycle = objective.cycle
    has_open = _open(cycle) if cycle.is_frozen else False
    _authorize(
        user,
        cycle.ente,
        lambda pa: plan_rules.can_edit_objective(pa, objective, has_open_revision=has_open),
    )


def _may_edit_structure(user, cycle: Cycle) -> None:
    has_open = _open(cycle) if cycle.is_frozen else False
    _authorize(
        user,
        cycle.ente,
        lambda pa: plan_rules.can_edit_structure(pa, cycle, has_open_revision=has_open),
    )


# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------


def objective_snapshot(objective: OperationalObjective) -> dict[str, Any]:
    """The objective with phases, indicators and targets as plain JSON (fresh from the DB)."""
    data = state_of(objective)
    data["responsibles"] = list(
        Person.objects.filter(objectives=objective).order_by("key").values_list("key", flat=True)
    )
    data["weight_group_label"] = objective.weight_group.label if objective.weight_group else ""
    data["phases"] = [state_of(phase) for phase in Phase.objects.filter(objective=objective)]
    indicators = Indicator.objects.filter(objective=objective).prefetch_related("targets")
    data["indicators"] = [
        {**state_of(ind), "targets": [state_of(t) for t in ind.targets.all()]} for ind in indicators
    ]
    return data


def _created_by(user):
    return user if getattr(user, "is_authenticated", False) else None


def _next_version(objective: OperationalObjective) -> int:
    top = ObjectiveVersion.objects.filter(objective=objective).aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


def _ensure_baseline(objective: OperationalObjective, user) -> None:
    """An approved objective without history (e.g. imported) gets its approved text first."""
    if not ObjectiveVersion.objects.filter(objective=objective).exists():
        ObjectiveVersion.objects.create(
            objective=objective,
            number=1,
            reason="Versione approvata",
            data=objective_snapshot(objective),
            created_by=_created_by(user),
        )


def _record_revision_version(
    objective: OperationalObjective, revision: PlanRevision, user, *, reason: str = ""
) -> None:
    """One version per objective and revision, refreshed by each write of that revision."""
    data = objective_snapshot(objective)
    version = ObjectiveVersion.objects.filter(objective=objective, revision=revision).first()
    if version is not None:
        version.data = data
        version.save(update_fields=["data"])
        return
    ObjectiveVersion.objects.create(
        objective=objective,
        number=_next_version(objective),
        revision=revision,
        reason=(reason or f"Revisione n. {revision.number}: {revision.motivation}")[:400],
        data=data,
        created_by=_created_by(user),
    )


class _ObjectiveWrite:
    """Context for a write touching one objective: checks access and state, keeps history."""

    def __init__(self, user, objective: OperationalObjective):
        self.user = user
        self.objective = objective
        self.revision: PlanRevision | None = None

    def __enter__(self) -> _ObjectiveWrite:
        # State first: "the plan is approved, open a revision" says more than "not allowed".
        self.revision = _guard_content(self.objective.cycle)
        _may_edit_objective(self.user, self.objective)
        if self.revision is not None:
            _ensure_baseline(self.objective, self.user)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self.revision is not None:
            _record_revision_version(self.objective, self.revision, self.user)


# ---------------------------------------------------------------------------------------------
# Cycles
# ---------------------------------------------------------------------------------------------


def _clean_cycle(values: dict[str, Any], ente: Ente, exclude_pk: int | None) -> dict[str, Any]:
    try:
        year = int(values["year"])
        first = int(values.get("first_year") or year)
        last = int(values.get("last_year") or first + MAX_HORIZON_YEARS - 1)
    except (KeyError, TypeError, ValueError) as exc:
        raise ServiceError("L'anno del ciclo è obbligatorio.", field="year") from exc
    if not first <= year <= last:
        raise ServiceError(f"L'anno {year} deve cadere nel triennio {first}-{last}.", field="year")
    if last - first >= MAX_HORIZON_YEARS:
        raise ServiceError(
            f"L'orizzonte {first}-{last} supera i tre anni del piano.", field="last_year"
        )
    taken = Cycle.objects.filter(ente=ente, year=year).exclude(pk=exclude_pk)
    if taken.exists():
        raise ServiceError(f"Esiste già un ciclo {year} per {ente}.", field="year")
    values.update(year=year, first_year=first, last_year=last)
    values["title"] = required_text(
        values.get("title"), "Il titolo del documento è obbligatorio.", "title"
    )
    if "document_kind" in values:
        _choice(values["document_kind"], PlanDocumentKind, "Documento", "document_kind")
    return values


@transaction.atomic
def cycle_create(*, user, ente: Ente, data: dict[str, Any]) -> Cycle:
    _require_admin(user, ente)
    values = _clean_cycle(_pick(data, CYCLE_FIELDS), ente, None)
    cycle = Cycle(ente=ente, state=CycleState.DRAFT)
    _apply(cycle, values)
    cycle.save()
    audit(user, "cycle.create", cycle, ente, diff({}, state_of(cycle)))
    return cycle


@transaction.atomic
def cycle_update(*, user, cycle: Cycle, data: dict[str, Any]) -> Cycle:
    _require_admin(user, cycle.ente)
    _guard_draft(cycle, "I dati del ciclo si modificano")
    before = state_of(cycle)
    values = _pick(data, CYCLE_FIELDS)
    values.setdefault("year", cycle.year)
    values.setdefault("first_year", cycle.first_year)
    values.setdefault("last_year", cycle.last_year)
    values.setdefault("title", cycle.title)
    _apply(cycle, _clean_cycle(values, cycle.ente, cycle.pk))
    cycle.save()
    audit(user, "cycle.update", cycle, cycle.ente, diff(before, state_of(cycle)))
    return cycle


def proposal_problems(cycle: Cycle) -> list[str]:
    """Why the plan cannot be proposed yet: weight groups off their total, loose weights."""
    problems = [total.problem for total in selectors.weight_totals(cycle).values() if not total.ok]
    for objective in selectors.weighted_objectives_without_group(cycle):
        problems.append(
            f"L'obiettivo «{objective.title}» ha un peso "
            f"({format_percent(objective.weight)}) ma nessun gruppo di pesatura"
        )
    return problems


@transaction.atomic
def cycle_propose(*, user, cycle: Cycle) -> Cycle:
    _require_admin(user, cycle.ente)
    _guard_draft(cycle, "Il piano si propone")
    problems = proposal_problems(cycle)
    if problems:
        error = ServiceError(
            "Il piano non può essere proposto: " + "; ".join(problems) + ".", field="weight"
        )
        error.problems = problems
        raise error
    cycle.state = CycleState.PROPOSED
    cycle.proposed_at = timezone.now()
    cycle.save(update_fields=["state", "proposed_at"])
    audit(user, "cycle.propose", cycle, cycle.ente, {"state": ["draft", "proposed"]})
    return cycle


@transaction.atomic
def cycle_approve(
    *,
    user,
    cycle: Cycle,
    act_number: str,
    act_date: dt.date | None,
    approval_body: str = "",
) -> Cycle:
    """Approve a proposed plan and freeze it: every objective gets its version 1."""
    _require_admin(user, cycle.ente)
    if cycle.state != CycleState.PROPOSED:
        raise ServiceError(
            f"Si approva solo un piano proposto (il piano {cycle.year} è "
            f"{cycle.get_state_display().lower()}).",
            code="state",
        )
    number = required_text(
        act_number, "Il numero della delibera di approvazione è obbligatorio.", "act_number"
    )
    if act_date is None:
        raise ServiceError(
            "La data della delibera di approvazione è obbligatoria.", field="act_date"
        )
    before = state_of(cycle)
    cycle.approval_body = (approval_body or "").strip() or cycle.ente.governing_body
    cycle.approval_act_number = number
    cycle.approval_act_date = act_date
    cycle.state = CycleState.APPROVED
    cycle.approved_at = timezone.now()
    cycle.save()
    for objective in OperationalObjective.objects.filter(cycle=cycle).select_related(
        "weight_group"
    ):
        ObjectiveVersion.objects.create(
            objective=objective,
            number=_next_version(objective),
            reason=f"Approvato con delibera n. {number} del {act_date:%d/%m/%Y}",
            data=objective_snapshot(objective),
            created_by=_created_by(user),
        )
    audit(user, "cycle.approve", cycle, cycle.ente, diff(before, state_of(cycle)))
    return cycle


# After approval the cycle moves forward one phase at a time (art. 4 D.Lgs. 150/2009).
NEXT_PHASE = {
    CycleState.APPROVED: CycleState.MONITORING,
    CycleState.MONITORING: CycleState.MEASUREMENT,
    CycleState.MEASUREMENT: CycleState.EVALUATION,
    CycleState.EVALUATION: CycleState.REPORTING,
    CycleState.REPORTING: CycleState.VALIDATED,
}


def cycle_next_phase(cycle: Cycle) -> CycleState | None:
    return NEXT_PHASE.get(CycleState(cycle.state))


@transaction.atomic
def cycle_advance(*, user, cycle: Cycle) -> Cycle:
    """Move an approved cycle to its next phase; «validato» needs the Nucleo's validation of the
    Relazione (art. 14 c.6 D.Lgs. 150/2009), recorded in documents."""
    _require_admin(user, cycle.ente)
    target = cycle_next_phase(cycle)
    if target is None:
        raise ServiceError(
            f"Il ciclo {cycle.year} è {cycle.get_state_display().lower()}: non c'è una fase "
            "successiva da aprire.",
            code="state",
        )
    if target == CycleState.VALIDATED and not hasattr(cycle, "report_validation"):
        raise ServiceError(
            f"Il ciclo {cycle.year} diventa validato solo dopo che il Nucleo di Valutazione ha "
            "validato la Relazione sulla performance: registra prima la validazione.",
            code="state",
        )
    before = state_of(cycle)
    cycle.state = target
    cycle.save(update_fields=["state"])
    audit(user, "cycle.advance", cycle, cycle.ente, diff(before, state_of(cycle)))
    return cycle


@transaction.atomic
def cycle_return_to_draft(*, user, cycle: Cycle, reason: str) -> Cycle:
    _require_admin(user, cycle.ente)
    if cycle.state != CycleState.PROPOSED:
        raise ServiceError("Si riporta in bozza solo un piano proposto.", code="state")
    text = required_text(reason, "Indica il motivo per cui il piano torna in bozza.", "reason")
    cycle.state = CycleState.DRAFT
    cycle.proposed_at = None
    cycle.save(update_fields=["state", "proposed_at"])
    audit(
        user,
        "cycle.return_to_draft",
        cycle,
        cycle.ente,
        {"state": ["proposed", "draft"], "reason": [None, text]},
    )
    return cycle


@transaction.atomic
def revision_open(
    *, user, cycle: Cycle, motivation: str, date: dt.date | None, act_label: str = ""
) -> PlanRevision:
    _require_admin(user, cycle.ente)
    if not cycle.is_frozen:
        raise ServiceError(
            "Una revisione si apre solo su un piano approvato: la bozza si modifica direttamente.",
            code="state",
        )
    if selectors.open_revision(cycle) is not None:
        raise ServiceError(
            f"Il piano {cycle.year} ha già una revisione aperta: chiudila prima di aprirne "
            "un'altra.",
            code="state",
        )
    text = required_text(motivation, "La motivazione della revisione è obbligatoria.", "motivation")
    if date is None:
        raise ServiceError("La data della revisione è obbligatoria.", field="date")
    number = (cycle.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
    revision = PlanRevision.objects.create(
        cycle=cycle,
        number=number,
        date=date,
        motivation=text,
        act_label=(act_label or "").strip(),
        is_open=True,
        created_by=_created_by(user),
    )
    audit(user, "revision.open", revision, cycle.ente, diff({}, state_of(revision)))
    return revision


@transaction.atomic
def revision_close(*, user, revision: PlanRevision) -> PlanRevision:
    _require_admin(user, revision.cycle.ente)
    if not revision.is_open:
        raise ServiceError(f"La revisione n. {revision.number} è già chiusa.", code="state")
    revision.is_open = False
    revision.closed_at = timezone.now()
    revision.save(update_fields=["is_open", "closed_at"])
    audit(user, "revision.close", revision, revision.cycle.ente, {"is_open": [True, False]})
    return revision


# ---------------------------------------------------------------------------------------------
# Strategic layer and weight groups (admins; draft or open revision)
# ---------------------------------------------------------------------------------------------


def _structure_write(user, cycle: Cycle) -> None:
    _guard_content(cycle)
    _may_edit_structure(user, cycle)


@transaction.atomic
def strategic_area_create(*, user, cycle: Cycle, data: dict[str, Any]) -> StrategicArea:
    _structure_write(user, cycle)
    values = _pick(data, AREA_FIELDS)
    values["name"] = required_text(
        values.get("name"), "La denominazione dell'area strategica è obbligatoria.", "name"
    )
    values.setdefault("order", _next_order(StrategicArea.objects.filter(cycle=cycle)))
    area = StrategicArea(
        cycle=cycle,
        key=unique_key(StrategicArea.objects.filter(cycle=cycle), values["name"], fallback="area"),
    )
    _apply(area, values)
    area.save()
    audit(user, "strategic_area.create", area, cycle.ente, diff({}, state_of(area)))
    return area


@transaction.atomic
def strategic_area_update(*, user, area: StrategicArea, data: dict[str, Any]) -> StrategicArea:
    _structure_write(user, area.cycle)
    before = state_of(area)
    values = _pick(data, AREA_FIELDS)
    if "name" in values:
        values["name"] = required_text(
            values["name"], "La denominazione dell'area strategica è obbligatoria.", "name"
        )
    _apply(area, values)
    area.save()
    audit(user, "strategic_area.update", area, area.cycle.ente, diff(before, state_of(area)))
    return area


@transaction.atomic
def strategic_area_delete(*, user, area: StrategicArea) -> None:
    _structure_write(user, area.cycle)
    _guard_draft(area.cycle, "Le aree strategiche si eliminano")
    ente = area.cycle.ente
    audit(user, "strategic_area.delete", area, ente, diff(state_of(area), {}))
    area.delete()


def _clean_strategic(values: dict[str, Any], cycle: Cycle) -> dict[str, Any]:
    if "title" in values:
        values["title"] = required_text(
            values["title"], "Il titolo dell'obiettivo strategico è obbligatorio.", "title"
        )
    _same_cycle(values.get("area"), cycle, "L'area strategica", "area")
    return values


def _set_units(strategic: StrategicObjective, units: Iterable[Unit] | None) -> None:
    if units is None:
        return
    units = list(units)
    for unit in units:
        _same_ente(unit, strategic.cycle.ente, f"L'unità «{unit.name}»", "units")
    strategic.units.set(units)


def _ordered_unique(items: Iterable[Model | None]) -> list[Model]:
    seen: set[int] = set()
    result = []
    for item in items:
        if item is not None and item.pk not in seen:
            seen.add(item.pk)
            result.append(item)
    return result


def _wanted_areas(strategic: StrategicObjective, data: dict[str, Any]) -> list | None:
    """The areas `data` asks for, first area first: `areas`, or `area` (and `other_areas`)
    keeping the others already linked. None when `data` says nothing about areas."""
    if "areas" in data:
        return _ordered_unique(data["areas"] or [])
    if "area" not in data and "other_areas" not in data:
        return None
    first = data.get("area", strategic.area if strategic.pk else None)
    if "other_areas" in data:
        others = list(data["other_areas"] or [])
    else:
        others = [link.area for link in strategic.area_links.all()] if strategic.pk else []
    return _ordered_unique([first, *others])


def set_strategic_areas(strategic: StrategicObjective, areas: list[StrategicArea]) -> None:
    """`areas` in that order: the first becomes the `area`, the others are linked after it."""
    for area in areas:
        _same_cycle(area, strategic.cycle, f"L'area strategica «{area.name}»", "areas")
    StrategicObjectiveArea.objects.filter(strategic_objective=strategic).delete()
    StrategicObjectiveArea.objects.bulk_create(
        StrategicObjectiveArea(strategic_objective=strategic, area=area, order=index)
        for index, area in enumerate(areas[1:], start=1)
    )
    strategic._prefetched_objects_cache = {}
    first = areas[0] if areas else None
    if strategic.area_id != (first.pk if first else None):
        strategic.area = first
        strategic.save(update_fields=["area"])


@transaction.atomic
def strategic_objective_create(*, user, cycle: Cycle, data: dict[str, Any]) -> StrategicObjective:
    _structure_write(user, cycle)
    values = _clean_strategic(_pick(data, STRATEGIC_FIELDS), cycle)
    if "title" not in values:
        raise ServiceError("Il titolo dell'obiettivo strategico è obbligatorio.", field="title")
    values.setdefault("order", _next_order(StrategicObjective.objects.filter(cycle=cycle)))
    key = unique_key(
        StrategicObjective.objects.filter(cycle=cycle),
        values["title"],
        fallback="obiettivo-strategico",
    )
    strategic = StrategicObjective(cycle=cycle, key=key)
    areas = _wanted_areas(strategic, data) or []
    values.pop("area", None)
    _apply(strategic, values)
    strategic.save()
    set_strategic_areas(strategic, areas)
    _set_units(strategic, data.get("units"))
    changes = diff({}, state_of(strategic))
    changes["areas"] = [None, [area.pk for area in areas]]
    audit(user, "strategic_objective.create", strategic, cycle.ente, changes)
    return strategic


@transaction.atomic
def strategic_objective_update(
    *, user, strategic: StrategicObjective, data: dict[str, Any]
) -> StrategicObjective:
    cycle = strategic.cycle
    _structure_write(user, cycle)
    before = state_of(strategic)
    before_areas = [area.pk for area in strategic.area_list()]
    areas = _wanted_areas(strategic, data)
    values = _clean_strategic(_pick(data, STRATEGIC_FIELDS), cycle)
    values.pop("area", None)
    _apply(strategic, values)
    strategic.save()
    if areas is not None:
        set_strategic_areas(strategic, areas)
    _set_units(strategic, data.get("units"))
    changes = diff(before, state_of(strategic))
    after_areas = [area.pk for area in strategic.area_list()]
    if after_areas != before_areas:
        changes["areas"] = [before_areas, after_areas]
    audit(user, "strategic_objective.update", strategic, cycle.ente, changes)
    return strategic


@transaction.atomic
def strategic_objective_delete(*, user, strategic: StrategicObjective) -> None:
    cycle = strategic.cycle
    _structure_write(user, cycle)
    _guard_draft(cycle, "Gli obiettivi strategici si eliminano")
    audit(user, "strategic_objective.delete", strategic, cycle.ente, diff(state_of(strategic), {}))
    strategic.delete()


def _clean_weight_group(values: dict[str, Any], cycle: Cycle) -> dict[str, Any]:
    if "label" in values:
        values["label"] = required_text(
            values["label"], "La denominazione del gruppo di pesatura è obbligatoria.", "label"
        )
    if "kind" in values:
        _choice(values["kind"], WeightGroupKind, "Tipo di gruppo", "kind")
    if "expected_total" in values:
        expected = parse_decimal(
            values["expected_total"], label="Il totale atteso", field="expected_total"
        )
        if expected is None or not (Decimal("0") < expected <= HUNDRED):
            raise ServiceError(
                "Il totale atteso del gruppo deve essere maggiore di 0 e non superiore a 100.",
                field="expected_total",
            )
        values["expected_total"] = expected
    if "scheme_share" in values:
        values["scheme_share"] = parse_percent(
            values["scheme_share"],
            label="La quota nella scheda del responsabile",
            field="scheme_share",
        )
    if "years" in values:
        values["years"] = _clean_years(values["years"], cycle, "Gruppo di pesatura")
    _same_ente(values.get("unit"), cycle.ente, "L'unità organizzativa", "unit")
    _same_ente(values.get("responsible"), cycle.ente, "Il responsabile", "responsible")
    return values


@transaction.atomic
def weight_group_create(*, user, cycle: Cycle, data: dict[str, Any]) -> WeightGroup:
    _structure_write(user, cycle)
    values = _clean_weight_group(_pick(data, WEIGHT_GROUP_FIELDS), cycle)
    if "label" not in values:
        raise ServiceError("La denominazione del gruppo di pesatura è obbligatoria.", field="label")
    values.setdefault("kind", WeightGroupKind.OTHER)
    values.setdefault("order", _next_order(WeightGroup.objects.filter(cycle=cycle)))
    group = WeightGroup(
        cycle=cycle,
        key=unique_key(WeightGroup.objects.filter(cycle=cycle), values["label"], fallback="gruppo"),
    )
    _apply(group, values)
    group.save()
    audit(user, "weight_group.create", group, cycle.ente, diff({}, state_of(group)))
    return group


@transaction.atomic
def weight_group_update(*, user, group: WeightGroup, data: dict[str, Any]) -> WeightGroup:
    cycle = group.cycle
    _structure_write(user, cycle)
    before = state_of(group)
    _apply(group, _clean_weight_group(_pick(data, WEIGHT_GROUP_FIELDS), cycle))
    for objective in group.objectives.filter(is_payment_time=True):
        objective.weight_group = group
        _check_payment_time_share(objective)
    group.save()
    audit(user, "weight_group.update", group, cycle.ente, diff(before, state_of(group)))
    return group


# ---------------------------------------------------------------------------------------------
# Operational objectives
# ---------------------------------------------------------------------------------------------


def _clean_objective(values: dict[str, Any], cycle: Cycle, title_hint: str) -> dict[str, Any]:
    if "title" in values:
        values["title"] = required_text(
            values["title"], "Il titolo dell'obiettivo è obbligatorio.", "title"
        )
    label = f"Il peso dell'obiettivo «{(values.get('title') or title_hint)}»"
    if "weight" in values:
        values["weight"] = parse_percent(values["weight"], label=label, field="weight")
    if "kind" in values:
        _choice(values["kind"], ObjectiveKind, "Tipo di obiettivo", "kind")
    if "tags" in values:
        tags = list(values["tags"] or [])
        unknown = [tag for tag in tags if tag not in PiaoTag.values]
        if unknown:
            raise ServiceError(f"Ambiti PIAO non previsti: {', '.join(unknown)}.", field="tags")
        values["tags"] = tags
    if "years" in values:
        values["years"] = _clean_years(values["years"], cycle, "Obiettivo")
    _same_ente(values.get("unit"), cycle.ente, "L'unità responsabile", "unit")
    _same_cycle(values.get("weight_group"), cycle, "Il gruppo di pesatura", "weight_group")
    _same_cycle(
        values.get("strategic_objective"), cycle, "L'obiettivo strategico", "strategic_objective"
    )
    return values


# DL 13/2023 art. 4-bis c.2 (L. 41/2023): the payment-time objectives of the payment
# responsabili weigh at least 30 % of the retribuzione di risultato. Older plans are kept as
# they were written.
PAYMENT_TIME_MIN_SHARE = Decimal("30")
PAYMENT_TIME_FROM_YEAR = 2023


def payment_time_share(objective: OperationalObjective) -> Decimal | None:
    """The share of the responsabile's results the objective stands for: the share of its
    weight group when the group has one (a separate 30 % payment-time share), otherwise its
    weight over the group's total (or its weight alone)."""
    group = objective.weight_group
    if group is not None and group.scheme_share is not None:
        return group.scheme_share
    if objective.weight is None:
        return None
    if group is not None and group.expected_total:
        return objective.weight * HUNDRED / group.expected_total
    return objective.weight


def _check_payment_time_share(objective: OperationalObjective) -> None:
    if not objective.is_payment_time or objective.cycle.year < PAYMENT_TIME_FROM_YEAR:
        return
    share = payment_time_share(objective)
    if share is not None and share < PAYMENT_TIME_MIN_SHARE:
        raise ServiceError(
            f"L'obiettivo sui tempi di pagamento «{objective.title}» vale "
            f"{format_percent(share)} della retribuzione di risultato: il DL 13/2023 (art. 4-bis "
            "c.2, L. 41/2023) chiede che pesi almeno il 30\u00a0%.",
            field="weight",
        )


def _wanted_units(objective: OperationalObjective, data: dict[str, Any]) -> list[Unit] | None:
    """The units `data` asks for, leading unit first: `units`, or `unit` (and `other_units`);
    a new leading unit alone keeps the other units already linked. None when `data` says
    nothing about units."""
    if "units" in data:
        return _ordered_unique(data["units"] or [])
    if "unit" not in data and "other_units" not in data:
        return None
    first = data.get("unit", objective.unit if objective.pk else None)
    if "other_units" in data:
        others = list(data["other_units"] or [])
    else:
        others = [link.unit for link in objective.unit_links.all()] if objective.pk else []
    return _ordered_unique([first, *others])


def set_objective_units(objective: OperationalObjective, units: list[Unit]) -> None:
    """`units` in that order: the first becomes the leading `unit`, the others are linked."""
    for unit in units:
        _same_ente(unit, objective.cycle.ente, f"L'unità «{unit.name}»", "units")
    ObjectiveUnit.objects.filter(objective=objective).delete()
    ObjectiveUnit.objects.bulk_create(
        ObjectiveUnit(objective=objective, unit=unit, order=index)
        for index, unit in enumerate(units[1:], start=1)
    )
    objective._prefetched_objects_cache = {}
    first = units[0] if units else None
    if objective.unit_id != (first.pk if first else None):
        objective.unit = first
        objective.save(update_fields=["unit"])


def _set_responsibles(objective: OperationalObjective, people: Iterable[Person] | None) -> None:
    if people is None:
        return
    people = list(people)
    for person in people:
        _same_ente(person, objective.cycle.ente, f"La persona {person}", "responsibles")
    objective.responsibles.set(people)


@transaction.atomic
def objective_create(*, user, cycle: Cycle, data: dict[str, Any]) -> OperationalObjective:
    values = _clean_objective(_pick(data, OBJECTIVE_FIELDS), cycle, "")
    if "title" not in values:
        raise ServiceError("Il titolo dell'obiettivo è obbligatorio.", field="title")
    units = _wanted_units(OperationalObjective(cycle=cycle), data) or []
    unit = units[0] if units else None
    values["unit"] = unit
    revision = _guard_content(cycle)
    has_open = revision is not None
    _authorize(
        user,
        cycle.ente,
        lambda pa: plan_rules.can_add_objective(
            pa, cycle, has_open_revision=has_open, unit_id=unit.pk if unit else -1
        ),
    )
    values.setdefault("order", _next_order(OperationalObjective.objects.filter(cycle=cycle)))
    values.setdefault("years", [cycle.year])
    key = unique_key(
        OperationalObjective.objects.filter(cycle=cycle), values["title"], fallback="obiettivo"
    )
    objective = OperationalObjective(cycle=cycle, key=key)
    _apply(objective, values)
    _check_payment_time_share(objective)
    objective.save()
    set_objective_units(objective, units)
    _set_responsibles(objective, data.get("responsibles"))
    if revision is not None:
        _record_revision_version(
            objective,
            revision,
            user,
            reason=f"Inserito con la revisione n. {revision.number}: {revision.motivation}",
        )
    changes = diff({}, state_of(objective))
    if len(units) > 1:
        changes["units"] = [None, [u.pk for u in units]]
    audit(user, "objective.create", objective, cycle.ente, changes)
    return objective


@transaction.atomic
def objective_update(
    *, user, objective: OperationalObjective, data: dict[str, Any]
) -> OperationalObjective:
    cycle = objective.cycle
    with _ObjectiveWrite(user, objective):
        before = state_of(objective)
        before_people = sorted(objective.responsibles.values_list("pk", flat=True))
        before_units = [objective.unit_id] if objective.unit_id else []
        before_units += ObjectiveUnit.objects.filter(objective=objective).values_list(
            "unit_id", flat=True
        )
        units = _wanted_units(objective, data)
        values = _clean_objective(_pick(data, OBJECTIVE_FIELDS), cycle, objective.title)
        values.pop("unit", None)
        _apply(objective, values)
        if units is not None:
            set_objective_units(objective, units)
        _set_responsibles(objective, data.get("responsibles"))
        # A responsabile may not move an objective out of their own units.
        _may_edit_objective(user, objective)
        _check_payment_time_share(objective)
        objective.save()
        changes = diff(before, state_of(objective))
        after_people = sorted(objective.responsibles.values_list("pk", flat=True))
        if before_people != after_people:
            changes["responsibles"] = [before_people, after_people]
        after_units = [unit.pk for unit in units] if units is not None else before_units
        if after_units != before_units:
            changes["units"] = [before_units, after_units]
    audit(user, "objective.update", objective, cycle.ente, changes)
    return objective


@transaction.atomic
def objective_delete(*, user, objective: OperationalObjective) -> None:
    cycle = objective.cycle
    _guard_content(cycle)
    _may_edit_objective(user, objective)
    if cycle.state != CycleState.DRAFT:
        # Deleting would also delete its versions: the history of an approved plan must stay.
        raise ServiceError(
            f"L'obiettivo «{objective.title}» fa parte di un piano approvato e non si "
            "elimina: con la revisione puoi azzerarne il peso e motivare la scelta.",
            code="frozen",
        )
    audit(user, "objective.delete", objective, cycle.ente, diff(state_of(objective), {}))
    objective.delete()


# ---------------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------------


def _clean_phase(values: dict[str, Any]) -> dict[str, Any]:
    if "description" in values:
        values["description"] = required_text(
            values["description"], "La descrizione della fase è obbligatoria.", "description"
        )
    if "kind" in values:
        _choice(values["kind"], Phase.Kind, "Tipo", "kind")
    if "progress" in values:
        values["progress"] = parse_percent(
            values["progress"], label="L'avanzamento della fase", field="progress"
        )
    start, end = values.get("planned_start"), values.get("planned_end")
    if start and end and end < start:
        raise ServiceError(
            f"La fine prevista ({end:%d/%m/%Y}) precede l'inizio ({start:%d/%m/%Y}).",
            field="planned_end",
        )
    return values


@transaction.atomic
def phase_create(*, user, objective: OperationalObjective, data: dict[str, Any]) -> Phase:
    with _ObjectiveWrite(user, objective):
        values = _clean_phase(_pick(data, PHASE_FIELDS))
        if "description" not in values:
            raise ServiceError("La descrizione della fase è obbligatoria.", field="description")
        values.setdefault("order", _next_order(Phase.objects.filter(objective=objective)))
        phase = Phase(objective=objective)
        _apply(phase, values)
        phase.save()
    audit(user, "phase.create", phase, objective.cycle.ente, diff({}, state_of(phase)))
    return phase


@transaction.atomic
def phase_update(*, user, phase: Phase, data: dict[str, Any]) -> Phase:
    objective = phase.objective
    with _ObjectiveWrite(user, objective):
        before = state_of(phase)
        _apply(phase, _clean_phase(_pick(data, PHASE_FIELDS)))
        _clean_phase({"planned_start": phase.planned_start, "planned_end": phase.planned_end})
        phase.save()
    audit(user, "phase.update", phase, objective.cycle.ente, diff(before, state_of(phase)))
    return phase


@transaction.atomic
def phase_delete(*, user, phase: Phase) -> None:
    objective = phase.objective
    with _ObjectiveWrite(user, objective):
        audit(user, "phase.delete", phase, objective.cycle.ente, diff(state_of(phase), {}))
        phase.delete()


# ---------------------------------------------------------------------------------------------
# Indicators and targets
# ---------------------------------------------------------------------------------------------


def _clean_indicator(values: dict[str, Any], cycle: Cycle) -> dict[str, Any]:
    if "name" in values:
        values["name"] = required_text(
            values["name"], "La denominazione dell'indicatore è obbligatoria.", "name"
        )
    if "scope" in values:
        _choice(values["scope"], IndicatorScope, "Livello", "scope")
    if "dimension" in values:
        values["dimension"] = _choice(
            values["dimension"], Dimension, "Dimensione", "dimension", blank=True
        )
    if "polarity" in values:
        _choice(values["polarity"], Polarity, "Polarità", "polarity")
    if "weight" in values:
        values["weight"] = parse_percent(
            values["weight"], label="Il peso dell'indicatore", field="weight"
        )
    if "baseline_value" in values:
        values["baseline_value"] = parse_decimal(
            values["baseline_value"], label="Il valore di partenza", field="baseline_value"
        )
    _same_cycle(values.get("group"), cycle, "La tabella di indicatori", "group")
    _same_cycle(values.get("objective"), cycle, "L'obiettivo", "objective")
    _same_cycle(
        values.get("strategic_objective"), cycle, "L'obiettivo strategico", "strategic_objective"
    )
    _same_ente(values.get("unit"), cycle.ente, "L'unità organizzativa", "unit")
    phase, objective = values.get("phase"), values.get("objective")
    if phase is not None and (objective is None or phase.objective_id != objective.pk):
        raise ServiceError("La fase indicata non è una fase di questo obiettivo.", field="phase")
    return values


def _check_formula(indicator: Indicator) -> None:
    """A computed indicator's formula must parse and name only existing parameters/indicators."""
    text = (indicator.formula_expression or "").strip()
    indicator.formula_expression = text
    messages = validate_formula(indicator.cycle, text, indicator=indicator)
    if messages:
        raise ServiceError(" ".join(messages), field="formula_expression")


class _IndicatorWrite:
    """An indicator of an objective follows the objective's rules; the others are structure."""

    def __init__(self, user, cycle: Cycle, objective: OperationalObjective | None):
        self.inner = _ObjectiveWrite(user, objective) if objective is not None else None
        self.user, self.cycle = user, cycle

    def __enter__(self) -> _IndicatorWrite:
        if self.inner is not None:
            self.inner.__enter__()
        else:
            _structure_write(self.user, self.cycle)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.inner is not None:
            self.inner.__exit__(exc_type, exc, tb)


@transaction.atomic
def indicator_create(*, user, cycle: Cycle, data: dict[str, Any]) -> Indicator:
    values = _clean_indicator(_pick(data, INDICATOR_FIELDS), cycle)
    if "name" not in values:
        raise ServiceError("La denominazione dell'indicatore è obbligatoria.", field="name")
    objective = values.get("objective")
    values.setdefault("scope", IndicatorScope.OBJECTIVE if objective else IndicatorScope.ENTE)
    with _IndicatorWrite(user, cycle, objective):
        values.setdefault("order", _next_order(Indicator.objects.filter(cycle=cycle)))
        key = unique_key(
            Indicator.objects.filter(cycle=cycle),
            values.get("code") or values["name"],
            fallback="ind",
        )
        indicator = Indicator(cycle=cycle, key=key)
        _apply(indicator, values)
        _check_formula(indicator)
        indicator.save()
    audit(user, "indicator.create", indicator, cycle.ente, diff({}, state_of(indicator)))
    return indicator


@transaction.atomic
def indicator_update(*, user, indicator: Indicator, data: dict[str, Any]) -> Indicator:
    cycle = indicator.cycle
    values = _pick(data, INDICATOR_FIELDS)
    # An indicator stays with its objective: moving it would escape the objective's history.
    values.pop("objective", None)
    values.setdefault("phase", indicator.phase)
    values["objective"] = indicator.objective
    values = _clean_indicator(values, cycle)
    with _IndicatorWrite(user, cycle, indicator.objective):
        before = state_of(indicator)
        _apply(indicator, values)
        _check_formula(indicator)
        indicator.save()
    audit(user, "indicator.update", indicator, cycle.ente, diff(before, state_of(indicator)))
    return indicator


@transaction.atomic
def indicator_delete(*, user, indicator: Indicator) -> None:
    cycle = indicator.cycle
    with _IndicatorWrite(user, cycle, indicator.objective):
        audit(user, "indicator.delete", indicator, cycle.ente, diff(state_of(indicator), {}))
        indicator.delete()


def _clean_target(values: dict[str, Any], year: int) -> dict[str, Any]:
    label = f"Target {year}"
    kind = _choice(values.get("kind"), TargetKind, label, "kind")
    for name in ("value", "value_to"):
        if name in values:
            values[name] = parse_decimal(values[name], label=label, field=name)
    value, value_to = values.get("value"), values.get("value_to")
    text = (values.get("text") or "").strip()
    values["text"] = text
    if kind == TargetKind.BETWEEN:
        if value is None or value_to is None:
            raise ServiceError(
                f"{label}: per un intervallo servono il valore minimo e il valore massimo.",
                field="value_to" if value is not None else "value",
            )
        if not value < value_to:
            raise ServiceError(
                f"{label}: il valore minimo deve essere inferiore al valore massimo.",
                field="value_to",
            )
    elif kind == TargetKind.BY_DATE and not values.get("target_date"):
        raise ServiceError(
            f"{label}: per un target «entro la data» serve la data.", field="target_date"
        )
    elif kind in VALUE_KINDS and value is None:
        raise ServiceError(f"{label}: per questo tipo di target serve il valore.", field="value")
    elif kind == TargetKind.TEXT and not text:
        raise ServiceError(f"{label}: un target descrittivo richiede il testo.", field="text")
    return values


@transaction.atomic
def target_set(*, user, indicator: Indicator, year: int, data: dict[str, Any]) -> Target:
    """Create or replace the target of `indicator` for `year` (one per year)."""
    cycle = indicator.cycle
    if not cycle.first_year <= int(year) <= cycle.last_year:
        raise ServiceError(
            f"L'anno {year} è fuori dal triennio {cycle.horizon_label} del piano.", field="year"
        )
    values = _clean_target(_pick(data, TARGET_FIELDS), int(year))
    with _IndicatorWrite(user, cycle, indicator.objective):
        target = Target.objects.filter(indicator=indicator, year=year).first()
        before = state_of(target) if target else {}
        target = target or Target(indicator=indicator, year=year)
        _apply(target, {name: values.get(name) for name in TARGET_FIELDS})
        target.save()
    audit(user, "target.set", target, cycle.ente, diff(before, state_of(target)))
    return target


@transaction.atomic
def target_clear(*, user, indicator: Indicator, year: int) -> None:
    target = Target.objects.filter(indicator=indicator, year=year).first()
    if target is None:
        return
    cycle = indicator.cycle
    with _IndicatorWrite(user, cycle, indicator.objective):
        audit(user, "target.clear", target, cycle.ente, diff(state_of(target), {}))
        target.delete()


# ---------------------------------------------------------------------------------------------
# Next year's plan
# ---------------------------------------------------------------------------------------------


def _shift_date(value: dt.date | None, years: int) -> dt.date | None:
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February into a common year
        return value.replace(year=value.year + years, day=28)


def _copy(instance: Model, **overrides) -> Model:
    """An unsaved copy of `instance` with `overrides` (many-to-many left to the caller)."""
    instance.pk = None
    instance.id = None
    instance._state.adding = True
    # Prefetched relations describe the original row: `set()` on the copy would trust them.
    instance._prefetched_objects_cache = {}
    for name, value in overrides.items():
        setattr(instance, name, value)
    return instance


def _shift_years_in_text(text: str, source: Cycle, shift: int) -> str:
    """Move the years of the source horizon written in a title: «PIAO 2024 – 2026» → 2025 – 2027.

    Other years (a law of 2009, a past report) stay as they are.
    """

    def move(match: re.Match) -> str:
        year = int(match.group(0))
        inside = source.first_year <= year <= source.last_year
        return str(year + shift) if inside else match.group(0)

    return YEAR_PATTERN.sub(move, text)


@dataclass(frozen=True)
class TitleChange:
    """A title whose years were moved when the plan was copied («Obiettivi 2024» → 2025)."""

    what: str  # «Gruppo di pesatura», «Sezione di indicatori», …
    before: str
    after: str

    def as_audit(self) -> list[str]:
        return [self.what, self.before, self.after]


class _Renamer:
    """Moves the years of the horizon in copied titles and remembers what it changed."""

    def __init__(self, source: Cycle, shift: int):
        self.source, self.shift = source, shift
        self.changes: list[TitleChange] = []

    def __call__(self, what: str, text: str) -> str:
        moved = _shift_years_in_text(text, self.source, self.shift)
        change = TitleChange(what, text, moved)
        if moved != text and change not in self.changes:  # a heading shared by many rows
            self.changes.append(change)
        return moved


@transaction.atomic
def cycle_copy_as_draft(*, user, cycle: Cycle, year: int) -> Cycle:
    """Start the plan of `year` from `cycle`: the whole plan becomes a new draft.

    Structured dates and years move by the difference in years, except for the rows of a
    multi-year plan that still belong to the new year: those are carried forward with their
    own years and dates (`planning.years.carried_years`). The years of the horizon written in
    the titles of the cycle, its levels, areas, weight groups, sections of objectives and of
    indicators move too (not those of the rows carried forward); the returned cycle lists
    them in `renamed` (also in the audit row). The other texts "as written" are copied
    unchanged for the authors to review. Measurements (phase progress and actuals),
    revisions and versions stay with the old cycle.
    """
    ente = cycle.ente
    _require_admin(user, ente)
    year = int(year)
    if Cycle.objects.filter(ente=ente, year=year).exists():
        raise ServiceError(f"Esiste già un ciclo {year} per {ente}.", field="year")
    shift = year - cycle.year
    source_pk = cycle.pk
    rename = _Renamer(cycle, shift)
    # `_copy` turns the row it gets into the new cycle: give it a fresh one, not the caller's.
    new = _copy(
        Cycle.objects.get(pk=source_pk),
        year=year,
        first_year=cycle.first_year + shift,
        last_year=cycle.last_year + shift,
        title=rename("Titolo del piano", cycle.title),
        subtitle=rename("Sottotitolo del piano", cycle.subtitle),
        state=CycleState.DRAFT,
        approval_body="",
        approval_act_number="",
        approval_act_date=None,
        proposed_at=None,
        approved_at=None,
    )
    new.save()
    for level in OrganisationalPerformanceLevel.objects.filter(cycle_id=source_pk):
        _copy(level, cycle=new, label=rename("Livello di performance", level.label)).save()
    maps = _copy_strategic_layer(source_pk, new, rename)
    maps["group"], carried_groups = _copy_weight_groups(source_pk, new, rename)
    maps["objective"], maps["phase"] = _copy_objectives(
        source_pk, new, maps, carried_groups, rename
    )
    _copy_indicators(source_pk, new, maps, rename)
    audit(
        user,
        "cycle.copy_as_draft",
        new,
        ente,
        {
            "copied_from": [None, source_pk],
            "year": [cycle.year, year],
            "renamed": [None, [change.as_audit() for change in rename.changes]],
        },
    )
    new.renamed = rename.changes
    return new


def _copy_rows(model: type[Model], source_pk: int, new: Cycle, **remap) -> dict[int, Model]:
    mapping = {}
    for row in model.objects.filter(cycle_id=source_pk):
        old_pk = row.pk
        overrides = {name: fn(row) for name, fn in remap.items()}
        mapping[old_pk] = _copy(row, cycle=new, **overrides)
        mapping[old_pk].save()
    return mapping


def _copy_strategic_layer(
    source_pk: int, new: Cycle, rename: _Renamer
) -> dict[str, dict[int, Model]]:
    areas = _copy_rows(
        StrategicArea, source_pk, new, name=lambda row: rename("Area strategica", row.name)
    )
    strategic = {}
    rows = StrategicObjective.objects.filter(cycle_id=source_pk).prefetch_related("units")
    for row in rows:
        old_pk, units = row.pk, list(row.units.all())
        copy = _copy(row, cycle=new, area=areas.get(row.area_id))
        copy.save()
        copy.units.set(units)
        strategic[old_pk] = copy
    return {"area": areas, "strategic": strategic}


def _copy_weight_groups(
    source_pk: int, new: Cycle, rename: _Renamer
) -> tuple[dict[int, Model], set[int]]:
    """The weight groups of the new cycle and the (old) ids of those carried forward."""
    mapping, carried = {}, set()
    shift = new.year - Cycle.objects.only("year").get(pk=source_pk).year
    for row in WeightGroup.objects.filter(cycle_id=source_pk):
        old_pk = row.pk
        years, kept = carried_years(row.years, new.year, shift)
        label = row.label if kept else rename("Gruppo di pesatura", row.label)
        mapping[old_pk] = _copy(row, cycle=new, years=years, label=label)
        mapping[old_pk].save()
        if kept:
            carried.add(old_pk)
    return mapping, carried


def _copy_objectives(
    source_pk: int, new: Cycle, maps: dict, carried_groups: set[int], rename: _Renamer
):
    objectives, phases = {}, {}
    rows = OperationalObjective.objects.filter(cycle_id=source_pk).prefetch_related(
        "responsibles", "phases"
    )
    shift = new.year - Cycle.objects.only("year").get(pk=source_pk).year
    for row in rows:
        old_pk, people, old_phases = row.pk, list(row.responsibles.all()), list(row.phases.all())
        years, carried = carried_years(row.years, new.year, shift)
        if not row.years and row.weight_group_id in carried_groups:
            carried = True  # it takes the years of its group, carried forward
        # A carried objective keeps its dates: they are those of its own years.
        moved = 0 if carried else shift
        copy = _copy(
            row,
            cycle=new,
            strategic_objective=maps["strategic"].get(row.strategic_objective_id),
            weight_group=maps["group"].get(row.weight_group_id),
            years=years,
            deadline=_shift_date(row.deadline, moved),
            section=row.section if carried else rename("Sezione del piano", row.section),
        )
        copy.save()
        copy.responsibles.set(people)
        objectives[old_pk] = copy
        for phase in old_phases:
            old_phase_pk = phase.pk
            phases[old_phase_pk] = _copy(
                phase,
                objective=copy,
                planned_start=_shift_date(phase.planned_start, moved),
                planned_end=_shift_date(phase.planned_end, moved),
                actual_text="",
                actual_end=None,
                progress=None,
            )
            phases[old_phase_pk].save()
    return objectives, phases


def _copy_indicators(source_pk: int, new: Cycle, maps: dict, rename: _Renamer) -> None:
    groups: dict[int, IndicatorGroup] = {}
    # Parents come before children only by id, so parents are linked in a second pass.
    old_groups = list(IndicatorGroup.objects.filter(cycle_id=source_pk).order_by("pk"))
    parents = {row.pk: row.parent_id for row in old_groups}
    for row in old_groups:
        old_pk = row.pk
        groups[old_pk] = _copy(
            row, cycle=new, parent=None, title=rename("Sezione di indicatori", row.title)
        )
        groups[old_pk].save()
    for old_pk, parent_id in parents.items():
        if parent_id:
            groups[old_pk].parent = groups[parent_id]
            groups[old_pk].save(update_fields=["parent"])
    rows = Indicator.objects.filter(cycle_id=source_pk).prefetch_related("targets")
    for row in rows:
        targets = list(row.targets.all())
        copy = _copy(
            row,
            cycle=new,
            group=groups.get(row.group_id),
            objective=maps["objective"].get(row.objective_id),
            strategic_objective=maps["strategic"].get(row.strategic_objective_id),
            phase=maps["phase"].get(row.phase_id),
        )
        copy.save()
        for target in _targets_for(targets, new):
            target.indicator = copy
            target.save()


def _targets_for(targets: list[Target], new: Cycle) -> list[Target]:
    """Targets of the new horizon: those already written for its years (a triennial plan sets
    them ahead) and, for the plan's own year when none was written, the latest earlier target
    moved forward, so that every indicator starts with something to review."""
    kept = [t for t in targets if new.first_year <= t.year <= new.last_year]
    if any(t.year == new.year for t in kept):
        return [_copy(t) for t in kept]
    earlier = [t for t in targets if t.year < new.year]
    if earlier:
        latest = max(earlier, key=lambda t: t.year)
        moved = _copy(
            latest,
            year=new.year,
            target_date=_shift_date(latest.target_date, new.year - latest.year),
        )
        kept = [moved, *[_copy(t) for t in kept]]
    else:
        kept = [_copy(t) for t in kept]
    return kept
