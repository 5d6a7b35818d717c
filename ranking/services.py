"""Writes of the ranking's figures: computed data, never typed in.

No audit row here: the figures are a copy of what the engine computes (like the stored score
boards and `PaymentReport`), and an audit row naming the ente would bump its data version and
make the figure just written stale.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from engine.numbers import optional_decimal
from measurement import stored
from measurement.models import MonitoringWindow
from payments.models import PaymentReport
from planning.models import Cycle
from ranking import selectors
from ranking.models import EnteFigure


def record_payments(report: PaymentReport) -> EnteFigure:
    """Copy the ente's annual delay and ITP from a just-stored report (same transaction)."""
    whole = (report.data or {}).get("ente") or {}
    delay = (whole.get("delay") or {}).get("value")
    itp = (whole.get("annual") or {}).get("itp")
    figure, _ = EnteFigure.objects.update_or_create(
        ente_id=report.ente_id,
        year=report.year,
        defaults={
            "report": report,
            "payment_delay": optional_decimal(delay),
            "itp": optional_decimal(itp),
            "payments_at": report.computed_at,
        },
    )
    return figure


def _reading_window(cycle: Cycle) -> MonitoringWindow | None:
    """The final reading when the cycle has one, else the current state: a ranking of the
    year compares the enti on the rilevazione finale."""
    windows = MonitoringWindow.objects.filter(cycle=cycle)
    return windows.filter(is_final=True).first() or windows.order_by("-period_end").first()


def refresh_performance(ente_ids: Iterable[int], year: int) -> int:
    """Compute and store the ente-level score of the `year` cycle of each ente; returns how
    many were written. The token is read before the scores: if the data change meanwhile, the
    figure carries the older token and shows as stale, never as current."""
    written = 0
    cycles = Cycle.objects.filter(ente_id__in=list(ente_ids), year=year).select_related("ente")
    for cycle in cycles:
        token = stored.token_of(cycle.ente_id)
        if token is None:
            continue
        board = stored.cycle_scores(cycle, window=_reading_window(cycle))
        with transaction.atomic():
            EnteFigure.objects.update_or_create(
                ente_id=cycle.ente_id,
                year=year,
                defaults={
                    "performance": board.ente_score.percent,
                    "performance_token": token,
                    "performance_at": timezone.now(),
                },
            )
        written += 1
    return written


def refresh_stale(
    year: int, ente_ids: Iterable[int] | None = None, limit: int | None = None
) -> int:
    """Recompute the figures that are missing or stale (of the given enti, or of all)."""
    stale = selectors.stale_performance(year, ente_ids)
    if limit is not None:
        stale = stale[:limit]
    written = refresh_performance(stale, year)
    for report in selectors.unrecorded_reports(year, ente_ids):
        record_payments(report)
    return written
