"""`manage.py generate_synthetic --profile small|medium|metropolitan [--seed N] [--output FILE]
[--no-load] [--replace]`: a synthetic ente, written as a performa-cycle file and/or imported.
`--profile national [--enti N]` writes thousands of enti on PostgreSQL instead
(`benchmarks.synthetic_national`)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.synthetic import PROFILES, build_document
from interchange.importer import InterchangeError, import_cycle


class Command(BaseCommand):
    help = (
        "Genera un ente sintetico (stesso profilo e stesso seme, stesso ente) e lo importa "
        "con import_cycle; con --output scrive anche il file performa-cycle."
    )

    def add_arguments(self, parser):
        parser.add_argument("--profile", choices=[*sorted(PROFILES), "national"], default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--year", type=int, default=2025)
        parser.add_argument("--output", help="file JSON da scrivere")
        parser.add_argument(
            "--no-load", action="store_true", help="non importa nel database (solo il file)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="sostituisce il ciclo se esiste già"
        )
        parser.add_argument(
            "--enti", type=int, default=None, help="profilo national: quanti enti (8.000)"
        )

    def handle(self, *args, **options):
        if options["profile"] == "national":
            return self.national(options)
        document = build_document(options["profile"], seed=options["seed"], year=options["year"])
        cycle = document["cycle"]
        summary = (
            f"{len(document['units'])} unità, {len(cycle['objectives'])} obiettivi, "
            f"{len(cycle['indicators'])} indicatori, {len(cycle['measurements'])} misure, "
            f"{len(document['people'])} persone, {len(cycle['schede'])} schede"
        )
        if options["output"]:
            path = Path(options["output"])
            path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            self.stdout.write(f"Scritto {path}: {summary}")
        if options["no_load"]:
            if not options["output"]:
                raise CommandError("Con --no-load serve --output: altrimenti non resta nulla.")
            return
        try:
            imported = import_cycle(document, replace=options["replace"])
        except InterchangeError as exc:
            for message in exc.errors[:20]:
                self.stderr.write(message)
            raise CommandError("Ente sintetico non importato.") from exc
        self.stdout.write(f"Importato {imported.ente.slug} {imported.year}: {summary}")

    def national(self, options) -> None:
        from benchmarks import synthetic_national

        count = options["enti"] or synthetic_national.DEFAULT_COUNT
        try:
            timings = synthetic_national.generate(
                seed=options["seed"], year=options["year"], count=count, progress=self.stdout.write
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Generati {timings.enti} enti ({timings.by_size}): righe in "
            f"{timings.rows_seconds:.1f} s, indicatori dei pagamenti in "
            f"{timings.payments_seconds:.1f} s, punteggi in {timings.scores_seconds:.1f} s."
        )
