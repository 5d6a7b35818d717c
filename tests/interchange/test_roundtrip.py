"""Import then export gives back the canonical form of the file, byte for byte."""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEntry
from engine.config import SmvpSettings
from interchange import exporter, importer, spec
from interchange.exporter import dumps, export_cycle, write_cycle
from interchange.importer import import_cycle
from organization.models import Assignment, Employment, Person, Unit
from planning.models import Cycle, Indicator, OperationalObjective, StrategicObjective
from tests.interchange.documents import rich_document


def _used_fields(object_spec, items, used):
    for item in items:
        for fld in object_spec.fields:
            value = item.get(fld.name)
            if value is None:
                continue
            if fld.kind == spec.OBJECTS:
                _used_fields(fld.item, value, used)
            elif fld.kind == spec.NESTED:
                _used_fields(fld.item, [value], used)
            elif object_spec is spec.DOCUMENT and fld.name in spec.SECTIONS:
                _used_fields(spec.SECTIONS[fld.name], [value], used)
            if fld.required or not spec.is_default(fld, value):
                used.add((object_spec.name, fld.name))


def _all_fields(object_spec, found):
    for fld in object_spec.fields:
        found.add((object_spec.name, fld.name))
        child = fld.item or (spec.SECTIONS.get(fld.name) if object_spec is spec.DOCUMENT else None)
        if child is not None:
            _all_fields(child, found)


def test_the_fixture_uses_every_field_of_the_format():
    used, every = set(), set()
    _used_fields(spec.DOCUMENT, [rich_document()], used)
    _all_fields(spec.DOCUMENT, every)
    assert every - used == set()


def test_every_choice_of_the_main_enums_is_used():
    text = json.dumps(rich_document())
    for choices in (
        spec.TARGET_KINDS,
        spec.DIMENSIONS,
        spec.POLARITIES,
        spec.ASSIGNMENT_KINDS,
        spec.ABSENCE_KINDS,
        spec.ROLES,
        spec.CCNL_AREAS,
        spec.WEIGHT_GROUP_KINDS,
        spec.TAGS,
        spec.PERIOD_KINDS,
        spec.WINDOW_STATES,
        spec.MEASUREMENT_STATES,
        spec.CORRECTIVE_STATUSES,
    ):
        missing = [c for c in choices if f'"{c}"' not in text]
        assert missing == []


def test_export_of_an_import_is_the_canonical_form_of_the_file(rich_cycle):
    expected = dumps(spec.canonical(rich_document()))
    assert dumps(export_cycle(rich_cycle)) == expected
    # The fixture is not canonical itself, so the canonical pass did real work.
    assert expected != dumps(rich_document())


def test_export_import_export_is_identical(rich_cycle):
    first = dumps(export_cycle(rich_cycle))
    again = import_cycle(json.loads(first), replace=True)
    assert again.pk != rich_cycle.pk
    assert dumps(export_cycle(again)) == first


def test_canonical_text_details(rich_cycle):
    text = dumps(export_cycle(rich_cycle))
    data = json.loads(text)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '\n  "ente": {\n    "slug": "unione-val-prova",' in text
    assert "≤ 0" in text  # UTF-8 characters, not \u escapes
    assert list(data) == [
        "format",
        "version",
        "ente",
        "units",
        "people",
        "evaluation_bodies",
        "integrative_contracts",
        "cycle",
    ]
    objectives = data["cycle"]["objectives"]
    assert objectives[1]["weight"] == "11.11"
    assert objectives[0]["weight"] == "30"
    assert data["cycle"]["indicators"][0]["baseline_value"] == "-9157.8"
    assert data["units"][0]["parameters"][0]["values"][0]["value"] == "2633"
    assert data["cycle"]["org_levels"][2]["weight"] == "0"
    assert "parent" not in data["units"][0]  # null omitted
    assert "position" not in data["people"][0]["assignments"][0]  # empty string omitted
    assert data["people"][0]["assignments"][0] == {"unit": "area-finanziaria"}
    anna_job = data["people"][0]["employments"][0]
    assert "part_time_percent" not in anna_job and "contract" not in anna_job
    assert data["people"][1]["employments"][0]["part_time_percent"] == "66.67"
    assert "expected_total" not in data["cycle"]["weight_groups"][1]
    assert data["cycle"]["weight_groups"][0]["expected_total"] == "30"
    assert "years" not in objectives[1] and "is_transversal" not in objectives[1]
    assert "kind" not in objectives[1]  # "sviluppo" is the default
    members = data["evaluation_bodies"][0]["members"]
    assert members[0]["is_external"] is True and "is_external" not in members[1]
    smvp = data["ente"]["smvp_settings"]  # complete, as SmvpSettings.to_dict(), keys sorted
    assert list(smvp) == sorted(SmvpSettings().to_dict())
    assert list(smvp["indicator"]) == sorted(smvp["indicator"])
    assert smvp["cap"] == "120" and smvp["missing"] == "zero"
    assert smvp["indicator"]["bands"] == [
        {"from": "60", "score": "50"},
        {"from": "90", "score": "100"},
    ]
    assert smvp["status"] == SmvpSettings().to_dict()["status"]  # defaults filled in
    assert data["cycle"]["revisions"][1]["is_open"] is True
    assert "is_open" not in data["cycle"]["revisions"][0]


