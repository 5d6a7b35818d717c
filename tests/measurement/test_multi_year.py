"""A three-year plan (2025-2027) whose objectives belong to 2025 or to 2026-2027: the cycle of a
year scores, monitors and reports only what belongs to it; the next year's cycle carries the
multi-year objectives forward with their own years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from measurement import selectors
from planning import services as planning_services
from planning.models import OperationalObjective, Target, TargetKind, WeightGroup

from .conftest import add_indicator, store

pytestmark = pytest.mark.django_db

END = dt.date(2025, 12, 31)


@pytest.fixture
def triennial(final_values):
    plan = final_values
    later = WeightGroup.objects.create(
        cycle=plan.cycle, key="biennio", label="Obiettivi 2026-2027", kind="altro",
        years=[2026, 2027],
    )  # fmt: skip
    plan.later_group = later
    plan.future = OperationalObjective.objects.create(
        cycle=plan.cycle, key="sportello-unico", title="Sportello unico 2026-2027",
        unit=plan.finanze, weight=Decimal("100"), weight_group=later, order=9,
    )  # fmt: skip
    plan.future_own = OperationalObjective.objects.create(
        cycle=plan.cycle, key="archivio", title="Archivio digitale", unit=plan.pl,
        weight=Decimal("40"), years=[2026, 2027], order=10,
    )  # fmt: skip
    plan.future_indicator = add_indicator(
        plan.cycle, "pratiche-sportello", target_kind=TargetKind.GTE, value="10",
        objective=plan.future,
    )  # fmt: skip
    Target.objects.filter(indicator=plan.future_indicator).update(year=2026)
    plan.archive_indicator = add_indicator(
        plan.cycle, "fascicoli-digitali", target_kind=TargetKind.GTE, value="500",
        objective=plan.future_own,
    )  # fmt: skip
    store(plan.future_indicator, cycle=plan.cycle, day=END, value="1")
    store(plan.archive_indicator, cycle=plan.cycle, day=END, value="2")
    OperationalObjective.objects.filter(pk=plan.pl_payment.pk).update(years=[2025])
    return plan


def test_the_year_scores_only_its_objectives(triennial):
    plan = triennial
    board = selectors.cycle_scores(plan.cycle)
    assert board.objective(plan.future.pk) is None
    assert board.objective(plan.future_own.pk) is None
    assert board.indicator(plan.future_indicator.pk) is None
    assert board.indicator(plan.archive_indicator.pk) is None
    # The scores of 2025 are those of the one-year plan (see test_selectors.py).
    assert board.unit(plan.pl.pk).score.percent == Decimal("91.6")
    assert board.unit(plan.finanze.pk).score.percent == Decimal("95")
    assert board.ente_score.percent == Decimal("91.65")


def test_the_year_monitors_only_its_objectives(triennial):
    plan = triennial
    pending = selectors.pending_all(plan.cycle, dt.date(2026, 2, 1))
    indicators = {item.indicator.pk for item in pending if item.indicator is not None}
    assert plan.future_indicator.pk not in indicators
    assert plan.archive_indicator.pk not in indicators
    assert not {plan.future.pk, plan.future_own.pk} & {
        item.objective.pk for item in pending if item.objective is not None
    }


def test_the_next_cycle_carries_the_multi_year_objectives_forward(triennial):
    plan = triennial
    new = planning_services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)
    carried = new.operational_objectives.get(key="archivio")
    assert carried.years == [2026, 2027]
    group = new.weight_groups.get(key="biennio")
    assert group.years == [2026, 2027]
    # The one-year objective of 2025 is proposed again for 2026, to be reviewed.
    assert new.operational_objectives.get(key="pl-tempi-pagamento").years == [2026]
    board = selectors.cycle_scores(new)
    assert board.objective(new.operational_objectives.get(key="sportello-unico").pk) is not None
    assert board.objective(carried.pk) is not None


def test_values_of_other_years_are_refused_with_the_reason(triennial):
    from core.exceptions import ServiceError
    from measurement import services

    plan = triennial
    for indicator, says in [
        (plan.archive_indicator, "«Archivio digitale» appartiene al 2026-2027, non al 2025"),
        (plan.future_indicator, "«Sportello unico 2026-2027» appartiene al 2026-2027"),
    ]:
        with pytest.raises(ServiceError, match=says) as refused:
            services.measurement_save(
                user=plan.users.admin, cycle=plan.cycle, indicator=indicator,
                period_kind="anno", period_end=END, value="3",
            )  # fmt: skip
        assert refused.value.field == "indicator"
