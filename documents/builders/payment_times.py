"""The payment times of a year in the documents and on the public pages: the trend of the
ritardo annuale across the years as a chart (with its table), the quarterly indicatore di
tempestività dei pagamenti and the commercial debt, all from `payments.selectors.
document_figures` — the figures of the payments pages, computed from the invoices.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.charts import Bar, signed_bar_chart
from documents import formatting as fmt
from documents.model import Cell, Chart, Column, ColumnKind, Paragraph, Section, Table
from organization.models import Ente
from payments import selectors as payments

CENT = Decimal("0.01")


def _days(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def figures(ente: Ente, year: int) -> dict[str, Any] | None:
    return payments.document_figures(ente, year)


def delay_chart(found: dict[str, Any]) -> Chart:
    """The ritardo annuale of every year up to the document's, an estimate marked as such."""
    title = f"Ritardo annuale dei pagamenti (giorni) – fino al {found['year']}"
    rows: list[list[Cell]] = []
    bars = []
    parts = []
    for item in found["delay_trend"]:
        label = f"{item['year']}" + (" (stima)" if item["is_estimate"] else "")
        delay = _days(item["delay"])
        bars.append(Bar(label, delay))
        rows.append([label, delay, _days(item["itp"])])
        parts.append(f"{label}: {fmt.number(delay, 2)} giorni")
    table = Table(
        title,
        [
            Column("Anno", width=2),
            Column("Ritardo annuale (giorni)", ColumnKind.NUMBER),
            Column("Indicatore annuale di tempestività (giorni)", ColumnKind.NUMBER),
        ],
        rows,
        sheet="Ritardo dei pagamenti",
        note="Un valore negativo indica pagamenti in media prima della scadenza.",
    )
    svg = signed_bar_chart(title, bars, unit="giorni")
    alt = "; ".join(parts)
    return Chart(title, svg, f"Grafico a barre. {alt or 'nessun dato'}.", table)


def quarters_table(found: dict[str, Any]) -> Table:
    rows = []
    for number, quarter in enumerate(found["quarters"], start=1):
        rows.append(
            [
                f"{number}° trimestre",
                quarter["payments"],
                Decimal(str(quarter["paid_amount"])),
                _days(quarter["itp"]),
                quarter["late_payments"],
                Decimal(str(quarter["late_amount"])),
            ]
        )
    annual = found["annual"]
    rows.append(
        [
            "Anno",
            annual["payments"],
            Decimal(str(annual["paid_amount"])),
            _days(annual["itp"]),
            annual["late_payments"],
            Decimal(str(annual["late_amount"])),
        ]
    )
    return Table(
        f"Indicatore di tempestività dei pagamenti – {found['year']}",
        [
            Column("Periodo", width=2),
            Column("Pagamenti", ColumnKind.INTEGER),
            Column("Importo pagato", ColumnKind.EURO),
            Column("Indicatore di tempestività (giorni)", ColumnKind.NUMBER),
            Column("Pagamenti dopo la scadenza", ColumnKind.INTEGER),
            Column("Importo pagato dopo la scadenza", ColumnKind.EURO),
        ],
        rows,
        sheet="Tempestività dei pagamenti",
    )


def add_payment_times(section: Section, ente: Ente, year: int) -> None:
    """The payment times of `year`, or a sentence saying why there are none."""
    found = figures(ente, year)
    if found is None:
        section.add(
            Paragraph(
                f"Nessuna fattura registrata in Performa per il {year}: i tempi di pagamento "
                "non sono calcolati dalle fatture (il raggiungimento degli obiettivi sui tempi "
                "di pagamento viene dal monitoraggio)."
            )
        )
        return
    delay = found["delay"]
    stock = found["stock"]
    delay_text = f"{fmt.number(_days(delay['value']), 2)} giorni"
    if delay["is_estimate"]:
        delay_text += " (stima: ci sono fatture non ancora pagate)"
    section.add(
        Paragraph(
            f"Ritardo annuale dei pagamenti {year}: {delay_text}. Come è calcolato: "
            f"{delay.get('explanation', {}).get('text', '')}"
        ),
        Paragraph(
            f"Debito commerciale residuo al {fmt.date(_date(stock['reference_date']))}: "
            f"{fmt.euro(Decimal(str(stock['stock'])))}, di cui scaduto "
            f"{fmt.euro(Decimal(str(stock['overdue'])))}, verso {stock['creditors']} imprese "
            "creditrici."
        ),
        delay_chart(found),
        quarters_table(found),
        Paragraph(found["note"]),
    )


def _date(value: Any):
    import datetime as dt

    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
