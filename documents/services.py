"""Writes on the documents of a cycle.

`report_validate` records the Nucleo's validation of the Relazione sulla Performance: the
«condizione inderogabile» for any premium of the year (art. 14 c.4 lett. c and c.6 D.Lgs.
150/2009). It is recorded once per cycle, by a member of the Nucleo or an admin, and only for a
plan that was approved (art. 10 c.5).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.access import ADMIN, NUCLEO, access_for
from core.audit import diff, record, snapshot
from core.exceptions import AccessDenied, ServiceError
from core.images import check_raster
from documents import access as rules
from documents.models import (
    CycleDocumentSettings,
    DocumentKind,
    EnteBranding,
    GeneratedDocument,
    GenerationState,
    PlanShape,
    Publication,
    PublicSection,
    ReportValidation,
    ValidationRefusal,
)
from planning.formatting import date_it
from planning.models import Cycle, CycleState

logger = logging.getLogger(__name__)

# States a cycle is in once its plan was approved (the later phases of the same cycle).
APPROVED_STATES = frozenset(
    {
        CycleState.APPROVED,
        CycleState.MONITORING,
        CycleState.MEASUREMENT,
        CycleState.EVALUATION,
        CycleState.REPORTING,
        CycleState.VALIDATED,
    }
)


def _require_validator(user, cycle: Cycle) -> None:
    if user is None:
        return
    access = access_for(user, cycle.ente)
    if access is None:
        raise AccessDenied("Non hai accesso a questo ente.")
    if not access.has(NUCLEO, ADMIN):
        raise AccessDenied(
            "La validazione della Relazione è registrata dal Nucleo di Valutazione o da un "
            "amministratore."
        )


def _require_validable(cycle: Cycle) -> None:
    """An approved plan whose Relazione is not validated yet."""
    if cycle.state not in APPROVED_STATES:
        raise ServiceError(
            f"Il piano {cycle.year} non risulta approvato (stato: "
            f"{cycle.get_state_display().lower()}): la Relazione si valida solo per un "
            "piano approvato (art. 10 c.5 D.Lgs. 150/2009).",
            field="cycle",
        )
    existing = ReportValidation.objects.filter(cycle=cycle).first()
    if existing is not None:
        raise ServiceError(
            f"La Relazione {cycle.year} è già stata validata il "
            f"{date_it(existing.validated_on)} ({existing.act_label}).",
            field="cycle",
        )


def _check_validation_date(cycle: Cycle, validated_on: Any) -> None:
    """Not in the future, and after the end of the cycle's year (a validation a consuntivo)."""
    if not isinstance(validated_on, dt.date):
        raise ServiceError("La data di validazione è obbligatoria.", field="validated_on")
    if validated_on > timezone.localdate():
        raise ServiceError(
            f"La data di validazione ({date_it(validated_on)}) non può essere futura.",
            field="validated_on",
        )
    if validated_on.year <= cycle.year:
        raise ServiceError(
            f"La Relazione {cycle.year} si valida a consuntivo, dopo la fine dell'anno: "
            f"la data {date_it(validated_on)} non è successiva al 31/12/{cycle.year}.",
            field="validated_on",
        )


def report_validate(
    *, user, cycle: Cycle, validated_on: dt.date, act_label: str, note: str = ""
) -> ReportValidation:
    """Record the validation of the Relazione of `cycle` (once; Nucleo or admin)."""
    _require_validator(user, cycle)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _require_validable(cycle)
        _check_validation_date(cycle, validated_on)
        act_label = (act_label or "").strip()
        if not act_label:
            raise ServiceError(
                "Indica il documento di validazione (es. verbale del Nucleo n. 3).",
                field="act_label",
            )
        try:
            with transaction.atomic():
                validation = ReportValidation.objects.create(
                    cycle=cycle,
                    validated_on=validated_on,
                    act_label=act_label,
                    note=(note or "").strip(),
                    recorded_by=user if getattr(user, "is_authenticated", False) else None,
                )
        except IntegrityError as exc:  # a concurrent validation won the race
            raise ServiceError(
                f"La Relazione {cycle.year} è già stata validata.", field="cycle"
            ) from exc
        record(
            user=user,
            action="report.validate",
            obj=validation,
            ente=cycle.ente,
            changes=diff({}, snapshot(validation)),
        )
    return validation


# ---------------------------------------------------------------------------------------------
# Generated documents
# ---------------------------------------------------------------------------------------------

STALE_AFTER = dt.timedelta(minutes=20)  # a «running» row older than this was interrupted


