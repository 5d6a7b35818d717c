"""`manage.py import_cycle FILE [--replace]`: load a performa-cycle document."""

from __future__ import annotations

import json
from pathlib import Path

import ijson
from django.core.management.base import BaseCommand, CommandError

from core.limits import MAX_JSON_DEPTH, json_depth_exceeded
from interchange.importer import InterchangeError, import_cycle
from interchange.stream import NotStreamable, TooDeep, read_outline


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
    """The document of `path`, its long lists left in the file (interchange.stream) so that
    the memory of the import does not grow with the file."""
    try:
        return read_outline(path)
    except FileNotFoundError as exc:
        raise CommandError(f"File non trovato: {path}") from exc
    except TooDeep as exc:
        raise CommandError(_too_deep(path)) from exc
    except (ijson.JSONError, UnicodeDecodeError, NotStreamable):
        # The stream parser does not say where the file is broken, nor does it read what
        # `json.loads` accepts beyond the standard: the file is read whole, only in this case,
        # for the same answer and the same message as before.
        return read_whole_document(path)


def read_whole_document(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CommandError(f"File non trovato: {path}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: il file non è in codifica UTF-8") from exc
    if json_depth_exceeded(text):
        raise CommandError(_too_deep(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: JSON non valido alla riga {exc.lineno}, colonna {exc.colno} ({exc.msg})"
        ) from exc


def _too_deep(path: Path) -> str:
    return (
        f"{path}: il documento ha più di {MAX_JSON_DEPTH} livelli di annidamento: non è un "
        "documento performa-cycle"
    )
