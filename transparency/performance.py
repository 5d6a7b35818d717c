"""Public «Amministrazione Trasparente > Performance» (no login), per ente and year.

The sub-sections of D.Lgs. 33/2013 art. 10 c.8 and art. 20: Sistema di misurazione e
valutazione, Piano della Performance, Relazione sulla Performance with its validation,
ammontare complessivo dei premi, dati relativi ai premi. A sub-section appears only once the
ente has published it (`documents.Publication`, audited); the Piano, the Relazione and the
validation are the PDF files the ente chose, the SMVP and the premium tables are rendered from
the data. Every table is also offered as CSV and JSON (open formats, art. 7). Nothing personal
leaves these pages: the premium tables are aggregates, and the columns that name people are
dropped from the open-data files.
"""

from __future__ import annotations

import json

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.privacy import threshold
from core.tabular import MACHINE, csv_response
from documents.model import Document, Table
from documents.models import EnteBranding, Publication, PublicSection
from organization.models import Ente
from planning.models import Cycle
from transparency import selectors as transparency
from transparency.caching import ente_parts, public_page, tag

CSV_HEADER = ["tabella", "riga", "colonna", "valore"]
PERSONAL_COLUMNS = ("responsabile", "cognome", "valutatore", "nome e cognome", "persona")
DOCUMENT_SECTIONS = {PublicSection.PIANO, PublicSection.RELAZIONE, PublicSection.VALIDAZIONE}
LEGAL = {
    PublicSection.SMVP: "art. 7 D.Lgs. 150/2009; art. 20 c.2 D.Lgs. 33/2013",
    PublicSection.PIANO: "art. 10 c.8 lett. b D.Lgs. 33/2013",
    PublicSection.RELAZIONE: "art. 10 c.8 lett. b D.Lgs. 33/2013",
    PublicSection.VALIDAZIONE: "art. 14 c.4 lett. c D.Lgs. 150/2009; art. 31 D.Lgs. 33/2013",
    PublicSection.AMMONTARE_PREMI: "art. 20 c.1 D.Lgs. 33/2013",
    PublicSection.DATI_PREMI: "art. 20 c.2 D.Lgs. 33/2013",
}


def _publication(ente: Ente, year: int, section: str) -> Publication:
    if section not in PublicSection.values:
        raise Http404("Sotto-sezione inesistente.")
    publication = (
        Publication.objects.filter(ente=ente, year=year, section=section, withdrawn_at__isnull=True)
        .select_related("document")
        .first()
    )
    if publication is None:
        raise Http404("Contenuto non pubblicato.")
    return publication


def _model(ente: Ente, year: int, section: str) -> Document | None:
    """The document model behind a section's page and open-data files."""
    from documents.builders import DocumentUnavailable, build

    cycle = Cycle.objects.filter(ente=ente, year=year).select_related("ente").first()
    if cycle is None:
        return None
    kind = {
        PublicSection.SMVP: "smvp",
        PublicSection.PIANO: "piano",
        PublicSection.RELAZIONE: "relazione",
        PublicSection.VALIDAZIONE: "validazione",
        PublicSection.AMMONTARE_PREMI: "premi_aggregati",
        PublicSection.DATI_PREMI: "premi_aggregati",
    }[section]
    try:
        document = build(kind, cycle)
    except DocumentUnavailable:
        return None
    if section == PublicSection.AMMONTARE_PREMI:
        document.sections = document.sections[:1]
    elif section == PublicSection.DATI_PREMI:
        document.sections = document.sections[1:]
    return document


def public_table(table: Table) -> dict:
    """A table for the open-data files, without the columns that name people. The keys are
    Italian and stable (docs/trasparenza.md): `titolo`, `colonne`, `righe`."""
    keep = [
        index
        for index, column in enumerate(table.columns)
        if not any(word in column.label.lower() for word in PERSONAL_COLUMNS)
    ]
    return {
        "titolo": table.caption,
        "colonne": [table.columns[i].label for i in keep],
        "righe": [[_plain(row[i]) for i in keep] for row in table.rows],
    }


