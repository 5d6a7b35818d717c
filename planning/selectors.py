"""Reads of the plan pages, each in a constant number of queries."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, When
from django.http import Http404
from django.urls import reverse

from core.params import int_param
from engine import tree
from engine.numbers import format_percent
from organization.access import subtree_ids
from organization.models import Ente, Person, Unit
from planning.formatting import decimal_it
from planning.models import (
    WEIGHT_TOLERANCE,
    Cycle,
    Indicator,
    IndicatorGroup,
    IndicatorScope,
    ObjectiveUnit,
    ObjectiveVersion,
    OperationalObjective,
    PlanRevision,
    StrategicArea,
    StrategicObjective,
    StrategicObjectiveArea,
    Target,
    WeightGroup,
)
from planning.years import belongs, normal_years, objective_years

ZERO = Decimal("0")


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightTotal:
    """The sum of the weights of a group against the total its document expects."""

    group: WeightGroup
    total: Decimal
    expected: Decimal

    @property
    def difference(self) -> Decimal:
        return self.total - self.expected

    @property
    def ok(self) -> bool:
        return abs(self.difference) <= WEIGHT_TOLERANCE

    @property
    def verdict(self) -> str:
        """Text that says what the colour says (WCAG 1.4.1)."""
        if self.ok:
            return "corretto"
        gap = decimal_it(abs(self.difference))
        if self.difference < 0:
            return f"non corretto: mancano {gap} punti"
        return f"non corretto: eccedono {gap} punti"

    @property
    def summary(self) -> str:
        return (
            f"Totale del gruppo «{self.group.label}»: {format_percent(self.total)} "
            f"su {format_percent(self.expected)}"
        )

    @property
    def problem(self) -> str:
        return (
            f"Il gruppo «{self.group.label}» totalizza {format_percent(self.total)} "
            f"invece di {format_percent(self.expected)}"
        )


def _group_year(group: WeightGroup, year: int) -> int:
    """The year whose objectives a group's total counts: the cycle's, or the group's first
    year when the group belongs to other years of a multi-year plan only."""
    return _counted_year(group.years, year)


def _counted_year(group_years, year: int) -> int:
    return year if belongs(group_years, year) else normal_years(group_years)[0]


def _weight_of_year(group: WeightGroup, objectives, year: int) -> Decimal:
    """The weights of the group's objectives that belong to `year` (a multi-year plan holds
    a group's objectives of other years too: each year's weights add up on their own)."""
    counted = _group_year(group, year)
    return sum(
        (Decimal(o.weight) for o in objectives if o.weight is not None
         and belongs(objective_years(o.years, group.years), counted)),
        ZERO,
    )  # fmt: skip


# The sums of weights are added in SQL per (group, years) and those few rows then counted by
# year in Python: loading the 3,000 objectives of a metropolitan plan was most of the tree
# page's time (issue 12 §5). Twenty digits, not the field's five: a wrong group can exceed 999.
_WEIGHT_SUM = DecimalField(max_digits=20, decimal_places=2)


def _weight_sums(cycle: Cycle, group_ids: Iterable[int] | None) -> dict[int, list]:
    """(years, sum of the weights) of the cycle's objectives per group and list of years."""
    sums = OperationalObjective.objects.filter(
        cycle=cycle, weight_group__isnull=False, weight__isnull=False
    )
    if group_ids is not None:
        sums = sums.filter(weight_group_id__in=list(group_ids))
    rows = (
        sums.order_by()
        .values_list("weight_group_id", "years")
        .annotate(total=Sum("weight", output_field=_WEIGHT_SUM))
    )
    by_group: dict[int, list[tuple[Any, Decimal]]] = defaultdict(list)
    for group_id, years, total in rows:
        by_group[group_id].append((years, total))
    return by_group


