"""The CSV and XLSX writers: formula injection turned away, typed cells, the two CSV formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from core.tabular import (
    MACHINE,
    PEOPLE,
    Sheet,
    csv_response,
    csv_text,
    neutralise,
    rows_of,
    xlsx_bytes,
    xlsx_response,
)

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_in_a_text_comes_out_as_text(text):
    for fmt in (PEOPLE, MACHINE):
        out = csv_text(["nome"], [[text]], fmt)
        [_, row] = list(csv.reader(io.StringIO(out.lstrip("\ufeff")), delimiter=fmt.delimiter))
        assert row == [f"'{text}"]


@given(st.text())
def test_no_cell_starts_a_formula(text):
    written = neutralise(text)
    assert written in (text, f"'{text}")
    if written.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert text.lstrip("+-").replace(",", "").replace(".", "").isdigit()  # a plain number


def test_plain_numbers_stay_numbers():
    assert [neutralise(t) for t in ("-1.25", "+3", "-0,5", "-1+1", "-")] == [
        "-1.25",
        "+3",
        "-0,5",
        "'-1+1",
        "'-",
    ]


def test_numbers_stay_numbers_and_each_format_writes_its_own():
    row = [Decimal("-1234.50"), 7, dt.date(2024, 3, 31), True, None, "Rossi"]
    people = csv_text(["a", "b", "c", "d", "e", "f"], [row], PEOPLE)
    machine = csv_text(["a", "b", "c", "d", "e", "f"], [row], MACHINE)
    assert people.startswith("\ufeff")
    assert people.splitlines()[1] == "-1234,50;7;31/03/2024;sì;;Rossi"
    assert machine.splitlines()[1] == "-1234.50,7,2024-03-31,true,,Rossi"


def test_rows_of_follows_the_header():
    assert rows_of([{"b": 2, "a": 1}], ["a", "b", "c"]) == [[1, 2, None]]


def test_xlsx_cells_are_typed_and_texts_are_never_formulas():
    content = xlsx_bytes(
        Sheet(
            "Premi 2024: [bozza]",
            ["nome", "importo", "data", "giorni"],
            [["=1+1", Decimal("1234.56"), dt.date(2024, 1, 2), 3], ["Bianchi\x07", None, None, 0]],
        )
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Premi 2024- -bozza-"
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == Decimal("1234.56") or sheet["B2"].value == 1234.56
    assert sheet["B2"].data_type == "n" and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].value.date() == dt.date(2024, 1, 2)
    assert sheet["D2"].value == 3
    assert sheet["A3"].value == "Bianchi"
    assert sheet["A1"].font.bold


def test_downloads_are_attachments_with_safe_names():
    response = csv_response("Premi 2024/«bozza»", ["a"], [["x"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="premi-2024-bozza.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    workbook = xlsx_response("tabella", Sheet("Dati", ["a"], [[1]]))
    assert workbook["Content-Disposition"] == 'attachment; filename="tabella.xlsx"'
    assert load_workbook(io.BytesIO(workbook.content)).active["A2"].value == 1
