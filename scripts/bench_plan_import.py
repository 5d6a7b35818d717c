"""Benchmark of the plan import: 10,000-row XLSX preview and commit, 100-page DOCX read.

Run: .venv/bin/python scripts/bench_plan_import.py  (uses a throw-away SQLite database).
Targets (issue 10 §6, 2 cores): preview ≤ 5 s, commit ≤ 10 s, DOCX ≤ 10 s.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performa.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")


def xlsx(rows: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Area", "Servizio", "Obiettivo", "Indicatore", "Target 2025", "Peso"])
    for index in range(rows):
        objective = index // 2
        area = f"Area {objective // 250}"
        service = f"Servizio {objective // 25}"
        sheet.append(
            [
                area,
                service,
                f"Obiettivo {objective}",
                f"Indicatore {index}",
                f"≥ {index % 90 + 1}",
                "4" if index % 2 == 0 else None,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx(pages: int) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for page in range(pages):
        document.add_paragraph(f"OBIETTIVO: Obiettivo della pagina {page}")
        table = document.add_table(rows=6, cols=4)
        for cell, text in zip(
            table.rows[0].cells,
            ["DESCRIZIONE", "INDICATORE DI RISULTATO 2025", "RESPONSABILE", "PESO"],
            strict=True,
        ):
            cell.text = text
        for row in table.rows[1:]:
            row.cells[0].text = "Descrizione " * 20
            row.cells[1].text = "Report entro il 31/12/2025"
            row.cells[2].text = "Responsabile del servizio"
            row.cells[3].text = "10%"
        document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from interchange.plans import services
    from interchange.plans.build import build_draft
    from interchange.plans.readers import read_document
    from organization.models import Ente

    ente = Ente.objects.create(slug="bench", name="Ente di prova", kind="comune")
    content = xlsx(10_000)
    start = time.perf_counter()
    preview = services.preview_file(ente=ente, year=2025, file_name="b.xlsx", content=content)
    preview_s = time.perf_counter() - start
    start = time.perf_counter()
    services.plan_import_commit(
        user=None, ente=ente, year=2025, file_name="b.xlsx", content=content
    )
    commit_s = time.perf_counter() - start
    document = docx(100)
    start = time.perf_counter()
    draft = build_draft(read_document("b.docx", document), year=2025)
    docx_s = time.perf_counter() - start
    print(
        f"XLSX 10.000 righe: anteprima {preview_s:.2f} s "
        f"({len(preview.draft.objectives)} obiettivi)"
    )
    print(f"XLSX 10.000 righe: importazione {commit_s:.2f} s")
    print(f"DOCX 100 pagine: lettura {docx_s:.2f} s ({len(draft.objectives)} obiettivi)")


if __name__ == "__main__":
    main()
