"""Who may see the cross-ente ranking, and which enti it shows them.

The platform administrator (the ICT of an unione or a province serving many enti) sees every
ente; a user who administers several enti sees only those; nobody else sees it, so the figures
of one ente never reach another ente's users.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import Membership, MembershipRole

MIN_ENTI = 2  # a ranking of one ente compares nothing


def visible_enti(user) -> frozenset[int] | None:
    """The enti the user may rank: None for all of them. Raises PermissionDenied otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Accesso riservato.")
    if user.is_platform_admin or user.is_superuser:
        return None
    administered = frozenset(
        Membership.objects.filter(user=user, role=MembershipRole.ADMIN).values_list(
            "ente_id", flat=True
        )
    )
    if len(administered) < MIN_ENTI:
        raise PermissionDenied(
            "La classifica degli enti è riservata all'amministratore della piattaforma "
            "e a chi amministra più enti."
        )
    return administered
