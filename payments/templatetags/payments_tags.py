"""Template filters for the payment figures, which are stored as JSON strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template

from engine.numbers import format_date, format_euro, format_number, format_percent

register = template.Library()
DASH = "—"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def euro(value) -> str:
    """«1.234,56 €»; a dash when there is no value."""
    number = _decimal(value)
    return DASH if number is None else format_euro(number)


@register.filter
def days(value) -> str:
    """«12,53 giorni», «-3 giorni»."""
    number = _decimal(value)
    if number is None:
        return DASH
    return f"{format_number(number, 2)} giorni"


@register.filter
def wholedays(value) -> str:
    number = _decimal(value)
    if number is None:
        return DASH
    return f"{format_number(number, 0)} giorni"


@register.filter
def percent(value) -> str:
    number = _decimal(value)
    return DASH if number is None else format_percent(number)


@register.filter
def number(value) -> str:
    value = _decimal(value)
    return DASH if value is None else format_number(value)


@register.filter
def itdate(value) -> str:
    """An ISO date (as stored in JSON) or a date, as «31/12/2024»."""
    if not value:
        return DASH
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def dec2(value) -> str:
    """A number with two decimals: «7,11», «-25,29»."""
    number = _decimal(value)
    return DASH if number is None else format_number(number, 2)
