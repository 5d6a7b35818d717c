"""Django admin of logins and roles, for the platform ICT: every write goes through
`accounts.services`, which checks it and writes the audit row."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import NON_FIELD_ERRORS

from accounts import services
from accounts.models import Membership, User
from core.exceptions import ServiceError


class MembershipForm(forms.ModelForm):
    """Refuses in the form what `accounts.services` would refuse on saving."""

    class Meta:
        model = Membership
        fields = ("user", "ente", "role", "person")

    def clean(self):
        data = super().clean()
        membership = Membership(
            user_id=getattr(data.get("user"), "pk", None),
            ente=data.get("ente"),
            role=data.get("role") or "",
            person=data.get("person"),
        )
        if membership.ente is not None:
            try:
                services.membership_check(membership)
            except ServiceError as error:
                raise forms.ValidationError(
                    {error.field or NON_FIELD_ERRORS: error.message}
                ) from None
        return data


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    raw_id_fields = ("person",)


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User  # Django's own form names auth.User, which accounts.User replaces


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class PerformaUserAdmin(UserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Performa", {"fields": ("is_platform_admin",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_platform_admin")
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):  # noqa: ARG002 (Django's signature)
        services.account_save(user=request.user, account=obj)

    def delete_model(self, request, obj):
        services.account_delete(user=request.user, account=obj)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            services.account_delete(user=request.user, account=account)

    def save_formset(self, request, form, formset, change):  # noqa: ARG002 (Django's signature)
        _save_memberships(request, formset)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "ente", "role", "person")
    list_filter = ("role", "ente")
    raw_id_fields = ("user", "person")

    def save_model(self, request, obj, form, change):  # noqa: ARG002 (Django's signature)
        services.membership_save(user=request.user, membership=obj)

    def delete_model(self, request, obj):
        services.membership_revoke(user=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_revoke(user=request.user, membership=membership)


def _save_memberships(request, formset) -> None:
    """The inline rows of a login's page, saved and deleted one by one through the services."""
    for membership in formset.save(commit=False):
        services.membership_save(user=request.user, membership=membership)
    for membership in formset.deleted_objects:
        services.membership_revoke(user=request.user, membership=membership)
