"""Scoring loads only the measurements it reads (issue 12): the latest value of each indicator,
chosen in SQL, and the series of what formulas name. The scores must be exactly those of the
old loading, which read every measurement up to the as-of date and let the last one win."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks import runner
from core.collector import collector_paused
from measurement import selectors
from measurement.models import Measurement, MonitoringWindow
from tests.measurement.conftest import store

pytestmark = pytest.mark.django_db


def _every_value(monkeypatch):
    """Load as before: every measurement up to the as-of date."""
    values = selectors._values

    def every(cycle, cutoff, indicators, parameters, every_value):
        return values(cycle, cutoff, indicators, parameters, True)

    monkeypatch.setattr(selectors, "_values", every)


def _boards(cycle, monkeypatch, window=None):
    today = dt.date(2026, 2, 1)
    new = selectors.compute_cycle_scores(cycle, window=window, today=today)
    with monkeypatch.context() as patch:
        _every_value(patch)
        old = selectors.compute_cycle_scores(cycle, window=window, today=today)
    return new, old


def _assert_same(new, old):
    assert new.to_dict() == old.to_dict()
    assert new.rows() == old.rows()
    for entry in old.indicators:
        again = new.indicator(entry.indicator.pk)
        assert (again.value, again.period_end, again.completed_on) == (
            entry.value,
            entry.period_end,
            entry.completed_on,
        )


@pytest.fixture
def series(plan):
    """Several values per indicator and parameter, some periods without a value."""
    c = plan.cycle
    days = [dt.date(2025, 3, 31), dt.date(2025, 6, 30), dt.date(2025, 9, 30), dt.date(2025, 12, 31)]
    for n, day in enumerate(days):
        store(plan.pl_days, cycle=c, day=day, value=str(40 - 4 * n))
        store(plan.controls, cycle=c, day=day, value=str(10 + 5 * n))
        if n != 2:  # the formula must fall back to the latest period with both inputs
            store(parameter=plan.handled, cycle=c, day=day, value=str(20 + 15 * n))
        store(parameter=plan.received, cycle=c, day=day, value=str(30 + 25 * n))
    store(plan.fin_days, cycle=c, day=days[0], value="50")
    store(plan.fin_days, cycle=c, day=days[1])  # the latest value of this one is empty
    store(plan.squads, cycle=c, day=days[1], completed_on=dt.date(2025, 6, 20))
    for n, day in enumerate(days):
        MonitoringWindow.objects.create(
            cycle=c, key=f"m{n}", label=f"Monitoraggio {n + 1}", period_end=day
        )
    return plan


def test_the_board_is_the_one_of_every_value_at_each_window(series, monkeypatch):
    cycle = series.cycle
    for window in [None, *MonitoringWindow.objects.filter(cycle=cycle).order_by("period_end")]:
        new, old = _boards(cycle, monkeypatch, window)
        _assert_same(new, old)
    deposits = new.indicator(series.deposits.pk)
    assert deposits.formula is not None and deposits.formula.value is not None


def test_only_the_latest_value_of_each_indicator_and_the_series_of_formulas_are_loaded(series):
    cycle, cutoff = series.cycle, dt.date(2025, 12, 31)
    plan = selectors._load(cycle, cutoff)
    every = selectors._load(cycle, cutoff, every_value=True)
    assert len(every.measurements) == Measurement.objects.filter(cycle=cycle).count()
    latest = {}
    for row in Measurement.objects.filter(cycle=cycle).order_by("period_end", "id"):
        if row.indicator_id is not None:
            latest[row.indicator_id] = row.pk
    loaded = {row.id for row in plan.measurements}
    parameters = {row.id for row in every.measurements if row.parameter_id is not None}
    assert loaded == set(latest.values()) | parameters
    assert selectors._latest_values(plan) == selectors._latest_values(every)
    assert plan.measurements == sorted(plan.measurements, key=lambda r: (r.period_end, r.id))


def test_a_synthetic_ente_scores_the_same_as_with_every_value(monkeypatch):
    cycle = runner.ensure_ente("small", 1)
    windows = list(MonitoringWindow.objects.filter(cycle=cycle).order_by("period_end"))
    assert len(windows) == 4
    for window in [None, *windows]:
        new, old = _boards(cycle, monkeypatch, window)
        _assert_same(new, old)


def test_the_cycle_collector_is_paused_while_a_board_is_built_and_restored_after(plan, monkeypatch):
    import gc

    seen = []
    compute = selectors._compute_cycle_scores

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        with collector_paused():  # nested pauses share one
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        return compute(*args, **kwargs)

    monkeypatch.setattr(selectors, "_compute_cycle_scores", spy)
    assert gc.isenabled()
    selectors.compute_cycle_scores(plan.cycle)
    assert seen == [False, False, False]
    assert gc.isenabled()
    gc.disable()
    try:
        selectors.compute_cycle_scores(plan.cycle)
        assert not gc.isenabled()  # a collector the caller turned off stays off
    finally:
        gc.enable()
    monkeypatch.setattr(selectors, "_compute_cycle_scores", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        selectors.compute_cycle_scores(plan.cycle)
    assert gc.isenabled()
