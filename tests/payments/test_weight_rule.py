"""DL 13/2023 art. 4-bis: a payment-time objective weighs at least 30 % of the results."""

from __future__ import annotations

import pytest

from core.exceptions import ServiceError
from planning import services
from planning.models import Cycle, WeightGroup, WeightGroupKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(make_ente):
    ente = make_ente("comune-pesi")
    return Cycle.objects.create(ente=ente, year=2024, first_year=2024, last_year=2026, title="PIAO")


def group(cycle, key, total, share=None, kind=WeightGroupKind.RESPONSIBLE):
    return WeightGroup.objects.create(
        cycle=cycle, key=key, kind=kind, label=key, expected_total=total, scheme_share=share
    )


def test_a_lower_weight_is_refused_with_the_legal_reason(cycle):
    whole = group(cycle, "comandante", 100)
    with pytest.raises(ServiceError) as error:
        services.objective_create(
            user=None,
            cycle=cycle,
            data={
                "title": "Rispetto dei tempi di pagamento",
                "is_payment_time": True,
                "weight_group": whole,
                "weight": "20",
            },
        )
    assert error.value.field == "weight"
    assert "DL 13/2023" in error.value.message and "almeno il 30\u00a0%" in error.value.message
    objective = services.objective_create(
        user=None,
        cycle=cycle,
        data={"title": "Tempi", "is_payment_time": True, "weight_group": whole, "weight": "30"},
    )
    with pytest.raises(ServiceError, match="4-bis"):
        services.objective_update(user=None, objective=objective, data={"weight": "29,99"})


def test_a_separate_payment_time_share_counts_as_the_group_share(cycle):
    share = group(cycle, "tempi", 30, share=30, kind=WeightGroupKind.PAYMENT_TIME)
    objective = services.objective_create(
        user=None,
        cycle=cycle,
        data={"title": "Tempi", "is_payment_time": True, "weight_group": share, "weight": "30"},
    )
    assert services.payment_time_share(objective) == 30
    with pytest.raises(ServiceError, match="DL 13/2023"):
        services.weight_group_update(user=None, group=share, data={"scheme_share": "25"})


def test_other_objectives_and_older_plans_are_not_concerned(cycle, make_ente):
    whole = group(cycle, "servizio", 100)
    services.objective_create(
        user=None, cycle=cycle, data={"title": "Altro", "weight_group": whole, "weight": "10"}
    )
    old = Cycle.objects.create(
        ente=make_ente("comune-2021"), year=2021, first_year=2021, last_year=2023, title="Piano"
    )
    services.objective_create(
        user=None,
        cycle=old,
        data={"title": "Tempi", "is_payment_time": True, "weight": "10"},
    )
