"""The OpenAPI schema tells the truth: schemathesis drives every read endpoint with a token,
bounded examples; errors are JSON; malformed pagination is refused."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.urls import reverse
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from integrations.models import Scope
from integrations.services import token_create
from planning.models import Cycle, Indicator, OperationalObjective, Target

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def token(make_ente, settings):
    settings.PERFORMA_API_RATE = "100000/min"
    ente = make_ente("schema")
    cycle = Cycle.objects.create(ente=ente, year=2025, first_year=2025, last_year=2027)
    objective = OperationalObjective.objects.create(cycle=cycle, key="o", title="Senza unità")
    indicator = Indicator.objects.create(cycle=cycle, key="i", objective=objective, name="I")
    Target.objects.create(indicator=indicator, year=2025, kind="gte", value=1)
    _, text = token_create(user=None, ente=ente, name="Schema", scopes=[Scope.READ])
    return text


@schema.include(method="GET").exclude(path="/api/schema/").parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_read_endpoints_answer_as_their_schema_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def client(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.mark.parametrize(
    "query", ["limit=abc", "limit=-1", "offset=-5", "limit=0", "limit=99999", "offset=1e3"]
)
def test_malformed_pagination_is_refused(client, query):
    response = client.get(f"{reverse('api:cycles')}?{query}")
    assert response.status_code == 400
    assert response.json()


def test_unknown_api_urls_answer_json_404(client):
    response = client.get("/api/non-esiste/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(reverse("api:cycle", args=[999999])).json()["detail"]


def test_the_schema_says_which_links_may_be_empty(client):
    document = json.loads(client.get(reverse("api:schema") + "?format=json").content)
    objective = document["components"]["schemas"]["Objective"]["properties"]
    for name in ("unit", "weight_group", "strategic_objective"):
        assert objective[name].get("nullable") is True, name
    rows = client.get(reverse("api:objectives", args=[Cycle.objects.get().pk])).json()["results"]
    assert rows[0]["unit"] is None  # and the API indeed answers null
    answers = document["paths"]["/api/cicli/{id}/"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(answers)
