"""Who may see and change the funds and the premium distributions of an ente.

* Admins (Segretario/Direttore, ufficio personale) and platform admins create and change the
  funds, compute previews and finalise a distribution.
* The Nucleo di Valutazione reads the distributions, person by person, to check them.
* The Giunta reads only the aggregate tables (art. 20 D.Lgs. 33/2013) through `transparency`;
  responsabili and dipendenti read neither (their own premium reaches them with the payslip).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.access import ADMIN, GIUNTA, NUCLEO, EnteAccess, require_access
from organization.models import Ente

DISTRIBUTION_READERS = (ADMIN, NUCLEO)
AGGREGATE_READERS = (ADMIN, NUCLEO, GIUNTA)


def can_manage_funds(access: EnteAccess) -> bool:
    """Create and change funds, compute previews, finalise distributions."""
    return access.has(ADMIN)


def can_read_distribution(access: EnteAccess) -> bool:
    """Read the distributions with the names of the people (admins and Nucleo)."""
    return access.has(*DISTRIBUTION_READERS)


def can_read_aggregates(access: EnteAccess) -> bool:
    """Read the anonymous art. 20 tables (also the Giunta)."""
    return access.has(*AGGREGATE_READERS)


def rewards_access(user, ente: Ente) -> EnteAccess:
    """The user's access to the rewards of `ente`; PermissionDenied without any role there."""
    access = require_access(user, ente)
    if not can_read_aggregates(access):
        raise PermissionDenied("Il tuo ruolo non consente di consultare i premi.")
    return access