def weight_totals(cycle: Cycle, group_ids: Iterable[int] | None = None) -> dict[int, WeightTotal]:
    """Every weight group of the cycle (those of `group_ids` when given: a branch of the tree
    shows the badges of its objectives' groups only) with the total of its objectives of the
    cycle's year, keyed by group id (two queries, the second one row per group and years)."""
    groups = WeightGroup.objects.filter(cycle=cycle)
    if group_ids is not None:
        group_ids = set(group_ids)
        groups = groups.filter(pk__in=list(group_ids))
    by_group = _weight_sums(cycle, group_ids)
    return {
        group.pk: WeightTotal(
            group=group,
            total=_summed_of_year(group.years, by_group[group.pk], cycle.year),
            expected=group.expected_total,
        )
        for group in groups
    }


def flagged_weight_totals(cycle: Cycle) -> list[WeightTotal]:
    """The totals of `weight_totals` that are not correct, in the groups' order. The groups are
    read as plain rows and only those flagged as instances: building the 300 groups of a
    metropolitan plan was a fifth of its tree's first screen (issue 12 §5)."""
    by_group = _weight_sums(cycle, None)
    rows = WeightGroup.objects.filter(cycle=cycle).values_list("pk", "years", "expected_total")
    wrong = {}
    for pk, years, expected in rows:
        total = _summed_of_year(years, by_group[pk], cycle.year)
        if abs(total - expected) > WEIGHT_TOLERANCE:
            wrong[pk] = total
    if not wrong:
        return []
    return [
        WeightTotal(group=group, total=wrong[group.pk], expected=group.expected_total)
        for group in WeightGroup.objects.filter(pk__in=list(wrong))
    ]


def _summed_of_year(group_years, sums, year: int) -> Decimal:
    """`_weight_of_year` over sums per list of years instead of over the objectives (those of
    a group of `group_years`)."""
    counted = _counted_year(group_years, year)
    return sum(
        (Decimal(total) for years, total in sums
         if belongs(objective_years(years, group_years), counted)),
        ZERO,
    )  # fmt: skip


def weight_total_with(
    group: WeightGroup, *, objective: OperationalObjective | None, weight: Decimal | None
) -> WeightTotal:
    """The group's total (objectives of the cycle's year) if `objective` (None: a new one)
    had `weight` instead of its own."""
    others = list(
        OperationalObjective.objects.filter(weight_group=group).only(
            "pk", "weight", "years", "weight_group_id"
        )
    )
    year = group.cycle.year
    if objective is not None and objective.pk is not None:
        others = [o for o in others if o.pk != objective.pk]
    total = _weight_of_year(group, others, year)
    counted = _group_year(group, year)
    mine = objective is None or belongs(objective_years(objective.years, group.years), counted)
    added = (weight or ZERO) if mine else ZERO
    return WeightTotal(group=group, total=total + added, expected=group.expected_total)


def weighted_objectives_without_group(cycle: Cycle) -> list[OperationalObjective]:
    return list(
        OperationalObjective.objects.filter(
            cycle=cycle, weight__isnull=False, weight_group__isnull=True
        )
    )


# ---------------------------------------------------------------------------------------------
# Cycles
# ---------------------------------------------------------------------------------------------


def cycles_of(ente: Ente) -> list[Cycle]:
    return list(Cycle.objects.filter(ente=ente).order_by("-year"))


def chosen_cycle(
    ente: Ente,
    year: Any,
    *,
    default: Callable[[list[Cycle]], Cycle | None] | None = None,
    states: Iterable[str] | None = None,
    missing: str = "Nessun ciclo per l'anno {year}.",
) -> tuple[Cycle | None, list[Cycle]]:
    """The year picker of the cycle pages: the cycle of `year` (the text of `?anno=`; a 404 with
    `missing`, «{year}» standing for it, when the ente has none) and the cycles to choose from,
    newest first (only those in `states` when given). Without a year it is `default(cycles)`,
    the newest cycle unless the page says otherwise."""
    queryset = Cycle.objects.filter(ente=ente)
    if states is not None:
        queryset = queryset.filter(state__in=list(states))
    cycles = list(queryset.order_by("-year"))
    wanted = int_param(year)
    if wanted is None:
        if default is not None:
            return default(cycles), cycles
        return (cycles[0] if cycles else None), cycles
    for cycle in cycles:
        if cycle.year == wanted:
            return cycle, cycles
    raise Http404(missing.format(year=wanted))


