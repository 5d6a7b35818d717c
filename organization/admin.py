"""Django admin for the organisation: read-only, for the platform ICT.

Units, people, employments and assignments change on the Organizzazione pages (and through
`create_ente`, `import_cycle`), which validate and write the audit trail.
"""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from organization import models


class MemberEnteInline(ReadOnlyInline):
    model = models.MemberEnte


@admin.register(models.Ente)
class EnteAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "kind", "headcount")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "ipa_code", "istat_code")
    inlines = [MemberEnteInline]


class UnitActivityInline(ReadOnlyInline):
    model = models.UnitActivity


@admin.register(models.Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "ente", "kind", "peg_code", "parent")
    list_filter = ("ente", "kind")
    search_fields = ("name", "key", "peg_code")
    list_select_related = ("ente", "parent")
    raw_id_fields = ("parent", "responsible")
    inlines = [UnitActivityInline]


class ParameterValueInline(ReadOnlyInline):
    model = models.ParameterValue


@admin.register(models.Parameter)
class ParameterAdmin(ReadOnlyAdmin):
    list_display = ("name", "key", "unit")
    search_fields = ("name", "key")
    raw_id_fields = ("unit",)
    inlines = [ParameterValueInline]


class EmploymentInline(ReadOnlyInline):
    model = models.Employment
    fk_name = "person"


class AssignmentInline(ReadOnlyInline):
    model = models.Assignment
    raw_id_fields = ("unit",)


class AbsenceInline(ReadOnlyInline):
    model = models.Absence


@admin.register(models.Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("last_name", "first_name", "ente", "key")
    list_filter = ("ente",)
    search_fields = ("last_name", "first_name", "key")
    inlines = [EmploymentInline, AssignmentInline, AbsenceInline]


class EvaluationBodyMemberInline(ReadOnlyInline):
    model = models.EvaluationBodyMember
    raw_id_fields = ("person",)


@admin.register(models.EvaluationBody)
class EvaluationBodyAdmin(ReadOnlyAdmin):
    list_display = ("name", "ente", "kind", "start_date", "end_date")
    list_filter = ("kind",)
    inlines = [EvaluationBodyMemberInline]
