"""`manage.py generate_synthetic --profile small|medium|metropolitan [--seed N] [--output FILE]
[--no-load] [--replace]`: a synthetic ente, written as a performa-cycle file and/or imported."""

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
        parser.add_argument("--profile", choices=sorted(PROFILES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--year", type=int, default=2025)
        parser.add_argument("--output", help="file JSON da scrivere")
        parser.add_argument(
            "--no-load", action="store_true", help="non importa nel database (solo il file)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="sostituisce il ciclo se esiste già"
        )

    def handle(self, *args, **options):
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
