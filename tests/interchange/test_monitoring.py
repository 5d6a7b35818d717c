"""Monitoring in the format: windows, values, evidence metadata, corrections, delegates,
corrective actions and the SMVP settings, imported as written and refused with JSON paths."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from interchange import spec
from interchange.exporter import dumps, export_cycle
from interchange.importer import InterchangeError, import_cycle
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementCorrection,
    MonitoringWindow,
    ObjectiveDelegate,
    WindowSnapshot,
)
from organization.models import Parameter
from planning.models import Cycle
from tests.interchange.documents import rich_document

UTC = dt.UTC


def _cycle(document):
    return document["cycle"]


def _measurement(document, index):
    return document["cycle"]["measurements"][index]


CASES = [
    pytest.param(
        lambda d: d["ente"]["smvp_settings"].update(cap="90"),
        "$.ente.smvp_settings.cap: deve essere un numero tra 100 e 200",
        id="smvp-cap",
    ),
    pytest.param(
        lambda d: d["ente"]["smvp_settings"]["indicator"].update(metodo="linear"),
        "$.ente.smvp_settings.indicator.metodo: chiave sconosciuta",
        id="smvp-unknown-key",
    ),
    pytest.param(
        lambda d: d["ente"]["smvp_settings"]["ente_composition"][1].update(source="aree"),
        "$.ente.smvp_settings.ente_composition[1].source: valore «aree» non ammesso",
        id="smvp-composition",
    ),
    pytest.param(
        lambda d: _measurement(d, 1).update(indicator="ritardo"),
        '$.cycle.measurements[1].indicator: indicatore "ritardo" non definito in '
        "$.cycle.indicators",
        id="unknown-indicator",
    ),
    pytest.param(
        lambda d: _measurement(d, 5)["parameter"].update(key="mandati_emessi"),
        '$.cycle.measurements[5].parameter.key: parametro "mandati_emessi" non definito tra i '
        'parametri dell\'unità "area-finanziaria"',
        id="unknown-parameter",
    ),
    pytest.param(
        lambda d: _measurement(d, 5)["parameter"].update(unit="nessuna"),
        '$.cycle.measurements[5].parameter.unit: unità "nessuna" non definita in $.units',
        id="unknown-parameter-unit",
    ),
    pytest.param(
        lambda d: _measurement(d, 5)["parameter"].pop("key"),
        "$.cycle.measurements[5].parameter.key: campo obbligatorio mancante",
        id="parameter-without-key",
    ),
    pytest.param(
        lambda d: _measurement(d, 5).update(parameter="reversali_emesse"),
        '$.cycle.measurements[5].parameter: atteso un oggetto, trovato un testo ("reversali',
        id="parameter-not-an-object",
    ),
    pytest.param(
        lambda d: _measurement(d, 5).update(indicator="rigidita"),
        "$.cycle.measurements[5]: indicare l'indicatore (indicator) oppure il parametro "
        "(parameter), uno solo dei due",
        id="indicator-and-parameter",
    ),
    pytest.param(
        lambda d: _measurement(d, 2).pop("indicator"),
        "$.cycle.measurements[2]: indicare l'indicatore",
        id="no-subject",
    ),
    pytest.param(
        lambda d: _measurement(d, 3).update(period_end="2025-01-31"),
        "$.cycle.measurements[3].period_end: la data 2025-01-31 è fuori dall'anno del ciclo (2024)",
        id="period-outside-year",
    ),
    pytest.param(
        lambda d: _measurement(d, 3).update(period_start="2024-02-01"),
        "$.cycle.measurements[3].period_end: la data di fine 2024-01-31 precede quella di inizio "
        "2024-02-01",
        id="period-reversed",
    ),
    pytest.param(
        lambda d: _measurement(d, 3).update(value="100.5", indicator="ritardo-pagamenti"),
        None,  # "gg", not a percentage: no limit (the unique check is tested below)
        id="not-a-percentage",
    ),
    pytest.param(
        lambda d: (
            d["cycle"]["indicators"][1].update(unit_of_measure="%"),
            _measurement(d, 3).update(value="100.01"),
        ),
        '$.cycle.measurements[3].value: "100.01" supera 100, ma l\'indicatore "rigidita" è '
        "espresso in percentuale",
        id="percent-over-100",
    ),
    pytest.param(
        lambda d: _measurement(d, 4).update(period_end="2024-01-31"),
        "$.cycle.measurements[4].period_end: esiste già un valore al 2024-01-31 per lo stesso "
        "oggetto ($.cycle.measurements[3])",
        id="duplicate-period",
    ),
    pytest.param(
        lambda d: _measurement(d, 2).update(completed_on="2024-04-02"),
        "$.cycle.measurements[2].completed_on: la data di completamento 2024-04-02 è successiva "
        "alla fine del periodo 2024-03-31",
        id="completed-after-period",
    ),
    pytest.param(
        lambda d: _measurement(d, 0).pop("approved_at"),
        "$.cycle.measurements[0].approved_at: obbligatorio per un valore approvato",
        id="approved-without-date",
    ),
    pytest.param(
        lambda d: _measurement(d, 1).update(approved_at="2024-10-01T10:00:00Z"),
        "$.cycle.measurements[1].approved_at: un valore non approvato non ha data di approvazione",
        id="draft-with-approval",
    ),
    pytest.param(
        lambda d: _measurement(d, 0).update(approved_at="2024-07-05 16:00"),
        '$.cycle.measurements[0].approved_at: "2024-07-05 16:00" non è una data e ora nel formato',
        id="datetime-format",
    ),
    pytest.param(
        lambda d: _measurement(d, 0).update(approved_at="2024-02-30T16:00:00Z"),
        '$.cycle.measurements[0].approved_at: "2024-02-30T16:00:00Z" non è una data e ora '
        "esistente",
        id="datetime-not-real",
    ),
    pytest.param(
        lambda d: _measurement(d, 0)["evidence"][0].update(size=-1),
        "$.cycle.measurements[0].evidence[0].size: -1 è inferiore al minimo ammesso (0)",
        id="evidence-size",
    ),
    pytest.param(
        lambda d: _measurement(d, 0)["evidence"][0].update(file="x.pdf"),
        "$.cycle.measurements[0].evidence[0].file: campo non previsto",
        id="evidence-file-not-carried",
    ),
    pytest.param(
        lambda d: _measurement(d, 0)["corrections"][0].update(window="31-luglio"),
        '$.cycle.measurements[0].corrections[0].window: finestra "31-luglio" non definita in '
        "$.cycle.monitoring_windows",
        id="correction-unknown-window",
    ),
    pytest.param(
        lambda d: _measurement(d, 0)["corrections"][0].update(window="finale"),
        '$.cycle.measurements[0].corrections[0].window: la finestra "finale" è aperta',
        id="correction-open-window",
    ),
    pytest.param(
        lambda d: _measurement(d, 1).update(
            corrections=[
                {"window": "30-giugno", "reason": "r", "corrected_at": "2024-11-01T00:00:00Z"}
            ]
        ),
        "$.cycle.measurements[1].corrections[0].window: il valore al 2024-09-30 non appartiene "
        'alla finestra "30-giugno" (2024-06-30)',
        id="correction-of-a-later-value",
    ),
    pytest.param(
        lambda d: _measurement(d, 0)["corrections"][0].update(corrected_at="2024-07-15T08:00:00Z"),
        "$.cycle.measurements[0].corrections[0].corrected_at: la correzione precede la chiusura "
        'della finestra "30-giugno"',
        id="correction-before-closing",
    ),
    pytest.param(
        lambda d: _measurement(d, 0)["corrections"][0].pop("reason"),
        "$.cycle.measurements[0].corrections[0].reason: campo obbligatorio mancante",
        id="correction-without-reason",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][1].pop("closed_at"),
        "$.cycle.monitoring_windows[1].closed_at: obbligatorio per una finestra chiusa",
        id="closed-without-closed-at",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][2].update(closed_at="2025-01-10T10:00:00Z"),
        "$.cycle.monitoring_windows[2].closed_at: una finestra aperta non ha data di chiusura",
        id="open-with-closed-at",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][2].update(snapshot={"a": 1}),
        "$.cycle.monitoring_windows[2].snapshot: solo una finestra chiusa ha un'istantanea",
        id="open-with-snapshot",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][1].update(period_end="2024-06-30"),
        '$.cycle.monitoring_windows[1].period_end: "2024-06-30" già usato in '
        "$.cycle.monitoring_windows[0]",
        id="window-same-date",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][1].update(period_end="2024-05-31"),
        "$.cycle.monitoring_windows[1].period_end: le finestre vanno elencate in ordine di data: "
        "2024-05-31 precede 2024-06-30",
        id="windows-out-of-order",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][2].update(period_end="2025-01-31"),
        "$.cycle.monitoring_windows[2].period_end: la data 2025-01-31 è fuori dall'anno del ciclo",
        id="window-outside-year",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][0].update(is_final=True),
        "$.cycle.monitoring_windows[2].is_final: c'è già una finestra finale "
        "($.cycle.monitoring_windows[0])",
        id="two-final-windows",
    ),
    pytest.param(
        lambda d: (
            _cycle(d)["monitoring_windows"][2].update(is_final=False),
            _cycle(d)["monitoring_windows"][1].update(is_final=True),
        ),
        "$.cycle.monitoring_windows[1].is_final: la finestra finale deve essere l'ultima per data",
        id="final-window-not-last",
    ),
    pytest.param(
        lambda d: _cycle(d)["monitoring_windows"][0].update(state="chiusa"),
        '$.cycle.monitoring_windows[0].state: "chiusa" non è un valore ammesso '
        "(valori ammessi: open, closed)",
        id="window-state",
    ),
    pytest.param(
        lambda d: _cycle(d)["delegates"].append(
            {"objective": "tempi-pagamento", "person": "paola-gialli"}
        ),
        "$.cycle.delegates[1].person: delega già presente in $.cycle.delegates[0]",
        id="duplicate-delegate",
    ),
    pytest.param(
        lambda d: _cycle(d)["delegates"][0].update(person="mario-rossi"),
        '$.cycle.delegates[0].person: persona "mario-rossi" non definita in $.people',
        id="delegate-unknown-person",
    ),
    pytest.param(
        lambda d: _cycle(d)["corrective_actions"][0].update(window="31-agosto"),
        '$.cycle.corrective_actions[0].window: finestra "31-agosto" non definita in '
        "$.cycle.monitoring_windows",
        id="action-unknown-window",
    ),
    pytest.param(
        lambda d: _cycle(d)["corrective_actions"][1].update(objective="ob-x"),
        '$.cycle.corrective_actions[1].objective: obiettivo "ob-x" non definito in '
        "$.cycle.objectives",
        id="action-unknown-objective",
    ),
    pytest.param(
        lambda d: _cycle(d)["corrective_actions"][1].pop("recorded_at"),
        "$.cycle.corrective_actions[1].recorded_at: campo obbligatorio mancante",
        id="action-without-moment",
    ),
]


@pytest.mark.parametrize(("change", "message"), CASES)
def test_refusals_name_the_path(db, change, message):
    document = rich_document()
    change(document)
    if message is None:
        assert import_cycle(document).pk
        return
    with pytest.raises(InterchangeError) as caught:
        import_cycle(document)
    assert any(error.startswith(message) for error in caught.value.errors), caught.value.errors
    assert not Cycle.objects.exists()
    assert not Measurement.objects.exists()


def test_import_writes_every_monitoring_row(rich_cycle):
    windows = list(MonitoringWindow.objects.filter(cycle=rich_cycle).order_by("period_end"))
    assert [(w.key, w.state, w.is_final) for w in windows] == [
        ("30-giugno", "closed", False),
        ("30-settembre", "closed", False),
        ("finale", "open", True),
    ]
    assert windows[0].closed_at == dt.datetime(2024, 7, 15, 8, 30, tzinfo=UTC)
    assert windows[1].closed_at == dt.datetime(2024, 10, 10, 9, 0, 0, 250000, tzinfo=UTC)
    assert WindowSnapshot.objects.get(window=windows[0]).data["scores"]["ente"] == "72.5"
    assert WindowSnapshot.objects.get(window=windows[1]).data == {}  # empty but present
    assert not WindowSnapshot.objects.filter(window=windows[2]).exists()

    first = Measurement.objects.get(indicator__key="ritardo-pagamenti", period_end="2024-06-30")
    assert (first.value, first.is_cumulative, first.state) == (Decimal("-2.5"), False, "approved")
    assert first.approved_at == dt.datetime(2024, 7, 5, 16, tzinfo=UTC)
    assert first.deviation_note.startswith("Due fatture")
    evidence = list(Evidence.objects.filter(measurement=first).order_by("id"))
    assert [(e.original_name, e.size, e.file.name) for e in evidence] == [
        ("estratto PCC giugno.pdf", 48213, ""),  # the file itself is not carried
        ("foto.png", 0, ""),
    ]
    correction = MeasurementCorrection.objects.filter(measurement=first).order_by("id").first()
    assert (correction.old_value, correction.new_value) == (Decimal("-2"), Decimal("-2.5"))
    assert correction.window == windows[0]
    # auto_now_add does not win over the moment written in the file
    assert correction.corrected_at == dt.datetime(2024, 7, 20, 9, tzinfo=UTC)

    reversali = Measurement.objects.get(parameter__key="reversali_emesse")
    assert reversali.parameter.unit.key == "area-finanziaria" and reversali.indicator is None
    assert reversali.is_cumulative is True and reversali.value == Decimal("2801")

    delegate = ObjectiveDelegate.objects.get()
    assert (delegate.objective.key, delegate.person.key) == ("tempi-pagamento", "paola-gialli")
    actions = list(CorrectiveAction.objects.order_by("id"))
    assert [(a.status, a.window_id) for a in actions] == [
        ("done", windows[0].id),
        ("planned", None),
    ]
    assert actions[1].recorded_at == dt.datetime(2024, 10, 12, 8, tzinfo=UTC)


def test_canonical_monitoring_text(rich_cycle):
    data = export_cycle(rich_cycle)
    windows = data["cycle"]["monitoring_windows"]
    assert windows[0]["closed_at"] == "2024-07-15T08:30:00Z"  # UTC, offset resolved
    assert windows[1]["closed_at"] == "2024-10-10T09:00:00.250000Z"
    assert windows[1]["snapshot"] == {} and "snapshot" not in windows[2]
    assert "is_final" not in windows[0] and "state" not in windows[2]  # defaults omitted
    assert list(windows[0]["snapshot"]) == ["scores", "values", "window"]  # keys sorted
    measurements = data["cycle"]["measurements"]
    assert measurements[0]["value"] == "-2.5" and measurements[0]["is_cumulative"] is False
    assert "is_cumulative" not in measurements[1]  # true is the default
    assert "parameter" not in measurements[0] and "state" not in measurements[1]
    assert measurements[5]["parameter"] == {"unit": "area-finanziaria", "key": "reversali_emesse"}
    assert measurements[0]["corrections"][1] == {
        "window": "30-giugno",
        "reason": "Nota aggiornata",
        "corrected_at": "2024-07-21T08:00:00Z",
    }
    assert data["cycle"]["indicators"][0]["formula_expression"] == "reversali_emesse / 100"


def test_default_smvp_settings_are_left_out(db):
    document = rich_document()
    document["ente"]["smvp_settings"] = {"cap": "100", "indicator": {"method": "linear"}}
    cycle = import_cycle(document)
    assert cycle.ente.smvp_settings == {}
    assert "smvp_settings" not in export_cycle(cycle)["ente"]
    assert spec.canonical_smvp({"missing": "exclude"}) is None


def test_old_files_without_monitoring_stay_valid(db):
    document = rich_document()
    for name in ("monitoring_windows", "measurements", "delegates", "corrective_actions"):
        del document["cycle"][name]
    del document["ente"]["smvp_settings"]
    cycle = import_cycle(document)
    text = dumps(export_cycle(cycle))
    assert "monitoring_windows" not in text and "measurements" not in text
    assert text == dumps(spec.canonical(document))


def test_replace_keeps_parameters_and_their_values_of_other_years(db):
    """Parameters are updated in place: another year's measurements of them survive."""
    cycle_2024 = import_cycle(rich_document())
    parameter = Parameter.objects.get(key="reversali_emesse")
    document = rich_document()
    cycle = document["cycle"]
    cycle.update(year=2025, first_year=2025, last_year=2027)
    for name in ("monitoring_windows", "measurements", "delegates", "corrective_actions"):
        del cycle[name]
    for row in cycle["objectives"] + cycle["weight_groups"]:
        row["years"] = [year for year in row.get("years", []) if year >= 2025]
    document["units"][0]["parameters"][0]["name"] = "Reversali emesse (rinominato)"
    import_cycle(document)
    parameter.refresh_from_db()
    assert parameter.name == "Reversali emesse (rinominato)"
    assert Measurement.objects.filter(cycle=cycle_2024, parameter=parameter).count() == 1
    # and the 2024 cycle, replaced, still round-trips (its correction pointed at a window)
    first = dumps(export_cycle(cycle_2024))
    again = import_cycle(json.loads(first), replace=True)
    assert dumps(export_cycle(again)) == first


def test_freeze_snapshots_replays_closings_and_corrections(db):
    from interchange.snapshots import freeze_snapshots

    document = rich_document()
    windows = document["cycle"]["monitoring_windows"]
    del windows[0]["snapshot"]  # 30-giugno: closed without snapshot
    result = freeze_snapshots(document)
    assert not Cycle.objects.exists()  # the replay was rolled back
    frozen = result["cycle"]["monitoring_windows"][0]["snapshot"]
    assert frozen["as_of"] == "2024-06-30"
    values = [
        row["value"]
        for row in frozen["values"]["measurements"]
        if row["key"] == "ritardo-pagamenti"
    ]
    assert values == ["-2"]  # the value before its correction of 2024-07-20
    assert result["cycle"]["monitoring_windows"][1]["snapshot"] == {}  # kept as written
    cycle = import_cycle(result)
    assert dumps(export_cycle(cycle)) == dumps(result)
