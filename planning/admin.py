"""Django admin for the plan: read-mostly, for the platform ICT. Users work in the product UI,
where every change goes through the services and the audit trail."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from planning.models import (
    Cycle,
    Indicator,
    IndicatorGroup,
    ObjectiveVersion,
    OperationalObjective,
    PlanRevision,
    StrategicArea,
    StrategicObjective,
    WeightGroup,
)


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = ("ente", "year", "title", "state", "approval_act_number")
    list_filter = ("state", "ente")


@admin.register(OperationalObjective)
class OperationalObjectiveAdmin(ReadOnlyAdmin):
    list_display = ("title", "cycle", "unit", "weight_group", "weight")
    list_filter = ("cycle__ente", "cycle__year", "kind")
    search_fields = ("title", "code", "key")


@admin.register(WeightGroup)
class WeightGroupAdmin(ReadOnlyAdmin):
    list_display = ("label", "cycle", "kind", "expected_total")


@admin.register(PlanRevision)
class PlanRevisionAdmin(ReadOnlyAdmin):
    list_display = ("cycle", "number", "date", "is_open")


@admin.register(ObjectiveVersion)
class ObjectiveVersionAdmin(ReadOnlyAdmin):
    list_display = ("objective", "number", "revision", "created_at")


admin.site.register([StrategicArea, StrategicObjective, IndicatorGroup, Indicator], ReadOnlyAdmin)
