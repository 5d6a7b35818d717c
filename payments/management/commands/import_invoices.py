"""Import the invoices of an ente from a CSV or XLSX file.

    manage.py import_invoices --ente comune-x fatture.csv [--source Contabilità]
                              [--map "due_date=Scad. pagamento" ...] [--dry-run]

The columns are recognised from their headers (see the «Colonne riconosciute» list of the
import page), or from the mapping saved with --source, or given with --map field=header. Rows
that cannot be read are listed with their line number and reason; the valid invoices are written
in one transaction, and the same invoice imported again is updated, never duplicated.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from payments import services
from payments.columns import FIELDS
from planning.commands import ente_named


class Command(BaseCommand):
    help = "Importa le fatture (CSV o XLSX) di un ente e ricalcola i tempi di pagamento."

    def add_arguments(self, parser):
        parser.add_argument("file", help="File CSV o XLSX delle fatture")
        parser.add_argument("--ente", required=True, help="Identificativo (slug) dell'ente")
        parser.add_argument("--source", default="", help="Nome della sorgente (salva le colonne)")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="CAMPO=INTESTAZIONE",
            help='Colonna per un campo, es. due_date="Scad. pagamento" (ripetibile)',
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Controlla il file senza importare nulla"
        )

    def handle(self, *args, **options):
        ente = ente_named(options["ente"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"File «{path}» non trovato.")
        mapping = {}
        for item in options["map"]:
            field, sep, header = item.partition("=")
            if not sep or field.split("#")[0] not in FIELDS:
                known = ", ".join(FIELDS)
                raise CommandError(f"--map «{item}»: usa campo=intestazione (campi: {known}).")
            mapping[field] = header
        try:
            batch = services.import_invoices(
                user=None,
                ente=ente,
                content=path.read_bytes(),
                filename=path.name,
                mapping=mapping or None,
                source_name=options["source"],
                dry_run=options["dry_run"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        for error in batch.errors:
            self.stderr.write(f"riga {error['line']}: {error['message']}")
        for warning in batch.warnings:
            self.stdout.write(f"Avviso: {warning}")
        if options["dry_run"]:
            self.stdout.write(
                f"Controllo di {path.name}: {batch.total_rows} righe, {batch.valid_invoices} "
                f"fatture valide, {batch.invalid_rows} righe scartate. Nulla è stato importato."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{path.name}: {batch.message}"))
