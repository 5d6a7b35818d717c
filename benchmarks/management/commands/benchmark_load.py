"""`manage.py benchmark_load [--profiles medium] [--requests N] [--clients 1,8,32] [--workers N]
[--rate R] [--paced-clients N] [--paced-requests N] [--pages TEXT,...]
[--output docs/benchmarks.md] [--json FILE]`: the concurrent load test, closed-loop and paced."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.load import CLIENTS, PACED_CLIENTS, PACED_RATE, Paced, run_load, write_section
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


def _paced(options) -> Paced | None:
    rate = options["rate"]
    if rate < 0 or rate != rate:  # NaN is not a rate either
        raise CommandError("--rate: un numero di richieste al secondo, 0 o più.")
    if options["paced_clients"] < 1 or options["paced_requests"] < 0:
        raise CommandError("--paced-clients deve essere almeno 1, --paced-requests 0 o più.")
    if rate == 0:
        return None
    return Paced(clients=options["paced_clients"], rate=rate, requests=options["paced_requests"])


class Command(BaseCommand):
    help = (
        "Serve le pagine principali con gunicorn su 127.0.0.1 e le chiede con 1, 8 e 32 client "
        "contemporanei che mandano la richiesta successiva appena hanno la risposta (un numero "
        "fisso di richieste), poi con 32 client a ritmo fisso (--rate richieste/s in tutto): "
        "latenza p50/p95/p99 e throughput, scritti nella loro sezione di docs/benchmarks.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--profiles", default="medium")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--requests", type=int, default=100, help="richieste per pagina e numero di client"
        )
        parser.add_argument("--clients", default=",".join(str(c) for c in CLIENTS))
        parser.add_argument("--workers", type=int, default=2, help="processi di gunicorn")
        parser.add_argument(
            "--rate",
            type=float,
            default=PACED_RATE,
            help="richieste/s della prova a ritmo fisso, tutti i client insieme (0: non farla)",
        )
        parser.add_argument(
            "--paced-clients", type=int, default=PACED_CLIENTS, help="client a ritmo fisso"
        )
        parser.add_argument(
            "--paced-requests",
            type=int,
            default=0,
            help="richieste per pagina a ritmo fisso (0: quante --requests)",
        )
        add_report_arguments(parser)

    def handle(self, *args, **options):
        profiles = chosen_profiles(options["profiles"], required=True)
        if options["requests"] < 1 or options["workers"] < 1:
            raise CommandError("--requests e --workers devono essere almeno 1.")
        paced = _paced(options)
        try:
            result = run_load(
                profiles,
                seed=options["seed"],
                requests=options["requests"],
                clients=_integers(options["clients"], "--clients"),
                workers=options["workers"],
                only=tuple(part.strip() for part in options["pages"].split(",") if part.strip()),
                log=self.stdout.write,
                paced=paced,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        output = Path(options["output"])
        write_section(result, output)
        if options["json"]:
            text = json.dumps(result, indent=1, ensure_ascii=False) + "\n"
            Path(options["json"]).write_text(text, encoding="utf-8")
        self.stdout.write(f"Scritto {output}.")
