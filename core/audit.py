"""Helpers that service functions use to record audit entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from core.models import AuditEntry


def _plain(value: Any) -> Any:
    """Turn model field values into JSON-friendly data for the audit trail."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of an instance, keyed by attribute name."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = _plain(getattr(instance, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Only what changed, as {field: [old, new]}."""
    keys = set(before) | set(after)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def record(
    *,
    user,
    action: str,
    obj: models.Model | None = None,
    ente=None,
    changes: dict[str, Any] | None = None,
    object_type: str | None = None,
) -> AuditEntry:
    if ente is None and obj is not None:
        ente = getattr(obj, "ente", None)
    return AuditEntry.objects.create(
        ente=ente,
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        changes=changes or {},
    )
