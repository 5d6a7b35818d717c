"""Reads of the payments pages, each in a constant number of queries.

The figures come from the stored `PaymentReport` of the year (recomputed by the services when
the invoices change); only the what-if reloads the invoices, because it recomputes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum

from engine import payments as ep
from engine.numbers import format_number, jsonable
from organization.models import Ente, Unit
from payments import figures
from payments.models import DebtSnapshot, ImportBatch, Invoice, InvoiceStatus, PaymentReport

PAGE_SIZE = 50


def report_years(ente: Ente) -> list[int]:
    return list(
        PaymentReport.objects.filter(ente=ente).order_by("-year").values_list("year", flat=True)
    )


def report(ente: Ente, year: int) -> PaymentReport | None:
    return PaymentReport.objects.filter(ente=ente, year=year).first()


def default_year(years: list[int], today: dt.date) -> int | None:
    """The latest year that has ended, or the latest one when none has."""
    past = [year for year in years if year < today.year]
    if past:
        return max(past)
    return max(years) if years else None


def visible_units(data: dict[str, Any], unit_ids: set[int] | None) -> list[dict[str, Any]]:
    units = data.get("units", [])
    if unit_ids is None:
        return units
    return [u for u in units if u["unit_id"] in unit_ids]


# -- trend -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    label: str
    itp: Decimal | None
    x: float = 0
    y: float = 0
    height: float = 0


@dataclass(frozen=True)
class Trend:
    points: list[TrendPoint]
    delays: list[tuple[int, Decimal | None, bool]]  # year, ritardo, estimate
    width: int
    height: int
    zero_y: float
    ticks: list[tuple[float, str]]


CHART_WIDTH, CHART_HEIGHT, BAR = 640, 220, 22


def trend(ente: Ente, today: dt.date, unit_id: int | None = None) -> Trend | None:
    """Quarterly ITP across every year with figures (quarters not yet begun left out), and the
    annual ritardo; with the geometry of a bar chart (the table next to it has the numbers)."""
    points: list[tuple[str, Decimal | None]] = []
    delays = []
    for year_report in PaymentReport.objects.filter(ente=ente).order_by("year"):
        data = year_report.data["ente"]
        if unit_id is not None:
            data = next((u for u in year_report.data["units"] if u["unit_id"] == unit_id), None)
            if data is None:
                continue
        for number, quarter in enumerate(data["quarters"], start=1):
            if dt.date.fromisoformat(quarter["start"]) > today:
                continue
            value = Decimal(quarter["itp"]) if quarter["itp"] is not None else None
            points.append((f"T{number} {year_report.year}", value))
        value = data["delay"]["value"]
        delays.append(
            (
                year_report.year,
                Decimal(value) if value is not None else None,
                data["delay"]["is_estimate"],
            )
        )
    if not points:
        return None
    values = [v for _, v in points if v is not None] or [Decimal(0)]
    top = max(max(values), Decimal(0))
    bottom = min(min(values), Decimal(0))
    span = (top - bottom) or Decimal(1)
    inner = CHART_HEIGHT - 40
    zero_y = 10 + float(top / span) * inner
    step = max(BAR + 8, (CHART_WIDTH - 60) // max(1, len(points)))
    laid = []
    for index, (label, value) in enumerate(points):
        x = 50 + index * step
        if value is None:
            laid.append(TrendPoint(label, None, x, zero_y, 0))
            continue
        size = float(abs(value) / span) * inner
        y = zero_y - size if value >= 0 else zero_y
        laid.append(TrendPoint(label, value, x, y, size))
    ticks = [
        (10.0, format_number(top, 0)),
        (zero_y, "0"),
        (10.0 + inner, format_number(bottom, 0)),
    ]
    width = max(CHART_WIDTH, 60 + step * len(points))
    return Trend(laid, delays, width, CHART_HEIGHT, zero_y, ticks)


# -- invoices --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFilters:
    year: int | None = None
    unit_id: int | None = None
    status: str = ""
    unpaid: bool = False
    search: str = ""


def invoice_page(ente: Ente, filters: InvoiceFilters, unit_ids: set[int] | None, page: int = 1):
    """One page of the invoice list, with the paid amount of each (two queries per page)."""
    invoices = Invoice.objects.filter(ente=ente).select_related("unit")
    if unit_ids is not None:
        invoices = invoices.filter(unit_id__in=unit_ids)
    if filters.year:
        invoices = invoices.filter(
            Q(received_date__year=filters.year) | Q(payments__date__year=filters.year)
        ).distinct()
    if filters.unit_id:
        invoices = invoices.filter(unit_id=filters.unit_id)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.search:
        term = filters.search.strip()
        invoices = invoices.filter(
            Q(number__icontains=term)
            | Q(supplier_name__icontains=term)
            | Q(supplier_code__icontains=term)
            | Q(sdi_id__icontains=term)
        )
    invoices = invoices.annotate(paid=Sum("payments__amount"), payment_count=Count("payments"))
    if filters.unpaid:
        invoices = invoices.exclude(status__in=[InvoiceStatus.NON_COMMERCIAL]).filter(
            Q(paid__isnull=True) | Q(paid__lt=_owed_expression())
        )
    paginator = Paginator(invoices.order_by("-received_date", "-id"), PAGE_SIZE)
    return paginator.get_page(page)


def _owed_expression():
    from django.db.models import Case, F, When

    return Case(When(split_payment=True, then=F("total") - F("vat")), default=F("total"))


def invoice_detail(ente: Ente, invoice: Invoice, rules: ep.PaymentRules, today: dt.date):
    """An invoice with its due date, the delay of each payment and its stock share today."""
    engine_invoice = figures.load_invoices(ente, invoice_ids=[invoice.pk])[0]
    due = ep.due_date(engine_invoice, rules.term_days)
    payments = [
        {
            "date": payment.date,
            "amount": payment.amount,
            "reference": payment.reference,
            "delay": ep.delay_days(
                engine_invoice, payment.date, rules.term_days, rules.deduct_causes
            ),
            "suspended": ep.suspended_days(engine_invoice, payment.date, rules.deduct_causes),
        }
        for payment in invoice.payments.all()
    ]
    unpaid = ep.unpaid_owed(engine_invoice, today)
    return {
        "due": due,
        "due_communicated": invoice.due_date is not None,
        "shifted_due": ep.shifted_due_date(
            engine_invoice, today, rules.term_days, rules.deduct_causes
        ),
        "payments": payments,
        "suspensions": list(invoice.suspensions.all()),
        "owed": engine_invoice.owed,
        "unpaid": unpaid,
        "stock_share": ep.unpaid_net_of_vat(engine_invoice, today),
        "delay_today": ep.delay_days(engine_invoice, today, rules.term_days, rules.deduct_causes)
        if unpaid > 0
        else None,
        "exclusion": ep.stock_exclusion(engine_invoice, today),
        "term_days": rules.term_days,
    }


def imports(ente: Ente, limit: int = 20) -> list[ImportBatch]:
    return list(ImportBatch.objects.filter(ente=ente).select_related("created_by")[:limit])


def snapshots(ente: Ente) -> list[DebtSnapshot]:
    return list(DebtSnapshot.objects.filter(ente=ente).select_related("frozen_by"))


def units_with_invoices(ente: Ente, unit_ids: set[int] | None) -> list[Unit]:
    units = Unit.objects.filter(ente=ente, invoices__isnull=False).distinct().order_by("name")
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    return list(units)


# -- what-if and FGDC ------------------------------------------------------------------------------


def _summary(invoices, year: int, reference: dt.date, rules, previous_stock) -> dict[str, Any]:
    delay = ep.annual_delay(invoices, year, reference, rules)
    itp = ep.period_indicators(invoices, dt.date(year, 1, 1), dt.date(year, 12, 31), rules)
    stock = ep.debt_stock(invoices, dt.date(year, 12, 31), rules)
    received = ep.received_in_year(invoices, year)
    tests = ep.debt_tests(year, stock.stock, stock.overdue, received, previous_stock)
    fgdc = ep.fgdc(delay_days_value=delay.days, tests=tests)
    return jsonable(
        {
            "delay": delay.value,
            "delay_days": delay.days,
            "is_estimate": delay.is_estimate,
            "itp": itp.itp,
            "stock": stock.stock,
            "overdue": stock.overdue,
            "incidence": tests.incidence,
            "ratio": tests.ratio,
            "tests_passed": tests.passed,
            "fgdc_rate": fgdc.rate,
            "objective": ep.objective_achievement(rules, delay, tests).percent,
            "delay_text": delay.explanation.text,
        }
    )


def what_if(
    ente: Ente,
    year: int,
    invoice_ids: list[int],
    day: dt.date,
    rules: ep.PaymentRules,
    reference: dt.date,
    previous_stock: Decimal | None,
    unit_ids: set[int] | None = None,
) -> dict[str, Any]:
    """The year's figures as they are and as they would be with those invoices paid on `day`."""
    invoices = figures.load_invoices(ente)
    if unit_ids is not None:
        invoices = [i for i in invoices if i.unit and int(i.unit) in unit_ids]
    keys = [str(pk) for pk in invoice_ids]
    simulated = ep.pay_in_full(invoices, keys, day)
    reference = max(reference, day)
    return {
        "before": _summary(invoices, year, reference, rules, previous_stock),
        "after": _summary(simulated, year, reference, rules, previous_stock),
        "reference": reference,
        "day": day,
        "count": len(keys),
    }