def current_cycle(ente: Ente, year: int | None = None) -> Cycle | None:
    """The cycle of `year`, or the latest one of the ente."""
    cycles = Cycle.objects.filter(ente=ente)
    if year is not None:
        return cycles.filter(year=year).first()
    return cycles.order_by("-year").first()


def open_revision(cycle: Cycle) -> PlanRevision | None:
    return PlanRevision.objects.filter(cycle=cycle, is_open=True).order_by("-number").first()


# ---------------------------------------------------------------------------------------------
# Plan tree
# ---------------------------------------------------------------------------------------------


@dataclass
class TreeFilters:
    area: int | None = None  # a unit: the objectives of its whole subtree
    service: int | None = None  # a unit: its own objectives only
    kind: str = ""
    tag: str = ""
    person: int | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return any([self.area, self.service, self.kind, self.tag, self.person, self.text])


# Up to this many objectives (after the filters) the tree shows them all inline; above it each
# branch shows its count and loads its objectives when opened, TREE_PAGE_SIZE at a time, so the
# first screen of a 3,000-objective plan does not grow with the plan (issue 15).
TREE_INLINE_LIMIT = 200
TREE_PAGE_SIZE = 50
# Above this many unit branches (objectives without a strategic link, after the filters) the
# first screen lists the areas of the chart with their counts, and an area opened loads its
# branches: building and writing the 300 branches of a metropolitan ente was a third of the
# page's time (issue 12 §5).
TREE_BRANCH_LIMIT = 40


@dataclass
class StrategicNode:
    objective: StrategicObjective
    objectives: list[OperationalObjective] = field(default_factory=list)
    count: int = 0


@dataclass
class AreaNode:
    area: StrategicArea | None
    strategic: list[StrategicNode] = field(default_factory=list)


@dataclass
class UnitNode:
    unit: Unit | None
    path: str
    objectives: list[OperationalObjective] = field(default_factory=list)
    count: int = 0

    @property
    def anchor(self) -> str:
        """The id of the element that receives the branch's objectives when it is opened."""
        return f"ramo-unita-{self.unit.pk}" if self.unit else "ramo-senza-unita"

    @cached_property
    def url(self) -> str:
        """The address of the branch's objectives (a page of its own without JavaScript)."""
        if self.unit is None:
            return reverse("planning:tree_no_unit_branch")
        return reverse("planning:tree_unit_branch", args=[self.unit.pk])


@dataclass
class UnitArea:
    """An area of the chart (a unit of the first level) standing for the unit branches below
    it, itself included, when a large plan has too many of them to list (TREE_BRANCH_LIMIT)."""

    unit: Unit
    count: int = 0  # objectives without a strategic link led by the area or a unit below it
    branches: int = 0  # units of the area leading some of them

    @property
    def anchor(self) -> str:
        return f"ramo-area-{self.unit.pk}"

    @cached_property
    def url(self) -> str:
        """The address of the area's unit branches (a page of its own without JavaScript)."""
        return reverse("planning:tree_area_branch", args=[self.unit.pk])


@dataclass
class PlanTree:
    cycle: Cycle
    areas: list[AreaNode]
    unlinked: list[UnitNode]
    indicator_groups: list[IndicatorGroup]
    loose_indicators: list[Indicator]
    totals: dict[int, WeightTotal]  # of every group inline, else none: no badge is shown
    objective_count: int
    inline: bool = True  # False: the branches hold counts and load their objectives on demand
    # Not empty: the unit branches are grouped by area and loaded when an area is opened.
    unit_areas: list[UnitArea] = field(default_factory=list)
    flagged_totals: list[WeightTotal] = field(default_factory=list)


def _targets_prefetch() -> Prefetch:
    return Prefetch("targets", queryset=Target.objects.order_by("year"))


def _indicators_prefetch(to_attr: str | None = None) -> Prefetch:
    queryset = Indicator.objects.select_related("phase").prefetch_related(_targets_prefetch())
    return Prefetch("indicators", queryset=queryset, to_attr=to_attr)


def _unit_links_prefetch() -> Prefetch:
    return Prefetch(
        "unit_links", queryset=ObjectiveUnit.objects.select_related("unit").order_by("order", "id")
    )


