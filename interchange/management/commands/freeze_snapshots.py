"""`manage.py freeze_snapshots FILE [--output OUT]`: add the missing snapshots of closed windows."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange.exporter import dumps
from interchange.importer import InterchangeError
from interchange.management.commands.import_cycle import read_document
from interchange.snapshots import freeze_snapshots


class Command(BaseCommand):
    help = (
        "Calcola l'istantanea delle finestre chiuse che ne sono prive, ripercorrendo chiusure "
        "e correzioni del file, e riscrive il file in forma canonica. Il database non cambia."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="percorso del file JSON")
        parser.add_argument("--output", help="file da scrivere (predefinito: lo stesso file)")

    def handle(self, *args, **options):
        source = Path(options["file"])
        data = read_document(source)
        try:
            result = freeze_snapshots(data)
        except InterchangeError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            raise CommandError(f"Istantanee non calcolate: il file {source} non è valido.") from exc
        target = Path(options["output"] or source)
        target.write_text(dumps(result), encoding="utf-8")
        frozen = sum(
            1
            for window in result["cycle"].get("monitoring_windows") or []
            if window.get("snapshot") is not None
        )
        self.stdout.write(f"Scritto {target}: {frozen} finestre chiuse con istantanea.")
