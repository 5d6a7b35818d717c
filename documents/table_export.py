"""«Scarica» for every table of every page: the table's cells, as the page shows them, become
a CSV (safe against formula injection) or an XLSX with typed cells and a frozen header, both
written by the shared writers of `core.tabular`.

The page posts the header and the rows (read from the table by `static/js/table-download.js`,
see `templates/includes/table_download.html`); the server reads each cell the Italian way —
«1.234,56 €» is an amount, «60,36 %» a percentage, «31/03/2024» a date, «1.700» a number —
and writes it typed. The data are the user's own page: nothing is read from the database, so
no access rule is needed beyond being logged in.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpResponse

from core import tabular
from core.parsing import lenient_decimal
from documents.model import Column, ColumnKind, Table

EURO = re.compile(r"^(-?[\d.]*\d(?:,\d+)?)\s*€$")
PERCENT = re.compile(r"^(-?[\d.]*\d(?:,\d+)?)\s*%$")
NUMBER = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^-?\d+(?:,\d+)?$")
DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
MAX_ROWS = 20000
MAX_COLUMNS = 60


def typed(text: str):
    """(value, kind) of a cell as shown on a page; text stays text."""
    text = (text or "").replace("\u00a0", " ").strip()
    if not text:
        return None, ColumnKind.TEXT
    for pattern, kind in ((EURO, ColumnKind.EURO), (PERCENT, ColumnKind.PERCENT)):
        match = pattern.match(text)
        if match:
            value = lenient_decimal(match.group(1))
            if value is not None:
                return value, kind
    match = DATE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day), ColumnKind.DATE
        except ValueError:
            return text, ColumnKind.TEXT
    if NUMBER.match(text):
        value = lenient_decimal(text)
        if value is not None:
            return value, ColumnKind.NUMBER
    return text, ColumnKind.TEXT


def to_table(caption: str, header: list[str], rows: list[list[str]]) -> Table:
    """A typed `Table`: each column takes the kind its non-empty cells agree on."""
    width = len(header)
    cells = [
        [typed(cell) for cell in row[:width]] + [(None, ColumnKind.TEXT)] * (width - len(row))
        for row in rows
    ]
    columns = []
    for index, label in enumerate(header):
        kinds = {kind for row in cells for value, kind in [row[index]] if value is not None}
        kind = kinds.pop() if len(kinds) == 1 else ColumnKind.TEXT
        columns.append(Column(label or f"Colonna {index + 1}", kind))
    values = []
    for row, raw in zip(cells, rows, strict=False):
        line = []
        for index, (value, kind) in enumerate(row):
            if value is not None and kind != columns[index].kind:
                value = raw[index] if index < len(raw) else None  # mixed column: keep the text
            line.append(value)
        values.append(line)
    return Table(caption or "Tabella", columns, values, sheet=(caption or "Tabella")[:31])


def csv_download(name: str, header: list[str], rows: list[list[str]]) -> HttpResponse:
    """The cells as the page shows them, in the CSV an Italian spreadsheet opens as is."""
    return tabular.csv_response(name, header, rows, tabular.PEOPLE)


def xlsx_download(
    name: str, caption: str, header: list[str], rows: list[list[str]]
) -> HttpResponse:
    """The cells read the Italian way and written typed, one sheet."""
    from documents.writers.xlsx import table_sheet

    return tabular.xlsx_response(name, table_sheet(to_table(caption, header, rows)))
