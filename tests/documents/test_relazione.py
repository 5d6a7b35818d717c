"""The Relazione's figures are those of `cycle_scores` and `distribute_premiums`; a document
that lacks what it needs says so in Italian."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from documents.builders import DocumentUnavailable, build
from documents.model import BulletList, Table
from rewards.models import Distribution, DistributionState, Fund
from tests.documents.conftest import DATA


def table(model, caption_start: str) -> Table:
    for candidate in model.tables():
        if candidate.caption.startswith(caption_start):
            return candidate
    raise AssertionError(f"nessuna tabella «{caption_start}»")


def test_organisational_figures_equal_cycle_scores(sorbara):
    out = io.StringIO()
    call_command("cycle_scores", "--ente", "unione-sorbara", "--year", "2024", stdout=out)
    scores = json.loads(out.getvalue())
    model = build("relazione", sorbara)
    units = table(model, "Performance organizzativa per struttura")
    expected = [
        Decimal(u["display_percent"]) if u["display_percent"] else None for u in scores["units"]
    ]
    assert [row[1] for row in units.rows] == expected
    ente = Decimal(scores["ente"]["display_percent"])
    assert f"Performance organizzativa dell'ente: {str(ente).replace('.', ',')}" in (
        model.plain_text()
    )
    objectives = table(model, "Obiettivi operativi: raggiungimento")
    assert [row[4] for row in objectives.rows] == [
        Decimal(o["display_percent"]) if o["display_percent"] else None
        for o in scores["objectives"]
    ]
    counts = dict(table(model, "Obiettivi per esito").rows)
    assert sum(counts.values()) == len(scores["objectives"])


def _printed(*args) -> list[dict]:
    out = io.StringIO()
    call_command(
        "distribute_premiums", "--ente", "unione-sorbara", "--year", "2024", *args, stdout=out
    )
    return json.loads(out.getvalue())["distributions"]


def test_premiums_equal_distribute_premiums(sorbara):
    """Every fund's row is what `distribute_premiums` prints: its final distribution, or for
    a fund without one the preview the command computes (the latest, labelled anteprima)."""
    funds = Fund.objects.filter(ente=sorbara.ente, year=2024)
    final_kinds = set(
        Distribution.objects.filter(fund__in=funds, state=DistributionState.FINAL).values_list(
            "fund__kind", flat=True
        )
    )
    open_kinds = set(funds.values_list("kind", flat=True)) - final_kinds
    assert final_kinds and open_kinds  # the demo has both: both paths are checked
    printed = [(item, "definitiva") for item in _printed()]
    for kind in sorted(open_kinds):
        printed += [(item, "anteprima") for item in _printed("--fund", kind, "--preview")]
    model = build("relazione", sorbara)
    rows = {row[0]: row for row in table(model, "Premi collegati alla performance").rows}
    assert len(printed) == funds.count()
    for item, state in printed:
        figures = item["allocated_vs_distributed"]
        row = rows[item["distribution"]["fund"]["kind_label"]]
        assert row[1] == Decimal(figures["allocated"])
        assert row[2] == Decimal(figures["distributed"])
        assert row[4] == Decimal(figures["residual"])
        assert row[5] == state


def test_relazione_sections_follow_civit(sorbara):
    model = build("relazione", sorbara)
    titles = [s.title for s in model.sections]
    assert titles[0].startswith("1. Presentazione")
    assert any("Obiettivi: risultati raggiunti e scostamenti" in t for t in titles)
    assert any("Pari opportunità e bilancio di genere" in t for t in titles)
    assert any("performance individuale" in t for t in titles)
    assert any("Premialità stanziata e distribuita" in t for t in titles)
    assert any("processo" in t.lower() for t in titles)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("relazione", "nessun valore misurato"),
        ("monitoraggio", "non ha finestre di monitoraggio né valori misurati"),
        ("validazione", "nessun valore misurato"),
    ],
)
def test_missing_data_is_said_in_italian(casalbuttano, kind, message):
    with pytest.raises(DocumentUnavailable) as error:
        build(kind, casalbuttano)
    assert message in error.value.message


def test_consorzio_documents_from_its_final_reading(consorzio):
    from measurement.models import MonitoringWindow

    window = MonitoringWindow.objects.get(cycle=consorzio, key="finale")
    report = build("monitoraggio", consorzio, window=window).plain_text()
    assert "Finestra aperta: dati provvisori" in report
    # Without a window: the latest one reached (its period has ended), not a refusal.
    assert build("monitoraggio", consorzio).plain_text() == report
    relazione = build("relazione", consorzio).plain_text()
    assert "slittato al 2022" in relazione  # the motivation of a deviation
    assert "conforme" in build("accompagnamento", consorzio).plain_text()


def test_draft_plan_refuses_the_relazione_and_marks_the_piano(sorbara):
    from planning.services import cycle_copy_as_draft

    draft = cycle_copy_as_draft(user=None, cycle=sorbara, year=2025)
    with pytest.raises(DocumentUnavailable, match="richiede un piano approvato"):
        build("relazione", draft)
    assert "BOZZA" in build("piano", draft).plain_text()


def test_command_says_what_is_missing(casalbuttano):
    with pytest.raises(CommandError, match="nessun valore misurato"):
        call_command(
            "generate_document",
            "--kind",
            "relazione",
            "--ente",
            casalbuttano.ente.slug,
            "--year",
            "2021",
            "--format",
            "pdf",
            stdout=io.StringIO(),
        )


def test_payment_delay_chart_is_wired_to_the_invoices(sorbara):
    """Section 4 of the Relazione carries the ritardo annuale of every year as a chart with
    its table, and the quarterly ITP, from the figures of the payments pages."""
    from documents.model import Chart
    from payments.demo import DEMO_INVOICES, load_demo_invoices
    from payments.selectors import document_figures

    before = build("relazione", sorbara).plain_text()
    assert "Nessuna fattura registrata in Performa per il 2024" in before
    demo = [d for d in DEMO_INVOICES if d.slug == "unione-sorbara"]
    load_demo_invoices(data_dir=DATA, demos=tuple(demo))
    figures = document_figures(sorbara.ente, 2024)
    model = build("relazione", sorbara)
    charts = [
        block
        for _, section in model.walk()
        for block in section.blocks
        if isinstance(block, Chart) and block.title.startswith("Ritardo annuale dei pagamenti")
    ]
    assert len(charts) == 1
    chart = charts[0]
    expected = [Decimal(row["delay"]).quantize(Decimal("0.01")) for row in figures["delay_trend"]]
    assert [row[1] for row in chart.table.rows] == expected
    assert expected[-1] == Decimal("-5.21")
    assert "-5,21 giorni" in chart.alt and "<svg" in chart.svg
    assert chart.table in model.tables()  # the table behind the chart reaches the XLSX too
    quarters = table(model, "Indicatore di tempestività dei pagamenti – 2024")
    assert len(quarters.rows) == 5  # four quarters and the year
    assert quarters.rows[-1][3] == Decimal(figures["annual"]["itp"]).quantize(Decimal("0.01"))


def test_monitoring_report_without_a_window_is_the_latest_or_the_year(sorbara, consorzio, tmp_path):
    """`generate_document --kind monitoraggio` without --window: the latest window reached
    (closed, or with its period ended); with none reached, the state of the year."""
    from documents.builders.monitoraggio import default_window
    from measurement.models import MonitoringWindow, WindowState

    june = MonitoringWindow.objects.get(cycle=sorbara, key="30-giugno")
    assert june.state == WindowState.CLOSED
    MonitoringWindow.objects.filter(cycle=sorbara).exclude(pk=june.pk).delete()
    autumn = MonitoringWindow.objects.create(
        cycle=sorbara, key="autunno", label="Al 30 settembre", period_end="2024-09-30"
    )
    assert autumn.state == WindowState.OPEN
    assert default_window(sorbara, today=dt.date(2024, 8, 1)) == june  # autumn not reached
    assert default_window(sorbara, today=dt.date(2024, 10, 1)) == autumn  # provisional data
    assert default_window(sorbara) == autumn
    target = tmp_path / "report.pdf"
    out = io.StringIO()
    call_command(
        "generate_document",
        *("--kind", "monitoraggio", "--ente", "unione-sorbara", "--year", "2024"),
        *("--format", "pdf", "--output", str(target)),
        stdout=out,
    )
    assert "Finestra: Al 30 settembre (autunno)" in out.getvalue()
    assert target.read_bytes()[:4] == b"%PDF"
    MonitoringWindow.objects.filter(cycle=consorzio).delete()
    assert default_window(consorzio) is None
    text = build("monitoraggio", consorzio).plain_text()
    assert "Situazione a fine anno – piano 2021" in text
    assert "Valori e punteggi al 31/12/2021" in text
    assert "Nessuna finestra di monitoraggio chiusa" in text
    from planning.models import OperationalObjective

    titles = OperationalObjective.objects.filter(cycle=consorzio).values_list("title", flat=True)
    assert titles and all(title in text for title in titles)  # the results, not an empty file


@pytest.mark.parametrize(
    ("kind", "statement"),
    [
        ("scheda", "non ha schede individuali di valutazione in Performa"),
        ("premi", "non ha registrato in Performa fondi per i premi"),
        ("premi_aggregati", "nessun premio risulta stanziato né distribuito"),
    ],
)
def test_an_ente_without_schede_or_funds_gets_a_document_that_says_so(
    consorzio, kind, statement, tmp_path
):
    """The consorzio has no schede and no funds: its scheda and premium documents are
    generated, short, and say there is nothing and why — no failed generation."""
    from organization.models import Person

    person = Person.objects.filter(ente=consorzio.ente).first()
    text = build(kind, consorzio, person=person).plain_text()
    assert statement in text and consorzio.ente.name in text
    target = tmp_path / f"{kind}.pdf"
    extra = ("--person", person.key) if kind == "scheda" else ()
    call_command(
        "generate_document",
        *("--kind", kind, "--ente", consorzio.ente.slug, "--year", "2021", *extra),
        *("--format", "pdf", "--output", str(target)),
        stdout=io.StringIO(),
    )
    assert target.read_bytes()[:4] == b"%PDF"


def test_a_fund_not_yet_distributed_is_still_refused(sorbara):
    Distribution.objects.filter(fund__ente=sorbara.ente).delete()
    with pytest.raises(DocumentUnavailable, match="Nessuna distribuzione dei premi calcolata"):
        build("premi", sorbara)
    with pytest.raises(DocumentUnavailable, match="Indica la persona"):
        build("scheda", sorbara)


def test_relazione_withholds_small_groups_of_schede(sorbara, settings):
    """The Relazione is published: its counts per band follow the small-group rule of the
    summary page (core.privacy), and with the rule off they are the aggregates of the schede."""
    from appraisal.selectors import aggregates
    from core.privacy import shown_aggregates

    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 1
    full = [row[3] for row in table(build("relazione", sorbara), "Valutati per fascia").rows]
    assert full == [band.count for band in aggregates(sorbara).bands]
    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 3
    shown = shown_aggregates(aggregates(sorbara), sees_individuals=False)
    assert shown.suppressed_schemes  # the demo has a scheme with fewer than three in a band
    model = build("relazione", sorbara)
    bands = table(model, "Valutati per fascia")
    counts = [row[3] for row in bands.rows]
    assert counts == [row.count for row in shown.bands]
    assert None in counts and not any(c is not None and 0 < c < 3 for c in counts)
    assert "Conteggi non mostrati" in bands.note
    per_scheme = table(model, "Valutati per categoria")
    for name, _evaluated, _scale, mean, _on_100, low, high in per_scheme.rows:
        scored = [b for b in aggregates(sorbara).bands if b.scheme_name == name]
        if sum(b.count for b in scored) < 3:
            assert (mean, low, high) == (None, None, None)


def test_relazione_mean_score_on_the_scale_and_on_100(sorbara, settings):
    """Issue 7 item 7: the Relazione says the mean on each scheme's scale and on 100, and which
    population it covers, with the distribution page's own function."""
    from appraisal.models import Scheda
    from documents.model import Paragraph
    from rewards.selectors import mean_score_of

    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 1
    model = build("relazione", sorbara)
    scored = [
        (Decimal(s.total_points), Decimal(s.scheme.max_points))
        for s in Scheda.objects.filter(cycle=sorbara, total_points__isnull=False).select_related(
            "scheme"
        )
    ]
    expected = mean_score_of(
        scored, f"delle schede con punteggio ({len(scored)}, tutti i modelli di scheda)"
    )
    assert "su 100" in expected["text"]
    paragraphs = [b.text for _, s in model.walk() for b in s.blocks if isinstance(b, Paragraph)]
    assert any(expected["text"] in text for text in paragraphs)
    rows = table(model, "Valutati per categoria").rows
    assert rows
    for _name, _evaluated, scale, mean, on_100, _low, _high in rows:
        if mean is not None:
            assert scale in {max_points for _, max_points in scored}
            assert abs(on_100 - mean * 100 / scale) <= Decimal("0.02")  # both rounded to cents


