"""`manage.py retention_report`: what personal data is past its retention period."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from operations import retention
from organization.models import Ente


class Command(BaseCommand):
    help = (
        "Elenca i dati personali oltre il periodo di conservazione (PERFORMA_RETENTION). "
        "Con --delete-schede --ente SLUG --confirm elimina le schede scadute di un ente "
        "(decisione dell'ente, registrata nel registro di audit)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ente", help="Solo questo ente (slug)")
        parser.add_argument("--delete-schede", action="store_true")
        parser.add_argument("--confirm", action="store_true")
        parser.add_argument(
            "--purge-technical",
            action="store_true",
            help="Elimina i dati tecnici scaduti (tentativi di accesso, chiavi di idempotenza)",
        )

    def handle(self, *args, **options):
        ente = None
        if options["ente"]:
            ente = Ente.objects.filter(slug=options["ente"]).first()
            if ente is None:
                raise CommandError(f"Ente «{options['ente']}» non trovato.")
        if options["delete_schede"]:
            if ente is None or not options["confirm"]:
                raise CommandError(
                    "Eliminare schede è una decisione dell'ente: indica --ente SLUG e --confirm."
                )
            try:
                count = retention.delete_schede(ente=ente)
            except ServiceError as error:
                raise CommandError(error.message) from error
            self.stdout.write(f"Eliminate {count} schede di {ente} oltre la conservazione.")
            return
        if options["purge_technical"]:
            self.stdout.write(f"Eliminati {retention.purge_technical()} dati tecnici scaduti.")
        self.stdout.write("Dati oltre il periodo di conservazione:")
        for item in retention.report(ente=ente):
            self.stdout.write(f"  {item.label} (conservazione {item.period}): {item.count}")
