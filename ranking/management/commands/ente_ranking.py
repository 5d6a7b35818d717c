"""`manage.py ente_ranking --year Y [--by performance|payments] [--format csv|json]
[--refresh]`: the cross-ente ranking of every ente, for the platform's ICT."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from core.tabular import MACHINE, csv_text
from ranking import selectors, services

HEADER = ("posizione", "ente", "denominazione", "provincia", "valore", "itp", "aggiornato")


class Command(BaseCommand):
    help = (
        "Classifica degli enti di un anno per performance organizzativa o per ritardo dei "
        "pagamenti; con --refresh ricalcola prima i dati non aggiornati."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--by", choices=selectors.ORDERINGS, default=selectors.PERFORMANCE)
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument(
            "--refresh", action="store_true", help="ricalcola i dati mancanti o non aggiornati"
        )

    def handle(self, *args, **options):
        year = options["year"]
        if options["refresh"]:
            written = services.refresh_stale(year)
            self.stderr.write(f"Ricalcolati {written} punteggi di enti.")
        rows = selectors.ranking(year, options["by"])
        if options["format"] == "json":
            data = [
                {
                    "position": row.position,
                    "ente": row.slug,
                    "name": row.name,
                    "province": row.province,
                    "value": None if row.value is None else str(row.value),
                    "itp": None if row.itp is None else str(row.itp),
                    "fresh": row.is_fresh,
                }
                for row in rows
            ]
            self.stdout.write(json.dumps({"year": year, "by": options["by"], "rows": data}))
            return
        table = [[r.position, r.slug, r.name, r.province, r.value, r.itp, r.is_fresh] for r in rows]
        self.stdout.write(csv_text(HEADER, table, MACHINE), ending="")
