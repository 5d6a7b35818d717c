"""Who may see and change the invoices and payment indicators of an ente.

* Admins (Segretario/Direttore, ragioneria) import invoices, set the rules, freeze the stock.
* The Nucleo and the Giunta read the indicators, the dashboard and the invoice list (the
  revisori verify the payment-time objective on these figures).
* Responsabili read the indicators and the invoices of the units they lead.
* The public sees only the aggregates of «Pagamenti dell'amministrazione» (no login).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.access import ADMIN, GIUNTA, NUCLEO, RESPONSABILE, EnteAccess, require_access
from engine import tree
from organization.models import Ente, Unit

READERS = (ADMIN, NUCLEO, GIUNTA, RESPONSABILE)


def payments_access(user, ente: Ente) -> EnteAccess:
    access = require_access(user, ente)
    if not access.has(*READERS):
        raise PermissionDenied("Il tuo ruolo non consente di consultare i tempi di pagamento.")
    return access


def can_manage(access: EnteAccess) -> bool:
    """Import invoices, change the rules, freeze the debt stock."""
    return access.has(ADMIN)


def reads_whole_ente(access: EnteAccess) -> bool:
    """Admins, Nucleo and Giunta see every unit; a responsabile only the units they lead."""
    return access.has(ADMIN, NUCLEO, GIUNTA)


def readable_unit_ids(access: EnteAccess) -> set[int] | None:
    """None: every unit; otherwise the units the responsabile leads (and those below them)."""
    if reads_whole_ente(access):
        return None
    if not access.person_ids:
        return set()
    units = list(
        Unit.objects.filter(ente=access.ente).values_list("id", "parent_id", "responsible_id")
    )
    roots = [pk for pk, _, person in units if person in access.person_ids]
    return set(tree.below({pk: parent for pk, parent, _ in units}, roots))
