"""`manage.py backup FILE`: every ente's cycles, stored files, logins and audit trail."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, backup_to


class Command(BaseCommand):
    help = (
        "Scrive in un archivio (.tar.gz) i cicli di ogni ente nel formato di interscambio, i "
        "file archiviati, gli utenti e il registro di audit, con manifest e somme di controllo."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Archivio da scrivere, es. performa-2026-11-30.tar.gz")
        parser.add_argument("--force", action="store_true", help="Sovrascrive un file esistente.")

    def handle(self, *args, file: str, force: bool = False, **options):
        path = Path(file)
        if path.exists() and not force:
            raise CommandError(f"{path} esiste già: scegli un altro nome o usa --force.")
        partial = path.with_name(path.name + ".parziale")
        try:
            manifest = backup_to(partial)
        except BackupError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error)) from error
        partial.replace(path)
        cycles = sum(len(e["cycles"]) for e in manifest["enti"])
        self.stdout.write(
            f"Backup scritto in {path}: {len(manifest['enti'])} enti, {cycles} cicli, "
            f"{len(manifest['files'])} voci con somma di controllo."
        )
