"""In-year status of objectives."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Context, Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from engine.config import StatusThresholds
from engine.explanation import written_at_once
from engine.status import ObjectiveStatus, PhaseProgress, expected_progress, objective_status
from tests.engine.strategies import PROPERTY, decimals

D = Decimal
JULY = date(2024, 7, 1)  # 182 of 365 days elapsed: 49,86 % expected


def status(achievement=None, evaluation_date=JULY, **kwargs) -> ObjectiveStatus:
    value = None if achievement is None else D(achievement)
    return objective_status(achievement=value, evaluation_date=evaluation_date, **kwargs).status


def test_labels_are_italian():
    assert [s.label for s in ObjectiveStatus] == [
        "in linea",
        "a rischio",
        "in ritardo",
        "raggiunto",
        "non raggiunto",
    ]


def test_achieved_whenever_the_threshold_is_reached():
    assert status("100") is ObjectiveStatus.ACHIEVED
    assert status("100", evaluation_date=date(2025, 2, 1)) is ObjectiveStatus.ACHIEVED
    lenient = StatusThresholds(achieved=D(90))
    assert status("92", thresholds=lenient) is ObjectiveStatus.ACHIEVED


def test_not_achieved_after_the_deadline():
    result = objective_status(
        achievement=D(80), evaluation_date=date(2024, 4, 1), deadline=date(2024, 3, 31)
    )
    assert result.status is ObjectiveStatus.NOT_ACHIEVED
    assert result.label == "non raggiunto"
    assert "31/03/2024" in result.explanation.text
    after_the_year = date(2025, 1, 15)
    cycle_2024 = date(2024, 1, 1)
    assert status(None, after_the_year, period_start=cycle_2024) is ObjectiveStatus.NOT_ACHIEVED


def test_progress_against_time_elapsed():
    assert expected_progress(date(2024, 1, 1), date(2024, 12, 31), JULY) == D("49.863014")
    assert status("45") is ObjectiveStatus.ON_TRACK  # 4,86 points behind
    assert status("35") is ObjectiveStatus.AT_RISK  # 14,86 points behind
    assert status("20") is ObjectiveStatus.LATE  # 29,86 points behind
    strict = StatusThresholds(at_risk_gap=D(2), late_gap=D(4))
    assert status("45", thresholds=strict) is ObjectiveStatus.LATE


def test_an_overdue_phase_makes_the_objective_late():
    phases = [
        PhaseProgress(date(2024, 3, 31), actual_end=date(2024, 3, 30), label="a)"),
        PhaseProgress(date(2024, 6, 30), progress=D(80), label="b)"),
    ]
    result = objective_status(achievement=D(70), evaluation_date=JULY, phases=phases)
    assert result.status is ObjectiveStatus.LATE
    assert "b) (30/06/2024)" in result.explanation.text
    assert result.explanation.data["overdue_phases"] == ["b)"]


def test_phase_progress_stands_in_for_a_missing_achievement():
    phases = [
        PhaseProgress(date(2024, 3, 31), actual_end=date(2024, 3, 20)),  # counts 100
        PhaseProgress(date(2024, 12, 31), progress=D(10)),
    ]
    result = objective_status(achievement=None, evaluation_date=JULY, phases=phases)
    assert result.status is ObjectiveStatus.ON_TRACK  # mean 55 vs 49,86 expected
    assert "media delle fasi" in result.explanation.text


def test_no_progress_at_all_is_taken_as_zero_and_said():
    result = objective_status(achievement=None, evaluation_date=JULY)
    assert result.status is ObjectiveStatus.LATE
    assert "non rilevato" in result.explanation.text
    early = objective_status(achievement=None, evaluation_date=date(2024, 1, 20))
    assert early.status is ObjectiveStatus.ON_TRACK


def test_a_phase_due_soon_is_a_risk():
    phases = [PhaseProgress(date(2024, 7, 10), progress=D(40), label="c)")]
    result = objective_status(achievement=D(50), evaluation_date=JULY, phases=phases)
    assert result.status is ObjectiveStatus.AT_RISK
    assert "in scadenza" in result.explanation.text
    relaxed = StatusThresholds(due_soon_days=5)
    assert status("50", phases=phases, thresholds=relaxed) is ObjectiveStatus.ON_TRACK


def test_explanation_is_json_ready():
    payload = objective_status(achievement=D(35), evaluation_date=JULY).to_dict()
    assert payload["status"] == "at_risk"
    assert payload["explanation"]["data"]["expected_progress"] == "49.863014"
    assert payload["explanation"]["data"]["evaluation_date"] == "2024-07-01"


@PROPERTY
@given(decimals(0, 100), decimals(0, 100), st.integers(0, 364))
def test_more_progress_never_worsens_the_status(first, second, day):
    order = [
        ObjectiveStatus.NOT_ACHIEVED,
        ObjectiveStatus.LATE,
        ObjectiveStatus.AT_RISK,
        ObjectiveStatus.ON_TRACK,
        ObjectiveStatus.ACHIEVED,
    ]
    when = date(2024, 1, 1) + timedelta(days=day)
    low, high = sorted((first, second))
    assert order.index(status(low, when)) <= order.index(status(high, when))


@PROPERTY
@given(decimals(0, 99), st.integers(0, 364), st.integers(0, 364))
def test_time_passing_never_improves_the_status(achievement, first, second):
    order = [
        ObjectiveStatus.NOT_ACHIEVED,
        ObjectiveStatus.LATE,
        ObjectiveStatus.AT_RISK,
        ObjectiveStatus.ON_TRACK,
    ]
    early, late = sorted((first, second))
    start = date(2024, 1, 1)
    at_early = status(achievement, start + timedelta(days=early))
    at_late = status(achievement, start + timedelta(days=late))
    assert order.index(at_late) <= order.index(at_early)


days_of_2024 = st.dates(date(2024, 1, 1), date(2024, 12, 31))
phase_progress = st.builds(
    PhaseProgress,
    planned_end=st.none() | days_of_2024,
    actual_end=st.none() | days_of_2024,
    progress=st.none() | decimals(0, 120),
    label=st.sampled_from(["", "Fase 1", "Collaudo"]),
)


@PROPERTY
@given(
    st.none() | decimals(0, 120),
    days_of_2024,
    st.none() | days_of_2024,
    st.lists(phase_progress, max_size=4),
    st.none() | st.just(date(2024, 1, 1)),
    st.builds(
        StatusThresholds,
        achieved=decimals(50, 100),
        at_risk_gap=decimals(0, 20),
        late_gap=decimals(20, 50),
        due_soon_days=st.integers(0, 30),
    ),
)
def test_a_status_written_when_read_is_the_one_written_at_once(
    achievement, evaluation_date, deadline, phases, period_start, thresholds
):
    def result():
        return objective_status(
            achievement=achievement,
            evaluation_date=evaluation_date,
            deadline=deadline,
            phases=phases,
            period_start=period_start,
            thresholds=thresholds,
        )

    with written_at_once():
        at_once = result()
    later = result()
    with localcontext(Context(prec=3, rounding=ROUND_DOWN, traps=[])):
        text = later.explanation.text
    assert text == at_once.explanation.text
    assert later == at_once
    assert later.to_dict() == at_once.to_dict()
