"""The one endpoint behind «Scarica XLSX / CSV» of every table (see `table_export`)."""

from __future__ import annotations

import json
import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.views.decorators.http import require_POST

from documents import table_export

SAFE_NAME = re.compile(r"[^a-z0-9-]+")


@require_POST
@login_required
def table_download(request):
    fmt = request.POST.get("formato", "xlsx")
    if fmt not in {"csv", "xlsx"}:
        return HttpResponseBadRequest("Formato non valido: csv o xlsx.")
    try:
        data = json.loads(request.POST.get("tabella", ""))
        header = [str(cell) for cell in data["header"]][: table_export.MAX_COLUMNS]
        rows = [[str(cell) for cell in row][: table_export.MAX_COLUMNS] for row in data["rows"]]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("Tabella non leggibile.")
    if len(rows) > table_export.MAX_ROWS:
        return HttpResponseBadRequest("Tabella troppo lunga per lo scaricamento.")
    caption = str(data.get("caption", ""))[:200]
    name = SAFE_NAME.sub("-", str(request.POST.get("nome", "tabella")).lower()).strip("-")
    name = name[:80] or "tabella"
    if fmt == "csv":
        return table_export.csv_download(name, header, rows)
    return table_export.xlsx_download(name, caption, header, rows)
