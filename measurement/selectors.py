"""Reads of measurement and monitoring: the bridge between the database and the engine.

`cycle_scores(cycle, window=...)` loads a whole cycle in a constant number of queries (one per
table, whatever the size of the ente), turns the rows into the engine's flat records and scores
everything in one call of `engine.rollup.score_cycle`. The result, a `ScoreBoard`, answers the
pages (per-id lookups with labels, statuses, counts), the JSON of `cycle_scores --format json`
and of the window snapshots (`to_dict()`), and the CSV (`rows()`).

Engine ids are the plan's keys (indicator, objective, unit and person keys), so that every
explanation and every snapshot reads the same on any database; pages look entries up by pk
with `board.indicator(pk)`, `board.objective(pk)`, `board.unit(pk)`, `board.person(pk)`.

Which value counts: for each indicator, the latest measurement whose period ends on or before
the as-of date (the window's date; without a window, the end of the cycle year). A computed
indicator takes the value of its formula at the latest period where all its inputs have a
value (a parameter without a measurement for that period falls back to its yearly value,
`ParameterValue` of the cycle year).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.collector import collector_paused
from engine import achievement as ea
from engine import formula as ef
from engine.config import SmvpSettings
from engine.explanation import Explanation
from engine.numbers import format_date, format_number, format_percent, internal
from engine.rollup import (
    AssignmentRecord,
    CycleRecords,
    CycleScores,
    IndicatorRecord,
    ObjectiveRecord,
    PhaseRecord,
    Score,
    UnitRecord,
    score_cycle,
)
from engine.status import ObjectiveStatus, PhaseProgress, StatusResult, objective_status
from engine.tree import in_order
from measurement import scoring
from measurement.models import (
    MEASURING_STATES,
    CorrectiveAction,
    Measurement,
    MonitoringWindow,
    ObjectiveDelegate,
    WindowSnapshot,
    WindowState,
)
from organization.models import Parameter, ParameterValue, Person, Unit
from planning import formulas
from planning.models import (
    PREVIOUS_YEAR_KINDS,
    Cycle,
    Indicator,
    IndicatorScope,
    ObjectiveUnit,
    OperationalObjective,
    Phase,
    Target,
    TargetKind,
    WeightGroup,
)
from planning.years import indicator_belongs, objective_belongs

HUNDRED = Decimal("100")
DUE_SOON_DAYS = 15  # a window is "to update" from this many days before its date

OUTCOME_LABELS = {
    ea.Outcome.SCORED: "misurato",
    ea.Outcome.NOT_MEASURABLE: "non misurabile",
    ea.Outcome.MISSING: "dato mancante",
}
ROW_FIELDS = (
    "level",
    "key",
    "code",
    "label",
    "value",
    "percent",
    "status",
    "rule",
    "explanation",
)


# ---------------------------------------------------------------------------------------------
# Loading a cycle (constant number of queries)
# ---------------------------------------------------------------------------------------------


class Value(NamedTuple):
    """A measurement as scoring reads it: a tuple from `values_list`, not a model instance
    (48,000 instances with their users were most of the cost of a large ente's scores)."""

    id: int
    indicator_id: int | None
    parameter_id: int | None
    period_end: dt.date
    value: Decimal | None
    completed_on: dt.date | None


VALUE_FIELDS = ("id", "indicator_id", "parameter_id", "period_end", "value", "completed_on")


IndicatorRow = scoring.IndicatorRow
ObjectiveRow = scoring.ObjectiveRow


@dataclass
class _Plan:
    """The rows of a cycle that belong to its year (see `planning.years`), loaded once.

    Objectives and indicators are rows (`scoring.ObjectiveRow`, `scoring.IndicatorRow`); their
    model instances are loaded only for the lists of values to enter (`instances=True`)."""

    cycle: Cycle
    units: list[Unit]
    persons: dict[int, Person]
    objectives: list[ObjectiveRow]  # those of the cycle's year
    unit_ids: dict[int, list[int]]  # objective pk → its units, the leading one first
    responsibles: dict[int, list[int]]  # objective pk → person pks
    indicators: list[IndicatorRow]  # those of the cycle's year
    formula_indicators: list[IndicatorRow]  # every indicator: a formula may name any of them
    targets: dict[int, scoring.TargetRow]  # indicator pk → target of the cycle year
    phases: list[Phase]
    parameters: list[Parameter]
    yearly: dict[int, Decimal]  # parameter pk → value of the cycle year
    measurements: list[Value]  # ordered by period_end, id (see `_values`)
    indicator_instances: dict[int, Indicator] = field(default_factory=dict)
    objective_instances: dict[int, OperationalObjective] = field(default_factory=dict)

    @property
    def units_by_id(self) -> dict[int, Unit]:
        return {unit.pk: unit for unit in self.units}

    def owners(self, objective: ObjectiveRow) -> list[int]:
        """The people answerable for an objective: its responsibles, or the leads of its
        units (each once, the leading unit's first)."""
        named = self.responsibles.get(objective.pk)
        if named:
            return named
        units = self.units_by_id
        leads = (_unit_lead(unit_id, units) for unit_id in self.unit_ids.get(objective.pk, []))
        return list(dict.fromkeys(lead for lead in leads if lead is not None))


def _unit_lead(unit_id: int | None, units: dict[int, Unit]) -> int | None:
    """The responsible of the unit or, when it has none, of the nearest unit above it."""
    seen: set[int] = set()
    while unit_id is not None and unit_id in units and unit_id not in seen:
        seen.add(unit_id)
        unit = units[unit_id]
        if unit.responsible_id is not None:
            return unit.responsible_id
        unit_id = unit.parent_id
    return None


def _load(
    cycle: Cycle, cutoff: dt.date, *, every_value: bool = False, instances: bool = False
) -> _Plan:
    """The cycle's rows; of the measurements up to `cutoff`, with `every_value` all of them
    (what was entered when: deadlines, coverage), otherwise only those scoring reads (`_values`).
    With `instances`, the objectives and indicators are read as model instances too (the same
    queries), for what lists them on pages."""
    ente = cycle.ente
    objectives, objective_instances = _objectives_of_year(cycle, instances)
    kept = {objective.pk for objective in objectives}
    formula_indicators, indicator_instances = _indicator_rows(cycle, instances)
    targets, target_years = _targets(cycle)
    parameters = list(Parameter.objects.filter(unit__ente=ente).order_by("unit", "order", "id"))
    return _Plan(
        cycle=cycle,
        units=list(Unit.objects.filter(ente=ente).order_by("order", "id")),
        persons={person.pk: person for person in _people_answerable(cycle)},
        objectives=objectives,
        unit_ids=_objective_units(cycle, objectives),
        responsibles=_responsibles(cycle, kept),
        indicators=[
            indicator
            for indicator in formula_indicators
            if (indicator.objective_id is None or indicator.objective_id in kept)
            and indicator_belongs(target_years.get(indicator.pk, ()), cycle.year)
        ],
        formula_indicators=formula_indicators,
        targets=targets,
        phases=[
            phase
            for phase in Phase.objects.filter(objective__cycle=cycle).order_by(
                "objective", "order", "id"
            )
            if phase.objective_id in kept
        ],
        parameters=parameters,
        yearly={
            row.parameter_id: row.value
            for row in ParameterValue.objects.filter(parameter__unit__ente=ente, year=cycle.year)
        },
        measurements=_values(cycle, cutoff, formula_indicators, parameters, every_value),
        indicator_instances=indicator_instances,
        objective_instances=objective_instances,
    )


def _indicator_rows(
    cycle: Cycle, instances: bool
) -> tuple[list[IndicatorRow], dict[int, Indicator]]:
    """Every indicator of the cycle as a row, in the plan's order; with `instances`, read as
    model instances (and their rows made from them), otherwise straight from `values_list`."""
    query = Indicator.objects.filter(cycle=cycle).order_by("order", "id")
    if not instances:
        rows = query.values_list(*scoring.INDICATOR_FIELDS)
        return [IndicatorRow._make(row) for row in rows], {}
    found = {indicator.pk: indicator for indicator in query.select_related("group")}
    return [IndicatorRow.of(indicator) for indicator in found.values()], found


def _values(
    cycle: Cycle,
    cutoff: dt.date,
    indicators: list[IndicatorRow],
    parameters: list[Parameter],
    every_value: bool,
) -> list[Value]:
    """The measurements up to `cutoff` that scoring reads, ordered by period end and id: the
    latest of each indicator (chosen in SQL, one row per indicator), and every value of the
    parameters and indicators a formula names (a formula takes the latest period where all its
    inputs have a value). The rest only matters to deadlines and coverage (`every_value`)."""
    # Sorted here, not in SQL: the model's ordering goes through the cycle to the ente's name.
    rows = Measurement.objects.filter(cycle=cycle, period_end__lte=cutoff).order_by()
    if every_value:
        return [Value(*row) for row in rows.order_by("period_end", "id").values_list(*VALUE_FIELDS)]
    # The latest of each indicator: no later one up to the cutoff (an indicator has one value
    # per period end, a unique index). Half the time of a window function on SQLite.
    later = Measurement.objects.filter(
        cycle_id=OuterRef("cycle_id"),
        indicator_id=OuterRef("indicator_id"),
        period_end__lte=cutoff,
        period_end__gt=OuterRef("period_end"),
    )
    latest = rows.filter(indicator__isnull=False).filter(~Exists(later)).values_list(*VALUE_FIELDS)
    found = {row[0]: Value(*row) for row in latest}
    named = _names_in_formulas(indicators)
    if named:
        named_indicators = [i.pk for i in indicators if formulas.formula_name(i.key) in named]
        named_parameters = [p.pk for p in parameters if formulas.formula_name(p.key) in named]
        series = rows.filter(
            Q(indicator_id__in=named_indicators) | Q(parameter_id__in=named_parameters)
        ).values_list(*VALUE_FIELDS)
        found.update((row[0], Value(*row)) for row in series)
    return sorted(found.values(), key=lambda row: (row.period_end, row.id))


def _names_in_formulas(indicators: Iterable[IndicatorRow]) -> set[str]:
    """Every name the valid formulas of the indicators use."""
    names: set[str] = set()
    for indicator in indicators:
        text = indicator.expression
        if text:
            with contextlib.suppress(ef.FormulaError):
                names |= ef.parse(text).names()
    return names


def _people_answerable(cycle: Cycle) -> Iterable[Person]:
    """The people an objective of the cycle can be answerable to: the responsibles of the
    objectives and of the units, and the delegates; not the whole staff (one query)."""
    through = OperationalObjective.responsibles.through
    return (
        Person.objects.filter(ente_id=cycle.ente_id)
        .filter(
            Q(pk__in=Unit.objects.filter(ente_id=cycle.ente_id).values("responsible_id"))
            | Q(
                pk__in=through.objects.filter(operationalobjective__cycle=cycle).values("person_id")
            )
            | Q(pk__in=ObjectiveDelegate.objects.filter(objective__cycle=cycle).values("person_id"))
        )
        .order_by()  # by pk in a dict; the pages sort by name
    )


def _objectives_of_year(
    cycle: Cycle, instances: bool = False
) -> tuple[list[ObjectiveRow], dict[int, OperationalObjective]]:
    """The cycle's objectives that belong to its year (a multi-year plan holds others too), as
    rows; with `instances`, read as model instances (and their rows made from them)."""
    group_years = dict(WeightGroup.objects.filter(cycle=cycle).values_list("pk", "years"))
    query = OperationalObjective.objects.filter(cycle=cycle).order_by("order", "id")
    found: dict[int, OperationalObjective] = {}
    if instances:
        found = {objective.pk: objective for objective in query}
        rows = [ObjectiveRow.of(objective) for objective in found.values()]
    else:
        rows = [ObjectiveRow._make(row) for row in query.values_list(*scoring.OBJECTIVE_FIELDS)]
    rows = [row for row in rows if objective_belongs(row, cycle.year, group_years)]
    return rows, {row.pk: found[row.pk] for row in rows} if instances else {}


def _objective_units(cycle: Cycle, objectives: list[ObjectiveRow]) -> dict[int, list[int]]:
    shared: dict[int, list[int]] = defaultdict(list)
    for objective_id, unit_id in (
        ObjectiveUnit.objects.filter(objective__cycle=cycle)
        .order_by("objective_id", "order", "id")  # each objective's units in their order
        .values_list("objective_id", "unit_id")
    ):
        shared[objective_id].append(unit_id)
    return {
        objective.pk: list(
            dict.fromkeys(
                [objective.unit_id, *shared.get(objective.pk, [])]
                if objective.unit_id is not None
                else shared.get(objective.pk, [])
            )
        )
        for objective in objectives
    }


def _responsibles(cycle: Cycle, kept: set[int]) -> dict[int, list[int]]:
    through = OperationalObjective.responsibles.through
    responsibles: dict[int, list[int]] = defaultdict(list)
    for objective_id, person_id in (
        through.objects.filter(operationalobjective__cycle=cycle)
        .order_by("id")
        .values_list("operationalobjective_id", "person_id")
    ):
        if objective_id in kept:
            responsibles[objective_id].append(person_id)
    return dict(responsibles)


def _targets(cycle: Cycle) -> tuple[dict[int, scoring.TargetRow], dict[int, set[int]]]:
    """The target of the cycle's year of each indicator, and the years each has targets for."""
    targets: dict[int, scoring.TargetRow] = {}
    years: dict[int, set[int]] = defaultdict(set)
    rows = (
        Target.objects.filter(indicator__cycle=cycle).order_by().values_list(*scoring.TARGET_FIELDS)
    )
    for target in map(scoring.TargetRow._make, rows):
        years[target.indicator_id].add(target.year)
        if target.year == cycle.year:
            targets[target.indicator_id] = target
    return targets, years


# ---------------------------------------------------------------------------------------------
# The value of the year before, for the targets relative to it
# ---------------------------------------------------------------------------------------------


def _previous_values(plan: _Plan) -> dict[int, scoring.PreviousValue]:
    """For each indicator of the year with a target relative to the previous year: the final
    value of the same indicator (same key) in the previous year's cycle when Performa holds
    that cycle, otherwise the indicator's baseline. Nothing is read when no target needs it."""
    needed = [
        indicator
        for indicator in plan.indicators
        if indicator.pk in plan.targets and plan.targets[indicator.pk].kind in PREVIOUS_YEAR_KINDS
    ]
    if not needed:
        return {}
    year = plan.cycle.year - 1
    earlier = Cycle.objects.filter(ente_id=plan.cycle.ente_id, year=year).first()
    finals = _final_values(earlier) if earlier is not None else {}
    found = {}
    for indicator in needed:
        if indicator.key in finals:
            found[indicator.pk] = scoring.PreviousValue(
                finals[indicator.key], ea.PreviousOrigin.CYCLE, year
            )
            continue
        note = (
            f"il ciclo {year} non ha un valore finale di questo indicatore"
            if earlier is not None
            else f"nessun ciclo {year} in Performa"
        )
        found[indicator.pk] = scoring.PreviousValue(
            indicator.baseline_value, ea.PreviousOrigin.BASELINE, indicator.baseline_year, note
        )
    return found


def _final_values(cycle: Cycle) -> dict[str, Decimal]:
    """Indicator key → its value at the end of `cycle`'s year (measured or computed)."""
    plan = _load(cycle, dt.date(cycle.year, 12, 31))
    computed = _Formulas(plan)
    latest = _latest_values(plan)
    values: dict[str, Decimal] = {}
    for indicator in plan.formula_indicators:
        if indicator.is_computed:
            value = computed.evaluate(indicator).value
        else:
            row = latest.get(indicator.pk)
            value = row.value if row is not None else None
        if value is not None:
            values[indicator.key] = value
    return values


# ---------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormulaInput:
    name: str
    label: str
    value: Decimal
    source: str  # Italian: "valore al 30/06/2024", "valore annuale 2023", "calcolato"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "value": format(self.value.normalize(), "f"),
            "source": self.source,
        }


