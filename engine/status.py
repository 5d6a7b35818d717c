"""In-year status of an objective: in linea, a rischio, in ritardo, raggiunto, non raggiunto.

The decision, in order (the first that applies wins):
1. achievement at or above `thresholds.achieved`                        → raggiunto;
2. the deadline has passed (default: 31 December of the evaluation year) → non raggiunto;
3. a phase past its planned end and not finished                         → in ritardo;
4. progress behind the time elapsed since the start of the period by more than `late_gap`
   points → in ritardo, by more than `at_risk_gap` points → a rischio;
5. an unfinished phase due within `due_soon_days`                        → a rischio;
6. otherwise                                                             → in linea.
Progress is the achievement when there is one, otherwise the mean progress of the phases
(a finished phase counts 100); with neither it is taken as 0 and the explanation says so.

The explanation's text is written when read (a large ente has 3,000 objectives; a page shows
the status of a few of them), from the values the decision used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any

from engine.config import StatusThresholds
from engine.explanation import Explanation
from engine.numbers import (
    HUNDRED,
    ZERO,
    arithmetic,
    clamp,
    format_date,
    format_number,
    format_percent,
    internal,
)


class ObjectiveStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    LATE = "late"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"

    @property
    def label(self) -> str:
        return {
            ObjectiveStatus.ON_TRACK: "in linea",
            ObjectiveStatus.AT_RISK: "a rischio",
            ObjectiveStatus.LATE: "in ritardo",
            ObjectiveStatus.ACHIEVED: "raggiunto",
            ObjectiveStatus.NOT_ACHIEVED: "non raggiunto",
        }[self]


@dataclass(frozen=True)
class PhaseProgress:
    planned_end: date | None
    actual_end: date | None = None
    progress: Decimal | None = None  # 0..100
    label: str = ""

    @property
    def finished(self) -> bool:
        return self.actual_end is not None or (
            self.progress is not None and self.progress >= HUNDRED
        )

    @property
    def counted_progress(self) -> Decimal | None:
        if self.finished:
            return HUNDRED
        return None if self.progress is None else clamp(self.progress, ZERO, HUNDRED)


@dataclass(frozen=True)
class StatusResult:
    status: ObjectiveStatus
    explanation: Explanation

    @property
    def label(self) -> str:
        return self.status.label

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "label": self.label,
            "explanation": self.explanation.to_dict(),
        }


def objective_status(
    *,
    achievement: Decimal | None,
    evaluation_date: date,
    deadline: date | None = None,
    phases: Sequence[PhaseProgress] = (),
    period_start: date | None = None,
    thresholds: StatusThresholds | None = None,
) -> StatusResult:
    """The status at `evaluation_date`.

    Without a `deadline` the objective is due at the end of the cycle year: the year of
    `period_start` when given (pass it when evaluating after the year is over), otherwise the
    evaluation year. Without a `period_start` the period starts on 1 January of the deadline year.
    """
    thresholds = thresholds or StatusThresholds()
    cycle_year = period_start.year if period_start else evaluation_date.year
    deadline = deadline or date(cycle_year, 12, 31)
    period_start = period_start or date(deadline.year, 1, 1)
    data: dict[str, Any] = {
        "achievement": achievement,
        "evaluation_date": evaluation_date,
        "deadline": deadline,
        "period_start": period_start,
        "thresholds": thresholds.to_dict(),
    }
    with arithmetic():
        if achievement is not None and achievement >= thresholds.achieved:
            return _result(
                ObjectiveStatus.ACHIEVED, data, _achieved_words, achievement, thresholds.achieved
            )
        if evaluation_date > deadline:
            return _result(
                ObjectiveStatus.NOT_ACHIEVED,
                data,
                _past_deadline_words,
                deadline,
                achievement,
                thresholds.achieved,
            )
        overdue = tuple(p for p in phases if _overdue(p, evaluation_date))
        if overdue:
            data["overdue_phases"] = [p.label for p in overdue]
            return _result(ObjectiveStatus.LATE, data, _overdue_words, overdue)
        return _progress_status(
            achievement, evaluation_date, deadline, period_start, phases, thresholds, data
        )


def _progress_status(
    achievement: Decimal | None,
    evaluation_date: date,
    deadline: date,
    period_start: date,
    phases: Sequence[PhaseProgress],
    thresholds: StatusThresholds,
    data: dict[str, Any],
) -> StatusResult:
    expected = expected_progress(period_start, deadline, evaluation_date)
    actual, source = _actual_progress(achievement, phases)
    gap = expected - actual
    data.update({"expected_progress": expected, "actual_progress": actual, "gap": gap})
    compared = (source, actual, expected, period_start, deadline, gap)
    if gap > thresholds.late_gap:
        return _result(ObjectiveStatus.LATE, data, _gap_words, compared, ">", thresholds.late_gap)
    if gap > thresholds.at_risk_gap:
        return _result(
            ObjectiveStatus.AT_RISK, data, _gap_words, compared, ">", thresholds.at_risk_gap
        )
    days = thresholds.due_soon_days
    due_soon = tuple(p for p in phases if _due_soon(p, evaluation_date, days))
    if due_soon:
        data["due_soon_phases"] = [p.label for p in due_soon]
        return _result(ObjectiveStatus.AT_RISK, data, _due_soon_words, compared, days, due_soon)
    return _result(
        ObjectiveStatus.ON_TRACK, data, _gap_words, compared, "≤", thresholds.at_risk_gap
    )


# -- the sentences, written when the explanation is read -------------------------------------------


def _achieved_words(achievement: Decimal, achieved: Decimal) -> str:
    return f"Raggiungimento {format_percent(achievement)} ≥ soglia {format_percent(achieved)}."


def _past_deadline_words(deadline: date, achievement: Decimal | None, achieved: Decimal) -> str:
    shown = "non rilevato" if achievement is None else format_percent(achievement)
    return (
        f"Scadenza del {format_date(deadline)} passata; raggiungimento {shown} sotto la "
        f"soglia {format_percent(achieved)}."
    )


def _phase_names(phases: tuple[PhaseProgress, ...]) -> str:
    return ", ".join(f"{p.label or 'senza nome'} ({format_date(p.planned_end)})" for p in phases)


def _overdue_words(overdue: tuple[PhaseProgress, ...]) -> str:
    return f"Fasi oltre la fine prevista e non concluse: {_phase_names(overdue)}."


def _comparison_words(
    source: str, actual: Decimal, expected: Decimal, start: date, deadline: date, gap: Decimal
) -> str:
    return (
        f"Avanzamento {source} {format_percent(actual)} contro un avanzamento atteso "
        f"{format_percent(expected)} (tempo trascorso dal {format_date(start)} al "
        f"{format_date(deadline)}): scarto {format_number(gap, 2)} punti"
    )


def _gap_words(compared: tuple[Any, ...], sign: str, limit: Decimal) -> str:
    return f"{_comparison_words(*compared)} {sign} {format_number(limit)}."


def _due_soon_words(
    compared: tuple[Any, ...], days: int, due_soon: tuple[PhaseProgress, ...]
) -> str:
    return (
        f"{_comparison_words(*compared)}. Fasi non concluse in scadenza entro {days} "
        f"giorni: {_phase_names(due_soon)}."
    )


def expected_progress(period_start: date, deadline: date, evaluation_date: date) -> Decimal:
    """The share of the period elapsed at the evaluation date, as a percentage (0..100)."""
    total = (deadline - period_start).days
    if total <= 0:
        return HUNDRED if evaluation_date >= deadline else ZERO
    elapsed = (evaluation_date - period_start).days
    return internal(clamp(Decimal(elapsed) / Decimal(total) * HUNDRED, ZERO, HUNDRED))


def _actual_progress(
    achievement: Decimal | None, phases: Sequence[PhaseProgress]
) -> tuple[Decimal, str]:
    if achievement is not None:
        return clamp(achievement, ZERO, HUNDRED), "(raggiungimento)"
    reported = [p.counted_progress for p in phases if p.counted_progress is not None]
    if reported:
        return internal(sum(reported, ZERO) / len(reported)), "(media delle fasi)"
    return ZERO, "non rilevato, considerato"


def _overdue(phase: PhaseProgress, evaluation_date: date) -> bool:
    return (
        phase.planned_end is not None and phase.planned_end < evaluation_date and not phase.finished
    )


def _due_soon(phase: PhaseProgress, evaluation_date: date, days: int) -> bool:
    if phase.planned_end is None or phase.finished:
        return False
    return 0 <= (phase.planned_end - evaluation_date).days <= days


def _result(
    status: ObjectiveStatus, data: dict[str, Any], write: Callable[..., str], *values: Any
) -> StatusResult:
    """The status, with the text `write(*values)` written when read."""
    data = {**data, "status": status}
    text = partial(_written, write, values)
    return StatusResult(status, Explanation(status.value, status.label, text, data))


def _written(write: Callable[..., str], values: tuple[Any, ...]) -> str:
    with arithmetic():
        return write(*values)
