"""`manage.py send_digest`: the weekly e-mail of «Cosa devo fare» to every user who asked for it.

Run it once a week from cron or a systemd timer (e.g. Monday 7:00). `--base-url` (or the
setting PERFORMA_BASE_URL) is the address of the site the links in the e-mail point to.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.exceptions import ServiceError
from core.parsing import parse_date
from desk.digest import send_digests


class Command(BaseCommand):
    help = "Invia il riepilogo settimanale «Cosa devo fare» agli utenti che l'hanno chiesto."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "PERFORMA_BASE_URL", ""),
            help="Indirizzo del sito per i collegamenti (es. https://performa.unione.it).",
        )
        parser.add_argument("--user", action="append", dest="users", help="Solo questo utente.")
        parser.add_argument("--date", help="Il giorno del riepilogo (gg/mm/aaaa); oggi se manca.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Dice a chi scriverebbe, senza inviare."
        )

    def handle(self, *args, **options):
        base_url = (options["base_url"] or "").strip()
        if not base_url.startswith(("http://", "https://")):
            raise CommandError(
                "Indica l'indirizzo del sito con --base-url (es. https://performa.unione.it) "
                "o con l'impostazione PERFORMA_BASE_URL."
            )
        try:
            today = parse_date(options["date"], label="Data") or timezone.localdate()
        except ServiceError as error:
            raise CommandError(error.message) from None
        report = send_digests(
            today=today, base_url=base_url, usernames=options["users"], dry_run=options["dry_run"]
        )
        verb = "da inviare" if options["dry_run"] else "inviati"
        self.stdout.write(
            f"Riepiloghi {verb}: {len(report.sent)}; nulla da fare: "
            f"{len(report.nothing_to_do)}; non inviati per errore: {len(report.failed)}."
        )
        for username in report.failed:
            self.stderr.write(f"Non inviato a {username}: vedi il registro degli errori.")
        if report.failed:
            raise CommandError(f"{len(report.failed)} riepiloghi non inviati.")
