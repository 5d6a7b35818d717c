"""The audit trail's helpers: what a row looked like (`state_of`), what changed (`diff`), and the
entry every service function writes (`audit`, or `record` with keywords).

The usual shape of a write::

    before = state_of(objective)
    ...change and save...
    audit(user, "objective.update", objective, ente, diff(before, state_of(objective)))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


# Fields that change on every save: in an audit row they would only be noise.
NOISE_FIELDS = ("updated_at",)


def state_of(instance: models.Model, *, noise: Iterable[str] = NOISE_FIELDS) -> dict[str, Any]:
    """The stored values of an instance for an audit diff or a version snapshot: decimals at
    their field's places, so that `70` and `70.00` compare equal; `noise` fields left out."""
    data = snapshot(instance)
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and value is not None:
            places = field.decimal_places or 0
            data[field.attname] = str(Decimal(value).quantize(Decimal(1).scaleb(-places)))
    for name in noise:
        data.pop(name, None)
        data.pop(f"{name}_id", None)
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Only what changed, as {field: [old, new]}."""
    keys = set(before) | set(after)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def audit(
    user: Any,
    action: str,
    obj: models.Model | None,
    ente: Any = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """`record` in the positional form the services use: who, what, on which row, in which ente."""
    return record(user=user, action=action, obj=obj, ente=ente, changes=changes)


def record(
    *,
    user: Any,
    action: str,
    obj: models.Model | None = None,
    ente: Any = None,
    changes: dict[str, Any] | None = None,
    object_type: str | None = None,
) -> AuditEntry:
    """Write one audit entry; `user` None (or anonymous) is the system (commands, imports)."""
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
