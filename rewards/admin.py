"""Django admin for funds and distributions: read-only, for the platform ICT. Funds change and
distributions are computed and finalised only through `rewards.services` (gates and audit)."""

from django.contrib import admin

from rewards.models import Distribution, DistributionLine, Fund


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes made here would bypass the finalisation gates and the audit trail."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ("label", "ente", "year", "kind", "amount", "pool_amount")
    list_filter = ("ente", "year", "kind")


class DistributionLineInline(admin.TabularInline):
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
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