def unpaid_candidates(ente: Ente, data: dict[str, Any], unit_ids: set[int] | None) -> list[dict]:
    """The invoices one may simulate paying: the heaviest on the delay, still unpaid."""
    rows = [row for row in data["ente"]["heaviest"] if row["unpaid"]]
    if unit_ids is not None:
        allowed = set(
            Invoice.objects.filter(ente=ente, unit_id__in=unit_ids).values_list("id", flat=True)
        )
        rows = [row for row in rows if row["invoice_id"] in allowed]
    return rows


# -- public page -----------------------------------------------------------------------------------


def public_tables(ente: Ente, year: int, today: dt.date) -> dict[str, Any] | None:
    """Aggregates only: quarterly and annual ITP, amounts paid late, debt and creditors."""
    found = report(ente, year)
    if found is None:
        return None
    data = found.data["ente"]
    quarters = []
    for number, quarter in enumerate(data["quarters"], start=1):
        if dt.date.fromisoformat(quarter["end"]) >= today:
            continue  # published once the quarter is over
        quarters.append(
            {
                "period": f"{number}° trimestre {year}",
                "start": quarter["start"],
                "end": quarter["end"],
                "itp": quarter["itp"],
                "numerator": quarter["weighted_days"],
                "paid": quarter["paid_amount"],
                "late_amount": quarter["late_amount"],
                "payments": quarter["payments"],
            }
        )
    annual = data["annual"]
    year_over = dt.date(year, 12, 31) < today
    return {
        "year": year,
        "computed_at": found.computed_at,
        "quarters": quarters,
        "annual": {
            "itp": annual["itp"],
            "numerator": annual["weighted_days"],
            "paid": annual["paid_amount"],
            "late_amount": annual["late_amount"],
            "payments": annual["payments"],
        }
        if year_over
        else None,
        "stock": {
            "reference_date": data["stock"]["reference_date"],
            "stock": data["stock"]["stock"],
            "overdue": data["stock"]["overdue"],
            "creditors": data["stock"]["creditors"],
        }
        if year_over
        else None,
        "delay": {
            "value": data["delay"]["value"],
            "days": data["delay"]["days"],
            "is_estimate": data["delay"]["is_estimate"],
        }
        if year_over
        else None,
    }


