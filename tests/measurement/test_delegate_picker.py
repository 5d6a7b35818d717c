"""The delegate picker of the objective monitoring page (issue 15): only the people of the
objective's unit and the units below it, searched with HTMX at most DELEGATE_MATCHES at a time,
and the same form without JavaScript, validated by the server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from core.exceptions import ServiceError
from measurement import access as rules
from measurement import services
from measurement.forms import DELEGATE_MATCHES
from measurement.models import ObjectiveDelegate
from organization.models import Assignment, Person

pytestmark = pytest.mark.django_db


def _staff(unit, key, first="Mario", last="Rossi", **fields) -> Person:
    person = Person.objects.create(ente=unit.ente, key=key, first_name=first, last_name=last)
    Assignment.objects.create(person=person, unit=unit, **fields)
    return person


def _search(client, objective, text):
    url = reverse("measurement:delegate_search", args=[objective.pk])
    return client.get(url, {"person": text}, headers={"HX-Request": "true"})


def _add(client, objective, **data):
    return client.post(reverse("measurement:delegate_add", args=[objective.pk]), data)


def test_candidates_are_the_unit_and_the_units_below(plan, make_ente, make_person):
    in_office = _staff(plan.verbali, "in-ufficio")
    in_area = _staff(plan.pl, "in-area")
    elsewhere = _staff(plan.finanze, "altrove")
    gone = _staff(plan.verbali, "uscito", end_date=dt.date(2020, 1, 1))
    stranger = make_person(make_ente("altro"), "in-ufficio")
    # Polizia Locale (area) has the Ufficio verbali below it, led by the comandante.
    area_objective = set(rules.delegate_candidates(plan.pl_payment))
    assert {in_office, in_area, plan.comandante} <= area_objective
    assert not {elsewhere, gone, stranger} & area_objective
    office = set(rules.delegate_candidates(plan.pl_coordination))
    assert in_office in office and in_area not in office and elsewhere not in office
    plan.pl_coordination.responsibles.add(plan.sismico)  # the responsibles may be delegates
    assert rules.can_be_delegate(plan.pl_coordination, plan.sismico)
    # An objective of the whole ente takes anyone of the ente, no one of another ente.
    plan.budget.unit = None
    assert rules.can_be_delegate(plan.budget, elsewhere)
    assert not rules.can_be_delegate(plan.budget, stranger)


def test_search_returns_at_most_the_limit_of_the_units_people(plan, enter):
    for number in range(DELEGATE_MATCHES + 5):
        _staff(plan.verbali, f"rossi-{number:02d}", first=f"Nome{number:02d}")
    _staff(plan.finanze, "rossi-finanze", first="Fuori")
    client = enter(plan.users.comandante, plan.ente)
    body = _search(client, plan.pl_coordination, "rossi").content.decode()
    assert body.count('name="scelta"') == DELEGATE_MATCHES
    assert "scrivi di più per restringere" in body and "rossi-finanze" not in body
    assert "<html" not in body
    body = _search(client, plan.pl_coordination, "fuori").content.decode()
    assert "Nessuna persona dell'unità corrisponde a «fuori»." in body
    assert "almeno due lettere" in _search(client, plan.pl_coordination, "r").content.decode()


def test_search_leaves_out_the_delegates_already_named(plan, enter):
    named = _staff(plan.verbali, "rossi-a")
    _staff(plan.verbali, "rossi-b", first="Luigi")
    ObjectiveDelegate.objects.create(objective=plan.pl_coordination, person=named)
    client = enter(plan.users.comandante, plan.ente)
    body = _search(client, plan.pl_coordination, "rossi").content.decode()
    assert 'value="rossi-b"' in body and 'value="rossi-a"' not in body


def test_search_needs_the_right_to_name_delegates(plan, enter, make_ente):
    _staff(plan.verbali, "rossi")
    for user in (plan.users.giunta, plan.users.agente, plan.users.ragioniere):
        assert _search(enter(user, plan.ente), plan.pl_coordination, "rossi").status_code == 403
    other = make_ente("altro")
    client = enter(plan.users.admin, other)
    assert _search(client, plan.pl_coordination, "rossi").status_code in {403, 404}


def test_without_javascript_a_name_or_a_key_is_enough(plan, enter):
    mario = _staff(plan.verbali, "mario-rossi")
    luigi = _staff(plan.verbali, "luigi-rossi", first="Luigi")
    client = enter(plan.users.comandante, plan.ente)
    assert _add(client, plan.pl_coordination, person="rossi mario").status_code == 302
    assert _add(client, plan.pl_coordination, person="LUIGI-ROSSI").status_code == 302
    delegates = ObjectiveDelegate.objects.filter(objective=plan.pl_coordination)
    assert {d.person for d in delegates} == {mario, luigi}


def test_a_button_of_the_search_names_the_person(plan, enter):
    mario = _staff(plan.verbali, "mario-rossi")
    client = enter(plan.users.comandante, plan.ente)
    assert _add(client, plan.pl_coordination, person="ros", scelta="mario-rossi").status_code == 302
    assert ObjectiveDelegate.objects.get().person == mario


def test_a_person_outside_the_unit_is_refused_in_italian(plan, enter):
    _staff(plan.finanze, "mario-rossi")
    client = enter(plan.users.comandante, plan.ente)
    for data in ({"person": "Rossi Mario"}, {"scelta": "mario-rossi"}):
        response = _add(client, plan.pl_coordination, **data)
        body = response.content.decode()
        assert response.status_code == 200
        assert (
            "Mario Rossi non lavora nell&#x27;unità «Ufficio verbali» né nelle sue sottounità"
            in body
        )
    assert not ObjectiveDelegate.objects.exists()


def test_ambiguous_or_unknown_names(plan, enter):
    _staff(plan.verbali, "mario-rossi")
    _staff(plan.verbali, "maria-rossi", first="Maria")
    client = enter(plan.users.comandante, plan.ente)
    body = _add(client, plan.pl_coordination, person="rossi").content.decode()
    assert "Più persone corrispondono a «rossi»" in body
    assert 'value="mario-rossi"' in body and 'value="maria-rossi"' in body  # proposed again
    body = _add(client, plan.pl_coordination, person="Bianchi").content.decode()
    assert "Nessuna persona dell&#x27;ente corrisponde a «Bianchi»." in body
    body = _add(client, plan.pl_coordination, person="  ").content.decode()
    assert "Indica la persona da delegare" in body
    assert not ObjectiveDelegate.objects.exists()


def test_the_service_refuses_a_person_outside_the_unit(plan):
    outside = _staff(plan.finanze, "mario-rossi")
    with pytest.raises(ServiceError) as refused:
        services.delegate_add(user=plan.users.admin, objective=plan.pl_coordination, person=outside)
    assert refused.value.field == "person" and "Ufficio verbali" in refused.value.message
    assert not ObjectiveDelegate.objects.exists()


def test_the_page_does_not_list_the_ente(plan, enter, django_assert_max_num_queries):
    client = enter(plan.users.admin, plan.ente)
    url = reverse("measurement:objective", args=[plan.pl_coordination.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as captured:
        small = client.get(url).content.decode()
    queries = len(captured)
    for number in range(150):
        _staff(plan.verbali if number % 3 else plan.finanze, f"persona-aggiunta-{number:03d}")
    client.get(url)
    with django_assert_max_num_queries(queries):
        large = client.get(url).content.decode()
    assert 'hx-get="/' in large and "persona-aggiunta" not in large and "Rossi" not in large
    assert large.count("<option") == small.count("<option")
    assert len(large) == len(small)
