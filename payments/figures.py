"""The figures of a year, computed by the engine from the stored invoices.

`load_invoices` reads an ente's invoices, payments and suspensions in three queries and turns
them into the engine's plain dataclasses; `year_report` computes everything the pages, the
public page, the commands and the payment-time objectives need, as JSON-ready data. The
payments services store the result in `PaymentReport` whenever the invoices or the rules change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from engine import payments as ep
from engine.numbers import CENT, jsonable
from organization.models import Ente, Unit
from payments.models import Invoice, InvoicePayment, InvoiceSuspension

HEAVIEST = 20


def _decimal(value) -> Decimal:
    """SQLite hands decimals back as numbers, PostgreSQL as Decimal: always two places."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(CENT)


def _day(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _rows(sql: str, params: list) -> list[tuple]:
    # Raw reads: 100.000 invoices load in a fraction of the time the ORM's converters take.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_invoices(
    ente: Ente,
    *,
    invoice_ids: Iterable[int] | None = None,
    exclude_batch: int | None = None,
) -> list[ep.Invoice]:
    """The ente's invoices as engine data: `key` is the database id, `unit` the unit id (text).

    `exclude_batch` leaves out the invoices last written by that import (its caller has them
    already). Three queries whatever the number of invoices.
    """
    quote = connection.ops.quote_name
    invoice_table = quote(Invoice._meta.db_table)
    where = f"{invoice_table}.{quote('ente_id')} = %s"
    params: list = [ente.pk]
    if invoice_ids is not None:
        ids = [int(pk) for pk in invoice_ids]
        if not ids:
            return []
        where += f" AND {invoice_table}.{quote('id')} IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    if exclude_batch is not None:
        batch = f"{invoice_table}.{quote('batch_id')}"
        where += f" AND ({batch} IS NULL OR {batch} <> %s)"
        params.append(exclude_batch)

    def children(model, columns: list[str]) -> list[tuple]:
        table = quote(model._meta.db_table)
        names = ", ".join(f"{table}.{quote(c)}" for c in columns)
        link = f"{invoice_table}.{quote('id')} = {table}.{quote('invoice_id')}"
        order = f"{table}.{quote('invoice_id')}, {table}.{quote(columns[1])}, {table}.{quote('id')}"
        return _rows(
            f"SELECT {names} FROM {table} JOIN {invoice_table} ON {link} WHERE {where} "
            f"ORDER BY {order}",
            params,
        )

    payments: dict[int, list[ep.Payment]] = defaultdict(list)
    for invoice_id, day, amount in children(InvoicePayment, ["invoice_id", "date", "amount"]):
        payments[invoice_id].append(ep.Payment(_day(day), _decimal(amount)))
    suspensions: dict[int, list[ep.Suspension]] = defaultdict(list)
    for invoice_id, start, end, cause in children(
        InvoiceSuspension, ["invoice_id", "start", "end", "cause"]
    ):
        suspensions[invoice_id].append(
            ep.Suspension(_day(start), _day(end), ep.SuspensionCause(cause))
        )
    columns = [
        "id",
        "received_date",
        "total",
        "vat",
        "split_payment",
        "due_date",
        "issue_date",
        "status",
        "suspension_cause",
        "nature",
        "unit_id",
        "supplier_code",
        "supplier_name",
        "number",
    ]
    names = ", ".join(quote(c) for c in columns)
    statuses = {s.value: s for s in ep.InvoiceStatus}
    causes = {c.value: c for c in ep.SuspensionCause}
    natures = {n.value: n for n in ep.Nature}
    no_payments: tuple = ()
    result = []
    for row in _rows(
        f"SELECT {names} FROM {invoice_table} WHERE {where} ORDER BY {quote('id')}", params
    ):
        (pk, received, total, vat, split, due, issued, status, cause, nature, unit_id) = row[:11]
        supplier_code, supplier_name, number = row[11:]
        total, vat = _decimal(total), _decimal(vat)
        result.append(
            ep.Invoice(
                key=str(pk),
                received=_day(received),
                total=total,
                taxable=total - vat,
                vat=vat,
                split_payment=bool(split),
                due=_day(due),
                issued=_day(issued),
                status=statuses[status],
                suspension_cause=causes[cause] if cause else None,
                suspensions=tuple(suspensions[pk]) if pk in suspensions else no_payments,
                payments=tuple(payments[pk]) if pk in payments else no_payments,
                nature=natures[nature],
                unit=str(unit_id) if unit_id else None,
                supplier=supplier_code or supplier_name,
                label=number,
            )
        )
    return result


