"""Django admin for the organisation: a fallback for platform administrators.

Day-to-day changes go through the Performa pages, which validate and write the audit trail.
"""

from django.contrib import admin

from organization import models


class MemberEnteInline(admin.TabularInline):
    model = models.MemberEnte
    extra = 0


@admin.register(models.Ente)
class EnteAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "headcount")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "ipa_code", "istat_code")
    inlines = [MemberEnteInline]


class UnitActivityInline(admin.TabularInline):
    model = models.UnitActivity
    extra = 0


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "ente", "kind", "peg_code", "parent")
    list_filter = ("ente", "kind")
    search_fields = ("name", "key", "peg_code")
    list_select_related = ("ente", "parent")
    raw_id_fields = ("parent", "responsible")
    inlines = [UnitActivityInline]


class ParameterValueInline(admin.TabularInline):
    model = models.ParameterValue
    extra = 0


@admin.register(models.Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "unit")
    search_fields = ("name", "key")
    raw_id_fields = ("unit",)
    inlines = [ParameterValueInline]


class EmploymentInline(admin.TabularInline):
    model = models.Employment
    fk_name = "person"
    extra = 0


class AssignmentInline(admin.TabularInline):
    model = models.Assignment
    extra = 0
    raw_id_fields = ("unit",)


class AbsenceInline(admin.TabularInline):
    model = models.Absence
    extra = 0


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "ente", "key")
    list_filter = ("ente",)
    search_fields = ("last_name", "first_name", "key")
    inlines = [EmploymentInline, AssignmentInline, AbsenceInline]


class EvaluationBodyMemberInline(admin.TabularInline):
    model = models.EvaluationBodyMember
    extra = 0
    raw_id_fields = ("person",)


@admin.register(models.EvaluationBody)
class EvaluationBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "ente", "kind", "start_date", "end_date")
    list_filter = ("kind",)
    inlines = [EvaluationBodyMemberInline]
