"""`manage.py benchmark [--profiles small,medium,metropolitan] [--requests N] [--repeat N]
[--no-interchange] [--no-documents] [--no-invoices] [--postgres URL] [--output docs/benchmarks.md]
[--json FILE]`: measure and write the report; with --postgres, measure again on that database
when its server answers (skipped with a message otherwise)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.options import add_report_arguments, chosen_profiles
from benchmarks.runner import postgres_pass, run, write_report


class Command(BaseCommand):
    help = (
        "Misura punteggi, pagine principali e scambio dati sugli enti sintetici dei profili "
        "indicati (generandoli se mancano) e scrive il rapporto in Markdown (e in JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--profiles", default="small,medium")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--requests", type=int, default=10, help="richieste per pagina")
        parser.add_argument("--repeat", type=int, default=3, help="ripetizioni di cycle_scores")
        parser.add_argument("--no-interchange", action="store_true")
        parser.add_argument("--no-documents", action="store_true")
        parser.add_argument("--no-invoices", action="store_true")
        parser.add_argument(
            "--postgres",
            default="",
            help="indirizzo PostgreSQL su cui ripetere le misure, se il server risponde",
        )
        add_report_arguments(parser)

    def handle(self, *args, **options):
        profiles = chosen_profiles(options["profiles"])
        if options["requests"] < 1 or options["repeat"] < 1:
            raise CommandError("--requests e --repeat devono essere almeno 1.")
        result = run(
            profiles,
            seed=options["seed"],
            requests=options["requests"],
            repeat=options["repeat"],
            interchange=not options["no_interchange"],
            documents=not options["no_documents"],
            invoices=not options["no_invoices"],
            pages=tuple(part.strip() for part in options["pages"].split(",") if part.strip()),
            log=self.stdout.write,
        )
        if options["postgres"]:
            result["postgresql"] = postgres_pass(
                options["postgres"], _same_measures(options), self.stdout.write
            )
        output = Path(options["output"])
        write_report(result, output, Path(options["json"]) if options["json"] else None)
        self.stdout.write(f"Scritto {output}.")


def _same_measures(options) -> list[str]:
    """The arguments that make the PostgreSQL pass measure what this one measured."""
    args = [
        f"--profiles={options['profiles']}",
        f"--seed={options['seed']}",
        f"--requests={options['requests']}",
        f"--repeat={options['repeat']}",
        f"--pages={options['pages']}",
    ]
    for flag in ("no_interchange", "no_documents", "no_invoices"):
        if options[flag]:
            args.append("--" + flag.replace("_", "-"))
    return args
