"""The «Documenti» area of a cycle: every document with its state, generation with a progress
bar (HTMX polling), downloads, history, the Nucleo's decision, the stemma, publication.

Views are thin: access (`documents.access`), form, service, template. Objects are fetched with
the ente in the query, so another ente's ids give 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import ente_required
from appraisal import access as appraisal_access
from appraisal.models import Scheda
from core.exceptions import ServiceError
from documents import access as rules
from documents import forms, selectors, services
from documents.builders import FORMATS
from documents.builders.piano import SHAPE_LABELS, default_shape
from documents.models import (
    CycleDocumentSettings,
    EnteBranding,
    GeneratedDocument,
    PlanShape,
    Publication,
    PublicSection,
    ReportValidation,
)
from measurement.models import MonitoringWindow
from organization.models import Person
from planning.models import Cycle


def _cycles(request) -> list[Cycle]:
    return list(Cycle.objects.filter(ente=request.ente).order_by("-year"))


def _cycle(request, cycles: list[Cycle]) -> Cycle | None:
    wanted = request.GET.get("anno") or request.POST.get("anno")
    if wanted:
        for cycle in cycles:
            if str(cycle.year) == wanted:
                return cycle
        raise Http404(f"Nessun ciclo {wanted}.")
    approved = [c for c in cycles if c.is_frozen]
    return (approved or cycles or [None])[0]


def _index_url(cycle: Cycle) -> str:
    return f"{reverse('documents:index')}?anno={cycle.year}"


def _document(request, pk: int) -> GeneratedDocument:
    document = get_object_or_404(
        GeneratedDocument.objects.select_related("cycle__ente", "window", "person"),
        pk=pk,
        cycle__ente=request.ente,
    )
    if not rules.can_read(request.ente_access, document):
        raise PermissionDenied("Il tuo ruolo non consente di leggere questo documento.")
    return document


def _schede_people(request, cycle: Cycle) -> list[Person]:
    """The people whose scheda the user may read (themselves, their staff; all for the Nucleo)."""
    schede = Scheda.objects.filter(cycle=cycle).select_related("person", "cycle", "unit")
    return [s.person for s in schede if appraisal_access.can_view_scheda(request.ente_access, s)]


@require_GET
@ente_required
def index(request):
    cycles = _cycles(request)
    cycle = _cycle(request, cycles)
    context = {"cycles": cycles, "cycle": cycle}
    if cycle is not None:
        access = request.ente_access
        people = _schede_people(request, cycle)
        settings_row = CycleDocumentSettings.objects.filter(cycle=cycle).first()
        shape = (settings_row.plan_shape if settings_row else "") or ""
        context.update(
            rows=selectors.overview(cycle, access),
            people=people,
            schede=selectors.schede_documents(cycle, [p.pk for p in people]),
            can_manage=rules.can_manage(access),
            can_validate=rules.can_record_validation(access),
            validation=ReportValidation.objects.filter(cycle=cycle).first(),
            refusal=cycle.validation_refusals.order_by("-decided_on", "-id").first(),
            shape=shape,
            shape_choices=PlanShape.choices,
            default_shape_label=SHAPE_LABELS[default_shape(cycle)],
            branding=EnteBranding.objects.filter(ente=request.ente).first(),
            publications=selectors.active_publications(request.ente, cycle.year),
            public_sections=PublicSection.choices,
            windows=list(MonitoringWindow.objects.filter(cycle=cycle).order_by("period_end")),
            scheda_formats=[selectors.FormatState(fmt) for fmt in FORMATS["scheda"]],
        )
    return render(request, "documents/index.html", context)


@require_POST
@ente_required
def generate(request):
    form = forms.GenerateForm(request.POST)
    cycles = _cycles(request)
    cycle = _cycle(request, cycles)
    if cycle is None or not form.is_valid():
        raise Http404("Richiesta non valida.")
    data = form.cleaned_data
    window = person = None
    if data.get("window"):
        window = get_object_or_404(MonitoringWindow, pk=data["window"], cycle=cycle)
    if data.get("person"):
        person = get_object_or_404(Person, pk=data["person"], ente=request.ente)
    try:
        document = services.document_request(
            user=request.user,
            cycle=cycle,
            kind=data["kind"],
            format=data["format"],
            window=window,
            person=person,
        )
    except ServiceError as error:
        if request.htmx:
            return render(request, "documents/_generation_error.html", {"message": error.message})
        messages.error(request, error.message)
        return redirect(_index_url(cycle))
    if request.htmx:
        return render(request, "documents/_progress.html", {"document": document})
    messages.info(request, f"Generazione di «{document.get_kind_display()}» avviata.")
    return redirect(_index_url(cycle))


@require_GET
@ente_required
def progress(request, pk):
    document = _document(request, pk)
    return render(
        request,
        "documents/_progress.html",
        {"document": document, "interrupted": services.is_interrupted(document)},
    )


@require_GET
@ente_required
def freshness(request, pk):
    document = _document(request, pk)
    return render(
        request,
        "documents/_freshness.html",
        {"document": document, "state": selectors.freshness(document)},
    )


@require_GET
@ente_required
def download(request, pk):
    document = _document(request, pk)
    if not document.is_done:
        raise Http404("Il documento non ha ancora un file.")
    if document.kind == "scheda" and document.person_id not in request.ente_access.person_ids:
        scheda = Scheda.objects.filter(cycle=document.cycle, person=document.person).first()
        if scheda is not None:
            appraisal_access.log_view(request.user, scheda)
    inline = request.GET.get("apri") == "1" and document.format == "pdf"
    return FileResponse(
        document.file.open("rb"),
        as_attachment=not inline,
        filename=document.filename,
        content_type=document.content_type,
    )


@require_GET
@ente_required
def history(request):
    cycles = _cycles(request)
    cycle = _cycle(request, cycles)
    if cycle is None:
        raise Http404("Nessun ciclo.")
    kind = request.GET.get("documento") or None
    rows = [
        row for row in selectors.history(cycle, kind) if rules.can_read(request.ente_access, row)
    ]
    return render(request, "documents/history.html", {"cycle": cycle, "rows": rows, "kind": kind})


@require_http_methods(["GET", "POST"])
@ente_required
def validation(request):
    cycles = _cycles(request)
    cycle = _cycle(request, cycles)
    if cycle is None:
        raise Http404("Nessun ciclo.")
    if not rules.can_record_validation(request.ente_access):
        raise PermissionDenied(
            "L'esito della validazione è registrato dal Nucleo di Valutazione o "
            "dall'amministratore."
        )
    form = forms.ValidationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == "valida":
                services.report_validate(
                    user=request.user,
                    cycle=cycle,
                    validated_on=data["decided_on"],
                    act_label=data["act_label"],
                    note=data.get("reasons", ""),
                )
            else:
                services.report_refuse(
                    user=request.user,
                    cycle=cycle,
                    decided_on=data["decided_on"],
                    act_label=data["act_label"],
                    reasons=data.get("reasons", ""),
                )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Esito della validazione registrato.")
            return redirect(_index_url(cycle))
    return render(
        request,
        "documents/validation.html",
        {
            "cycle": cycle,
            "form": form,
            "validation": ReportValidation.objects.filter(cycle=cycle).first(),
        },
    )


@require_POST
@ente_required
def settings_update(request):
    cycles = _cycles(request)
    cycle = _cycle(request, cycles)
    if cycle is None:
        raise Http404("Nessun ciclo.")
    try:
        if "plan_shape" in request.POST:
            form = forms.ShapeForm(request.POST)
            if form.is_valid():
                services.plan_shape_update(
                    user=request.user, cycle=cycle, shape=form.cleaned_data["plan_shape"]
                )
                messages.success(request, "Forma del Piano salvata.")
        else:
            form = forms.StemmaForm(request.POST, request.FILES)
            if form.is_valid():
                if form.cleaned_data.get("remove"):
                    services.branding_update(user=request.user, ente=request.ente, stemma=None)
                    messages.success(request, "Stemma rimosso.")
                elif form.cleaned_data.get("stemma"):
                    services.branding_update(
                        user=request.user, ente=request.ente, stemma=form.cleaned_data["stemma"]
                    )
                    messages.success(request, "Stemma caricato: compare nei documenti generati.")
                else:
                    messages.error(request, "Scegli il file dello stemma.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(_index_url(cycle))


@require_POST
@ente_required
def publish(request):
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        raise Http404("Richiesta non valida.")
    data = form.cleaned_data
    cycle = get_object_or_404(Cycle, ente=request.ente, year=data["year"])
    try:
        services.publication_publish(
            user=request.user, ente=request.ente, year=data["year"], section=data["section"]
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"«{PublicSection(data['section']).label}» {data['year']} pubblicato in "
            "Amministrazione Trasparente.",
        )
    return redirect(_index_url(cycle))


@require_POST
@ente_required
def withdraw(request, pk):
    publication = get_object_or_404(Publication, pk=pk, ente=request.ente)
    cycle = get_object_or_404(Cycle, ente=request.ente, year=publication.year)
    try:
        services.publication_withdraw(user=request.user, publication=publication)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"«{publication.get_section_display()}» ritirato.")
    return redirect(_index_url(cycle))


@require_http_methods(["GET", "POST"])
@ente_required
def report_validate(request, pk):
    """The Nucleo's «valida la Relazione» page, reached from its overview in appraisal."""
    cycle = get_object_or_404(Cycle, pk=pk, ente=request.ente)
    if not rules.can_record_validation(request.ente_access):
        raise PermissionDenied(
            "La validazione della Relazione è un atto del Nucleo di Valutazione."
        )
    existing = getattr(cycle, "report_validation", None)
    form = forms.ReportValidationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_validate(user=request.user, cycle=cycle, **form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Validazione della Relazione {cycle.year} registrata.")
            return redirect(f"{reverse('appraisal:nucleo_overview')}?anno={cycle.year}")
    return render(
        request,
        "documents/report_validate.html",
        {"cycle": cycle, "form": form, "existing": existing},
    )
