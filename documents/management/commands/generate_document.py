"""Generate a document of a cycle from the command line.

    manage.py generate_document --kind piano|portale|monitoraggio|relazione|validazione|
        accompagnamento|scheda|premi|premi_aggregati|smvp --ente SLUG --year 2024
        [--window KEY] [--person KEY] --format pdf|docx|xlsx [--output FILE]

Without --window the monitoring report is about the latest window that is closed or whose
period has ended; when none has come yet, about the state of the year from the values entered.

The file is also stored in the cycle's «Documenti» area, like one generated from the page.
Without --output it is written to the current folder with its own name.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from documents.builders import FORMATS
from documents.models import GenerationState
from documents.services import document_generate_now
from measurement.models import MonitoringWindow
from organization.models import Person
from planning.commands import cycle_of, ente_named


class Command(BaseCommand):
    help = "Genera un documento del ciclo (piano, monitoraggio, relazione, …) in PDF, DOCX o XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(FORMATS))
        parser.add_argument("--ente", required=True, help="Identificativo (slug) dell'ente")
        parser.add_argument("--year", required=True, type=int, help="Anno del ciclo")
        parser.add_argument(
            "--window",
            help="Chiave della finestra di monitoraggio (predefinita: l'ultima raggiunta)",
        )
        parser.add_argument("--person", help="Chiave della persona (per la scheda)")
        parser.add_argument("--format", required=True, choices=("pdf", "docx", "xlsx"))
        parser.add_argument(
            "--output", help="File da scrivere (predefinito: il nome del documento)"
        )

    def handle(self, *args, **options):
        ente = ente_named(options["ente"])
        cycle = cycle_of(ente, options["year"])
        window = None
        if options.get("window"):
            window = MonitoringWindow.objects.filter(cycle=cycle, key=options["window"]).first()
            if window is None:
                known = ", ".join(cycle.monitoring_windows.values_list("key", flat=True))
                raise CommandError(
                    f"Finestra «{options['window']}» inesistente nel ciclo {cycle.year} "
                    f"(finestre: {known or 'nessuna'})."
                )
        elif options["kind"] == "monitoraggio":
            from documents.builders.monitoraggio import default_window

            # As a user expects: the latest window reached, else the state of the year.
            window = default_window(cycle)
            self.stdout.write(
                f"Finestra: {window.label} ({window.key})"
                if window
                else "Nessuna finestra raggiunta: situazione dell'anno dai valori registrati."
            )
        person = None
        if options.get("person"):
            person = Person.objects.filter(ente=ente, key=options["person"]).first()
            if person is None:
                raise CommandError(f"Persona «{options['person']}» inesistente in {ente.name}.")
        try:
            document = document_generate_now(
                user=None,
                cycle=cycle,
                kind=options["kind"],
                format=options["format"],
                window=window,
                person=person,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if document.state != GenerationState.DONE:
            raise CommandError(document.error or "Generazione non riuscita.")
        target = Path(options.get("output") or document.filename)
        with document.file.open("rb") as handle:
            target.write_bytes(handle.read())
        self.stdout.write(
            f"{document.get_kind_display()} {cycle.year} ({document.format.upper()}): {target} "
            f"({document.size} byte, {document.duration_ms} ms)"
        )
