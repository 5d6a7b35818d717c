from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from ranking import access, selectors

PAGE_SIZE = 100


def _year(request) -> int:
    text = request.GET.get("anno", "")
    return int(text) if text.isdigit() and 1990 < int(text) < 2200 else timezone.localdate().year


@login_required
def ente_ranking(request):
    enti = access.visible_enti(request.user)
    year = _year(request)
    by = request.GET.get("per", selectors.PERFORMANCE)
    if by not in selectors.ORDERINGS:
        by = selectors.PERFORMANCE
    rows = selectors.ranking(year, by, enti)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("pagina"))
    stale = sum(1 for row in rows if not row.is_fresh)
    context = {
        "year": year,
        "by": by,
        "label": selectors.LABELS[by],
        "orderings": selectors.LABELS,
        "page": page,
        "total": len(rows),
        "stale": stale,
    }
    return render(request, "ranking/ente_ranking.html", context)
