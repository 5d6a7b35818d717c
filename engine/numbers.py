"""Decimal helpers shared by the engine: conversion, the two roundings, Italian formatting."""

from __future__ import annotations

import re
from collections.abc import Hashable
from contextlib import AbstractContextManager
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
CENT = Decimal("0.01")  # one euro cent: amounts are quantized to it

# Internal precision: every percentage the engine stores or passes on is quantized to 6 places,
# so that results do not depend on the order of long divisions and compare exactly in tests.
INTERNAL_QUANTUM = Decimal("0.000001")
# Presentation precision: what a person reads (and what the documents print) has 2 places.
PRESENTATION_QUANTUM = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """Convert an int, a Decimal or a number typed by a person to Decimal.

    Strings are read by `parse_number`, with the Italian rules («1.700» is 1700, «60,36» is
    60.36). Floats are accepted through their shortest repr (JSON numbers arrive as floats), so 0.1
    becomes Decimal("0.1") and not the binary approximation. Booleans are refused: True is not a
    number. Numbers stored by a program (JSON settings, the interchange format) are read with
    `machine_decimal` instead, since «1.700» there means 1.7.
    """
    if isinstance(value, str):
        return parse_number(value)
    return _from_number(value)


def machine_decimal(value: Any) -> Decimal:
    """Read a number written by a program: a canonical decimal string («-1234.5», «0.125», dot
    as the only separator, no grouping, no exponent), an int, a float or a Decimal.

    This is the reader of stored JSON and of the interchange format, whose strings are what
    `jsonable` writes; text typed by people goes through `parse_number`.
    """
    if isinstance(value, str):
        if len(value) > MAX_TEXT_LENGTH or not _MACHINE.fullmatch(value):
            raise ValueError(f"«{_shown(value)}» non è un numero decimale (es. 1234.5)")
        return Decimal(value)
    return _from_number(value)


def optional_decimal(value: Any) -> Decimal | None:
    """A stored figure that may be missing (a chart bar, a ranking value): None or "" is None,
    otherwise what `machine_decimal` reads; what it refuses is None too — a figure not shown
    rather than a page that fails."""
    if value is None or value == "":
        return None
    try:
        return machine_decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return None


def json_decimal(value: Any) -> Decimal:
    """Read a number inside a JSON document that people may also edit (the SMVP settings, the
    parameters of a distribution): what `machine_decimal` reads, or a text with the decimal
    comma («2,5», «1.234,5») read by `parse_number`. In JSON the dot is a decimal point, so
    «1.700» is 1.7 there, as `jsonable` wrote it.
    """
    if isinstance(value, str) and "," in value:
        return parse_number(value)
    return machine_decimal(value)


def _from_number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("un valore booleano non è un numero")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise TypeError(f"{type(value).__name__} non è un numero")
    if not result.is_finite():
        raise ValueError(f"«{value}» non è un numero finito")
    return result


# -- the Italian number parser ---------------------------------------------------------------------
#
# The rules, for every number a person types anywhere in Performa:
#
# * the comma is the decimal separator and the dot groups thousands: «1.234,56», «1.700» (1700),
#   «-0,5», «,5»; a group after a dot has exactly three digits and the first group one to three,
#   not starting with 0;
# * a single dot that cannot be a thousands separator («11.11», «0.125», «1.7», «1234.5») has
#   only one possible reading, the decimal point, and is read so. The formatter never writes such
#   a text, so the two never disagree: format → parse is the identity;
# * a trailing «%» or «€» (with or without a space) and surrounding spaces are allowed, as the
#   formatter writes them; a leading «+», «-» or «−» gives the sign; spaces (also non-breaking
#   or thin) may group thousands instead of dots, in groups of three: «1 234,5»;
# * everything else is refused with an Italian message rather than guessed: English order
#   («1,234.56»), several commas, dots that do not group by three («1.2.3», «1.23,5»), exponents
#   («1e309»), NaN and infinities, digits of other scripts (Arabic-Indic «١٢»), more than
#   MAX_INTEGER_DIGITS digits before the comma or MAX_FRACTION_DIGITS after it.

NBSP = "\u00a0"  # between a number and its «%» or «€», so that they never wrap apart
MAX_TEXT_LENGTH = 64
MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 10

_SPACES = "\u00a0\u202f\u2009 \t"
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_PLAIN = re.compile(r"[0-9]+")
_SPACE_GROUPED = re.compile(f"[1-9][0-9]{{0,2}}(?:[{_SPACES}][0-9]{{3}})+")
_MACHINE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_SHAPE = re.compile(r"[0-9.,]+")


class NumberError(ValueError):
    """A text is not a number by the Italian rules; the message says why, in Italian."""


def parse_number(text: str) -> Decimal:
    """Read a number typed the Italian way: «1.234,56», «11,11 %», «1.700» (1700), «-0,5».

    See the rules above. Raises `NumberError` (a ValueError) with an Italian message for
    anything else, including the empty text.
    """
    if not isinstance(text, str):
        raise TypeError(f"{type(text).__name__} non è un testo")
    body = text.strip(_SPACES)
    if len(body) > MAX_TEXT_LENGTH:
        raise NumberError(f"«{_shown(text)}» è troppo lungo per essere un numero")
    if body[-1:] in {"%", "€"}:
        body = body[:-1].rstrip(_SPACES)
    elif body[:1] == "€":
        body = body[1:].lstrip(_SPACES)
    if not body:
        raise NumberError("manca il numero")
    negative = body[0] in "-−"
    if body[0] in "+-−":
        body = body[1:]
    integer, fraction = _split(_ungroup_spaces(body, text), text)
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
        raise NumberError(f"«{_shown(text)}» ha troppe cifre")
    # The places typed are kept («2,50» is Decimal("2.50")), as Decimal("2.50") keeps them.
    number = Decimal(f"{integer or '0'}.{fraction}" if fraction else integer)
    return -number if negative and number else number


