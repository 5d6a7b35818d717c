"""Read the tables of a plan file (XLSX, ODS, CSV, DOCX) into plain rows of cells.

Every reader returns a `SourceDocument`: a sequence of blocks, each a heading (a line of text
that may name an area, a service, a Missione…) or a table of rows. A row keeps the number it
has in the file, so every problem can be reported where the user will look for it.

* Spreadsheets (python-calamine, which reads XLSX and ODS quickly): each sheet is one table;
  merged cells are filled from their top-left cell and marked, so that the builder can say
  «area ripresa dalla riga 3». Calamine gives the merged ranges of XLSX only: those of ODS are
  read from the spans of its `content.xml`.
* CSV: UTF-8 (with or without BOM) or Windows-1252, separator `;`, `,` or tab, sniffed.
* DOCX (python-docx for the package, the table XML read directly): python-docx's `row.cells`
  repeats a merged cell once per grid column and cannot tell a vertical merge from a repeated
  value, so the `w:tc` elements are read with their `gridSpan` and `vMerge`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree

KINDS = {"xlsx": "xlsx", "xlsm": "xlsx", "ods": "ods", "csv": "csv", "txt": "csv", "docx": "docx"}


class ReadError(Exception):
    """The file cannot be read at all (wrong kind, damaged); the message is in Italian."""


@dataclass
class Cell:
    value: Any = None  # str, Decimal, date or None
    merged_from: int | None = None  # file row number of the merge's first cell

    @property
    def empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    @property
    def text(self) -> str:
        value = self.value
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return str(value).strip()


@dataclass
class Row:
    number: int
    cells: list[Cell]

    def cell(self, index: int) -> Cell:
        return self.cells[index] if index < len(self.cells) else Cell()

    @property
    def filled(self) -> list[int]:
        return [i for i, cell in enumerate(self.cells) if not cell.empty]


@dataclass
class Table:
    name: str  # sheet name or «tabella 3»
    rows: list[Row]
    location: str = ""  # how to name the table in a message («foglio Obiettivi»)


@dataclass
class Heading:
    text: str
    location: str = ""


@dataclass
class SourceDocument:
    kind: str
    blocks: list[Table | Heading] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]

    @property
    def sheet_names(self) -> list[str]:
        return [table.name for table in self.tables]


def file_kind(name: str) -> str:
    suffix = PurePath(name).suffix.lower().lstrip(".")
    kind = KINDS.get(suffix)
    if kind is None:
        raise ReadError(
            f"Il file «{name}» non è di un tipo che Performa sa leggere: usa XLSX, ODS, CSV o DOCX."
        )
    return kind


def read_document(name: str, content: bytes, *, sheets: list[str] | None = None) -> SourceDocument:
    kind = file_kind(name)
    try:
        if kind in {"xlsx", "ods"}:
            return _read_workbook(kind, content, sheets)
        if kind == "csv":
            return _read_csv(content)
        return _read_docx(content)
    except ReadError:
        raise
    except Exception as exc:  # a damaged or mislabelled file: any reader error says the same
        raise ReadError(
            f"Il file «{name}» non si può leggere come {kind.upper()}: è danneggiato o di un "
            f"altro tipo ({type(exc).__name__})."
        ) from exc


# ---------------------------------------------------------------------------------------------
# Spreadsheets
# ---------------------------------------------------------------------------------------------


def _cell_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


def _read_workbook(kind: str, content: bytes, wanted: list[str] | None) -> SourceDocument:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    names = list(book.sheet_names)
    if wanted:
        missing = [name for name in wanted if name not in names]
        if missing:
            raise ReadError(
                f"Il foglio «{missing[0]}» non c'è nel file (fogli presenti: {', '.join(names)})."
            )
        names = [name for name in names if name in wanted]
    document = SourceDocument(kind=kind)
    ods_merges = _ods_merged_ranges(content) if kind == "ods" else {}
    for name in names:
        sheet = book.get_sheet_by_name(name)
        data = sheet.to_python(skip_empty_area=False)
        rows = [
            Row(number=index + 1, cells=[Cell(_cell_value(value)) for value in values])
            for index, values in enumerate(data)
        ]
        _fill_merged(rows, sheet.merged_cell_ranges or ods_merges.get(name, []))
        document.blocks.append(Table(name=name, rows=rows, location=f"foglio «{name}»"))
    return document


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_CELLS = {f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"}

MergedRange = tuple[tuple[int, int], tuple[int, int]]


def _ods_merged_ranges(content: bytes) -> dict[str, list[MergedRange]]:
    """The merged cells of each sheet of an ODS, as calamine gives them for XLSX:
    ((top, left), (bottom, right)), 0-based. A merge is a `table-cell` with
    `number-rows-spanned`/`number-columns-spanned`; repeated rows and cells are counted."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("content.xml")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # never in an ODS: refuse entity tricks
        raise ReadError("Il file ODS contiene dichiarazioni XML non ammesse.")
    spanned_rows, spanned_columns = (
        f"{_ODS_TABLE}number-rows-spanned",
        (f"{_ODS_TABLE}number-columns-spanned"),
    )
    result: dict[str, list[MergedRange]] = {}
    for table in ElementTree.fromstring(xml).iter(f"{_ODS_TABLE}table"):
        ranges: list[MergedRange] = []
        top = 0
        for row in table.iter(f"{_ODS_TABLE}table-row"):
            left = 0
            for cell in row:
                if cell.tag not in _ODS_CELLS:
                    continue
                height = int(cell.get(spanned_rows, "1"))
                width = int(cell.get(spanned_columns, "1"))
                if height > 1 or width > 1:
                    ranges.append(((top, left), (top + height - 1, left + width - 1)))
                left += int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
            top += int(row.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
        result[table.get(f"{_ODS_TABLE}name", "")] = ranges
    return result


def _fill_merged(rows: list[Row], ranges) -> None:
    for (top, left), (bottom, right) in ranges:
        if top >= len(rows):
            continue
        anchor = rows[top].cell(left)
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            while len(row.cells) <= right:
                row.cells.append(Cell())
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    row.cells[c] = Cell(anchor.value, merged_from=top + 1)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def decode_text(content: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else Windows-1252 (what Excel writes in Italy)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _read_csv(content: bytes) -> SourceDocument:
    text = decode_text(content)
    sample = "\n".join(text.splitlines()[:30])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        counts = {sep: sample.count(sep) for sep in ";,\t"}
        delimiter = max(counts, key=counts.get)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [
        Row(number=index + 1, cells=[Cell(value.strip() or None) for value in values])
        for index, values in enumerate(reader)
    ]
    return SourceDocument(kind="csv", blocks=[Table(name="CSV", rows=rows, location="file CSV")])


# ---------------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text_of(element) -> str:
    """The text of a paragraph or cell, paragraphs joined by new lines."""
    paragraphs = element.iter(f"{W}p") if element.tag != f"{W}p" else [element]
    lines = []
    for paragraph in paragraphs:
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{W}t" and node.text:
                parts.append(node.text)
            elif node.tag in {f"{W}tab"}:
                parts.append(" ")
            elif node.tag in {f"{W}br", f"{W}cr"}:
                parts.append("\n")
        lines.append("".join(parts).strip())
    return "\n".join(line for line in lines if line)


def _read_docx(content: bytes) -> SourceDocument:
    import docx

    package = docx.Document(io.BytesIO(content))
    body = package.element.body
    document = SourceDocument(kind="docx")
    table_number = 0
    for child in body.iterchildren():
        if child.tag == f"{W}p":
            text = _text_of(child)
            if text:
                document.blocks.append(Heading(text=text, location="testo"))
        elif child.tag == f"{W}tbl":
            table_number += 1
            rows = _docx_rows(child)
            document.blocks.append(
                Table(name=f"tabella {table_number}", rows=rows, location=f"tabella {table_number}")
            )
    return document


def _docx_rows(table) -> list[Row]:
    """Rows of a Word table on its grid: spans repeated to the right, vMerge filled down."""
    rows: list[Row] = []
    for index, tr in enumerate(table.iterchildren(f"{W}tr")):
        cells: list[Cell] = []
        for tc in tr.iterchildren(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span, merge = 1, None
            if props is not None:
                grid_span = props.find(f"{W}gridSpan")
                if grid_span is not None:
                    span = int(grid_span.get(f"{W}val", "1"))
                v_merge = props.find(f"{W}vMerge")
                if v_merge is not None:
                    merge = v_merge.get(f"{W}val", "continue")
            column = len(cells)
            if merge == "continue" and rows:
                above = rows[-1].cell(column)
                origin = above.merged_from or rows[-1].number
                cell = Cell(above.value, merged_from=origin)
            else:
                cell = Cell(_text_of(tc) or None)
            cells.append(cell)
            # A horizontal span is one value: later columns of the span stay empty.
            cells.extend(Cell() for _ in range(span - 1))
        rows.append(Row(number=index + 1, cells=cells))
    return rows
