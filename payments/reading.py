"""Reading invoice files: CSV (UTF-8 or Windows-1252, «;» «,» or tab) and XLSX.

`open_table` recognises the format, the encoding and the separator, finds the header row (the
first of the first rows with the most recognised headers) and returns a `Table` whose `rows()`
yields each data row with its line number in the file, as people see it in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core.reading import HEADER_SEARCH_ROWS, decoded, is_empty, open_workbook, separator
from core.reading import TableReadError as FileProblem
from payments.columns import header_score

__all__ = ["FileProblem", "Table", "open_table"]


@dataclass
class Table:
    file_format: str  # csv | xlsx
    headers: list[str]
    header_line: int
    encoding: str = ""
    delimiter: str = ""
    _content: bytes = field(default=b"", repr=False)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(line number, cells in the order of `headers`) for every non-empty row below them."""
        if self.file_format == "csv":
            yield from self._csv_rows()
        else:
            yield from self._xlsx_rows()

    def count_rows(self) -> int:
        return sum(1 for _ in self.rows())

    def _csv_rows(self):
        text = self._content.decode(self.encoding)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
        last_line = 0
        for index, cells in enumerate(reader, start=1):
            start_line, last_line = last_line + 1, reader.line_num
            if index <= self.header_line or not any(cell.strip() for cell in cells):
                continue
            yield start_line, cells

    def _xlsx_rows(self):
        workbook = open_workbook(self._content)
        try:
            sheet = workbook.worksheets[0]
            for index, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if index <= self.header_line:
                    continue
                if not any(not is_empty(cell) for cell in cells):
                    continue
                yield index, list(cells)
        finally:
            workbook.close()


def _find_header(rows: list[list[Any]]) -> tuple[int, list[str]]:
    best_index, best_score = -1, 0
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score([str(c).strip() if c is not None else "" for c in cells])
        if score > best_score:
            best_index, best_score = index, score
    if best_index < 0 or best_score < 2:
        # No recognised headers: take the first row with several cells, the mapping step
        # lets the user say which column is which.
        for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if sum(1 for c in cells if c is not None and str(c).strip()) >= 3:
                best_index = index
                break
    if best_index < 0:
        raise FileProblem(
            "Nel file non trovo la riga delle intestazioni (es. «Numero fattura», «Data "
            "ricezione», «Importo totale documento»): controlla che sia un elenco di fatture."
        )
    headers = [str(c).strip() if c is not None else "" for c in rows[best_index]]
    seen = set()
    for header in headers:
        if header and header in seen:
            raise FileProblem(f"L'intestazione «{header}» compare due volte nel file.")
        seen.add(header)
    return best_index + 1, headers


def open_table(content: bytes, filename: str = "") -> Table:
    if not content:
        raise FileProblem("Il file è vuoto.")
    name = filename.lower()
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        workbook = open_workbook(content)
        try:
            if not workbook.worksheets:
                raise FileProblem("Il foglio XLSX non ha fogli di lavoro.")
            sheet = workbook.worksheets[0]
            first = []
            for cells in sheet.iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS):
                first.append(list(cells))
        finally:
            workbook.close()
        line, headers = _find_header(first)
        return Table("xlsx", headers, line, _content=content)
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise FileProblem("I file .xls (Excel 97-2003) non sono letti: salvali come XLSX o CSV.")
    text, encoding = decoded(content)
    delimiter = separator(text[:20000])
    reader = csv.reader(io.StringIO(text[:200000], newline=""), delimiter=delimiter)
    first = []
    try:
        for cells in reader:
            first.append(cells)
            if len(first) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as exc:
        raise FileProblem(f"Il CSV non è leggibile: {exc}.") from exc
    line, headers = _find_header(first)
    return Table("csv", headers, line, encoding=encoding, delimiter=delimiter, _content=content)
