"""Writes of the plan import: the uploaded file, the saved column map, the commit.

The preview is rebuilt from the stored file at every step (reading is deterministic), so what
is committed is exactly what was previewed with the same mapping and confirmed matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.audit import record
from core.exceptions import AccessDenied, ServiceError
from interchange.models import ColumnMapping, PlanImport
from interchange.plans import headers as hd
from interchange.plans.build import build_draft
from interchange.plans.commit import CommitResult, commit_draft
from interchange.plans.draft import PlanDraft
from interchange.plans.matching import Proposal, propose, resolved
from interchange.plans.readers import ReadError, SourceDocument, file_kind, read_document
from organization.models import Ente
from planning import access as plan_rules
from planning import selectors as plan_selectors
from planning import services as plan
from planning.models import Cycle, CycleState

MAX_SIZE = 20 * 1024 * 1024


@dataclass
class Preview:
    document: SourceDocument
    draft: PlanDraft
    proposals: list[Proposal]
    cycle: Cycle | None
    refusal: str = ""  # why the commit would be refused as things stand


def checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def require_plan_admin(user, ente: Ente) -> None:
    if user is None:
        return
    try:
        allowed = plan_rules.can_manage_cycle(plan_rules.plan_access(user, ente))
    except PermissionDenied as exc:
        raise AccessDenied(str(exc)) from exc
    if not allowed:
        raise AccessDenied("Solo l'amministratore dell'ente importa il piano.")


def saved_mapping(ente: Ente) -> dict[str, str]:
    return dict(ColumnMapping.objects.filter(ente=ente).values_list("header_key", "field"))


def refusal_for(cycle: Cycle | None, *, revision_motivation: str = "") -> str:
    if cycle is None or cycle.state == CycleState.DRAFT:
        return ""
    if cycle.state == CycleState.PROPOSED:
        return (
            f"Il piano {cycle.year} è stato proposto per l'approvazione: riportalo in bozza "
            "prima di importare."
        )
    if plan_selectors.open_revision(cycle) is not None or revision_motivation.strip():
        return ""
    return (
        f"Il piano {cycle.year} è approvato e un'importazione non lo sovrascrive: indica la "
        "motivazione per aprire una revisione (art. 10 c. 3 D.Lgs. 150/2009), oppure importa in "
        "un altro anno."
    )


def preview_file(
    *,
    ente: Ente,
    year: int,
    file_name: str,
    content: bytes,
    sheets: list[str] | None = None,
    mapping: dict[str, str] | None = None,
    revision_motivation: str = "",
) -> Preview:
    if len(content) > MAX_SIZE:
        raise ServiceError("Il file supera i 20 MB ammessi per un'importazione.", field="file")
    document = read_document(file_name, content, sheets=sheets or None)
    cycle = Cycle.objects.filter(ente=ente, year=year).first()
    first = cycle.first_year if cycle else year
    last = cycle.last_year if cycle else year + 2
    draft = build_draft(
        document,
        year=year,
        first_year=first,
        last_year=last,
        mapping=mapping,
        saved_mapping=saved_mapping(ente),
    )
    return Preview(
        document=document,
        draft=draft,
        proposals=propose(draft, ente),
        cycle=cycle,
        refusal=refusal_for(cycle, revision_motivation=revision_motivation),
    )


@transaction.atomic
def plan_import_upload(
    *, user, ente: Ente, year: int, file_name: str, content: bytes, sheets=None
) -> PlanImport:
    """Keep an uploaded file for its preview (the evidence is the same row once committed)."""
    require_plan_admin(user, ente)
    try:
        kind = file_kind(file_name)
    except Exception as exc:
        raise ServiceError(str(exc), field="file") from exc
    if not content:
        raise ServiceError("Il file è vuoto.", field="file")
    if len(content) > MAX_SIZE:
        raise ServiceError("Il file supera i 20 MB ammessi per un'importazione.", field="file")
    item = PlanImport.objects.create(
        ente=ente,
        year=year,
        file_name=file_name[:255],
        file_kind=kind,
        checksum=checksum(content),
        size=len(content),
        content=content,
        sheets=list(sheets or []),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    record(
        user=user,
        action="plan_import.upload",
        obj=item,
        ente=ente,
        changes={"file_name": file_name, "checksum": item.checksum, "size": item.size},
    )
    return item


@transaction.atomic
def mapping_save(*, user, ente: Ente, mapping: dict[str, str]) -> int:
    """Save how this ente's headers map to fields (header as written → field or «ignora»)."""
    require_plan_admin(user, ente)
    known = set(hd.FIELDS)
    count = 0
    for header, field_name in mapping.items():
        if not field_name:
            continue
        if field_name not in known:
            raise ServiceError(
                f"Campo «{field_name}» non previsto per «{header}».", field="mapping"
            )
        key = hd.header_key(header)
        if not key:
            continue
        row, created = ColumnMapping.objects.get_or_create(
            ente=ente, header_key=key, defaults={"header": header[:255], "field": field_name}
        )
        if not created and row.field == field_name:
            continue
        before = "" if created else row.field
        row.header, row.field = header[:255], field_name
        row.save()
        record(
            user=user,
            action="column_mapping.save",
            obj=row,
            ente=ente,
            changes={"field": [before, field_name]},
        )
        count += 1
    return count


