"""Who may read and write the organisation of an ente.

Every ente role reads the chart; only the ente administrator (Segretario/Direttore) and the
platform administrators write it. Fiscal codes and absences are personal data (GDPR art. 9 for
health-related leave): only administrators, and the person themselves, see them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied

from accounts.access import ADMIN, RESPONSABILE, EnteAccess, access_for, require_access
from core.exceptions import AccessDenied
from organization.models import Ente, Person, Unit


def subtree_ids(units: Iterable[Unit], root_ids: set[int]) -> frozenset[int]:
    """The given units and every unit below them (units of one ente, any order)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit.pk)
    found: set[int] = set()
    stack = list(root_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id in found:
            continue
        found.add(unit_id)
        stack.extend(children.get(unit_id, []))
    return frozenset(found)


def led_unit_ids(access: EnteAccess) -> frozenset[int]:
    """The units a responsabile leads, with every unit below them (one query; none for the
    other roles). The one rule behind «the units this user leads» of planning, measurement and
    appraisal."""
    if RESPONSABILE not in access.roles or not access.person_ids:
        return frozenset()
    units = list(Unit.objects.filter(ente=access.ente).only("pk", "parent_id", "responsible_id"))
    roots = {unit.pk for unit in units if unit.responsible_id in access.person_ids}
    return subtree_ids(units, roots)


def enti_for(user) -> list[Ente]:
    """The enti a user may enter, in name order."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_platform_admin or user.is_superuser:
        return list(Ente.objects.order_by("name"))
    return list(Ente.objects.filter(memberships__user=user).distinct().order_by("name"))


def require_reader(user, ente: Ente) -> EnteAccess:
    """Any role in the ente may read the organisation (raises PermissionDenied otherwise)."""
    return require_access(user, ente)


def require_writer(user, ente: Ente) -> EnteAccess:
    """Only the ente administrator writes organisation data (raises PermissionDenied)."""
    return require_access(user, ente, ADMIN)


def can_write(access: EnteAccess | None) -> bool:
    return access is not None and access.is_admin


def can_see_personal_data(access: EnteAccess | None, person: Person | None = None) -> bool:
    if access is None:
        return False
    if access.is_admin:
        return True
    return person is not None and person.pk in access.person_ids


def ensure_writer(user, ente: Ente) -> None:
    """Service-side guard: the same rule as `require_writer`, as a ServiceError."""
    if not can_write(access_for(user, ente)):
        raise AccessDenied("Solo l'amministratore dell'ente può modificare l'organizzazione.")


def is_platform_admin(user) -> bool:
    """The ICT hosting the enti: creates enti and sees them all."""
    return bool(
        getattr(user, "is_authenticated", False) and (user.is_platform_admin or user.is_superuser)
    )


def require_platform_admin(user) -> None:
    """Raise PermissionDenied (a 403 page) unless `user` is a platform administrator."""
    if not is_platform_admin(user):
        raise PermissionDenied("Solo l'amministratore di piattaforma gestisce gli enti.")
