"""Django admin for funds and distributions: read-only, for the platform ICT. Funds change and
distributions are computed and finalised only through `rewards.services` (gates and audit)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from rewards.models import Distribution, DistributionLine, Fund


@admin.register(Fund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ("label", "ente", "year", "kind", "amount", "pool_amount")
    list_filter = ("ente", "year", "kind")


class DistributionLineInline(ReadOnlyInline):
    model = DistributionLine
    fields = (
        "person",
        "is_eligible",
        "base_amount",
        "bonus_amount",
        "withheld_amount",
        "total_amount",
    )
    readonly_fields = fields


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    list_display = (
        "fund",
        "cycle",
        "state",
        "total_paid",
        "residual",
        "created_at",
        "finalised_at",
    )
    list_filter = ("state", "fund__ente", "fund__year", "fund__kind")
    inlines = [DistributionLineInline]
