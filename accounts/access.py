"""Who may do what in which ente. Every view and API endpoint asks this module (or the access
module of its own app, which builds on it); nothing else decides access.

This is the access base: with `accounts.models` and `accounts.decorators` it sits below
`organization` in the layers, so every app may build on it. The pages of accounts (login, ente
choice, home) are a layer above planning.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models.signals import post_delete, post_save

from accounts.models import Membership, MembershipRole

if TYPE_CHECKING:  # accounts.access sits below organization: no import at run time
    from organization.models import Ente

ADMIN = MembershipRole.ADMIN
RESPONSABILE = MembershipRole.RESPONSABILE
DIPENDENTE = MembershipRole.DIPENDENTE
NUCLEO = MembershipRole.NUCLEO
GIUNTA = MembershipRole.GIUNTA

# Roles that may read the whole plan of their ente.
PLAN_READERS = frozenset({ADMIN, RESPONSABILE, DIPENDENTE, NUCLEO, GIUNTA})


@dataclass(frozen=True)
class EnteAccess:
    """The roles a user holds in one ente (platform admins hold every role)."""

    ente: Ente
    roles: frozenset[str]
    person_ids: frozenset[int] = field(default_factory=frozenset)
    is_platform_admin: bool = False

    def has(self, *roles: str) -> bool:
        return self.is_platform_admin or any(role in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        return self.has(ADMIN)

    @property
    def person_id(self) -> int | None:
        return min(self.person_ids) if self.person_ids else None


@dataclass(frozen=True)
class AppAccess:
    """The base of each app's rights (`PlanAccess`, `MeasurementAccess`, `AppraisalAccess`):
    the ente access and the units the user leads (`organization.access.led_unit_ids`), computed
    once per request; the app adds its own facts as further fields."""

    access: EnteAccess
    led_unit_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def ente(self) -> Ente:
        return self.access.ente

    @property
    def is_admin(self) -> bool:
        return self.access.has(ADMIN)

    @property
    def is_nucleo(self) -> bool:
        return self.access.has(NUCLEO)

    @property
    def person_ids(self) -> frozenset[int]:
        return self.access.person_ids


# The accesses computed during the current request, keyed by (user, ente, platform flags).
# The decorator, the context processor and the access module of each app ask `access_for` for
# the same pair several times per request; the answer is reused only within one request
# (`CurrentEnteMiddleware` opens and closes the memo around it, and keeps it on the request as
# `request.access_memo`), so a role granted or revoked is seen by the next request. Outside a
# request (services, commands, tests) there is no memo and every call reads the database.
_memo: ContextVar[dict[tuple, EnteAccess | None] | None] = ContextVar(
    "performa_access_memo", default=None
)


@contextmanager
def request_memo(request) -> Iterator[None]:
    """Memoise `access_for` for the duration of `request` (and only for it)."""
    request.access_memo = {}
    token = _memo.set(request.access_memo)
    try:
        yield
    finally:
        _memo.reset(token)


def forget_accesses(**_kwargs) -> None:
    """Drop the accesses memoised in this request: a membership was written, the next check
    reads it again (a role given or taken within a request takes effect at once)."""
    memo = _memo.get()
    if memo:
        memo.clear()


post_save.connect(forget_accesses, sender=Membership, dispatch_uid="accounts.access.forget_save")
post_delete.connect(
    forget_accesses, sender=Membership, dispatch_uid="accounts.access.forget_delete"
)


def access_for(user, ente: Ente) -> EnteAccess | None:
    """The user's access to `ente`, or None when they have no role there."""
    if not getattr(user, "is_authenticated", False):
        return None
    platform = bool(user.is_platform_admin or user.is_superuser)
    memo = _memo.get()
    if memo is None:
        return _read_access(user, ente, platform)
    key = (user.pk, ente.pk, platform)
    if key not in memo:
        memo[key] = _read_access(user, ente, platform)
    return memo[key]


def _read_access(user, ente: Ente, platform: bool) -> EnteAccess | None:
    # Two columns and no ordering: the model's ordering would join the ente to sort by its name,
    # and the roles are a set.
    rows: list[tuple[str, int | None]] = list(
        Membership.objects.filter(user=user, ente=ente).order_by().values_list("role", "person_id")
    )
    roles = frozenset(role for role, _ in rows)
    persons = frozenset(person_id for _, person_id in rows if person_id)
    if not roles and not platform:
        return None
    return EnteAccess(ente=ente, roles=roles, person_ids=persons, is_platform_admin=platform)


def require_access(user, ente: Ente, *roles: str) -> EnteAccess:
    """Access of the user to the ente, holding one of `roles` (any role if none given)."""
    access = access_for(user, ente)
    if access is None:
        raise PermissionDenied("Non hai accesso a questo ente.")
    if roles and not access.has(*roles):
        raise PermissionDenied("Il tuo ruolo non consente questa operazione.")
    return access


def can_manage_people(access: EnteAccess | None) -> bool:
    """The ente administrator (and the platform administrators) manage the accounts of the
    ente, their roles and their API tokens."""
    return access is not None and access.is_admin