def _area_links_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(
        f"{prefix}area_links",
        queryset=StrategicObjectiveArea.objects.select_related("area").order_by("order", "id"),
    )


def objectives_queryset(cycle: Cycle) -> QuerySet[OperationalObjective]:
    """Objectives with everything the tree and detail pages show (fixed number of queries)."""
    return (
        OperationalObjective.objects.filter(cycle=cycle)
        .select_related("unit", "unit__parent", "weight_group", "strategic_objective")
        .prefetch_related("responsibles", "phases", _unit_links_prefetch(), _indicators_prefetch())
    )


def _in_units(unit_ids) -> Q:
    """Objectives led by one of `unit_ids` or shared with one of them."""
    ids = list(unit_ids)
    return Q(unit_id__in=ids) | Q(unit_links__unit_id__in=ids)


def _filter_objectives(
    queryset: QuerySet[OperationalObjective], filters: TreeFilters, units: list[Unit]
) -> QuerySet[OperationalObjective]:
    # An objective shared by several units is found from any of them.
    if filters.area:
        queryset = queryset.filter(_in_units(subtree_ids(units, {filters.area}))).distinct()
    if filters.service:
        queryset = queryset.filter(_in_units({filters.service})).distinct()
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.person:
        led = subtree_ids(units, {u.pk for u in units if u.responsible_id == filters.person})
        queryset = queryset.filter(Q(responsibles__pk=filters.person) | _in_units(led)).distinct()
    if filters.text:
        queryset = queryset.filter(_text_match(filters.text)).distinct()
    return queryset


def _text_match(text: str) -> Q:
    """Every word of `text` in a title, code, description or expected result, or in the name
    of a responsabile (of the objective or of its unit): «rossi pm01» finds the objectives of
    code PM01 led by a Rossi."""
    match = Q()
    for word in text.split()[:8]:
        match &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(code__icontains=word)
            | Q(expected_result__icontains=word)
            | Q(responsible_label__icontains=word)
            | Q(responsibles__first_name__icontains=word)
            | Q(responsibles__last_name__icontains=word)
            | Q(unit__responsible__last_name__icontains=word)
            | Q(unit__responsible__first_name__icontains=word)
            | Q(unit__name__icontains=word)
        )
    return match


def _unit_path(
    unit: Unit | None, by_id: dict[int, Unit], parent_of: dict[int, int | None] | None = None
) -> str:
    """«Area › Servizio › Ufficio». Pass `parent_of` (built once by `_parents`) when naming
    many units: building it per unit made the tree of 300 units quadratic."""
    if unit is None:
        return "Senza unità responsabile"
    parent_of = parent_of if parent_of is not None else _parents(by_id)
    if unit.pk not in parent_of:
        parent_of = {**parent_of, unit.pk: unit.parent_id}
    names = [by_id[pk].name for pk in tree.ancestors(parent_of, unit.pk)]
    return " › ".join([*reversed(names), unit.name])


def _parents(by_id: dict[int, Unit]) -> dict[int, int | None]:
    return {pk: row.parent_id for pk, row in by_id.items()}


def _matching_rows(
    cycle: Cycle, filters: TreeFilters, units: list[Unit], queryset=None, limit: int | None = None
) -> list[tuple[int, int | None, int | None]]:
    """(pk, strategic objective id, unit id) of the objectives matching `filters`, in tree
    order: one light query, whatever the objectives hold; at most `limit` rows when given
    (not with a tag filter, applied after the query)."""
    base = OperationalObjective.objects.filter(cycle=cycle) if queryset is None else queryset
    rows = _filter_objectives(base, filters, units).values_list(
        "pk", "strategic_objective_id", "unit_id", "tags"
    )
    if limit is not None and not filters.tag:
        rows = rows[:limit]
    # Tags are a JSON list: filtered here because SQLite has no JSON containment lookup.
    return [
        (pk, strategic_id, unit_id)
        for pk, strategic_id, unit_id, tags in rows
        if not filters.tag or filters.tag in (tags or [])
    ]


