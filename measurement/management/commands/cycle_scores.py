"""Print every computed score of a cycle with its explanation, for batch use and audits.

    manage.py cycle_scores --ente unione-sorbara --year 2024 --window monitoraggio-al-30-giugno \
        --format json
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.jsonstream import write_json
from core.tabular import MACHINE, rows_of, write_csv
from engine.numbers import machine_decimal
from measurement import selectors
from planning.commands import cycle_of, ente_named

NUMBER_COLUMNS = frozenset({"value", "percent"})


class Command(BaseCommand):
    help = (
        "Stampa tutti i punteggi calcolati di un ciclo (indicatori, obiettivi, strutture, "
        "persone, ente) con la spiegazione di ciascuno, in JSON o CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ente", required=True, help="Identificativo (slug) dell'ente.")
        parser.add_argument("--year", required=True, type=int, help="Anno del ciclo.")
        parser.add_argument(
            "--window", help="Chiave della finestra di monitoraggio (valori a quella data)."
        )
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args, **options):
        ente = ente_named(options["ente"])
        cycle = cycle_of(ente, options["year"])
        window = None
        if options.get("window"):
            window = selectors.window_for(cycle, options["window"])
            if window is None:
                known = ", ".join(w.key for w in selectors.windows_of(cycle)) or "nessuna"
                raise CommandError(
                    f"Finestra «{options['window']}» inesistente nel ciclo {cycle.year} "
                    f"(finestre: {known})."
                )
        board = selectors.cycle_scores(cycle, window=window)
        if options["format"] == "csv":
            # Numbers as numbers, so that a negative value is not taken for a formula to disarm.
            rows = [
                {k: machine_decimal(v) if k in NUMBER_COLUMNS and v else v for k, v in row.items()}
                for row in board.rows()
            ]
            write_csv(
                self.stdout, selectors.ROW_FIELDS, rows_of(rows, selectors.ROW_FIELDS), MACHINE
            )
        else:
            # Streamed member by member (core.jsonstream): a large ente's board is tens of MB.
            write_json(self.stdout, board.to_dict())
