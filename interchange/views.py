"""Pages of the interchange app: plan import (upload → preview → commit), the template, and the
performa-cycle file uploaded and downloaded in the browser. Administrators of the ente only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import ADMIN, require_access
from core.exceptions import ServiceError
from core.limits import loads_json
from interchange import tasks
from interchange.exporter import dumps, export_cycle
from interchange.importer import InterchangeError, import_cycle
from interchange.models import PlanImport
from interchange.plans import headers as hd
from interchange.plans import services
from interchange.plans.readers import ReadError
from interchange.plans.template import template_bytes
from planning.models import Cycle

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _admin(request):
    if request.ente is None:
        raise PermissionDenied("Scegli prima l'ente in cui lavorare.")
    require_access(request.user, request.ente, ADMIN)
    return request.ente


@login_required
@require_http_methods(["GET", "POST"])
def plan_upload(request):
    ente = _admin(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = None
        if upload is None or year is None:
            error = "Indica l'anno del piano e scegli il file da importare."
        else:
            try:
                item = services.plan_import_upload(
                    user=request.user,
                    ente=ente,
                    year=year,
                    file_name=upload.name,
                    content=upload.read(),
                )
                return redirect("interchange:plan_preview", pk=item.pk)
            except ServiceError as exc:
                error = str(exc)
    imports = PlanImport.objects.filter(ente=ente).defer("content")[:20]
    cycles = Cycle.objects.filter(ente=ente).order_by("-year")
    asked = request.POST.get("year") or request.GET.get("anno") or ""
    return render(
        request,
        "interchange/plan_upload.html",
        {
            "error": error,
            "imports": imports,
            "cycles": cycles,
            "year": int(asked) if asked.isdigit() else None,
        },
    )


def _mapping_from(request) -> dict[str, str]:
    mapping = {}
    for name, value in request.POST.items():
        if name.startswith("col:") and value:
            mapping[name[4:]] = value
    return mapping


def _choices_from(request) -> dict[str, str]:
    return {name[6:]: value for name, value in request.POST.items() if name.startswith("match:")}


@login_required
@require_http_methods(["GET", "POST"])
def plan_preview(request, pk: int):
    ente = _admin(request)
    item = get_object_or_404(PlanImport, pk=pk, ente=ente)
    mapping = dict(item.mapping or {})
    if request.method == "POST" and "save_mapping" in request.POST:
        new = _mapping_from(request)
        try:
            services.mapping_save(user=request.user, ente=ente, mapping=new)
        except ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("interchange:plan_preview", pk=item.pk)
    try:
        preview = services.preview_file(
            ente=ente,
            year=item.year,
            file_name=item.file_name,
            content=bytes(item.content),
            mapping=mapping,
            revision_motivation=request.POST.get("revision", ""),
        )
    except (ReadError, ServiceError) as exc:
        return render(request, "interchange/plan_preview.html", {"item": item, "fatal": str(exc)})
    if request.method == "POST" and "commit" in request.POST:
        try:
            services.plan_import_enqueue(
                user=request.user,
                plan_import=item,
                choices=_choices_from(request),
                revision_motivation=request.POST.get("revision", ""),
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            user_id = request.user.pk
            transaction.on_commit(lambda: tasks.commit_plan_import.enqueue(item.pk, user_id))
            return redirect("interchange:plan_preview", pk=item.pk)
    return render(
        request,
        "interchange/plan_preview.html",
        {
            "item": item,
            "preview": preview,
            "draft": preview.draft,
            "groups": preview.draft.group_totals(),
            "fields": hd.field_choices(),
            "strategics": preview.draft.strategics,
            "poll": item.is_running,
        },
    )


@login_required
@require_GET
def plan_status(request, pk: int):
    """The state of the background import; while it runs, the page reloads this every second."""
    ente = _admin(request)
    item = get_object_or_404(PlanImport.objects.defer("content"), pk=pk, ente=ente)
    return render(request, "interchange/_plan_status.html", {"item": item, "poll": item.is_running})


@login_required
def plan_template(request):
    ente = _admin(request)
    cycle_id = request.GET.get("ciclo")
    cycle = get_object_or_404(Cycle, pk=cycle_id, ente=ente) if cycle_id else None
    year = int(request.GET.get("anno") or 0) or None
    content = template_bytes(cycle, year=year)
    name = f"piano-{cycle.year}.xlsx" if cycle else "modello-piano.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def cycle_file(request):
    """Upload a performa-cycle file (errors with their JSON path) or download a cycle."""
    ente = _admin(request)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["Scegli il file performa-cycle (JSON) da importare."]
        else:
            try:
                data = loads_json(upload.read().decode("utf-8-sig"), label="Il file")
            except UnicodeDecodeError as exc:
                errors = [f"Il file non è un JSON valido: {exc}."]
            except ServiceError as exc:
                errors = [exc.message]
            else:
                slug = (data.get("ente") or {}).get("slug") if isinstance(data, dict) else None
                if slug != ente.slug:
                    errors = [
                        f"$.ente.slug: il file descrive l'ente «{slug}», non «{ente.slug}» "
                        "in cui stai lavorando."
                    ]
                else:
                    try:
                        cycle = import_cycle(
                            data, user=request.user, replace=bool(request.POST.get("replace"))
                        )
                    except InterchangeError as exc:
                        errors = exc.errors
                    else:
                        messages.success(request, f"Ciclo {cycle.year} importato.")
                        return redirect("interchange:cycle_file")
    cycles = Cycle.objects.filter(ente=ente).order_by("-year")
    return render(request, "interchange/cycle_file.html", {"errors": errors, "cycles": cycles})


@login_required
def cycle_download(request, pk: int):
    ente = _admin(request)
    cycle = get_object_or_404(Cycle, pk=pk, ente=ente)
    response = HttpResponse(dumps(export_cycle(cycle)), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{ente.slug}-{cycle.year}.json"'
    return response
