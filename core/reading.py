"""Reading a table that people exported from another program: CSV or XLSX, into plain rows.

The counterpart of `core.tabular` (which writes): a payroll export, a list of invoices, any
«one row per thing» file. `read_rows` recognises the format by its content (an XLSX is a ZIP),
the CSV encoding (UTF-8 with or without BOM, else Windows-1252, what Excel saves in Italy) and
the separator (``;``, ``,``, tab or ``|``, the one most present in the first lines). Every row
keeps the line number a spreadsheet shows, so that each problem can be reported where the
person will look for it. Cells are texts (CSV) or the values openpyxl gives (XLSX: numbers,
dates, texts); empty rows are left out.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# A file larger than this is not a staff or invoice list: refuse it before parsing.
MAX_BYTES = 5 * 1024 * 1024
HEADER_SEARCH_ROWS = 15
_SEPARATORS = (";", ",", "\t", "|")


class TableReadError(ValueError):
    """The file cannot be read as a table; the message says why, in Italian."""


@dataclass(frozen=True)
class RawRow:
    line: int  # as a spreadsheet numbers it (the header row included)
    cells: tuple[Any, ...]

    def cell(self, index: int) -> Any:
        return self.cells[index] if 0 <= index < len(self.cells) else None


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(content: bytes, filename: str = "") -> list[RawRow]:
    """Every non-empty row of the file's first sheet (XLSX) or of the CSV."""
    if not content:
        raise TableReadError("Il file è vuoto.")
    if len(content) > MAX_BYTES:
        raise TableReadError(
            f"Il file è troppo grande ({len(content) // 1024} kB): il massimo è "
            f"{MAX_BYTES // (1024 * 1024)} MB."
        )
    name = filename.lower()
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise TableReadError("I file .xls (Excel 97-2003) non sono letti: salvali come XLSX o CSV.")
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(content)
    return _csv_rows(content)


def open_workbook(content: bytes) -> Any:
    """The XLSX as a read-only openpyxl workbook (values, not formulas); close it after use."""
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableReadError(f"Il file non è un foglio XLSX leggibile ({exc}).") from exc


def _xlsx_rows(content: bytes) -> list[RawRow]:
    book = open_workbook(content)
    try:
        if not book.worksheets:
            raise TableReadError("Il file XLSX non ha fogli di lavoro.")
        sheet = book.worksheets[0]
        return [
            RawRow(line=index, cells=tuple(cells))
            for index, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(not is_empty(cell) for cell in cells)
        ]
    finally:
        book.close()


def decode(content: bytes) -> str:
    """The text of a CSV: UTF-8 (BOM or not), else Windows-1252."""
    return decoded(content)[0]


def decoded(content: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding it was read with (to read the file again in rows)."""
    try:
        return content.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise TableReadError(
            "La codifica del file non è riconosciuta: salvalo come CSV UTF-8 o Windows-1252."
        ) from exc


def separator(text: str) -> str:
    """The separator most present in the first lines (a «;» wins a tie: the Italian Excel's)."""
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    best, best_count = ";", 0
    for candidate in _SEPARATORS:
        count = max((line.count(candidate) for line in lines), default=0)
        if count > best_count:
            best, best_count = candidate, count
    return best


def _csv_rows(content: bytes) -> list[RawRow]:
    text = decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(text))
    rows: list[RawRow] = []
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append(RawRow(line=line, cells=tuple(cells)))
    except csv.Error as exc:
        raise TableReadError(f"Il CSV non è leggibile alla riga {last_line + 1}: {exc}.") from exc
    return rows


def find_header(
    rows: Sequence[RawRow], score: Callable[[Sequence[Any]], int], *, minimum: int = 2
) -> int:
    """The index in `rows` of the header: the first of the first rows with the best `score`
    (how many of its cells name a known column), at least `minimum`; -1 when none is."""
    best_index, best_score = -1, minimum - 1
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        value = score(row.cells)
        if value > best_score:
            best_index, best_score = index, value
    return best_index
