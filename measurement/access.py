"""Who may enter, approve and correct values, and run monitoring, in an ente.

* Everyone with a role in the ente reads scores and dashboards.
* Values of an objective's indicator are entered by: admins; the responsabile who leads the
  objective's unit (or a unit above it); the people named among the objective's responsibles;
  the objective's delegates (chosen among the people of the objective's unit and the units
  below it, `delegate_candidates`). Values of an ente- or unit-level indicator (no objective)
  and of a service parameter: admins, or the responsabile who leads that unit (or a unit above it).
* A value is approved by an admin, or by the responsabile leading the unit, but never by the
  same user who entered it (admins excepted: they may approve their own entries).
* Monitoring windows, reminders and SMVP settings: admins only.
* Nucleo/OIV and Giunta only read.

`measurement_access(user, ente)` computes, in a constant number of queries, everything the
rules need; the `can_*` functions are then pure. They also accept the plain `EnteAccess` of
`accounts.access` (as `request.ente_access`), building the rest on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import (
    DIPENDENTE,
    PLAN_READERS,
    RESPONSABILE,
    AppAccess,
    EnteAccess,
    require_access,
)
from measurement.models import Measurement, ObjectiveDelegate
from organization.access import led_unit_ids
from organization.models import Ente, Parameter, Person
from organization.selectors import current_assignments, unit_and_below
from planning.models import Indicator, OperationalObjective, Phase

# Roles that may enter values when the rules below name them (owner, delegate, unit lead).
ENTERING_ROLES = frozenset({RESPONSABILE, DIPENDENTE})


@dataclass(frozen=True)
class MeasurementAccess(AppAccess):
    """A user's rights on the measurement of one ente, computed once per request."""

    owned_objective_ids: frozenset[int] = field(default_factory=frozenset)
    delegated_objective_ids: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None

    @property
    def may_enter(self) -> bool:
        return bool(self.access.roles & ENTERING_ROLES) and bool(self.access.person_ids)


def has_own_deadlines(access: EnteAccess) -> bool:
    """«Le mie scadenze»: the values due from the staff person linked to the account."""
    return bool(access.person_ids)


def measurement_access(user, ente: Ente) -> MeasurementAccess:
    """Rights of `user` in `ente`; PermissionDenied when they have no role there."""
    access = require_access(user, ente, *PLAN_READERS)
    return _build(access, getattr(user, "pk", None))


def _build(access: EnteAccess, user_id: int | None = None) -> MeasurementAccess:
    led: frozenset[int] = frozenset()
    owned: frozenset[int] = frozenset()
    delegated: frozenset[int] = frozenset()
    persons = access.person_ids
    if persons and access.roles & ENTERING_ROLES:
        led = led_unit_ids(access)
        owned = frozenset(
            OperationalObjective.objects.filter(
                cycle__ente=access.ente, responsibles__in=persons
            ).values_list("pk", flat=True)
        )
        delegated = frozenset(
            ObjectiveDelegate.objects.filter(
                objective__cycle__ente=access.ente, person__in=persons
            ).values_list("objective_id", flat=True)
        )
    return MeasurementAccess(
        access=access,
        led_unit_ids=led,
        owned_objective_ids=owned,
        delegated_objective_ids=delegated,
        user_id=user_id,
    )


def _coerce(access: MeasurementAccess | EnteAccess) -> MeasurementAccess:
    if isinstance(access, MeasurementAccess):
        return access
    return _build(access)


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------


def can_read(access: MeasurementAccess | EnteAccess) -> bool:
    """Scores, dashboards, values: every role of the ente."""
    ma = _coerce(access)
    return ma.access.has(*PLAN_READERS)


def can_enter_objective(
    access: MeasurementAccess | EnteAccess, objective: OperationalObjective
) -> bool:
    """Enter values, phase progress and corrective actions of an objective."""
    ma = _coerce(access)
    if ma.is_admin:
        return True
    if not ma.may_enter:
        return False
    return (
        (objective.unit_id is not None and objective.unit_id in ma.led_unit_ids)
        or objective.pk in ma.owned_objective_ids
        or objective.pk in ma.delegated_objective_ids
    )


def _indicator_unit_id(indicator: Indicator) -> int | None:
    if indicator.unit_id is not None:
        return indicator.unit_id
    group = indicator.group if indicator.group_id else None
    return group.unit_id if group is not None else None


