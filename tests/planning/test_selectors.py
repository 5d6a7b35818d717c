from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organization.models import Unit, UnitKind
from planning import selectors
from planning.models import (
    Indicator,
    IndicatorGroup,
    IndicatorScope,
    ObjectiveKind,
    OperationalObjective,
    Phase,
    StrategicArea,
    StrategicObjective,
    Target,
    TargetKind,
    WeightGroup,
)

pytestmark = pytest.mark.django_db


def _grow(plan, size: int) -> None:
    """Add `size` areas, each with a strategic objective, objectives, phases, indicators."""
    for n in range(size):
        _grow_one(plan, n)


def _grow_one(plan, n: int) -> None:
    cycle = plan.cycle
    area = StrategicArea.objects.create(cycle=cycle, key=f"area-{n}", name=f"Area {n}")
    strategic = StrategicObjective.objects.create(
        cycle=cycle, key=f"so-{n}", area=area, title=f"Strategico {n}"
    )
    strategic.units.add(plan.pl)
    unit = Unit.objects.create(
        ente=plan.ente,
        key=f"servizio-{n}",
        kind=UnitKind.SERVICE,
        name=f"Servizio {n}",
        order=10 + n,
    )
    group = WeightGroup.objects.create(
        cycle=cycle, key=f"gruppo-{n}", kind="servizio", label=f"Gruppo {n}"
    )
    for m in range(2):
        objective = OperationalObjective.objects.create(
            cycle=cycle,
            key=f"ob-{n}-{m}",
            title=f"Obiettivo {n}.{m}",
            unit=unit,
            strategic_objective=strategic if m == 0 else None,
            weight_group=group,
            weight=Decimal("50"),
            tags=["digitalizzazione"],
        )
        objective.responsibles.add(plan.comandante)
        Phase.objects.create(objective=objective, description="Fase")
        indicator = Indicator.objects.create(
            cycle=cycle,
            key=f"ind-{n}-{m}",
            scope=IndicatorScope.OBJECTIVE,
            objective=objective,
            name="Indicatore",
        )
        Target.objects.create(indicator=indicator, year=2025, kind=TargetKind.GTE, value=1)
    table = IndicatorGroup.objects.create(
        cycle=cycle, key=f"tab-{n}", scope=IndicatorScope.UNIT, unit=unit, title=f"Tab {n}"
    )
    ind = Indicator.objects.create(
        cycle=cycle, key=f"tab-ind-{n}", scope=IndicatorScope.UNIT, group=table, name="Tempi"
    )
    Target.objects.create(indicator=ind, year=2025, kind=TargetKind.TEXT, text="≤ 8 gg")


def _render_queries(plan, filters=None) -> tuple[int, selectors.PlanTree]:
    """Queries to build the tree and touch everything a template shows."""
    with CaptureQueriesContext(connection) as queries:
        tree = selectors.plan_tree(plan.cycle, filters)
        for node in tree.areas:
            for item in node.strategic:
                for objective in item.objectives:
                    _touch(objective)
        for node in tree.unlinked:
            for objective in node.objectives:
                _touch(objective)
        for group in tree.indicator_groups:
            for indicator in group.indicator_list:
                list(indicator.targets.all())
    return len(queries), tree


def _touch(objective):
    assert objective.unit is None or objective.unit.name
    assert objective.weight_group is None or objective.weight_group.label
    list(objective.responsibles.all())
    list(objective.phases.all())
    for indicator in objective.indicators.all():
        list(indicator.targets.all())


# 14, plus the units shared by objectives and the areas shared by strategic objectives, plus
# the weights of the groups' objectives, counted for the cycle's year (a multi-year plan), plus
# the light list of the matching objectives that decides whether the tree shows them inline.
QUERY_LIMIT = 18


