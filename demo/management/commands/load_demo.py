"""`manage.py load_demo [--reset]`: the demo enti, next year's draft plan and the demo logins."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from demo.loader import DEMO, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Carica gli enti dimostrativi da demo/data/ (se non già presenti), prepara il piano "
        "in bozza dell'anno successivo e crea gli utenti demo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Sostituisce i cicli demo con il contenuto dei file e ripristina le password.",
        )

    def handle(self, *args, reset: bool = False, verbosity: int = 1, **options):
        def log(message: str) -> None:
            if verbosity >= 1:
                self.stdout.write(message)

        log("Enti dimostrativi:")
        try:
            report = load_demo(setup=DEMO, reset=reset, log=log)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        if verbosity < 1:
            return
        created = len(report.users_created)
        self.stdout.write(
            f"Utenti demo: {created} creati, {report.memberships_created} ruoli assegnati."
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Accessi demo (password per tutti: {DEMO_PASSWORD})"))
        self.stdout.write(_table(("Utente", "Ruolo", "Ente"), report.logins))
        self.stdout.write("")
        self.stdout.write("Accesso: http://127.0.0.1:8000/accedi/")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row) -> str:
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