def _writer(fmt_name: str):
    from documents.writers import docx, pdf, xlsx

    return {"pdf": pdf.render_pdf, "docx": docx.render_docx, "xlsx": xlsx.render_xlsx}[fmt_name]


def _check_request(cycle: Cycle, kind: str, fmt_name: str, window, person) -> None:
    from documents.builders import FORMATS, NEEDS_PERSON

    if kind not in FORMATS:
        raise ServiceError(f"Documento «{kind}» sconosciuto.", field="kind")
    if fmt_name not in FORMATS[kind]:
        allowed = ", ".join(f.upper() for f in FORMATS[kind])
        raise ServiceError(
            f"Il documento «{DocumentKind(kind).label}» si genera solo in {allowed}.",
            field="format",
        )
    if window is not None and window.cycle_id != cycle.pk:
        raise ServiceError("La finestra di monitoraggio è di un altro ciclo.", field="window")
    if person is not None and person.ente_id != cycle.ente_id:
        raise ServiceError("La persona è di un altro ente.", field="person")
    if kind in NEEDS_PERSON and person is None:
        raise ServiceError("Indica la persona della scheda.", field="person")


def _require(user, cycle: Cycle, kind: str, person) -> None:
    if user is None:
        return
    access = access_for(user, cycle.ente)
    if access is None:
        raise AccessDenied("Non hai accesso a questo ente.")
    if not rules.can_generate(access, kind, cycle, person):
        raise AccessDenied("Il tuo ruolo non consente di generare questo documento.")


def document_request(
    *, user, cycle: Cycle, kind: str, format: str, window=None, person=None
) -> GeneratedDocument:
    """Queue the generation of a document; the background worker produces the file."""
    _require(user, cycle, kind, person)
    _check_request(cycle, kind, format, window, person)
    with transaction.atomic():
        document = GeneratedDocument.objects.create(
            cycle=cycle,
            kind=kind,
            format=format,
            window=window if kind == DocumentKind.MONITORAGGIO else None,
            person=person if kind == DocumentKind.SCHEDA else None,
            requested_by=user if getattr(user, "is_authenticated", False) else None,
            step="In attesa del worker dei documenti",
        )
        record(
            user=user,
            action="document.request",
            obj=document,
            ente=cycle.ente,
            changes={"kind": kind, "format": format},
        )
        transaction.on_commit(lambda: _enqueue(document.pk))
    return document


def _enqueue(document_id: int) -> None:
    from documents.tasks import generate_document_task

    result = generate_document_task.enqueue(document_id)
    GeneratedDocument.objects.filter(pk=document_id).update(task_id=str(result.id)[:64])


def _progress(document: GeneratedDocument, percent: int, step: str, **fields) -> None:
    GeneratedDocument.objects.filter(pk=document.pk).update(progress=percent, step=step, **fields)


def build_model(document: GeneratedDocument):
    from documents.builders import build

    return build(document.kind, document.cycle, window=document.window, person=document.person)


def document_generate(document_id: int) -> GeneratedDocument:
    """Produce the file of a queued document (the task body). Idempotent: a finished row is
    left as it is. On failure the row records the error and earlier files stay untouched; the
    file is stored only once complete, so an interrupted worker leaves no half-written file."""
    import time

    from documents.builders import DocumentUnavailable
    from documents.writers.pdf import PdfError

    document = GeneratedDocument.objects.select_related("cycle__ente", "window", "person").get(
        pk=document_id
    )
    if document.state == GenerationState.DONE:
        return document
    started = time.perf_counter()
    _progress(document, 10, "Lettura dei dati del ciclo", state=GenerationState.RUNNING, error="")
    try:
        model = build_model(document)
        _progress(document, 45, f"Composizione del file {document.format.upper()}")
        now = timezone.now()
        content = (
            _writer(document.format)(model)
            if document.format != "pdf"
            else (_writer("pdf")(model, generated_at=now))
        )
        _progress(document, 90, "Salvataggio del file")
    except (DocumentUnavailable, PdfError, ServiceError) as exc:
        message = getattr(exc, "message", str(exc))
        _progress(document, 100, "Non riuscito", state=GenerationState.FAILED, error=message)
        document.refresh_from_db()
        return document
    except Exception as exc:
        logger.exception("Generazione del documento %s non riuscita", document.pk)
        _progress(
            document,
            100,
            "Non riuscito",
            state=GenerationState.FAILED,
            error=f"Errore imprevisto durante la generazione ({type(exc).__name__}).",
        )
        document.refresh_from_db()
        return document
    filename = f"{model.filename_stem}.{document.format}"
    stored = f"{model.filename_stem}-{now:%Y%m%d-%H%M%S}-{document.pk}.{document.format}"
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        document.file.save(stored, ContentFile(content), save=False)
        document.filename = filename
        document.size = len(content)
        document.fingerprint = model.fingerprint()
        document.generated_at = now
        document.duration_ms = int((time.perf_counter() - started) * 1000)
        document.state = GenerationState.DONE
        document.progress = 100
        document.step = "Generato"
        document.error = ""
        document.save()
    return document


