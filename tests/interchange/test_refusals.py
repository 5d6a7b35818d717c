"""Malformed documents are refused with the JSON path of the problem, and nothing is written."""

from __future__ import annotations

import pytest

from core.models import AuditEntry
from interchange.importer import InterchangeError, import_cycle
from organization.models import Ente, Person, Unit
from planning.models import Cycle, OperationalObjective
from tests.interchange.documents import minimal_document, rich_document


def _set(path, value):
    def change(document):
        *parents, last = path
        node = document
        for part in parents:
            node = node[part]
        node[last] = value

    return change


def _delete(path):
    def change(document):
        *parents, last = path
        node = document
        for part in parents:
            node = node[part]
        del node[last]

    return change


CASES = [
    pytest.param(
        _set(("format",), "performa-plan"),
        '$.format: formato "performa-plan" non riconosciuto (atteso "performa-cycle")',
        id="wrong-format",
    ),
    pytest.param(
        _set(("version",), 2),
        '$.version: versione 2 non supportata (atteso 1 o "1.2")',
        id="wrong-version",
    ),
    pytest.param(
        _set(("cycle", "year"), "2024"),
        '$.cycle.year: atteso un numero intero, trovato un testo ("2024")',
        id="wrong-type",
    ),
    pytest.param(
        _set(("units",), {"key": "x"}),
        "$.units: atteso un elenco, trovato un oggetto",
        id="object-instead-of-list",
    ),
    pytest.param(
        _set(("cycle", "objectives", 1, "weight"), "11,11"),
        '$.cycle.objectives[1].weight: "11,11" non è un numero decimale (usare il punto)',
        id="decimal-with-comma",
    ),
    pytest.param(
        _set(("cycle", "objectives", 1, "weight"), 11.11),
        '$.cycle.objectives[1].weight: i numeri decimali vanno scritti come testo: "11.11"',
        id="decimal-as-number",
    ),
    pytest.param(
        _set(("cycle", "objectives", 1, "weight"), "11.111"),
        '$.cycle.objectives[1].weight: "11.111" ha troppe cifre decimali (al massimo 2)',
        id="too-many-decimals",
    ),
    pytest.param(
        _set(("cycle", "objectives", 0, "wieght"), "30"),
        "$.cycle.objectives[0].wieght: campo non previsto",
        id="unknown-field",
    ),
    pytest.param(
        _set(("extra",), True),
        "$.extra: campo non previsto",
        id="unknown-top-level-field",
    ),
    pytest.param(
        _delete(("units", 2, "name")),
        "$.units[2].name: campo obbligatorio mancante",
        id="missing-required",
    ),
    pytest.param(
        _set(("cycle", "title"), ""),
        "$.cycle.title: il testo non può essere vuoto",
        id="empty-required",
    ),
    pytest.param(
        _set(("ente", "province"), "MOD"),
        "$.ente.province: testo troppo lungo (3 caratteri, al massimo 2)",
        id="too-long",
    ),
    pytest.param(
        _set(("cycle", "objectives", 0, "kind"), "ordinario"),
        '$.cycle.objectives[0].kind: "ordinario" non è un valore ammesso (valori ammessi: '
        "sviluppo, mantenimento, straordinario)",
        id="bad-enum",
    ),
    pytest.param(
        _set(("units", 0, "key"), "Area Finanziaria"),
        '$.units[0].key: "Area Finanziaria" non è una chiave valida',
        id="bad-key",
    ),
    pytest.param(
        _set(("cycle", "approval_act_date"), "28/03/2024"),
        '$.cycle.approval_act_date: "28/03/2024" non è una data nel formato AAAA-MM-GG',
        id="date-format",
    ),
    pytest.param(
        _set(("cycle", "approval_act_date"), "2024-02-30"),
        '$.cycle.approval_act_date: "2024-02-30" non è una data esistente',
        id="date-that-does-not-exist",
    ),
    pytest.param(
        _set(("cycle", "year"), 2027),
        "$.cycle.year: l'anno 2027 è fuori dal triennio 2024-2026",
        id="year-outside-horizon",
    ),
    pytest.param(
        _set(("cycle", "first_year"), 2027),
        "$.cycle.first_year: il primo anno del triennio (2027) è successivo all'ultimo (2026)",
        id="horizon-reversed",
    ),
    pytest.param(
        _set(("cycle", "objectives", 0, "unit"), "ragioneria"),
        '$.cycle.objectives[0].unit: unità "ragioneria" non definita in $.units',
        id="dangling-unit",
    ),
    pytest.param(
        _set(("cycle", "objectives", 0, "responsibles", 1), "mario-rossi"),
        '$.cycle.objectives[0].responsibles[1]: persona "mario-rossi" non definita in $.people',
        id="dangling-responsible",
    ),
    pytest.param(
        _set(("people", 1, "assignments", 0, "unit"), "ragioneria"),
        '$.people[1].assignments[0].unit: unità "ragioneria" non definita in $.units',
        id="dangling-assignment-unit",
    ),
    pytest.param(
        _set(("units", 1, "responsible"), "nessuno"),
        '$.units[1].responsible: persona "nessuno" non definita in $.people',
        id="dangling-unit-responsible",
    ),
    pytest.param(
        _set(("cycle", "objectives", 0, "strategic_objective"), "altro"),
        '$.cycle.objectives[0].strategic_objective: obiettivo strategico "altro" non definito',
        id="dangling-strategic-objective",
    ),
    pytest.param(
        _set(("cycle", "objectives", 1, "weight_group"), "altro"),
        '$.cycle.objectives[1].weight_group: gruppo di pesatura "altro" non definito',
        id="dangling-weight-group",
    ),
    pytest.param(
        _set(("cycle", "indicators", 1, "group"), "altro"),
        '$.cycle.indicators[1].group: tabella di indicatori "altro" non definita',
        id="dangling-indicator-group",
    ),
    pytest.param(
        _set(("cycle", "indicators", 0, "phase"), 2),
        '$.cycle.indicators[0].phase: l\'obiettivo "tempi-pagamento" ha 2 fasi',
        id="phase-index-out-of-range",
    ),
    pytest.param(
        _set(("units", 1, "key"), "area-finanziaria"),
        '$.units[1].key: "area-finanziaria" già usato in $.units[0]',
        id="duplicate-unit-key",
    ),
    pytest.param(
        _set(("cycle", "indicators", 1, "key"), "ritardo-pagamenti"),
        '$.cycle.indicators[1].key: "ritardo-pagamenti" già usato in $.cycle.indicators[0]',
        id="duplicate-indicator-key",
    ),
    pytest.param(
        _set(("cycle", "indicators", 0, "targets", 1, "year"), 2024),
        "$.cycle.indicators[0].targets[1].year: 2024 già usato in $.cycle.indicators[0].targets[0]",
        id="duplicate-target-year",
    ),
    pytest.param(
        _set(("units", 1, "parent"), "ufficio-verbali"),
        '$.units[1].parent: l\'unità "ufficio-verbali" deve precedere le sue figlie',
        id="child-before-parent",
    ),
    pytest.param(
        _delete(("cycle", "indicators", 0, "targets", 1, "value_to")),
        '$.cycle.indicators[0].targets[1].value_to: obbligatorio per un target di tipo "between"',
        id="incomplete-target",
    ),
    pytest.param(
        _set(("people", 0, "absences", 0, "end_date"), "2024-01-01"),
        "$.people[0].absences[0].end_date: la data di fine 2024-01-01 precede quella di inizio",
        id="end-before-start",
    ),
    # --- appraisal and rewards
    pytest.param(
        _set(("cycle", "schede", 1, "person"), "mario-assente"),
        '$.cycle.schede[1].person: persona "mario-assente" non definita in $.people',
        id="scheda-unknown-person",
    ),
    pytest.param(
        _set(("cycle", "schede", 1, "person"), "anna-verdi"),
        '$.cycle.schede[1].person: "anna-verdi" già usato in $.cycle.schede[0]',
        id="scheda-twice-for-a-person",
    ),
    pytest.param(
        _set(("cycle", "schede", 0, "scheme"), "dirigenti"),
        '$.cycle.schede[0].scheme: modello di scheda "dirigenti" non definito in $.cycle.schemes',
        id="scheda-unknown-scheme",
    ),
    pytest.param(
        _set(("cycle", "schede", 0, "items", 0, "component"), "obiettivi"),
        '$.cycle.schede[0].items[0].component: componente "obiettivi" non definito nel modello '
        '"eq"',
        id="scheda-component-of-another-scheme",
    ),
    pytest.param(
        _set(("cycle", "schede", 0, "items", 1, "behaviour"), "puntualita"),
        '$.cycle.schede[0].items[1].behaviour: comportamento "puntualita" non definito in '
        "$.ente.behaviours",
        id="scheda-unknown-behaviour",
    ),
    pytest.param(
        _set(("cycle", "schede", 1, "items", 0, "objective"), "ob-fantasma"),
        '$.cycle.schede[1].items[0].objective: obiettivo "ob-fantasma" non definito in '
        "$.cycle.objectives",
        id="scheda-unknown-objective",
    ),
    pytest.param(
        _set(("cycle", "schede", 0, "band"), 2),
        '$.cycle.schede[0].band: il modello "eq" ha 2 fasce: l\'indice 2 non esiste',
        id="scheda-band-out-of-range",
    ),
    pytest.param(
        _set(("cycle", "schede", 0, "state"), "approvata"),
        '$.cycle.schede[0].state: "approvata" non è un valore ammesso',
        id="scheda-unknown-state",
    ),
    pytest.param(
        _delete(("cycle", "schede", 2, "conciliation")),
        '$.cycle.schede[2].conciliation: obbligatoria per una scheda nello stato "conciliation"',
        id="scheda-contest-without-conciliation",
    ),
    pytest.param(
        _set(("cycle", "schede", 0, "transitions", 5, "to_state"), "acknowledged"),
        '$.cycle.schede[0].transitions[5].to_state: l\'ultimo passaggio porta a "acknowledged"',
        id="scheda-last-transition-elsewhere",
    ),
    pytest.param(
        _set(("cycle", "schemes", 1, "components", 0, "weight"), "40"),
        "$.cycle.schemes[1].components: i pesi dei componenti sommano a 90, non a 100",
        id="scheme-component-weights",
    ),
    pytest.param(
        _set(("cycle", "schemes", 0, "components", 1, "behaviours", 1, "weight"), None),
        "$.cycle.schemes[0].components[1].behaviours: indicare il peso di tutti i comportamenti",
        id="scheme-behaviour-weights-all-or-none",
    ),
    pytest.param(
        _set(("cycle", "schemes", 0, "components", 1, "behaviours", 0, "behaviour"), "ignoto"),
        '$.cycle.schemes[0].components[1].behaviours[0].behaviour: comportamento "ignoto" non '
        "definito in $.ente.behaviours",
        id="scheme-unknown-behaviour",
    ),
    pytest.param(
        _set(("cycle", "schemes", 0, "bands", 0, "max_points"), "61"),
        "$.cycle.schemes[0].bands[0].max_points: supera il punteggio massimo del modello (60)",
        id="band-above-maximum",
    ),
    pytest.param(
        _set(("cycle", "schemes", 0, "behaviour_scale_max"), 0),
        "$.cycle.schemes[0].behaviour_scale_max: il massimo della scala (0) deve superare",
        id="behaviour-scale",
    ),
    pytest.param(
        _set(("ente", "behaviours", 1, "key"), "collaborazione"),
        '$.ente.behaviours[1].key: "collaborazione" già usato in $.ente.behaviours[0]',
        id="duplicate-behaviour",
    ),
    pytest.param(
        _set(("cycle", "funds", 1, "amount"), "-300"),
        '$.cycle.funds[1].amount: "-300" è negativo',
        id="negative-fund",
    ),
    pytest.param(
        _set(("cycle", "funds", 1, "kind"), "performance_individuale"),
        '$.cycle.funds[1].kind: "performance_individuale" già usato in $.cycle.funds[0]',
        id="duplicate-fund",
    ),
    pytest.param(
        _delete(("cycle", "funds", 0)),
        '$.cycle.distributions[0].fund: fondo "performance_individuale" non definito in '
        "$.cycle.funds",
        id="distribution-unknown-fund",
    ),
    pytest.param(
        lambda d: d["cycle"]["distributions"][0].update(
            state="final", finalised_at="2025-06-21T10:00:00Z"
        ),
        '$.cycle.distributions[1].state: il fondo "performance_individuale" ha già una '
        "distribuzione definitiva ($.cycle.distributions[0])",
        id="second-final-distribution",
    ),
    pytest.param(
        _delete(("cycle", "distributions", 1, "finalised_at")),
        "$.cycle.distributions[1].finalised_at: obbligatorio per una distribuzione definitiva",
        id="final-distribution-without-date",
    ),
    pytest.param(
        _set(("cycle", "distributions", 0, "lines", 1, "person"), "ugo-rosa"),
        '$.cycle.distributions[0].lines[1].person: persona "ugo-rosa" non definita in $.people',
        id="line-unknown-person",
    ),
    pytest.param(
        _set(("cycle", "distributions", 0, "lines", 0, "scheda"), "paola-gialli-2"),
        '$.cycle.distributions[0].lines[0].scheda: scheda "paola-gialli-2" non definita in '
        "$.cycle.schede",
        id="line-unknown-scheda",
    ),
    pytest.param(
        _set(("cycle", "distributions", 0, "lines", 0, "share"), "1.1234567"),
        '$.cycle.distributions[0].lines[0].share: "1.1234567" ha troppe cifre decimali',
        id="line-share-digits",
    ),
]


