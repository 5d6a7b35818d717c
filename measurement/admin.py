"""Django admin for measurement: read-only, for the platform ICT. Values, windows and
corrections change only through the services, which validate and write the audit trail."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementCorrection,
    MonitoringWindow,
    ObjectiveDelegate,
    Reminder,
    WindowSnapshot,
)


@admin.register(MonitoringWindow)
class MonitoringWindowAdmin(ReadOnlyAdmin):
    list_display = ("label", "cycle", "period_end", "is_final", "state", "closed_at")
    list_filter = ("state", "cycle__ente", "cycle__year")


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "cycle", "period_kind", "period_end", "state", "version")
    list_filter = ("state", "period_kind", "cycle__ente", "cycle__year")
    search_fields = ("indicator__name", "indicator__key", "parameter__key", "note")
    list_select_related = ("cycle__ente", "indicator", "parameter")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "measurement", "content_type", "size", "uploaded_at")


@admin.register(MeasurementCorrection)
class MeasurementCorrectionAdmin(ReadOnlyAdmin):
    list_display = ("measurement", "window", "old_value", "new_value", "corrected_at")


@admin.register(WindowSnapshot)
class WindowSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("window", "created_at")


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "objective", "status", "due_date")
    list_filter = ("status",)


@admin.register(ObjectiveDelegate)
class ObjectiveDelegateAdmin(ReadOnlyAdmin):
    list_display = ("person", "objective")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("person", "cycle", "email", "pending_count", "sent_at")
