"""Reads of individual evaluation, each in a constant number of queries.

* `schede_for_evaluator`: the schede a user evaluates, with progress counts per state;
* `my_scheda`: the scheda of the user themselves;
* `scheda_detail`: one scheda with its items, transitions and conciliation;
* `nucleo_overview`: every scheda of a cycle, with the anomalies the Nucleo checks;
* `aggregates`: counts per band and the mean score, without names (for the Giunta).

Access is decided by `appraisal.access`; these functions only read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from accounts.access import EnteAccess
from accounts.models import Membership
from appraisal.access import AppraisalAccess, build
from appraisal.models import (
    Conciliation,
    EvaluatorKind,
    Scheda,
    SchedaItem,
    SchedaState,
    SchedaTransition,
    ScoreBand,
)
from appraisal.services import STATE_ORDER, contest_deadline, population
from engine.numbers import present
from organization.models import Person, Unit
from planning.models import Cycle

NEGATIVE_YEARS = 3  # art. 55-quater c.1 lett. f-quinquies D.Lgs. 165/2001 (valutazione negativa
# per ciascun anno dell'ultimo triennio) — the window is a parameter of the overview.


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


def _state_counts(schede: list[Scheda]) -> list[StateCount]:
    counts = Counter(s.state for s in schede)
    return [
        StateCount(state.value, state.label, counts.get(state.value, 0)) for state in STATE_ORDER
    ]


def _schede(cycle: Cycle) -> QuerySet[Scheda]:
    return (
        Scheda.objects.filter(cycle=cycle)
        .select_related("person", "scheme", "unit", "evaluator", "band")
        .order_by("person__last_name", "person__first_name", "pk")
    )


@dataclass
class EvaluatorDesk:
    """The schede a user evaluates (`schede`) and those they read as the chain above (`chain`)."""

    schede: list[Scheda]
    chain: list[Scheda]
    progress: list[StateCount]

    @property
    def total(self) -> int:
        return len(self.schede)

    @property
    def counts(self) -> dict[str, int]:
        return {row.state: row.count for row in self.progress}

    @property
    def done(self) -> int:
        return self.counts.get(SchedaState.FINAL, 0)


def schede_for_evaluator(access: EnteAccess | AppraisalAccess, cycle: Cycle) -> EvaluatorDesk:
    """Schede the user evaluates (admins: every scheda), never their own; 1–2 queries."""
    aa = build(access)
    if cycle.ente_id != aa.ente.pk:
        return EvaluatorDesk([], [], _state_counts([]))
    own = aa.person_ids
    if aa.is_admin:
        mine = Q()
    else:
        mine = Q(evaluator_id__in=list(own))
        if aa.is_nucleo:
            mine |= Q(evaluator__isnull=True, evaluator_kind=EvaluatorKind.NUCLEO)
        if aa.led_unit_ids:
            mine |= Q(unit_id__in=list(aa.led_unit_ids))
    rows = [s for s in _schede(cycle).filter(mine) if s.person_id not in own]
    evaluating = [
        s
        for s in rows
        if aa.is_admin
        or s.evaluator_id in own
        or (aa.is_nucleo and s.evaluator_id is None and s.evaluator_kind == EvaluatorKind.NUCLEO)
    ]
    ids = {s.pk for s in evaluating}
    chain = [s for s in rows if s.pk not in ids]
    return EvaluatorDesk(evaluating, chain, _state_counts(evaluating))


def evaluating_count(access: EnteAccess | AppraisalAccess, cycle: Cycle) -> int:
    """How many schede the user evaluates (those of `schede_for_evaluator(...).schede`), counted
    by the database: one query, whatever the number of schede."""
    aa = build(access)
    if cycle.ente_id != aa.ente.pk:
        return 0
    own = list(aa.person_ids)
    rows = Scheda.objects.filter(cycle=cycle).exclude(person_id__in=own)
    if not aa.is_admin:
        evaluating = Q(evaluator_id__in=own)
        if aa.is_nucleo:
            evaluating |= Q(evaluator__isnull=True, evaluator_kind=EvaluatorKind.NUCLEO)
        rows = rows.filter(evaluating)
    return rows.count()


def my_scheda(access: EnteAccess | AppraisalAccess, cycle: Cycle) -> Scheda | None:
    """The user's own scheda of the cycle (None when they have none); one query."""
    aa = build(access)
    if not aa.person_ids or cycle.ente_id != aa.ente.pk:
        return None
    return _schede(cycle).filter(person_id__in=list(aa.person_ids)).first()


