"""Every organisation page: who may open it, and that another ente's ids give 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

READERS = ["admin", "responsabile", "dipendente", "nucleo", "giunta", "platform"]
NON_WRITERS = ["responsabile", "dipendente", "nucleo", "giunta"]
WRITERS = ["admin", "platform"]


def read_urls(w) -> list[str]:
    return [
        reverse("organization:chart"),
        reverse("organization:people"),
        reverse("organization:unit", args=[w.service.pk]),
        reverse("organization:person", args=[w.clerk.pk]),
    ]


def write_urls(w) -> list[str]:
    """Pages with a form (GET shows it, POST writes)."""
    return [
        reverse("organization:unit_create"),
        reverse("organization:unit_update", args=[w.service.pk]),
        reverse("organization:unit_delete", args=[w.office.pk]),
        reverse("organization:person_create"),
        reverse("organization:person_update", args=[w.clerk.pk]),
        reverse("organization:employment_create", args=[w.clerk.pk]),
        reverse("organization:employment_update", args=[w.clerk_employment.pk]),
        reverse("organization:assignment_create", args=[w.clerk.pk]),
        reverse("organization:assignment_update", args=[w.clerk_assignment.pk]),
    ]


def foreign_urls(w) -> list[str]:
    """The same pages with ids of the other ente."""
    unit, person = w.other_unit.pk, w.other_person.pk
    employment = w.other_person.employments.create().pk
    return [
        reverse("organization:unit", args=[unit]),
        reverse("organization:person", args=[person]),
        reverse("organization:unit_update", args=[unit]),
        reverse("organization:unit_delete", args=[unit]),
        reverse("organization:person_update", args=[person]),
        reverse("organization:employment_create", args=[person]),
        reverse("organization:employment_update", args=[employment]),
        reverse("organization:assignment_create", args=[person]),
        reverse("organization:assignment_update", args=[w.other_assignment.pk]),
        reverse("organization:assignment_end", args=[w.other_assignment.pk]),
    ]


@pytest.mark.parametrize("role", READERS)
def test_readers_open_every_read_page(enter, world, role):
    client = enter(world.users[role], world.ente)
    for url in read_urls(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", WRITERS)
def test_writers_open_every_form(enter, world, role):
    client = enter(world.users[role], world.ente)
    for url in write_urls(world):
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login(client, world):
    for url in read_urls(world) + write_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


def test_no_ente_chosen_goes_to_choice(enter, world):
    client = enter(world.users["admin"])
    response = client.get(reverse("organization:chart"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:choose_ente") + "?next=%2Forganizzazione%2F"


@pytest.mark.parametrize("role", READERS)
def test_foreign_ids_on_read_pages_give_404(enter, world, role):
    client = enter(world.users[role], world.ente)
    for url in foreign_urls(world)[:2]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Gialli" not in response.content and b"Ragioneria" not in response.content


@pytest.mark.parametrize("role", WRITERS)
def test_foreign_ids_on_write_pages_give_404(enter, world, role):
    client = enter(world.users[role], world.ente)
    for url in foreign_urls(world)[2:]:
        method = client.post if "concludi" in url else client.get
        response = method(url)
        assert response.status_code == 404, url
        assert b"Gialli" not in response.content and b"Ragioneria" not in response.content
    posted = client.post(
        reverse("organization:unit_update", args=[world.other_unit.pk]), {"name": "Presa"}
    )
    assert posted.status_code == 404
    world.other_unit.refresh_from_db()
    assert world.other_unit.name == "Ragioneria"


@pytest.mark.parametrize("role", NON_WRITERS)
def test_non_writers_cannot_post(enter, world, role):
    client = enter(world.users[role], world.ente)
    urls = write_urls(world) + [
        reverse("organization:assignment_end", args=[world.clerk_assignment.pk])
    ]
    for url in urls:
        assert client.post(url, {"name": "X", "end_date": "2030-01-01"}).status_code == 403, url
        assert client.get(url).status_code in {403, 405}, url
    world.service.refresh_from_db()
    assert world.service.name == "Polizia Locale"


def test_non_writers_do_not_see_edit_buttons(enter, world):
    client = enter(world.users["giunta"], world.ente)
    body = client.get(reverse("organization:chart")).content.decode()
    assert reverse("organization:unit_create") not in body
    body = enter(world.users["admin"], world.ente).get(reverse("organization:chart")).content
    assert reverse("organization:unit_create") in body.decode()


def test_user_of_another_ente_gets_403(enter, world):
    client = enter(world.users["other_admin"], world.ente)
    assert client.get(reverse("organization:chart")).status_code == 403


def test_personal_data_only_for_admin_and_self(enter, world):
    url = reverse("organization:person", args=[world.clerk.pk])
    for role, visible in [
        ("admin", True),
        ("platform", True),
        ("dipendente", True),
        ("responsabile", False),
        ("giunta", False),
        ("nucleo", False),
    ]:
        body = enter(world.users[role], world.ente).get(url).content.decode()
        assert ("VRDLCU85B12D150Y" in body) is visible, role
        assert ("Congedo di maternità" in body) is visible, role
        assert ("Nota riservata" in body) is visible, role
    # The dipendente (linked to Luca Verdi) does not see Anna Bianchi's fiscal code.
    body = (
        enter(world.users["dipendente"], world.ente)
        .get(reverse("organization:person", args=[world.boss.pk]))
        .content.decode()
    )
    assert "BNCNNA80A41D150X" not in body


def test_unit_detail_content(enter, world):
    body = (
        enter(world.users["giunta"], world.ente)
        .get(reverse("organization:unit", args=[world.service.pk]))
        .content.decode()
    )
    assert "Controllo del territorio" in body
    assert "<caption>Parametri di Polizia Locale: valori per anno</caption>" in body
    assert '<th scope="col" class="text-end">2022</th>' in body
    assert "1.700" in body and "2.633" in body
    assert "Ufficio verbali" in body  # sub-unit
    assert "Luca Verdi" in body and "Agente" in body
    assert "Area amministrativa" in body  # breadcrumb
    assert "Comandante (come scritto)" in body


def test_person_detail_content(enter, world):
    body = (
        enter(world.users["giunta"], world.ente)
        .get(reverse("organization:person", args=[world.clerk.pk]))
        .content.decode()
    )
    assert "cat. C" in body and "part-time 66,67\u00a0%" in body and "24 h/sett." in body
    assert "Polizia Locale" in body and "dal 01/01/2020" in body


def test_unit_check_htmx(enter, world):
    client = enter(world.users["admin"], world.ente)
    url = reverse("organization:unit_check")
    body = client.get(url, {"field": "peg_code", "peg_code": "pm01"}).content.decode()
    assert "già usato dall&#x27;unità «Polizia Locale»" in body
    body = client.get(
        url, {"field": "peg_code", "peg_code": "PM01", "unit": world.service.pk}
    ).content.decode()
    assert "disponibile" in body
    body = client.get(url, {"field": "peg_code", "peg_code": "---"}).content.decode()
    assert "già usato" not in body
    body = client.get(url, {"field": "key", "key": "ufficio-verbali"}).content.decode()
    assert "già usata" in body
    # The other ente's codes do not clash.
    body = client.get(url, {"field": "peg_code", "peg_code": "RA01"}).content.decode()
    assert "disponibile" in body
    assert enter(world.users["giunta"], world.ente).get(url).status_code == 403


def test_unit_form_has_live_check_and_labels(enter, world):
    body = (
        enter(world.users["admin"], world.ente)
        .get(reverse("organization:unit_update", args=[world.service.pk]))
        .content.decode()
    )
    assert 'hx-get="/organizzazione/unita/verifica/"' in body
    assert 'id="id_peg_code_check"' in body and 'aria-live="polite"' in body
    assert '<label for="id_name"' in body
    # The unit itself and other enti's units are not offered as parent.
    assert (
        f'value="{world.service.pk}"' not in body.split('id="id_parent"')[1].split("</select>")[0]
    )
    assert "Ragioneria" not in body
