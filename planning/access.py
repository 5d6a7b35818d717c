"""Who may read and change the plan of an ente.

* Every role of the ente reads the whole plan.
* Admins (Segretario/Direttore) and platform admins change anything while the cycle is a draft,
  and they alone move the cycle (propose, approve, return to draft, revise, copy).
* A responsabile changes, while the cycle is a draft, the objectives (with their phases,
  indicators and targets) of the units they lead — including the units below them, and the
  objectives shared by one of those units with others — or the objectives that name them among
  the responsibles.
* Once approved the plan changes only under an open revision, and then only admins write:
  a revision is an act of the governing body, not a self-service edit.
* Dipendenti, Nucleo and Giunta only read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from accounts.access import PLAN_READERS, RESPONSABILE, AppAccess, require_access
from organization.access import led_unit_ids
from organization.models import Ente
from planning.models import Cycle, CycleState, OperationalObjective


@dataclass(frozen=True)
class PlanAccess(AppAccess):
    """A user's rights on the plan of one ente, computed once per request."""

    @property
    def is_responsabile(self) -> bool:
        return RESPONSABILE in self.access.roles and bool(self.access.person_ids)


def plan_access(user, ente: Ente) -> PlanAccess:
    """Rights of `user` on the plan of `ente`; PermissionDenied when they have no role there."""
    access = require_access(user, ente, *PLAN_READERS)
    return PlanAccess(access=access, led_unit_ids=led_unit_ids(access))


def can_manage_cycle(pa: PlanAccess) -> bool:
    """Create, propose, approve, return to draft, revise and copy cycles."""
    return pa.is_admin


def can_edit_structure(pa: PlanAccess, cycle: Cycle, *, has_open_revision: bool) -> bool:
    """Strategic areas and objectives, weight groups, cycle data: admins only."""
    if not pa.is_admin:
        return False
    return cycle.state == CycleState.DRAFT or (cycle.is_frozen and has_open_revision)


def objective_unit_ids(objective: OperationalObjective) -> set[int]:
    """Every unit the objective belongs to (its links, prefetched by the plan selectors)."""
    return set(objective.unit_ids())


def _leads(pa: PlanAccess, objective: OperationalObjective) -> bool:
    if objective_unit_ids(objective) & pa.led_unit_ids:
        return True
    responsible_ids = {person.pk for person in objective.responsibles.all()}
    return bool(responsible_ids & pa.person_ids)


def can_edit_objective(
    pa: PlanAccess, objective: OperationalObjective, *, has_open_revision: bool
) -> bool:
    """The objective itself and its phases, indicators and targets."""
    cycle = objective.cycle
    if cycle.state == CycleState.DRAFT:
        return pa.is_admin or (pa.is_responsabile and _leads(pa, objective))
    return pa.is_admin and cycle.is_frozen and has_open_revision


def can_add_objective(
    pa: PlanAccess, cycle: Cycle, *, has_open_revision: bool, unit_id: int | None = None
) -> bool:
    """Add an objective; a responsabile only to a unit they lead (`unit_id=None` asks "any")."""
    if cycle.state == CycleState.DRAFT:
        if pa.is_admin:
            return True
        if not pa.is_responsabile or not pa.led_unit_ids:
            return False
        return unit_id is None or unit_id in pa.led_unit_ids
    return pa.is_admin and cycle.is_frozen and has_open_revision


def require(allowed: bool, message: str = "Il tuo ruolo non consente questa operazione.") -> None:
    if not allowed:
        raise PermissionDenied(message)
