"""`manage.py import_cycle FILE [--replace]`: load a performa-cycle document."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.limits import MAX_JSON_DEPTH, json_depth_exceeded
from interchange.importer import InterchangeError, import_cycle


class Command(BaseCommand):
    help = "Importa un ciclo della performance da un file performa-cycle (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="percorso del file JSON")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="sostituisce il ciclo dello stesso anno, se esiste già",
        )

    def handle(self, *args, **options):
        data = read_document(Path(options["file"]))
        try:
            cycle = import_cycle(data, replace=options["replace"])
        except InterchangeError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            count = len(exc.errors)
            problems = "1 problema" if count == 1 else f"{count} problemi"
            raise CommandError(
                f"Importazione non eseguita: {problems} in {options['file']}."
            ) from exc
        objectives = cycle.operational_objectives.count()
        indicators = cycle.indicators.count()
        summary = f"{objectives} obiettivi, {indicators} indicatori"
        self.stdout.write(f"Importato: {cycle.ente} {cycle.year} – {summary}")


def read_document(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CommandError(f"File non trovato: {path}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: il file non è in codifica UTF-8") from exc
    if json_depth_exceeded(text):
        raise CommandError(
            f"{path}: il documento ha più di {MAX_JSON_DEPTH} livelli di annidamento: non è un "
            "documento performa-cycle"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: JSON non valido alla riga {exc.lineno}, colonna {exc.colno} ({exc.msg})"
        ) from exc