def _branches(rows, loaded: dict[int, OperationalObjective]):
    """The objectives (those loaded) and the counts of each strategic objective and, for the
    objectives without one, of each unit."""
    by_strategic: dict[int, list[OperationalObjective]] = defaultdict(list)
    strategic_counts: dict[int, int] = defaultdict(int)
    by_unit: dict[int | None, list[OperationalObjective]] = defaultdict(list)
    unit_counts: dict[int | None, int] = defaultdict(int)
    for pk, strategic_id, unit_id in rows:
        if strategic_id:
            strategic_counts[strategic_id] += 1
            if pk in loaded:
                by_strategic[strategic_id].append(loaded[pk])
        else:
            unit_counts[unit_id] += 1
            if pk in loaded:
                by_unit[unit_id].append(loaded[pk])
    return by_strategic, strategic_counts, by_unit, unit_counts


def _branch_counts(
    cycle: Cycle, filters: TreeFilters, units: list[Unit], queryset=None
) -> tuple[dict[int, int], dict[int | None, int]]:
    """The counts of `_branches` in one aggregated query (a row per branch), not over a row
    per objective: the first screen of a 3,000-objective plan needs only these. Over
    `queryset` (some of the cycle's objectives) when given."""
    matching = OperationalObjective.objects.filter(cycle=cycle) if queryset is None else queryset
    if filters.active:
        # A subquery: the filters' joins (shared units, responsabili) would count twice.
        chosen = _filter_objectives(matching, filters, units).values("pk")
        matching = OperationalObjective.objects.filter(pk__in=chosen)
    strategic_counts: dict[int, int] = defaultdict(int)
    unit_counts: dict[int | None, int] = defaultdict(int)
    grouped = matching.order_by().values_list("strategic_objective_id", "unit_id")
    for strategic_id, unit_id, count in grouped.annotate(count=Count("pk")):
        if strategic_id:
            strategic_counts[strategic_id] += count
        else:
            unit_counts[unit_id] += count
    return strategic_counts, unit_counts


def _indicator_tables(cycle: Cycle) -> tuple[list[IndicatorGroup], list[Indicator]]:
    """The ente's and the units' indicator tables, and the indicators of no table or objective."""
    groups = list(
        IndicatorGroup.objects.filter(
            cycle=cycle, scope__in=[IndicatorScope.ENTE, IndicatorScope.UNIT]
        )
        .select_related("unit")
        .prefetch_related(_indicators_prefetch(to_attr="indicator_list"))
    )
    # «cycle_id + 0» keeps the database off the cycle's index: through it SQLite read each of the
    # 12,000 indicators of a metropolitan plan to find none loose (2.3 ms, 0.5 ms by the index
    # of the objective, where the loose ones are the few NULLs).
    loose = list(
        Indicator.objects.filter(group__isnull=True, objective__isnull=True)
        .alias(in_cycle=F("cycle_id") + 0)
        .filter(in_cycle=cycle.pk)
        .select_related("unit", "strategic_objective")
        .prefetch_related(_targets_prefetch())
    )
    return groups, loose


def plan_tree(
    cycle: Cycle, filters: TreeFilters | None = None, *, inline_limit: int | None = None
) -> PlanTree:
    """Strategic areas → strategic objectives → operational objectives, then the objectives
    without a strategic link grouped by unit, then the ente and unit indicator tables. Beyond
    `inline_limit` matching objectives the branches carry only their counts (`inline` False)."""
    filters = filters or TreeFilters()
    units = list(Unit.objects.filter(ente_id=cycle.ente_id))
    limit = TREE_INLINE_LIMIT if inline_limit is None else inline_limit
    # One row past the limit tells a large plan apart without reading all of its rows.
    rows = _matching_rows(cycle, filters, units, limit=limit + 1)
    inline = len(rows) <= limit
    loaded: dict[int, OperationalObjective] = {}
    if inline and rows:
        loaded = objectives_queryset(cycle).in_bulk([pk for pk, _, _ in rows])
    by_strategic, strategic_counts, by_unit, unit_counts = _branches(rows, loaded)
    if not inline and not filters.tag:
        strategic_counts, unit_counts = _branch_counts(cycle, filters, units)
    objective_count = sum(strategic_counts.values()) + sum(unit_counts.values())

    areas = _area_nodes(cycle, by_strategic, strategic_counts, hide_empty=filters.active)
    unit_areas: list[UnitArea] = []
    if not inline and len(unit_counts) > TREE_BRANCH_LIMIT:
        unit_areas = _unit_areas(unit_counts, units)
        unit_counts = {None: unit_counts[None]} if None in unit_counts else {}
    unlinked = _unit_nodes(unit_counts, units, by_unit)
    groups, loose = _indicator_tables(cycle)
    return PlanTree(
        cycle=cycle,
        areas=areas,
        unlinked=unlinked,
        indicator_groups=groups,
        loose_indicators=loose,
        objective_count=objective_count,
        inline=inline,
        unit_areas=unit_areas,
        **_tree_totals(cycle, inline),
    )


