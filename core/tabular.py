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
from openpyxl.styles import Font
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


# A plain number («-1.25», «+3», «-0,5») is no formula: a spreadsheet reads it as the number.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


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
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Row]


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook with one sheet per table: a bold, frozen header row and typed cells
    (numbers, dates, booleans); every text is a text cell, never a formula."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title))
        worksheet.append([_text_cell(worksheet, name) for name in sheet.header])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        worksheet.freeze_panes = "A2"
        for row in sheet.rows:
            worksheet.append([_xlsx_cell(worksheet, value) for value in row])
        for index, name in enumerate(sheet.header, start=1):
            letter = worksheet.cell(row=1, column=index).column_letter
            worksheet.column_dimensions[letter].width = min(60, max(10, len(str(name)) + 2))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    return _SHEET_TITLE_FORBIDDEN.sub("-", title)[:31] or "Dati"


def _text_cell(worksheet: Worksheet, text: str) -> XlsxCell:
    cell = XlsxCell(worksheet, row=1, column=1)  # `append` gives the real position
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)  # control characters XML cannot hold
    cell.data_type = "s"  # openpyxl would store «=…» as a formula
    return cell


def _xlsx_cell(worksheet: Worksheet, value: Cell) -> XlsxCell | None:
    if value is None or isinstance(value, str):
        return None if value is None else _text_cell(worksheet, value)
    cell = XlsxCell(worksheet, row=1, column=1, value=value)
    if isinstance(value, bool):
        return cell
    if isinstance(value, dt.datetime):
        cell.value = value.replace(tzinfo=None)
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int):
        cell.number_format = INTEGER_FORMAT
    else:
        cell.number_format = DECIMAL_FORMAT
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
