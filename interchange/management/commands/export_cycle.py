"""`manage.py export_cycle --ente SLUG --year YEAR [FILE]`: write a performa-cycle document."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange.exporter import write_cycle
from organization.models import Ente
from planning.models import Cycle


class Command(BaseCommand):
    help = "Esporta un ciclo della performance in formato performa-cycle (JSON)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="file di destinazione (standard output se omesso)"
        )
        parser.add_argument("--ente", required=True, help="identificativo (slug) dell'ente")
        parser.add_argument("--year", required=True, type=int, help="anno del ciclo")

    def handle(self, *args, **options):
        slug, year = options["ente"], options["year"]
        ente = Ente.objects.filter(slug=slug).first()
        if ente is None:
            raise CommandError(f'Ente "{slug}" non trovato.')
        cycle = Cycle.objects.filter(ente=ente, year=year).select_related("ente").first()
        if cycle is None:
            years = ", ".join(
                str(y) for y in ente.cycles.order_by("year").values_list("year", flat=True)
            )
            known = f" (cicli presenti: {years})" if years else " (nessun ciclo presente)"
            raise CommandError(f'L\'ente "{slug}" non ha un ciclo {year}{known}.')
        # Written while it is read: the memory needed does not grow with the cycle.
        # No half-written file on failure: the text goes to a sibling file, renamed at the end.
        if options["file"]:
            path = Path(options["file"])
            partial = path.with_name(path.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8") as target:
                    write_cycle(cycle, target.write)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
        else:
            write_cycle(cycle, lambda text: self.stdout.write(text, ending=""))
