"""Typst (the `typst` wheel) against WeasyPrint on the same objective table.

    .venv/bin/python scripts/bench/pdf_engines.py [--rows 300,3000] [--repeat 2]

One A4 document: a heading and a 5-column table (code, title of ~120 characters, weight,
achievement, area) with the header repeated on every page and page numbers. Typst compiles it
with pdf_standards a-2a + ua-1 (one file, both); WeasyPrint writes pdf/a-3a (it cannot make one
file both PDF/A and PDF/UA). The figures go into docs/decisions/0005-documents-engine.md.
"""

from __future__ import annotations

import argparse
import html
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / ".venv/lib/python3.11/site-packages/bootstrap_italia_template/static/fonts"

TITLE = (
    "Riorganizzazione del servizio di {n}: revisione delle procedure, digitalizzazione delle "
    "istanze e riduzione dei tempi medi"
)


def rows(count: int) -> list[list[str]]:
    return [
        [f"OB{n:04d}", TITLE.format(n=n), "11,11", f"{(n * 7) % 101},00 %", f"Area {n % 9 + 1}"]
        for n in range(1, count + 1)
    ]


TYPST = r"""
#let data = json(bytes(sys.inputs.data))
#set document(title: "Obiettivi operativi", author: "Performa")
#set text(lang: "it", font: "Titillium Web", size: 9pt)
#let pages = context [Pagina #counter(page).display() di #counter(page).final().first()]
#set page(paper: "a4", margin: 2cm, footer: align(center, pages))
= Obiettivi operativi
#table(
  columns: (auto, 1fr, auto, auto, auto),
  table.header(..("Codice", "Obiettivo", "Peso", "Raggiungimento", "Area").map(h => strong(h))),
  ..data.flatten()
)
"""


def typst_pdf(table: list[list[str]]) -> bytes:
    import typst

    return typst.compile(
        TYPST.encode(),
        font_paths=[str(FONTS / "Titillium_Web")],
        sys_inputs={"data": json.dumps(table)},
        pdf_standards=["a-2a", "ua-1"],
    )


def weasy_pdf(table: list[list[str]]) -> bytes:
    from weasyprint import CSS, HTML

    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in table
    )
    page = (
        '<html lang="it"><head><title>Obiettivi operativi</title></head><body>'
        "<h1>Obiettivi operativi</h1><table><thead><tr><th>Codice</th><th>Obiettivo</th>"
        "<th>Peso</th><th>Raggiungimento</th><th>Area</th></tr></thead><tbody>"
        f"{body}</tbody></table></body></html>"
    )
    css = CSS(
        string=(
            f"@font-face {{ font-family: T; src: url('file://{FONTS}/Titillium_Web/"
            "titillium-web-v10-latin-ext_latin-regular.ttf'); }"
            "@page { size: A4; margin: 2cm; @bottom-center { content: 'Pagina ' counter(page) "
            "' di ' counter(pages); } } body { font-family: T; font-size: 9pt; }"
            "table { border-collapse: collapse; width: 100%; } td, th { border: 0.5pt solid #999;"
            " padding: 2pt; } tr { break-inside: avoid; }"
        )
    )
    return HTML(string=page).write_pdf(stylesheets=[css], pdf_variant="pdf/a-3a")


def pages(pdf: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="300,3000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--engines", default="typst,weasyprint")
    args = parser.parse_args()
    engines = {"typst": typst_pdf, "weasyprint": weasy_pdf}
    for count in [int(n) for n in args.rows.split(",")]:
        table = rows(count)
        for name in args.engines.split(","):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                pdf = engines[name](table)
                times.append(time.perf_counter() - start)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            print(
                f"{name:10} rows={count:5} pages={pages(pdf):4} "
                f"best={min(times):6.2f}s worst={max(times):6.2f}s size={len(pdf) // 1024} KiB "
                f"maxrss={rss} MiB",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
