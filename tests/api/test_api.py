from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import MembershipRole
from organization.models import Unit, UnitKind
from planning.models import Cycle, Indicator, IndicatorScope, OperationalObjective, Target


def _cycle_with_objectives(ente, count: int) -> Cycle:
    cycle = Cycle.objects.create(
        ente=ente, year=2024, first_year=2024, last_year=2026, title=f"PIAO {ente.slug}"
    )
    unit = Unit.objects.create(ente=ente, key="pl", kind=UnitKind.AREA, name="Polizia Locale")
    for n in range(count):
        objective = OperationalObjective.objects.create(
            cycle=cycle, key=f"obj-{n}", title=f"Obiettivo {n}", unit=unit, weight=Decimal("10")
        )
        indicator = Indicator.objects.create(
            cycle=cycle,
            key=f"ind-{n}",
            scope=IndicatorScope.OBJECTIVE,
            objective=objective,
            name=f"Indicatore {n}",
        )
        Target.objects.create(indicator=indicator, year=2024, kind="gte", value=Decimal("30"))
    return cycle


@pytest.fixture
def two_enti(make_ente, make_user):
    ente_a = make_ente("ente-a")
    ente_b = make_ente("ente-b")
    user_a = make_user("utente.a", ente=ente_a, role=MembershipRole.GIUNTA)
    return ente_a, ente_b, user_a


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused(db):
    response = APIClient().get(reverse("api:cycles"))
    assert response.status_code in (401, 403)


def test_cycles_of_other_enti_are_invisible(two_enti):
    ente_a, ente_b, user_a = two_enti
    own = _cycle_with_objectives(ente_a, 1)
    foreign = _cycle_with_objectives(ente_b, 1)
    client = _client(user_a)

    listed = client.get(reverse("api:cycles")).json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert client.get(reverse("api:cycle", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("api:objectives", args=[foreign.pk])).status_code == 404
    assert [e["slug"] for e in client.get(reverse("api:enti")).json()] == ["ente-a"]


def test_list_filters_outside_the_schema_are_refused_not_ignored(two_enti):
    ente_a, _, user_a = two_enti
    cycle = _cycle_with_objectives(ente_a, 1)
    client = _client(user_a)
    assert client.get(reverse("api:cycles"), {"ente": "ente-a"}).json()["count"] == 1
    refused = client.get(reverse("api:cycles"), {"ente": "ente a;"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_parameter" and "ente" in refused.json()["detail"]
    documents = reverse("api:documents", args=[cycle.pk])
    assert client.get(documents, {"kind": "piano"}).status_code == 200
    assert client.get(documents, {"file_format": "pdf"}).status_code == 200
    assert client.get(documents, {"file_format": "odt"}).status_code == 400


def test_objectives_carry_indicators_and_targets(two_enti):
    ente_a, _, user_a = two_enti
    cycle = _cycle_with_objectives(ente_a, 2)
    rows = _client(user_a).get(reverse("api:objectives", args=[cycle.pk])).json()["results"]
    assert [row["key"] for row in rows] == ["obj-0", "obj-1"]
    assert rows[0]["unit"] == "pl"
    assert rows[0]["indicators"][0]["targets"] == [
        {
            "year": 2024,
            "kind": "gte",
            "value": "30.0000",
            "value_to": None,
            "target_date": None,
            "text": "",
        }
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_objective_list_uses_constant_queries(two_enti, django_assert_max_num_queries, size):
    ente_a, _, user_a = two_enti
    cycle = _cycle_with_objectives(ente_a, size)
    client = _client(user_a)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("api:objectives", args=[cycle.pk]))
    assert response.status_code == 200
    assert response.json()["count"] == size


def test_platform_admin_reads_every_ente(two_enti, make_user):
    ente_a, ente_b, _ = two_enti
    _cycle_with_objectives(ente_b, 1)
    ict = make_user("ict", is_platform_admin=True)
    slugs = [e["slug"] for e in _client(ict).get(reverse("api:enti")).json()]
    assert slugs == ["ente-a", "ente-b"]


def test_openapi_schema_is_generated(two_enti):
    _, _, user_a = two_enti
    response = _client(user_a).get(reverse("api:schema"))
    assert response.status_code == 200
    assert b"/api/cicli/{id}/obiettivi/" in response.content
