"""The plan tree of a large plan: branches with their counts, each branch's objectives on
demand a page at a time, and a first screen independent of the number of objectives
(issue 15). A small plan stays expanded inline (tests/planning/test_tree_page.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import selectors
from planning.models import Cycle, OperationalObjective, StrategicArea, StrategicObjective

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def large(plan, monkeypatch):
    """The Sorbara plan with a strategic objective; «large» above 10 objectives here."""
    monkeypatch.setattr(selectors, "TREE_INLINE_LIMIT", 10)
    area = StrategicArea.objects.create(cycle=plan.cycle, key="area-sicurezza", name="Sicurezza")
    plan.strategic = StrategicObjective.objects.create(
        cycle=plan.cycle, key="so-sicurezza", area=area, title="Città sicura"
    )
    return plan


def _add(plan, count: int, *, strategic=None, unit=None, prefix="Controllo") -> None:
    start = OperationalObjective.objects.filter(cycle=plan.cycle).count()
    OperationalObjective.objects.bulk_create(
        OperationalObjective(
            cycle=plan.cycle,
            key=f"ob-{start + n}",
            title=f"{prefix} numero {start + n}",
            unit=unit or plan.pl,
            strategic_objective=strategic,
            order=100 + start + n,
        )
        for n in range(count)
    )


def _first_screen(client) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("planning:tree"), {"anno": 2025})
    assert response.status_code == 200
    return len(queries), len(response.content), response.content.decode()


def test_first_screen_does_not_grow_with_the_objectives(large, enter):
    client = enter(large.users.dipendente, large.ente)
    _add(large, 15, strategic=large.strategic)
    _add(large, 15)
    _first_screen(client)  # the first request of a session reads more (session, user)
    small_queries, small_size, body = _first_screen(client)
    assert "34 obiettivi operativi. Apri un ramo per vederne gli obiettivi." in body
    assert "Obiettivi operativi collegati (15)" in body
    assert "Controllo numero" not in body  # the objectives wait for their branch to open
    _add(large, 30, strategic=large.strategic)
    _add(large, 30)
    large_queries, large_size, body = _first_screen(client)
    assert "94 obiettivi operativi." in body and "Obiettivi operativi collegati (45)" in body
    assert large_queries == small_queries
    assert large_size == small_size  # same digits in the counts: the very same page size


def test_a_branch_loads_on_demand_with_aria_and_a_link_without_javascript(large, enter):
    client = enter(large.users.dipendente, large.ente)
    _add(large, 12, strategic=large.strategic)
    _, _, body = _first_screen(client)
    url = reverse("planning:tree_strategic_branch", args=[large.strategic.pk])
    target = f"ramo-strategico-{large.strategic.pk}"
    assert f'hx-get="{url}?anno=2025" hx-trigger="toggle once" hx-target="#{target}"' in body
    assert f'<div id="{target}"><a href="{url}?anno=2025">Apri gli obiettivi' in body
    unit_url = reverse("planning:tree_unit_branch", args=[large.finanze.pk])
    assert f'hx-get="{unit_url}?anno=2025"' in body

    partial = client.get(url, {"anno": 2025}, **HTMX).content.decode()
    assert "<html" not in partial
    assert '<p class="small mb-1" role="status">12 obiettivi operativi</p>' in partial
    assert 'aria-label="Obiettivi operativi dell&#x27;obiettivo strategico Città sicura"' in partial
    assert partial.count("Controllo numero") == 12

    page = client.get(url, {"anno": 2025}).content.decode()
    assert "<html" in page and "<h1" in page and "Torna al piano" in page
    assert page.count("Controllo numero") == 12

    finanze = client.get(unit_url, {"anno": 2025}, **HTMX).content.decode()
    assert "Bilancio di previsione 2026-2028" in finanze and "Controllo numero" not in finanze


def test_a_long_branch_comes_a_page_at_a_time(large, enter, monkeypatch):
    monkeypatch.setattr(selectors, "TREE_PAGE_SIZE", 5)
    client = enter(large.users.dipendente, large.ente)
    _add(large, 12, unit=large.finanze)
    url = reverse("planning:tree_unit_branch", args=[large.finanze.pk])
    first = client.get(url, {"anno": 2025}, **HTMX).content.decode()
    assert "14 obiettivi operativi · pagina 1 di 3" in first
    assert first.count('<li class="mb-2">') == 5
    assert f'hx-target="#ramo-unita-{large.finanze.pk}"' in first  # the pages stay in place
    assert f'href="{url}?anno=2025&amp;pagina=3"' in first
    last = client.get(url, {"anno": 2025, "pagina": 3}, **HTMX).content.decode()
    assert last.count('<li class="mb-2">') == 4 and "pagina 3 di 3" in last


def test_the_filters_follow_the_tree_into_its_branches(large, enter):
    client = enter(large.users.dipendente, large.ente)
    _add(large, 8, strategic=large.strategic)
    _add(large, 8, strategic=large.strategic, prefix="Pattuglia")
    response = client.get(reverse("planning:tree"), {"anno": 2025, "q": "pattuglia"})
    body = response.content.decode()
    # Eight matches: under the limit, the search shows them inline.
    assert "8 obiettivi operativi corrispondono ai filtri." in body
    assert body.count("Pattuglia numero") == 8 and "Controllo numero" not in body

    _add(large, 8, strategic=large.strategic, prefix="Pattuglia")
    body = client.get(reverse("planning:tree"), {"anno": 2025, "q": "pattuglia"}).content.decode()
    assert "16 obiettivi operativi corrispondono ai filtri." in body
    url = reverse("planning:tree_strategic_branch", args=[large.strategic.pk])
    assert f'hx-get="{url}?anno=2025&amp;q=pattuglia"' in body
    branch = client.get(url, {"anno": 2025, "q": "pattuglia"}, **HTMX).content.decode()
    assert branch.count("Pattuglia numero") == 16 and "Controllo numero" not in branch


def test_another_entes_branches_are_404(large, enter, make_ente, make_user):
    other = make_ente("altro-ente")
    Cycle.objects.create(ente=other, year=2025, first_year=2025, last_year=2027, title="PIAO")
    client = enter(make_user("altro-admin", other, "admin"), other)
    strategic = reverse("planning:tree_strategic_branch", args=[large.strategic.pk])
    unit = reverse("planning:tree_unit_branch", args=[large.pl.pk])
    assert client.get(strategic, {"anno": 2025}, **HTMX).status_code == 404
    assert client.get(unit, {"anno": 2025}, **HTMX).status_code == 404
    # Its own branch without a unit answers, and shows none of Sorbara's objectives.
    own = client.get(reverse("planning:tree_no_unit_branch"), {"anno": 2025}, **HTMX)
    assert own.status_code == 200 and "0 obiettivi operativi" in own.content.decode()
