"""Computed indicators: the formula is validated when the indicator is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import MembershipRole
from core.exceptions import ServiceError
from organization.models import Parameter, Unit, UnitKind
from planning import services
from planning.models import Cycle


@pytest.fixture
def setting(make_ente, make_user):
    ente = make_ente("sismica")
    admin = make_user("segretario", ente=ente, role=MembershipRole.ADMIN)
    cycle = Cycle.objects.create(
        ente=ente, year=2024, first_year=2024, last_year=2026, title="PIAO 2024-2026"
    )
    unit = Unit.objects.create(ente=ente, key="sismica", kind=UnitKind.SERVICE, name="Sismica")
    for key in ("depositi_istruiti", "depositi_ricevuti_controllo"):
        Parameter.objects.create(unit=unit, key=key, name=key.replace("_", " "))
    return admin, cycle


def _create(admin, cycle, expression: str):
    return services.indicator_create(
        user=admin,
        cycle=cycle,
        data={
            "scope": "ente",
            "name": "Indicatore depositi [%]",
            "unit_of_measure": "%",
            "formula_expression": expression,
        },
    )


def test_a_valid_formula_makes_the_indicator_computed(setting):
    admin, cycle = setting
    indicator = _create(admin, cycle, " depositi_istruiti / depositi_ricevuti_controllo * 100 ")
    assert indicator.is_computed
    assert indicator.formula_expression == "depositi_istruiti / depositi_ricevuti_controllo * 100"


def test_an_unknown_name_is_refused_and_nothing_is_written(setting):
    admin, cycle = setting
    with pytest.raises(ServiceError) as refused:
        _create(admin, cycle, "depositi_istruiti / depositi_ricevuti * 100")
    assert refused.value.field == "formula_expression"
    assert "«depositi_ricevuti»" in refused.value.message
    assert not cycle.indicators.exists()


def test_a_constant_zero_divisor_and_a_syntax_error_are_refused(setting):
    admin, cycle = setting
    with pytest.raises(ServiceError, match="zero"):
        _create(admin, cycle, "depositi_istruiti / 0")
    with pytest.raises(ServiceError, match="Formula non valida"):
        _create(admin, cycle, "(depositi_istruiti * 100")


def test_an_indicator_cannot_compute_itself(setting):
    admin, cycle = setting
    indicator = _create(admin, cycle, "")
    assert not indicator.is_computed
    with pytest.raises(ServiceError, match="stesso"):
        services.indicator_update(
            user=admin,
            indicator=indicator,
            data={"formula_expression": f"{indicator.key.replace('-', '_')} * 2"},
        )
    indicator.refresh_from_db()
    assert indicator.formula_expression == ""
    assert indicator.baseline_value is None or isinstance(indicator.baseline_value, Decimal)
