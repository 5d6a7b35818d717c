"""Benchmark of the plan import: 10,000-row XLSX preview and commit, 100-page DOCX read.

Run: .venv/bin/python scripts/bench_plan_import.py [--rows N] [--pages N] [--queries]
(uses a throw-away SQLite database). Targets (issue 10 §6, 2 cores): 10,000 rows previewed
≤ 5 s and committed ≤ 10 s, a 100-page DOCX read ≤ 10 s. `--queries` also counts the SQL
queries of the commit.
"""

from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="righe del file XLSX")
    parser.add_argument("--pages", type=int, default=100, help="pagine del DOCX (0: salta)")
    parser.add_argument("--queries", action="store_true", help="conta le query dell'importazione")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from interchange.plans import services
    from interchange.plans.build import build_draft
    from interchange.plans.readers import read_document
    from organization.models import Ente

    ente = Ente.objects.create(slug="bench", name="Ente di prova", kind="comune")
    content = xlsx(args.rows)
    cpu = time.process_time()
    start = time.perf_counter()
    preview = services.preview_file(ente=ente, year=2025, file_name="b.xlsx", content=content)
    preview_s, preview_cpu = time.perf_counter() - start, time.process_time() - cpu
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        cpu = time.process_time()
        start = time.perf_counter()
        services.plan_import_commit(
            user=None, ente=ente, year=2025, file_name="b.xlsx", content=content
        )
        commit_s, commit_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    services.plan_import_commit(
        user=None, ente=ente, year=2025, file_name="b.xlsx", content=content
    )
    again_s = time.perf_counter() - start
    rows = f"{args.rows:,}".replace(",", ".")
    # CPU: this process's own time, which the other processes of a busy machine do not inflate.
    print(
        f"XLSX {rows} righe: anteprima {preview_s:.2f} s (CPU {preview_cpu:.2f} s, "
        f"{len(preview.draft.objectives)} obiettivi)"
    )
    print(
        f"XLSX {rows} righe: importazione {commit_s:.2f} s (CPU {commit_cpu:.2f} s"
        + (f", {len(queries)} query)" if args.queries else ")")
    )
    print(f"XLSX {rows} righe: seconda importazione (nulla cambia) {again_s:.2f} s")
    if args.pages:
        document = docx(args.pages)
        start = time.perf_counter()
        draft = build_draft(read_document("b.docx", document), year=2025)
        docx_s = time.perf_counter() - start
        print(
            f"DOCX {args.pages} pagine: lettura {docx_s:.2f} s ({len(draft.objectives)} obiettivi)"
        )


if __name__ == "__main__":
    main()