def document_generate_now(
    *, user, cycle: Cycle, kind: str, format: str, window=None, person=None
) -> GeneratedDocument:
    """Generate in the current process (command line, tests): the same path as the worker."""
    _require(user, cycle, kind, person)
    _check_request(cycle, kind, format, window, person)
    document = GeneratedDocument.objects.create(
        cycle=cycle,
        kind=kind,
        format=format,
        window=window if kind == DocumentKind.MONITORAGGIO else None,
        person=person if kind == DocumentKind.SCHEDA else None,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    record(
        user=user,
        action="document.generate",
        obj=document,
        ente=cycle.ente,
        changes={"kind": kind, "format": format},
    )
    return document_generate(document.pk)


def is_interrupted(document: GeneratedDocument) -> bool:
    """A row still «running» long after it started: its worker died; it can be requested again."""
    return document.is_active and document.requested_at < timezone.now() - STALE_AFTER


# ---------------------------------------------------------------------------------------------
# The Nucleo's «non valida», the stemma, the shape of the Piano, publication
# ---------------------------------------------------------------------------------------------


def report_refuse(
    *, user, cycle: Cycle, decided_on: dt.date, act_label: str, reasons: str
) -> ValidationRefusal:
    """Record that the Nucleo does NOT validate the Relazione (the premium gate stays closed)."""
    if user is not None:
        access = access_for(user, cycle.ente)
        if access is None or not rules.can_record_validation(access):
            raise AccessDenied(
                "L'esito della validazione è registrato dal Nucleo di Valutazione o da un "
                "amministratore."
            )
    if ReportValidation.objects.filter(cycle=cycle).exists():
        raise ServiceError(
            f"La Relazione {cycle.year} è già stata validata: non si registra un esito diverso.",
            field="cycle",
        )
    if not isinstance(decided_on, dt.date):
        raise ServiceError("La data della decisione è obbligatoria.", field="decided_on")
    if decided_on > timezone.localdate():
        raise ServiceError("La data della decisione non può essere futura.", field="decided_on")
    act_label, reasons = (act_label or "").strip(), (reasons or "").strip()
    if not act_label:
        raise ServiceError("Indica il verbale del Nucleo.", field="act_label")
    if not reasons:
        raise ServiceError("Indica le motivazioni della mancata validazione.", field="reasons")
    with transaction.atomic():
        refusal = ValidationRefusal.objects.create(
            cycle=cycle,
            decided_on=decided_on,
            act_label=act_label,
            reasons=reasons,
            recorded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        record(
            user=user,
            action="report.refuse",
            obj=refusal,
            ente=cycle.ente,
            changes=diff({}, snapshot(refusal)),
        )
    return refusal


STEMMA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": ""}
STEMMA_MAX_BYTES = 2 * 1024 * 1024


def _require_admin(user, ente) -> None:
    if user is None:
        return
    access = access_for(user, ente)
    if access is None or not rules.can_manage(access):
        raise AccessDenied("Solo l'amministratore dell'ente può farlo.")


def branding_update(*, user, ente, stemma) -> EnteBranding:
    """Upload (or, with `stemma=None`, remove) the ente's stemma: PNG, JPEG or SVG, ≤ 2 MB."""
    import os

    _require_admin(user, ente)
    branding, _ = EnteBranding.objects.get_or_create(ente=ente)
    before = branding.stemma.name if branding.stemma else ""
    if stemma is None:
        branding.stemma = ""
    else:
        suffix = os.path.splitext(stemma.name)[1].lower()
        if suffix not in STEMMA_TYPES:
            raise ServiceError("Lo stemma deve essere un'immagine PNG, JPEG o SVG.", field="stemma")
        if stemma.size > STEMMA_MAX_BYTES:
            raise ServiceError("Lo stemma supera i 2 MB.", field="stemma")
        head = stemma.read(16)
        stemma.seek(0)
        valid = (
            head.startswith(b"\x89PNG")
            or head.startswith(b"\xff\xd8")
            or (suffix == ".svg" and b"<" in head)
        )
        if not valid:
            raise ServiceError("Il file non è un'immagine PNG, JPEG o SVG.", field="stemma")
        if suffix != ".svg":
            check_raster(stemma, field="stemma", label="Lo stemma")
        branding.stemma.save(f"stemma{suffix}", stemma, save=False)
    with transaction.atomic():
        branding.save()
        record(
            user=user,
            action="branding.update",
            obj=branding,
            ente=ente,
            changes={"stemma": [before, branding.stemma.name if branding.stemma else ""]},
        )
    return branding


def plan_shape_update(*, user, cycle: Cycle, shape: str) -> CycleDocumentSettings:
    _require_admin(user, cycle.ente)
    if shape not in PlanShape.values:
        raise ServiceError("Forma del Piano non valida.", field="plan_shape")
    settings_row, _ = CycleDocumentSettings.objects.get_or_create(cycle=cycle)
    before = settings_row.plan_shape
    with transaction.atomic():
        settings_row.plan_shape = shape
        settings_row.save()
        record(
            user=user,
            action="documents.plan_shape",
            obj=settings_row,
            ente=cycle.ente,
            changes={"plan_shape": [before, shape]},
        )
    return settings_row


def _published_document(
    ente, year: int, section: str, document: GeneratedDocument | None
) -> GeneratedDocument | None:
    """The PDF a sub-section publishes (the latest good one of the year when none is given);
    None for the sub-sections rendered from the data at each request."""
    kind = PUBLIC_KINDS.get(section)
    if kind is None:
        return None
    if document is None:
        document = (
            GeneratedDocument.objects.filter(
                cycle__ente=ente,
                cycle__year=year,
                kind=kind,
                format="pdf",
                state=GenerationState.DONE,
            )
            .order_by("-generated_at", "-id")
            .first()
        )
    if document is None or not document.is_done:
        raise ServiceError(
            f"Per pubblicare «{PublicSection(section).label}» {year} genera prima il "
            f"documento in PDF nell'area Documenti.",
            field="document",
        )
    if document.cycle.ente_id != ente.pk or document.kind != kind:
        raise ServiceError("Il documento non corrisponde alla sotto-sezione.", field="document")
    return document


def publication_publish(
    *, user, ente, year: int, section: str, document: GeneratedDocument | None = None
) -> Publication:
    """Publish a sub-section of «Amministrazione Trasparente > Performance» for a year.

    The Piano, the Relazione and the validation are published as a generated PDF of that year
    (the latest good one when none is given); the SMVP and the premium tables are rendered
    from the data at each request. Publishing again replaces the active publication.
    """
    _require_admin(user, ente)
    if section not in PublicSection.values:
        raise ServiceError("Sotto-sezione sconosciuta.", field="section")
    document = _published_document(ente, year, section, document)
    now = timezone.now()
    with transaction.atomic():
        current = (
            Publication.objects.select_for_update()
            .filter(ente=ente, year=year, section=section, withdrawn_at__isnull=True)
            .first()
        )
        if current is not None:
            current.withdrawn_at = now
            current.withdrawn_by = user if getattr(user, "is_authenticated", False) else None
            current.save(update_fields=["withdrawn_at", "withdrawn_by"])
        publication = Publication.objects.create(
            ente=ente,
            year=year,
            section=section,
            document=document,
            published_at=now,
            published_by=user if getattr(user, "is_authenticated", False) else None,
        )
        record(
            user=user,
            action="publication.publish",
            obj=publication,
            ente=ente,
            changes={
                "section": section,
                "year": year,
                "document": document.pk if document else None,
                "replaces": current.pk if current else None,
            },
        )
    return publication


def publication_withdraw(*, user, publication: Publication) -> Publication:
    _require_admin(user, publication.ente)
    if publication.withdrawn_at is not None:
        raise ServiceError("La pubblicazione è già stata ritirata.", field="publication")
    with transaction.atomic():
        publication.withdrawn_at = timezone.now()
        publication.withdrawn_by = user if getattr(user, "is_authenticated", False) else None
        publication.save(update_fields=["withdrawn_at", "withdrawn_by"])
        record(
            user=user,
            action="publication.withdraw",
            obj=publication,
            ente=publication.ente,
            changes={"section": publication.section, "year": publication.year},
        )
    return publication


PUBLIC_KINDS = {
    PublicSection.PIANO: DocumentKind.PIANO,
    PublicSection.RELAZIONE: DocumentKind.RELAZIONE,
    PublicSection.VALIDAZIONE: DocumentKind.VALIDAZIONE,
}
