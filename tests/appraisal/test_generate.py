from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appraisal import services
from appraisal.models import EvaluatorKind, Scheda, SchedaState, SchedaTransition
from core.exceptions import AccessDenied, ServiceError
from organization.models import Absence, AbsenceKind, Employment, Role

from .conftest import YEAR, employ, staff_items

pytestmark = pytest.mark.django_db
D = Decimal


def test_one_scheda_per_person_employed_in_the_year(org, schede):
    # the external collaborator is not evaluated
    assert set(schede) == {"segretario", "comandante", "ragioniera", "agente", "impiegata", "nuovo"}
    assert all(s.state == SchedaState.DRAFT for s in schede.values())
    first = SchedaTransition.objects.filter(scheda=schede["agente"]).get()
    assert (first.from_state, first.to_state, first.by) == ("", "draft", org.users.admin)
    # a second run keeps the existing schede and creates none
    assert services.schede_generate(user=org.users.admin, cycle=org.cycle) == []
    assert Scheda.objects.filter(cycle=org.cycle).count() == 6


def test_evaluator_chain(org, schede):
    p = org.people
    # responsabili, EQ, comandante and segretario: the Nucleo
    for key in ("segretario", "comandante", "ragioniera"):
        assert schede[key].evaluator is None
        assert schede[key].evaluator_kind == EvaluatorKind.NUCLEO
        assert schede[key].scheme == org.managers
    # staff: the responsabile of their unit, walking up from the Ufficio verbali to the PL
    assert schede["agente"].evaluator == p.comandante
    assert schede["agente"].evaluator_kind == EvaluatorKind.RESPONSABILE
    assert schede["agente"].unit == org.verbali
    assert schede["impiegata"].evaluator == p.ragioniera
    assert schede["comandante"].unit == org.pl
    assert schede["agente"].scheme == org.staff


def test_staff_without_responsabile_go_to_the_segretario(org, make_person):
    lost = make_person(org.ente, "senza-unita", first_name="Ida", last_name="Rosa")
    employ(lost)
    created = {
        s.person.key: s for s in services.schede_generate(user=org.users.admin, cycle=org.cycle)
    }
    assert created["senza-unita"].evaluator == org.people.segretario
    assert created["senza-unita"].evaluator_kind == EvaluatorKind.SEGRETARIO


def test_without_segretario_the_top_goes_to_the_nucleo(org, make_person):
    Employment.objects.filter(person=org.people.segretario).update(role=Role.DIPENDENTE)
    lost = make_person(org.ente, "senza-unita", first_name="Ida", last_name="Rosa")
    employ(lost)
    created = {
        s.person.key: s for s in services.schede_generate(user=org.users.admin, cycle=org.cycle)
    }
    assert created["senza-unita"].evaluator is None
    assert created["senza-unita"].evaluator_kind == EvaluatorKind.NUCLEO


def test_hire_in_october_is_not_eligible_with_180_days(org, schede):
    nuovo = schede["nuovo"]
    assert nuovo.is_eligible is False
    assert "Servizio nell'anno: 92 giorni, minimo 180." in nuovo.eligibility_note
    assert "In servizio dal 01/10/2025." in nuovo.eligibility_note
    with pytest.raises(ServiceError, match="non è ammessa alla valutazione"):
        services.scheda_score(user=org.users.ragioniera, scheda=nuovo, items=staff_items())
    # a not eligible scheda still goes through the workflow, without points
    services.scheda_propose(user=org.users.ragioniera, scheda=nuovo)
    assert nuovo.state == SchedaState.PROPOSED


def test_termination_and_part_time_and_convenzione_are_noted(org, make_person):
    leaving = make_person(org.ente, "uscente", first_name="Gino", last_name="Bruni")
    employ(leaving, start_date=dt.date(2000, 1, 1), end_date=dt.date(YEAR, 8, 31))
    created = {
        s.person.key: s for s in services.schede_generate(user=org.users.admin, cycle=org.cycle)
    }
    note = created["uscente"].eligibility_note
    assert created["uscente"].is_eligible is True
    assert "Servizio nell'anno: 243 giorni." in note
    assert "In servizio fino al 31/08/2025." in note
    impiegata = created["impiegata"]
    assert impiegata.is_eligible is True
    assert "Part-time al 50,00\u00a0%." in impiegata.eligibility_note
    assert "In convenzione con Comune di Bomporto (quota 50,00\u00a0%)." in (
        impiegata.eligibility_note
    )


def test_protected_leave_is_noted_and_never_reduces_service(org):
    Absence.objects.create(
        person=org.people.agente,
        kind=AbsenceKind.MATERNITY,
        start_date=dt.date(YEAR, 1, 1),
        end_date=dt.date(YEAR, 8, 31),
    )
    created = {
        s.person.key: s for s in services.schede_generate(user=org.users.admin, cycle=org.cycle)
    }
    agente = created["agente"]
    assert agente.is_eligible is True
    assert "Servizio nell'anno: 365 giorni." in agente.eligibility_note
    assert "Congedi tutelati (art. 9 c.3 D.Lgs. 150/2009): 243 giorni" in agente.eligibility_note


def test_generation_refuses_people_without_a_scheme(org):
    Employment.objects.filter(person=org.people.ragioniera).update(role=Role.DIRIGENTE)
    with pytest.raises(ServiceError) as error:
        services.schede_generate(user=org.users.admin, cycle=org.cycle)
    assert "Nessun modello di scheda si applica a: Anna Neri (Dirigente" in error.value.message
    assert not Scheda.objects.filter(cycle=org.cycle).exists()


def test_generation_refuses_invalid_schemes(org):
    org.staff.bands.all().delete()
    with pytest.raises(ServiceError, match="«Personale dei livelli»: Il modello non ha fasce"):
        services.schede_generate(user=org.users.admin, cycle=org.cycle)
    assert not Scheda.objects.filter(cycle=org.cycle).exists()


def test_generation_is_for_admins(org):
    with pytest.raises(AccessDenied):
        services.schede_generate(user=org.users.nucleo, cycle=org.cycle)
