"""Public pages of «Amministrazione Trasparente» (no login): the art. 20 D.Lgs. 33/2013 data.

Only the aggregates of `transparency.selectors` reach these pages: counts, sums, means and
ratios, never a person. The same tables are downloadable as CSV (open format, art. 7).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.privacy import threshold
from core.tabular import MACHINE, csv_response
from organization.models import Ente
from rewards.selectors import premium_years
from transparency import selectors
from transparency.caching import ente_parts, public_page, tag


def _ente_year(slug: str, year: int) -> Ente:
    ente = get_object_or_404(Ente, slug=slug)
    if year not in premium_years(ente):
        raise Http404(f"Nessun dato sui premi per l'anno {year}.")
    return ente


@require_GET
def premi_years(request, slug):
    ente = get_object_or_404(Ente, slug=slug)
    return render(
        request, "transparency/premi_years.html", {"ente": ente, "years": premium_years(ente)}
    )


def _premi_etag(_request, slug, year) -> str | None:
    """The version of the art. 20 data, the small-group threshold and the ente shown."""
    ente = Ente.objects.filter(slug=slug).first()
    if ente is None:
        return None
    return tag(ente_parts(ente), year, selectors.art20_version(ente, year), threshold())


@require_GET
@public_page(_premi_etag)
def premi(request, slug, year):
    ente = _ente_year(slug, year)
    return render(
        request,
        "transparency/premi.html",
        {
            "ente": ente,
            "year": year,
            "tables": selectors.art20_tables(ente, year),
            "small_group_limit": threshold(),
        },
    )


@require_GET
@public_page(_premi_etag)
def premi_csv(_request, slug, year):
    ente = _ente_year(slug, year)
    rows = selectors.art20_csv_rows(selectors.art20_tables(ente, year))
    return csv_response(f"premi-{ente.slug}-{year}", selectors.CSV_HEADER, rows, MACHINE)
