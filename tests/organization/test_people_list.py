"""The people list: paged, searchable, filters kept in the URL, and a page that costs the same
with 20 or 25,000 people (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from organization.models import Assignment
from organization.selectors import PEOPLE_PAGE_SIZE
from tests.organization.builders import add_staff, add_unit

pytestmark = pytest.mark.django_db

URL = reverse("organization:people")


def _client(enter, user, ente):
    client = enter(user, ente)
    client.get(URL)  # the first request of a session also writes its login time
    return client


def _get(client, django_assert_max_num_queries, expected=8, **params) -> str:
    # session, user, ente, membership + units for the filter, count, page, units of its people
    with django_assert_max_num_queries(expected):
        response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_is_paged_and_costs_the_same_whatever_the_size(
    enter, world, django_assert_max_num_queries
):
    client = _client(enter, world.users["giunta"], world.ente)
    small = _get(client, django_assert_max_num_queries)
    assert "Verdi Luca" in small and "hx-boost" not in small  # one page: no page links
    for number in range(3 * PEOPLE_PAGE_SIZE):
        add_staff(world.service, f"p{number:03d}")
    large = _get(client, django_assert_max_num_queries)
    assert large.count('<th scope="row">') == PEOPLE_PAGE_SIZE
    assert "153 persone · pagina 1 di 4" in large
    assert 'aria-label="Pagine dell\'elenco delle persone"' in large
    # A page of 50 rows, whatever the number of people: the size is bounded by the page.
    assert len(large) < len(small) + PEOPLE_PAGE_SIZE * 400
    last = _get(client, django_assert_max_num_queries, pagina=4)
    assert last.count('<th scope="row">') == 153 - 3 * PEOPLE_PAGE_SIZE
    assert _get(client, django_assert_max_num_queries, pagina="x").count('<th scope="row">') == 50


def test_search_matches_every_word_on_names_email_or_key(
    enter, world, django_assert_max_num_queries
):
    client = _client(enter, world.users["giunta"], world.ente)
    body = _get(client, django_assert_max_num_queries, q="luca verdi")
    assert "Verdi Luca" in body and "Bianchi" not in body and "1 persona trovata" in body
    body = _get(client, django_assert_max_num_queries, q="nessuno-così")
    assert "Nessuna persona corrisponde ai filtri." in body
    assert "Gialli" not in _get(client, django_assert_max_num_queries, q="gialli")  # other ente


def test_filters_stay_in_the_page_links(enter, world, django_assert_max_num_queries):
    for number in range(PEOPLE_PAGE_SIZE + 1):
        add_staff(world.service, f"p{number:03d}")
    client = _client(enter, world.users["giunta"], world.ente)
    body = _get(client, django_assert_max_num_queries, q="demo", assegnazione="in-servizio")
    assert "?q=demo&amp;assegnazione=in-servizio&amp;pagina=2" in body
    assert 'value="demo"' in body and 'value="in-servizio" selected' in body


def test_unit_filter_takes_the_units_below(enter, world, django_assert_max_num_queries):
    client = _client(enter, world.users["giunta"], world.ente)
    # units for the filter, units for the subtree, count, page, units of its people
    body = _get(client, django_assert_max_num_queries, 9, unita=world.service.pk)
    assert body.count('<th scope="row">') == 2  # the service's clerk and the office's lent
    body = _get(client, django_assert_max_num_queries, 9, unita=world.office.pk)
    assert body.count('<th scope="row">') == 1
    foreign = _get(client, django_assert_max_num_queries, 9, unita=world.other_unit.pk)
    assert "Nessuna persona corrisponde ai filtri." in foreign and "Gialli" not in foreign


def test_assignment_filter(enter, world, django_assert_max_num_queries):
    Assignment.objects.filter(pk=world.clerk_assignment.pk).update(end_date=dt.date(2021, 1, 1))
    add_unit(world.ente, "vuoto")
    client = _client(enter, world.users["giunta"], world.ente)
    body = _get(client, django_assert_max_num_queries, assegnazione="senza-assegnazione")
    assert "Verdi Luca" in body and body.count('<th scope="row">') == 1
    body = _get(client, django_assert_max_num_queries, assegnazione="in-servizio")
    assert "Verdi Luca" not in body
    everyone = _get(client, django_assert_max_num_queries, assegnazione="altro")  # ignored
    assert "Verdi Luca" in everyone


def test_htmx_gets_only_the_results(enter, world):
    client = _client(enter, world.users["giunta"], world.ente)
    response = client.get(URL, {"q": "verdi"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Verdi Luca" in body and "<html" not in body and "<form" not in body
    assert "HX-Request" in response["Vary"]
    restore = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()