def _tree_totals(cycle: Cycle, inline: bool) -> dict[str, Any]:
    """Inline every group's total (the objectives' badges) and those flagged; else only
    those flagged, for the warning above the tree."""
    if not inline:
        return {"totals": {}, "flagged_totals": flagged_weight_totals(cycle)}
    totals = weight_totals(cycle)
    return {"totals": totals, "flagged_totals": [t for t in totals.values() if not t.ok]}


def _unit_nodes(
    unit_counts: dict[int | None, int],
    units: list[Unit],
    by_unit: dict[int | None, list[OperationalObjective]] | None = None,
) -> list[UnitNode]:
    """The branches of the units with objectives without a strategic link, in chart order
    (the objectives of no unit last)."""
    units_by_id = {unit.pk: unit for unit in units}
    unit_order = {unit.pk: index for index, unit in enumerate(units)}
    parents = _parents(units_by_id)
    return [
        UnitNode(
            unit=units_by_id.get(unit_id),
            path=_unit_path(units_by_id.get(unit_id), units_by_id, parents),
            objectives=by_unit[unit_id] if by_unit is not None else [],
            count=count,
        )
        for unit_id, count in sorted(
            unit_counts.items(), key=lambda pair: unit_order.get(pair[0], len(unit_order))
        )
    ]


def _unit_areas(unit_counts: dict[int | None, int], units: list[Unit]) -> list[UnitArea]:
    """The unit branches added up by the area (first-level unit) above each, in chart order;
    the objectives of no unit are no area's."""
    parent_of = {unit.pk: unit.parent_id for unit in units}
    areas = {unit.pk: UnitArea(unit=unit) for unit in units if unit.parent_id is None}
    for unit_id, count in unit_counts.items():
        if unit_id is None:
            continue
        above = tree.ancestors(parent_of, unit_id)
        area = areas.get(above[-1] if above else unit_id)
        if area is not None:
            area.count += count
            area.branches += 1
    return [area for area in areas.values() if area.count]


def area_branches(cycle: Cycle, filters: TreeFilters, area: Unit) -> list[UnitNode]:
    """The unit branches of `area` and of the units below it that hold objectives matching
    `filters` without a strategic link, with their counts (a fixed number of queries)."""
    units = list(Unit.objects.filter(ente_id=cycle.ente_id))
    inside = OperationalObjective.objects.filter(
        cycle=cycle, strategic_objective__isnull=True, unit_id__in=subtree_ids(units, {area.pk})
    )
    if filters.tag:
        rows = _matching_rows(cycle, filters, units, inside)
        unit_counts = _branches(rows, {})[3]
    else:
        unit_counts = _branch_counts(cycle, filters, units, inside)[1]
    return _unit_nodes(dict(unit_counts), units)


