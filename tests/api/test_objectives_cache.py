"""A page of the API list of objectives is serialised once per data version of the ente: never
stale after a write, never another ente's, and the access check runs at every request.

These tests commit (transactional database): inside a writing transaction nothing is cached.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import MembershipRole
from core import pagecache
from tests.api.test_api import _cycle_with_objectives

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _nothing_cached():
    pagecache.clear()
    yield
    pagecache.clear()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _get(client, cycle, query: str = ""):
    return client.get(reverse("api:objectives", args=[cycle.pk]) + query)


def test_a_second_read_reuses_the_page_and_returns_the_same(make_ente, make_user):
    ente = make_ente("ente-a")
    user = make_user("utente.a", ente=ente, role=MembershipRole.GIUNTA)
    cycle = _cycle_with_objectives(ente, 3)
    client = _client(user)
    first = _get(client, cycle).json()
    hits = pagecache.stats["hits"]
    assert _get(client, cycle).json() == first
    assert pagecache.stats["hits"] == hits + 1
    pagecache.clear()
    assert _get(client, cycle).json() == first
    # Another page is another entry, with its own links.
    second = _get(client, cycle, "?limit=2&offset=2").json()
    assert [row["key"] for row in second["results"]] == ["obj-2"]
    assert second["next"] is None and "offset" not in second["previous"]


def test_a_write_makes_the_next_read_fresh(make_ente, make_user):
    ente = make_ente("ente-a")
    user = make_user("utente.a", ente=ente, role=MembershipRole.GIUNTA)
    cycle = _cycle_with_objectives(ente, 2)
    client = _client(user)
    assert _get(client, cycle).json()["results"][0]["title"] == "Obiettivo 0"
    objective = cycle.operational_objectives.get(key="obj-0")
    objective.title = "Obiettivo rinominato"
    objective.save()
    assert _get(client, cycle).json()["results"][0]["title"] == "Obiettivo rinominato"


def test_a_cached_page_is_not_given_to_another_entes_user(make_ente, make_user):
    ente_a, ente_b = make_ente("ente-a"), make_ente("ente-b")
    user_a = make_user("utente.a", ente=ente_a, role=MembershipRole.GIUNTA)
    user_b = make_user("utente.b", ente=ente_b, role=MembershipRole.ADMIN)
    cycle_a = _cycle_with_objectives(ente_a, 2)
    cycle_b = _cycle_with_objectives(ente_b, 1)
    assert _get(_client(user_a), cycle_a).status_code == 200  # cached now
    assert _get(_client(user_b), cycle_a).status_code == 404
    own = _get(_client(user_b), cycle_b).json()["results"]
    assert [row["key"] for row in own] == ["obj-0"] and own[0]["id"] != cycle_a.pk


def test_a_bad_page_is_refused_even_when_a_good_one_is_cached(make_ente, make_user):
    ente = make_ente("ente-a")
    user = make_user("utente.a", ente=ente, role=MembershipRole.GIUNTA)
    cycle = _cycle_with_objectives(ente, 1)
    client = _client(user)
    assert _get(client, cycle).status_code == 200
    assert _get(client, cycle, "?limit=abc").status_code == 400
