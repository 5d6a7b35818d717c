"""The plan tree (and its filter menus) built once per data version of the ente and per filters
(`core.pagecache`, issue 12 §5): the same page as built afresh, fresh after a write, per filters,
never another ente's. These tests commit (transactional database): inside a writing transaction
nothing is cached."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core import pagecache
from planning import selectors, services

pytestmark = pytest.mark.django_db(transaction=True)
URL = reverse("planning:tree")
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


@pytest.fixture(autouse=True)
def _nothing_cached():
    pagecache.clear()
    yield
    pagecache.clear()


def _page(client, **params) -> str:
    response = client.get(URL, {"anno": 2025, **params})
    assert response.status_code == 200
    return CSRF_TOKEN.sub("<csrf>", response.content.decode())


def _fresh(client, **params) -> str:
    pagecache.clear()
    return _page(client, **params)


def test_a_second_visit_reuses_the_tree_and_shows_the_same_page(plan, enter, monkeypatch):
    client = enter(plan.users.admin, plan.ente)
    first = _page(client)
    built = []
    real = selectors.plan_tree
    monkeypatch.setattr(selectors, "plan_tree", lambda *a, **k: built.append(1) or real(*a, **k))
    assert _page(client) == first and built == []  # not built again
    assert _fresh(client) == first and built == [1]
    filtered = _page(client, q="verbali")
    assert filtered != first and built == [1, 1]  # other filters, another tree
    assert filtered == _fresh(client, q="verbali")


def test_a_service_write_makes_the_next_tree_fresh(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    before = _page(client)
    assert "Controlli straordinari" not in before
    services.objective_create(
        user=plan.users.admin, cycle=plan.cycle,
        data={"title": "Controlli straordinari", "unit": plan.pl, "kind": "sviluppo"},
    )  # fmt: skip
    after = _page(client)
    assert "Controlli straordinari" in after and after == _fresh(client)


def test_a_direct_save_of_a_shown_unit_makes_the_next_tree_fresh(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    assert "Polizia Locale" in _page(client)
    plan.pl.name = "Corpo di Polizia Municipale"
    plan.pl.save()
    after = _page(client)
    assert "Corpo di Polizia Municipale" in after and after == _fresh(client)


def test_another_entes_reader_never_gets_this_entes_tree(plan, enter, make_ente, make_user):
    from planning.models import Cycle

    other = make_ente("altro-ente", name="Comune di Altrove")
    Cycle.objects.create(ente=other, year=2025, first_year=2025, last_year=2027, title="Altrove")
    mine = _page(enter(plan.users.admin, plan.ente))
    assert "Polizia Locale" in mine
    theirs = _page(enter(make_user("altrove-admin", other, "admin"), other))
    assert "Polizia Locale" not in theirs


def test_the_kept_results_follow_what_each_reader_may_do(plan, enter):
    # The results are kept as written HTML: the «Modifica» links of whoever may change the
    # structure must never reach a reader who may not, whichever of the two comes first.
    from planning.models import OperationalObjective, StrategicArea, StrategicObjective

    area = StrategicArea.objects.create(cycle=plan.cycle, key="sicurezza", name="Sicurezza")
    strategic = StrategicObjective.objects.create(
        cycle=plan.cycle, key="presidio", title="Presidio del territorio", area=area
    )
    OperationalObjective.objects.filter(cycle=plan.cycle).update(strategic_objective=strategic)
    pagecache.clear()
    assert "Modifica area" not in _page(enter(plan.users.giunta, plan.ente))
    assert "Modifica area" in _page(enter(plan.users.admin, plan.ente))
    again = _page(enter(plan.users.giunta, plan.ente))  # after the admin's copy was kept
    assert "Modifica area" not in again and "Presidio del territorio" in again
