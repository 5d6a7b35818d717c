"""Public page «Amministrazione Trasparente > Pagamenti dell'amministrazione» (no login).

Art. 33 D.Lgs. 33/2013: the quarterly and annual indicatore di tempestività dei pagamenti, the
amount paid after the due date (DPCM 22/9/2014 art. 9 c.8), the total commercial debt and the
number of creditor companies. Only aggregates reach this page, from `payments.selectors`; the
same tables are downloadable as CSV and JSON (open formats, art. 7).
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.tabular import MACHINE, csv_response
from documents.builders.payment_times import delay_chart
from organization.models import Ente
from payments import selectors

NOTE = (
    "Indicatori calcolati da Performa sulle fatture registrate dall'ente, secondo le definizioni "
    "della Piattaforma dei Crediti Commerciali; i valori ufficiali sono quelli elaborati dalla "
    "PCC."
)


def _delay_chart(ente: Ente, year: int) -> list:
    """The chart of the ritardo annuale up to `year` (the one the Relazione prints), as the
    blocks of a page: none when the year has no figures."""
    found = selectors.document_figures(ente, year)
    return [delay_chart(found)] if found and found["delay_trend"] else []


def _tables(slug: str, year: int):
    ente = get_object_or_404(Ente, slug=slug)
    tables = selectors.public_tables(ente, year, timezone.localdate())
    if tables is None:
        raise Http404(f"Nessun dato sui pagamenti per il {year}.")
    return ente, tables


@require_GET
def payments_index(request, slug):
    ente = get_object_or_404(Ente, slug=slug)
    today = timezone.localdate()
    years = [y for y in selectors.report_years(ente) if y <= today.year]
    latest = selectors.public_tables(ente, years[0], today) if years else None
    return render(
        request,
        "transparency/pagamenti_index.html",
        {
            "ente": ente,
            "years": years,
            "tables": latest,
            "note": NOTE,
            "delay_chart": _delay_chart(ente, years[0]) if latest else [],
        },
    )


@require_GET
def payments_year(request, slug, year):
    ente, tables = _tables(slug, year)
    return render(
        request,
        "transparency/pagamenti.html",
        {"ente": ente, "tables": tables, "note": NOTE, "delay_chart": _delay_chart(ente, year)},
    )


@require_GET
def payments_csv(_request, slug, year):
    ente, tables = _tables(slug, year)
    return csv_response(
        f"pagamenti-{ente.slug}-{year}",
        selectors.PUBLIC_HEADER,
        selectors.public_rows(tables),
        MACHINE,
    )


@require_GET
def payments_json(_request, slug, year):
    ente, tables = _tables(slug, year)
    body = {
        "ente": {"slug": ente.slug, "denominazione": ente.name, "codice_fiscale": ente.fiscal_code},
        "anno": year,
        "riferimento_normativo": "art. 33 D.Lgs. 33/2013; DPCM 22/9/2014 art. 9",
        "nota": NOTE,
        "calcolato_il": tables["computed_at"].isoformat(),
        "trimestri": [
            {
                "periodo": q["period"],
                "dal": q["start"],
                "al": q["end"],
                "indicatore_tempestivita_giorni": q["itp"],
                "somma_giorni_per_importo": q["numerator"],
                "importo_pagato_euro": q["paid"],
                "importo_pagato_dopo_scadenza_euro": q["late_amount"],
                "numero_pagamenti": q["payments"],
            }
            for q in tables["quarters"]
        ],
        "annuale": None,
        "debito": None,
    }
    if tables["annual"]:
        annual = tables["annual"]
        body["annuale"] = {
            "indicatore_tempestivita_giorni": annual["itp"],
            "somma_giorni_per_importo": annual["numerator"],
            "importo_pagato_euro": annual["paid"],
            "importo_pagato_dopo_scadenza_euro": annual["late_amount"],
            "numero_pagamenti": annual["payments"],
        }
    if tables["stock"]:
        stock = tables["stock"]
        body["debito"] = {
            "data_riferimento": stock["reference_date"],
            "debito_commerciale_residuo_euro": stock["stock"],
            "di_cui_scaduto_euro": stock["overdue"],
            "imprese_creditrici": stock["creditors"],
        }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'inline; filename="pagamenti-{ente.slug}-{year}.json"'
    return response
