"""The scheda's workflow: proposal, colloquio, delivery, contest and conciliation, final,
reopening."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from appraisal.models import (
    Conciliation,
    Scheda,
    SchedaState,
    SchedaTransition,
    ScoreBand,
)
from appraisal.services._common import (
    REOPEN_TARGETS,
    STATE_ORDER,
    ZERO,
    _by,
    state_label,
)
from appraisal.services.schemes import (
    classify,
)
from appraisal.services.scoring import (
    _illegal,
    _locked,
    _require_evaluated,
    _require_evaluator,
    _require_supervisor,
)
from core.audit import audit, diff, state_of
from core.exceptions import ServiceError
from core.parsing import (
    clean_text,
    parse_decimal,
    required_text,
)
from planning.formatting import date_it, decimal_it, number_it

# ---------------------------------------------------------------------------------------------
# The scheda: workflow
# ---------------------------------------------------------------------------------------------


def _move(
    user,
    scheda: Scheda,
    to_state: str,
    action: str,
    *,
    note: str = "",
    reopening: bool = False,
    before: dict | None = None,
    extra: dict | None = None,
) -> None:
    before = before if before is not None else state_of(scheda)
    SchedaTransition.objects.create(
        scheda=scheda,
        from_state=scheda.state,
        to_state=to_state,
        by=_by(user),
        note=note,
        is_reopening=reopening,
    )
    scheda.state = to_state
    scheda.version += 1
    scheda.save()
    changes = diff(before, state_of(scheda))
    if extra:
        changes.update(extra)
    audit(user, action, scheda, scheda.cycle.ente, changes)


def contest_deadline(scheda: Scheda) -> dt.date | None:
    """The last day to contest a delivered scheda (None before delivery)."""
    if scheda.delivered_at is None:
        return None
    return timezone.localdate(scheda.delivered_at) + dt.timedelta(days=scheda.scheme.contest_days)


def scheda_propose(*, user, scheda: Scheda, expected_version: int | None = None) -> Scheda:
    _require_evaluator(user, scheda)
    with _locked(scheda, expected_version) as scheda:
        if scheda.state != SchedaState.DRAFT:
            raise _illegal(scheda, SchedaState.PROPOSED)
        if scheda.is_eligible and scheda.total_points is None:
            raise ServiceError(
                f"La scheda di {scheda.person} non è ancora valutata: assegna i punteggi prima "
                "di proporla.",
                field="items",
            )
        _move(user, scheda, SchedaState.PROPOSED, "scheda.propose")
    return scheda


def scheda_record_interview(
    *, user, scheda: Scheda, date: dt.date, notes: str, expected_version: int | None = None
) -> Scheda:
    _require_evaluator(user, scheda)
    with _locked(scheda, expected_version) as scheda:
        if scheda.state != SchedaState.PROPOSED:
            raise _illegal(scheda, SchedaState.INTERVIEW)
        if not isinstance(date, dt.date):
            raise ServiceError("La data del colloquio è obbligatoria.", field="date")
        if date > timezone.localdate():
            raise ServiceError(
                f"La data del colloquio ({date_it(date)}) non può essere futura.", field="date"
            )
        if date.year < scheda.cycle.year:
            raise ServiceError(
                f"La data del colloquio ({date_it(date)}) precede l'anno valutato "
                f"({scheda.cycle.year}).",
                field="date",
            )
        before = state_of(scheda)
        scheda.interview_date = date
        scheda.interview_notes = clean_text(notes)
        _move(user, scheda, SchedaState.INTERVIEW, "scheda.interview", before=before)
    return scheda


def scheda_deliver(*, user, scheda: Scheda, expected_version: int | None = None) -> Scheda:
    _require_evaluator(user, scheda)
    with _locked(scheda, expected_version) as scheda:
        if scheda.state != SchedaState.INTERVIEW:
            raise _illegal(scheda, SchedaState.DELIVERED)
        before = state_of(scheda)
        scheda.delivered_at = timezone.now()
        _move(user, scheda, SchedaState.DELIVERED, "scheda.deliver", before=before)
    return scheda


def scheda_acknowledge(*, user, scheda: Scheda) -> Scheda:
    """The evaluated person's signature «per presa visione»."""
    _require_evaluated(user, scheda, "firmare per presa visione")
    with _locked(scheda) as scheda:
        if scheda.state != SchedaState.DELIVERED:
            raise _illegal(scheda, SchedaState.ACKNOWLEDGED)
        before = state_of(scheda)
        scheda.acknowledged_at = timezone.now()
        _move(user, scheda, SchedaState.ACKNOWLEDGED, "scheda.acknowledge", before=before)
    return scheda