def _cycle_for(user, ente: Ente, year: int, file_name: str, motivation: str) -> Cycle:
    cycle = Cycle.objects.select_for_update().filter(ente=ente, year=year).first()
    if cycle is None:
        return plan.cycle_create(
            user=user,
            ente=ente,
            data={
                "year": year,
                "first_year": year,
                "last_year": year + 2,
                "title": f"Piano della performance {year}-{year + 2}",
                "notes": f"Piano importato dal file «{file_name}».",
            },
        )
    reason = refusal_for(cycle, revision_motivation=motivation)
    if reason:
        raise ServiceError(reason, code="frozen")
    if cycle.is_frozen and plan_selectors.open_revision(cycle) is None:
        plan.revision_open(
            user=user,
            cycle=cycle,
            motivation=motivation,
            date=timezone.localdate(),
            act_label=f"Importazione del file «{file_name}»",
        )
    return cycle


def _import_row_save(
    plan_import: PlanImport | None,
    *,
    user,
    ente: Ente,
    year: int,
    file_name: str,
    content: bytes,
    digest: str,
    preview: Preview,
    cycle: Cycle,
    result: CommitResult,
    options: dict[str, Any],
) -> PlanImport:
    """The import's own row, committed: the file kept, the options used, the summary."""
    if plan_import is None:
        plan_import = PlanImport(
            ente=ente,
            year=year,
            file_name=file_name[:255],
            file_kind=preview.document.kind,
            checksum=digest,
            size=len(content),
            content=content,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
    draft = preview.draft
    plan_import.cycle = cycle
    plan_import.state = PlanImport.State.COMMITTED
    plan_import.committed_at = timezone.now()
    plan_import.sheets = list(options["sheets"] or [])
    plan_import.mapping = dict(options["mapping"] or {})
    plan_import.choices = {k: v for k, v in (options["choices"] or {}).items()}
    plan_import.summary = {
        **result.as_data(),
        "errors": [str(p) for p in draft.errors][:200],
        "warnings": [str(p) for p in draft.warnings][:200],
    }
    plan_import.save()
    return plan_import


def _require_importable(draft: PlanDraft) -> None:
    if not draft.valid_objectives():
        errors = len(draft.errors)
        raise ServiceError(
            "Nessun obiettivo importabile nel file"
            + (f": {errors} errori da correggere." if errors else ".")
        )


def _import_changes(
    file_name: str,
    digest: str,
    content: bytes,
    plan_import: PlanImport,
    result: CommitResult,
    draft: PlanDraft,
) -> dict[str, Any]:
    """The audit row's changes: the file, what was written, and the rows written in bulk."""
    return {
        "file_name": file_name,
        "checksum": digest,
        "size": len(content),
        "plan_import": plan_import.pk,
        **result.as_data(),
        "errors": len(draft.errors),
        "warnings": len(draft.warnings),
        # The rows written in bulk, which have no audit row of their own.
        "rows": result.changes,
    }


def plan_import_commit(
    *,
    user,
    ente: Ente,
    year: int,
    file_name: str,
    content: bytes,
    sheets: list[str] | None = None,
    mapping: dict[str, str] | None = None,
    choices: dict[str, str] | None = None,
    revision_motivation: str = "",
    plan_import: PlanImport | None = None,
    preview: Preview | None = None,
) -> tuple[PlanImport, CommitResult, Preview]:
    """Write everything valid of the file into the ente's cycle of `year`, in one transaction.

    `preview`, when given, is the file already read (the background import shows its counts
    before writing); otherwise the file is read here."""
    require_plan_admin(user, ente)
    with transaction.atomic():
        preview = preview or preview_file(
            ente=ente,
            year=year,
            file_name=file_name,
            content=content,
            sheets=sheets,
            mapping=mapping,
            revision_motivation=revision_motivation,
        )
        draft = preview.draft
        _require_importable(draft)
        cycle = _cycle_for(user, ente, year, file_name, revision_motivation)
        picked = resolved(preview.proposals, choices)
        result = commit_draft(
            user=user, cycle=cycle, draft=draft, proposals=preview.proposals, choices=picked
        )
        digest = checksum(content)
        plan_import = _import_row_save(
            plan_import,
            user=user,
            ente=ente,
            year=year,
            file_name=file_name,
            content=content,
            digest=digest,
            preview=preview,
            cycle=cycle,
            result=result,
            options={"sheets": sheets, "mapping": mapping, "choices": choices},
        )
        record(
            user=user,
            action="plan.import",
            obj=cycle,
            ente=ente,
            changes=_import_changes(file_name, digest, content, plan_import, result, draft),
        )
    return plan_import, result, preview


# -- the import in the background (django-tasks, `manage.py db_worker`) ------------------------

STEPS = 3  # read the file, write the plan, done


def _progress(item: PlanImport, **fields) -> None:
    """Written outside the import's transaction, so that the page polling it sees each step."""
    PlanImport.objects.filter(pk=item.pk).update(**fields)
    for name, value in fields.items():
        setattr(item, name, value)


def plan_import_enqueue(
    *,
    user,
    plan_import: PlanImport,
    choices: dict[str, str] | None = None,
    revision_motivation: str = "",
) -> PlanImport:
    """Ask the worker to commit a previewed file; refused at once when the cycle would be."""
    require_plan_admin(user, plan_import.ente)
    if plan_import.is_running:
        raise ServiceError("L'importazione di questo file è già in corso.", field="file")
    cycle = Cycle.objects.filter(ente=plan_import.ente, year=plan_import.year).first()
    reason = refusal_for(cycle, revision_motivation=revision_motivation)
    if reason:
        raise ServiceError(reason, code="frozen")
    _progress(
        plan_import,
        state=PlanImport.State.QUEUED,
        request={"choices": dict(choices or {}), "revision_motivation": revision_motivation},
        step=0,
        steps=STEPS,
        message="In attesa che l'elaborazione cominci…",
    )
    record(
        user=user,
        action="plan_import.enqueue",
        obj=plan_import,
        ente=plan_import.ente,
        changes={"file_name": plan_import.file_name, "checksum": plan_import.checksum},
    )
    return plan_import


def plan_import_run(*, user, plan_import: PlanImport) -> PlanImport:
    """The worker's part: read the stored file, then write it in one transaction, telling the
    page each step. A refusal leaves the import «non riuscito» with its reason, nothing written."""
    asked = plan_import.request or {}
    ente = plan_import.ente
    _progress(plan_import, state=PlanImport.State.RUNNING, step=1, message="Lettura del file…")
    try:
        motivation = asked.get("revision_motivation", "")
        preview = preview_file(
            ente=ente,
            year=plan_import.year,
            file_name=plan_import.file_name,
            content=bytes(plan_import.content),
            sheets=plan_import.sheets or None,
            mapping=plan_import.mapping or None,
            revision_motivation=motivation,
        )
        draft = preview.draft
        indicators = sum(len(o.indicators) for o in draft.valid_objectives())
        _progress(
            plan_import,
            step=2,
            message=(
                f"Scrittura di {len(draft.valid_objectives())} obiettivi e {indicators} indicatori…"
            ),
        )
        plan_import.step, plan_import.message = STEPS, ""
        _, result, _ = plan_import_commit(
            user=user,
            ente=ente,
            year=plan_import.year,
            file_name=plan_import.file_name,
            content=bytes(plan_import.content),
            sheets=plan_import.sheets or None,
            mapping=plan_import.mapping or None,
            choices=asked.get("choices") or {},
            revision_motivation=motivation,
            plan_import=plan_import,
            preview=preview,
        )
    except (ServiceError, ReadError) as exc:
        _progress(plan_import, state=PlanImport.State.FAILED, message=str(exc)[:400])
        return plan_import
    except Exception:
        _progress(
            plan_import,
            state=PlanImport.State.FAILED,
            message="Errore imprevisto: nulla è stato importato.",
        )
        raise
    _progress(plan_import, message=result_message(result))
    return plan_import


def result_message(result: CommitResult) -> str:
    created = sum(result.created.values())
    updated = sum(result.updated.values())
    return (
        f"Piano importato: {created} elementi creati, {updated} aggiornati, "
        f"{result.skipped} righe bloccate da errori."
    )


def committed_before(ente: Ente, digest: str) -> PlanImport | None:
    return (
        PlanImport.objects.filter(ente=ente, checksum=digest, state=PlanImport.State.COMMITTED)
        .order_by("-committed_at")
        .first()
    )


def today() -> dt.date:
    return timezone.localdate()