@dataclass
class SchedaDetail:
    scheda: Scheda
    items: list[SchedaItem]
    transitions: list[SchedaTransition]
    conciliation: Conciliation | None
    bands: list[ScoreBand]
    contest_deadline: dt.date | None

    @property
    def components(self) -> list[tuple]:
        """(component, its items, its points) in the scheme's order."""
        grouped: dict[int, list[SchedaItem]] = defaultdict(list)
        order: list = []
        for item in self.items:
            if item.component_id not in grouped:
                order.append(item.component)
            grouped[item.component_id].append(item)
        return [
            (c, grouped[c.pk], sum((i.points or Decimal(0) for i in grouped[c.pk]), Decimal(0)))
            for c in sorted(order, key=lambda c: (c.order, c.pk))
        ]

    @property
    def reopenings(self) -> list[SchedaTransition]:
        return [t for t in self.transitions if t.is_reopening]


# What a scheda's page shows of it and of its relations; the conciliation (one to one) comes
# in the same row.
DETAIL_RELATED = ("cycle__ente", "person", "scheme", "unit", "evaluator", "band", "conciliation")


def detail_queryset() -> QuerySet[Scheda]:
    """The schede with what `scheda_detail` needs of them, in one query."""
    return Scheda.objects.select_related(*DETAIL_RELATED)


def scheda_detail(scheda: Scheda, *, reload: bool = True) -> SchedaDetail:
    """A scheda with items, transitions, conciliation and bands: four queries, three when the
    scheda was read with `detail_queryset()` and `reload=False` (the pages that have just
    fetched it, to check who may read it)."""
    if reload:
        scheda = detail_queryset().get(pk=scheda.pk)
    items = list(
        SchedaItem.objects.filter(scheda=scheda)
        .select_related("component", "behaviour", "objective")
        .order_by("component__order", "component_id", "id")
    )
    # The history names the person behind each login (their staff record in this ente).
    person_name = Membership.objects.filter(
        user=OuterRef("by"), ente_id=scheda.cycle.ente_id, person__isnull=False
    ).values(name=Concat("person__first_name", Value(" "), "person__last_name"))[:1]
    transitions = list(
        SchedaTransition.objects.filter(scheda=scheda)
        .select_related("by")
        .annotate(by_person=Subquery(person_name))
        .order_by("at", "id")
    )
    try:
        conciliation: Conciliation | None = scheda.conciliation
    except Conciliation.DoesNotExist:
        conciliation = None
    bands = list(ScoreBand.objects.filter(scheme_id=scheda.scheme_id))
    return SchedaDetail(scheda, items, transitions, conciliation, bands, contest_deadline(scheda))


@dataclass(frozen=True)
class IdenticalScores:
    """A unit whose scored schede all have the same total (no differentiation)."""

    unit: Unit
    count: int
    points: Decimal


@dataclass(frozen=True)
class UnitGroup:
    """The schede of one unit; `unit` None for the schede without a unit («Senza unità»)."""

    unit: Unit | None
    schede: list[Scheda]

    @property
    def label(self) -> str:
        return str(self.unit) if self.unit is not None else "Senza unità"