def test_process_section_lists_strengths_and_weaknesses_from_the_checks(sorbara):
    """Outline §1.1 row 7 (punti di forza e debolezza): each Nucleo check lands on one side,
    the plan's approval date against 31 January too."""
    from documents.builders import nucleo

    model = build("relazione", sorbara)
    process = next(s for s in model.sections if s.title.startswith("8."))
    part = next(c for c in process.children if "Punti di forza e di debolezza" in c.title)
    lists = [b.items for b in part.blocks if isinstance(b, BulletList)]
    assert len(lists) == 2
    strengths, weaknesses = lists
    for check in nucleo.checks(sorbara):
        line = f"{check.criterion}: {check.evidence}."
        assert line in (strengths if check.outcome == nucleo.OK else weaknesses)
    assert not any(line.startswith("Piano approvato il") for line in strengths + weaknesses)
    for approved, on_time in ((dt.date(2024, 1, 31), True), (dt.date(2024, 3, 12), False)):
        sorbara.approval_act_date = approved
        sorbara.save(update_fields=["approval_act_date"])
        process = next(s for s in build("relazione", sorbara).sections if s.title.startswith("8."))
        part = process.children[-1]
        strengths, weaknesses = [b.items for b in part.blocks if isinstance(b, BulletList)]
        line = f"Piano approvato il {approved:%d/%m/%Y}"
        assert any(item.startswith(line) for item in (strengths if on_time else weaknesses))
        assert not any(item.startswith(line) for item in (weaknesses if on_time else strengths))
