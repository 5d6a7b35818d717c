"""`manage.py export_cycle --ente SLUG --year YEAR [FILE]`: write a performa-cycle document."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange.exporter import dumps, export_cycle
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
        text = dumps(export_cycle(cycle))
        if options["file"]:
            Path(options["file"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