def test_import_links_rows_as_the_file_says(rich_cycle):
    ente = rich_cycle.ente
    assert ente.governing_body == "Giunta dell'Unione"
    settings = SmvpSettings.from_dict(ente.smvp_settings)
    assert ente.smvp_settings == settings.to_dict()  # stored complete
    assert settings.cap == Decimal("120") and settings.missing.value == "zero"
    assert [c.source.value for c in settings.ente_composition] == ["ente_indicators", "units"]
    assert [m.name for m in ente.members.all()] == ["Comune di Monteprova", "Comune di Pianprova"]
    tributi = Unit.objects.get(ente=ente, key="servizio-tributi")
    assert tributi.parent.key == "area-finanziaria"
    assert Unit.objects.get(ente=ente, key="area-finanziaria").responsible.key == "anna-verdi"
    anna_job = Employment.objects.get(person__key="anna-verdi")
    assert anna_job.employer == ente and anna_job.part_time_percent == Decimal("100")
    luca_jobs = Employment.objects.filter(person__key="luca-neri").order_by("id")
    assert luca_jobs[0].employer is None and luca_jobs[0].is_part_time
    convention = Assignment.objects.get(person__key="luca-neri", kind="convenzione")
    assert convention.hours_per_week == Decimal("9")
    assert convention.source_ente_name == "Comune di Monteprova"
    payment = OperationalObjective.objects.get(cycle=rich_cycle, key="tempi-pagamento")
    assert payment.weight_group.expected_total == Decimal("30")
    assert set(payment.responsibles.values_list("key", flat=True)) == {"anna-verdi", "luca-neri"}
    delay = Indicator.objects.get(cycle=rich_cycle, key="ritardo-pagamenti")
    assert delay.phase.description == "Relazione finale"
    assert delay.targets.get(year=2025).value_to == Decimal("800")
    strategic = StrategicObjective.objects.get(cycle=rich_cycle, key="bilancio-sano")
    assert strategic.units.count() == 2 and strategic.area.key == "ente-efficiente"
    assert rich_cycle.revisions.get(number=2).is_open is True
    entry = AuditEntry.objects.get(action="cycle.import")
    assert entry.ente == ente and entry.object_id == str(rich_cycle.pk)
    assert entry.changes["objectives"] == 3 and entry.changes["indicators"] == 12
    assert entry.changes["measurements"] == 6


def test_people_keep_the_order_of_the_file(db):
    document = rich_document()
    document["people"].reverse()
    cycle = import_cycle(document)
    keys = [p["key"] for p in export_cycle(cycle)["people"]]
    assert keys == ["paola-gialli", "luca-neri", "anna-verdi"]
    assert Person.objects.filter(ente=cycle.ente).count() == 3


def _grown_document(copies: int) -> dict:
    """The rich document with `copies` more objectives, each with a phase and an indicator."""
    document = rich_document()
    cycle = document["cycle"]
    for index in range(copies):
        cycle["objectives"].append(
            {
                "key": f"extra-{index}",
                "title": f"Obiettivo {index}",
                "unit": "polizia-locale",
                "responsibles": ["luca-neri"],
                "phases": [{"description": "Fase unica"}],
            }
        )
        cycle["indicators"].append(
            {
                "key": f"extra-ind-{index}",
                "scope": "objective",
                "objective": f"extra-{index}",
                "phase": 0,
                "name": "Indicatore",
                "targets": [{"year": 2024, "kind": "gte", "value": "1"}],
            }
        )
        cycle["measurements"].append(
            {
                "indicator": f"extra-ind-{index}",
                "period_kind": "semestre",
                "period_start": "2024-01-01",
                "period_end": "2024-06-30",
                "value": str(index),
                "evidence": [
                    {"original_name": "a.pdf", "content_type": "application/pdf", "size": 1}
                ],
                "corrections": [
                    {"window": "30-giugno", "reason": "r", "corrected_at": "2024-08-01T00:00:00Z"}
                ],
            }
        )
        cycle["delegates"].append({"objective": f"extra-{index}", "person": "anna-verdi"})
        cycle["corrective_actions"].append(
            {
                "objective": f"extra-{index}",
                "description": "x",
                "recorded_at": "2024-08-01T00:00:00Z",
            }
        )
    return document


