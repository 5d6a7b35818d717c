"""Print the premium distribution of an ente and year, or compute a new preview.

    manage.py distribute_premiums --ente comune-x --year 2025 [--fund performance_individuale]
                                  [--preview] --format json|csv

Without --preview it prints the final distribution of each fund (and says which funds have
none); with --preview it computes and stores a new preview with the default parameters of the
integrative contract. json prints every output of the distribution, csv the per-person lines.
"""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from organization.models import Ente
from planning.models import Cycle
from rewards import selectors, services
from rewards.models import DistributionState, Fund, FundKind


class Command(BaseCommand):
    help = "Distribuzione dei premi di un ente e anno: definitiva, o nuova anteprima (--preview)."

    def add_arguments(self, parser):
        parser.add_argument("--ente", required=True, help="Identificativo (slug) dell'ente")
        parser.add_argument("--year", required=True, type=int, help="Anno del ciclo")
        parser.add_argument(
            "--fund", choices=FundKind.values, default=None, help="Solo il fondo di questo tipo"
        )
        parser.add_argument(
            "--preview",
            action="store_true",
            help="Calcola e salva una nuova anteprima con i parametri predefiniti",
        )
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args, **options):
        ente = Ente.objects.filter(slug=options["ente"]).first()
        if ente is None:
            raise CommandError(f"Ente «{options['ente']}» inesistente.")
        year = options["year"]
        funds = Fund.objects.filter(ente=ente, year=year).order_by("kind")
        if options["fund"]:
            funds = funds.filter(kind=options["fund"])
        funds = list(funds)
        if not funds:
            what = f"«{FundKind(options['fund']).label}» " if options["fund"] else ""
            raise CommandError(f"Nessun fondo {what}per {ente.name} nel {year}.")
        if options["preview"]:
            distributions = self._previews(ente, year, funds)
        else:
            distributions = self._finals(ente, year, funds)
        if options["format"] == "csv":
            self._csv(distributions)
        else:
            payload = {
                "ente": ente.slug,
                "year": year,
                "distributions": [selectors.distribution_outputs(d) for d in distributions],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str))

    def _previews(self, ente, year, funds):
        cycle = Cycle.objects.filter(ente=ente, year=year).first()
        if cycle is None:
            raise CommandError(f"Manca il ciclo della performance {year} di {ente.name}.")
        distributions = []
        for fund in funds:
            try:
                distributions.append(
                    services.distribution_preview(user=None, fund=fund, cycle=cycle, parameters={})
                )
            except ServiceError as error:
                raise CommandError(f"Fondo «{fund.label}»: {error.message}") from error
        return distributions

    def _finals(self, ente, year, funds):
        distributions = []
        for fund in funds:
            final = fund.distributions.filter(state=DistributionState.FINAL).first()
            if final is None:
                self.stderr.write(
                    f"Il fondo «{fund.label}» {year} non ha una distribuzione definitiva."
                )
                continue
            distributions.append(final)
        if not distributions:
            raise CommandError(
                f"Nessuna distribuzione definitiva per {ente.name} nel {year}: "
                "usare --preview per calcolare un'anteprima."
            )
        return distributions

    def _csv(self, distributions):
        writer = csv.writer(self.stdout, lineterminator="\n")
        header_written = False
        for distribution in distributions:
            rows = selectors.csv_rows(distribution)
            if not header_written:
                writer.writerow(["fondo", "stato", *rows[0]])
                header_written = True
            for row in rows[1:]:
                writer.writerow([distribution.fund.kind, distribution.state, *row])
