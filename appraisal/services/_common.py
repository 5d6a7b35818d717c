"""Constants and helpers shared by the appraisal services."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Model

from accounts.access import access_for
from appraisal import access as rules
from appraisal.models import (
    ComponentKind,
    SchedaState,
)
from core.exceptions import AccessDenied
from core.parsing import (
    ensure_free_key,
    free_key,
    parse_key,
)
from engine import appraisal as ea
from organization.models import (
    AbsenceKind,
    Ente,
    Role,
)

HUNDRED = Decimal("100")
ZERO = Decimal("0")
WEIGHT_TOLERANCE = Decimal("0.01")
CENT = Decimal("0.01")

MANAGER_ROLES = frozenset(
    {Role.SEGRETARIO, Role.DIRETTORE, Role.DIRIGENTE, Role.EQ, Role.COMANDANTE}
)
SEGRETARIO_ROLES = frozenset({Role.SEGRETARIO, Role.DIRETTORE})
PROTECTED_LEAVE = frozenset({AbsenceKind.MATERNITY, AbsenceKind.PATERNITY, AbsenceKind.PARENTAL})
PERFORMANCE_KINDS = frozenset(
    {
        ComponentKind.UNIT_PERFORMANCE,
        ComponentKind.ENTE_PERFORMANCE,
        ComponentKind.INDIVIDUAL_OBJECTIVES,
        ComponentKind.GROUP_OBJECTIVES,
    }
)
ENGINE_KIND = {
    ComponentKind.UNIT_PERFORMANCE: ea.ComponentKind.UNIT_PERFORMANCE,
    ComponentKind.ENTE_PERFORMANCE: ea.ComponentKind.ENTE_PERFORMANCE,
    ComponentKind.INDIVIDUAL_OBJECTIVES: ea.ComponentKind.OBJECTIVES,
    ComponentKind.GROUP_OBJECTIVES: ea.ComponentKind.OBJECTIVES,
    ComponentKind.BEHAVIOURS: ea.ComponentKind.BEHAVIOURS,
    ComponentKind.OTHER: ea.ComponentKind.OTHER,
}

# The order of the states, for reopenings (a reopening goes back, never forward).
STATE_ORDER = [
    SchedaState.DRAFT,
    SchedaState.PROPOSED,
    SchedaState.INTERVIEW,
    SchedaState.DELIVERED,
    SchedaState.ACKNOWLEDGED,
    SchedaState.CONTESTED,
    SchedaState.CONCILIATION,
    SchedaState.FINAL,
]
REOPEN_TARGETS = frozenset(
    {SchedaState.DRAFT, SchedaState.PROPOSED, SchedaState.INTERVIEW, SchedaState.DELIVERED}
)

BEHAVIOUR_FIELDS = ("key", "name", "description", "levels", "is_differentiation_capacity", "order")
SCHEME_FIELDS = (
    "key",
    "name",
    "roles",
    "categories",
    "is_managerial",
    "evaluator_kind",
    "max_points",
    "behaviour_scale_min",
    "behaviour_scale_max",
    "negative_threshold",
    "behaviour_conversion",
    "prevalence",
    "contest_days",
    "self_evaluation",
    "minimum_service_days",
    "order",
)
# Scheme fields that may change after schede have been scored (they do not touch the scores).
SCHEME_LABEL_FIELDS = frozenset({"name", "order"})


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _by(user):
    return user if getattr(user, "is_authenticated", False) else None


def _access(user, ente: Ente) -> rules.AppraisalAccess | None:
    """None for system actions (user None); AccessDenied when the user has no role there."""
    if user is None:
        return None
    access = access_for(user, ente)
    if access is None:
        raise AccessDenied("Non hai accesso a questo ente.")
    return rules.build(access)


def _require_admin(user, ente: Ente, what: str) -> None:
    aa = _access(user, ente)
    if aa is not None and not rules.can_manage_schemes(aa):
        raise AccessDenied(f"{what}: operazione riservata all'amministratore dell'ente.")


def _set_key(values, data, instance, siblings, *, label: str, taken: str, fallback: str) -> None:
    """A key typed by the user must be free among `siblings`; a new row without one gets a key
    made from its name. `taken` is the message, with «{key}» standing for the key."""
    others = siblings.exclude(pk=instance.pk) if instance is not None else siblings
    if data.get("key"):
        key = parse_key(data["key"], label=label)
        ensure_free_key(others, key, taken)
        values["key"] = key
    elif instance is None:
        values["key"] = free_key(
            others.values_list("key", flat=True), values["name"], fallback=fallback
        )


def _sync(target: Model, source: Model) -> None:
    """Copy the fields of a re-read row onto the instance the caller holds."""
    if target is source:
        return
    for fld in source._meta.concrete_fields:
        setattr(target, fld.attname, getattr(source, fld.attname))


def state_label(state: str) -> str:
    return SchedaState(state).label if state in SchedaState.values else state
