"""XLSX writer: every table of a document on its own worksheet, through the shared XLSX writer
(`core.tabular`, safe against formula injection), with cells typed by their column.

Numbers, amounts and dates are real cells (percentages as fractions with a percent format, so
60,36 % is the number 0.6036), text that a spreadsheet would read as a formula stays text, and
the header row is frozen. The first sheet lists the tables. openpyxl's write-only mode keeps
memory flat for plans of thousands of rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl.styles import Font

from core import tabular
from documents.model import Cell, Column, ColumnKind, Document, Table

FORMATS = {
    ColumnKind.TEXT: tabular.GENERAL_FORMAT,
    ColumnKind.INTEGER: "#,##0",
    ColumnKind.NUMBER: "#,##0.####",
    ColumnKind.PERCENT: "0.00%",
    ColumnKind.EURO: '#,##0.00 "€"',
    ColumnKind.DATE: tabular.DATE_FORMAT,
}


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


def table_sheet(table: Table) -> tabular.Sheet:
    """A document table as a sheet of the shared XLSX writer: the cells typed by their
    column's kind (a percentage as a fraction), the widths from the content."""
    kinds = [column.kind for column in table.columns]
    return tabular.Sheet(
        title=table.sheet or table.caption,
        header=[column.label for column in table.columns],
        rows=[
            [typed_value(value, kind) for value, kind in zip(row, kinds, strict=False)]
            for row in table.rows
        ],
        number_formats=[FORMATS[kind] for kind in kinds],
        widths=[_width(table, index) for index in range(len(table.columns))],
    )


def write_tables(workbook, tables: list[Table], taken: set[str]) -> list[str]:
    return [tabular.append_sheet(workbook, table_sheet(table), taken) for table in tables]


def render_xlsx(document: Document) -> bytes:
    workbook = tabular.new_workbook()
    taken: set[str] = set()
    tables = merged(document.tables())
    index = workbook.create_sheet(tabular.sheet_title("Indice", taken))
    index.column_dimensions["A"].width = 34
    index.column_dimensions["B"].width = 90
    title = tabular.text_cell(index, f"{document.title} {document.year} – {document.ente_name}")
    title.font = Font(bold=True, size=13)
    index.append([title])
    if document.subtitle:
        index.append([tabular.text_cell(index, document.subtitle)])
    index.append([])
    index.append([tabular.header_cell(index, "Foglio"), tabular.header_cell(index, "Tabella")])
    names = write_tables(workbook, tables, taken)
    # The index is written last in content but stays the first sheet.
    for name, table in zip(names, tables, strict=False):
        index.append([tabular.text_cell(index, name), tabular.text_cell(index, table.caption)])
    return tabular.workbook_bytes(workbook)
