"""PDF writer: the document model through Typst, as one file that is PDF/A-2a and PDF/UA-1.

The layout is `documents/typst/document.typ`; this module only serialises the model (texts
already formatted the Italian way) into a temporary project folder with the template, the
charts and the stemma, and compiles it with the `typst` wheel (the compiler ships inside it,
nothing is downloaded). Fonts are Titillium Web from the installed Bootstrap Italia theme, with
Typst's own embedded fonts as fallback for the few symbols it lacks; all are embedded.
See docs/decisions/0005-documents-engine.md.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from functools import cache
from pathlib import Path

import bootstrap_italia_template
import typst
from django.utils import timezone

from documents import formatting as fmt
from documents.model import Block, BulletList, Chart, Document, Facts, Paragraph, Table

TEMPLATE = Path(__file__).resolve().parent.parent / "typst" / "document.typ"
PDF_STANDARDS = ["a-2a", "ua-1"]


@cache
def font_paths() -> list[str]:
    """The folder of Titillium Web shipped by design-django-theme (TTF files)."""
    base = Path(bootstrap_italia_template.__file__).resolve().parent / "static" / "fonts"
    return [str(base / "Titillium_Web")]


class PdfError(RuntimeError):
    """Typst refused the document; the message is shown to the user."""


def _table(table: Table) -> dict:
    return {
        "t": "table",
        "caption": table.caption,
        "cols": [
            {"label": column.label, "numeric": column.is_numeric, "width": max(column.width, 1)}
            for column in table.columns
        ],
        "rows": [[table.text(row, i) for i in range(len(table.columns))] for row in table.rows],
        "note": table.note,
        "empty": table.empty_text,
    }


def _block(block: Block, files: dict[str, bytes]) -> dict:
    if isinstance(block, Paragraph):
        return {"t": "p", "text": block.text, "em": block.emphasis}
    if isinstance(block, BulletList):
        return {"t": "ul", "items": list(block.items)}
    if isinstance(block, Facts):
        return {"t": "facts", "caption": block.caption, "pairs": [list(p) for p in block.pairs]}
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        name = f"chart-{len(files) + 1}.svg"
        files[name] = block.svg.encode()
        return {
            "t": "chart",
            "title": block.title,
            "svg": name,
            "alt": block.alt,
            "table": _table(block.table),
        }
    raise TypeError(f"blocco sconosciuto: {type(block).__name__}")


def serialise(document: Document, *, generated_at: dt.datetime | None = None):
    """The JSON data of the template and the extra files (charts, stemma)."""
    files: dict[str, bytes] = {}
    stemma = None
    if document.stemma:
        suffix = Path(document.stemma_name or "stemma.png").suffix.lower() or ".png"
        stemma = f"stemma{suffix}"
        files[stemma] = document.stemma
    sections = [
        {
            "title": section.title,
            "depth": depth,
            "blocks": [_block(block, files) for block in section.blocks],
        }
        for depth, section in document.walk()
    ]
    when = timezone.localtime(generated_at or timezone.now())
    data = {
        "title": document.title,
        "subtitle": document.subtitle,
        "ente": document.ente_name,
        "year_label": str(document.year),
        "cover_lines": document.cover_lines,
        "stemma": stemma,
        "author": [document.author or document.ente_name],
        "keywords": document.keywords,
        "description": f"{document.title} {document.subtitle}".strip(),
        "toc": document.with_toc,
        "generated": f"Documento generato con Performa il {fmt.date(when)} alle {when:%H:%M}.",
        "sections": sections,
    }
    return data, files


def render_pdf(document: Document, *, generated_at: dt.datetime | None = None) -> bytes:
    data, files = serialise(document, generated_at=generated_at)
    with tempfile.TemporaryDirectory(prefix="performa-pdf-") as folder:
        root = Path(folder)
        (root / "main.typ").write_bytes(TEMPLATE.read_bytes())
        (root / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for name, content in files.items():
            (root / name).write_bytes(content)
        try:
            result = typst.compile(
                str(root / "main.typ"),
                root=str(root),
                font_paths=font_paths(),
                pdf_standards=PDF_STANDARDS,
                timestamp=int((generated_at or timezone.now()).timestamp()),
            )
        except typst.TypstError as exc:
            raise PdfError(f"Il PDF non si può comporre: {exc.message}") from exc
    assert isinstance(result, bytes)
    return result
