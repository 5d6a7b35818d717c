"""Plan import from XLSX, DOCX and CSV files built here, through `manage.py import_plan` and
the import services: the resulting plan object by object, flagged groups, row errors,
all-or-nothing and a second import that changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.exceptions import ServiceError
from core.models import AuditEntry
from interchange.models import ColumnMapping, PlanImport
from interchange.plans import services
from organization.models import Person, Unit, UnitKind
from planning.models import (
    Cycle,
    CycleState,
    Indicator,
    OperationalObjective,
    Phase,
    PlanRevision,
    StrategicObjective,
    Target,
    WeightGroup,
)
from tests.interchange import plan_files as pf


def plan_state(cycle: Cycle) -> dict:
    """Everything an import writes, comparable across runs."""
    return {
        "objectives": sorted(
            OperationalObjective.objects.filter(cycle=cycle).values_list(
                "pk", "title", "weight", "unit_id", "weight_group_id", "kind", "deadline"
            )
        ),
        "indicators": sorted(Indicator.objects.filter(cycle=cycle).values_list("pk", "name")),
        "targets": sorted(
            Target.objects.filter(indicator__cycle=cycle).values_list(
                "pk", "kind", "value", "value_to", "text"
            )
        ),
        "groups": sorted(
            WeightGroup.objects.filter(cycle=cycle).values_list("pk", "label", "expected_total")
        ),
        "phases": sorted(
            Phase.objects.filter(objective__cycle=cycle).values_list("pk", "description")
        ),
        "strategics": sorted(
            StrategicObjective.objects.filter(cycle=cycle).values_list("pk", "title")
        ),
        "units": sorted(Unit.objects.filter(ente=cycle.ente).values_list("pk", "name")),
    }


def run_import(tmp_path, name: str, content: bytes, *args: str) -> tuple[str, str]:
    path = tmp_path / name
    path.write_bytes(content)
    out, err = StringIO(), StringIO()
    call_command("import_plan", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def ente(make_ente, make_person):
    ente = make_ente("unione-prova")
    make_person(ente, key="malvasi", first_name="Ettore", last_name="Malvasì")
    return ente


def test_seed002_xlsx_becomes_the_plan_object_by_object(ente, tmp_path):
    out, err = run_import(
        tmp_path, "piano.xlsx", pf.seed002_xlsx(), "--ente", ente.slug, "--year", "2024"
    )
    cycle = Cycle.objects.get(ente=ente, year=2024)
    assert (cycle.first_year, cycle.last_year, cycle.state) == (2024, 2026, CycleState.DRAFT)

    # Areas and services created as the file writes them, services under their area.
    area = Unit.objects.get(ente=ente, name="AREA POLIZIA LOCALE")
    service = Unit.objects.get(ente=ente, name="Servizio Polizia Locale")
    assert (area.kind, service.kind, service.parent_id) == (
        UnitKind.AREA,
        UnitKind.SERVICE,
        area.pk,
    )
    assert service.peg_code == "PM01"

    objectives = {o.title: o for o in OperationalObjective.objects.filter(cycle=cycle)}
    assert len(objectives) == 6
    payment = objectives["RISPETTO DEI TEMPI DI PAGAMENTO"]
    assert payment.is_payment_time and payment.weight == Decimal("30")
    assert payment.unit == service and payment.deadline == dt.date(2024, 12, 31)
    # The responsabile «dott. Ettore Malvasi» is the person «Ettore Malvasì» (accents ignored).
    assert list(payment.responsibles.values_list("key", flat=True)) == ["malvasi"]
    assert payment.responsible_label == "dott. Ettore Malvasi"

    controls = objectives["Controlli sul territorio"]
    names = [i.name for i in controls.indicators.order_by("order")]
    assert names == ["nr. controlli", "Sanzioni notificate"]
    ranges = Target.objects.get(indicator__name="Sanzioni notificate", year=2024)
    assert (ranges.kind, ranges.value, ranges.value_to) == ("between", 700, 800)
    assert ranges.text == "compreso tra 700 e 800"
    previous = Target.objects.get(indicator__name="Corsi svolti")
    assert previous.kind == "gte_previous" and previous.text == "≥ anno precedente"
    assert objectives["Educazione stradale"].deadline == dt.date(2024, 3, 31)
    percent = Target.objects.get(indicator__name="Domande online / domande totali")
    assert (percent.kind, percent.value, percent.value_to) == ("between", 60, 70)
    assert Indicator.objects.get(name="Domande online / domande totali").unit_of_measure == "%"
    assert Target.objects.get(indicator__name="Soddisfazione utenti").kind == "eq"
    assert Target.objects.get(indicator__name="Posti offerti").kind == "gte_previous"

    # Weight groups: the payment share apart, 70 beside it; the educational group is flagged.
    groups = {g.label: g for g in WeightGroup.objects.filter(cycle=cycle)}
    pl = groups["Servizio Polizia Locale – Obiettivi"]
    assert pl.expected_total == Decimal("70")
    assert groups["Servizio Polizia Locale – Rispetto dei tempi di pagamento"].kind == (
        "tempi_pagamento"
    )
    education = groups["Servizi educativi e scolastici – Obiettivi"]
    weights = sorted(o.weight for o in education.objectives.all())
    assert weights == [Decimal("11.11")] * 3  # kept as written, never corrected
    assert "somma 33,33\u00a0% invece di 100\u00a0%" in err

    # Audited as an import, with the file's name and checksum; the file kept as evidence.
    item = PlanImport.objects.get(ente=ente)
    assert item.cycle == cycle and item.state == PlanImport.State.COMMITTED
    assert bytes(item.content) == pf.seed002_xlsx() or item.size > 0
    audit = AuditEntry.objects.get(action="plan.import")
    assert audit.changes["file_name"] == "piano.xlsx"
    assert audit.changes["checksum"] == item.checksum and len(item.checksum) == 64
    assert "Importato piano.xlsx" in out


def test_second_import_of_the_same_file_changes_nothing(ente, tmp_path):
    content = pf.seed002_xlsx()
    run_import(tmp_path, "piano.xlsx", content, "--ente", ente.slug, "--year", "2024")
    cycle = Cycle.objects.get(ente=ente, year=2024)
    before = plan_state(cycle)
    writes = AuditEntry.objects.exclude(action="plan.import").count()
    out, _ = run_import(tmp_path, "piano.xlsx", content, "--ente", ente.slug, "--year", "2024")
    assert plan_state(cycle) == before
    assert AuditEntry.objects.exclude(action="plan.import").count() == writes
    assert "creati nulla; aggiornati nulla" in out


def test_reimport_updates_a_changed_value_in_place(ente, tmp_path):
    run_import(tmp_path, "piano.xlsx", pf.seed002_xlsx(), "--ente", ente.slug, "--year", "2024")
    objective = OperationalObjective.objects.get(title="Controlli sul territorio")
    services.plan_import_commit(
        user=None,
        ente=ente,
        year=2024,
        file_name="piano.xlsx",
        content=pf.seed002_xlsx().replace(b"", b""),
    )
    assert OperationalObjective.objects.filter(title="Controlli sul territorio").count() == 1
    assert OperationalObjective.objects.get(pk=objective.pk).weight == Decimal("40")


def test_dry_run_writes_nothing(ente, tmp_path):
    out, _ = run_import(
        tmp_path,
        "piano.xlsx",
        pf.seed002_xlsx(),
        "--ente",
        ente.slug,
        "--year",
        "2024",
        "--dry-run",
    )
    assert "nessuna modifica" in out
    assert not Cycle.objects.filter(ente=ente).exists()
    assert not Unit.objects.filter(ente=ente).exists()


def test_seed004_docx_strategic_objective_with_phases_and_indicators(ente, tmp_path):
    _, err = run_import(
        tmp_path, "piano.docx", pf.seed004_docx(), "--ente", ente.slug, "--year", "2021"
    )
    cycle = Cycle.objects.get(ente=ente, year=2021)
    strategic = StrategicObjective.objects.get(cycle=cycle)
    assert strategic.code == "1"
    assert strategic.title == "Riorganizzazione ed armonizzazione dei servizi"
    assert strategic.responsible_label == "Direttore, PO delle Aree coinvolte"
    assert strategic.stakeholders_final == "Assemblea Consortile"
    assert strategic.expected_impact == "Tariffa unica"
    objective = OperationalObjective.objects.get(cycle=cycle)
    assert objective.title == "Revisione generale dei servizi e tariffa unica"
    assert objective.strategic_objective == strategic
    phases = list(
        objective.phases.order_by("order").values_list("description", "planned_text", "planned_end")
    )
    assert phases == [
        ("Definizione delle procedure", "febbraio", dt.date(2021, 2, 28)),
        ("Relazioni tecniche", "dicembre", dt.date(2021, 12, 31)),
        ("Supporto alla riorganizzazione", "Annuale", dt.date(2021, 12, 31)),
    ]
    report, monitoring = objective.indicators.order_by("order")
    assert (report.name, report.description, report.unit_of_measure) == (
        "N report",
        "Proposta tecnica finale",
        "N.",
    )
    assert (report.baseline_text, report.baseline_year) == ("--", 2020)
    assert report.targets.get().year == 2021
    target = monitoring.targets.get()
    assert (target.kind, target.value, target.text) == ("gte", 50, ">=50%")
    # What is not recognised is listed, never silently dropped.
    assert "tabella 5" in err and "Famiglia" in err


def test_windows_1252_semicolon_csv(ente, tmp_path):
    run_import(tmp_path, "piano.csv", pf.cp1252_csv(), "--ente", ente.slug, "--year", "2024")
    cycle = Cycle.objects.get(ente=ente, year=2024)
    titles = list(
        OperationalObjective.objects.filter(cycle=cycle)
        .order_by("order")
        .values_list("title", "kind", "weight")
    )
    assert titles == [
        ("Manutenzione strade comunali", "mantenimento", Decimal("50")),
        ("Opere pubbliche: cantieri aperti", "sviluppo", Decimal("0.5")),
        ("Qualità dell'illuminazione", "mantenimento", None),
    ]
    target = Target.objects.get(indicator__name="segnalazioni")
    assert (target.kind, target.value, target.text) == ("lte", 8, "<= 8 gg")
    assert Unit.objects.get(ente=ente).name == "Ufficio Tecnico"


def test_file_full_of_errors_blocks_its_rows_and_writes_the_rest(ente, tmp_path):
    preview = services.preview_file(
        ente=ente, year=2024, file_name="errori.xlsx", content=pf.errors_xlsx()
    )
    messages = [str(p) for p in preview.draft.errors]
    assert "foglio «Piano», riga 2, colonna Peso: «trenta» non è un numero." in messages
    assert any("riga 3, colonna Peso: il peso 120" in m for m in messages)
    assert any("riga 4, colonna Tipo: «boh»" in m for m in messages)
    assert any("riga 7, colonna Target 2031" in m and "fuori dal triennio" in m for m in messages)
    assert [c.header for c in preview.draft.unknown_columns] == ["Colore preferito"]
    _, err = run_import(
        tmp_path, "errori.xlsx", pf.errors_xlsx(), "--ente", ente.slug, "--year", "2024"
    )
    cycle = Cycle.objects.get(ente=ente, year=2024)
    titles = set(OperationalObjective.objects.filter(cycle=cycle).values_list("title", flat=True))
    assert titles == {"Stato civile", "Elettorale"}
    # The blocked indicator of «Elettorale» is not written; its objective is.
    assert not Indicator.objects.filter(cycle=cycle, name="Liste").exists()
    assert "ERRORE" in err


def test_nothing_is_half_written_when_the_commit_fails(ente, tmp_path, monkeypatch):
    from interchange.plans import commit

    # The targets come last: units, objectives, phases and indicators are already written.
    def failing(self, *args, **kwargs):
        assert OperationalObjective.objects.filter(cycle=self.cycle).exists()
        raise ServiceError("guasto simulato")

    monkeypatch.setattr(commit.BulkCommit, "stage_targets", failing)
    with pytest.raises(CommandError, match="guasto simulato"):
        run_import(tmp_path, "piano.xlsx", pf.seed002_xlsx(), "--ente", ente.slug, "--year", "2024")
    assert not Cycle.objects.filter(ente=ente).exists()
    assert not Unit.objects.filter(ente=ente).exists()
    assert not OperationalObjective.objects.exists()
    assert not PlanImport.objects.exists()


def test_approved_plan_is_never_overwritten(ente, tmp_path):
    run_import(tmp_path, "piano.csv", pf.cp1252_csv(), "--ente", ente.slug, "--year", "2024")
    cycle = Cycle.objects.get(ente=ente, year=2024)
    Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.APPROVED)
    before = plan_state(cycle)
    changed = pf.cp1252_csv().replace(b";50;M", b";60;M")
    with pytest.raises(CommandError, match="approvato"):
        run_import(tmp_path, "piano.csv", changed, "--ente", ente.slug, "--year", "2024")
    assert plan_state(cycle) == before
    # With a motivation, a revision is opened and the change goes through it, with history.
    run_import(
        tmp_path,
        "piano.csv",
        changed,
        "--ente",
        ente.slug,
        "--year",
        "2024",
        "--revision",
        "Nuovi pesi della Giunta",
    )
    revision = PlanRevision.objects.get(cycle=cycle)
    assert revision.is_open and revision.motivation == "Nuovi pesi della Giunta"
    objective = OperationalObjective.objects.get(title="Manutenzione strade comunali")
    assert objective.weight == Decimal("60")
    assert objective.versions.count() == 2


def test_unknown_column_mapping_is_saved_per_ente_and_reused(ente, tmp_path):
    services.mapping_save(user=None, ente=ente, mapping={"Colore preferito": "description"})
    assert ColumnMapping.objects.get(ente=ente).field == "description"
    preview = services.preview_file(
        ente=ente, year=2024, file_name="errori.xlsx", content=pf.errors_xlsx()
    )
    assert not preview.draft.unknown_columns
    stato = next(o for o in preview.draft.objectives if o.title == "Stato civile")
    assert stato.description == "giallo"


def test_probable_matches_need_confirmation(ente, make_person):
    Unit.objects.create(
        ente=ente, key="pl", kind=UnitKind.AREA, name="Area Polizia Locale e sicurezza"
    )
    make_person(ente, key="bianchi", first_name="Lucia", last_name="Bianchi")
    preview = services.preview_file(
        ente=ente, year=2024, file_name="piano.xlsx", content=pf.seed002_xlsx()
    )
    by_label = {p.label: p for p in preview.proposals}
    assert by_label["dott. Ettore Malvasi"].status == "exact"
    assert by_label["dott.ssa Laura Bianchi"].status == "probable"  # same surname only
    assert by_label["AREA POLIZIA LOCALE"].status == "probable"
    assert by_label["Servizio Polizia Locale"].status in {"probable", "none"}
    # Refusing the probable person keeps the label as written, with no link.
    _, result, _ = services.plan_import_commit(
        user=None,
        ente=ente,
        year=2024,
        file_name="piano.xlsx",
        content=pf.seed002_xlsx(),
        choices={"person:dott.ssa Laura Bianchi": "new", "unit:AREA POLIZIA LOCALE": "accept"},
    )
    mensa = OperationalObjective.objects.get(title="Mensa scolastica")
    assert not mensa.responsibles.exists() and mensa.responsible_label == "dott.ssa Laura Bianchi"
    controls = OperationalObjective.objects.get(title="Controlli sul territorio")
    assert controls.unit.parent.key == "pl"
    assert Person.objects.filter(ente=ente).count() == 2
    assert result.created["obiettivi"] == 6


def test_unknown_file_kind_is_refused_in_italian(ente, tmp_path):
    with pytest.raises(CommandError, match="XLSX, ODS, CSV o DOCX"):
        run_import(tmp_path, "piano.pdf", b"%PDF", "--ente", ente.slug, "--year", "2024")


def _commit_queries(make_ente, slug: str, content: bytes, user=None) -> tuple[int, Cycle]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ente = make_ente(slug)
    with CaptureQueriesContext(connection) as queries:
        services.plan_import_commit(
            user=user, ente=ente, year=2024, file_name="lungo.xlsx", content=content
        )
    return len(queries.captured_queries), Cycle.objects.get(ente=ente)


def test_commit_queries_do_not_grow_with_the_rows(make_ente):
    small, _ = _commit_queries(make_ente, "piccolo", pf.many_rows_xlsx(5))
    large, cycle = _commit_queries(make_ente, "grande", pf.many_rows_xlsx(60))
    # 55 objectives, 110 indicators, 330 targets more: the per-row path wrote them with more
    # than a thousand queries; in bulk only SQLite's batches (999 parameters a query) add any.
    assert large - small <= 8, (small, large)
    assert OperationalObjective.objects.filter(cycle=cycle).count() == 60
    assert Indicator.objects.filter(cycle=cycle).count() == 120
    assert Target.objects.filter(indicator__cycle=cycle).count() == 360
    assert Phase.objects.filter(objective__cycle=cycle).count() == 60
    between = Target.objects.get(indicator__name="Indicatore 59a", year=2026)
    assert (between.kind, between.value, between.value_to) == ("between", 59, 69)
    # The rows written in bulk are listed in the import's one summary row.
    summary = AuditEntry.objects.get(action="plan.import", ente=cycle.ente)
    assert len(summary.changes["rows"]["created"]["obiettivi"]) == 60
    assert len(summary.changes["rows"]["created"]["target"]) == 360
    assert not AuditEntry.objects.filter(ente=cycle.ente, action="objective.create").exists()


def test_bulk_reimport_of_a_changed_file_updates_in_place_with_its_diff(ente, tmp_path):
    content = pf.many_rows_xlsx(4)
    run_import(tmp_path, "lungo.xlsx", content, "--ente", ente.slug, "--year", "2024")
    cycle = Cycle.objects.get(ente=ente, year=2024)
    before = plan_state(cycle)
    run_import(tmp_path, "lungo.xlsx", content, "--ente", ente.slug, "--year", "2024")
    assert plan_state(cycle) == before
    book = openpyxl.load_workbook(io.BytesIO(content))
    book.active["F2"] = "≥ 99"  # first target of «Indicatore 0a»
    out = io.BytesIO()
    book.save(out)
    run_import(tmp_path, "lungo.xlsx", out.getvalue(), "--ente", ente.slug, "--year", "2024")
    after = plan_state(cycle)
    assert after["objectives"] == before["objectives"]
    assert [t[0] for t in after["targets"]] == [t[0] for t in before["targets"]]
    target = Target.objects.get(indicator__name="Indicatore 0a", year=2024)
    assert target.value == 99
    summary = AuditEntry.objects.filter(action="plan.import").order_by("-pk").first()
    assert summary.changes["rows"]["created"] == {}
    (changes,) = summary.changes["rows"]["updated"]["target"].values()
    assert [Decimal(v) for v in changes["value"]] == [1, 99]


def _plan_by_value(cycle: Cycle) -> dict:
    """The plan without ids, to compare two imports into two enti."""
    return {
        "objectives": sorted(
            OperationalObjective.objects.filter(cycle=cycle).values_list(
                "title",
                "weight",
                "unit__name",
                "unit__parent__name",
                "weight_group__label",
                "kind",
                "deadline",
                "is_payment_time",
            )
        ),
        "indicators": sorted(
            Indicator.objects.filter(cycle=cycle).values_list("objective__title", "name")
        ),
        "targets": sorted(
            Target.objects.filter(indicator__cycle=cycle).values_list(
                "indicator__name", "year", "kind", "value", "value_to", "text"
            )
        ),
        "groups": sorted(
            WeightGroup.objects.filter(cycle=cycle).values_list("label", "kind", "expected_total")
        ),
    }


def test_seed002_ods_with_merged_cells_gives_the_plan_of_the_xlsx(make_ente, make_person):
    plans = {}
    for name, content in (("piano.xlsx", pf.seed002_xlsx()), ("piano.ods", pf.seed002_ods())):
        ente = make_ente(name.replace(".", "-"))
        make_person(ente, key="malvasi", first_name="Ettore", last_name="Malvasì")
        preview = services.preview_file(ente=ente, year=2024, file_name=name, content=content)
        inferred = [str(i) for i in preview.draft.inferences]
        # The area written once in the merged cell A4:A7 is read on rows 5-7 from that cell.
        assert any("riga 6" in i and "cella unita della riga 4" in i for i in inferred), name
        assert not preview.draft.errors
        assert any(
            "somma 33,33\u00a0% invece di 100\u00a0%" in str(w) for w in preview.draft.warnings
        )
        services.plan_import_commit(
            user=None, ente=ente, year=2024, file_name=name, content=content
        )
        plans[name] = _plan_by_value(Cycle.objects.get(ente=ente))
    assert plans["piano.ods"] == plans["piano.xlsx"]
    assert len(plans["piano.ods"]["objectives"]) == 6  # the repeated header is not an objective
    assert ("Controlli sul territorio", "Sanzioni notificate") in plans["piano.ods"]["indicators"]
    assert {o[3] for o in plans["piano.ods"]["objectives"]} == {
        "AREA POLIZIA LOCALE",
        "AREA SERVIZI EDUCATIVI",
    }


def test_a_triennial_plan_scores_each_year_with_what_belongs_to_it(ente):
    from measurement.selectors import cycle_scores

    services.plan_import_commit(
        user=None, ente=ente, year=2024, file_name="triennale.xlsx", content=pf.triennial_xlsx()
    )
    cycle = Cycle.objects.get(ente=ente, year=2024)
    assert (cycle.first_year, cycle.last_year) == (2024, 2026)
    years = dict(OperationalObjective.objects.filter(cycle=cycle).values_list("title", "years"))
    assert years == {
        "Banca dati IMU": [2024],
        "Riscossione coattiva": [2025, 2026],
        "Sportello": [],
    }
    targets = sorted(
        Target.objects.filter(indicator__cycle=cycle).values_list("indicator__name", "year")
    )
    assert targets == [
        ("Avvisi", 2025),
        ("Avvisi", 2026),
        ("Posizioni", 2024),
        ("Utenti", 2024),
        ("Utenti", 2025),
        ("Utenti", 2026),
    ]

    def scored(of: Cycle) -> set[str]:
        board = cycle_scores(of, today=dt.date(of.year, 12, 31))
        titles = dict(OperationalObjective.objects.filter(cycle=of).values_list("key", "title"))
        return {titles[key] for key in board.scores.objectives}

    assert scored(cycle) == {"Banca dati IMU", "Sportello"}
