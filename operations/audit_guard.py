"""The audit trail is append-only: no page, admin, API or code path changes or deletes a row.

The admin is read-only (core/admin.py) and no page or endpoint writes the trail; this guard
also refuses, at the model level, saving an existing row again or deleting rows. Only the
restore of a backup rewrites the trail (inside `rewriting_allowed()`), replacing the rows its
own imports wrote with the archived ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from core.exceptions import ServiceError
from core.models import AuditEntry

_allowed: ContextVar[bool] = ContextVar("performa_audit_rewrite", default=False)


class AuditTrailImmutable(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "Il registro di audit non si modifica e non si cancella.", code="forbidden"
        )


@contextmanager
def rewriting_allowed() -> Iterator[None]:
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


@receiver(pre_save, sender=AuditEntry, dispatch_uid="performa-audit-no-update")
def _refuse_update(sender, instance: AuditEntry, **kwargs) -> None:
    editing = instance.pk is not None and not kwargs.get("raw") and not _allowed.get()
    if editing and sender.objects.filter(pk=instance.pk).exists():
        raise AuditTrailImmutable()


@receiver(pre_delete, sender=AuditEntry, dispatch_uid="performa-audit-no-delete")
def _refuse_delete(sender, instance: AuditEntry, **kwargs) -> None:
    if not _allowed.get():
        raise AuditTrailImmutable()
