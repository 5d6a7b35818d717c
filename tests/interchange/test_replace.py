"""What happens to an ente that already exists: another year, or the same year replaced."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from interchange.exporter import export_cycle
from interchange.importer import InterchangeError, import_cycle
from organization.models import EvaluationBody, MemberEnte, Person, Unit
from planning.models import Cycle, ObjectiveVersion, PlanRevision
from tests.interchange.documents import minimal_document


def test_replace_recreates_the_cycle_and_keeps_people_rows(db, make_user):
    first = import_cycle(minimal_document())
    person = Person.objects.get(key="mara-blu")
    user = make_user("mara", ente=first.ente, role="responsabile", person=person)
    document = minimal_document()
    document["cycle"]["title"] = "Piano 2024 aggiornato"
    document["units"] = [{"key": "ragioneria", "kind": "servizio", "name": "Ragioneria"}]
    document["cycle"]["objectives"][0]["unit"] = "ragioneria"
    second = import_cycle(document, replace=True, user=user)
    assert not Cycle.objects.filter(pk=first.pk).exists()
    assert second.title == "Piano 2024 aggiornato"
    # The ente has no other cycle: the file describes it completely.
    assert list(Unit.objects.filter(ente=second.ente).values_list("key", flat=True)) == [
        "ragioneria"
    ]
    # People are matched by key, so the login stays linked to the same row.
    assert Person.objects.get(key="mara-blu").pk == person.pk
    assert Membership.objects.get(user=user).person_id == person.pk


def test_another_year_updates_units_by_key_and_keeps_the_others(db):
    import_cycle(minimal_document(year=2024))
    document = minimal_document(year=2025)
    document["units"] = [
        {"key": "segreteria", "kind": "servizio", "name": "Segreteria generale"},
        {"key": "tributi", "kind": "servizio", "name": "Tributi"},
    ]
    document["ente"]["members"] = [{"name": "Comune di Sopra"}]
    cycle = import_cycle(document)
    units = dict(Unit.objects.filter(ente=cycle.ente).values_list("key", "name"))
    assert units == {"segreteria": "Segreteria generale", "tributi": "Tributi"}
    assert Cycle.objects.filter(ente=cycle.ente).count() == 2
    assert list(MemberEnte.objects.values_list("name", flat=True)) == ["Comune di Sopra"]


def test_replace_with_other_years_keeps_units_they_use(db):
    import_cycle(minimal_document(year=2023))
    import_cycle(minimal_document(year=2024))
    document = minimal_document(year=2024)
    document["units"] = [{"key": "tributi", "kind": "servizio", "name": "Tributi"}]
    document["cycle"]["objectives"][0]["unit"] = "tributi"
    cycle = import_cycle(document, replace=True)
    keys = set(Unit.objects.filter(ente=cycle.ente).values_list("key", flat=True))
    assert keys == {"segreteria", "tributi"}  # the 2023 plan still refers to segreteria
    exported = export_cycle(cycle)
    assert [u["key"] for u in exported["units"]] == ["tributi", "segreteria"]


def test_evaluation_bodies_of_another_year_are_matched_by_name(db):
    document = minimal_document(year=2024)
    document["evaluation_bodies"] = [
        {"kind": "nucleo", "name": "Nucleo", "members": [{"full_name": "Ugo Viola"}]},
        {"kind": "oiv", "name": "OIV"},
    ]
    import_cycle(document)
    document = minimal_document(year=2025)
    document["evaluation_bodies"] = [
        {"kind": "nucleo", "name": "Nucleo", "members": [{"full_name": "Ada Rosa"}]}
    ]
    import_cycle(document)
    assert EvaluationBody.objects.count() == 2
    assert EvaluationBody.objects.get(name="Nucleo").members.get().full_name == "Ada Rosa"


def test_a_failure_while_writing_rolls_everything_back(db):
    import_cycle(minimal_document())
    document = minimal_document()
    document["ente"]["name"] = "Nome cambiato"
    with pytest.raises(InterchangeError):
        import_cycle(document)  # refused after the ente was already updated in the transaction
    assert Cycle.objects.get().ente.name == "Comune Minimo"


def test_replace_removes_the_versions_of_the_old_plan(db):
    cycle = import_cycle(minimal_document())
    revision = PlanRevision.objects.create(cycle=cycle, number=1, date="2024-05-01", motivation="x")
    objective = cycle.operational_objectives.get()
    ObjectiveVersion.objects.create(
        objective=objective, number=1, revision=revision, reason="Revisione", data={}
    )
    again = import_cycle(minimal_document(), replace=True)
    assert ObjectiveVersion.objects.count() == 0
    assert Cycle.objects.get() == again
