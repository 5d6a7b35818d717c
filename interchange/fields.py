"""Moving the plain fields of a format object to and from model instances.

In the format and in the models a plain field has the same name, so one loop over the
`spec` does it; references, nested lists and many-to-many fields are handled by the importer
and the exporter themselves.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from interchange import spec

PLAIN_KINDS = frozenset(
    {
        spec.STRING,
        spec.KEY,
        spec.INTEGER,
        spec.DECIMAL,
        spec.DATE,
        spec.DATETIME,
        spec.BOOLEAN,
        spec.ENUM,
        spec.STRING_LIST,
        spec.INTEGER_LIST,
        spec.ENUM_LIST,
        spec.OBJECT,
    }
)


def plain_fields(object_spec: spec.ObjectSpec, skip: frozenset[str] = frozenset()):
    return [f for f in object_spec.fields if f.kind in PLAIN_KINDS and f.name not in skip]


def to_python(fld: spec.Field, value: Any) -> Any:
    if value is None:
        value = fld.default
    if value is None:
        return None
    if fld.kind == spec.DECIMAL:
        return Decimal(value)
    if fld.kind == spec.DATE:
        return dt.date.fromisoformat(value)
    if fld.kind == spec.DATETIME:
        return dt.datetime.fromisoformat(value)
    if isinstance(value, list | dict):
        return type(value)(value)  # never share the default list/dict between rows
    return value


def model_values(
    object_spec: spec.ObjectSpec, item: dict[str, Any], skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Keyword arguments for the model, with the format's defaults for omitted fields."""
    return {f.name: to_python(f, item.get(f.name)) for f in plain_fields(object_spec, skip)}


def to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return spec.format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def document_values(
    object_spec: spec.ObjectSpec, instance: models.Model, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The plain fields of an instance as format values (decimals stay Decimal until the
    canonical pass writes them as plain strings)."""
    return {f.name: to_json(getattr(instance, f.name)) for f in plain_fields(object_spec, skip)}
