"""Writes of accounts: logins and the roles they hold in the enti, each with its audit row.

The Django admin (for the platform ICT) saves through these functions, so that granting or
revoking a role is always audited («membership.grant», «membership.revoke»). Passwords never
enter the audit trail: only the fact that one was set.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Membership, User
from core.audit import audit, diff, state_of
from core.exceptions import AccessDenied, ServiceError

SECRET_FIELDS = ("password",)


def _require_platform_admin(actor) -> None:
    """Logins and roles are managed by the platform ICT (or by a system action, actor None)."""
    if actor is not None and not (actor.is_superuser or actor.is_platform_admin):
        raise AccessDenied("Solo l'amministratore di piattaforma gestisce utenti e ruoli.")


def _account_state(account: User) -> dict:
    data = state_of(account, noise=("last_login",))
    for name in SECRET_FIELDS:
        if name in data:
            data[name] = "impostata" if data[name] else ""
    return data


@transaction.atomic
def account_save(*, user, account: User) -> User:
    """Create or update a login (its fields already set by the caller, e.g. the admin form)."""
    _require_platform_admin(user)
    before = _account_state(User.objects.get(pk=account.pk)) if account.pk else {}
    account.save()
    action = "account.update" if before else "account.create"
    audit(user, action, account, None, diff(before, _account_state(account)))
    return account


@transaction.atomic
def account_delete(*, user, account: User) -> None:
    _require_platform_admin(user)
    before = _account_state(account)
    audit(user, "account.delete", account, None, diff(before, {}))
    account.delete()


def membership_check(membership: Membership) -> None:
    """The person linked to a role must belong to the role's ente."""
    person = membership.person
    if person is not None and person.ente_id != membership.ente_id:
        raise ServiceError(
            "La persona collegata al ruolo appartiene a un altro ente.", field="person"
        )


@transaction.atomic
def membership_save(*, user, membership: Membership) -> Membership:
    """Grant a role in an ente, or change one."""
    _require_platform_admin(user)
    membership_check(membership)
    before = state_of(Membership.objects.get(pk=membership.pk)) if membership.pk else {}
    membership.save()
    action = "membership.update" if before else "membership.grant"
    audit(user, action, membership, membership.ente, diff(before, state_of(membership)))
    return membership


@transaction.atomic
def membership_revoke(*, user, membership: Membership) -> None:
    _require_platform_admin(user)
    audit(user, "membership.revoke", membership, membership.ente, diff(state_of(membership), {}))
    membership.delete()
