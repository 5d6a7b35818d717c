"""The organisation chart: content, tree order, and a query count independent of size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from organization.models import Assignment, AssignmentKind, UnitKind
from organization.selectors import org_chart
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
    office_row = service.children[0].staff[0]
    assert office_row.person == world.lent and office_row.is_lent
    assert office_row.employment.employer_name == "Comune di Alfa"


def test_ended_assignments_leave_the_chart(world):
    Assignment.objects.filter(pk=world.clerk_assignment.pk).update(end_date=dt.date(2021, 1, 1))
    chart = org_chart(world.ente)
    assert chart.people_count == 2
    assert [p.key for p in chart.unassigned] == ["luca-verdi"]


def test_chart_page_shows_units_and_people(enter, world):
    body = (
        enter(world.users["dipendente"], world.ente)
        .get(reverse("organization:chart"))
        .content.decode()
    )
    assert "[AG01]" in body and "[PM01]" in body and "[---]" in body
    assert "Area / Settore" in body and "Ufficio" in body
    assert "dott.ssa Anna Bianchi" in body  # responsible as a person link
    assert "Comandante (come scritto)" in body  # responsible as written
    assert "Assessore: Assessore Uno" in body
    assert "Luca Verdi</a>, Agente" in body and "cat. C" in body
    assert "part-time 66,67\u00a0%" in body
    assert "Utilizzo in convenzione · 9 h/sett. · da Comune di Alfa" in body
    assert "di cui 1 da altri enti" in body
    assert 'aria-label="Sottounità di Area amministrativa"' in body
    assert world.other_unit.name not in body and "Gialli" not in body
    # Personal data never appear on the chart, not even for the person concerned.
    assert "VRDLCU85B12D150Y" not in body and "maternità" not in body


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


def _count_queries(client, django_assert_num_queries, expected: int) -> str:
    with django_assert_num_queries(expected):
        response = client.get(reverse("organization:chart"))
    assert response.status_code == 200
    return response.content.decode()


def test_chart_query_count_is_independent_of_size(enter, world, django_assert_num_queries):
    client = enter(world.users["giunta"], world.ente)
    # session, user, ente, membership + units, assignments, people, employments
    expected = 8
    _count_queries(client, django_assert_num_queries, expected)
    _grow(world, 15)
    body = _count_queries(client, django_assert_num_queries, expected)
    assert body.count("da Comune di Beta") == 30
    assert "48 unità organizzative" in body


def test_selector_query_count(world, django_assert_num_queries):
    _grow(world, 5)
    with django_assert_num_queries(4):
        chart = org_chart(world.ente)
        # Walking the whole tree touches no further rows.
        stack = list(chart.roots)
        while stack:
            node = stack.pop()
            for row in node.staff:
                _ = (row.person.display_name, row.employment and row.employment.category_label)
            _ = node.unit.responsible and node.unit.responsible.display_name
            stack.extend(node.children)
