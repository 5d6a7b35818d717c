"""Descriptive targets (e.g. «certificazione annuale del Nucleo»): the value entered is the
degree of achievement attested by whoever measures it, between 0 and 100."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import ServiceError
from measurement import services
from measurement.selectors import cycle_scores
from planning.models import TargetKind
from tests.measurement.conftest import add_indicator

YEAR_END = dt.date(2025, 12, 31)


@pytest.fixture
def certified(plan):
    return add_indicator(
        plan.cycle,
        "certificazione-tempi",
        target_kind=TargetKind.TEXT,
        objective=plan.fin_payment,
        name="Certificazione del rispetto dei tempi di pagamento",
    )


def _save(plan, indicator, value, **fields):
    return services.measurement_save(
        user=plan.users.admin,
        cycle=plan.cycle,
        indicator=indicator,
        period_kind="anno",
        period_end=YEAR_END,
        value=value,
        **fields,
    )


def test_the_attested_degree_must_be_a_percentage(plan, certified):
    with pytest.raises(ServiceError) as refused:
        _save(plan, certified, "120")
    assert refused.value.field == "value"
    assert "grado di raggiungimento attestato, tra 0 e 100 (non 120)" in refused.value.message


def test_a_partial_attestation_needs_the_reason_and_then_scores(plan, certified):
    with pytest.raises(ServiceError) as refused:
        _save(plan, certified, "80")
    assert refused.value.field == "deviation_note"
    _save(plan, certified, "80", deviation_note="Due fatture pagate oltre il termine.")
    board = cycle_scores(plan.cycle)
    score = board.scores.indicators[certified.key]
    assert score.display_percent == Decimal("80.00")
    assert "raggiungimento attestato 80,00\u00a0%" in score.explanation.text