PUBLIC_HEADER = ("voce", "periodo", "dal", "al", "valore", "unita_di_misura")


def _number(value) -> Decimal | None:
    return Decimal(value) if value is not None else None


def public_rows(tables: dict[str, Any]) -> list[list[Any]]:
    """The public tables as one open-data table, a figure per row (see `PUBLIC_HEADER`)."""
    rows: list[list[Any]] = []
    periods = [(q["period"], q["start"], q["end"], q) for q in tables["quarters"]]
    if tables["annual"]:
        year = tables["year"]
        periods.append((f"anno {year}", f"{year}-01-01", f"{year}-12-31", tables["annual"]))
    for label, start, end, figures_ in periods:
        start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        for name, key, unit in (
            ("indicatore di tempestività dei pagamenti", "itp", "giorni"),
            ("somma dei giorni per importo", "numerator", "giorni × euro"),
            ("importo pagato", "paid", "euro"),
            ("importo pagato dopo la scadenza", "late_amount", "euro"),
        ):
            rows.append([name, label, start, end, _number(figures_[key]), unit])
        rows.append(["numero dei pagamenti", label, start, end, figures_["payments"], "numero"])
    if tables["stock"]:
        stock = tables["stock"]
        day = dt.date.fromisoformat(stock["reference_date"])
        label = f"al {day:%d/%m/%Y}"
        rows.append(
            ["debito commerciale residuo", label, None, day, _number(stock["stock"]), "euro"]
        )
        rows.append(["di cui scaduto", label, None, day, _number(stock["overdue"]), "euro"])
        rows.append(["imprese creditrici", label, None, day, stock["creditors"], "numero"])
    return rows


# -- for the documents (Relazione, monitoring report) ------------------------------------------


def document_figures(ente: Ente, year: int) -> dict[str, Any] | None:
    """The payment figures a Relazione or a monitoring report prints, as plain data.

    Quarterly and annual ITP, the ritardo annuale (an estimate while invoices are unpaid), the
    debt stock with its two tests, the FGDC rate, the measured payment-time objectives and the
    ritardo of every year for the trend chart; each figure with its «come è calcolato». None
    when the year has no invoices.
    """
    found = report(ente, year)
    if found is None:
        return None
    data = found.data["ente"]
    return {
        "year": year,
        "computed_at": found.computed_at,
        "reference_date": found.data["reference_date"],
        "note": (
            "Cifre calcolate da Performa sulle fatture, secondo le definizioni della PCC; i "
            "valori ufficiali sono quelli pubblicati dalla Piattaforma dei Crediti Commerciali."
        ),
        "quarters": data["quarters"],
        "annual": data["annual"],
        "delay": data["delay"],
        "stock": data["stock"],
        "tests": data["tests"],
        "fgdc": data["fgdc"],
        "objectives": found.data.get("objectives", []),
        "delay_trend": [
            {
                "year": item.year,
                "delay": item.data["ente"]["delay"]["value"],
                "is_estimate": item.data["ente"]["delay"]["is_estimate"],
                "itp": item.data["ente"]["annual"]["itp"],
            }
            for item in PaymentReport.objects.filter(ente=ente, year__lte=year).order_by("year")
        ],
    }