@dataclass(frozen=True)
class FormulaResult:
    expression: str
    value: Decimal | None
    period_end: dt.date | None
    inputs: tuple[FormulaInput, ...] = ()
    arithmetic: str = ""  # "67 / 111 × 100 = 60,36"
    error: str = ""

    @property
    def text(self) -> str:
        if self.error:
            return f"Formula «{self.expression}»: {self.error}."
        used = "; ".join(
            f"{item.label} = {format_number(item.value)} ({item.source})" for item in self.inputs
        )
        return (
            f"Valore calcolato con la formula «{self.expression}»: {self.arithmetic}. Dati: {used}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "value": None if self.value is None else format(self.value.normalize(), "f"),
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "inputs": [item.to_dict() for item in self.inputs],
            "arithmetic": self.arithmetic,
            "error": self.error,
            "text": self.text,
        }


class _Missing(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Formulas:
    """Evaluates computed indicators over the measured series, period by period."""

    def __init__(self, plan: _Plan):
        self.series: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
        self.labels: dict[str, str] = {}
        self.fallback: dict[str, tuple[Decimal, str]] = {}
        self.expressions: dict[str, ef.Expression] = {}
        self.errors: dict[str, str] = {}
        parameter_names = {p.pk: formulas.formula_name(p.key) for p in plan.parameters}
        indicator_names = {i.pk: formulas.formula_name(i.key) for i in plan.formula_indicators}
        for parameter in plan.parameters:
            name = parameter_names[parameter.pk]
            self.labels[name] = str(parameter)
            if parameter.pk in plan.yearly:
                self.fallback[name] = (
                    plan.yearly[parameter.pk],
                    f"valore annuale {plan.cycle.year}",
                )
        for indicator in plan.formula_indicators:
            name = indicator_names[indicator.pk]
            self.labels.setdefault(name, indicator.name[:80])
            text = indicator.expression
            if text:
                try:
                    self.expressions[name] = ef.parse(text)
                except ef.FormulaError as exc:
                    self.errors[name] = str(exc)
        for row in plan.measurements:
            if row.value is None:
                continue
            if row.parameter_id is not None:
                name = parameter_names.get(row.parameter_id)
            else:
                name = indicator_names.get(row.indicator_id)
            if name is not None and name not in self.expressions:
                self.series[name][row.period_end] = row.value

    def evaluate(self, indicator: IndicatorRow) -> FormulaResult:
        name = formulas.formula_name(indicator.key)
        text = indicator.expression
        if name in self.errors:
            return FormulaResult(text, None, None, error=self.errors[name])
        expression = self.expressions[name]
        periods = sorted(
            {day for leaf in self._leaves(name, ()) for day in self.series.get(leaf, {})},
            reverse=True,
        )
        last_error = ""
        for period in [*periods, None]:
            try:
                values, inputs = self._values(expression, period, (name,))
                value = expression.evaluate(values)
                arithmetic = expression.explain(values)
            except _Missing as exc:
                last_error = exc.message
                continue
            except ef.FormulaError as exc:
                last_error = str(exc)
                continue
            return FormulaResult(text, value, period, tuple(inputs), arithmetic)
        return FormulaResult(text, None, None, error=last_error or "dati mancanti")

    def _leaves(self, name: str, path: tuple[str, ...]) -> set[str]:
        if name in path:
            return set()
        expression = self.expressions.get(name)
        if expression is None:
            return {name}
        found: set[str] = set()
        for child in expression.names():
            found |= self._leaves(child, (*path, name))
        return found

    def _values(
        self, expression: ef.Expression, period: dt.date | None, path: tuple[str, ...]
    ) -> tuple[dict[str, Decimal], list[FormulaInput]]:
        values: dict[str, Decimal] = {}
        inputs: list[FormulaInput] = []
        for name in sorted(expression.names()):
            value, source = self._value(name, period, path)
            values[name] = value
            inputs.append(FormulaInput(name, self.labels.get(name, name), value, source))
        return values, inputs

    def _value(
        self, name: str, period: dt.date | None, path: tuple[str, ...]
    ) -> tuple[Decimal, str]:
        if name in path:
            raise _Missing(f"la formula richiama sé stessa tramite «{name}»")
        if name in self.errors:
            raise _Missing(f"la formula di «{name}» non è valida")
        if name in self.expressions:
            inner = self.expressions[name]
            values, _ = self._values(inner, period, (*path, name))
            try:
                return inner.evaluate(values), "calcolato"
            except ef.FormulaError as exc:
                raise _Missing(f"«{name}»: {exc}") from None
        if period is not None and period in self.series.get(name, {}):
            return self.series[name][period], f"valore al {format_date(period)}"
        if name in self.fallback:
            return self.fallback[name]
        if name not in self.labels:
            raise _Missing(f"nome sconosciuto «{name}»")
        when = f" al {format_date(period)}" if period else ""
        raise _Missing(f"valore mancante per «{name}»{when}")


# ---------------------------------------------------------------------------------------------
# The score board
# ---------------------------------------------------------------------------------------------


@dataclass
class IndicatorEntry:
    indicator: IndicatorRow  # the fields pages show, not a model instance
    target: scoring.TargetRow | None  # the target of the cycle year (its text is shown)
    achievement: ea.Achievement
    measurement: Value | None = None  # the value used (None: computed or missing)
    formula: FormulaResult | None = None
    role: str = "objective"  # objective / ente / standalone (not rolled up)

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def label(self) -> str:
        return str(self.indicator)

    @property
    def is_computed(self) -> bool:
        return self.formula is not None

    @property
    def value(self) -> Decimal | None:
        if self.formula is not None:
            return self.formula.value
        return self.measurement.value if self.measurement else None

    @property
    def completed_on(self) -> dt.date | None:
        return self.measurement.completed_on if self.measurement else None

    @property
    def period_end(self) -> dt.date | None:
        if self.formula is not None:
            return self.formula.period_end
        return self.measurement.period_end if self.measurement else None

    @property
    def percent(self) -> Decimal | None:
        return self.achievement.display_percent

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.achievement.outcome]

    @property
    def explanation(self) -> Explanation:
        return self.achievement.explanation


