"""Decimal helpers shared by the engine: conversion, the two roundings, Italian formatting."""

from __future__ import annotations

from datetime import date
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import Enum
from typing import Any

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# Internal precision: every percentage the engine stores or passes on is quantized to 6 places,
# so that results do not depend on the order of long divisions and compare exactly in tests.
INTERNAL_QUANTUM = Decimal("0.000001")
# Presentation precision: what a person reads (and what the documents print) has 2 places.
PRESENTATION_QUANTUM = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """Convert an int, a string ("60.36" or "60,36") or a Decimal to Decimal.

    Floats are accepted through their shortest repr (JSON numbers arrive as floats), so 0.1 becomes
    Decimal("0.1") and not the binary approximation. Booleans are refused: True is not a number.
    """
    if isinstance(value, bool):
        raise TypeError("un valore booleano non è un numero")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"«{value}» non è un numero") from None
    else:
        raise TypeError(f"{type(value).__name__} non è un numero")
    if not result.is_finite():
        raise ValueError(f"«{value}» non è un numero finito")
    return result


def internal(value: Decimal) -> Decimal:
    """Quantize to the engine's internal precision (6 places, half up)."""
    return value.quantize(INTERNAL_QUANTUM, rounding=ROUND_HALF_UP)


def present(value: Decimal) -> Decimal:
    """Round for presentation: 2 places, half up (60.365 → 60.37)."""
    return value.quantize(PRESENTATION_QUANTUM, rounding=ROUND_HALF_UP)


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def format_number(value: Decimal, places: int | None = None) -> str:
    """Write a number the Italian way: "1.700", "60,36", "-0,5".

    With `places` the value is rounded half up to that many places; without, it is written as
    given, without trailing zeros (an input of 67.0000 reads "67").
    """
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{value:.{places}f}"
    else:
        text = _plain(value)
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    grouped = f"{int(integer):,}".replace(",", ".")
    if sign and set(integer + fraction) <= {"0"}:
        sign = ""  # never print "-0"
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def format_percent(value: Decimal) -> str:
    """A percentage for people: two places and the symbol, "60,36 %"."""
    return f"{format_number(value, 2)} %"


def _plain(value: Decimal) -> str:
    # A computed value (67 / 111 × 100) has 28 digits: past the internal precision it is noise.
    if value.as_tuple().exponent < INTERNAL_QUANTUM.as_tuple().exponent:
        value = internal(value)
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return f"{normalized.to_integral_value():f}"
    return f"{normalized:f}"


def jsonable(value: Any) -> Any:
    """Turn explanation data into JSON-ready values: Decimal → string, date → ISO, enum → value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


# The arithmetic context of every public entry point: fixed precision whatever the caller's
# thread-local context is, and errors raised rather than silently producing NaN or Infinity.
ARITHMETIC = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)


def arithmetic():
    """`with arithmetic(): ...` runs a computation in the engine's own Decimal context."""
    return localcontext(ARITHMETIC)


def format_date(value: date) -> str:
    """A date the Italian way: 31/03/2024."""
    return value.strftime("%d/%m/%Y")
