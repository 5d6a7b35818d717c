"""Writes of accounts: logins and the roles they hold in the enti, each with its audit row.

The Django admin (for the platform ICT) and the pages «Persone e ruoli» of an ente save through
these functions, so that inviting a person, granting or revoking a role and deactivating an
account are always audited («account.invite», «membership.grant», «membership.revoke»,
«account.deactivate»). Passwords never enter the audit trail: only the fact that one was set.

Who: the platform administrators everywhere; the administrator of an ente (Segretario/Direttore)
inside that ente only, and never on an account that also holds roles in another ente.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.access import ADMIN, DIPENDENTE, RESPONSABILE, access_for, can_manage_people
from accounts.models import Membership, MembershipRole, User
from core.audit import audit, diff, state_of
from core.exceptions import AccessDenied, ServiceError

# Roles that act as a staff person (enter values, lead units, are evaluated): they need one.
PERSON_ROLES = frozenset({RESPONSABILE, DIPENDENTE})


def _is_platform_admin(actor) -> bool:
    return bool(actor.is_superuser or actor.is_platform_admin)


def _require_manager(actor, ente) -> None:
    """The platform administrators, or the administrator of `ente` (None: a system action)."""
    if actor is None or _is_platform_admin(actor):
        return
    if not can_manage_people(access_for(actor, ente)):
        raise AccessDenied("Solo l'amministratore dell'ente gestisce le persone e i loro ruoli.")


def _check_role(role: str) -> None:
    if role not in MembershipRole.values:
        raise ServiceError("Scegli un ruolo tra quelli previsti.", field="role")


def _check_person(ente, role: str, person) -> None:
    if person is not None and person.ente_id != ente.pk:
        raise ServiceError(
            "La persona collegata al ruolo appartiene a un altro ente.", field="person"
        )
    if person is None and role in PERSON_ROLES:
        label = MembershipRole(role).label
        raise ServiceError(
            f"Il ruolo «{label}» va collegato a una persona dell'organico: è la persona che "
            "guida le unità, inserisce i valori e riceve la scheda.",
            field="person",
        )


SECRET_FIELDS = ("password",)


def _require_platform_admin(actor) -> None:
    """Logins and roles are managed by the platform ICT (or by a system action, actor None)."""
    if actor is not None and not (actor.is_superuser or actor.is_platform_admin):
        raise AccessDenied("Solo l'amministratore di piattaforma gestisce utenti e ruoli.")


def _account_state(account: User) -> dict:
    data = state_of(account, noise=("last_login",))
    for name in SECRET_FIELDS:
        if name in data:
            # An invited account has no usable password yet: nothing is «set».
            data[name] = "impostata" if data[name] and account.has_usable_password() else ""
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
    """Grant a role in an ente, or change one (the Django admin)."""
    _require_platform_admin(user)
    membership_check(membership)
    before = state_of(Membership.objects.get(pk=membership.pk)) if membership.pk else {}
    membership.save()
    action = "membership.update" if before else "membership.grant"
    audit(user, action, membership, membership.ente, diff(before, state_of(membership)))
    return membership


# ---------------------------------------------------------------------------------------------
# The pages «Persone e ruoli» of an ente
# ---------------------------------------------------------------------------------------------


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ServiceError("Indica il nome utente con cui la persona accederà.", field="username")
    if len(username) > 150 or any(ch.isspace() for ch in username):
        raise ServiceError(
            "Il nome utente non può contenere spazi e non supera i 150 caratteri.",
            field="username",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(f"Il nome utente «{username}» è già in uso.", field="username")
    return username


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise ServiceError(
            "Indica l'indirizzo e-mail: il collegamento per scegliere la password arriva lì.",
            field="email",
        )
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(f"L'indirizzo e-mail «{email}» non è valido.", field="email") from None
    return email


@transaction.atomic
def account_invite(
    *,
    user,
    ente,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    person=None,
) -> User:
    """A new login with a role in `ente` and no password yet: the person chooses it from the
    one-time link of the invitation (`accounts.invitations`). One audit row, «account.invite»."""
    _require_manager(user, ente)
    username = _clean_username(username)
    email = _clean_email(email)
    _check_role(role)
    _check_person(ente, role, person)
    account = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip()[:150],
        last_name=(last_name or "").strip()[:150],
    )
    account.set_unusable_password()
    account.save()
    Membership.objects.create(user=account, ente=ente, role=role, person=person)
    changes = diff({}, _account_state(account))
    changes["role"] = [None, role]
    changes["person"] = [None, person.pk if person else None]
    audit(user, "account.invite", account, ente, changes)
    return account


@transaction.atomic
def membership_grant(*, user, ente, account: User, role: str, person=None) -> Membership:
    """Give `account` a role in `ente` (responsabili and dipendenti: linked to a staff person)."""
    _require_manager(user, ente)
    _check_role(role)
    _check_person(ente, role, person)
    if Membership.objects.filter(user=account, ente=ente, role=role).exists():
        label = MembershipRole(role).label
        raise ServiceError(f"{account} ha già il ruolo «{label}» in questo ente.", field="role")
    membership = Membership.objects.create(user=account, ente=ente, role=role, person=person)
    audit(user, "membership.grant", membership, ente, diff({}, state_of(membership)))
    return membership


@transaction.atomic
def membership_revoke(*, user, membership: Membership) -> None:
    """Take a role away. An ente administrator cannot revoke their own administrator role
    (another administrator does it), so that an ente is never left without one by mistake."""
    _require_manager(user, membership.ente)
    if (
        user is not None
        and membership.user_id == user.pk
        and membership.role == ADMIN
        and not _is_platform_admin(user)
    ):
        raise AccessDenied(
            "Non puoi revocare il tuo ruolo di amministratore: chiedilo a un altro amministratore."
        )
    audit(user, "membership.revoke", membership, membership.ente, diff(state_of(membership), {}))
    membership.delete()


@transaction.atomic
def account_set_active(*, user, ente, account: User, active: bool) -> User:
    """Deactivate an account (it can no longer log in; roles and history stay) or reactivate it."""
    _require_manager(user, ente)
    roles_here = Membership.objects.filter(user=account, ente=ente).exists()
    elsewhere = Membership.objects.filter(user=account).exclude(ente=ente).exists()
    if not roles_here:
        raise AccessDenied("L'account non ha ruoli in questo ente.")
    if user is not None and not _is_platform_admin(user):
        if account.pk == user.pk:
            raise ServiceError("Non puoi disattivare il tuo stesso account.", field="is_active")
        if elsewhere or _is_platform_admin(account):
            raise ServiceError(
                "L'account ha ruoli anche in altri enti: può disattivarlo solo l'amministratore "
                "di piattaforma. Puoi revocare i ruoli che ha in questo ente.",
                field="is_active",
            )
    if account.is_active == active:
        return account
    before = _account_state(account)
    account.is_active = active
    account.save(update_fields=["is_active"])
    action = "account.activate" if active else "account.deactivate"
    audit(user, action, account, ente, diff(before, _account_state(account)))
    return account


# ---------------------------------------------------------------------------------------------
# The user's own preferences
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def digest_preference_set(*, user, enabled: bool) -> User:
    """The user asks for (or stops) the weekly e-mail of «Cosa devo fare»; only for themselves.
    A digest needs an address to go to."""
    if not getattr(user, "is_authenticated", False):
        raise AccessDenied("Accedi per scegliere le tue preferenze.")
    account = User.objects.select_for_update().get(pk=user.pk)
    if enabled and not account.email:
        raise ServiceError(
            "Per ricevere il riepilogo serve un indirizzo e-mail: chiedi all'amministratore "
            "dell'ente di indicarlo nel tuo account.",
            field="weekly_digest",
        )
    if account.weekly_digest == enabled:
        return account
    before = {"weekly_digest": account.weekly_digest}
    account.weekly_digest = enabled
    account.save(update_fields=["weekly_digest"])
    audit(user, "account.digest", account, None, diff(before, {"weekly_digest": enabled}))
    user.weekly_digest = enabled
    return account
