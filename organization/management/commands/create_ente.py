"""Create a real ente from scratch with its first administrator."""

from __future__ import annotations

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from organization.models import EnteKind
from organization.services import ente_create


class Command(BaseCommand):
    help = "Crea un nuovo ente e il suo primo amministratore (ruolo admin)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="Identificativo dell'ente (es. unione-x)")
        parser.add_argument("--name", required=True, help="Denominazione completa")
        parser.add_argument("--kind", required=True, choices=EnteKind.values, help="Tipo di ente")
        parser.add_argument("--ipa", default="", help="Codice IPA")
        parser.add_argument("--istat", default="", help="Codice ISTAT")
        parser.add_argument("--headcount", type=int, default=None, help="Numero di dipendenti")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--admin-password",
            default=None,
            help="Se omessa viene chiesta al terminale (mai nella cronologia della shell).",
        )

    def handle(self, *args, **options):
        password = options["admin_password"] or self._ask_password()
        data = {
            "slug": options["slug"],
            "name": options["name"],
            "kind": options["kind"],
            "ipa_code": options["ipa"],
            "istat_code": options["istat"],
            "headcount": options["headcount"],
        }
        try:
            ente, admin = ente_create(
                user=None,
                data=data,
                admin_username=options["admin_username"],
                admin_email=options["admin_email"],
                admin_password=password,
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Creato l'ente «{ente.name}» ({ente.slug}) "
                f"con l'amministratore «{admin.username}»."
            )
        )

    def _ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                "Password dell'amministratore mancante: indica --admin-password oppure esegui il "
                "comando da un terminale interattivo per inserirla."
            )
        first = getpass.getpass("Password dell'amministratore: ")
        second = getpass.getpass("Ripeti la password: ")
        if first != second:
            raise CommandError("Le due password non coincidono.")
        if not first:
            raise CommandError("La password non può essere vuota.")
        return first
