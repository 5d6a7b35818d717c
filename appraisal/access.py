"""Who may read and handle the schede di valutazione of an ente.

A scheda is personal data:

* the evaluated person reads their own scheda and its history (and signs or contests it);
* the evaluator reads and handles it (score, propose, colloquio, delivery) — the person named as
  evaluator, or any member of the Nucleo when the Nucleo evaluates; admins act for anyone;
* the chain above the evaluator reads it: the responsabili of the units above the scheda's unit
  (a responsabile reads the schede of the units they lead, including the units below them);
* the Nucleo and admins read every scheda of the ente;
* the Giunta never reads a scheda: it sees aggregates only (`selectors.aggregates`).

Every read by someone other than the evaluated person is logged (`log_view`).

`appraisal_access(user, ente)` computes, in a constant number of queries, what the rules need;
the `can_*` functions then run without queries. They also accept the plain `EnteAccess` of
`accounts.access` (as `request.ente_access`), building the rest on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from accounts.access import (
    PLAN_READERS,
    AppAccess,
    EnteAccess,
    access_for,
    require_access,
)
from appraisal.models import EvaluatorKind, Scheda, SchedaView
from organization.access import led_unit_ids
from organization.models import Ente


@dataclass(frozen=True)
class AppraisalAccess(AppAccess):
    """A user's rights on the schede of one ente, computed once per request."""


def appraisal_access(user, ente: Ente) -> AppraisalAccess:
    """Rights of `user` on the schede of `ente`; PermissionDenied when they have no role there."""
    return build(require_access(user, ente, *PLAN_READERS))


def build(access: EnteAccess | AppraisalAccess) -> AppraisalAccess:
    """The `AppraisalAccess` for an `EnteAccess` (one query for a responsabile, none otherwise)."""
    if isinstance(access, AppraisalAccess):
        return access
    return AppraisalAccess(access=access, led_unit_ids=led_unit_ids(access))


def _same_ente(aa: AppraisalAccess, scheda: Scheda) -> bool:
    return scheda.cycle.ente_id == aa.ente.pk


def is_evaluated(access: EnteAccess | AppraisalAccess, scheda: Scheda) -> bool:
    aa = build(access)
    return _same_ente(aa, scheda) and scheda.person_id in aa.person_ids


def can_evaluate(access: EnteAccess | AppraisalAccess, scheda: Scheda) -> bool:
    """Score, propose, record the colloquio, deliver: the evaluator of the scheda, or an admin."""
    aa = build(access)
    if not _same_ente(aa, scheda):
        return False
    if aa.is_admin:
        return True
    if scheda.evaluator_kind == EvaluatorKind.NUCLEO and scheda.evaluator_id is None:
        return aa.is_nucleo
    return scheda.evaluator_id is not None and scheda.evaluator_id in aa.person_ids


def in_chain_above(aa: AppraisalAccess, scheda: Scheda) -> bool:
    """A responsabile of the scheda's unit or of a unit above it (not the evaluated person)."""
    return (
        scheda.unit_id is not None
        and scheda.unit_id in aa.led_unit_ids
        and scheda.person_id not in aa.person_ids
    )


def can_view_scheda(access: EnteAccess | AppraisalAccess, scheda: Scheda) -> bool:
    """The evaluated person, the evaluator and the chain above, the Nucleo, admins; never the
    Giunta as such."""
    aa = build(access)
    if not _same_ente(aa, scheda):
        return False
    return (
        aa.is_admin
        or aa.is_nucleo
        or scheda.person_id in aa.person_ids
        or can_evaluate(aa, scheda)
        or in_chain_above(aa, scheda)
    )


def can_supervise(access: EnteAccess | AppraisalAccess, scheda: Scheda | None = None) -> bool:
    """Conciliation, finalisation and reopening: the Nucleo or an admin."""
    aa = build(access)
    if scheda is not None and not _same_ente(aa, scheda):
        return False
    return aa.is_admin or aa.is_nucleo


def can_manage_schemes(access: EnteAccess | AppraisalAccess) -> bool:
    """Behaviours dictionary, schemes, bands, generating the schede: admins."""
    return build(access).is_admin


def can_see_overview(access: EnteAccess | AppraisalAccess) -> bool:
    """The Nucleo's overview (with names and anomalies): the Nucleo and admins."""
    aa = build(access)
    return aa.is_admin or aa.is_nucleo


def can_see_aggregates(access: EnteAccess | AppraisalAccess) -> bool:
    """Counts per band and the mean score, without names: every role of the ente."""
    return bool(build(access).access.roles) or build(access).access.is_platform_admin


def log_view(user, scheda: Scheda) -> SchedaView | None:
    """Record a read of `scheda` unless the reader is the evaluated person themselves."""
    if not getattr(user, "is_authenticated", False):
        return None
    access = access_for(user, scheda.cycle.ente)
    if access is not None and scheda.person_id in access.person_ids:
        return None
    return SchedaView.objects.create(scheda=scheda, user=user)


def require(allowed: bool, message: str = "Il tuo ruolo non consente questa operazione.") -> None:
    if not allowed:
        raise PermissionDenied(message)
