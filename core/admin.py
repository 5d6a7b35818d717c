from django.contrib import admin

from core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by service functions only."""

    list_display = ("created_at", "ente", "user", "action", "object_type", "object_label")
    list_filter = ("action", "ente")
    search_fields = ("object_label", "action", "object_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
