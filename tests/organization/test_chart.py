"""The organisation chart: content, tree order, people on demand a page at a time, and a query
count and a first screen independent of the number of people (issue 15)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from organization.models import Assignment, AssignmentKind, UnitKind
from organization.selectors import STAFF_PAGE_SIZE, org_chart, unit_staff_page
from tests.organization.builders import add_staff, add_unit

pytestmark = pytest.mark.django_db


def test_chart_tree(world):
    chart = org_chart(world.ente)
    assert [node.unit for node in chart.roots] == [world.area]
    service = chart.roots[0].children[0]
    assert service.unit == world.service
    assert [child.unit for child in service.children] == [world.office]
    assert chart.unit_count == 3 and chart.people_count == 3 and chart.lent_count == 1
    assert chart.roots[0].people_in_subtree == 3
    assert service.children[0].staff_count == 1
    office_row = unit_staff_page(world.office, 1).object_list[0]
    assert office_row.person == world.lent and office_row.is_lent
    assert office_row.employment.employer_name == "Comune di Alfa"


def test_ended_assignments_leave_the_chart(world):
    Assignment.objects.filter(pk=world.clerk_assignment.pk).update(end_date=dt.date(2021, 1, 1))
    chart = org_chart(world.ente)
    assert chart.people_count == 2 and chart.unassigned_count == 1
    assert unit_staff_page(world.service, 1).paginator.count == 0


def _staff_html(client, unit, **params) -> str:
    """The staff of a unit as the chart loads it with HTMX."""
    url = reverse("organization:unit_staff", args=[unit.pk])
    response = client.get(url, params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_chart_page_shows_units_and_people(enter, world):
    client = enter(world.users["dipendente"], world.ente)
    body = client.get(reverse("organization:chart")).content.decode()
    assert "[AG01]" in body and "[PM01]" in body and "[---]" in body
    assert "Area / Settore" in body and "Ufficio" in body
    assert "dott.ssa Anna Bianchi" in body  # responsible as a person link
    assert "Comandante (come scritto)" in body  # responsible as written
    assert "Assessore: Assessore Uno" in body
    assert "di cui 1 da altri enti" in body
    assert 'aria-label="Sottounità di Area amministrativa"' in body
    # People are not on the chart: each unit offers its staff on demand.
    assert "Luca Verdi" not in body
    staff_url = reverse("organization:unit_staff", args=[world.service.pk])
    assert f'hx-get="{staff_url}"' in body and f'href="{staff_url}"' in body
    staff = "".join(_staff_html(client, unit) for unit in (world.area, world.service, world.office))
    assert "Luca Verdi</a>, Agente" in staff and "cat. C" in staff
    assert "part-time 66,67\u00a0%" in staff
    assert "Utilizzo in convenzione · 9 h/sett. · da Comune di Alfa" in staff
    for text in (body, staff):
        assert world.other_unit.name not in text and "Gialli" not in text
        # Personal data never appear on the chart, not even for the person concerned.
        assert "VRDLCU85B12D150Y" not in text and "maternità" not in text


def test_unassigned_people_are_counted_and_linked_to_the_filtered_list(enter, world):
    Assignment.objects.filter(pk=world.clerk_assignment.pk).update(end_date=dt.date(2021, 1, 1))
    body = enter(world.users["admin"], world.ente).get(reverse("organization:chart"))
    text = body.content.decode()
    assert "1 persona senza assegnazione in corso" in text
    assert "?assegnazione=senza-assegnazione" in text and "Luca Verdi" not in text


def _grow(world, areas: int) -> None:
    """Add `areas` areas, each with two services, staff in convention and part-time."""
    for number in range(areas):
        area = add_unit(world.ente, f"area-{number}", kind=UnitKind.AREA, peg_code=f"AR{number}")
        for sub in range(2):
            service = add_unit(world.ente, f"s-{number}-{sub}", parent=area, responsible=world.boss)
            add_staff(service, f"p-{number}-{sub}")
            add_staff(
                service,
                f"c-{number}-{sub}",
                kind=AssignmentKind.CONVENTION,
                source_ente_name="Comune di Beta",
                hours_per_week=Decimal("6"),
            )


def _chart(client, django_assert_num_queries, expected: int) -> str:
    with django_assert_num_queries(expected):
        response = client.get(reverse("organization:chart"))
    assert response.status_code == 200
    return response.content.decode()


def test_chart_query_count_is_independent_of_size(enter, world, django_assert_num_queries):
    client = enter(world.users["giunta"], world.ente)
    # session, user, ente, membership + units, head counts per unit, totals, unassigned
    expected = 8
    _chart(client, django_assert_num_queries, expected)
    _grow(world, 15)
    body = _chart(client, django_assert_num_queries, expected)
    assert "48 unità organizzative" in body and "da Comune di Beta" not in body


def test_chart_does_not_grow_with_the_people(enter, world, django_assert_num_queries):
    client = enter(world.users["giunta"], world.ente)
    before = _chart(client, django_assert_num_queries, 8)
    for number in range(120):
        add_staff(world.service, f"nuovo-{number}")
    after = _chart(client, django_assert_num_queries, 8)
    assert "· 121 persone" in after  # the service's head count
    # Only the head counts change (a few digits), not one row per person.
    assert len(after) - len(before) < 40


def test_selector_query_count(world, django_assert_num_queries):
    _grow(world, 5)
    with django_assert_num_queries(4):
        chart = org_chart(world.ente)
        # Walking the whole tree touches no further rows.
        stack = list(chart.roots)
        while stack:
            node = stack.pop()
            _ = node.staff_count, node.people_in_subtree
            _ = node.unit.responsible and node.unit.responsible.display_name
            stack.extend(node.children)


def test_unit_staff_is_paged(enter, world, django_assert_num_queries):
    for number in range(STAFF_PAGE_SIZE + 5):
        add_staff(world.service, f"p{number:03d}")
    client = enter(world.users["giunta"], world.ente)
    # session, user, ente, membership, unit + count, page, employments
    with django_assert_num_queries(8):
        first = _staff_html(client, world.service)
    assert first.count("<li>") == STAFF_PAGE_SIZE
    assert "56 persone assegnate oggi · pagina 1 di 2" in first
    assert 'aria-label="Pagine del personale di Polizia Locale"' in first
    assert f'hx-target="#personale-{world.service.pk}"' in first and "pagina=2" in first
    assert '<span class="visually-hidden">Pagina successiva</span>' in first
    with django_assert_num_queries(8):
        second = _staff_html(client, world.service, pagina=2)
    assert second.count("<li>") == 56 - STAFF_PAGE_SIZE
    assert 'aria-current="page"><span class="visually-hidden">Pagina </span>2' in second


def test_unit_staff_without_javascript_is_a_page(enter, world):
    client = enter(world.users["giunta"], world.ente)
    response = client.get(reverse("organization:unit_staff", args=[world.service.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "<h1" in body and "Personale di Polizia Locale" in body
    assert "Luca Verdi" in body and "hx-boost" not in body
    assert response["Vary"].count("HX-Request") == 1


def test_unit_staff_of_another_ente_is_404(enter, world):
    client = enter(world.users["admin"], world.ente)
    url = reverse("organization:unit_staff", args=[world.other_unit.pk])
    assert client.get(url).status_code == 404
