"""Time the import of a synthetic invoice file and the computation of every indicator.

    manage.py benchmark_payments [--invoices 100000] [--year 2024] [--seed 2024] [--keep]

Creates a throwaway ente («benchmark-pagamenti»), generates the file with
`payments.synthetic`, imports it as `import_invoices` does (the rows read and checked once, then
written in one transaction), recomputes every figure of every year (ente, units, stock, tests,
FGDC), and prints wall-clock and CPU time of each step; then deletes the ente unless --keep.
It measures speed on this machine: the tests never assert times.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from organization.models import Ente, EnteKind, Unit, UnitKind
from payments import services, synthetic

SLUG = "benchmark-pagamenti"


class _Clock:
    """Wall-clock and CPU time of each step."""

    def __init__(self) -> None:
        self.laps: list[tuple[str, float, float]] = []
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.laps.append((name, wall - self._wall, cpu - self._cpu))
        self._wall, self._cpu = wall, cpu


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
            clock = _Clock()
            content = synthetic.to_csv(synthetic.generate(count, year, seed=options["seed"]))
            clock.lap("generazione del file")
            batch = services.batch_create(
                user=None, ente=ente, content=content, filename="sintetico.csv"
            )
            services.batch_analyse(user=None, batch=batch)
            clock.lap("lettura e controllo delle righe")
            services.batch_commit(user=None, batch=batch)
            clock.lap("scrittura e calcolo degli indicatori")
            self.stdout.write(
                f"{count} fatture ({len(content) / 1e6:.1f} MB), {batch.valid_invoices} valide"
            )
            self.stdout.write(f"  {'':34} {'tempo':>8} {'CPU':>8}")
            for name, wall, cpu in clock.laps:
                self.stdout.write(f"  {name:34} {wall:7.2f}s {cpu:7.2f}s")
            wall = sum(lap[1] for lap in clock.laps[1:])
            cpu = sum(lap[2] for lap in clock.laps[1:])
            self.stdout.write(
                f"  {'importazione + indicatori':34} {wall:7.2f}s {cpu:7.2f}s"
                "  (CPU: il tempo del processo, al netto degli altri processi della macchina)"
            )
        finally:
            if not options["keep"]:
                ente.delete()