def _split(body: str, text: str) -> tuple[str, str]:
    """The digits before and after the decimal separator, the grouping dots removed."""
    if not _SHAPE.fullmatch(body):
        raise NumberError(_not_a_number(body, text))
    if "," in body:
        integer, _, fraction = body.partition(",")
        if "," in fraction or "." in fraction:
            raise NumberError(
                f"«{_shown(text)}» non è un numero: la virgola separa i decimali e può "
                "comparire una sola volta, dopo i punti delle migliaia (es. 1.234,56)"
            )
        if not fraction or (integer and not _integer_part(integer)):
            raise NumberError(_grouping(text))
        return integer.replace(".", ""), fraction
    if _GROUPED.fullmatch(body):
        return body.replace(".", ""), ""
    if body.count(".") == 1:
        integer, _, fraction = body.partition(".")
        if fraction and (not integer or _PLAIN.fullmatch(integer)):
            return integer, fraction
    if "." in body:
        raise NumberError(_grouping(text))
    return body, ""


def _ungroup_spaces(body: str, text: str) -> str:
    """«1 234,5» (spaces, also non-breaking or thin, grouping thousands) → «1234,5»."""
    if not any(space in body for space in _SPACES):
        return body
    integer, comma, fraction = body.partition(",")
    if not _SPACE_GROUPED.fullmatch(integer):
        raise NumberError(_not_a_number(body, text))
    return re.sub(f"[{_SPACES}]", "", integer) + comma + fraction


def _integer_part(text: str) -> bool:
    return bool(_PLAIN.fullmatch(text) or _GROUPED.fullmatch(text))


def _not_a_number(body: str, text: str) -> str:
    if any(char.isdigit() and not "0" <= char <= "9" for char in body):
        return f"«{_shown(text)}» non è un numero: usa le cifre da 0 a 9"
    return f"«{_shown(text)}» non è un numero"


def _grouping(text: str) -> str:
    return (
        f"«{_shown(text)}» non è un numero: il punto separa le migliaia a gruppi di tre cifre "
        "e la virgola i decimali (es. 1.234,56)"
    )


def _shown(text: str) -> str:
    return text if len(text) <= 30 else f"{text[:27]}…"


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
    # Every explanation of a large ente calls this ~100,000 times: it avoids the int() and the
    # set() of a plain version where it can, with the same text.
    if places is not None:
        quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
        text = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):.{places}f}"
    else:
        text = _plain(value)
    negative = text[0] == "-"
    if negative:
        text = text[1:]
        if not text.replace(".", "").strip("0"):
            negative = False  # never print "-0"
    integer, _, fraction = text.partition(".")
    if len(integer) > 3:
        integer = f"{int(integer):,}".replace(",", ".")
    text = f"{integer},{fraction}" if fraction else integer
    return f"-{text}" if negative else text


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


def format_percent(value: Decimal, places: int = 2) -> str:
    """A percentage for people: two places, a non-breaking space and the symbol, «60,36 %»."""
    return f"{format_number(value, places)}{NBSP}%"


def format_euro(value: Decimal) -> str:
    """An amount in euro: cents, a non-breaking space and the symbol, «1.234,56 €»."""
    return f"{format_number(value, 2)}{NBSP}€"


def _plain(value: Decimal) -> str:
    # Read from the fixed-point text (cheaper than normalize(): explanation data and premium
    # lines write ~1,000,000 numbers on a large ente); very long or non-finite numbers take the
    # general path, where normalize() applies the context's precision.
    text = f"{value:f}"
    if len(text) > 24 or not value.is_finite():
        return _plain_general(value)
    integer, dot, fraction = text.partition(".")
    if not dot:
        return text
    if len(fraction) > 6:
        # A computed value (67 / 111 × 100) has 28 digits: past the internal precision it is noise.
        integer, _, fraction = f"{internal(value):f}".partition(".")
    fraction = fraction.rstrip("0")
    return f"{integer}.{fraction}" if fraction else integer


def _plain_general(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        value = internal(value)
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return f"{normalized.to_integral_value():f}"
    return f"{normalized:f}"


def json_key(key: Hashable) -> int | str:
    """An identifier as JSON keeps it: ints and strings as they are, anything else as text."""
    return key if isinstance(key, int | str) else str(key)


def jsonable(value: Any) -> Any:
    """Turn explanation data into JSON-ready values: Decimal → string, date → ISO, enum → value."""
    # The exact common types first (a distribution writes ~350,000 values); subclasses, such as
    # the StrEnum choices, go through the checks below.
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is Decimal:
        return _plain(value)
    if kind is dict:
        return {str(key): jsonable(item) for key, item in value.items()}
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


def arithmetic() -> AbstractContextManager[Context]:
    """`with arithmetic(): ...` runs a computation in the engine's own Decimal context."""
    return localcontext(ARITHMETIC)


def format_date(value: date) -> str:
    """A date the Italian way: 31/03/2024."""
    return value.strftime("%d/%m/%Y")
