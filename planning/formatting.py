"""Numbers and dates the Italian way (`11,11`, `1.700`, `31/03/2024`), without locale state."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal


def decimal_it(value: Decimal | int | None, places: int = 2) -> str:
    """`Decimal("1700.5")` → `"1.700,50"`; None → empty string. Rounding is half-up."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def number_it(value: Decimal | int | None) -> str:
    """A quantity with only the decimals it needs: `30.0000` → `30`, `60.3600` → `60,36`."""
    if value is None:
        return ""
    value = Decimal(value)
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)
    return decimal_it(value, places)


def date_it(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def target_label(target) -> str:
    """The target as the document wrote it, or rebuilt from its structured fields."""
    if target is None:
        return ""
    if target.text:
        return target.text
    value, value_to = number_it(target.value), number_it(target.value_to)
    labels = {
        "gte": f"≥ {value}",
        "lte": f"≤ {value}",
        "eq": f"= {value}",
        "between": f"compreso tra {value} e {value_to}",
        "gte_previous": "≥ anno precedente",
        "by_date": f"entro il {date_it(target.target_date)}",
        "value": value,
    }
    return labels.get(target.kind, "")