def _export_queries(cycle) -> int:
    with CaptureQueriesContext(connection) as context:
        export_cycle(cycle)
    return len(context.captured_queries)


def test_export_uses_a_constant_number_of_queries(db, django_assert_max_num_queries):
    small = import_cycle(_grown_document(0))
    big_document = _grown_document(40)
    big_document["ente"]["slug"] = "unione-grande"
    big = import_cycle(big_document)
    assert _export_queries(big) == _export_queries(small)
    # 27 for the plan (with the shared units of objectives and areas of strategic ones), 6 for
    # monitoring (windows with snapshots, measurements, evidence, corrections, delegates,
    # corrective actions), 13 for appraisal and rewards (behaviours,
    # schemes, components, their behaviours, bands, schede, items, transitions, conciliations,
    # validation, funds, distributions, lines), 5 id -> key maps read before the long lists
    # are streamed (people, objectives, phases, indicators, schede), 1 for the integrative
    # contracts.
    with django_assert_max_num_queries(52):
        export_cycle(big)


def test_the_streamed_export_is_the_document_written_block_by_block(db, monkeypatch):
    cycle = import_cycle(_grown_document(12))
    expected = dumps(export_cycle(cycle))
    pieces: list[str] = []
    write_cycle(cycle, pieces.append)
    assert "".join(pieces) == expected
    # With blocks of 5 rows the long lists are read with more queries, and written in more
    # pieces, but the text does not change.
    whole = len(pieces)
    with CaptureQueriesContext(connection) as whole_queries:
        write_cycle(cycle, lambda text: None)
    monkeypatch.setattr(exporter, "CHUNK", 5)
    pieces.clear()
    with CaptureQueriesContext(connection) as block_queries:
        write_cycle(cycle, pieces.append)
    assert "".join(pieces) == expected
    assert len(pieces) == whole
    assert len(block_queries.captured_queries) > len(whole_queries.captured_queries)


def _rows_written(sql: str) -> int:
    """Rows of one INSERT (its VALUES groups) or one bulk UPDATE (its WHEN branches)."""
    if sql.startswith("INSERT"):
        return sql.count("), (") + 1
    if sql.startswith("UPDATE"):
        return max(sql.count("WHEN"), 1) // max(sql.count("CASE"), 1)
    return 0


def test_the_import_writes_in_batches_of_the_same_size(db, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 3)
    document = _grown_document(12)
    with CaptureQueriesContext(connection) as context:
        import_cycle(document)
    written = [_rows_written(q["sql"]) for q in context.captured_queries]
    assert max(written) == 3
    # Re-imported with --replace, people and units are updated in place, in batches too.
    with CaptureQueriesContext(connection) as context:
        batched = import_cycle(document, replace=True)
    assert max(_rows_written(q["sql"]) for q in context.captured_queries) <= 3
    monkeypatch.setattr(importer, "BATCH", 500)
    other = dict(document, ente={**document["ente"], "slug": "unione-in-blocco"})
    whole = import_cycle(other)
    assert dumps(export_cycle(whole)).replace("unione-in-blocco", "x") == dumps(
        export_cycle(Cycle.objects.select_related("ente").get(pk=batched.pk))
    ).replace(document["ente"]["slug"], "x")


def test_integrative_contracts_travel_with_the_file(rich_cycle):
    """Issue 7 item 1: the contract's tie-break criteria, cut-off ties and years are carried by
    the 1.2 format; a 1.1 file without them is still read and leaves the contracts alone."""
    from rewards.models import IntegrativeContract

    contracts = {c.first_year: c for c in IntegrativeContract.objects.filter(ente=rich_cycle.ente)}
    assert set(contracts) == {2019, 2022}
    latest = contracts[2022]
    assert latest.last_year is None and latest.act_label == "Sottoscritto il 12/12/2022"
    assert latest.parameters["tie_break"] == ["score", "absences", "seniority"]
    assert latest.parameters["cutoff_ties"] == "share"
    older = rich_document()
    older["version"] = "1.1"
    del older["integrative_contracts"]
    import_cycle(older, replace=True)
    assert IntegrativeContract.objects.filter(ente=rich_cycle.ente).count() == 2


def test_an_integrative_contract_with_bad_rules_is_refused_with_its_path(db):
    import pytest

    from interchange.importer import InterchangeError
    from rewards.models import IntegrativeContract

    document = rich_document()
    document["integrative_contracts"][1]["parameters"]["cutoff_ties"] = "a caso"
    with pytest.raises(InterchangeError, match=r"\$\.integrative_contracts\[1\]: Pari merito"):
        import_cycle(document)
    assert not IntegrativeContract.objects.exists()  # nothing half-written
