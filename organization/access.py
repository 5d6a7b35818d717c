"""Who may read and write the organisation of an ente.

Every ente role reads the chart; only the ente administrator (Segretario/Direttore) and the
platform administrators write it. Fiscal codes and absences are personal data (GDPR art. 9 for
health-related leave): only administrators, and the person themselves, see them.
"""

from __future__ import annotations

from accounts.access import ADMIN, EnteAccess, access_for, require_access
from core.exceptions import AccessDenied
from organization.models import Ente, Person


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
