"""The template filters of Italian numbers, on top of `engine.numbers` (the one formatter).

They are template builtins (settings.TEMPLATES), so every template has them without `{% load %}`:

* ``{{ value|num }}``: as many decimals as needed, «1.700», «60,36»;
* ``{{ value|num2 }}``: two decimals, «1.700,00», «52,20» (points, weights);
* ``{{ value|percent }}``: «60,36 %» with a non-breaking space; ``percent_short``: «5 %»;
* ``{{ value|euro }}``: «1.234,56 €» with a non-breaking space;
* ``{{ value|date_it }}``: «31/03/2024» (also from an ISO string);
* ``{{ mapping|get_item:key }}``.

Values may be Decimal, int, float or the decimal strings that `to_dict()`/JSON carry («60.36»,
read by `engine.numbers.json_decimal`: these are program values, never text typed by people).
A missing value gives «—» (``num`` gives "", so that ``|default:`` can choose the text).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

from engine.numbers import (
    NBSP,
    format_date,
    format_euro,
    format_number,
    format_percent,
    json_decimal,
)

register = template.Library()

MISSING = "—"


def as_decimal(value: Any) -> Decimal | None:
    """A template value as Decimal, or None when it is missing or not a number."""
    if value is None or value == "":
        return None
    try:
        return json_decimal(value)
    except (TypeError, ValueError):
        return None


@register.filter
def num(value: Any) -> str:
    number = as_decimal(value)
    return "" if number is None else format_number(number)


@register.filter
def num2(value: Any) -> str:
    number = as_decimal(value)
    return MISSING if number is None else format_number(number, 2)


@register.filter
def percent(value: Any) -> str:
    number = as_decimal(value)
    return MISSING if number is None else format_percent(number)


@register.filter
def percent_short(value: Any) -> str:
    """A percentage with only the decimals it needs, «5 %», «0,5 %» (legal rates, shares)."""
    number = as_decimal(value)
    return MISSING if number is None else f"{format_number(number)}{NBSP}%"


@register.filter
def euro(value: Any) -> str:
    number = as_decimal(value)
    return MISSING if number is None else format_euro(number)


@register.filter
def date_it(value: Any) -> str:
    """A date, or the ISO date JSON carries («2024-12-31»), as «31/12/2024»; nothing gives «—»."""
    if isinstance(value, str) and value:
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value) if isinstance(value, dt.date) else MISSING


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None