def can_enter(access: MeasurementAccess | EnteAccess, indicator: Indicator) -> bool:
    """Enter (and change, while its period is open) a value of `indicator`."""
    ma = _coerce(access)
    if ma.is_admin:
        return True
    if indicator.objective_id is not None:
        return can_enter_objective(ma, indicator.objective)
    unit_id = _indicator_unit_id(indicator)
    return ma.may_enter and unit_id is not None and unit_id in ma.led_unit_ids


def can_enter_parameter(access: MeasurementAccess | EnteAccess, parameter: Parameter) -> bool:
    """Enter a value of a service parameter: admins and the responsabile of the service."""
    ma = _coerce(access)
    return ma.is_admin or (ma.may_enter and parameter.unit_id in ma.led_unit_ids)


def can_update_phase(access: MeasurementAccess | EnteAccess, phase: Phase) -> bool:
    return can_enter_objective(access, phase.objective)


def _subject_unit_id(measurement: Measurement) -> int | None:
    if measurement.parameter_id is not None:
        return measurement.parameter.unit_id
    indicator = measurement.indicator
    if indicator.objective_id is not None:
        return indicator.objective.unit_id
    return _indicator_unit_id(indicator)


def _leads_subject(ma: MeasurementAccess, measurement: Measurement) -> bool:
    if RESPONSABILE not in ma.access.roles:
        return False
    unit_id = _subject_unit_id(measurement)
    return unit_id is not None and unit_id in ma.led_unit_ids


def can_approve(access: MeasurementAccess | EnteAccess, measurement: Measurement) -> bool:
    """Admins; the responsabile leading the unit, unless they entered the value themselves."""
    ma = _coerce(access)
    if ma.is_admin:
        return True
    if not _leads_subject(ma, measurement):
        return False
    return ma.user_id is None or measurement.entered_by_id != ma.user_id


def can_correct(access: MeasurementAccess | EnteAccess, measurement: Measurement) -> bool:
    """Correct a value of a closed window: admins and the responsabile leading the unit."""
    ma = _coerce(access)
    return ma.is_admin or _leads_subject(ma, measurement)


def can_manage_delegates(
    access: MeasurementAccess | EnteAccess, objective: OperationalObjective
) -> bool:
    """Admins, and the responsabile leading the objective's unit or named among its owners."""
    ma = _coerce(access)
    if ma.is_admin:
        return True
    if RESPONSABILE not in ma.access.roles or not ma.person_ids:
        return False
    return (
        objective.unit_id is not None and objective.unit_id in ma.led_unit_ids
    ) or objective.pk in ma.owned_objective_ids


def delegate_candidates(objective: OperationalObjective) -> QuerySet[Person]:
    """Who may be named delegate of `objective`: the people working today in its unit or in a
    unit below it, those leading one of these units, and the objective's responsibles. The
    delegate enters the unit's values, so the choice stays within the unit; an objective of the
    whole ente (no unit) may take anyone of the ente."""
    ente = objective.cycle.ente
    people = Person.objects.filter(ente=ente)
    if objective.unit_id is None:
        return people
    units = unit_and_below(ente, objective.unit_id)
    working = current_assignments(ente, timezone.localdate()).filter(unit_id__in=units)
    return people.filter(
        Q(pk__in=working.values("person_id"))
        | Q(pk__in=ente.units.filter(pk__in=units).values("responsible_id"))
        | Q(pk__in=objective.responsibles.values("pk"))
    )


def can_be_delegate(objective: OperationalObjective, person: Person) -> bool:
    return delegate_candidates(objective).filter(pk=person.pk).exists()


def matching(people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """`people` whose surname, name or key contains every word of `text`, by name."""
    for word in text.split():
        people = people.filter(
            Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(key__icontains=word)
        )
    return people.order_by("last_name", "first_name", "id")


def can_manage_windows(access: MeasurementAccess | EnteAccess) -> bool:
    return _coerce(access).is_admin


def can_send_reminders(access: MeasurementAccess | EnteAccess) -> bool:
    return _coerce(access).is_admin


def can_edit_smvp(access: MeasurementAccess | EnteAccess) -> bool:
    return _coerce(access).is_admin


def can_see_coverage(access: MeasurementAccess | EnteAccess) -> bool:
    """The coverage page (who never updated) is the administrator's view."""
    return _coerce(access).is_admin


def require(allowed: bool, message: str = "Il tuo ruolo non consente questa operazione.") -> None:
    if not allowed:
        raise PermissionDenied(message)
