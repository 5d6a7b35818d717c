"""`manage.py import_plan FILE --ente SLUG --year YEAR [--sheet S] [--mapping M] [--dry-run]`."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from interchange.plans import services
from interchange.plans.readers import ReadError
from organization.models import Ente


class Command(BaseCommand):
    help = (
        "Importa il piano di un ente da un file XLSX, ODS, CSV o DOCX: mostra problemi e "
        "deduzioni, poi scrive tutto ciò che è valido in un'unica transazione."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="percorso del file")
        parser.add_argument("--ente", required=True, help="identificativo (slug) dell'ente")
        parser.add_argument("--year", required=True, type=int, help="anno del piano")
        parser.add_argument(
            "--sheet", action="append", default=[], help="foglio da leggere (ripetibile)"
        )
        parser.add_argument(
            "--mapping",
            help='file JSON {"intestazione": "campo"} per le colonne non riconosciute',
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="solo anteprima, nessuna scrittura"
        )
        parser.add_argument(
            "--revision",
            default="",
            help="motivazione della revisione da aprire se il piano è già approvato",
        )

    def handle(self, *args, **options):
        self.verbosity_level = options.get("verbosity", 1)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Il file {path} non esiste.")
        ente = Ente.objects.filter(slug=options["ente"]).first()
        if ente is None:
            raise CommandError(f'Ente "{options["ente"]}" non trovato.')
        mapping = None
        if options["mapping"]:
            try:
                mapping = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Associazione delle colonne illeggibile: {exc}") from exc
            if not isinstance(mapping, dict):
                raise CommandError(
                    'L\'associazione deve essere un oggetto {"intestazione": "campo"}.'
                )
        content = path.read_bytes()
        common = dict(
            ente=ente,
            year=options["year"],
            file_name=path.name,
            content=content,
            sheets=options["sheet"],
            mapping=mapping,
        )
        try:
            preview = services.preview_file(**common, revision_motivation=options["revision"])
            self.report(preview)
            if options["dry_run"]:
                self.stdout.write("Anteprima: nessuna modifica scritta (--dry-run).")
                return
            item, result, _ = services.plan_import_commit(
                user=None, **common, revision_motivation=options["revision"]
            )
        except (ReadError, ServiceError) as exc:
            raise CommandError(f"Importazione non eseguita: {exc}") from exc
        created = ", ".join(f"{n} {w}" for w, n in result.created.items()) or "nulla"
        updated = ", ".join(f"{n} {w}" for w, n in result.updated.items()) or "nulla"
        self.stdout.write(
            f"Importato {path.name} in {ente} {options['year']}: creati {created}; "
            f"aggiornati {updated}; righe bloccate {result.skipped}. "
            f"Impronta SHA-256 {item.checksum}."
        )

    def report(self, preview) -> None:
        draft = preview.draft
        objectives = draft.valid_objectives()
        indicators = sum(len(o.indicators) for o in objectives)
        self.stdout.write(
            f"Letti {len(draft.objectives)} obiettivi ({len(objectives)} importabili), "
            f"{indicators} indicatori, {len(draft.groups)} gruppi di pesatura."
        )
        for group, total, ok in draft.group_totals():
            mark = "ok" if ok else "DA VERIFICARE"
            self.stdout.write(
                f"  gruppo «{group.label}»: {total} su {group.expected_total} ({mark})"
            )
        for problem in draft.errors:
            self.stderr.write(f"ERRORE {problem}")
        for problem in draft.warnings:
            self.stderr.write(f"Avviso {problem}")
        for column in draft.unknown_columns:
            self.stderr.write(
                f"Colonna non riconosciuta «{column.header}» ({column.location}): usa --mapping."
            )
        for text in draft.unrecognised:
            self.stderr.write(f"Non importato: {text}")
        for proposal in preview.proposals:
            if proposal.status != "exact":
                found = f" → {proposal.candidate_label}" if proposal.candidate_label else ""
                self.stdout.write(f"  {proposal.kind} «{proposal.label}»{found}: {proposal.reason}")
        if int(getattr(self, "verbosity_level", 1)) > 1:
            for inference in draft.inferences:
                self.stdout.write(f"  dedotto: {inference}")
        if preview.refusal:
            self.stderr.write(preview.refusal)