def test_plan_tree_queries_do_not_grow_with_the_plan(plan, django_assert_max_num_queries):
    filters = selectors.TreeFilters(
        area=plan.pl.pk, tag="digitalizzazione", person=plan.comandante.pk, text="Obiettivo"
    )
    _grow(plan, 1)
    small, tree = _render_queries(plan)
    small_filtered, _ = _render_queries(plan, filters)
    assert tree.objective_count == 6
    for n in range(1, 12):
        _grow_one(plan, n)
    with django_assert_max_num_queries(QUERY_LIMIT):
        large, tree = _render_queries(plan)
    large_filtered, _ = _render_queries(plan, filters)
    assert tree.objective_count == 4 + 2 * 12
    assert (small, small_filtered) == (large, large_filtered)


def test_tree_structure_and_grouping(plan):
    _grow(plan, 2)
    tree = selectors.plan_tree(plan.cycle)
    assert [node.area.name for node in tree.areas] == ["Area 0", "Area 1"]
    assert [o.key for o in tree.areas[0].strategic[0].objectives] == ["ob-0-0"]
    paths = [node.path for node in tree.unlinked]
    assert paths == [
        "Polizia Locale",
        "Polizia Locale › Ufficio verbali",
        "Servizio finanziario",
        "Servizio 0",
        "Servizio 1",
    ]
    assert [g.title for g in tree.indicator_groups] == ["Tab 0", "Tab 1"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"area": "pl"}, {"pl-tempi-pagamento", "pl-coordinamento"}),
        ({"service": "pl"}, {"pl-tempi-pagamento"}),
        ({"text": "coordinamento"}, {"pl-coordinamento"}),
        ({"kind": ObjectiveKind.MAINTENANCE}, {"fin-tempi-pagamento"}),
        ({"tag": "pnrr"}, {"bilancio"}),
        ({"person": "ragioniere"}, {"fin-tempi-pagamento", "bilancio"}),
    ],
)
def test_tree_filters(plan, filters, expected):
    OperationalObjective.objects.filter(pk=plan.fin_payment.pk).update(
        kind=ObjectiveKind.MAINTENANCE
    )
    OperationalObjective.objects.filter(pk=plan.fin_budget.pk).update(tags=["pnrr"])
    values = dict(filters)
    if "area" in values:
        values["area"] = plan.pl.pk
    if "service" in values:
        values["service"] = plan.pl.pk
    if "person" in values:
        values["person"] = plan.ragioniere.pk
    tree = selectors.plan_tree(plan.cycle, selectors.TreeFilters(**values))
    keys = {o.key for node in tree.unlinked for o in node.objectives}
    assert keys == expected


def test_weight_totals_flag_but_never_correct(plan):
    OperationalObjective.objects.filter(pk=plan.pl_coordination.pk).update(weight=Decimal("65"))
    totals = selectors.weight_totals(plan.cycle)
    pl = totals[plan.pl_group.pk]
    assert (pl.total, pl.expected, pl.ok) == (Decimal("95"), Decimal("100"), False)
    assert pl.verdict == "non corretto: mancano 5,00 punti"
    assert totals[plan.fin_group.pk].ok
    assert OperationalObjective.objects.get(pk=plan.pl_coordination.pk).weight == Decimal("65")


@pytest.mark.parametrize(
    ("typed", "total", "ok", "verdict"),
    [
        ("69.95", "99.95", True, "corretto"),
        ("69.94", "99.94", False, "non corretto: mancano 0,06 punti"),
        ("75", "105", False, "non corretto: eccedono 5,00 punti"),
        (None, "30", False, "non corretto: mancano 70,00 punti"),
    ],
)
def test_running_total_with_typed_weight(plan, typed, total, ok, verdict):
    weight = Decimal(typed) if typed else None
    result = selectors.weight_total_with(
        plan.pl_group, objective=plan.pl_coordination, weight=weight
    )
    assert result.total == Decimal(total) and result.ok is ok and result.verdict == verdict
    new = selectors.weight_total_with(plan.pl_group, objective=None, weight=Decimal("1"))
    assert new.total == Decimal("101")


def test_current_cycle_is_the_latest(plan):
    from planning import services

    services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)
    assert selectors.current_cycle(plan.ente).year == 2026
    assert selectors.current_cycle(plan.ente, 2025) == plan.cycle
    assert selectors.current_cycle(plan.ente, 2030) is None
