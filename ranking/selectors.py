"""The cross-ente ranking: one indexed query over the stored ente-level figures.

`ranking(year, by=...)` reads `EnteFigure` joined to the ente, its current data version and
its current payment report, in one query whatever the number of enti. A figure whose version
is not the current one is returned as stale, without its value and without a position: stale
results are never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, Value, When

from payments.models import PaymentReport
from planning.models import Cycle
from ranking.models import EnteFigure

PERFORMANCE = "performance"
PAYMENTS = "payments"
ORDERINGS = (PERFORMANCE, PAYMENTS)
LABELS = {PERFORMANCE: "performance organizzativa", PAYMENTS: "ritardo dei pagamenti"}


@dataclass(frozen=True)
class RankRow:
    position: int | None  # None: stale or missing, not ranked
    ente_id: int
    slug: str
    name: str
    province: str
    value: Decimal | None  # the figure ranked (score % or days of delay); None when stale
    itp: Decimal | None
    is_fresh: bool


def _fresh_performance() -> Q:
    return Q(performance_token=F("ente__score_version__token")) & Q(performance__isnull=False)


def _fresh_payments() -> Q:
    return (
        Q(report__isnull=False)
        & Q(payments_at=F("report__computed_at"))
        & Q(payment_delay__isnull=False)
    )


def ranked_rows(year: int, by: str = PERFORMANCE, ente_ids: Iterable[int] | None = None):
    """The query behind `ranking`: fresh figures first, by value, then the stale ones."""
    if by not in ORDERINGS:
        raise ValueError(f"Ordinamento sconosciuto: {by}")
    fresh = _fresh_performance() if by == PERFORMANCE else _fresh_payments()
    field = "performance" if by == PERFORMANCE else "payment_delay"
    rows = EnteFigure.objects.filter(year=year)
    if ente_ids is not None:
        rows = rows.filter(ente_id__in=list(ente_ids))
    rows = rows.annotate(
        is_fresh=ExpressionWrapper(fresh, output_field=BooleanField()),
        rank_order=Case(When(fresh, then=Value(0)), default=Value(1)),
    )
    value_order = F(field).desc() if by == PERFORMANCE else F(field).asc()
    return rows.order_by("rank_order", value_order, "ente__name").values_list(
        "ente_id", "ente__slug", "ente__name", "ente__province", field, "itp", "is_fresh"
    )


def ranking(
    year: int, by: str = PERFORMANCE, ente_ids: Iterable[int] | None = None
) -> list[RankRow]:
    """The enti ranked for `year`: best performance first, or shortest payment delay first.

    Equal figures share a position (1, 2, 2, 4). `ente_ids` limits the ranking to those enti
    (an administrator of several enti sees only theirs); None ranks every ente.
    """
    values = ranked_rows(year, by, ente_ids)
    result: list[RankRow] = []
    position, previous = 0, None
    for index, (ente_id, slug, name, province, value, itp, is_fresh) in enumerate(values, 1):
        is_fresh = bool(is_fresh)
        if is_fresh and value != previous:
            position, previous = index, value
        result.append(
            RankRow(
                position=position if is_fresh else None,
                ente_id=ente_id,
                slug=slug,
                name=name,
                province=province,
                value=value if is_fresh else None,
                itp=itp if is_fresh and by == PAYMENTS else None,
                is_fresh=is_fresh,
            )
        )
    return result


def stale_performance(year: int, ente_ids: Iterable[int] | None = None) -> list[int]:
    """The enti with a cycle of `year` whose stored score is missing or of an old version."""
    cycles = Cycle.objects.filter(year=year)
    if ente_ids is not None:
        cycles = cycles.filter(ente_id__in=list(ente_ids))
    fresh = EnteFigure.objects.filter(year=year).filter(_fresh_performance())
    return list(
        cycles.exclude(ente_id__in=fresh.values("ente_id"))
        .order_by("ente_id")
        .values_list("ente_id", flat=True)
    )


def unrecorded_reports(year: int, ente_ids: Iterable[int] | None = None) -> list[PaymentReport]:
    """Payment reports the ranking has not copied (stored before the ranking existed)."""
    reports = PaymentReport.objects.filter(year=year)
    if ente_ids is not None:
        reports = reports.filter(ente_id__in=list(ente_ids))
    recorded = EnteFigure.objects.filter(year=year).filter(_fresh_payments())
    return list(reports.exclude(ente_id__in=recorded.values("ente_id")))