def group_by_unit(schede: list[Scheda]) -> list[UnitGroup]:
    """Every scheda in its unit's group (units in the organisation's order), those without a
    unit last under «Senza unità»: none is left out."""
    groups: dict[int | None, list[Scheda]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for scheda in schede:
        groups[scheda.unit_id].append(scheda)
        if scheda.unit is not None:
            units[scheda.unit_id] = scheda.unit
    ordered = sorted(units.values(), key=lambda unit: (unit.order, unit.name, unit.pk))
    result = [UnitGroup(unit, groups[unit.pk]) for unit in ordered]
    if None in groups:
        result.append(UnitGroup(None, groups[None]))
    return result


@dataclass
class NucleoOverview:
    schede: list[Scheda]
    progress: list[StateCount]
    identical_units: list[IdenticalScores] = field(default_factory=list)
    missing: list[Person] = field(default_factory=list)
    negatives: list[Scheda] = field(default_factory=list)
    repeated_negatives: list[Person] = field(default_factory=list)
    ineligible: list[Scheda] = field(default_factory=list)

    @property
    def by_unit(self) -> list[UnitGroup]:
        return group_by_unit(self.schede)

    @property
    def anomaly_count(self) -> int:
        return (
            len(self.identical_units)
            + len(self.missing)
            + len(self.negatives)
            + len(self.repeated_negatives)
        )


def nucleo_overview(cycle: Cycle, *, negative_years: int = NEGATIVE_YEARS) -> NucleoOverview:
    """Every scheda of the cycle and the anomalies: units where all scores are identical, people
    employed in the year without a scheda, negative evaluations, people negative in each of the
    last `negative_years` years. Seven queries."""
    schede = list(_schede(cycle))
    by_unit: dict[int, list[Scheda]] = defaultdict(list)
    for scheda in schede:
        if scheda.unit_id is not None and scheda.total_points is not None:
            by_unit[scheda.unit_id].append(scheda)
    identical = [
        IdenticalScores(rows[0].unit, len(rows), rows[0].total_points)
        for rows in by_unit.values()
        if len(rows) >= 2 and len({r.total_points for r in rows}) == 1
    ]
    identical.sort(key=lambda row: (row.unit.order, row.unit.pk))
    with_scheda = {s.person_id for s in schede}
    people = population(cycle)
    missing = sorted(
        (entry.person for pid, entry in people.items() if pid not in with_scheda),
        key=lambda p: (p.last_name, p.first_name, p.pk),
    )
    negatives = [s for s in schede if s.is_negative]
    years = set(range(cycle.year - negative_years + 1, cycle.year))
    earlier: dict[int, set[int]] = defaultdict(set)
    for person_id, year in Scheda.objects.filter(
        cycle__ente_id=cycle.ente_id, cycle__year__in=years, is_negative=True
    ).values_list("person_id", "cycle__year"):
        earlier[person_id].add(year)
    repeated = [s.person for s in negatives if earlier.get(s.person_id, set()) >= years]
    return NucleoOverview(
        schede=schede,
        progress=_state_counts(schede),
        identical_units=identical,
        missing=missing,
        negatives=negatives,
        repeated_negatives=repeated,
        ineligible=[s for s in schede if not s.is_eligible],
    )


@dataclass(frozen=True)
class BandCount:
    scheme_name: str
    band_label: str
    min_points: Decimal
    max_points: Decimal
    premium_percent: Decimal
    count: int


@dataclass
class Aggregates:
    """Figures without names: for the Giunta and for publication."""

    total: int
    scored: int
    eligible: int
    negatives: int
    mean_points: Decimal | None
    mean_percent: Decimal | None  # the mean of the scores as a percentage of their maximum
    bands: list[BandCount]
    progress: list[StateCount]


def aggregates(cycle: Cycle) -> Aggregates:
    """Counts per band and the mean score of a cycle, with no names: four queries."""
    states = {
        row["state"]: row["n"]
        for row in Scheda.objects.filter(cycle=cycle).values("state").annotate(n=Count("pk"))
    }
    rows = list(
        Scheda.objects.filter(cycle=cycle).values(
            "total_points", "scheme__max_points", "is_eligible", "is_negative"
        )
    )
    scored = [r for r in rows if r["total_points"] is not None]
    mean_points = mean_percent = None
    if scored:
        mean_points = present(sum((r["total_points"] for r in scored), Decimal(0)) / len(scored))
        mean_percent = present(
            sum((r["total_points"] * 100 / r["scheme__max_points"] for r in scored), Decimal(0))
            / len(scored)
        )
    counted = {
        row["band_id"]: row["n"]
        for row in Scheda.objects.filter(cycle=cycle, band__isnull=False)
        .values("band_id")
        .annotate(n=Count("pk"))
    }
    bands = [
        BandCount(
            band.scheme.name,
            band.label,
            band.min_points,
            band.max_points,
            band.premium_percent,
            counted.get(band.pk, 0),
        )
        for band in ScoreBand.objects.filter(scheme__cycle=cycle)
        .select_related("scheme")
        .order_by("scheme__order", "scheme_id", "-min_points")
    ]
    progress = [
        StateCount(state.value, state.label, states.get(state.value, 0)) for state in STATE_ORDER
    ]
    return Aggregates(
        total=len(rows),
        scored=len(scored),
        eligible=sum(1 for r in rows if r["is_eligible"]),
        negatives=sum(1 for r in rows if r["is_negative"]),
        mean_points=mean_points,
        mean_percent=mean_percent,
        bands=bands,
        progress=progress,
    )


__all__ = [
    "Aggregates",
    "EvaluatorDesk",
    "NucleoOverview",
    "SchedaDetail",
    "aggregates",
    "my_scheda",
    "nucleo_overview",
    "scheda_detail",
    "schede_for_evaluator",
]