def branch_page(
    cycle: Cycle,
    filters: TreeFilters,
    page_number: Any,
    *,
    strategic: StrategicObjective | None = None,
    unit: Unit | None = None,
) -> Page:
    """One page (TREE_PAGE_SIZE) of the objectives of a branch of the tree that match
    `filters`: those linked to `strategic`, or else those without a strategic link led by
    `unit` (None: by no unit). A fixed number of queries whatever the branch's size."""
    branch = OperationalObjective.objects.filter(cycle=cycle)
    if strategic is not None:
        branch = branch.filter(strategic_objective=strategic)
    elif unit is not None:
        branch = branch.filter(strategic_objective__isnull=True, unit=unit)
    else:
        branch = branch.filter(strategic_objective__isnull=True, unit__isnull=True)
    units = list(Unit.objects.filter(ente_id=cycle.ente_id))
    pks = [pk for pk, _, _ in _matching_rows(cycle, filters, units, branch)]
    page: Page[Any] = Paginator(pks, TREE_PAGE_SIZE).get_page(page_number)
    loaded = objectives_queryset(cycle).in_bulk(list(page.object_list))
    page.object_list = [loaded[pk] for pk in page.object_list]
    return page


def _area_nodes(
    cycle: Cycle,
    by_strategic: dict[int, list[OperationalObjective]],
    counts: dict[int, int],
    *,
    hide_empty: bool,
) -> list[AreaNode]:
    areas = list(StrategicArea.objects.filter(cycle=cycle))
    strategic = list(
        StrategicObjective.objects.filter(cycle=cycle).prefetch_related(
            "units", _area_links_prefetch()
        )
    )
    nodes: dict[int | None, AreaNode] = {area.pk: AreaNode(area=area) for area in areas}
    for item in strategic:
        children = by_strategic.get(item.pk, [])
        count = counts.get(item.pk, 0)
        if hide_empty and not count:
            continue
        # A strategic objective of several areas is listed under each of them.
        area_ids = [item.area_id] if item.area_id else []
        for area_id in [*area_ids, *(link.area_id for link in item.area_links.all())] or [None]:
            node = nodes.setdefault(area_id, AreaNode(area=None))
            node.strategic.append(StrategicNode(objective=item, objectives=children, count=count))
    ordered = [nodes[area.pk] for area in areas]
    if None in nodes:
        ordered.append(nodes[None])
    return [node for node in ordered if node.strategic or not hide_empty]


# The unit and responsabile menus of the tree's filters list every choice up to this many;
# above it (325 units, 300 responsabili in a metropolitan ente: 991 options, a third of the
# page) they list the areas and their responsabili, and the script of the page asks the
# server for the others as one types (`unit_matches`, `person_matches`), PICKER_RESULTS at
# a time.
PICKER_LIMIT = 50
PICKER_RESULTS = 20


@dataclass
class Choices:
    """The options of one menu of the filters: all of them (`complete`) or the first level
    and the current choice."""

    options: list[tuple[int, str]]
    complete: bool


