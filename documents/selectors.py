"""Reads of the «Documenti» area: the latest file of each document and format, its state.

`overview` answers the page in a constant number of queries: it reads the generations of the
cycle once and groups them. Whether a stored file is still «aggiornato» needs the document
rebuilt from today's data (`freshness`), so the page asks for it row by row, lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from documents import access as rules
from documents.builders import FORMATS
from documents.models import DocumentKind, GeneratedDocument, GenerationState, Publication
from measurement.models import MonitoringWindow
from planning.models import Cycle

ORDER = [
    "piano",
    "portale",
    "smvp",
    "monitoraggio",
    "relazione",
    "validazione",
    "accompagnamento",
    "premi_aggregati",
    "premi",
    "scheda",
]
NEVER = "mai generato"
FRESH = "aggiornato"
STALE = "non aggiornato"


@dataclass
class FormatState:
    format: str
    latest: GeneratedDocument | None = None  # the latest good file
    active: GeneratedDocument | None = None  # a generation queued or running
    failed: GeneratedDocument | None = None  # the last failure after the latest good file

    @property
    def label(self) -> str:
        return self.format.upper()


@dataclass
class DocumentRow:
    kind: str
    label: str
    window: MonitoringWindow | None = None
    person_id: int | None = None
    formats: list[FormatState] = field(default_factory=list)
    count: int = 0

    @property
    def key(self) -> str:
        suffix = f"-{self.window.key}" if self.window else ""
        return f"{self.kind}{suffix}"

    @property
    def generated(self) -> bool:
        return any(state.latest for state in self.formats)


def _rows_for(kind: str, windows: list[MonitoringWindow]) -> list[DocumentRow]:
    label = DocumentKind(kind).label
    if kind == "monitoraggio":
        return [DocumentRow(kind, f"{label} – {w.label}", window=w) for w in windows] or [
            DocumentRow(kind, label)
        ]
    return [DocumentRow(kind, label)]


def overview(cycle: Cycle, access, *, person_id: int | None = None) -> list[DocumentRow]:
    """One row per document (one per window for monitoring) the user may generate."""
    windows = list(MonitoringWindow.objects.filter(cycle=cycle).order_by("period_end"))
    generations = list(
        GeneratedDocument.objects.filter(cycle=cycle)
        .select_related("window", "person")
        .order_by("requested_at", "id")
    )
    rows: list[DocumentRow] = []
    for kind in ORDER:
        if kind == "scheda":
            continue
        if not rules.can_generate(access, kind, cycle):
            continue
        rows.extend(_rows_for(kind, windows))
    for row in rows:
        row.formats = [FormatState(fmt) for fmt in FORMATS[row.kind]]
    index = {(row.kind, row.window.pk if row.window else None): row for row in rows}
    for generation in generations:
        if generation.kind == "scheda":
            continue
        row = index.get((generation.kind, generation.window_id))
        if row is None:
            continue
        row.count += 1
        for state in row.formats:
            if state.format != generation.format:
                continue
            if generation.state == GenerationState.DONE and generation.file:
                state.latest, state.failed = generation, None
            elif generation.is_active:
                state.active = generation
            elif generation.state == GenerationState.FAILED:
                state.failed = generation
            finished = generation.state in {GenerationState.DONE, GenerationState.FAILED}
            if finished and state.active is not None and state.active.pk < generation.pk:
                state.active = None
    return rows


def schede_documents(cycle: Cycle, person_ids) -> list[GeneratedDocument]:
    return list(
        GeneratedDocument.objects.filter(cycle=cycle, kind="scheda", person_id__in=list(person_ids))
        .select_related("person")
        .order_by("-requested_at", "-id")[:50]
    )


def history(cycle: Cycle, kind: str | None = None) -> list[GeneratedDocument]:
    rows = GeneratedDocument.objects.filter(cycle=cycle).select_related(
        "window", "person", "requested_by"
    )
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("-requested_at", "-id")[:200])


def freshness(document: GeneratedDocument) -> str:
    """«aggiornato» when the data still give the same document, «non aggiornato» otherwise."""
    from documents.builders import DocumentUnavailable
    from documents.services import build_model

    if not document.is_done:
        return NEVER
    try:
        model = build_model(document)
    except DocumentUnavailable:
        return STALE
    return FRESH if model.fingerprint() == document.fingerprint else STALE


def active_publications(ente, year: int | None = None) -> list[Publication]:
    rows = Publication.objects.filter(ente=ente, withdrawn_at__isnull=True).select_related(
        "document"
    )
    if year is not None:
        rows = rows.filter(year=year)
    return list(rows.order_by("-year", "section"))
