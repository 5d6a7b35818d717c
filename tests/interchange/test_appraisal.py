"""Behaviours, schemes, schede, the validation of the Relazione, funds and distributions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from appraisal.models import Behaviour, Scheda, SchedaTransition, ScoreBand
from documents.models import ReportValidation
from interchange import spec
from interchange.exporter import dumps, export_cycle
from interchange.importer import import_cycle
from rewards.models import Distribution, Fund
from tests.interchange.documents import minimal_document, rich_document


def test_the_fixture_uses_every_choice_of_the_new_enums():
    text = dumps(rich_document())
    for choices in (
        spec.EVALUATOR_KINDS,
        spec.COMPONENT_KINDS,
        spec.FUND_KINDS,
        spec.DISTRIBUTION_STATES,
        spec.BEHAVIOUR_CONVERSIONS,
        spec.PREVALENCES,
    ):
        assert [c for c in choices if f'"{c}"' not in text] == []


def test_import_links_schede_as_the_file_says(rich_cycle):
    ente = rich_cycle.ente
    behaviours = list(Behaviour.objects.filter(ente=ente).order_by("order"))
    assert [b.key for b in behaviours] == ["collaborazione", "differenziazione"]
    # stored as the appraisal services store them: integral scores as numbers
    assert [level["score"] for level in behaviours[0].levels] == [1, "2.5", 5]
    scheme = rich_cycle.schemes.get(key="eq")
    assert (scheme.negative_threshold, scheme.behaviour_conversion) == (
        Decimal("19"),
        "from_minimum",
    )
    assert rich_cycle.schemes.get(key="personale").negative_threshold is None
    bands = list(ScoreBand.objects.filter(scheme=scheme).order_by("order"))
    anna = Scheda.objects.get(cycle=rich_cycle, person__key="anna-verdi")
    assert anna.band == bands[1] and anna.evaluator is None and anna.unit.key == "area-finanziaria"
    items = list(anna.items.order_by("id"))
    assert [(i.component.key, i.behaviour and i.behaviour.key) for i in items] == [
        ("unita", None),
        ("comportamenti", "collaborazione"),
        ("comportamenti", "differenziazione"),
    ]
    first = SchedaTransition.objects.filter(scheda=anna).order_by("id").first()
    assert first.at == dt.datetime(2025, 1, 10, 8, tzinfo=dt.UTC) and first.by is None
    assert anna.conciliation.new_points == Decimal("50.5")
    luca = Scheda.objects.get(cycle=rich_cycle, person__key="luca-neri")
    assert luca.evaluator.key == "anna-verdi" and not luca.is_eligible
    assert luca.items.get(objective__key="tempi-pagamento").raw_score == Decimal("80")
    validation = ReportValidation.objects.get(cycle=rich_cycle)
    assert validation.validated_on == dt.date(2025, 6, 20)
    funds = Fund.objects.filter(ente=ente, year=2024)
    assert funds.count() == 4 and funds.get(kind="risultato_eq").pool_amount == 1200
    preview, final = Distribution.objects.filter(cycle=rich_cycle).order_by("id")
    assert preview.created_at == dt.datetime(2025, 6, 21, 9, tzinfo=dt.UTC)
    assert final.state == "final" and final.finalised_at is not None
    line = preview.lines.get(person__key="luca-neri")
    assert line.scheda == luca and line.explanation == {"reason": "non ammesso"}
    assert preview.lines.get(person__key="paola-gialli").scheda is None


def test_replace_deletes_schede_and_distributions_first(rich_cycle):
    document = rich_document()
    document["cycle"]["schede"] = document["cycle"]["schede"][:1]
    document["cycle"]["distributions"] = []
    cycle = import_cycle(document, replace=True)
    assert Scheda.objects.filter(cycle__ente=cycle.ente).count() == 1
    assert not Distribution.objects.filter(cycle__ente=cycle.ente).exists()
    assert Fund.objects.filter(ente=cycle.ente).count() == 4
    assert dumps(export_cycle(cycle)) == dumps(spec.canonical(document))


def test_another_year_keeps_the_behaviours_its_file_does_not_list(rich_cycle):
    document = minimal_document(slug=rich_cycle.ente.slug, year=2025)
    document["ente"]["behaviours"] = [
        {"key": "differenziazione", "name": "Differenziare i giudizi", "levels": []},
        {"key": "iniziativa", "name": "Iniziativa"},
    ]
    import_cycle(document)
    behaviours = Behaviour.objects.filter(ente=rich_cycle.ente).order_by("order")
    # matched by key and updated in place, the others follow the file's ones
    assert [(b.key, b.name) for b in behaviours] == [
        ("differenziazione", "Differenziare i giudizi"),
        ("iniziativa", "Iniziativa"),
        ("collaborazione", "Collaborazione"),
    ]
    # the 2024 schemes still point at the same rows
    assert export_cycle(rich_cycle)["cycle"]["schemes"][0]["components"][1]["behaviours"][1] == {
        "behaviour": "differenziazione",
        "weight": "50",
    }


def test_funds_of_the_year_are_replaced_by_the_file(rich_cycle):
    document = rich_document()
    document["cycle"]["funds"] = document["cycle"]["funds"][:1]
    document["cycle"]["distributions"] = document["cycle"]["distributions"][:1]
    cycle = import_cycle(document, replace=True)
    assert list(Fund.objects.filter(ente=cycle.ente).values_list("kind", flat=True)) == [
        "performance_individuale"
    ]
