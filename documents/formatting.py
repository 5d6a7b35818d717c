"""Italian formatting of document cells: «1.234,56 €», «60,36 %», «31/03/2024».

Built on `engine.numbers` (the project's one Italian formatter). The non-breaking space keeps a
figure and its symbol on the same line in every writer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engine.numbers import format_date, format_euro, format_number, format_percent

NBSP = "\u00a0"


def number(value: Decimal | int | None, places: int | None = None) -> str:
    if value is None:
        return "—"
    return format_number(Decimal(value), places)


def percent(value: Decimal | int | None) -> str:
    """Percentage points with two places: 60.36 → «60,36 %»."""
    if value is None:
        return "—"
    return format_percent(Decimal(value))


def euro(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return format_euro(Decimal(value))


def date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value)


def cell_text(value, kind: str) -> str:
    """One table cell as people read it; `kind` is a `model.ColumnKind` value."""
    if value is None:
        return "—" if kind != "text" else ""
    if isinstance(value, str):
        return value
    if kind == "percent":
        return percent(value)
    if kind == "euro":
        return euro(value)
    if kind == "date" and isinstance(value, dt.date):
        return date(value)
    if kind == "integer":
        return number(value, 0)
    if isinstance(value, (Decimal, int)):
        return number(value)
    if isinstance(value, dt.date):
        return date(value)
    return str(value)
