"""`manage.py benchmark [--profiles small,medium,metropolitan] [--requests N] [--repeat N]
[--no-interchange] [--output docs/benchmarks.md] [--json FILE]`: measure and write the report."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmarks.runner import run, write_report
from benchmarks.synthetic import PROFILES


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
        parser.add_argument(
            "--pages", default="", help="solo le pagine il cui nome contiene uno di questi testi"
        )
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "docs" / "benchmarks.md")
        )
        parser.add_argument("--json", help="file JSON con tutte le misure")

    def handle(self, *args, **options):
        profiles = [name.strip() for name in options["profiles"].split(",") if name.strip()]
        unknown = [name for name in profiles if name not in PROFILES]
        if unknown:
            known = ", ".join(sorted(PROFILES))
            raise CommandError(f"Profilo sconosciuto: {', '.join(unknown)} (profili: {known}).")
        if options["requests"] < 1 or options["repeat"] < 1:
            raise CommandError("--requests e --repeat devono essere almeno 1.")
        result = run(
            profiles,
            seed=options["seed"],
            requests=options["requests"],
            repeat=options["repeat"],
            interchange=not options["no_interchange"],
            pages=tuple(part.strip() for part in options["pages"].split(",") if part.strip()),
            log=self.stdout.write,
        )
        output = Path(options["output"])
        write_report(result, output, Path(options["json"]) if options["json"] else None)
        self.stdout.write(f"Scritto {output}.")