def years_with_data(invoices: Sequence[ep.Invoice]) -> list[int]:
    """Every year from the first receipt to the last payment (or receipt)."""
    if not invoices:
        return []
    first = min(i.received.year for i in invoices)
    last = max(max([i.received.year, *(p.date.year for p in i.payments)]) for i in invoices)
    return list(range(first, last + 1))


def relevant_to(
    invoices: Sequence[ep.Invoice], year: int, rules: ep.PaymentRules, reference: dt.date
) -> list[ep.Invoice]:
    """The invoices that can count in `year`'s figures (the others are settled before it).

    Left out: invoices received after the year, and invoices paid in full before the year
    began whose due date (moved by their suspensions) also fell before it.
    """
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    term = dt.timedelta(days=rules.term_days)
    kept = []
    for invoice in invoices:
        if invoice.received > end:
            continue
        if invoice.received >= start or not invoice.payments:
            kept.append(invoice)
            continue
        last = max(p.date for p in invoice.payments)
        if last >= start or sum(p.amount for p in invoice.payments) < invoice.owed:
            kept.append(invoice)
            continue
        due = invoice.due if invoice.due is not None else invoice.received + term
        if invoice.suspensions:
            due = ep.shifted_due_date(invoice, reference, rules.term_days, rules.deduct_causes)
        if due >= start:
            kept.append(invoice)
    return kept


def _period(result: ep.PeriodIndicators) -> dict[str, Any]:
    return jsonable(
        {
            "start": result.start,
            "end": result.end,
            "payments": result.payments,
            "invoices": result.invoices,
            "paid_amount": result.paid_amount,
            "weighted_days": result.weighted_days,
            "itp": result.itp,
            "payment_time": result.payment_time,
            "late_payments": result.late_payments,
            "late_amount": result.late_amount,
            "late_mean_delay": result.late_mean_delay,
            "explanation": result.explanation.to_dict(),
        }
    )


def _delay(result: ep.AnnualDelay) -> dict[str, Any]:
    return jsonable(
        {
            "value": result.value,
            "days": result.days,
            "numerator": result.numerator,
            "denominator": result.denominator,
            "terms": len(result.terms),
            "unpaid_terms": result.unpaid_terms,
            "unpaid_amount": result.unpaid_amount,
            "is_estimate": result.is_estimate,
            "reference_date": result.reference_date,
            "explanation": result.explanation.to_dict(),
        }
    )


def _stock(result: ep.DebtStock) -> dict[str, Any]:
    return jsonable(
        {
            "reference_date": result.reference_date,
            "stock": result.stock,
            "overdue": result.overdue,
            "invoices": result.invoices,
            "overdue_invoices": result.overdue_invoices,
            "creditors": result.creditors,
            "capital": result.capital,
            "excluded": dict(result.excluded),
            "explanation": result.explanation.to_dict(),
        }
    )


def _heaviest(delay: ep.AnnualDelay, limit: int) -> list[dict[str, Any]]:
    return [
        jsonable(
            {
                "invoice_id": int(row.invoice.key),
                "number": row.invoice.label,
                "supplier": row.invoice.supplier,
                "received": row.invoice.received,
                "amount": row.amount,
                "days": row.days,
                "weight": row.weight,
                "share": row.share,
                "unpaid": row.unpaid,
            }
        )
        for row in ep.heaviest_invoices(delay, limit)
    ]


def figures(
    invoices: Sequence[ep.Invoice],
    year: int,
    reference: dt.date,
    rules: ep.PaymentRules,
    *,
    heaviest: int = HEAVIEST,
) -> dict[str, Any]:
    """Quarterly and annual ITP, ritardo, stock at 31/12: the figures of one set of invoices."""
    indicators = ep.year_indicators(invoices, year, rules)
    delay = ep.annual_delay(invoices, year, reference, rules)
    stock = ep.debt_stock(invoices, dt.date(year, 12, 31), rules)
    return {
        "invoice_count": sum(1 for i in invoices if i.received.year <= year),
        "quarters": [_period(q) for q in indicators.quarters],
        "annual": _period(indicators.annual),
        "delay": _delay(delay),
        "stock": _stock(stock),
        "heaviest": _heaviest(delay, heaviest),
        "_delay": delay,
        "_stock": stock,
    }


