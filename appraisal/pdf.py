"""The PDF of a scheda di valutazione (A4, Italian), rendered on the server with WeasyPrint.

The page template is `appraisal/pdf/scheda.html`; the caller checks who may read the scheda
and logs the read.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from appraisal.selectors import SchedaDetail


def scheda_html(detail: SchedaDetail) -> str:
    scheda = detail.scheda
    return render_to_string(
        "appraisal/pdf/scheda.html",
        {
            "scheda": scheda,
            "items": detail.items,
            "transitions": detail.transitions,
            "conciliation": detail.conciliation,
            "deadline": detail.contest_deadline,
            "ente": scheda.cycle.ente,
            "printed_at": timezone.localtime(),
        },
    )


def scheda_pdf(detail: SchedaDetail) -> bytes:
    """The scheda (read with `selectors.scheda_detail`) as PDF bytes."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it

    return HTML(string=scheda_html(detail)).write_pdf()
