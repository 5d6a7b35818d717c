"""The one CSV writer and the one XLSX writer of Performa, and the responses that download them.

Every table that leaves Performa as a file goes through here, for two reasons:

* **formula injection**: a spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return as a formula. A person's name or an objective title typed as
  ``=HYPERLINK(…)`` must come out as text. The CSV writer prefixes such a text with an
  apostrophe (what spreadsheets show as a plain text marker); the XLSX writer stores it as a
  text cell, never as a formula. Numbers, dates and booleans are written as values, and a text
  that is just a number («-1.25») is left as it is, so a negative amount stays a number;
* **one format per audience**: ``PEOPLE`` is the CSV an Italian spreadsheet opens as is
  (UTF-8 with BOM, «;» between fields, decimal comma, dates dd/mm/yyyy, «sì»/«no»); ``MACHINE``
  is the CSV a program reads (UTF-8, «,», decimal point, ISO dates, true/false), used by the
  management commands and by open data.

Rows are sequences of plain values (str, int, Decimal, float, date, bool, None) in the order of
the header; `rows_of` turns dictionaries into such rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from engine.numbers import format_date

Cell = str | int | float | Decimal | dt.date | bool | None
Row = Sequence[Cell]

# What a spreadsheet may take for the start of a formula (OWASP «CSV injection»).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARKER = "'"

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal_comma: bool
    bom: bool
    italian_words: bool  # dates dd/mm/yyyy and «sì»/«no», or ISO dates and true/false


PEOPLE = CsvFormat(delimiter=";", decimal_comma=True, bom=True, italian_words=True)
MACHINE = CsvFormat(delimiter=",", decimal_comma=False, bom=False, italian_words=False)


# A plain number («-1.25», «+3», «-0,5», «-1.234,56» as the pages show it) is no formula: a
# spreadsheet reads it as the number.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:[.,][0-9]+)?")


def neutralise(text: str) -> str:
    """A text that a spreadsheet would run as a formula, made inert: «=1+1» → «'=1+1»."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return f"{TEXT_MARKER}{text}"
    return text


def csv_cell(value: Cell, fmt: CsvFormat = MACHINE) -> str:
    """One value as CSV text: numbers without thousands separators, texts neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if fmt.italian_words:
            return "sì" if value else "no"
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        text = _plain_number(value)
        return text.replace(".", ",") if fmt.decimal_comma else text
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if fmt.italian_words else value.isoformat()
    if isinstance(value, dt.date):
        return format_date(value) if fmt.italian_words else value.isoformat()
    return neutralise(str(value))


def _plain_number(value: int | Decimal | float) -> str:
    if isinstance(value, float):
        value = Decimal(repr(value))
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Row], fmt: CsvFormat) -> None:
    """Write a header and the rows to `stream` (the BOM, if any, is the caller's: see
    `csv_text`, since a command's stdout must not get one)."""
    writer = csv.writer(stream, delimiter=fmt.delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value, fmt) for value in row])


def csv_text(header: Sequence[str], rows: Iterable[Row], fmt: CsvFormat = PEOPLE) -> str:
    out = io.StringIO()
    write_csv(out, header, rows, fmt)
    return ("\ufeff" if fmt.bom else "") + out.getvalue()


def rows_of(records: Iterable[Mapping[str, Any]], header: Sequence[str]) -> list[list[Cell]]:
    """Dictionaries as rows in the order of `header` (a missing key is an empty cell)."""
    return [[record.get(name) for name in header] for record in records]


# -- XLSX ---------------------------------------------------------------------------------------

# Number formats of the typed cells (Excel codes; the spreadsheet shows them in its locale).
INTEGER_FORMAT = "0"
DECIMAL_FORMAT = "#,##0.00"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
GENERAL_FORMAT = "General"
MAX_SHEET_TITLE = 31
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="E6ECF2", end_color="E6ECF2")
WRAP = Alignment(wrap_text=True, vertical="top")
WRAP_BEYOND = 60  # a longer text (or one with a line break) wraps in its cell