def scheda_contest(*, user, scheda: Scheda, reason: str) -> Scheda:
    """The evaluated person contests the scheda within the scheme's days from delivery."""
    _require_evaluated(user, scheda, "contestare")
    with _locked(scheda) as scheda:
        if scheda.state != SchedaState.DELIVERED:
            raise _illegal(scheda, SchedaState.CONTESTED)
        reason = required_text(reason, "Indica i motivi della contestazione.", "reason")
        deadline = contest_deadline(scheda)
        if deadline is not None and timezone.localdate() > deadline:
            raise ServiceError(
                f"Il termine per contestare è scaduto il {date_it(deadline)}.", field="reason"
            )
        before = state_of(scheda)
        Conciliation.objects.filter(scheda=scheda).delete()
        conciliation = Conciliation.objects.create(
            scheda=scheda,
            requested_at=timezone.now(),
            request_text=reason,
            previous_points=scheda.total_points,
        )
        _move(
            user,
            scheda,
            SchedaState.CONTESTED,
            "scheda.contest",
            note=reason,
            before=before,
            extra={"conciliation": [None, state_of(conciliation)]},
        )
    return scheda


def conciliation_schedule(
    *, user, scheda: Scheda, meeting_date: dt.date, notes: str = ""
) -> Scheda:
    """Open (or reschedule) the conciliation of a contested scheda."""
    _require_supervisor(user, scheda, "Conciliazione")
    with _locked(scheda) as scheda:
        conciliation = Conciliation.objects.select_for_update().filter(scheda=scheda).first()
        decided = conciliation is not None and bool(conciliation.outcome)
        if scheda.state not in {SchedaState.CONTESTED, SchedaState.CONCILIATION} or decided:
            raise _illegal(scheda, SchedaState.CONCILIATION)
        if not isinstance(meeting_date, dt.date):
            raise ServiceError("La data dell'incontro è obbligatoria.", field="meeting_date")
        requested = timezone.localdate(conciliation.requested_at)
        if meeting_date < requested:
            raise ServiceError(
                f"La data dell'incontro ({date_it(meeting_date)}) precede la contestazione "
                f"({date_it(requested)}).",
                field="meeting_date",
            )
        before_c = state_of(conciliation)
        conciliation.meeting_date = meeting_date
        conciliation.meeting_notes = clean_text(notes)
        conciliation.save()
        extra = {"conciliation": diff(before_c, state_of(conciliation))}
        if scheda.state == SchedaState.CONTESTED:
            _move(
                user,
                scheda,
                SchedaState.CONCILIATION,
                "conciliation.schedule",
                note=f"Incontro il {date_it(meeting_date)}.",
                extra=extra,
            )
        else:
            scheda.version += 1
            scheda.save()
            audit(user, "conciliation.reschedule", scheda, scheda.cycle.ente, extra)
    return scheda


def _undecided_conciliation(scheda: Scheda) -> Conciliation:
    """The scheda's conciliation, locked, when it is open and not decided yet."""
    conciliation = Conciliation.objects.select_for_update().filter(scheda=scheda).first()
    if scheda.state != SchedaState.CONCILIATION or conciliation is None:
        raise ServiceError(
            f"La scheda di {scheda.person} è nello stato «{state_label(scheda.state)}»: "
            "l'esito si registra durante la conciliazione.",
            field="state",
            code="state",
        )
    if conciliation.outcome:
        raise ServiceError(
            f"La conciliazione della scheda di {scheda.person} è già decisa "
            f"({conciliation.get_outcome_display().lower()}).",
            field="outcome",
        )
    return conciliation


def _apply_new_points(
    scheda: Scheda, conciliation: Conciliation, outcome: str, points: Decimal | None
) -> None:
    """A modified evaluation takes the new points and is re-banded; any other outcome keeps
    the points and must not give new ones."""
    if outcome != Conciliation.Outcome.MODIFIED:
        if points is not None:
            raise ServiceError(
                "Il nuovo punteggio si indica solo se la valutazione è modificata.",
                field="new_points",
            )
        return
    scheme = scheda.scheme
    if points is None:
        raise ServiceError(
            "Con la valutazione modificata indica il nuovo punteggio.", field="new_points"
        )
    if not ZERO <= points <= scheme.max_points:
        raise ServiceError(
            f"Il nuovo punteggio deve essere tra 0 e {number_it(scheme.max_points)} "
            f"(indicato {decimal_it(points)}).",
            field="new_points",
        )
    bands = list(ScoreBand.objects.filter(scheme=scheme))
    band, premium, negative = classify(scheme, bands, points)
    scheda.total_points = points
    scheda.band = band
    scheda.premium_percent = premium
    scheda.is_negative = negative
    conciliation.new_points = points