def _fold(text: str) -> str:
    """Lower case without accents: «Università» is found by «universita»."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _unit_labels(ente: Ente) -> list[tuple[int, int | None, str]]:
    """(pk, parent id, «Area › Servizio») of every unit of the ente, in the chart's order
    (one light query, no model instances)."""
    rows = list(Unit.objects.filter(ente=ente).values_list("pk", "parent_id", "name"))
    parent_of = {pk: parent_id for pk, parent_id, _ in rows}
    names = {pk: name for pk, _, name in rows}
    labelled = []
    for pk, parent_id, name in rows:
        above = [names[a] for a in tree.ancestors(parent_of, pk) if a in names]
        labelled.append((pk, parent_id, " › ".join([*reversed(above), name])))
    return labelled


def _eligible_people(ente: Ente) -> QuerySet[Person]:
    """The people a plan can be filtered by: those leading a unit or named on an objective.
    One subquery of the two lists (a UNION): a join with DISTINCT, or an OR of two IN, went
    through the 25,000 people of a metropolitan ente (33 and 13 ms on SQLite, 6 ms so)."""
    leading = Unit.objects.filter(ente=ente, responsible__isnull=False).values("responsible_id")
    named = OperationalObjective.responsibles.through.objects.filter(
        operationalobjective__cycle__ente=ente
    ).values("person_id")
    listed = leading.order_by().union(named.order_by())
    return Person.objects.filter(ente=ente, pk__in=listed)


_PERSON_LABEL = ("pk", "first_name", "last_name")


def _person_label(first_name: str, last_name: str) -> str:
    return f"{first_name} {last_name}"  # as Person.__str__, without building the person


def _unit_choices(labelled, chosen: int | None) -> Choices:
    if len(labelled) <= PICKER_LIMIT:
        return Choices([(pk, label) for pk, _, label in labelled], True)
    options = [
        (pk, label) for pk, parent_id, label in labelled if parent_id is None or pk == chosen
    ][:PICKER_LIMIT]
    if chosen and all(pk != chosen for pk, _ in options):
        options += [(pk, label) for pk, _, label in labelled if pk == chosen]
    return Choices(options, False)


def _person_choices(ente: Ente, labelled, chosen: int | None) -> Choices:
    """All the eligible people up to PICKER_LIMIT, else the responsabili of the areas and the
    current choice: one query either way, those two ordered first so that a slice finds them."""
    areas = [pk for pk, parent_id, _ in labelled if parent_id is None]
    heads = Unit.objects.filter(pk__in=areas, responsible__isnull=False).values("responsible_id")
    rows = list(
        _eligible_people(ente)
        .annotate(first=Case(When(Q(pk__in=heads) | Q(pk=chosen or 0), then=1), default=0))
        .order_by("-first", "last_name", "first_name", "id")
        .values_list(*_PERSON_LABEL, "first")[: PICKER_LIMIT + 1]
    )
    complete = len(rows) <= PICKER_LIMIT
    if complete:
        rows.sort(key=lambda row: (row[2], row[1], row[0]))
    else:
        rows = [row for row in rows if row[3]]
    return Choices([(pk, _person_label(first, last)) for pk, first, last, _ in rows], complete)


def filter_choices(ente: Ente, filters: TreeFilters | None = None) -> dict[str, Choices]:
    """Options for the unit and responsabile menus of the tree page (two queries)."""
    filters = filters or TreeFilters()
    labelled = _unit_labels(ente)
    return {
        "areas": _unit_choices(labelled, filters.area),
        "services": _unit_choices(labelled, filters.service),
        "people": _person_choices(ente, labelled, filters.person),
    }


def _words(text: str) -> list[str]:
    return _fold(text).split()[:8]


def unit_matches(ente: Ente, text: str) -> tuple[list[tuple[int, str]], bool]:
    """The units whose «Area › Servizio» name has every word of `text` (accents and case
    aside), at most PICKER_RESULTS, and whether there are more."""
    words = _words(text)
    if not words:
        return [], False
    found = []
    for pk, _, label in _unit_labels(ente):
        folded = _fold(label)
        if all(word in folded for word in words):
            found.append((pk, label))
    return found[:PICKER_RESULTS], len(found) > PICKER_RESULTS


def person_matches(ente: Ente, text: str) -> tuple[list[tuple[int, str]], bool]:
    """The eligible people with every word of `text` in their names or key, at most
    PICKER_RESULTS, and whether there are more (one query)."""
    words = text.split()[:8]
    if not words:
        return [], False
    match = Q()
    for word in words:
        match &= (
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(key__icontains=word)
        )
    rows = _eligible_people(ente).filter(match).values_list(*_PERSON_LABEL)
    found = [(pk, _person_label(first, last)) for pk, first, last in rows[: PICKER_RESULTS + 1]]
    return found[:PICKER_RESULTS], len(found) > PICKER_RESULTS


# ---------------------------------------------------------------------------------------------
# One objective
# ---------------------------------------------------------------------------------------------


def objective_for_ente(ente: Ente, pk: int) -> OperationalObjective | None:
    """The objective with everything its page shows, or None if it is not of `ente`."""
    return (
        objectives_queryset_for_ente(ente)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ObjectiveVersion.objects.select_related("revision", "created_by"),
            )
        )
        .filter(pk=pk)
        .first()
    )


def objectives_queryset_for_ente(ente: Ente) -> QuerySet[OperationalObjective]:
    return (
        OperationalObjective.objects.filter(cycle__ente=ente)
        .select_related(
            "cycle", "unit", "unit__parent", "weight_group", "strategic_objective__area"
        )
        .prefetch_related(
            "responsibles",
            "phases",
            _unit_links_prefetch(),
            _area_links_prefetch("strategic_objective__"),
            _indicators_prefetch(),
        )
    )