class _ScoredEntry:
    """What every scored entry of the board shows: its percent and how it was computed."""

    score: Score

    @property
    def percent(self) -> Decimal | None:
        return self.score.display_percent

    @property
    def explanation(self) -> Explanation:
        return self.score.explanation


@dataclass
class ObjectiveEntry(_ScoredEntry):
    objective: ObjectiveRow  # the fields pages show, not a model instance
    score: Score
    status: StatusResult
    owner_ids: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        return self.objective.key

    @property
    def label(self) -> str:
        return str(self.objective)


@dataclass
class UnitEntry(_ScoredEntry):
    unit: Unit
    score: Score
    depth: int = 0

    @property
    def key(self) -> str:
        return self.unit.key

    @property
    def label(self) -> str:
        return str(self.unit)


@dataclass
class PersonEntry(_ScoredEntry):
    person: Person
    score: Score

    @property
    def key(self) -> str:
        return self.person.key

    @property
    def label(self) -> str:
        return self.person.display_name


def _score_dict(score: Score | ea.Achievement) -> dict[str, Any]:
    return score.to_dict()


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@dataclass
class ScoreBoard:
    """Every computed number of a cycle at a date, with its explanation."""

    cycle: Cycle
    as_of: dt.date
    window: MonitoringWindow | None
    settings: SmvpSettings
    scores: CycleScores  # keyed by the plan's keys
    indicators: list[IndicatorEntry]
    objectives: list[ObjectiveEntry]
    units: list[UnitEntry]
    persons: list[PersonEntry]
    _by_pk: dict[str, dict[int, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_pk = {
            "indicator": {entry.indicator.pk: entry for entry in self.indicators},
            "objective": {entry.objective.pk: entry for entry in self.objectives},
            "unit": {entry.unit.pk: entry for entry in self.units},
            "person": {entry.person.pk: entry for entry in self.persons},
        }

    # -- lookups ------------------------------------------------------------------------------

    def indicator(self, pk: int) -> IndicatorEntry | None:
        return self._by_pk["indicator"].get(pk)

    def objective(self, pk: int) -> ObjectiveEntry | None:
        return self._by_pk["objective"].get(pk)

    def unit(self, pk: int) -> UnitEntry | None:
        return self._by_pk["unit"].get(pk)

    def person(self, pk: int) -> PersonEntry | None:
        return self._by_pk["person"].get(pk)

    @property
    def ente_score(self) -> Score:
        return self.scores.ente

    def indicators_of(self, objective_pk: int) -> list[IndicatorEntry]:
        return [e for e in self.indicators if e.indicator.objective_id == objective_pk]

    def objectives_of_unit(self, unit_pk: int, *, below: bool = True) -> list[ObjectiveEntry]:
        """The objectives of a unit (and, with `below`, of the units under it)."""
        ids = {unit_pk}
        if below:
            children: dict[int | None, list[int]] = defaultdict(list)
            for entry in self.units:
                children[entry.unit.parent_id].append(entry.unit.pk)
            stack = [unit_pk]
            while stack:
                for child in children.get(stack.pop(), []):
                    if child not in ids:
                        ids.add(child)
                        stack.append(child)
        return [e for e in self.objectives if e.objective.unit_id in ids]

    def objectives_of_person(self, person_pk: int) -> list[ObjectiveEntry]:
        return [e for e in self.objectives if person_pk in e.owner_ids]

    def status_counts(self, entries: Iterable[ObjectiveEntry] | None = None) -> dict[str, int]:
        """How many objectives in each status, in the order of `ObjectiveStatus`."""
        counts = {status.value: 0 for status in ObjectiveStatus}
        for entry in self.objectives if entries is None else entries:
            counts[entry.status.status.value] += 1
        return counts

    # -- output -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every score with its explanation ("come è calcolato")."""
        ente = self.cycle.ente
        window = None
        if self.window is not None:
            window = {
                "key": self.window.key,
                "label": self.window.label,
                "period_end": self.window.period_end.isoformat(),
                "is_final": self.window.is_final,
                "state": self.window.state,
            }
        units_by_id = {entry.unit.pk: entry.unit for entry in self.units}
        objectives_by_id = {entry.objective.pk: entry.objective for entry in self.objectives}
        return {
            "ente": {"slug": ente.slug, "name": ente.name, **_score_dict(self.scores.ente)},
            "cycle": {"year": self.cycle.year, "title": self.cycle.title},
            "as_of": self.as_of.isoformat(),
            "window": window,
            "settings": self.settings.to_dict(),
            "status_counts": self.status_counts(),
            "units": [
                {
                    "key": entry.unit.key,
                    "label": entry.label,
                    "parent": (
                        units_by_id[entry.unit.parent_id].key
                        if entry.unit.parent_id in units_by_id
                        else None
                    ),
                    **_score_dict(entry.score),
                }
                for entry in self.units
            ],
            "objectives": [
                {
                    "key": entry.objective.key,
                    "code": entry.objective.code,
                    "label": entry.label,
                    "unit": units_by_id[entry.objective.unit_id].key
                    if entry.objective.unit_id in units_by_id
                    else None,
                    "weight": _plain(entry.objective.weight),
                    **_score_dict(entry.score),
                    "status": entry.status.to_dict(),
                }
                for entry in self.objectives
            ],
            "indicators": [
                self._indicator_dict(entry, objectives_by_id) for entry in self.indicators
            ],
            "persons": [
                {"key": entry.person.key, "label": entry.label, **_score_dict(entry.score)}
                for entry in self.persons
            ],
        }

    def _indicator_dict(
        self, entry: IndicatorEntry, objectives: dict[int, ObjectiveRow]
    ) -> dict[str, Any]:
        indicator = entry.indicator
        objective = objectives.get(indicator.objective_id)
        return {
            "key": indicator.key,
            "code": indicator.code,
            "label": indicator.name,
            "scope": indicator.scope,
            "role": entry.role,
            "objective": objective.key if objective else None,
            "unit_of_measure": indicator.unit_of_measure,
            "weight": _plain(indicator.weight),
            "target": entry.target.text if entry.target else None,
            "value": _plain(entry.value),
            "completed_on": entry.completed_on.isoformat() if entry.completed_on else None,
            "period_end": entry.period_end.isoformat() if entry.period_end else None,
            "computed": entry.is_computed,
            "formula": entry.formula.to_dict() if entry.formula else None,
            **_score_dict(entry.achievement),
        }

    def rows(self) -> list[dict[str, str]]:
        """Flat rows (see ROW_FIELDS) for CSV: ente, units, objectives, indicators, persons."""

        ente = self.cycle.ente
        rows = [
            _board_row(
                "ente",
                ente.slug,
                "",
                ente.name,
                "",
                self.scores.ente.display_percent,
                "",
                self.scores.ente.explanation,
            )
        ]
        rows += [
            _board_row(
                "unit", e.key, e.unit.peg_code, e.unit.name, "", e.percent, "", e.explanation
            )
            for e in self.units
        ]
        rows += [
            _board_row(
                "objective",
                e.key,
                e.objective.code,
                e.objective.title,
                "",
                e.percent,
                e.status.label,
                e.explanation,
            )
            for e in self.objectives
        ]
        rows += [
            _board_row(
                "indicator",
                e.key,
                e.indicator.code,
                e.indicator.name,
                _plain(e.value) or "",
                e.percent,
                e.outcome_label,
                e.explanation,
            )
            for e in self.indicators
        ]
        rows += [
            _board_row("person", e.key, "", e.label, "", e.percent, "", e.explanation)
            for e in self.persons
        ]
        return rows


def _board_row(
    level: str,
    key: str,
    code: str,
    label: str,
    value: str,
    score_percent: Decimal | None,
    status: str,
    explanation: Explanation,
) -> dict[str, str]:
    """One row of ScoreBoard.rows (see ROW_FIELDS), the percentage to two decimals."""
    return {
        "level": level,
        "key": key,
        "code": code,
        "label": label,
        "value": value,
        "percent": "" if score_percent is None else f"{score_percent:.2f}",
        "status": status,
        "rule": explanation.rule_label,
        "explanation": explanation.text,
    }


def _with_formula(result: ea.Achievement, formula: FormulaResult) -> ea.Achievement:
    explanation = result.explanation
    data = dict(explanation.data)
    data["formula"] = formula.to_dict()
    return replace(
        result,
        explanation=Explanation(
            explanation.rule,
            explanation.rule_label,
            lambda: f"{formula.text} {explanation.text}",
            data,
        ),
    )


def _latest_values(plan: _Plan) -> dict[int, Value]:
    latest: dict[int, Value] = {}
    for row in plan.measurements:  # ordered by period_end: the last one wins
        if row.indicator_id is not None:
            latest[row.indicator_id] = row
    return latest


@dataclass(frozen=True)
class _Reading:
    """When the cycle is read: the as-of date and what a final reading changes."""

    as_of: dt.date
    cutoff: dt.date  # values up to this period end count
    milestone_as_of: dt.date | None  # None: unfinished milestones are not achieved
    evaluation_date: dt.date  # the date statuses are computed at
    year_start: dt.date

    @classmethod
    def of(cls, cycle: Cycle, window: MonitoringWindow | None, today: dt.date) -> _Reading:
        year_end = dt.date(cycle.year, 12, 31)
        if window is not None:
            as_of = cutoff = window.period_end
            final = window.is_final
        else:
            cutoff = year_end
            as_of = min(today, year_end)
            final = today > year_end
        # The final reading closes the year: a milestone not completed by then is not achieved
        # (the engine's "no as-of date"), and statuses are read after the year's deadlines.
        return cls(
            as_of=as_of,
            cutoff=cutoff,
            milestone_as_of=None if final else as_of,
            evaluation_date=year_end + dt.timedelta(days=1) if final else as_of,
            year_start=dt.date(cycle.year, 1, 1),
        )


@dataclass
class _Indicators:
    """The indicators of the year turned into engine records, and the page entries."""

    records: list[IndicatorRecord] = field(default_factory=list)
    entries: list[IndicatorEntry] = field(default_factory=list)
    standalone: list[IndicatorEntry] = field(default_factory=list)  # scored on their own
    computed: dict[str, FormulaResult] = field(default_factory=dict)


def _indicators(plan: _Plan, reading: _Reading, settings: SmvpSettings) -> _Indicators:
    """Each indicator's target, value (measured or computed) and role in the roll-up."""
    result = _Indicators()
    computed = _Formulas(plan)
    latest = _latest_values(plan)
    previous = _previous_values(plan)
    objective_keys = {objective.pk: objective.key for objective in plan.objectives}
    for indicator in plan.indicators:
        target_row = plan.targets.get(indicator.pk)
        target = scoring.engine_target(indicator, target_row, previous.get(indicator.pk))
        formula = computed.evaluate(indicator) if indicator.is_computed else None
        row = None if formula is not None else latest.get(indicator.pk)
        measurement = ea.Measurement(
            value=formula.value if formula is not None else (row.value if row else None),
            completed_on=row.completed_on if row else None,
            as_of=reading.milestone_as_of,
        )
        if formula is not None:
            result.computed[indicator.key] = formula
        if indicator.objective_id in objective_keys:
            role = "objective"
        elif indicator.scope == IndicatorScope.ENTE:
            role = "ente"
        else:
            role = "standalone"
        entry = IndicatorEntry(indicator, target_row, None, row, formula, role)  # type: ignore[arg-type]
        result.entries.append(entry)
        if role == "standalone":
            entry.achievement = ea.score_indicator(
                target,
                measurement,
                settings.indicator,
                baseline=indicator.baseline_value,
                cap=settings.cap,
            )
            result.standalone.append(entry)
            continue
        result.records.append(
            IndicatorRecord(
                id=indicator.key,
                objective_id=objective_keys.get(indicator.objective_id),
                target=target,
                measurement=measurement,
                weight=indicator.weight,
                baseline=indicator.baseline_value,
                label=str(indicator),
            )
        )
    return result


def _structure(plan: _Plan, relevant: set[int]) -> CycleRecords:
    """Units, objectives, phases and assignments of the year as engine records (no indicators)."""
    units_by_id = plan.units_by_id
    keys = {objective.pk: objective.key for objective in plan.objectives}
    return CycleRecords(
        objectives=[
            ObjectiveRecord(
                id=objective.key,
                unit_id=(
                    units_by_id[objective.unit_id].key if objective.unit_id in units_by_id else None
                ),
                unit_ids=tuple(
                    units_by_id[unit_id].key
                    for unit_id in plan.unit_ids.get(objective.pk, [])
                    if unit_id in units_by_id
                ),
                weight=objective.weight,
                label=str(objective),
            )
            for objective in plan.objectives
        ],
        phases=[
            PhaseRecord(
                id=f"{keys[phase.objective_id]}#{phase.pk}",
                objective_id=keys[phase.objective_id],
                progress=HUNDRED if phase.actual_end and phase.progress is None else phase.progress,
                label=f"{phase.label} {phase.description[:60]}".strip(),
            )
            for phase in plan.phases
        ],
        units=[
            UnitRecord(
                id=unit.key,
                parent_id=units_by_id[unit.parent_id].key if unit.parent_id in relevant else None,
                label=str(unit),
            )
            for unit in plan.units
            if unit.pk in relevant
        ],
        assignments=[
            AssignmentRecord(
                person_id=plan.persons[person_id].key,
                objective_id=objective.key,
                label=plan.persons[person_id].display_name,
            )
            for objective in plan.objectives
            for person_id in plan.owners(objective)
            if person_id in plan.persons
        ],
    )


def _with_formulas(scores: CycleScores, indicators: _Indicators) -> CycleScores:
    """The engine's achievements with the formula's working in front of their explanation,
    plus the indicators scored on their own; the page entries get their achievement."""
    achievements = dict(scores.indicators)
    for key, formula in indicators.computed.items():
        if key in achievements:
            achievements[key] = _with_formula(achievements[key], formula)
    for entry in indicators.standalone:
        if entry.formula is not None:
            entry.achievement = _with_formula(entry.achievement, entry.formula)
        achievements[entry.indicator.key] = entry.achievement
    for entry in indicators.entries:
        entry.achievement = achievements[entry.indicator.key]
    return replace(scores, indicators=achievements)


def _objective_entries(
    plan: _Plan, scores: CycleScores, reading: _Reading, settings: SmvpSettings
) -> list[ObjectiveEntry]:
    phases_of: dict[int, list[PhaseProgress]] = defaultdict(list)
    for phase in plan.phases:
        phases_of[phase.objective_id].append(
            PhaseProgress(
                planned_end=phase.planned_end,
                actual_end=phase.actual_end,
                progress=phase.progress,
                label=phase.label or phase.description[:40],
            )
        )
    entries = []
    for objective in plan.objectives:
        score = scores.objectives[objective.key]
        status = objective_status(
            achievement=score.percent,
            evaluation_date=reading.evaluation_date,
            deadline=objective.deadline,
            phases=phases_of.get(objective.pk, []),
            period_start=reading.year_start,
            thresholds=settings.status,
        )
        entries.append(ObjectiveEntry(objective, score, status, tuple(plan.owners(objective))))
    return entries


def _person_entries(plan: _Plan, scores: CycleScores) -> list[PersonEntry]:
    persons_by_key = {person.key: person for person in plan.persons.values()}
    return sorted(
        (PersonEntry(persons_by_key[key], score) for key, score in scores.persons.items()),
        key=lambda entry: (entry.person.last_name, entry.person.first_name, entry.person.pk),
    )


def cycle_scores(
    cycle: Cycle, *, window: MonitoringWindow | None = None, today: dt.date | None = None
) -> ScoreBoard:
    """Every score of the cycle's year as of the window's date (or now), computed by
    `compute_cycle_scores` once per data version of the ente and then reused
    (`measurement.stored`)."""
    from measurement import stored  # it builds on this module

    return stored.cycle_scores(cycle, window=window, today=today)


def compute_cycle_scores(
    cycle: Cycle, *, window: MonitoringWindow | None = None, today: dt.date | None = None
) -> ScoreBoard:
    """Every score of the cycle's year as of the window's date (or now), in constant queries
    (see `_compute_cycle_scores`), with the cycle collector paused (`core.collector`: a third
    of the time of a large ente)."""
    with collector_paused():
        return _compute_cycle_scores(cycle, window=window, today=today)


def _compute_cycle_scores(
    cycle: Cycle, *, window: MonitoringWindow | None = None, today: dt.date | None = None
) -> ScoreBoard:
    """Every score of the cycle's year as of the window's date (or now), in constant queries.

    Only what belongs to the cycle's year is scored: in a multi-year plan the objectives,
    weight groups and targets of the other years are left to their own cycles.
    """
    reading = _Reading.of(cycle, window, today or timezone.localdate())
    plan = _load(cycle, reading.cutoff)
    settings = scoring.ente_settings(cycle.ente.smvp_settings, list(cycle.org_levels.all()))
    indicators = _indicators(plan, reading, settings)
    relevant = _relevant_units(plan)
    records = replace(_structure(plan, relevant), indicators=indicators.records)
    scores = _with_formulas(score_cycle(records, settings), indicators)
    depth = _depths(plan.units)
    by_pk = {unit.pk: unit for unit in plan.units}
    return ScoreBoard(
        cycle=cycle,
        as_of=reading.as_of,
        window=window,
        settings=settings,
        scores=scores,
        indicators=indicators.entries,
        objectives=_objective_entries(plan, scores, reading, settings),
        units=[
            UnitEntry(by_pk[pk], scores.units[by_pk[pk].key], depth.get(pk, 0))
            for pk, _level in in_order({unit.pk: unit.parent_id for unit in plan.units})
            if pk in relevant
        ],
        persons=_person_entries(plan, scores),
    )


def _relevant_units(plan: _Plan) -> set[int]:
    """Units with objectives of the year (any of each objective's units), and those above."""
    units = plan.units_by_id
    found: set[int] = set()
    for unit_ids in plan.unit_ids.values():
        for start in unit_ids:
            unit_id: int | None = start
            while unit_id is not None and unit_id in units and unit_id not in found:
                found.add(unit_id)
                unit_id = units[unit_id].parent_id
    return found


def _depths(units: list[Unit]) -> dict[int, int]:
    by_id = {unit.pk: unit for unit in units}
    depths: dict[int, int] = {}
    for unit in units:
        depth, current, seen = 0, unit.parent_id, set()
        while current is not None and current in by_id and current not in seen:
            seen.add(current)
            depth += 1
            current = by_id[current].parent_id
        depths[unit.pk] = depth
    return depths


def values_as_of(cycle: Cycle, day: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Every value and phase progress of the cycle up to `day`, as plain data (snapshots)."""
    rows = (
        Measurement.objects.filter(cycle=cycle, period_end__lte=day)
        .select_related("indicator", "parameter", "entered_by", "approved_by")
        .order_by("period_end", "id")
    )
    measurements = [
        {
            "subject": "indicator" if row.indicator_id else "parameter",
            "key": row.indicator.key if row.indicator_id else row.parameter.key,
            "period_kind": row.period_kind,
            "period_start": row.period_start.isoformat(),
            "period_end": row.period_end.isoformat(),
            "is_cumulative": row.is_cumulative,
            "value": _plain(row.value),
            "completed_on": row.completed_on.isoformat() if row.completed_on else None,
            "note": row.note,
            "deviation_note": row.deviation_note,
            "state": row.state,
            "version": row.version,
            "entered_by": str(row.entered_by) if row.entered_by_id else None,
            "approved_by": str(row.approved_by) if row.approved_by_id else None,
        }
        for row in rows
    ]
    phases = [
        {
            "objective": phase.objective.key,
            "label": phase.label,
            "description": phase.description,
            "progress": _plain(phase.progress),
            "actual_end": phase.actual_end.isoformat() if phase.actual_end else None,
            "actual_text": phase.actual_text,
        }
        for phase in Phase.objects.filter(objective__cycle=cycle)
        .select_related("objective")
        .order_by("objective__order", "objective_id", "order", "id")
    ]
    return {"measurements": measurements, "phases": phases}


# ---------------------------------------------------------------------------------------------
# Le mie scadenze, coverage, reminders
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingUpdate:
    """A value someone must enter: a subject, the period it is expected for, overdue or not."""

    indicator: Indicator | None
    parameter: Parameter | None
    objective: OperationalObjective | None
    period_end: dt.date
    window: MonitoringWindow | None
    overdue: bool
    owner_ids: frozenset[int] = frozenset()
    delegate_ids: frozenset[int] = frozenset()
    descriptive: bool = False  # the value is the attested degree of achievement (0–100)

    @property
    def subject_label(self) -> str:
        if self.indicator is not None:
            return f"Indicatore «{self.indicator.name[:120]}»"
        return f"Parametro «{self.parameter}»"

    @property
    def objective_label(self) -> str:
        return str(self.objective) if self.objective is not None else ""

    def days_late(self, today: dt.date) -> int:
        return max((today - self.period_end).days, 0)


@dataclass(frozen=True)
class _Subject:
    indicator: Indicator | None
    parameter: Parameter | None
    objective: OperationalObjective | None  # the instances of `_load(..., instances=True)`
    owner_ids: frozenset[int]
    delegate_ids: frozenset[int]
    descriptive: bool = False


def _measurable_subjects(plan: _Plan, delegates: dict[int, set[int]]) -> list[_Subject]:
    """Indicators measured by hand with a target of the year (of any kind: a descriptive one
    expects the attested degree of achievement), and parameters of formulas.

    The one source of «what must be entered» for «Le mie scadenze», the reminders and the
    coverage of a window."""
    units = plan.units_by_id
    objectives = {objective.pk: objective for objective in plan.objectives}
    subjects: list[_Subject] = []
    names_in_formulas: set[str] = set()
    for indicator in plan.indicators:
        text = indicator.expression
        if text:
            with contextlib.suppress(ef.FormulaError):
                names_in_formulas |= ef.parse(text).names()
            continue
        target = plan.targets.get(indicator.pk)
        if target is None:
            continue  # nothing to measure against: the plan's defect, shown on the plan
        descriptive = target.kind == TargetKind.TEXT
        objective = objectives.get(indicator.objective_id)
        if objective is not None:
            owners = frozenset(plan.owners(objective))
            helpers = frozenset(delegates.get(objective.pk, ()))
        else:
            lead = _unit_lead(indicator.unit_id or indicator.group_unit_id, units)
            owners, helpers = frozenset({lead} if lead else ()), frozenset()
        subjects.append(
            _Subject(
                plan.indicator_instances[indicator.pk],
                None,
                plan.objective_instances[objective.pk] if objective is not None else None,
                owners,
                helpers,
                descriptive,
            )
        )
    for parameter in plan.parameters:
        if formulas.formula_name(parameter.key) in names_in_formulas:
            lead = _unit_lead(parameter.unit_id, units)
            subjects.append(
                _Subject(None, parameter, None, frozenset({lead} if lead else ()), frozenset())
            )
    return subjects


def _delegates(cycle: Cycle) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for objective_id, person_id in ObjectiveDelegate.objects.filter(
        objective__cycle=cycle
    ).values_list("objective_id", "person_id"):
        found[objective_id].add(person_id)
    return found


def pending_all(cycle: Cycle, today: dt.date) -> list[PendingUpdate]:
    """Every value expected and not yet entered, overdue first, then by date. Nothing is
    expected once measurement is over (the cycle in evaluation or later refuses values)."""
    if cycle.state not in MEASURING_STATES:
        return []
    plan = _load(cycle, dt.date(cycle.year, 12, 31), every_value=True, instances=True)
    windows = list(MonitoringWindow.objects.filter(cycle=cycle).order_by("period_end"))
    subjects = _measurable_subjects(plan, _delegates(cycle))
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    # (window, date, previous date) of every period expected by now.
    periods: list[tuple[MonitoringWindow | None, dt.date, dt.date | None]] = []
    previous: dt.date | None = None
    for window in windows:
        if window.state == WindowState.OPEN and window.period_end <= horizon:
            periods.append((window, window.period_end, previous))
        previous = window.period_end
    if not windows and dt.date(cycle.year, 12, 31) <= horizon:
        periods.append((None, dt.date(cycle.year, 12, 31), None))
    index = _ValueIndex(plan)
    pending = [
        PendingUpdate(
            indicator=subject.indicator,
            parameter=subject.parameter,
            objective=subject.objective,
            period_end=day,
            window=window,
            overdue=day < today,
            owner_ids=subject.owner_ids,
            delegate_ids=subject.delegate_ids,
            descriptive=subject.descriptive,
        )
        for window, day, after in periods
        for subject in subjects
        if not index.has(subject, after, day)
    ]
    order = {objective.pk: n for n, objective in enumerate(plan.objectives)}
    pending.sort(
        key=lambda item: (
            not item.overdue,
            item.period_end,
            order.get(item.objective.pk, len(order)) if item.objective else len(order),
            item.subject_label,
        )
    )
    return pending


class _ValueIndex:
    """Period ends of the values of each subject, for quick "has a value between" checks."""

    def __init__(self, plan: _Plan):
        self.days: dict[tuple[str, int], list[dt.date]] = defaultdict(list)
        for row in plan.measurements:
            if row.indicator_id is not None:
                self.days[("i", row.indicator_id)].append(row.period_end)
            else:
                self.days[("p", row.parameter_id)].append(row.period_end)

    def has(self, subject: _Subject, after: dt.date | None, until: dt.date) -> bool:
        key = ("i", subject.indicator.pk) if subject.indicator else ("p", subject.parameter.pk)
        return any(
            day <= until and (after is None or day > after) for day in self.days.get(key, [])
        )

    def any(self, subject: _Subject) -> bool:
        key = ("i", subject.indicator.pk) if subject.indicator else ("p", subject.parameter.pk)
        return bool(self.days.get(key))


def is_descriptive(indicator: Indicator) -> bool:
    """Whether the indicator's target of its cycle's year is descriptive (one query): its
    value is the attested degree of achievement, 0–100."""
    return Target.objects.filter(
        indicator=indicator, year=indicator.cycle.year, kind=TargetKind.TEXT
    ).exists()


def pending_updates(cycle: Cycle, person: Person, today: dt.date) -> list[PendingUpdate]:
    """«Le mie scadenze»: what `person` (owner or delegate) must update, overdue first."""
    return [
        item
        for item in pending_all(cycle, today)
        if person.pk in item.owner_ids or person.pk in item.delegate_ids
    ]


def pending_by_owner(cycle: Cycle, today: dt.date) -> list[tuple[Person, list[PendingUpdate]]]:
    """The owners with something to update, by name, each with their pending values."""
    grouped: dict[int, list[PendingUpdate]] = defaultdict(list)
    for item in pending_all(cycle, today):
        for person_id in item.owner_ids:
            grouped[person_id].append(item)
    persons = Person.objects.filter(pk__in=grouped).order_by("last_name", "first_name", "id")
    return [(person, grouped[person.pk]) for person in persons]


@dataclass(frozen=True)
class Coverage:
    measurable: int
    updated: int
    missing: list[Indicator | Parameter]
    never_updated: list[Person]  # owners none of whose subjects has any value

    @property
    def share(self) -> Decimal | None:
        """Percentage of measurable subjects updated (None when there is nothing to measure)."""
        if not self.measurable:
            return None
        return internal(Decimal(self.updated) / Decimal(self.measurable) * HUNDRED)

    @property
    def display_share(self) -> str:
        share = self.share
        return "" if share is None else format_percent(share)


def coverage(cycle: Cycle, window: MonitoringWindow | None = None) -> Coverage:
    """Share of measurable indicators (and formula parameters) with a value for the window
    (any value of the cycle without a window), and owners who never entered any value."""
    plan = _load(cycle, dt.date(cycle.year, 12, 31), every_value=True, instances=True)
    subjects = _measurable_subjects(plan, _delegates(cycle))
    index = _ValueIndex(plan)
    after: dt.date | None = None
    until = dt.date(cycle.year, 12, 31)
    if window is not None:
        until = window.period_end
        earlier = [
            other.period_end
            for other in MonitoringWindow.objects.filter(
                cycle=cycle, period_end__lt=window.period_end
            )
        ]
        after = max(earlier) if earlier else None
    updated, missing = 0, []
    touched: dict[int, bool] = {}
    for subject in subjects:
        if index.has(subject, after, until):
            updated += 1
        else:
            missing.append(subject.indicator or subject.parameter)
        for person_id in subject.owner_ids:
            touched[person_id] = touched.get(person_id, False) or index.any(subject)
    never = [plan.persons[pk] for pk, done in touched.items() if not done and pk in plan.persons]
    never.sort(key=lambda person: (person.last_name, person.first_name, person.pk))
    return Coverage(len(subjects), updated, missing, never)


# ---------------------------------------------------------------------------------------------
# Trend across windows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    level: str  # ente / unit / objective
    key: str
    label: str
    percents: tuple[Decimal | None, ...]
    depth: int = 0


@dataclass(frozen=True)
class Trend:
    columns: tuple[str, ...]  # the closed windows' labels, then «Situazione attuale»
    rows: tuple[TrendRow, ...]


def _percent_of(entry: dict[str, Any] | None) -> Decimal | None:
    if not entry or entry.get("percent") is None:
        return None
    return Decimal(entry["display_percent"])


def ente_trend(cycle: Cycle, *, board: ScoreBoard | None = None) -> tuple[Trend, list[TrendRow]]:
    """The trend and its rows for a summary: the ente and its areas (top-level units)."""
    result = trend(cycle, board=board)
    rows = [row for row in result.rows if row.level == "ente"]
    rows += [row for row in result.rows if row.level == "unit" and row.depth == 0]
    return result, rows


def trend(cycle: Cycle, *, today: dt.date | None = None, board: ScoreBoard | None = None) -> Trend:
    """The ente, each unit and each objective in every closed window's snapshot, and now
    (`board`: the current scores, when the caller has them already)."""
    snapshots = list(
        WindowSnapshot.objects.filter(window__cycle=cycle, window__state=WindowState.CLOSED)
        .select_related("window")
        .order_by("window__period_end")
    )
    if board is None:
        board = cycle_scores(cycle, today=today)
    columns = [f"{snap.window.label} ({format_date(snap.window.period_end)})" for snap in snapshots]
    columns.append("Situazione attuale")
    past = [
        {
            "ente": snap.data.get("ente"),
            "unit": {row["key"]: row for row in snap.data.get("units", [])},
            "objective": {row["key"]: row for row in snap.data.get("objectives", [])},
        }
        for snap in snapshots
    ]
    rows = [
        TrendRow(
            "ente",
            cycle.ente.slug,
            cycle.ente.name,
            (*(_percent_of(p["ente"]) for p in past), board.ente_score.display_percent),
        )
    ]
    rows += [
        TrendRow(
            "unit",
            entry.key,
            entry.label,
            (*(_percent_of(p["unit"].get(entry.key)) for p in past), entry.percent),
            entry.depth,
        )
        for entry in board.units
    ]
    rows += [
        TrendRow(
            "objective",
            entry.key,
            entry.label,
            (*(_percent_of(p["objective"].get(entry.key)) for p in past), entry.percent),
        )
        for entry in board.objectives
    ]
    return Trend(tuple(columns), tuple(rows))


# ---------------------------------------------------------------------------------------------
# Small reads for the pages
# ---------------------------------------------------------------------------------------------


def windows_of(cycle: Cycle) -> list[MonitoringWindow]:
    return list(MonitoringWindow.objects.filter(cycle=cycle).order_by("period_end"))


def window_for(cycle: Cycle, key: str) -> MonitoringWindow | None:
    return MonitoringWindow.objects.filter(cycle=cycle, key=key).first()


@dataclass(frozen=True)
class DeadlineReferences:
    """What a person entering a value wants next to the input: the target of the year and
    the value entered before (two queries for the whole list)."""

    targets: dict[int, Target]
    values: dict[int, list[Measurement]]  # indicator pk → its values, oldest first

    def previous(self, indicator_id: int, period_end: dt.date) -> Measurement | None:
        earlier = [m for m in self.values.get(indicator_id, ()) if m.period_end < period_end]
        return earlier[-1] if earlier else None


def deadline_references(cycle: Cycle, indicator_ids: Iterable[int]) -> DeadlineReferences:
    ids = set(indicator_ids)
    targets = {
        t.indicator_id: t for t in Target.objects.filter(indicator_id__in=ids, year=cycle.year)
    }
    values: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in Measurement.objects.filter(
        cycle=cycle, indicator_id__in=ids, value__isnull=False
    ).order_by("period_end", "id"):
        values[measurement.indicator_id].append(measurement)
    return DeadlineReferences(targets, dict(values))


def target_of_year(indicator: Indicator) -> Target | None:
    """The indicator's target for its cycle's year."""
    return Target.objects.filter(indicator=indicator, year=indicator.cycle.year).first()


def closed_windows(cycle: Cycle) -> list[MonitoringWindow]:
    return list(
        MonitoringWindow.objects.filter(cycle=cycle, state=WindowState.CLOSED).order_by(
            "period_end"
        )
    )


def indicator_values(indicator: Indicator) -> list[Measurement]:
    """The indicator's values by period, with who entered and approved them, their evidence
    and corrections (a constant number of queries)."""
    values = list(
        Measurement.objects.filter(indicator=indicator)
        .select_related("entered_by", "approved_by")
        .prefetch_related("evidence", "corrections__corrected_by", "corrections__window")
        .order_by("period_end")
    )
    for value in values:
        value.indicator = indicator
    return values


@dataclass(frozen=True)
class ObjectiveRecords:
    """What the page of an objective lists: indicators with their latest value, phases,
    corrective actions, delegates."""

    indicators: list[Indicator]
    latest: dict[int, Measurement]  # indicator id → its value of the latest period
    phases: list[Phase]
    actions: list[CorrectiveAction]
    delegates: list[ObjectiveDelegate]


def objective_records(objective: OperationalObjective) -> ObjectiveRecords:
    indicators = list(
        Indicator.objects.filter(objective=objective)
        .prefetch_related("targets")
        .order_by("order", "id")
    )
    latest = {}
    for m in (
        Measurement.objects.filter(indicator__in=indicators)
        .select_related("entered_by")
        .order_by("period_end")
    ):
        latest[m.indicator_id] = m
    return ObjectiveRecords(
        indicators=indicators,
        latest=latest,
        phases=list(Phase.objects.filter(objective=objective).order_by("order", "id")),
        actions=list(
            CorrectiveAction.objects.filter(objective=objective)
            .select_related("window", "recorded_by")
            .order_by("recorded_at", "id")
        ),
        delegates=list(
            ObjectiveDelegate.objects.filter(objective=objective).select_related("person")
        ),
    )
