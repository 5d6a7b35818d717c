"""What service functions read from a form, a command or an API call, checked once.

Each reader takes the raw value (a text a person typed, or a value a program passed), converts
it and raises `ServiceError` with an Italian message that names the field by its label («Peso:
«1,2.3» non è un numero…») and carries the field's name for the form. Numbers typed by people
follow the Italian rules of `engine.numbers.parse_number` («1.700» is 1700); Decimal, int and
float values from programs are taken as they are.

Empty input (None or blank text) reads as None, or is refused with «valore obbligatorio» when
`required=True`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify

from core.exceptions import ServiceError
from engine.numbers import CENT, NumberError, format_date, format_number, to_decimal

# Dates outside this range are typing mistakes (01/01/0001, 2204 for 2024), not plans.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
# The longest text a single-line field takes when its model does not say otherwise.
DEFAULT_MAX_LENGTH = 10_000
KEY_MAX_LENGTH = 80
# The largest amount the money fields take (12 digits, 2 of them decimals).
MAX_AMOUNT = Decimal("9999999999.99")

_PLACES_WORDS = {0: "nessun decimale", 1: "un decimale", 2: "due decimali", 4: "quattro decimali"}
_TRUE = frozenset({"1", "true", "on", "sì", "si", "yes"})


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_decimal(
    value: Any,
    *,
    label: str,
    field: str | None = None,
    required: bool = False,
    places: int | None = None,
    low: Decimal | int | None = None,
    high: Decimal | int | None = None,
) -> Decimal | None:
    """A number, with at most `places` decimals and within [low, high] when given."""
    if is_blank(value):
        if required:
            raise ServiceError(f"{label}: valore obbligatorio.", field=field)
        return None
    try:
        number = to_decimal(value)
    except NumberError as exc:
        raise ServiceError(f"{label}: {exc}.", field=field) from None
    except (TypeError, ValueError):
        raise ServiceError(f"{label}: «{value}» non è un numero.", field=field) from None
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        words = _PLACES_WORDS.get(places, f"{places} decimali")
        raise ServiceError(f"{label} ammette al massimo {words}.", field=field)
    _check_range(number, label=label, field=field, low=low, high=high)
    return number


def required_decimal(value: Any, **options: Any) -> Decimal:
    """`parse_decimal` with `required=True`, typed as never None."""
    number = parse_decimal(value, required=True, **options)
    assert number is not None
    return number


def parse_percent(
    value: Any, *, label: str, field: str | None = None, required: bool = False, places: int = 2
) -> Decimal | None:
    """A percentage between 0 and 100, at most two decimals by default."""
    return parse_decimal(
        value, label=label, field=field, required=required, places=places, low=0, high=100
    )


def parse_integer(
    value: Any,
    *,
    label: str,
    field: str | None = None,
    required: bool = True,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    """A whole number («1.700» is 1700), within [low, high] when given."""
    try:
        number = parse_decimal(value, label=label, field=field, required=required)
    except ServiceError as exc:
        if is_blank(value):
            raise
        raise ServiceError(f"{label}: «{value}» non è un numero intero.", field=field) from exc
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ServiceError(f"{label}: «{value}» non è un numero intero.", field=field)
    _check_range(number, label=label, field=field, low=low, high=high)
    return int(number)


def _check_range(
    number: Decimal,
    *,
    label: str,
    field: str | None,
    low: Decimal | int | None,
    high: Decimal | int | None,
) -> None:
    if (low is None or number >= low) and (high is None or number <= high):
        return
    typed = format_number(number)
    raise ServiceError(f"{label} {range_text(low, high)} (indicato {typed}).", field=field)


def range_text(low: Decimal | int | None, high: Decimal | int | None) -> str:
    """«deve essere compreso tra 0 e 100», «non può superare 100»… (no final stop)."""
    if low is not None and high is not None:
        return (
            f"deve essere compreso tra {format_number(Decimal(low))} e "
            f"{format_number(Decimal(high))}"
        )
    if low is not None:
        return f"non può essere inferiore a {format_number(Decimal(low))}"
    return f"non può superare {format_number(Decimal(high or 0))}"


def lenient_decimal(raw: Any, *, reader: Callable[[Any], Decimal] = to_decimal) -> Decimal | None:
    """A number typed on a page or given to a command (Italian rules), or None when it is none.

    For checks that gather every problem before refusing (`FieldChecker`); `reader` may be
    `engine.numbers.json_decimal` for the values of a JSON document."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        return reader(raw)
    except (TypeError, ValueError):
        return None


def parse_amount(
    value: Any,
    what: str,
    field: str | None = None,
    *,
    required: bool = True,
    high: Decimal = MAX_AMOUNT,
) -> Decimal | None:
    """An amount in euros with at most two decimals, not negative; `what` names it as the
    subject of the sentence («L'importo del fondo è obbligatorio.»)."""
    if is_blank(value):
        if required:
            raise ServiceError(f"{what} è obbligatorio.", field=field)
        return None
    amount = lenient_decimal(value)
    if amount is None:
        raise ServiceError(f"{what}: «{value}» non è un importo.", field=field)
    if amount < 0:
        raise ServiceError(f"{what} non può essere negativo.", field=field)
    if amount != amount.quantize(CENT):
        raise ServiceError(f"{what} ammette al massimo due decimali (centesimi).", field=field)
    if amount > high:
        raise ServiceError(f"{what} è troppo grande.", field=field)
    return amount.quantize(CENT)


