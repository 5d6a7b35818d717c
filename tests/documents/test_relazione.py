"""The Relazione's figures are those of `cycle_scores` and `distribute_premiums`; a document
that lacks what it needs says so in Italian."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from documents.builders import DocumentUnavailable, build
from documents.model import Table
from rewards.models import Distribution, DistributionState, Fund


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


def test_premiums_equal_distribute_premiums(sorbara):
    funds = Fund.objects.filter(ente=sorbara.ente, year=2024)
    assert funds.exists()
    finals = Distribution.objects.filter(fund__in=funds, state=DistributionState.FINAL)
    model = build("relazione", sorbara)
    rows = {row[0]: row for row in table(model, "Premi collegati alla performance").rows}
    if finals.exists():
        out = io.StringIO()
        call_command(
            "distribute_premiums", "--ente", "unione-sorbara", "--year", "2024", stdout=out
        )
        printed = json.loads(out.getvalue())["distributions"]
        for item in printed:
            figures = item["allocated_vs_distributed"]
            row = rows[item["distribution"]["fund"]["kind_label"]]
            assert row[1] == Decimal(figures["allocated"])
            assert row[2] == Decimal(figures["distributed"])
            assert row[4] == Decimal(figures["residual"])
            assert row[5] == "definitiva"
    else:  # previews only: the latest preview of each fund, labelled as such
        for fund in funds:
            latest = fund.distributions.order_by("-created_at", "-id").first()
            row = rows[fund.get_kind_display()]
            assert row[2] == Decimal(latest.total_paid)
            assert row[5] == "anteprima"


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
        ("monitoraggio", "non ha finestre di monitoraggio"),
        ("premi", "Nessuna distribuzione dei premi"),
        ("premi_aggregati", "Nessun fondo"),
        ("validazione", "nessun valore misurato"),
    ],
)
def test_missing_data_is_said_in_italian(consorzio, kind, message):
    with pytest.raises(DocumentUnavailable) as error:
        build(kind, consorzio)
    assert message in error.value.message


def test_draft_plan_refuses_the_relazione_and_marks_the_piano(sorbara):
    from planning.services import cycle_copy_as_draft

    draft = cycle_copy_as_draft(user=None, cycle=sorbara, year=2025)
    with pytest.raises(DocumentUnavailable, match="richiede un piano approvato"):
        build("relazione", draft)
    assert "BOZZA" in build("piano", draft).plain_text()


def test_command_says_what_is_missing(consorzio):
    with pytest.raises(CommandError, match="nessun valore misurato"):
        call_command(
            "generate_document",
            "--kind",
            "relazione",
            "--ente",
            consorzio.ente.slug,
            "--year",
            "2021",
            "--format",
            "pdf",
            stdout=io.StringIO(),
        )
