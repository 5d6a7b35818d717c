"""`manage.py restore FILE`: rebuild an empty installation from a backup archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, restore_from


class Command(BaseCommand):
    help = (
        "Ricostruisce un'installazione vuota (database appena migrato) da un archivio di "
        "manage.py backup, dopo averne verificato le somme di controllo."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Archivio scritto da manage.py backup")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{path} non esiste.")
        try:
            manifest = restore_from(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        cycles = sum(len(e["cycles"]) for e in manifest["enti"])
        self.stdout.write(
            f"Ripristino completato da {path}: {len(manifest['enti'])} enti, {cycles} cicli."
        )
