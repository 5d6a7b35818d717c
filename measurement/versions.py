"""The data version of an ente's scores: bumped by every write the scores depend on.

A write gets a new `ScoreVersion.token` for its ente in the same transaction, so a reader sees
either the old data with the old token or the new data with the new one, never the new token
with the old data (`measurement.stored` keys the computed scores by the token).

Two hooks bump it, connected in `MeasurementConfig.ready()`:

- every audit row (`core.audit`): each service function writes one, naming the ente, in the
  transaction of its write; this covers deletions and bulk writes inside services;
- saves and deletions of the rows the scores are computed from (ente and its settings, units,
  people, parameters and their values, cycle, levels, weight groups, objectives and their units
  and responsibles, phases, indicators, targets, windows, snapshots, measurements), so that
  the importer and direct writes (tests, the shell) bump it too.

Inside a transaction the token changes once per ente (the readers see only the committed
state, so once is enough); the rows that were deleted in bulk by a cascade are covered by the
save or deletion that started it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from core.models import AuditEntry
from measurement.models import Measurement, MonitoringWindow, ScoreVersion, WindowSnapshot
from organization.models import Ente, Parameter, ParameterValue, Person, Unit
from planning.models import (
    Cycle,
    Indicator,
    ObjectiveUnit,
    OperationalObjective,
    OrganisationalPerformanceLevel,
    Phase,
    Target,
    WeightGroup,
)


class _Marker:
    """An on-commit callback that does nothing: while Django still holds it, the transaction
    (or savepoint) it was registered in has neither committed nor rolled back."""

    def __call__(self) -> None:
        return None


def _pending(connection: Any, marker: _Marker | None) -> bool:
    return marker is not None and any(entry[1] is marker for entry in connection.run_on_commit)


class _Transaction:
    """What one transaction has bumped, and the ente of the rows it resolved."""

    def __init__(self) -> None:
        self.marker = _Marker()
        self.bumped: dict[int, _Marker] = {}
        self.ente_of: dict[tuple[str, int], int | None] = {}


def _state(connection: Any) -> _Transaction | None:
    """The state of the current transaction; None outside one (autocommit)."""
    if not connection.in_atomic_block:
        return None
    state = getattr(connection, "_performa_scores", None)
    if state is None or not _pending(connection, state.marker):
        state = _Transaction()
        connection._performa_scores = state
        transaction.on_commit(state.marker, using=connection.alias)
    return state


def token_of(ente_id: int) -> str | None:
    """The ente's committed data token (one small query), or None when it has none."""
    rows = ScoreVersion.objects.filter(ente_id=ente_id).values_list("token", flat=True)
    return rows.first()