def _assert_nothing_written():
    assert Ente.objects.count() == 0
    assert Unit.objects.count() == 0
    assert Person.objects.count() == 0
    assert Cycle.objects.count() == 0
    assert OperationalObjective.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(("change", "message"), CASES)
def test_malformed_document_is_refused_with_its_path(db, change, message):
    document = rich_document()
    change(document)
    with pytest.raises(InterchangeError) as caught:
        import_cycle(document)
    assert any(error.startswith(message) for error in caught.value.errors), caught.value.errors
    assert message.split(":")[0] in str(caught.value)
    _assert_nothing_written()


@pytest.mark.parametrize("document", [[], "testo", None])
def test_a_document_that_is_not_an_object_is_refused(db, document):
    with pytest.raises(InterchangeError) as caught:
        import_cycle(document)
    assert caught.value.errors[0].startswith("$: il documento deve essere un oggetto JSON")


def test_problems_are_listed_in_document_order(db):
    document = rich_document()
    document["cycle"]["objectives"][2]["weight"] = "1,5"
    del document["units"][3]["kind"]
    document["ente"]["kind"] = "provincia"
    document["cycle"]["indicators"][0]["colour"] = "rosso"
    with pytest.raises(InterchangeError) as caught:
        import_cycle(document)
    paths = [error.split(":")[0] for error in caught.value.errors]
    assert paths == [
        "$.ente.kind",
        "$.units[3].kind",
        "$.cycle.objectives[2].weight",
        "$.cycle.indicators[0].colour",
    ]


def test_many_problems_are_summarised(db):
    document = rich_document()
    document["cycle"]["indicators"] = [
        {"key": f"ind-{n}", "scope": "ente", "name": "X", "weight": "1,0"} for n in range(40)
    ]
    with pytest.raises(InterchangeError) as caught:
        import_cycle(document)
    assert len(caught.value.errors) == 26
    assert caught.value.errors[-1] == "… e altri 15 problemi non mostrati"


def test_an_existing_cycle_is_refused_without_replace(db):
    import_cycle(minimal_document())
    counts = (Unit.objects.count(), Person.objects.count(), AuditEntry.objects.count())
    document = minimal_document()
    document["units"].append({"key": "nuova", "kind": "ufficio", "name": "Nuova"})
    with pytest.raises(InterchangeError) as caught:
        import_cycle(document)
    assert caught.value.errors == [
        '$.cycle.year: il ciclo 2024 dell\'ente "comune-minimo" esiste già; '
        "per sostituirlo importare con --replace"
    ]
    assert (Unit.objects.count(), Person.objects.count(), AuditEntry.objects.count()) == counts