@dataclass(frozen=True)
class Sheet:
    """One table on its own worksheet. `number_formats` (per column, optional) overrides the
    format a number or date gets from its type; `widths` (per column, optional) overrides the
    width computed from the header."""

    title: str
    header: Sequence[str]
    rows: Sequence[Row]
    number_formats: Sequence[str | None] = ()
    widths: Sequence[float] = ()


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook with one sheet per table: a bold, frozen header row and typed cells
    (numbers, dates, booleans); every text is a text cell, never a formula."""
    workbook = new_workbook()
    taken: set[str] = set()
    for sheet in sheets:
        append_sheet(workbook, sheet, taken)
    return workbook_bytes(workbook)


def new_workbook() -> Workbook:
    """An empty workbook in openpyxl's write-only mode (memory stays flat for long tables)."""
    return Workbook(write_only=True)


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_title(wanted: str, taken: set[str] | None = None) -> str:
    """A valid worksheet name (≤ 31 characters, none of []:*?/\\), unique within `taken`
    (case-insensitively) when given; the name is added to `taken`."""
    base = _SHEET_TITLE_FORBIDDEN.sub("-", wanted).strip().strip("'")[:MAX_SHEET_TITLE] or "Dati"
    if taken is None:
        return base
    name, counter = base, 2
    while name.lower() in taken:
        suffix = f" ({counter})"
        name = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
        counter += 1
    taken.add(name.lower())
    return name


def append_sheet(workbook: Workbook, sheet: Sheet, taken: set[str] | None = None) -> str:
    """Write `sheet` as a new worksheet of a write-only `workbook`; return its name."""
    worksheet = workbook.create_sheet(sheet_title(sheet.title, taken))
    for index, name in enumerate(sheet.header):
        width = sheet.widths[index] if index < len(sheet.widths) else None
        if width is None:
            width = min(60, max(10, len(str(name)) + 2))
        worksheet.column_dimensions[get_column_letter(index + 1)].width = width
    worksheet.freeze_panes = "A2"
    worksheet.append([header_cell(worksheet, str(name)) for name in sheet.header])
    formats = list(sheet.number_formats)
    formats += [None] * (len(sheet.header) - len(formats))
    for row in sheet.rows:
        cells = zip(row, formats, strict=False)
        worksheet.append([xlsx_cell(worksheet, value, fmt) for value, fmt in cells])
    return str(worksheet.title)


def header_cell(worksheet: Worksheet | WriteOnlyWorksheet, text: str) -> XlsxCell:
    cell = text_cell(worksheet, text)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = WRAP
    return cell


def text_cell(worksheet: Worksheet | WriteOnlyWorksheet, text: str) -> XlsxCell:
    """A text stored as text: «=SOMMA(…)» stays those characters, never a formula."""
    cell = XlsxCell(worksheet, row=1, column=1)  # `append` gives the real position
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)  # control characters XML cannot hold
    cell.data_type = "s"  # openpyxl would store «=…» as a formula
    if len(text) > WRAP_BEYOND or "\n" in text:
        cell.alignment = WRAP
    return cell


def xlsx_cell(
    worksheet: Worksheet | WriteOnlyWorksheet, value: Cell, number_format: str | None = None
) -> XlsxCell | str | bool | int | float | Decimal | None:
    """One typed cell, as `append` takes it: a number or date as a value with its number
    format (`number_format`, or the one of its type), a text as text, None as an empty cell.

    What openpyxl would store the same way by itself — a short text that cannot be read as a
    formula, a boolean, a number in the general format — is handed over as the plain value:
    openpyxl takes a `Cell` in `append` only after failing to store it as a value, and that
    failure (an exception per cell) is most of the time of a large sheet.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if text.startswith("=") or len(text) > WRAP_BEYOND or "\n" in text:
            return text_cell(worksheet, text)
        return text
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        default = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        default = DATE_FORMAT
    elif isinstance(value, int):
        default = INTEGER_FORMAT
    else:
        default = DECIMAL_FORMAT
    number_format = number_format or default
    if number_format == GENERAL_FORMAT and not isinstance(value, dt.date):
        return value
    cell = XlsxCell(worksheet, row=1, column=1, value=value)
    cell.number_format = number_format
    return cell


# -- downloads ----------------------------------------------------------------------------------


def download_name(name: str, extension: str) -> str:
    """A file name safe in a Content-Disposition header: lower case, letters, digits, «-»."""
    safe = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "dati"
    return f"{safe}.{extension}"


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_response(
    name: str, header: Sequence[str], rows: Iterable[Row], fmt: CsvFormat = PEOPLE
) -> HttpResponse:
    """Download a table as `name`.csv."""
    content = csv_text(header, rows, fmt).encode("utf-8")
    return _attachment(content, CSV_TYPE, download_name(name, "csv"))


def xlsx_response(name: str, *sheets: Sheet) -> HttpResponse:
    """Download tables as `name`.xlsx, one sheet each."""
    return _attachment(xlsx_bytes(*sheets), XLSX_TYPE, download_name(name, "xlsx"))
