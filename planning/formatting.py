"""The text of a target, and the None-tolerant forms of the Italian formatter.

Numbers and dates are written by `engine.numbers` (the one formatter: «1.700», «11,11»,
«31/03/2024»); the three functions below only add «nothing gives ''» for optional fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engine.numbers import format_date, format_number


def decimal_it(value: Decimal | int | None, places: int = 2) -> str:
    """`Decimal("1700.5")` → `"1.700,50"`; None → empty string. Rounding is half-up."""
    return "" if value is None else format_number(Decimal(value), places)


def number_it(value: Decimal | int | None) -> str:
    """A quantity with only the decimals it needs: `30.0000` → `30`, `60.3600` → `60,36`."""
    return "" if value is None else format_number(Decimal(value))


def date_it(value: dt.date | None) -> str:
    return format_date(value) if value else ""


def target_label(target) -> str:
    """The target as the document wrote it, or rebuilt from its structured fields."""
    if target is None:
        return ""
    if target.text:
        return target.text
    value, value_to = number_it(target.value), number_it(target.value_to)
    labels = {
        "gte": f"≥ {value}",
        "gt": f"> {value}",
        "lte": f"≤ {value}",
        "lt": f"< {value}",
        "eq": f"= {value}",
        "between": f"compreso tra {value} e {value_to}",
        "gte_previous": "≥ anno precedente",
        "gt_previous": "> anno precedente",
        "lte_previous": "≤ anno precedente",
        "lt_previous": "< anno precedente",
        "by_date": f"entro il {date_it(target.target_date)}",
        "value": value,
    }
    return labels.get(target.kind, "")