def bumped_in_transaction(ente_id: int, using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the current transaction has changed the ente's data (not committed yet)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return False
    state = getattr(connection, "_performa_scores", None)
    return state is not None and _pending(connection, state.bumped.get(ente_id))


def bump(ente_id: int | None, using: str = DEFAULT_DB_ALIAS, *, create: bool = True) -> None:
    """A new data version for the ente (once per transaction). Without `create` an ente with
    no version row is left alone (a deletion: the ente itself may be going)."""
    if ente_id is None:
        return
    connection = connections[using]
    state = _state(connection)
    if state is not None and _pending(connection, state.bumped.get(ente_id)):
        return
    token = uuid.uuid4().hex
    manager = ScoreVersion.objects.using(using)
    if not manager.filter(ente_id=ente_id).update(token=token, changed_at=timezone.now()):
        if not create:
            return
        manager.update_or_create(ente_id=ente_id, defaults={"token": token})
    if state is not None:
        marker = _Marker()
        transaction.on_commit(marker, using=using)  # dropped with a rolled-back savepoint
        state.bumped[ente_id] = marker


# -- which ente a row belongs to ---------------------------------------------------------------

EnteOf = Callable[[Any, str], "int | None"]


def _through(model: type[models.Model], path: str) -> Callable[[int, str], int | None]:
    def resolve(pk: int, using: str) -> int | None:
        rows = model._default_manager.using(using).filter(pk=pk)
        return rows.values_list(path, flat=True).first()

    return resolve


_cycle_ente = _through(Cycle, "ente_id")
_objective_ente = _through(OperationalObjective, "cycle__ente_id")
_PARENTS: dict[str, Callable[[int, str], int | None]] = {
    "cycle": _cycle_ente,
    "objective": _objective_ente,
    "indicator": _through(Indicator, "cycle__ente_id"),
    "unit": _through(Unit, "ente_id"),
    "parameter": _through(Parameter, "unit__ente_id"),
    "window": _through(MonitoringWindow, "cycle__ente_id"),
}


def _by_parent(field: str) -> EnteOf:
    resolve = _PARENTS[field]

    def ente_of(instance: Any, using: str) -> int | None:
        parent_id = getattr(instance, f"{field}_id")
        if parent_id is None:
            return None
        state = _state(connections[using])
        if state is None:
            return resolve(parent_id, using)
        key = (field, parent_id)
        if key not in state.ente_of:
            state.ente_of[key] = resolve(parent_id, using)
        return state.ente_of[key]

    return ente_of


def _own_ente(instance: Any, using: str) -> int | None:  # noqa: ARG001 (one signature)
    return instance.ente_id


WATCHED: dict[type[models.Model], EnteOf] = {
    Unit: _own_ente,
    Person: _own_ente,
    Cycle: _own_ente,
    Parameter: _by_parent("unit"),
    ParameterValue: _by_parent("parameter"),
    OrganisationalPerformanceLevel: _by_parent("cycle"),
    WeightGroup: _by_parent("cycle"),
    OperationalObjective: _by_parent("cycle"),
    ObjectiveUnit: _by_parent("objective"),
    Phase: _by_parent("objective"),
    Indicator: _by_parent("cycle"),
    Target: _by_parent("indicator"),
    MonitoringWindow: _by_parent("cycle"),
    WindowSnapshot: _by_parent("window"),
    Measurement: _by_parent("cycle"),
}
# Deletions are watched only on a few rows: a watched model cannot be deleted in bulk by a
# cascade (Django loads every row to send the signal), which made `import_cycle --replace`
# twice as slow. The services' deletions bump through their audit row.
DELETIONS = (Cycle, MonitoringWindow, WindowSnapshot)


def _on_save(sender, instance, using, raw=False, **kwargs) -> None:
    if raw:
        return  # fixtures loaded as they are
    bump(WATCHED[sender](instance, using), using)


def _on_delete(sender, instance, using, **kwargs) -> None:
    bump(WATCHED[sender](instance, using), using, create=False)


def _on_ente_save(sender, instance, using, created, raw=False, **kwargs) -> None:  # noqa: ARG001
    if raw:
        return
    if created:
        ScoreVersion.objects.using(using).get_or_create(
            ente_id=instance.pk, defaults={"token": uuid.uuid4().hex}
        )
    else:
        bump(instance.pk, using)


def _on_audit(sender, instance, using, created, raw=False, **kwargs) -> None:  # noqa: ARG001
    if created and not raw:
        bump(instance.ente_id, using)


def _on_responsibles(sender, instance, action, using, **kwargs) -> None:  # noqa: ARG001
    if action in ("post_add", "post_remove", "post_clear"):
        if isinstance(instance, OperationalObjective):
            bump(_objective_ente(instance.pk, using), using)
        else:  # from the person's side
            bump(getattr(instance, "ente_id", None), using)


def connect() -> None:
    """Connect the hooks (once: the dispatch uids make a second call a no-op)."""
    for model in WATCHED:
        post_save.connect(_on_save, sender=model, dispatch_uid=f"scores-save-{model.__name__}")
    for model in DELETIONS:
        post_delete.connect(
            _on_delete, sender=model, dispatch_uid=f"scores-delete-{model.__name__}"
        )
    post_save.connect(_on_ente_save, sender=Ente, dispatch_uid="scores-save-Ente")
    post_save.connect(_on_audit, sender=AuditEntry, dispatch_uid="scores-audit")
    m2m_changed.connect(
        _on_responsibles,
        sender=OperationalObjective.responsibles.through,
        dispatch_uid="scores-responsibles",
    )
