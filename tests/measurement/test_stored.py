"""Scores computed once per change: a board is reused until a write changes the ente's data.

These tests commit (transactional database): the stored boards are keyed by the committed data
version, which a test wrapped in one transaction would never have.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from measurement import selectors, services, stored
from measurement.models import PeriodKind, ScoreVersion
from planning.models import Target
from tests.measurement.conftest import store

pytestmark = pytest.mark.django_db(transaction=True)
END = dt.date(2025, 12, 31)


@pytest.fixture(autouse=True)
def _no_boards():
    stored.forget()
    yield
    stored.forget()


def _save(plan, indicator, value):
    return services.measurement_save(
        user=plan.users.admin,
        cycle=plan.cycle,
        indicator=indicator,
        period_kind=PeriodKind.POINT,
        period_end=END,
        value=value,
        deviation_note="Scostamento spiegato.",
    )


def test_a_second_read_of_unchanged_data_reuses_the_board(plan, django_assert_num_queries):
    first = selectors.cycle_scores(plan.cycle)
    with django_assert_num_queries(1):  # the data version only
        again = selectors.cycle_scores(plan.cycle)
    assert again is first


def test_a_service_write_gives_a_new_board_with_the_new_value(plan):
    before = selectors.cycle_scores(plan.cycle)
    assert before.indicator(plan.controls.pk).value is None
    _save(plan, plan.controls, "24")
    after = selectors.cycle_scores(plan.cycle)
    assert after is not before
    assert after.indicator(plan.controls.pk).value == Decimal("24")
    assert after.to_dict() == selectors.compute_cycle_scores(plan.cycle).to_dict()


def test_a_direct_save_of_a_row_the_scores_read_bumps_the_version(plan):
    store(plan.controls, cycle=plan.cycle, day=END, value="24")
    before = selectors.cycle_scores(plan.cycle)
    token = ScoreVersion.objects.get(ente=plan.ente).token
    target = Target.objects.get(indicator=plan.controls, year=2025)
    target.value = Decimal("48")  # 24 of 48: half the score it had
    target.save()
    assert ScoreVersion.objects.get(ente=plan.ente).token != token
    after = selectors.cycle_scores(plan.cycle)
    assert after.indicator(plan.controls.pk).achievement.percent == Decimal("50")
    assert before.indicator(plan.controls.pk).achievement.percent == Decimal("80")


def test_a_board_read_inside_a_writing_transaction_is_not_stored(plan):
    with transaction.atomic():
        store(plan.controls, cycle=plan.cycle, day=END, value="24")
        inside = selectors.cycle_scores(plan.cycle)
        assert inside.indicator(plan.controls.pk).value == Decimal("24")
        store(plan.controls, cycle=plan.cycle, day=dt.date(2025, 12, 30), value="3")
    assert stored.cycle_scores(plan.cycle) is not inside


def test_a_rolled_back_write_keeps_the_stored_board(plan):
    first = selectors.cycle_scores(plan.cycle)
    with pytest.raises(RuntimeError), transaction.atomic():
        store(plan.controls, cycle=plan.cycle, day=END, value="24")
        raise RuntimeError("annullata")
    again = selectors.cycle_scores(plan.cycle)
    assert again is first
    assert again.indicator(plan.controls.pk).value is None


def test_the_settings_of_the_ente_change_the_version(plan):
    store(plan.controls, cycle=plan.cycle, day=END, value="45")  # 45/30: 150 %
    capped = selectors.cycle_scores(plan.cycle).indicator(plan.controls.pk).achievement.percent
    services.smvp_settings_update(user=plan.users.admin, ente=plan.ente, data={"cap": 120})
    plan.cycle.ente.refresh_from_db()
    raised = selectors.cycle_scores(plan.cycle).indicator(plan.controls.pk).achievement.percent
    assert (capped, raised) == (Decimal("100"), Decimal("120"))


def test_boards_of_another_day_are_kept_apart(plan):
    today = selectors.cycle_scores(plan.cycle, today=dt.date(2025, 6, 1))
    later = selectors.cycle_scores(plan.cycle, today=dt.date(2025, 9, 1))
    assert today is not later
    assert (today.as_of, later.as_of) == (dt.date(2025, 6, 1), dt.date(2025, 9, 1))


def test_without_boards_setting_nothing_is_stored(plan, settings):
    settings.PERFORMA_SCORE_BOARDS = 0
    assert selectors.cycle_scores(plan.cycle) is not selectors.cycle_scores(plan.cycle)


def test_stored_scores_equal_a_fresh_computation_after_any_sequence_of_writes(plan):
    """Hypothesis drives writes (services and direct saves) between reads: what the pages
    read always equals what a fresh computation of the same data gives."""
    indicators = [plan.controls, plan.pl_days, plan.fin_days, plan.staff_cost]
    objectives = [plan.pl_coordination, plan.fin_payment, plan.budget]

    class Writes(RuleBasedStateMachine):
        @rule(i=st.sampled_from(range(len(indicators))), value=st.integers(0, 100))
        def enter_a_value(self, i, value):
            _save(plan, indicators[i], str(value))

        @rule(i=st.sampled_from(range(len(indicators))), value=st.integers(1, 90))
        def change_a_target(self, i, value):
            target = Target.objects.get(indicator=indicators[i], year=2025)
            target.value = Decimal(value)
            target.save()

        @rule(i=st.sampled_from(range(len(objectives))), weight=st.integers(1, 90))
        def change_a_weight(self, i, weight):
            objective = objectives[i]
            objective.refresh_from_db()
            objective.weight = Decimal(weight)
            objective.save()

        @rule(cap=st.sampled_from([100, 110, 120]))
        def change_the_cap(self, cap):
            services.smvp_settings_update(user=plan.users.admin, ente=plan.ente, data={"cap": cap})

        @rule()
        def read(self):
            selectors.cycle_scores(plan.cycle)

        @invariant()
        def stored_equals_fresh(self):
            cycle = type(plan.cycle).objects.select_related("ente").get(pk=plan.cycle.pk)
            shown = selectors.cycle_scores(cycle).to_dict()
            assert shown == selectors.compute_cycle_scores(cycle).to_dict()

    run_state_machine_as_test(
        Writes, settings=hsettings(max_examples=5, stateful_step_count=5, deadline=None)
    )
