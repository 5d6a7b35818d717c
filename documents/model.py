"""The one document model: plain data that the builders produce and the writers render.

A builder (`documents.builders.*`) reads the cycle through the other apps' selectors and
returns a `Document`; the writers (`documents.writers.pdf`, `.docx`, `.xlsx`) turn the same
`Document` into a file. No writer decides content: headings, paragraphs, tables and charts are
all here, so the PDF, the DOCX and the XLSX of a document always say the same thing.

Table cells keep their type (`Decimal`, `int`, `date`, `str`, `None`) and each column says how
to read it (`ColumnKind`): the PDF and DOCX print it the Italian way («1.234,56 €», «60,36 %»,
«31/03/2024»), the XLSX writes a typed cell with a number format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from documents import formatting as fmt


class ColumnKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"  # a decimal quantity, written as given («1.700», «2,5»)
    PERCENT = "percent"  # percentage points: 60.36 → «60,36 %», XLSX 0.6036 as 0.00%
    EURO = "euro"
    DATE = "date"


NUMERIC_KINDS = frozenset(
    {ColumnKind.INTEGER, ColumnKind.NUMBER, ColumnKind.PERCENT, ColumnKind.EURO}
)


@dataclass(frozen=True)
class Column:
    label: str
    kind: ColumnKind = ColumnKind.TEXT
    width: int = 1  # relative width in the PDF/DOCX (text columns get more room)

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


Cell = str | int | Decimal | dt.date | None


@dataclass
class Table:
    """A table with a caption and typed columns. `sheet` names its XLSX worksheet."""

    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    sheet: str = ""
    note: str = ""
    empty_text: str = "Nessun dato."

    def text(self, row: list[Cell], index: int) -> str:
        """The cell as people read it (PDF, DOCX, web)."""
        return fmt.cell_text(row[index], self.columns[index].kind)


@dataclass
class Paragraph:
    text: str
    emphasis: bool = False


@dataclass
class BulletList:
    items: list[str]


@dataclass
class Facts:
    """Label: value pairs (the header data of an objective, the cover of a scheda)."""

    pairs: list[tuple[str, str]]
    caption: str = ""


@dataclass
class Chart:
    """A server-side SVG chart with its text alternative and the table it shows."""

    title: str
    svg: str
    alt: str
    table: Table


Block = Paragraph | BulletList | Facts | Table | Chart


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    def section(self, title: str) -> Section:
        child = Section(title)
        self.children.append(child)
        return child


@dataclass
class Document:
    """A whole document: cover data, sections, and what identifies it."""

    kind: str
    title: str
    ente_name: str
    year: int
    subtitle: str = ""
    cover_lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    stemma: bytes | None = None
    stemma_name: str = ""
    author: str = ""
    keywords: list[str] = field(default_factory=list)
    filename_stem: str = "documento"
    with_toc: bool = True

    def section(self, title: str) -> Section:
        section = Section(title)
        self.sections.append(section)
        return section

    # -- walking --------------------------------------------------------------------------

    def walk(self):
        """(depth, section) for every section, depth-first in document order."""
        stack = [(1, section) for section in reversed(self.sections)]
        while stack:
            depth, section = stack.pop()
            yield depth, section
            stack.extend((depth + 1, child) for child in reversed(section.children))

    def tables(self) -> list[Table]:
        """Every table of the document (charts' tables included), in order."""
        found: list[Table] = []
        for _, section in self.walk():
            for block in section.blocks:
                if isinstance(block, Table):
                    found.append(block)
                elif isinstance(block, Chart):
                    found.append(block.table)
        return found

    def plain_text(self) -> str:
        """Every word of the document, for tests and for the fingerprint."""
        parts = [self.title, self.subtitle, self.ente_name, *self.cover_lines]
        for _, section in self.walk():
            parts.append(section.title)
            for block in section.blocks:
                parts.extend(_block_text(block))
        return "\n".join(part for part in parts if part)

    def fingerprint(self) -> str:
        """A digest of the content: equal content, equal fingerprint (whenever generated)."""
        payload = {
            "kind": self.kind,
            "text": self.plain_text(),
            "stemma": hashlib.sha256(self.stemma).hexdigest() if self.stemma else "",
            "tables": [
                [[_canonical(cell) for cell in row] for row in table.rows]
                for table in self.tables()
            ],
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def _block_text(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, BulletList):
        return list(block.items)
    if isinstance(block, Facts):
        return [block.caption, *(f"{label}: {value}" for label, value in block.pairs)]
    if isinstance(block, Table):
        lines = [block.caption, " | ".join(c.label for c in block.columns)]
        lines += [
            " | ".join(block.text(row, i) for i in range(len(block.columns))) for row in block.rows
        ]
        return [*lines, block.note]
    if isinstance(block, Chart):
        return [block.title, block.alt, *_block_text(block.table)]
    return []


def _canonical(cell: Cell) -> Any:
    if isinstance(cell, Decimal):
        return format(cell.normalize(), "f")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return cell
