"""Template filters for the payment figures, which are stored as JSON strings.

Numbers, percentages, amounts and dates use the builtins of `core.templatetags.formatting`.
"""

from __future__ import annotations

from django import template

from core.templatetags.formatting import MISSING, as_decimal
from engine.numbers import format_number

register = template.Library()


@register.filter
def days(value) -> str:
    """«12,53 giorni», «-3 giorni»."""
    number = as_decimal(value)
    if number is None:
        return MISSING
    return f"{format_number(number, 2)} giorni"


@register.filter
def wholedays(value) -> str:
    number = as_decimal(value)
    if number is None:
        return MISSING
    return f"{format_number(number, 0)} giorni"
