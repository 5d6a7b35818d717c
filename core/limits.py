"""Limits on what reaches the database, checked with Italian messages before it does.

Two layers:

- `loads_json(text)` reads a JSON document refusing, before parsing, nesting deeper than
  `MAX_JSON_DEPTH` and text longer than `MAX_JSON_BYTES` (deep nesting would otherwise
  exhaust the recursion of the parser); `check_json(value)` applies the same limits to data
  already parsed (a form field, a settings dictionary).
- `check_row(instance)`, run before every save of Performa's models (a `pre_save`
  receiver that `connect()` installs; the `security` app calls it at start-up), refuses
  values the database would reject or should never hold: texts beyond their `max_length`
  (or `PERFORMA_MAX_TEXT_CHARS` for unbounded text fields), integers outside the column's
  range, decimals with more digits than the column holds, dates outside the years
  `MIN_YEAR`-`MAX_YEAR`, non-finite numbers, JSON too deep or too large. Each refusal is a
  `ServiceError` naming the field, so the page that called the service shows it next to
  the input.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save

from core.exceptions import ServiceError

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 20 * 1024 * 1024
MAX_JSON_FIELD_BYTES = 8 * 1024 * 1024
MIN_YEAR = 1900
MAX_YEAR = 2200

_INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "PositiveSmallIntegerField": (0, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "PositiveIntegerField": (0, 2147483647),
    "BigIntegerField": (-9223372036854775808, 9223372036854775807),
    "PositiveBigIntegerField": (0, 9223372036854775807),
}


def max_text_chars() -> int:
    return int(getattr(settings, "PERFORMA_MAX_TEXT_CHARS", 20000))


# --- JSON ------------------------------------------------------------------------------------


def json_depth_exceeded(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the brackets of `text` (outside strings) nest deeper than `limit`."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads_json(text: str, *, label: str = "Il documento") -> Any:
    """`json.loads` with limits: a ServiceError (never RecursionError) on hostile input."""
    if len(text) > MAX_JSON_BYTES:
        raise ServiceError(
            f"{label} supera {MAX_JSON_BYTES // (1024 * 1024)} MB: dividilo o riducilo."
        )
    if json_depth_exceeded(text):
        raise ServiceError(
            f"{label} ha più di {MAX_JSON_DEPTH} livelli di annidamento: non è un documento valido."
        )
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:
        raise ServiceError(f"{label} non è JSON valido: {error}.") from error


def _refuse_constant(name: str) -> None:
    raise ValueError(f"il valore {name} non è ammesso")


def _depth(value: Any, limit: int, level: int = 1) -> bool:
    if level > limit:
        return True
    if isinstance(value, dict):
        return any(_depth(v, limit, level + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_depth(v, limit, level + 1) for v in value)
    return False


def check_json(
    value: Any, *, label: str, field: str | None = None, max_bytes: int = MAX_JSON_FIELD_BYTES
) -> None:
    """Refuse parsed JSON that is too deep or too large for a field."""
    if _depth(value, MAX_JSON_DEPTH):
        raise ServiceError(
            f"{label}: più di {MAX_JSON_DEPTH} livelli di annidamento non sono ammessi.",
            field=field,
        )
    try:
        size = len(json.dumps(value, default=str, allow_nan=False))
    except ValueError as error:
        raise ServiceError(f"{label}: numeri non finiti non sono ammessi.", field=field) from error
    if size > max_bytes:
        raise ServiceError(
            f"{label}: al massimo {max_bytes // 1024} kB di impostazioni (ora {size // 1024} kB).",
            field=field,
        )


# --- rows --------------------------------------------------------------------------------------


def _label(field: models.Field) -> str:
    name = str(field.verbose_name or field.name)
    return name[:1].upper() + name[1:]


def _check_text(field: models.Field, value: Any) -> None:
    if not isinstance(value, str):
        return
    limit = field.max_length or (max_text_chars() if isinstance(field, models.TextField) else None)
    if limit is not None and len(value) > limit:
        raise ServiceError(
            f"{_label(field)}: al massimo {limit} caratteri (ne contiene {len(value)}).",
            field=field.name,
        )
    if "\x00" in value:
        raise ServiceError(
            f"{_label(field)}: il testo contiene caratteri non ammessi.", field=field.name
        )


def _check_integer(field: models.Field, value: Any) -> None:
    bounds = _INTEGER_RANGES.get(field.get_internal_type())
    if bounds is None or not isinstance(value, int) or isinstance(value, bool):
        return
    low, high = bounds
    if not low <= value <= high:
        raise ServiceError(
            f"{_label(field)}: {value} è fuori dai valori ammessi ({low}–{high}).",
            field=field.name,
        )


def _check_decimal(field: models.DecimalField, value: Any) -> None:
    if isinstance(value, float):
        value = Decimal(str(value))
    if not isinstance(value, Decimal):
        return
    if not value.is_finite():
        raise ServiceError(f"{_label(field)}: il numero non è finito.", field=field.name)
    integer_digits = field.max_digits - field.decimal_places
    if abs(value) >= Decimal(10) ** integer_digits:
        largest = "9" * integer_digits
        raise ServiceError(
            f"{_label(field)}: il valore è troppo grande (al massimo {integer_digits} cifre "
            f"prima della virgola, cioè meno di {largest},…).",
            field=field.name,
        )


def _check_date(field: models.Field, value: Any) -> None:
    if isinstance(value, dt.date) and not (MIN_YEAR <= value.year <= MAX_YEAR):
        raise ServiceError(
            f"{_label(field)}: la data {value:%d/%m/%Y} non è plausibile (anni {MIN_YEAR}–"
            f"{MAX_YEAR}).",
            field=field.name,
        )


def _finite_float(value: Any) -> bool:
    return not isinstance(value, float) or value - value == 0


def check_row(instance: models.Model) -> None:
    """Every limit of every concrete field of `instance`."""
    for field in instance._meta.concrete_fields:
        if field.is_relation or field.primary_key:
            continue
        value = getattr(instance, field.attname, None)
        if value is None:
            continue
        if isinstance(field, models.CharField | models.TextField):
            _check_text(field, value)
        elif isinstance(field, models.DecimalField):
            _check_decimal(field, value)
        elif isinstance(field, models.DateField):
            _check_date(field, value)
        elif isinstance(field, models.JSONField):
            check_json(value, label=_label(field), field=field.name)
        elif isinstance(field, models.IntegerField):
            _check_integer(field, value)
        elif isinstance(field, models.FloatField) and not _finite_float(value):
            raise ServiceError(f"{_label(field)}: il numero non è finito.", field=field.name)


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return  # fixtures load what a previous save already checked
    if sender._meta.app_label not in _OWN_APPS:
        return
    check_row(instance)


# Performa's own models: third-party tables (sessions, axes, tasks) keep their own rules.
_OWN_APPS = {
    "accounts",
    "appraisal",
    "core",
    "documents",
    "integrations",
    "interchange",
    "measurement",
    "operations",
    "organization",
    "payments",
    "planning",
    "rewards",
    "transparency",
}


def connect() -> None:
    pre_save.connect(_before_save, dispatch_uid="performa-row-limits")
