"""XLSX writer: every table of a document on its own worksheet, with typed cells.

Numbers, amounts and dates are real cells (percentages as fractions with a percent format, so
60,36 % is the number 0.6036), text that a spreadsheet would read as a formula stays text, and
the header row is frozen. The first sheet lists the tables. openpyxl's write-only mode keeps
memory flat for plans of thousands of rows.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from documents.model import Cell, Column, ColumnKind, Document, Table

FORMATS = {
    ColumnKind.INTEGER: "#,##0",
    ColumnKind.NUMBER: "#,##0.####",
    ColumnKind.PERCENT: "0.00%",
    ColumnKind.EURO: '#,##0.00 "€"',
    ColumnKind.DATE: "DD/MM/YYYY",
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="E6ECF2", end_color="E6ECF2")
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_SHEET = 31
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters, none of []:*?/\\)."""
    base = FORBIDDEN.sub(" ", wanted).strip().strip("'") or "Tabella"
    name = base[:MAX_SHEET]
    counter = 2
    while name.lower() in taken:
        suffix = f" ({counter})"
        name = base[: MAX_SHEET - len(suffix)] + suffix
        counter += 1
    taken.add(name.lower())
    return name


def typed_value(value: Cell, kind: ColumnKind):
    """The value a cell stores: a fraction for a percentage, a date for a date."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if kind == ColumnKind.PERCENT and isinstance(value, (Decimal, int)):
        return Decimal(value) / Decimal(100)
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _cell(ws, value: Cell, kind: ColumnKind) -> WriteOnlyCell:
    stored = typed_value(value, kind)
    cell = WriteOnlyCell(ws, value=stored)
    if isinstance(stored, str):
        # Text is text: «=SOMMA(…)» or «-3 giorni» must not become a formula.
        cell.data_type = "s"
        if len(stored) > 60 or "\n" in stored:
            cell.alignment = WRAP
    elif kind in FORMATS:
        cell.number_format = FORMATS[kind]
    return cell


def _width(table: Table, index: int) -> float:
    column = table.columns[index]
    longest = max(
        [len(column.label)]
        + [len(table.text(row, index)) for row in table.rows[:200] if row[index] is not None],
        default=10,
    )
    return float(min(max(longest + 2, 10), 70))


def merged(tables: list[Table]) -> list[Table]:
    """Tables that share a `sheet` name become one sheet: a first column says which table each
    row comes from, and the columns are the union of theirs (matched by label)."""
    groups: dict[str, list[Table]] = {}
    order: list[str] = []
    for table in tables:
        key = table.sheet or table.caption
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(table)
    result = []
    for key in order:
        members = groups[key]
        if len(members) == 1:
            result.append(members[0])
            continue
        columns: list[Column] = []
        labels: dict[str, int] = {}
        for table in members:
            for column in table.columns:
                if column.label not in labels:
                    labels[column.label] = len(columns)
                    columns.append(column)
        rows = []
        for table in members:
            positions = [labels[c.label] for c in table.columns]
            for row in table.rows:
                line: list[Cell] = [None] * len(columns)
                for position, value in zip(positions, row, strict=False):
                    line[position] = value
                rows.append([table.caption, *line])
        result.append(Table(key, [Column("Tabella", width=3), *columns], rows, sheet=key))
    return result


def write_tables(workbook: Workbook, tables: list[Table], taken: set[str]) -> list[str]:
    names = []
    for table in tables:
        ws = workbook.create_sheet(sheet_name(table.sheet or table.caption, taken))
        names.append(ws.title)
        for index in range(len(table.columns)):
            ws.column_dimensions[get_column_letter(index + 1)].width = _width(table, index)
        ws.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(ws, value=column.label)
            cell.data_type = "s"
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = WRAP
            header.append(cell)
        ws.append(header)
        for row in table.rows:
            ws.append(
                [_cell(ws, value, col.kind) for value, col in zip(row, table.columns, strict=False)]
            )
    return names


def render_xlsx(document: Document) -> bytes:
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    tables = merged(document.tables())
    index = workbook.create_sheet(sheet_name("Indice", taken))
    index.column_dimensions["A"].width = 34
    index.column_dimensions["B"].width = 90
    title = WriteOnlyCell(index, value=f"{document.title} {document.year} – {document.ente_name}")
    title.font = Font(bold=True, size=13)
    title.data_type = "s"
    index.append([title])
    if document.subtitle:
        index.append([document.subtitle])
    index.append([])
    heads = [WriteOnlyCell(index, value="Foglio"), WriteOnlyCell(index, value="Tabella")]
    for cell in heads:
        cell.font = HEADER_FONT
    index.append(heads)
    names = write_tables(workbook, tables, taken)
    # The index is written last in content but stays the first sheet.
    for name, table in zip(names, tables, strict=False):
        index.append([name, table.caption])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
