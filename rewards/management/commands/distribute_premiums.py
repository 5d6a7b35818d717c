"""Print the premium distribution of an ente and year, or compute a new preview.

    manage.py distribute_premiums --ente comune-x --year 2025 [--fund performance_individuale]
                                  [--preview] [--differentiation-share 10] [--maggiorazione 30]
                                  [--max-result-rate 25] [--eq-result-min 15]
                                  [--tie-break score,absences] [--cutoff-ties include]
                                  --format json|csv

Without --preview it prints the final distribution of each fund (and says which funds have
none); with --preview it computes and stores a new preview with the defaults of the contracts
in force for the year (national and integrative), changed by the same parameters the
distribution page offers: --differentiation-share and --maggiorazione for the staff funds,
--max-result-rate and --eq-result-min for the EQ and dirigenti funds, --tie-break and
--cutoff-ties for the ranking. Numbers are written the Italian way («12,5»). json prints
every output of the distribution, csv the per-person lines.
"""

from __future__ import annotations

import csv
import json

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from planning.commands import ente_named
from planning.models import Cycle
from rewards import forms, selectors, services
from rewards.models import DistributionState, Fund, FundKind

# The numbers the distribution page lets one try (rewards.forms), with the fund kinds they
# apply to: (option, parameter key, help).
WHAT_IF_OPTIONS = (
    (
        "--differentiation-share",
        "differentiation_share_percent",
        "Quota di personale con la maggiorazione (%), fondi del personale",
    ),
    (
        "--maggiorazione",
        "maggiorazione_percent",
        "Maggiorazione del premio (% del premio medio, almeno 30), fondi del personale",
    ),
    (
        "--max-result-rate",
        "max_result_rate",
        "Risultato massimo (% della retribuzione di posizione), fondi EQ e dirigenti",
    ),
    (
        "--eq-result-min",
        "eq_result_min_percent",
        "Quota minima di risultato (%), fondi EQ e dirigenti",
    ),
)
STAFF_KEYS = frozenset(forms.STAFF_WHAT_IF) | {"tie_break", "cutoff_ties"}
RESULT_KEYS = frozenset(forms.RESULT_WHAT_IF)


def what_if_parameters(options: dict, kind: str) -> dict:
    """The parameters given on the command line that apply to a fund of this kind."""
    given = {key: options.get(key) for _, key, _ in WHAT_IF_OPTIONS}
    if options.get("tie_break"):
        given["tie_break"] = [part.strip() for part in options["tie_break"].split(",")]
    given["cutoff_ties"] = options.get("cutoff_ties")
    applicable = STAFF_KEYS if kind in services.STAFF_KINDS else RESULT_KEYS
    return {key: value for key, value in given.items() if value is not None and key in applicable}


class Command(BaseCommand):
    help = "Distribuzione dei premi di un ente e anno: definitiva, o nuova anteprima (--preview)."
    # Every system check but the URLs': checking them imports the whole URL configuration (the
    # SAML views alone take ~2 s to import), which this command never uses; `manage.py check`
    # still runs them in CI and before a deploy.
    requires_system_checks = [
        tag for name, tag in vars(Tags).items() if not name.startswith("_") and tag != Tags.urls
    ]

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
        what_if = parser.add_argument_group("parametri dell'anteprima (come nella pagina)")
        for option, key, text in WHAT_IF_OPTIONS:
            # argparse expands «%(default)s» in help texts: a bare «%» must be doubled.
            what_if.add_argument(option, dest=key, default=None, help=text.replace("%", "%%"))
        what_if.add_argument(
            "--tie-break",
            default=None,
            help="Criteri della graduatoria separati da virgole (es. score,absences,seniority)",
        )
        what_if.add_argument(
            "--cutoff-ties",
            choices=services.CUTOFF_TIES_KEYS,
            default=None,
            help="Pari merito al limite della quota: include, share o exclude",
        )

    def handle(self, *args, **options):
        ente = ente_named(options["ente"])
        year = options["year"]
        funds = Fund.objects.filter(ente=ente, year=year).order_by("kind")
        if options["fund"]:
            funds = funds.filter(kind=options["fund"])
        funds = list(funds)
        if not funds:
            what = f"«{FundKind(options['fund']).label}» " if options["fund"] else ""
            raise CommandError(f"Nessun fondo {what}per {ente.name} nel {year}.")
        if options["preview"]:
            distributions = self._previews(ente, year, funds, options)
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

    def _previews(self, ente, year, funds, options):
        cycle = Cycle.objects.filter(ente=ente, year=year).first()
        if cycle is None:
            raise CommandError(f"Manca il ciclo della performance {year} di {ente.name}.")
        distributions = []
        for fund in funds:
            try:
                parameters = what_if_parameters(options, fund.kind)
                distributions.append(
                    services.distribution_preview(
                        user=None, fund=fund, cycle=cycle, parameters=parameters
                    )
                )
            except services.ParameterError as error:
                wrong = "; ".join(
                    f"{services.PARAMETER_LABELS.get(key, key)}: {message}"
                    for key, message in error.errors.items()
                )
                raise CommandError(
                    f"Fondo «{fund.label}»: parametri non validi: {wrong}"
                ) from error
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