class FieldChecker:
    """Checks the keys of a dict of settings and gathers one Italian message per wrong key in
    `errors` instead of stopping at the first, for forms and files that show them all at once.
    Each method returns the converted value, or None when the key is wrong."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def number(
        self,
        key: str,
        *,
        low: Decimal | None = None,
        high: Decimal | None = None,
        optional: bool = False,
        message: str = "",
    ) -> Decimal | None:
        raw = self.data.get(key)
        if raw in (None, "") and optional:
            return None
        value = lenient_decimal(raw)
        if value is None:
            self.errors[key] = f"«{raw}» non è un numero."
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.errors[key] = message or range_text(low, high) + "."
            return None
        return value

    def integer(
        self, key: str, *, low: int, high: int | None, optional: bool = False
    ) -> int | None:
        raw = self.data.get(key)
        if raw in (None, "") and optional:
            return None
        value = lenient_decimal(raw)
        if value is None or value != value.to_integral_value():
            self.errors[key] = f"«{raw}» non è un numero intero."
            return None
        number = int(value)
        if number < low or (high is not None and number > high):
            self.errors[key] = range_text(low, high) + "."
            return None
        return number

    def flag(self, key: str) -> bool | None:
        raw = self.data.get(key)
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in {"true", "false", "1", "0", "sì", "si", "no"}:
            return raw.lower() in {"true", "1", "sì", "si"}
        self.errors[key] = "deve essere vero o falso."
        return None


def parse_date(
    value: Any,
    *,
    label: str,
    field: str | None = None,
    required: bool = False,
    earliest: dt.date = EARLIEST_DATE,
    latest: dt.date = LATEST_DATE,
) -> dt.date | None:
    """A date: a `date`, ISO «2024-03-31» or Italian «31/03/2024», within a plausible range."""
    if is_blank(value):
        if required:
            raise ServiceError(f"{label}: valore obbligatorio.", field=field)
        return None
    day = _as_date(value)
    if day is None:
        raise ServiceError(f"{label}: «{value}» non è una data valida.", field=field)
    if not earliest <= day <= latest:
        raise ServiceError(
            f"{label}: la data {format_date(day)} è fuori dall'intervallo ammesso "
            f"({format_date(earliest)}–{format_date(latest)}).",
            field=field,
        )
    return day


def required_date(value: Any, **options: Any) -> dt.date:
    """`parse_date` with `required=True`, typed as never None."""
    day = parse_date(value, required=True, **options)
    assert day is not None
    return day


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def clean_text(
    value: Any, *, label: str = "Il testo", field: str | None = None, max_length: int | None = None
) -> str:
    """A text without surrounding spaces ('' for None), refused when longer than `max_length`."""
    text = str(value if value is not None else "").strip()
    limit = DEFAULT_MAX_LENGTH if max_length is None else max_length
    if len(text) > limit:
        raise ServiceError(
            f"{label}: al massimo {format_number(Decimal(limit))} caratteri "
            f"(indicati {format_number(Decimal(len(text)))}).",
            field=field,
        )
    return text


def required_text(
    value: Any, message: str, field: str | None = None, *, max_length: int | None = None
) -> str:
    """A text that must not be blank; `message` is the whole Italian sentence shown if it is."""
    text = clean_text(value, label=message.rstrip("."), field=field, max_length=max_length)
    if not text:
        raise ServiceError(message, field=field)
    return text


def parse_key(
    value: Any, *, label: str = "", field: str = "key", max_length: int = KEY_MAX_LENGTH
) -> str:
    """A key that names a row in files and addresses («polizia-locale»): required, only
    lower-case letters, digits and hyphens. `label` names the row or the field («Comportamento»).
    """
    lead = f"{label}: la chiave" if label else "La chiave"
    key = required_text(value, f"{lead} è obbligatoria.", field)
    if slugify(key) != key or len(key) > max_length:
        raise ServiceError(
            f"{lead} «{key}» non è valida: usa solo lettere minuscole, cifre e trattini "
            f"(al massimo {max_length} caratteri).",
            field=field,
        )
    return key


def ensure_free_key(
    queryset: QuerySet[Any], key: str, message: str, *, exclude_pk: int | None = None
) -> None:
    """Refuse `key` when another row of `queryset` has it; `message` may name the other row as
    «{other}» and the key as «{key}»."""
    others = queryset.exclude(pk=exclude_pk) if exclude_pk is not None else queryset
    clash = others.filter(key=key).first()
    if clash is not None:
        raise ServiceError(message.format(key=key, other=clash), field="key")


def parse_flag(value: Any) -> bool:
    """A yes/no from a form or a command: «1», «true», «on», «sì» are yes."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def free_key(
    taken: Iterable[str], text: str, *, fallback: str = "voce", max_length: int = KEY_MAX_LENGTH
) -> str:
    """A slug of `text` (or `fallback`) not in `taken`: «controlli», then «controlli-2», …

    A set is used as it is (a bulk import keeps one and adds to it), anything else is copied."""
    used = taken if isinstance(taken, set | frozenset) else set(taken)
    base = slugify(text)[: max_length - 10].strip("-") or fallback
    if base not in used:
        return base
    number = 2
    while f"{base}-{number}" in used:
        number += 1
    return f"{base}-{number}"


def unique_key(
    queryset: QuerySet[Any],
    text: str,
    *,
    fallback: str = "voce",
    exclude_pk: int | None = None,
    max_length: int = KEY_MAX_LENGTH,
) -> str:
    """`free_key` among the `key` values of `queryset` (one query)."""
    others = queryset.exclude(pk=exclude_pk) if exclude_pk is not None else queryset
    base = slugify(text)[: max_length - 10].strip("-") or fallback
    taken = others.filter(key__startswith=base).values_list("key", flat=True)
    return free_key(taken, text, fallback=fallback, max_length=max_length)
