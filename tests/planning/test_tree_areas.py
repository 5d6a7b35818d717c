"""The plan tree of an ente with many units (issue 12 §5): above TREE_BRANCH_LIMIT unit branches
the first screen lists the areas of the chart with their counts, and an area opened asks for its
unit branches (HTMX; a page of its own without JavaScript), the filters following it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organization.access import subtree_ids
from organization.models import Unit
from planning import selectors
from planning.models import Cycle, OperationalObjective
from tests.planning.test_tree_scale import _grow_ente, _grow_ente_area

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def many(plan, monkeypatch):
    """«Large» above 10 objectives, grouped by area above 6 unit branches; 3 areas of 4
    services added to Sorbara's (Polizia Locale with its office, Servizio finanziario)."""
    monkeypatch.setattr(selectors, "TREE_INLINE_LIMIT", 10)
    monkeypatch.setattr(selectors, "TREE_BRANCH_LIMIT", 6)
    _grow_ente(plan, 3, 4)
    return plan


def _counts_by_unit(plan, **filters) -> dict[int | None, int]:
    """The objectives without a strategic link per leading unit, counted one by one."""
    counts: dict[int | None, int] = {}
    objectives = OperationalObjective.objects.filter(
        cycle=plan.cycle, strategic_objective__isnull=True, **filters
    )
    for objective in objectives:
        counts[objective.unit_id] = counts.get(objective.unit_id, 0) + 1
    return counts


def _area_counts(plan, **filters) -> dict[int, int]:
    """The counts of `_counts_by_unit` added up by first-level unit, from a fresh walk."""
    units = list(Unit.objects.filter(ente=plan.ente))
    by_unit = _counts_by_unit(plan, **filters)
    totals = {}
    for area in (u for u in units if u.parent_id is None):
        total = sum(by_unit.get(pk, 0) for pk in subtree_ids(units, {area.pk}))
        if total:
            totals[area.pk] = total
    return totals


def _get(client, url, params=None, **headers) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"anno": 2025, **(params or {})}, **headers)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_first_screen_lists_the_areas_with_their_counts(many, enter):
    client = enter(many.users.admin, many.ente)
    tree = selectors.plan_tree(many.cycle)
    assert not tree.inline and tree.unlinked == []  # every objective has a unit here
    shown = {area.unit.pk: area.count for area in tree.unit_areas}
    assert shown == _area_counts(many)
    assert [area.branches for area in tree.unit_areas] == [
        len({pk for pk in _counts_by_unit(many) if pk in subtree_ids(
            list(Unit.objects.filter(ente=many.ente)), {area.unit.pk})})
        for area in tree.unit_areas
    ]  # fmt: skip
    _, body = _get(client, reverse("planning:tree"))
    assert body.count('hx-trigger="toggle once"') == len(shown)  # the areas, no unit branch
    first = tree.unit_areas[0]
    url = reverse("planning:tree_area_branch", args=[first.unit.pk])
    assert f'<div id="ramo-area-{first.unit.pk}"><a href="{url}?anno=2025">' in body
    assert "ramo-unita-" not in body


def test_a_small_number_of_branches_is_listed_as_before(plan, enter, monkeypatch):
    monkeypatch.setattr(selectors, "TREE_INLINE_LIMIT", 1)
    tree = selectors.plan_tree(plan.cycle)
    assert not tree.inline and tree.unit_areas == []
    assert {node.unit.pk: node.count for node in tree.unlinked} == _counts_by_unit(plan)


