from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("person",)


@admin.register(User)
class PerformaUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Performa", {"fields": ("is_platform_admin",)}),)
    list_display = ("username", "email", "first_name", "last_name", "is_platform_admin")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "ente", "role", "person")
    list_filter = ("role", "ente")
    raw_id_fields = ("user", "person")
