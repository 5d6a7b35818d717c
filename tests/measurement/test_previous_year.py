"""«≥ anno precedente»: the previous cycle's final value when Performa holds that cycle, the
indicator's baseline otherwise; the explanation says which was used."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from measurement import selectors
from planning import services as planning_services
from planning.models import Cycle, CycleState, Indicator, Target, TargetKind

from .conftest import store

pytestmark = pytest.mark.django_db


@pytest.fixture
def relative(plan):
    Target.objects.filter(indicator=plan.controls, year=2025).update(
        kind=TargetKind.GTE_PREVIOUS, value=None, text="≥ anno precedente"
    )
    Indicator.objects.filter(pk=plan.controls.pk).update(
        baseline_value=Decimal("20"), baseline_year=2023
    )
    store(plan.controls, cycle=plan.cycle, day=dt.date(2025, 12, 31), value="30")
    return plan


def _entry(plan):
    return selectors.cycle_scores(plan.cycle).indicator(plan.controls.pk)


def test_without_the_previous_cycle_the_baseline_is_used_and_said(relative):
    entry = _entry(relative)
    assert entry.achievement.percent == 100  # 30 ≥ 20
    text = entry.explanation.text
    assert "valore dell'anno precedente (20" in text
    assert "valore di partenza del piano (2023)" in text
    assert "nessun ciclo 2024 in Performa" in text


def test_the_previous_cycle_final_value_is_read_and_said(relative):
    plan = relative
    earlier = planning_services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2024)
    Cycle.objects.filter(pk=earlier.pk).update(state=CycleState.APPROVED)
    old = earlier.indicators.get(key=plan.controls.key)
    store(old, cycle=earlier, day=dt.date(2024, 6, 30), value="25")
    store(old, cycle=earlier, day=dt.date(2024, 12, 31), value="40")
    entry = _entry(plan)
    # Linear from the baseline 20 to the final 40 of 2024: (30 − 20) / (40 − 20).
    assert entry.achievement.percent == 50
    text = entry.explanation.text
    assert "valore dell'anno precedente (40, valore finale del ciclo 2024)" in text
    assert "valore di partenza" not in text


def test_a_previous_cycle_without_the_value_falls_back_to_the_baseline(relative):
    plan = relative
    planning_services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2024)
    text = _entry(plan).explanation.text
    assert "valore di partenza del piano (2023)" in text
    assert "il ciclo 2024 non ha un valore finale di questo indicatore" in text
