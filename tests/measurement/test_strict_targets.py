"""Strict targets («inferiore al 45 %», «superiore al 53 %»): read by the one target parser,
stored as their own kinds and missed by a value equal to the bound."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import ServiceError
from measurement import selectors
from planning import services as planning_services
from planning.formatting import target_label
from planning.models import Cycle, CycleState, Indicator, Target
from planning.target_text import parse_target

from .conftest import store

pytestmark = pytest.mark.django_db

END = dt.date(2025, 12, 31)


def _set_from_text(plan, indicator, text):
    """The target typed while the plan is a draft, then the plan approved."""
    Cycle.objects.filter(pk=plan.cycle.pk).update(state=CycleState.DRAFT)
    parsed = parse_target(text)
    planning_services.target_set(
        user=None, indicator=Indicator.objects.get(pk=indicator.pk), year=2025,
        data=parsed.as_data(),
    )  # fmt: skip
    Cycle.objects.filter(pk=plan.cycle.pk).update(state=CycleState.APPROVED)
    return Target.objects.get(indicator=indicator, year=2025)


def test_a_value_equal_to_a_strict_lower_bound_misses_it(plan):
    target = _set_from_text(plan, plan.staff_cost, "Inferiore al 45 %")
    assert (target.kind, target.value) == ("lt", Decimal("45"))
    store(plan.staff_cost, cycle=plan.cycle, day=END, value="45")
    entry = selectors.cycle_scores(plan.cycle).indicator(plan.staff_cost.pk)
    assert entry.achievement.percent < 100
    assert "Target < 45" in entry.explanation.text


def test_a_value_equal_to_a_strict_upper_bound_misses_it(plan):
    target = _set_from_text(plan, plan.controls, "Superiore al 53%")
    assert (target.kind, target.value) == ("gt", Decimal("53"))
    store(plan.controls, cycle=plan.cycle, day=END, value="53")
    assert selectors.cycle_scores(plan.cycle).indicator(plan.controls.pk).achievement.percent < 100
    Target.objects.filter(pk=target.pk).update(kind="gte")
    assert selectors.cycle_scores(plan.cycle).indicator(plan.controls.pk).achievement.percent == 100


@pytest.mark.parametrize("kind", ["gt", "lt"])
def test_a_strict_target_needs_its_value(plan, kind):
    with pytest.raises(ServiceError, match="serve il valore") as refused:
        Cycle.objects.filter(pk=plan.cycle.pk).update(state=CycleState.DRAFT)
        planning_services.target_set(
            user=None,
            indicator=Indicator.objects.get(pk=plan.controls.pk),
            year=2025,
            data={"kind": kind},
        )
    assert refused.value.field == "value"


@pytest.mark.parametrize(
    ("kind", "label"),
    [("gt", "> 53"), ("lt", "< 53"), ("gt_previous", "> anno precedente")],
)
def test_strict_targets_without_text_are_written_with_their_symbol(plan, kind, label):
    target = Target(indicator=plan.controls, year=2025, kind=kind, value=Decimal("53"))
    assert target_label(target) == label