def test_an_area_opened_lists_its_unit_branches(many, enter):
    client = enter(many.users.dipendente, many.ente)
    area = Unit.objects.get(key="area-1")
    url = reverse("planning:tree_area_branch", args=[area.pk])
    _, partial = _get(client, url, **HTMX)
    services = Unit.objects.filter(parent=area).order_by("order", "id")
    anchors = re.findall(r'id="ramo-unita-(\d+)"', partial)
    assert [int(pk) for pk in anchors] == [s.pk for s in services]
    assert "<html" not in partial and "4 unità con obiettivi operativi" in partial
    assert "Area numero 1 › Servizio numero 2 dell&#x27;area 1" in partial
    # Without JavaScript: a page of its own, the branches' links to their own pages.
    _, page = _get(client, url)
    assert "<html" in page and "Torna al piano" in page
    branch = reverse("planning:tree_unit_branch", args=[services[0].pk])
    assert f'href="{branch}?anno=2025"' in page


def test_the_filters_follow_an_area_into_its_branches(many, enter):
    client = enter(many.users.dipendente, many.ente)
    service = Unit.objects.get(key="servizio-2-1")
    OperationalObjective.objects.create(
        cycle=many.cycle, key="extra", title="Riscossione coattiva", unit=service
    )
    area = Unit.objects.get(key="area-2")
    url = reverse("planning:tree_area_branch", args=[area.pk])
    _, partial = _get(client, url, {"q": "riscossione"}, **HTMX)
    assert re.findall(r'id="ramo-unita-(\d+)"', partial) == [str(service.pk)]
    assert "(1 obiettivo)" in partial and "q=riscossione" in partial
    # A filter that leaves few branches shows them at once, without the areas.
    tree = selectors.plan_tree(many.cycle, selectors.TreeFilters(area=area.pk))
    assert tree.unit_areas == []
    assert {node.unit.pk: node.count for node in tree.unlinked} == {
        pk: count for pk, count in _counts_by_unit(many).items()
        if pk in {area.pk, *Unit.objects.filter(parent=area).values_list("pk", flat=True)}
    }  # fmt: skip


def test_an_areas_queries_do_not_grow_with_its_units(many, enter, django_assert_max_num_queries):
    client = enter(many.users.dipendente, many.ente)
    area = Unit.objects.get(key="area-0")
    url = reverse("planning:tree_area_branch", args=[area.pk])
    _get(client, url, **HTMX)  # the session's first request reads more
    few, _ = _get(client, url, **HTMX)
    first, _ = _get(client, reverse("planning:tree"))
    for a in range(3, 6):
        _grow_ente_area(many, a, 12)
    bigger = Unit.objects.get(key="area-4")
    with django_assert_max_num_queries(few):
        _, partial = _get(client, reverse("planning:tree_area_branch", args=[bigger.pk]), **HTMX)
    assert partial.count('hx-trigger="toggle once"') == 12
    with django_assert_max_num_queries(first):
        _, body = _get(client, reverse("planning:tree"))
    assert body.count('hx-trigger="toggle once"') == len(_area_counts(many))


def test_another_entes_area_is_404(many, enter, make_ente, make_user):
    other = make_ente("altro-ente")
    Cycle.objects.create(ente=other, year=2025, first_year=2025, last_year=2027, title="PIAO")
    client = enter(make_user("altro-admin", other, "admin"), other)
    url = reverse("planning:tree_area_branch", args=[many.pl.pk])
    assert client.get(url, {"anno": 2025}, **HTMX).status_code == 404


def test_a_large_tree_warns_of_the_groups_that_do_not_add_up(many, enter):
    client = enter(many.users.admin, many.ente)
    _, body = _get(client, reverse("planning:tree"))
    assert "Pesi da verificare" not in body  # Sorbara's groups add up
    objective = OperationalObjective.objects.get(key="ob-0-0")
    objective.weight, objective.weight_group = 10, many.pl_group
    objective.save()
    _, body = _get(client, reverse("planning:tree"))
    flagged = selectors.flagged_weight_totals(many.cycle)
    assert [t.group.pk for t in flagged] == [many.pl_group.pk]
    assert "Pesi da verificare" in body
    assert f"Il gruppo «{many.pl_group.label}» totalizza 110" in body and "eccedono" in body