def reference_for(rules: ep.PaymentRules, year: int, today: dt.date) -> dt.date:
    """The date to which unpaid invoices are delayed: the rules' choice, never past today."""
    if rules.unpaid_reference is ep.UnpaidReference.YEAR_END:
        return min(dt.date(year, 12, 31), max(today, dt.date(year, 1, 1)))
    return today


def year_report(
    ente: Ente,
    invoices: Sequence[ep.Invoice],
    year: int,
    rules: ep.PaymentRules,
    *,
    reference: dt.date,
    previous_stock: Decimal | None,
    previous_frozen: bool,
) -> dict[str, Any]:
    """Everything about `year`: the ente's figures, the tests, FGDC, and each unit's figures.

    `previous_stock` is the stock at 31/12 of the year before (a frozen snapshot or computed).
    """
    invoices = relevant_to(invoices, year, rules, reference)
    whole = figures(invoices, year, reference, rules)
    received = ep.received_in_year(invoices, year)
    stock: ep.DebtStock = whole.pop("_stock")
    delay: ep.AnnualDelay = whole.pop("_delay")
    tests = ep.debt_tests(year, stock.stock, stock.overdue, received, previous_stock)
    fgdc = ep.fgdc(delay_days_value=delay.days, tests=tests)
    evaluation = ep.evaluate_table(
        rules.evaluation,
        incidence=tests.incidence,
        ratio=tests.ratio,
        delay=delay.compared_value(rules),
    )
    ente_objective = ep.objective_achievement(rules, delay, tests, "ente nel suo complesso")
    whole.update(
        {
            "received": jsonable(received),
            "tests": jsonable(
                {**tests.explanation.data, "explanation": tests.explanation.to_dict()}
            ),
            "previous_frozen": previous_frozen,
            "fgdc": _fgdc_data(fgdc, year),
            "evaluation": _evaluation_data(evaluation),
            "objective": _objective(ente_objective),
        }
    )
    units = _unit_reports(ente, invoices, year, rules, reference, tests)
    return jsonable(
        {
            "year": year,
            "reference_date": reference,
            "rules": rules.to_dict(),
            "ente": whole,
            "units": units,
        }
    )


def _fgdc_data(fgdc: ep.Fgdc, year: int) -> dict[str, Any]:
    """The FGDC to set aside in the budget of the year after."""
    return jsonable(
        {
            "year": year + 1,
            "due": fgdc.due,
            "rate": fgdc.rate,
            "explanation": fgdc.explanation.to_dict(),
        }
    )


def _evaluation_data(evaluation: ep.Evaluation) -> dict[str, Any]:
    return jsonable(
        {
            "points": evaluation.points,
            "max_points": evaluation.max_points,
            "percent": evaluation.percent,
            "debt_points": evaluation.debt_points,
            "delay_points": evaluation.delay_points,
            "explanation": evaluation.explanation.to_dict(),
        }
    )


def _unit_reports(
    ente: Ente,
    invoices: Sequence[ep.Invoice],
    year: int,
    rules: ep.PaymentRules,
    reference: dt.date,
    tests: ep.DebtTests,
) -> list[dict[str, Any]]:
    """Each unit's figures and objective (the ente's debt tests apply to all), by name; the
    invoices of no recognised office last."""
    by_unit: dict[str, list[ep.Invoice]] = defaultdict(list)
    for invoice in invoices:
        by_unit[invoice.unit or ""].append(invoice)
    names = dict(Unit.objects.filter(ente=ente).values_list("id", "name"))
    units = []
    for unit_key, members in by_unit.items():
        data = figures(members, year, reference, rules, heaviest=10)
        unit_delay = data.pop("_delay")
        data.pop("_stock")
        if not unit_key:
            label = "Fatture senza ufficio riconosciuto"
        else:
            label = names.get(int(unit_key), f"Unità {unit_key}")
        data["objective"] = _objective(ep.objective_achievement(rules, unit_delay, tests, label))
        units.append({"unit_id": int(unit_key) if unit_key else None, "name": label, **data})
    units.sort(key=lambda u: (u["unit_id"] is None, u["name"]))
    return units


def _objective(result: ep.ObjectiveAchievement) -> dict[str, Any]:
    return jsonable(
        {
            "percent": result.percent,
            "achieved": result.achieved,
            "explanation": result.explanation.to_dict(),
        }
    )
