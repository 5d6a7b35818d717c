"""The Django admin of Performa: a window for the platform ICT, never a way around the rules.

Every change to the data goes through the services, which validate, run in a transaction and
write the audit trail; a change made in the admin would skip all three. So every model admin is
`ReadOnlyAdmin` (and its inlines `ReadOnlyInline`), except the accounts admin, whose writes
call `accounts.services` (and are audited there).
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Lists and details to read; nothing to add, change or delete."""

    # Django's signatures: the arguments are part of the admin's API even where unused.
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:  # noqa: ARG002
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:  # noqa: ARG002
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:  # noqa: ARG002
        return False


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    """The rows of a related model inside a read-only admin page."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:  # noqa: ARG002
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:  # noqa: ARG002
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:  # noqa: ARG002
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail is written by service functions only."""

    list_display = ("created_at", "ente", "user", "action", "object_type", "object_label")
    list_filter = ("action", "ente")
    search_fields = ("object_label", "action", "object_id")
