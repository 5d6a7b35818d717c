"""Generation times of the real documents (a benchmark, never a test).

    .venv/bin/python scripts/bench/documents.py [--objectives 3000] [--repeat 2]
        [--formats pdf,docx,xlsx] [--every-kind]

With --every-kind it first times every document kind in every format for the Sorbara and the
consorzio demos (reading the data included).

It uses its own SQLite database in a temporary folder: it imports the Sorbara demo and times
its Piano in PDF, then builds a plan of N objectives (30 areas, one result indicator with the
targets of three years and two phases per objective) and times the Piano in PDF, DOCX and XLSX.
Targets (issue 9): Sorbara Piano PDF ≤ 2 s; 3,000 objectives ≤ 10 s PDF, ≤ 15 s DOCX, ≤ 5 s XLSX.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def setup(folder: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["PERFORMA_MEDIA_ROOT"] = f"{folder}/media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performa.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def big_plan(objectives: int):
    from organization.models import Ente, EnteKind, Unit, UnitKind
    from planning.models import (
        Cycle,
        CycleState,
        Indicator,
        IndicatorScope,
        OperationalObjective,
        Phase,
        Target,
        TargetKind,
    )

    ente = Ente.objects.create(slug="bench", name="Comune di Prova Grande", kind=EnteKind.COMUNE)
    cycle = Cycle.objects.create(
        ente=ente,
        year=2025,
        first_year=2025,
        last_year=2027,
        title="Piano della performance 2025-2027",
        state=CycleState.APPROVED,
    )
    areas = Unit.objects.bulk_create(
        [
            Unit(ente=ente, key=f"area-{n}", kind=UnitKind.AREA, name=f"Area {n}", order=n)
            for n in range(30)
        ]
    )
    rows = OperationalObjective.objects.bulk_create(
        [
            OperationalObjective(
                cycle=cycle,
                key=f"ob-{n}",
                code=f"OB{n:04d}",
                title=(
                    f"Riorganizzazione del servizio {n}: revisione delle procedure, "
                    "digitalizzazione delle istanze e riduzione dei tempi medi"
                ),
                description="Descrizione dell'obiettivo con le azioni previste nell'anno.",
                unit=areas[n % 30],
                weight=Decimal("10"),
                order=n,
            )
            for n in range(objectives)
        ]
    )
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(
                cycle=cycle,
                key=f"ind-{n}",
                scope=IndicatorScope.OBJECTIVE,
                objective=objective,
                name=f"Pratiche evase entro 30 giorni sul totale (servizio {n})",
                formula="pratiche evase entro 30 gg / pratiche ricevute × 100",
                baseline_value=Decimal("60"),
                order=n,
            )
            for n, objective in enumerate(rows)
        ]
    )
    Target.objects.bulk_create(
        [
            Target(indicator=i, year=year, kind=TargetKind.GTE, value=Decimal(70 + year - 2025))
            for i in indicators
            for year in (2025, 2026, 2027)
        ]
    )
    Phase.objects.bulk_create(
        [
            Phase(objective=o, description=text, planned_text=when, order=k)
            for o in rows
            for k, (text, when) in enumerate(
                [("Analisi e progettazione", "marzo"), ("Attuazione e verifica", "dicembre")]
            )
        ]
    )
    return cycle


def timed(label: str, repeat: int, function) -> None:
    times = []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(function())
        times.append(time.perf_counter() - start)
    print(
        f"{label:46} best {min(times):6.2f} s  worst {max(times):6.2f} s  {size // 1024:6} KiB",
        flush=True,
    )


def every_kind(sorbara, consorzio, formats: set[str], repeat: int) -> None:
    from documents.builders import FORMATS, build
    from documents.writers.docx import render_docx
    from documents.writers.pdf import render_pdf
    from documents.writers.xlsx import render_xlsx
    from organization.models import Person

    writers = {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx}
    for label, cycle in (("Sorbara", sorbara), ("Consorzio", consorzio)):
        person = (
            Person.objects.filter(ente=cycle.ente, schede__cycle=cycle).first()
            or Person.objects.filter(ente=cycle.ente).first()
        )
        for kind, kind_formats in FORMATS.items():
            for name in kind_formats:
                if name in formats:
                    timed(
                        f"{label}: {kind} {name.upper()}",
                        repeat,
                        lambda kind=kind, cycle=cycle, person=person, render=writers[name]: render(
                            build(kind, cycle, person=person)
                        ),
                    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objectives", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--formats", default="pdf,docx,xlsx", help="formati da misurare, separati da virgola"
    )
    parser.add_argument(
        "--every-kind",
        action="store_true",
        help="misura ogni tipo di documento in ogni formato per il Sorbara e il consorzio",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="performa-bench-") as folder:
        setup(folder)
        from django.core.management import call_command

        from documents.builders import build
        from documents.writers.docx import render_docx
        from documents.writers.pdf import render_pdf
        from documents.writers.xlsx import render_xlsx
        from planning.models import Cycle

        call_command(
            "import_cycle", str(ROOT / "demo/data/unione-sorbara-2024.json"), stdout=io.StringIO()
        )
        sorbara = Cycle.objects.get(ente__slug="unione-sorbara", year=2024)
        formats = set(args.formats.split(","))
        if args.every_kind:
            call_command(
                "import_cycle",
                str(ROOT / "demo/data/consorzio-socio-assistenziale-2021.json"),
                stdout=io.StringIO(),
            )
            consorzio = Cycle.objects.get(ente__slug="consorzio-socio-assistenziale", year=2021)
            every_kind(sorbara, consorzio, formats, args.repeat)
        if "pdf" in formats:
            timed(
                "Sorbara: Piano PDF (dati + PDF)",
                args.repeat,
                lambda: render_pdf(build("piano", sorbara)),
            )
            timed(
                "Sorbara: Relazione PDF (dati + PDF)",
                args.repeat,
                lambda: render_pdf(build("relazione", sorbara)),
            )
        cycle = big_plan(args.objectives)
        start = time.perf_counter()
        model = build("piano", cycle)
        print(f"{args.objectives} obiettivi: lettura dei dati {time.perf_counter() - start:.2f} s")
        n = args.objectives
        writers = {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx}
        for name, render in writers.items():
            if name in formats:
                timed(
                    f"{n} obiettivi: Piano {name.upper()} (dati + {name.upper()})",
                    args.repeat,
                    lambda render=render: render(build("piano", cycle)),
                )
        del model
    return 0


if __name__ == "__main__":
    sys.exit(main())
