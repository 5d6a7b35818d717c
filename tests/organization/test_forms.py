"""The admin's forms end to end: POST → service → redirect, or the error next to its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEntry
from organization.models import Assignment, Employment, Person, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(enter, world):
    return enter(world.users["admin"], world.ente)


def test_create_unit_under_parent(admin_client, world):
    response = admin_client.post(
        reverse("organization:unit_create"),
        {
            "name": "Servizi demografici",
            "kind": "servizio",
            "parent": world.area.pk,
            "peg_code": "DE01",
            "order": "3",
        },
    )
    unit = Unit.objects.get(ente=world.ente, key="servizi-demografici")
    assert response.status_code == 302
    assert response.url == reverse("organization:unit", args=[unit.pk])
    assert unit.parent == world.area and unit.peg_code == "DE01"
    assert AuditEntry.objects.filter(action="unit.create", user=world.users["admin"]).exists()


def test_parent_of_another_ente_is_not_a_choice(admin_client, world):
    response = admin_client.post(
        reverse("organization:unit_create"),
        {"name": "Intrusa", "kind": "servizio", "parent": world.other_unit.pk, "order": "0"},
    )
    assert response.status_code == 400
    assert 'id="id_parent_error"' in response.content.decode()
    assert not Unit.objects.filter(name="Intrusa").exists()


def test_service_error_shown_next_to_field(admin_client, world):
    response = admin_client.post(
        reverse("organization:unit_update", args=[world.area.pk]),
        {"name": "Area amministrativa", "kind": "area", "key": "polizia-locale", "order": "0"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_key_error"' in body and "«polizia-locale» è già usata" in body
    assert 'aria-describedby="id_key_helptext id_key_error"' in body
    assert 'aria-invalid="true"' in body and 'role="alert"' in body
    world.area.refresh_from_db()
    assert world.area.key == "area-amministrativa"


def test_sub_unit_cannot_become_parent(admin_client, world):
    response = admin_client.post(
        reverse("organization:unit_update", args=[world.area.pk]),
        {"name": "Area amministrativa", "kind": "area", "parent": world.office.pk, "order": "0"},
    )
    assert response.status_code == 400
    assert 'id="id_parent_error"' in response.content.decode()
    world.area.refresh_from_db()
    assert world.area.parent is None


def test_duplicate_peg_code_refused_in_form(admin_client, world):
    response = admin_client.post(
        reverse("organization:unit_create"),
        {"name": "Doppione", "kind": "servizio", "peg_code": "PM01", "order": "0"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Il codice PEG «PM01» è già usato dall&#x27;unità «Polizia Locale»." in body


def test_delete_unit_flow(admin_client, world):
    url = reverse("organization:unit_delete", args=[world.service.pk])
    response = admin_client.post(url)
    assert response.status_code == 400 and "sottounità" in response.content.decode()
    response = admin_client.post(reverse("organization:unit_delete", args=[world.office.pk]))
    assert response.status_code == 302 and response.url == reverse("organization:chart")
    assert not Unit.objects.filter(pk=world.office.pk).exists()


def test_person_employment_assignment_flow(admin_client, world):
    response = admin_client.post(
        reverse("organization:person_create"), {"first_name": "Giulia", "last_name": "Rosa"}
    )
    person = Person.objects.get(ente=world.ente, key="giulia-rosa")
    assert response.url == reverse("organization:person", args=[person.pk])

    url = reverse("organization:employment_create", args=[person.pk])
    base = {"role": "dipendente", "contract": "indeterminato", "ccnl_area": "istruttori"}
    response = admin_client.post(url, {**base, "part_time_percent": "120"})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_part_time_percent_error"' in body
    assert "«percentuale di tempo» deve essere maggiore di 0 e al massimo 100" in body
    response = admin_client.post(
        url, {**base, "part_time_percent": "83,33", "start_date": "2024-01-01"}
    )
    assert response.status_code == 302
    assert str(Employment.objects.get(person=person).part_time_percent) == "83.33"

    url = reverse("organization:assignment_create", args=[person.pk])
    response = admin_client.post(
        url,
        {
            "unit": world.service.pk,
            "kind": "ordinaria",
            "start_date": "2024-02-01",
            "end_date": "2024-01-01",
        },
    )
    assert response.status_code == 400 and 'id="id_end_date_error"' in response.content.decode()
    response = admin_client.post(url, {"unit": world.other_unit.pk, "kind": "ordinaria"})
    assert response.status_code == 400 and 'id="id_unit_error"' in response.content.decode()
    response = admin_client.post(
        url, {"unit": world.service.pk, "kind": "ordinaria", "start_date": "2024-02-01"}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(person=person)

    end_url = reverse("organization:assignment_end", args=[assignment.pk])
    response = admin_client.post(end_url, {"end_date": "2024-01-15"})
    assert response.status_code == 400
    response = admin_client.post(end_url, {"end_date": "2024-12-31"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.end_date.isoformat() == "2024-12-31"


def test_edit_forms_are_prefilled(admin_client, world):
    body = admin_client.get(
        reverse("organization:employment_update", args=[world.clerk_employment.pk])
    ).content.decode()
    assert 'value="66,67"' in body and 'value="2020-01-01"' in body
    body = admin_client.get(
        reverse("organization:unit_update", args=[world.service.pk])
    ).content.decode()
    assert 'value="Polizia Locale"' in body and 'value="PM01"' in body


def test_platform_admin_writes_too(enter, world):
    client = enter(world.users["platform"], world.ente)
    response = client.post(
        reverse("organization:person_update", args=[world.clerk.pk]),
        {"first_name": "Luca", "last_name": "Verdi Bis", "key": "luca-verdi"},
    )
    assert response.status_code == 302
    world.clerk.refresh_from_db()
    assert world.clerk.last_name == "Verdi Bis"


def test_position_allowance_is_edited_on_the_assignment(admin_client, world):
    """Issue 7 item 6: the retribuzione di posizione (amount, period) is data of the person's
    assignment, edited on its page through the service, with one audit row."""
    assignment = Assignment.objects.create(
        person=world.clerk, unit=world.service, start_date=dt.date(2024, 1, 1)
    )
    url = reverse("organization:assignment_update", args=[assignment.pk])
    body = admin_client.get(url).content.decode()
    assert 'name="position_allowance"' in body and 'name="position_allowance_end"' in body
    base = {"unit": world.service.pk, "kind": "ordinaria", "start_date": "2024-01-01"}
    response = admin_client.post(
        url,
        {
            **base,
            "position_allowance": "12.500,00",
            "position_allowance_start": "2024-03-01",
            "position_allowance_end": "2024-02-01",
        },
    )
    assert response.status_code == 400
    assert 'id="id_position_allowance_end_error"' in response.content.decode()
    response = admin_client.post(
        url, {**base, "position_allowance_start": "2024-03-01"}
    )  # a period without an amount
    assert response.status_code == 400
    assert 'id="id_position_allowance_error"' in response.content.decode()
    response = admin_client.post(
        url,
        {
            **base,
            "position_allowance": "12.500,00",
            "position_allowance_start": "2024-03-01",
            "position_allowance_end": "2024-12-31",
        },
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.position_allowance == Decimal("12500.00")
    assert assignment.position_allowance_start == dt.date(2024, 3, 1)
    assert assignment.position_allowance_end == dt.date(2024, 12, 31)
    entry = AuditEntry.objects.get(action="assignment.update", object_id=str(assignment.pk))
    assert entry.changes["position_allowance"] == [None, "12500.00"]
    page = admin_client.get(reverse("organization:person", args=[world.clerk.pk])).content
    assert "retribuzione di posizione 12.500,00\u00a0€ annui dal 01/03/2024" in page.decode()
