"""Pages of payment timeliness: dashboard, invoices, import wizard, what-if, FGDC, stock, rules.

Every view checks `payments.access`, fetches objects together with the ente (another ente's
ids give 404) and leaves writes to `payments.services`. A responsabile sees only the figures and
invoices of the units they lead; the ente-wide figures are for admins, Nucleo and Giunta.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import ente_required
from core.exceptions import ServiceError
from core.params import int_param
from engine import payments as ep
from payments import access as rules
from payments import forms, selectors, services, tasks
from payments.columns import COLUMNS
from payments.models import (
    BatchState,
    DebtSnapshot,
    ImportBatch,
    ImportSource,
    Invoice,
    InvoiceStatus,
)

DISCLAIMER = (
    "Le cifre ufficiali sono quelle pubblicate dalla Piattaforma dei Crediti Commerciali (PCC); "
    "quelle di Performa servono al monitoraggio e seguono le definizioni della PCC."
)


def _access(request):
    access = rules.payments_access(request.user, request.ente)
    request.payments_access = access
    return access


def _manager(request) -> None:
    if not rules.can_manage(_access(request)):
        raise PermissionDenied("Solo l'amministratore dell'ente gestisce le fatture e le regole.")


def _year(request, years: list[int]) -> int | None:
    raw = request.GET.get("anno", "")
    if raw:
        try:
            year = int(raw)
        except ValueError:
            raise Http404("Anno non valido.") from None
        if year not in years:
            raise Http404(f"Nessun dato sui pagamenti per il {year}.")
        return year
    return selectors.default_year(years, timezone.localdate())


def _context(request, **extra):
    access = request.payments_access
    return {
        "can_manage": rules.can_manage(access),
        "whole_ente": rules.reads_whole_ente(access),
        "disclaimer": DISCLAIMER,
        **extra,
    }


@require_GET
@ente_required
def dashboard(request):
    access = _access(request)
    years = selectors.report_years(request.ente)
    year = _year(request, years)
    unit_ids = rules.readable_unit_ids(access)
    report = selectors.report(request.ente, year) if year else None
    data = report.data if report else None
    today = timezone.localdate()
    payment_objectives = (data or {}).get("objectives", [])
    if unit_ids is not None:
        mine = set(access.person_ids)
        payment_objectives = [
            item for item in payment_objectives if mine & set(item["responsible_ids"])
        ]
    return render(
        request,
        "payments/dashboard.html",
        _context(
            request,
            year=year,
            years=years,
            report=report,
            figures=data["ente"] if data and unit_ids is None else None,
            units=selectors.visible_units(data, unit_ids) if data else [],
            trend=selectors.trend(request.ente, today) if unit_ids is None else None,
            imports=selectors.imports(request.ente, 5) if rules.can_manage(access) else [],
            has_invoices=Invoice.objects.filter(ente=request.ente).exists(),
            payment_objectives=payment_objectives,
            measurement_problems=(data or {}).get("measurement_problems", []),
        ),
    )


@require_GET
@ente_required
def unit_detail(request, unit_id):
    access = _access(request)
    unit_ids = rules.readable_unit_ids(access)
    if unit_ids is not None and unit_id not in unit_ids:
        raise PermissionDenied("Puoi consultare solo le strutture che guidi.")
    years = selectors.report_years(request.ente)
    year = _year(request, years)
    report = selectors.report(request.ente, year) if year else None
    unit = (
        next((u for u in report.data["units"] if u["unit_id"] == unit_id), None) if report else None
    )
    if unit is None:
        raise Http404("Nessuna fattura di questa struttura nell'anno.")
    return render(
        request,
        "payments/unit.html",
        _context(
            request,
            year=year,
            years=years,
            report=report,
            unit=unit,
            trend=selectors.trend(request.ente, timezone.localdate(), unit_id=unit_id),
        ),
    )


@require_GET
@ente_required
def invoice_list(request):
    access = _access(request)
    unit_ids = rules.readable_unit_ids(access)
    status = request.GET.get("stato", "")
    filters = selectors.InvoiceFilters(
        year=int_param(request.GET.get("anno", "")),
        unit_id=int_param(request.GET.get("unita", "")),
        status=status if status in InvoiceStatus.values else "",
        unpaid=request.GET.get("da_pagare") == "1",
        search=request.GET.get("q", "")[:100],
    )
    page = selectors.invoice_page(
        request.ente, filters, unit_ids, page=int_param(request.GET.get("pagina", "")) or 1
    )
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "payments/invoice_list.html",
        _context(
            request,
            page=page,
            filters=filters,
            units=selectors.units_with_invoices(request.ente, unit_ids),
            statuses=InvoiceStatus.choices,
            query=query.urlencode(),
        ),
    )


@require_GET
@ente_required
def invoice_detail(request, pk):
    access = _access(request)
    invoice = get_object_or_404(
        Invoice.objects.select_related("unit", "responsible", "batch"), pk=pk, ente=request.ente
    )
    unit_ids = rules.readable_unit_ids(access)
    if unit_ids is not None and invoice.unit_id not in unit_ids:
        raise PermissionDenied("Puoi consultare solo le fatture delle strutture che guidi.")
    today = timezone.localdate()
    return render(
        request,
        "payments/invoice_detail.html",
        _context(
            request,
            invoice=invoice,
            today=today,
            detail=selectors.invoice_detail(
                request.ente, invoice, services.rules_for(request.ente), today
            ),
        ),
    )


# -- import wizard ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ente_required
def import_start(request):
    _manager(request)
    sources = list(ImportSource.objects.filter(ente=request.ente).values_list("name", flat=True))
    form = forms.UploadForm(request.POST or None, request.FILES or None, sources=sources)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.batch_create(
                user=request.user,
                ente=request.ente,
                content=upload.read(),
                filename=upload.name,
                source_name=form.cleaned_data.get("source_name", ""),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            return redirect("payments:import_mapping", pk=batch.pk)
    return render(
        request,
        "payments/import_start.html",
        _context(request, form=form, imports=selectors.imports(request.ente), columns=COLUMNS),
    )


def _batch(request, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.select_related("source"), pk=pk, ente=request.ente)


def _enqueue(request, batch: ImportBatch, step: str) -> None:
    services.batch_enqueue(user=request.user, batch=batch, step=step)
    job = tasks.analyse_batch if step == "analyse" else tasks.commit_batch
    transaction.on_commit(lambda: job.enqueue(batch.pk, request.user.pk))


@require_http_methods(["GET", "POST"])
@ente_required
def import_mapping(request, pk):
    _manager(request)
    batch = _batch(request, pk)
    if batch.state in (BatchState.IMPORTING, BatchState.DONE):
        return redirect("payments:import_detail", pk=batch.pk)
    form = forms.MappingForm(request.POST or None, headers=batch.headers, mapping=batch.mapping)
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_set_mapping(user=request.user, batch=batch, mapping=form.mapping())
            _enqueue(request, batch, "analyse")
        except ServiceError as error:
            form.add_service_error(error)
        else:
            return redirect("payments:import_detail", pk=batch.pk)
    return render(
        request, "payments/import_mapping.html", _context(request, batch=batch, form=form)
    )


@require_GET
@ente_required
def import_detail(request, pk):
    _manager(request)
    batch = _batch(request, pk)
    template = "payments/_import_status.html" if request.htmx else "payments/import_detail.html"
    return render(request, template, _context(request, batch=batch, poll=batch.is_running))


@require_POST
@ente_required
def import_commit(request, pk):
    _manager(request)
    batch = _batch(request, pk)
    try:
        _enqueue(request, batch, "commit")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("payments:import_detail", pk=batch.pk)


# -- what-if, FGDC, stock, rules -------------------------------------------------------------------


def _report_or_404(request, years):
    year = _year(request, years)
    report = selectors.report(request.ente, year) if year else None
    if report is None:
        raise Http404("Nessun dato sui pagamenti: importa prima le fatture.")
    return report


def _previous_stock(report) -> Decimal | None:
    value = report.data["ente"]["tests"]["previous_stock"]
    return Decimal(value) if value is not None else None


@require_http_methods(["GET", "POST"])
@ente_required
def what_if(request):
    access = _access(request)
    years = selectors.report_years(request.ente)
    report = _report_or_404(request, years)
    unit_ids = rules.readable_unit_ids(access)
    candidates = selectors.unpaid_candidates(request.ente, report.data, unit_ids)
    form = forms.WhatIfForm(request.POST or None, candidates=candidates, year=report.year)
    result = None
    if request.method == "POST" and form.is_valid():
        payment_rules = services.rules_for(request.ente)
        result = selectors.what_if(
            request.ente,
            report.year,
            form.invoice_ids(),
            form.cleaned_data["day"],
            payment_rules,
            report.reference_date,
            _previous_stock(report),
            unit_ids,
        )
    return render(
        request,
        "payments/what_if.html",
        _context(request, report=report, year=report.year, years=years, form=form, result=result),
    )


@require_http_methods(["GET"])
@ente_required
def fgdc(request):
    _access(request)
    if not rules.reads_whole_ente(request.payments_access):
        raise PermissionDenied("Il fondo di garanzia riguarda l'ente nel suo complesso.")
    years = selectors.report_years(request.ente)
    report = _report_or_404(request, years)
    data = report.data["ente"]
    form = forms.FgdcForm(request.GET if "calcola" in request.GET else None)
    result = None
    if form.is_bound and form.is_valid():
        tests = data["tests"]
        debt = ep.debt_tests(
            report.year,
            Decimal(tests["stock"]),
            Decimal(tests["overdue"]),
            Decimal(tests["received"]),
            _previous_stock(report),
        )
        result = ep.fgdc(
            delay_days_value=data["delay"]["days"],
            tests=debt,
            appropriation=form.cleaned_data.get("appropriation"),
            data_published=form.cleaned_data.get("data_published", False),
        )
    return render(
        request,
        "payments/fgdc.html",
        _context(
            request,
            report=report,
            year=report.year,
            years=years,
            figures=data,
            form=form,
            result=result,
        ),
    )


def _recompute_later(request) -> None:
    ente_id = request.ente.pk
    transaction.on_commit(lambda: tasks.recompute_reports.enqueue(ente_id))


@require_GET
@ente_required
def stock(request):
    _access(request)
    if not rules.reads_whole_ente(request.payments_access):
        raise PermissionDenied("Lo stock del debito riguarda l'ente nel suo complesso.")
    return render(
        request,
        "payments/stock.html",
        _context(request, snapshots=selectors.snapshots(request.ente)),
    )


@require_POST
@ente_required
def stock_freeze(request, pk):
    _manager(request)
    snapshot = get_object_or_404(DebtSnapshot, pk=pk, ente=request.ente)
    frozen = request.POST.get("congela") == "1"
    try:
        services.snapshot_freeze(
            user=request.user, snapshot=snapshot, frozen=frozen, recompute=False
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        _recompute_later(request)
        messages.success(
            request,
            f"Stock al {snapshot.reference_date:%d/%m/%Y} "
            + ("congelato: non sarà più ricalcolato." if frozen else "di nuovo modificabile.")
            + " Gli indicatori si ricalcolano in background.",
        )
    return redirect("payments:stock")


@require_http_methods(["GET", "POST"])
@ente_required
def rules_edit(request):
    _access(request)
    current = services.rules_for(request.ente)
    can_manage = rules.can_manage(request.payments_access)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied("Solo l'amministratore dell'ente cambia le regole.")
    form = forms.RulesForm(request.POST or None, rules=current)
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.rules_update(
                user=request.user, ente=request.ente, data=form.rules_data(), recompute=False
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            _recompute_later(request)
            messages.success(
                request,
                "Regole salvate: indicatori e obiettivi si ricalcolano in background, in pochi "
                "secondi.",
            )
            return redirect(reverse("payments:rules"))
    return render(request, "payments/rules.html", _context(request, form=form, rules=current))