def conciliation_decide(
    *,
    user,
    scheda: Scheda,
    outcome: str,
    outcome_text: str,
    decided_by: str,
    new_points: Any = None,
) -> Scheda:
    """Record the outcome; a modified evaluation is re-banded with the new points."""
    _require_supervisor(user, scheda, "Conciliazione")
    with _locked(scheda) as scheda:
        conciliation = _undecided_conciliation(scheda)
        if outcome not in Conciliation.Outcome.values:
            raise ServiceError(f"Esito: valore «{outcome}» non previsto.", field="outcome")
        outcome_text = required_text(
            outcome_text, "Indica la motivazione dell'esito.", "outcome_text"
        )
        decided_by = required_text(
            decided_by, "Indica chi ha deciso la conciliazione.", "decided_by"
        )
        points = parse_decimal(new_points, label="Nuovo punteggio", field="new_points", places=2)
        before = state_of(scheda)
        before_c = state_of(conciliation)
        _apply_new_points(scheda, conciliation, outcome, points)
        conciliation.outcome = outcome
        conciliation.outcome_text = outcome_text
        conciliation.decided_by = decided_by
        conciliation.decided_at = timezone.now()
        conciliation.save()
        scheda.version += 1
        scheda.save()
        changes = diff(before, state_of(scheda))
        changes["conciliation"] = diff(before_c, state_of(conciliation))
        audit(user, "conciliation.decide", scheda, scheda.cycle.ente, changes)
    return scheda


def scheda_finalise(*, user, scheda: Scheda) -> Scheda:
    """Make a scheda final: after the presa visione, after the conciliation's outcome, or once
    the contest deadline has passed without a contest."""
    _require_supervisor(user, scheda, "Chiusura della scheda")
    with _locked(scheda) as scheda:
        if scheda.state == SchedaState.DELIVERED:
            deadline = contest_deadline(scheda)
            if deadline is not None and timezone.localdate() <= deadline:
                raise ServiceError(
                    f"La scheda di {scheda.person} è consegnata e il termine per contestare "
                    f"scade il {date_it(deadline)}: diventa definitiva dopo la presa visione o "
                    "dopo quella data.",
                    field="state",
                    code="state",
                )
            note = f"Termine per contestare scaduto il {date_it(deadline)} senza contestazione."
        elif scheda.state == SchedaState.CONCILIATION:
            conciliation = Conciliation.objects.filter(scheda=scheda).first()
            if conciliation is None or not conciliation.outcome:
                raise ServiceError(
                    f"La conciliazione della scheda di {scheda.person} non è ancora decisa.",
                    field="state",
                    code="state",
                )
            note = f"Esito della conciliazione: {conciliation.get_outcome_display().lower()}."
        elif scheda.state == SchedaState.ACKNOWLEDGED:
            note = ""
        else:
            raise _illegal(scheda, SchedaState.FINAL)
        before = state_of(scheda)
        scheda.finalised_at = timezone.now()
        _move(user, scheda, SchedaState.FINAL, "scheda.finalise", note=note, before=before)
    return scheda


# The rules of the apps above appraisal that may forbid reopening a scheda (rewards: a scheda
# paid by a final distribution). Each returns the Italian reason, or "" when it has nothing
# against; the apps register them in their `AppConfig.ready()`, so appraisal imports none.
REOPEN_GUARDS: list[Callable[[Scheda], str]] = []


def scheda_reopen(*, user, scheda: Scheda, to_state: str, reason: str) -> Scheda:
    """Take a scheda back to an earlier state, with its reason (a recorded reopening)."""
    _require_supervisor(user, scheda, "Riapertura della scheda")
    with _locked(scheda) as scheda:
        if to_state not in REOPEN_TARGETS:
            raise ServiceError(
                f"Una scheda si riapre solo in bozza, proposta, colloquio svolto o consegnata, "
                f"non in «{state_label(to_state)}».",
                field="to_state",
            )
        if STATE_ORDER.index(SchedaState(to_state)) >= STATE_ORDER.index(SchedaState(scheda.state)):
            raise ServiceError(
                f"La scheda di {scheda.person} è nello stato «{state_label(scheda.state)}»: "
                f"non si riapre a «{state_label(to_state)}», che non è uno stato precedente.",
                field="to_state",
            )
        reason = required_text(reason, "Indica il motivo della riapertura.", "reason")
        for guard in REOPEN_GUARDS:
            if problem := guard(scheda):
                raise ServiceError(problem, code="frozen")
        before = state_of(scheda)
        target = STATE_ORDER.index(SchedaState(to_state))
        extra: dict[str, Any] = {}
        if target < STATE_ORDER.index(SchedaState.INTERVIEW):
            scheda.interview_date = None
            scheda.interview_notes = ""
        if target < STATE_ORDER.index(SchedaState.DELIVERED):
            scheda.delivered_at = None
        else:
            scheda.delivered_at = timezone.now()  # delivered again: a new contest period
        scheda.acknowledged_at = None
        scheda.finalised_at = None
        conciliation = Conciliation.objects.filter(scheda=scheda).first()
        if conciliation is not None:
            extra["conciliation"] = [state_of(conciliation), None]
            conciliation.delete()
        _move(
            user,
            scheda,
            to_state,
            "scheda.reopen",
            note=reason,
            reopening=True,
            before=before,
            extra=extra,
        )
    return scheda
