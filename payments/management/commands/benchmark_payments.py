"""Time the import of a synthetic invoice file and the computation of every indicator.

    manage.py benchmark_payments [--invoices 100000] [--year 2024] [--seed 2024] [--keep]

Creates a throwaway ente («benchmark-pagamenti»), generates the file with
`payments.synthetic`, imports it (analysis and commit, as the wizard does), recomputes every
figure, and prints the timings; then deletes the ente unless --keep. It measures speed on this
machine: the tests never assert times.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from organization.models import Ente, EnteKind, Unit, UnitKind
from payments import services, synthetic

SLUG = "benchmark-pagamenti"


class Command(BaseCommand):
    help = "Misura importazione e calcolo degli indicatori su un file sintetico di fatture."

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=100_000)
        parser.add_argument("--year", type=int, default=2024)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--keep", action="store_true", help="Non eliminare l'ente di prova")

    def handle(self, *args, **options):
        if Ente.objects.filter(slug=SLUG).exists():
            raise CommandError(f"L'ente «{SLUG}» esiste già: eliminalo prima di misurare.")
        count, year = options["invoices"], options["year"]
        ente = Ente.objects.create(
            slug=SLUG, name="Ente di prova (benchmark)", kind=EnteKind.COMUNE
        )
        try:
            for order, name in enumerate(synthetic.DEFAULT_OFFICES):
                Unit.objects.create(
                    ente=ente, key=f"u{order}", kind=UnitKind.SERVICE, name=name, order=order
                )
            started = time.perf_counter()
            content = synthetic.to_csv(synthetic.generate(count, year, seed=options["seed"]))
            generated = time.perf_counter()
            batch = services.batch_create(
                user=None, ente=ente, content=content, filename="sintetico.csv"
            )
            services.batch_analyse(user=None, batch=batch)
            analysed = time.perf_counter()
            services.batch_commit(user=None, batch=batch, recompute=False)
            committed = time.perf_counter()
            services.reports_recompute(ente=ente)
            computed = time.perf_counter()
            self.stdout.write(
                f"{count} fatture ({len(content) / 1e6:.1f} MB), {batch.valid_invoices} valide\n"
                f"  generazione del file      {generated - started:6.2f} s\n"
                f"  analisi (anteprima)       {analysed - generated:6.2f} s\n"
                f"  importazione              {committed - analysed:6.2f} s\n"
                f"  calcolo degli indicatori  {computed - committed:6.2f} s\n"
                f"  importazione + indicatori {computed - analysed:6.2f} s"
                f" (con l'analisi {computed - generated:6.2f} s)"
            )
        finally:
            if not options["keep"]:
                ente.delete()