def _plain(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def public_tables(document: Document | None) -> list[dict]:
    return [public_table(t) for t in document.tables()] if document else []


PREMIUM_SECTIONS = {PublicSection.AMMONTARE_PREMI, PublicSection.DATI_PREMI}


def _publications_parts(ente: Ente, **filters) -> list:
    rows = Publication.objects.filter(ente=ente, **filters).values_list(
        "pk", "year", "section", "document_id", "published_at", "withdrawn_at"
    )
    branding = EnteBranding.objects.filter(ente=ente).values_list("updated_at", flat=True)
    return [ente_parts(ente), list(branding), sorted(rows)]


def _index_etag(_request, slug) -> str | None:
    ente = Ente.objects.filter(slug=slug).first()
    return tag(_publications_parts(ente)) if ente is not None else None


def _section_etag(_request, slug, year, section) -> str | None:
    """Publications of the year and, for the premiums, the version of the art. 20 data; the
    SMVP page is built from settings that have no version: no ETag, only the short max-age."""
    ente = Ente.objects.filter(slug=slug).first()
    if ente is None or section == PublicSection.SMVP:
        return None
    parts = [_publications_parts(ente, year=year), year, section]
    if section in PREMIUM_SECTIONS:
        parts += [transparency.art20_version(ente, year), threshold()]
    return tag(*parts)


@require_GET
@public_page(_index_etag, keep_copy=True)
def performance_index(request, slug):
    ente = get_object_or_404(Ente, slug=slug)
    publications = list(
        Publication.objects.filter(ente=ente, withdrawn_at__isnull=True).order_by(
            "section", "-year"
        )
    )
    sections = []
    for value, label in PublicSection.choices:
        items = [p for p in publications if p.section == value]
        sections.append({"value": value, "label": label, "legal": LEGAL[value], "items": items})
    return render(
        request, "transparency/performance/index.html", {"ente": ente, "sections": sections}
    )


@require_GET
@public_page(_section_etag, keep_copy=True)
def performance_section(request, slug, year, section):
    ente = get_object_or_404(Ente, slug=slug)
    publication = _publication(ente, year, section)
    document = None if section in DOCUMENT_SECTIONS else _model(ente, year, section)
    validation = None
    if section == PublicSection.RELAZIONE:
        validation = _active(ente, year, PublicSection.VALIDAZIONE)
    return render(
        request,
        "transparency/performance/section.html",
        {
            "ente": ente,
            "year": year,
            "section": section,
            "label": PublicSection(section).label,
            "legal": LEGAL[section],
            "publication": publication,
            "document": document,
            "sections": _flatten(document) if document else [],
            "validation": validation,
        },
    )


def _active(ente, year, section):
    return (
        Publication.objects.filter(ente=ente, year=year, section=section, withdrawn_at__isnull=True)
        .select_related("document")
        .first()
    )


def _flatten(document: Document) -> list[dict]:
    """Sections with their heading level (h2…h6) for the page."""
    return [{"level": min(depth + 1, 6), "section": section} for depth, section in document.walk()]


@require_GET
def performance_file(request, slug, year, section):
    ente = get_object_or_404(Ente, slug=slug)
    publication = _publication(ente, year, section)
    document = publication.document
    if document is None or not document.is_done:
        raise Http404("Nessun file pubblicato per questa sotto-sezione.")
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=f"{ente.slug}-{document.filename}",
        content_type=document.content_type,
    )


def _open_data(ente, year, section) -> dict:
    _publication(ente, year, section)
    tables = public_tables(_model(ente, year, section))
    return {
        "ente": ente.name,
        "anno": year,
        "sotto_sezione": PublicSection(section).label,
        "riferimento": LEGAL[section],
        "tabelle": tables,
    }


@require_GET
@public_page(_section_etag, keep_copy=True)
def performance_json(request, slug, year, section):
    ente = get_object_or_404(Ente, slug=slug)
    payload = _open_data(ente, year, section)
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{section}-{ente.slug}-{year}.json"'
    return response


@require_GET
@public_page(_section_etag, keep_copy=True)
def performance_csv(request, slug, year, section):
    ente = get_object_or_404(Ente, slug=slug)
    payload = _open_data(ente, year, section)
    rows = [
        [table["titolo"], number, column, value]
        for table in payload["tabelle"]
        for number, row in enumerate(table["righe"], start=1)
        for column, value in zip(table["colonne"], row, strict=False)
    ]
    return csv_response(f"{section}-{ente.slug}-{year}", CSV_HEADER, rows, MACHINE)


@require_GET
def stemma(request, slug):
    ente = get_object_or_404(Ente, slug=slug)
    branding = EnteBranding.objects.filter(ente=ente).first()
    if branding is None or not branding.stemma:
        raise Http404("Stemma non caricato.")
    name = branding.stemma.name.lower()
    content_type = (
        "image/svg+xml"
        if name.endswith(".svg")
        else ("image/png" if name.endswith(".png") else "image/jpeg")
    )
    response = FileResponse(branding.stemma.open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
