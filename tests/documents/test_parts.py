"""Charts, the Portale PIAO sheet, the table download, the shapes of the Piano."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from core.charts import Bar, Series, bar_chart, grouped_bar_chart
from documents.builders import build, piano
from documents.builders.portale import target_cells
from documents.table_export import typed
from planning.models import Target, TargetKind


def test_chart_is_accessible_svg():
    svg = bar_chart(
        "Raggiungimento per area",
        [Bar("Polizia Locale", Decimal("70")), Bar("Bilancio <B&C>", None)],
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="t">Raggiungimento per area</title>' in svg
    assert "Polizia Locale: 70,00 %" in svg and "n.d." in svg
    assert "&lt;B&amp;C&gt;" in svg
    grouped = grouped_bar_chart(
        "Andamento", ["Ente"], [Series("30/06", [Decimal(50)]), Series("30/09", [Decimal(60)])]
    )
    assert 'fill="url(#p0)"' in grouped and 'fill="url(#p1)"' in grouped  # patterns, not colour


def test_same_chart_on_the_page_and_in_the_documents(sorbara):
    from documents.model import Chart

    model = build("relazione", sorbara)
    charts = [b for _, s in model.walk() for b in s.blocks if isinstance(b, Chart)]
    assert charts and all(c.alt and c.table.rows for c in charts)
    from documents.writers.docx import svg_to_png

    assert svg_to_png(charts[0].svg)[:4] == b"\x89PNG"


def test_portale_target_operators_and_ranges(sorbara):
    gte = Target(kind=TargetKind.GTE, value=Decimal("30"), year=2024)
    between = Target(
        kind=TargetKind.BETWEEN, value=Decimal("700"), value_to=Decimal("800"), year=2024
    )
    text = Target(kind=TargetKind.TEXT, text="entro il 31.03.2024", year=2024)
    assert target_cells(gte) == [("Maggiore o uguale a", Decimal("30"))]
    assert target_cells(between) == [
        ("Maggiore o uguale a", Decimal("700")),
        ("Minore o uguale a", Decimal("800")),
    ]
    assert target_cells(text) == [("", "entro il 31.03.2024")]
    gt = Target(kind=TargetKind.GT, value=Decimal("53"), year=2024)
    lt = Target(kind=TargetKind.LT, value=Decimal("45"), year=2024)
    assert target_cells(gt) == [("Maggiore di", Decimal("53"))]  # «superiore al 53 %»
    assert target_cells(lt) == [("Minore di", Decimal("45"))]  # «inferiore al 45 %»
    from documents.writers.xlsx import render_xlsx

    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(build("portale", sorbara))))
    sheet = book["Portale PIAO 2.2"]
    header = [c.value for c in sheet[1]]
    assert header[6:14] == [
        "Indicatore",
        "Dimensione",
        "Sotto-dimensione",
        "Formula",
        "Peso indicatore",
        "Polarità",
        "Baseline",
        "Fonte dati",
    ]
    assert header[14].startswith("Target anno N (2024): operatore")
    assert "Note" in book.sheetnames


def test_plan_shapes(sorbara, consorzio, casalbuttano):
    assert piano.default_shape(sorbara) == piano.SHAPE_ORDINARY
    assert piano.default_shape(consorzio) == piano.SHAPE_STANDALONE
    sorbara.ente.headcount = 50  # the threshold includes 50
    assert piano.default_shape(sorbara) == piano.SHAPE_SIMPLIFIED
    sorbara.ente.headcount = 51
    assert piano.default_shape(sorbara) == piano.SHAPE_ORDINARY
    from documents.services import plan_shape_update

    plan_shape_update(user=None, cycle=casalbuttano, shape="piao_semplificato")
    assert "PIAO semplificato" in build("piano", casalbuttano).plain_text()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234,56 €", Decimal("1234.56")),
        ("60,36 %", Decimal("60.36")),
        ("1.700", Decimal(1700)),
        ("abc", "abc"),
        ("", None),
    ],
)
def test_cells_read_the_italian_way(text, value):
    assert typed(text)[0] == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1.234,56 €", "euro"),
        ("-0,5 %", "percent"),
        ("12,5", "number"),
        ("1" * 40, "text"),  # looks like a number, but too many digits: the parser refuses it
        ("12,5" + "0" * 40 + " €", "text"),
    ],
)
def test_cells_the_parser_refuses_stay_text(text, kind):
    value, column_kind = typed(text)
    assert column_kind.value == kind
    assert (value == text) is (kind == "text")


def test_documents_has_no_writer_of_its_own():
    """The table download and the public CSV go through `core.tabular` (one writer, safe
    against formula injection): the documents app keeps no copy of it."""
    from documents import table_export

    assert not hasattr(table_export, "safe_csv_cell")
    assert not hasattr(table_export, "to_csv")
    assert not hasattr(table_export, "to_xlsx")


def test_table_download_endpoint(make_user, sorbara):
    user = make_user("t-download", sorbara.ente, "admin")
    client = Client()
    client.force_login(user)
    table = {
        "caption": "Fondi",
        "header": ["Fondo", "Importo", "Quota", "Dal"],
        "rows": [["=cmd|' /C calc'!A0", "1.234,56 €", "60,36 %", "31/03/2024"]],
    }
    xlsx = client.post(
        "/documenti/tabella/scarica/",
        {"formato": "xlsx", "nome": "fondi", "tabella": json.dumps(table)},
    )
    assert xlsx["Content-Disposition"] == 'attachment; filename="fondi.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    row = [c for c in sheet[2]]
    assert row[0].data_type == "s"
    assert row[1].value == pytest.approx(1234.56) and row[2].value == pytest.approx(0.6036)
    assert row[3].is_date and sheet.freeze_panes == "A2"
    csv_response = client.post(
        "/documenti/tabella/scarica/", {"formato": "csv", "tabella": json.dumps(table)}
    )
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # the CSV of `core.tabular` for people
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Fondo;Importo;Quota;Dal"
    assert lines[1] == "'=cmd|' /C calc'!A0;1.234,56 €;60,36 %;31/03/2024"
    negative = {**table, "rows": [["-1.234,56", "-5", "+SOMMA(A1)", "@x"]]}
    response = client.post(
        "/documenti/tabella/scarica/", {"formato": "csv", "tabella": json.dumps(negative)}
    )
    assert response.content.decode("utf-8-sig").splitlines()[1] == "-1.234,56;-5;'+SOMMA(A1);'@x"
    assert Client().post("/documenti/tabella/scarica/", {"formato": "csv"}).status_code == 302
