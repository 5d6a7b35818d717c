"""`manage.py benchmark_load [--profiles medium] [--requests N] [--clients 1,8,32] [--workers N]
[--pages TEXT,...] [--output docs/benchmarks.md] [--json FILE]`: the concurrent load test."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.load import CLIENTS, run_load, write_section
from benchmarks.options import add_report_arguments, chosen_profiles


def _integers(raw: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as error:
        message = f"{option}: «{raw}» non è un elenco di interi separati da virgole."
        raise CommandError(message) from error
    if not values or min(values) < 1:
        raise CommandError(f"{option}: servono interi di almeno 1.")
    return values


class Command(BaseCommand):
    help = (
        "Serve le pagine principali con gunicorn su 127.0.0.1 e le chiede con 1, 8 e 32 client "
        "contemporanei (un numero fisso di richieste): latenza p50/p95/p99 e throughput, "
        "scritti nella loro sezione di docs/benchmarks.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--profiles", default="medium")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--requests", type=int, default=100, help="richieste per pagina e numero di client"
        )
        parser.add_argument("--clients", default=",".join(str(c) for c in CLIENTS))
        parser.add_argument("--workers", type=int, default=2, help="processi di gunicorn")
        add_report_arguments(parser)

    def handle(self, *args, **options):
        profiles = chosen_profiles(options["profiles"], required=True)
        if options["requests"] < 1 or options["workers"] < 1:
            raise CommandError("--requests e --workers devono essere almeno 1.")
        try:
            result = run_load(
                profiles,
                seed=options["seed"],
                requests=options["requests"],
                clients=_integers(options["clients"], "--clients"),
                workers=options["workers"],
                only=tuple(part.strip() for part in options["pages"].split(",") if part.strip()),
                log=self.stdout.write,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        output = Path(options["output"])
        write_section(result, output)
        if options["json"]:
            text = json.dumps(result, indent=1, ensure_ascii=False) + "\n"
            Path(options["json"]).write_text(text, encoding="utf-8")
        self.stdout.write(f"Scritto {output}.")
