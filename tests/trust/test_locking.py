"""core.locking: a save over someone else's newer change is refused, naming who, when, what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.http import QueryDict

from core import locking
from core.audit import record
from organization.models import Person, Unit, UnitKind
from planning.models import Cycle, OperationalObjective


@pytest.fixture
def objective(make_ente, make_person):
    ente = make_ente("locking")
    unit = Unit.objects.create(ente=ente, key="pl", kind=UnitKind.AREA, name="Polizia Locale")
    cycle = Cycle.objects.create(ente=ente, year=2025, first_year=2025, last_year=2027)
    objective = OperationalObjective.objects.create(
        cycle=cycle, key="ob1", code="OB1", title="Sicurezza urbana", unit=unit, weight=60
    )
    objective.responsibles.add(make_person(ente, "anna", first_name="Anna", last_name="Neri"))
    return objective


class TitleForm(forms.Form):
    title = forms.CharField()
    weight = forms.DecimalField()


def _fresh(objective):
    return OperationalObjective.objects.get(pk=objective.pk)


def test_token_is_stable_and_changes_with_any_field(objective):
    token = locking.token_for([objective])
    assert token == locking.token_for([_fresh(objective)])
    OperationalObjective.objects.filter(pk=objective.pk).update(weight=Decimal("61"))
    assert locking.token_for([_fresh(objective)]) != token


def test_many_to_many_choices_are_part_of_the_state(objective, make_person):
    token = locking.token_for([objective])
    objective.responsibles.add(make_person(objective.cycle.ente, "bruno", first_name="Bruno"))
    assert locking.token_for([_fresh(objective)]) != token


def test_automatic_timestamps_do_not_count(objective):
    token = locking.token_for([objective])
    _fresh(objective).save()  # updated_at moves, nothing else
    assert locking.token_for([_fresh(objective)]) == token


def test_unchanged_rows_pass_and_empty_token_is_not_checked(objective):
    locking.check(locking.token_for([objective]), [_fresh(objective)])
    locking.check("", [_fresh(objective)])
    locking.check(None, [_fresh(objective)])


def test_stale_save_names_who_when_and_both_values(objective, make_user):
    token = locking.token_for([objective])
    other = make_user("carla", first_name="Carla", last_name="Bianchi")
    OperationalObjective.objects.filter(pk=objective.pk).update(weight=Decimal("45.5"))
    record(user=other, action="objective.update", obj=objective, ente=objective.cycle.ente)

    with pytest.raises(locking.StaleEdit) as refused:
        locking.check(
            token,
            [_fresh(objective)],
            submitted={"weight": Decimal("70"), "title": "Sicurezza urbana"},
        )
    error = refused.value
    assert error.code == "conflict"
    assert error.who == "Carla Bianchi"
    assert "modificato da Carla Bianchi alle " in error.message
    assert "Obiettivo operativo «OB1 Sicurezza urbana»" in error.message
    assert [(c.label, c.stored, c.yours) for c in error.changes] == [("Peso %", "45,5", "70")]
    assert "nel tuo modulo «70»" in error.message


def test_rows_that_belong_to_the_object_are_checked_too(objective, make_person):
    unit = objective.unit
    token = locking.token_for([objective, unit])
    Unit.objects.filter(pk=unit.pk).update(name="Polizia Municipale")
    with pytest.raises(locking.StaleEdit) as refused:
        locking.check(token, [_fresh(objective), Unit.objects.get(pk=unit.pk)])
    assert refused.value.changes[0].label.endswith("Denominazione")
    assert refused.value.changes[0].stored == "Polizia Municipale"
    assert "un altro utente" in refused.value.message  # no audit row: nobody to name


def test_a_tampered_token_is_refused_not_crashing(objective):
    with pytest.raises(locking.ServiceError, match="modulo è danneggiato"):
        locking.check("%%%not-base64", [objective])


def _posted(objective, token, **values):
    data = QueryDict(mutable=True)
    data.update({"title": "Nuovo titolo", "weight": "70", locking.TOKEN_FIELD: token, **values})
    form = locking.attach(TitleForm(data), objective)
    assert form.is_valid(), form.errors
    return form


def test_guard_runs_the_save_when_the_form_is_current(objective):
    form = _posted(objective, locking.token_for([objective]))
    with locking.guard(form, [objective]):
        objective.title = form.cleaned_data["title"]
        objective.save()
    assert _fresh(objective).title == "Nuovo titolo"


def test_guard_refuses_a_stale_form_then_accepts_the_deliberate_overwrite(objective):
    stale = locking.token_for([objective])
    Person.objects.create(ente=objective.cycle.ente, key="x", first_name="X", last_name="Y")
    OperationalObjective.objects.filter(pk=objective.pk).update(title="Titolo di Carla")
    form = _posted(objective, stale)
    ran = []
    with pytest.raises(locking.StaleEdit), locking.guard(form, [objective]):
        ran.append(True)
    assert ran == []
    # The instance now holds what is stored; the form carries the current token.
    assert objective.title == "Titolo di Carla"
    assert locking.posted_token(form) == locking.token_for([_fresh(objective)])
    rebound = locking.attach(TitleForm(form.data), objective)
    assert rebound.is_valid()
    with locking.guard(rebound, [objective]):
        objective.title = rebound.cleaned_data["title"]
        objective.save()
    assert _fresh(objective).title == "Nuovo titolo"


def test_the_hidden_field_is_rendered_with_the_token(objective):
    form = locking.attach(TitleForm(), objective)
    html = str(form[locking.TOKEN_FIELD])
    assert 'type="hidden"' in html
    assert locking.token_for([objective]) in html
