"""Pages of the funds and of the premium distributions.

Admins create the funds, try the distribution with different parameters (each try is a saved
preview) and finalise it when the plan is approved and the Relazione validated; the Nucleo reads
the distributions; the Giunta reads the funds and the anonymous tables only. Objects are fetched
with the ente in the query, so ids of another ente give 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import ente_required
from core import locking
from core.exceptions import ServiceError
from core.params import chosen_year, int_param
from core.tabular import PEOPLE, csv_text
from engine.numbers import machine_decimal
from planning.models import Cycle
from rewards import access as rules
from rewards import forms, selectors, services
from rewards.models import Distribution, DistributionState, Fund


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _manager(request) -> None:
    _require(
        rules.can_manage_funds(request.ente_access),
        "Solo l'amministratore gestisce i fondi e la distribuzione dei premi.",
    )


def _reader(request) -> None:
    _require(
        rules.can_read_distribution(request.ente_access),
        "La distribuzione con i nomi delle persone è riservata all'amministratore e al Nucleo.",
    )


def _fund(request, pk: int) -> Fund:
    return get_object_or_404(Fund, pk=pk, ente=request.ente)


def _distribution(request, pk: int) -> Distribution:
    return get_object_or_404(
        Distribution.objects.select_related("fund", "cycle"), pk=pk, fund__ente=request.ente
    )


def _year(request) -> int | None:
    return int_param(request.GET.get("anno"))


def _default_year(request, years: list[int]) -> int | None:
    """The latest year with a fund; the latest year of any cycle when there is no fund yet
    (the newest cycle is often a draft plan of the next year, with no fund to show)."""
    funded = Fund.objects.filter(ente=request.ente).order_by("-year").values_list("year", flat=True)
    latest = funded.first()
    if latest is not None:
        return latest
    return years[0] if years else None


def _to_funds(year: int):
    return redirect(f"{reverse('rewards:fund_list')}?anno={year}")


@require_GET
@ente_required
def fund_list(request):
    _require(
        rules.can_read_aggregates(request.ente_access),
        "Il tuo ruolo non consente di consultare i premi.",
    )
    years = selectors.premium_years(request.ente)
    year = chosen_year(
        request.GET.get("anno"),
        years,
        default=_default_year(request, years),
        missing="Nessun fondo né ciclo per l'anno {year}.",
    )
    return render(
        request,
        "rewards/fund_list.html",
        {
            "year": year,
            "years": years,
            "overview": selectors.funds_overview(request.ente, year) if year else None,
            "can_manage": rules.can_manage_funds(request.ente_access),
            "can_read": rules.can_read_distribution(request.ente_access),
        },
    )


@require_http_methods(["GET", "POST"])
@ente_required
def fund_create(request):
    _manager(request)
    year = _year(request)
    form = forms.FundForm(request.POST or None, initial={"year": year} if year else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund = services.fund_create(
                user=request.user,
                ente=request.ente,
                year=data["year"],
                kind=data["kind"],
                label=data["label"],
                amount=data["amount"],
                pool_amount=data.get("pool_amount"),
                act_label=data.get("act_label", ""),
                note=data.get("note", ""),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Fondo «{fund.label}» {fund.year} registrato.")
            return _to_funds(fund.year)
    return render(request, "rewards/fund_form.html", {"form": form, "title": "Nuovo fondo"})


@require_http_methods(["GET", "POST"])
@ente_required
def integrative_contract(request):
    """The ente's integrative contracts and the form that records one (its premium rules)."""
    _manager(request)
    form = forms.IntegrativeContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contract = services.integrative_contract_save(
                user=request.user,
                ente=request.ente,
                label=data["label"],
                act_label=data.get("act_label", ""),
                first_year=data["first_year"],
                last_year=data.get("last_year"),
                parameters=form.parameters(),
            )
        except services.ParameterError as refusal:
            form.add_parameter_errors(refusal.errors, services.PARAMETER_LABELS)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Contratto integrativo «{contract.label}» registrato.")
            return redirect("rewards:integrative_contract")
    return render(
        request,
        "rewards/integrative_contract.html",
        {"form": form, "contracts": selectors.integrative_contracts(request.ente)},
    )


@require_http_methods(["GET", "POST"])
@ente_required
def fund_edit(request, pk):
    _manager(request)
    fund = _fund(request, pk)
    form = forms.FundForm(request.POST or None, instance=fund, editing=True)
    locking.attach(form, fund)
    if request.method == "POST" and form.is_valid():
        try:
            with locking.guard(form, [fund]):
                services.fund_update(user=request.user, fund=fund, data=locking.cleaned(form))
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Fondo aggiornato.")
            return _to_funds(fund.year)
    return render(
        request,
        "rewards/fund_form.html",
        {"form": form, "fund": fund, "title": f"Modifica fondo: {fund.label} {fund.year}"},
    )


def _cycle_of(fund: Fund) -> Cycle | None:
    return Cycle.objects.filter(ente_id=fund.ente_id, year=fund.year).first()


@require_http_methods(["GET", "POST"])
@ente_required
def distribution_preview(request, pk):
    """The what-if page: parameters on the left, the outputs of the last preview below.

    A POST computes a new preview (saved, never final); with HTMX only the outputs are sent.
    """
    _manager(request)
    fund = _fund(request, pk)
    cycle = _cycle_of(fund)
    defaults = services.distribution_parameters_default(fund)
    staff = fund.kind in services.STAFF_KINDS
    form = forms.WhatIfForm(request.POST or None, defaults=defaults, staff=staff)
    distribution = None
    error = None
    if cycle is None:
        error = f"Non c'è un ciclo della performance {fund.year}: non ci sono schede da premiare."
    elif request.method == "POST" and form.is_valid():
        try:
            parameters = services.distribution_parameters_validate(form.parameters())
            distribution = services.distribution_preview(
                user=request.user, fund=fund, cycle=cycle, parameters=parameters
            )
        except services.ParameterError as refusal:
            form.add_parameter_errors(refusal.errors, services.PARAMETER_LABELS)
        except ServiceError as refusal:
            form.add_service_error(refusal)
    elif request.method == "GET":
        distribution = fund.distributions.order_by("-created_at", "-pk").first()
    context = {
        "fund": fund,
        "cycle": cycle,
        "form": form,
        "error": error,
        "distribution": distribution,
        "outputs": selectors.distribution_outputs(distribution) if distribution else None,
        "can_manage": True,
    }
    if request.htmx:
        return render(request, "rewards/_preview_results.html", context)
    return render(request, "rewards/distribution_preview.html", context)


@require_GET
@ente_required
def distribution_detail(request, pk):
    _reader(request)
    distribution = _distribution(request, pk)
    return render(
        request,
        "rewards/distribution_detail.html",
        {
            "fund": distribution.fund,
            "cycle": distribution.cycle,
            "distribution": distribution,
            "outputs": selectors.distribution_outputs(distribution),
            "can_manage": rules.can_manage_funds(request.ente_access),
        },
    )


@require_POST
@ente_required
def distribution_finalise(request, pk):
    _manager(request)
    distribution = _distribution(request, pk)
    if distribution.state == DistributionState.FINAL:
        messages.info(request, "Questa distribuzione è già definitiva.")
        return redirect("rewards:distribution_detail", pk=distribution.pk)
    try:
        services.distribution_finalise(user=request.user, distribution=distribution)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "La distribuzione è definitiva.")
    return redirect("rewards:distribution_detail", pk=distribution.pk)


# Columns of `selectors.csv_rows` that hold numbers (scores, percentages, euros).
CSV_NUMBER_COLUMNS = frozenset(
    {
        "punteggio",
        "fascia da",
        "fascia a",
        "fascia %",
        "part-time %",
        "giorni di servizio",
        "quota",
        "premio base €",
        "maggiorazione €",
        "trattenuto €",
        "totale €",
    }
)


def _number_cell(text: Any) -> Any:
    """A number column's text as the Decimal it stands for («1234.50»), so that the one CSV
    writer (`core.tabular`) writes it the Italian way; anything else is left as it is."""
    try:
        return machine_decimal(text)
    except (TypeError, ValueError):
        return text


def distribution_csv_content(distribution: Distribution) -> str:
    """The per-person lines as CSV for Italian spreadsheets (`core.tabular.PEOPLE`).

    Format: UTF-8 with BOM (so Excel recognises the accents and «€»), fields separated by
    «;», decimals with the comma (e.g. «1234,56»: no thousands separator), first row with the
    Italian headers of `selectors.csv_rows`; a text that a spreadsheet would run as a formula
    is made inert.
    """
    rows = selectors.csv_rows(distribution)
    header = rows[0]
    numeric = [name in CSV_NUMBER_COLUMNS for name in header]
    body = [
        [
            _number_cell(value) if is_number else value
            for value, is_number in zip(row, numeric, strict=True)
        ]
        for row in rows[1:]
    ]
    return csv_text(header, body, PEOPLE)


@require_GET
@ente_required
def distribution_csv(request, pk):
    """Download the distribution person by person (admins and Nucleo, like the page)."""
    _reader(request)
    distribution = _distribution(request, pk)
    response = HttpResponse(
        distribution_csv_content(distribution).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    state = "definitiva" if distribution.state == DistributionState.FINAL else "anteprima"
    name = f"premi-{distribution.fund.year}-{distribution.fund.kind}-{distribution.pk}-{state}"
    safe = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in name.lower())
    response["Content-Disposition"] = f'attachment; filename="{safe}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
