"""Achievement of one indicator: measured value + target + SMVP rule → percentage and explanation.

Every function here is pure. The result is always an `Achievement`, never an exception for
ordinary situations: a descriptive target is «non misurabile», a missing value is «dato
mancante»; both carry a percent of None so that the roll-up can apply the ente's missing-data
policy. Only misuse (e.g. a bands rule without bands) raises ValueError.

The explanation of an achievement is written when it is read (`Explanation`), not while the
achievement is computed: a large ente scores 12,000 indicators and a page shows a few of them.
Its text is then written by scoring the same facts again with the writing on (see `_Work`); the
engine is pure, so the text is the one the first computation would have written.

Order of the steps for a numeric target
1. the raw achievement by the rule's method (linear, ratio, binary, bands; ranges apart);
2. full credit when the value misses the target by no more than the tolerance;
3. zero below the minimum threshold;
4. clamp to 0..cap (ranges and milestones never exceed 100).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple

from engine.config import (
    Band,
    BandBasis,
    DelayBand,
    IndicatorRule,
    LatePolicy,
    RangeOutside,
    ScoringMethod,
    ToleranceKind,
    coerce_enums,
)
from engine.explanation import Explanation, Text
from engine.numbers import (
    HUNDRED,
    NBSP,
    ZERO,
    arithmetic,
    clamp,
    format_date,
    format_number,
    format_percent,
    internal,
    present,
    to_decimal,
)


class TargetKind(StrEnum):
    """Same values as planning.models.TargetKind.

    The strict kinds (GT, LT and their «anno precedente» forms) are not met by a value equal to
    the bound: «inferiore al 45 %» is missed by 45 %.
    """

    GTE = "gte"
    GT = "gt"
    LTE = "lte"
    LT = "lt"
    EQ = "eq"
    BETWEEN = "between"
    GTE_PREVIOUS = "gte_previous"
    GT_PREVIOUS = "gt_previous"
    LTE_PREVIOUS = "lte_previous"
    LT_PREVIOUS = "lt_previous"
    BY_DATE = "by_date"
    VALUE = "value"
    TEXT = "text"

    @property
    def is_relative_to_previous(self) -> bool:
        """Compared with the value of the year before (read from that cycle, or the baseline)."""
        return self in _PREVIOUS_KINDS


class PreviousOrigin(StrEnum):
    """Where the previous year's value of a relative target comes from."""

    CYCLE = "cycle"  # the final value of the previous year's cycle held in Performa
    BASELINE = "baseline"  # the plan's «valore di partenza» (no previous cycle to read)
    GIVEN = "given"  # supplied by the caller without saying where from


class Polarity(StrEnum):
    """Same values as planning.models.Polarity; decides the direction of a plain VALUE target."""

    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"
    MILESTONE = "milestone"
    NONE = "none"


class Outcome(StrEnum):
    SCORED = "scored"
    NOT_MEASURABLE = "not_measurable"
    MISSING = "missing"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    value: Decimal | None = None
    value_to: Decimal | None = None  # upper bound of BETWEEN
    due_date: date | None = None  # BY_DATE
    previous_value: Decimal | None = None  # the previous year's actual, for *_PREVIOUS kinds
    polarity: Polarity = Polarity.HIGHER  # direction of a VALUE target
    text: str = ""  # the target as written in the plan
    previous_origin: PreviousOrigin = PreviousOrigin.GIVEN
    previous_year: int | None = None  # the year `previous_value` belongs to, when known
    previous_note: str = ""  # why that source was used («nessun ciclo 2023 in Performa»)

    def __post_init__(self) -> None:
        coerce_enums(self, kind=TargetKind, polarity=Polarity, previous_origin=PreviousOrigin)

    @property
    def previous_words(self) -> str:
        """Where the previous value was read, in Italian («valore finale del ciclo 2023»)."""
        if self.previous_origin is PreviousOrigin.CYCLE:
            year = f" {self.previous_year}" if self.previous_year else ""
            words = f"valore finale del ciclo{year}"
        elif self.previous_origin is PreviousOrigin.BASELINE:
            year = f" ({self.previous_year})" if self.previous_year else ""
            words = f"valore di partenza del piano{year}"
        else:
            words = ""
        if self.previous_note:
            words = f"{words}: {self.previous_note}" if words else self.previous_note
        return words


@dataclass(frozen=True)
class Measurement:
    value: Decimal | None = None
    completed_on: date | None = None  # a milestone's completion date
    as_of: date | None = None  # when the measurement was taken (for unfinished milestones)


@dataclass(frozen=True)
class Achievement:
    outcome: Outcome
    percent: Decimal | None  # internal precision (6 places); None unless SCORED
    explanation: Explanation

    @property
    def is_scored(self) -> bool:
        return self.outcome is Outcome.SCORED

    @property
    def display_percent(self) -> Decimal | None:
        return None if self.percent is None else present(self.percent)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "percent": None if self.percent is None else str(self.percent),
            "display_percent": None if self.percent is None else str(self.display_percent),
            "explanation": self.explanation.to_dict(),
        }


def score_indicator(
    target: Target,
    measurement: Measurement,
    rule: IndicatorRule | None = None,
    *,
    baseline: Decimal | None = None,
    cap: Decimal = HUNDRED,
) -> Achievement:
    """The achievement of an indicator against its target under the SMVP rule."""
    return _scored((target, measurement, rule or IndicatorRule(), baseline, cap), writing=False)


# What an achievement is computed from: target, measurement, rule, baseline, cap.
Facts = tuple[Target, Measurement, IndicatorRule, Decimal | None, Decimal]


def _scored(facts: Facts, *, writing: bool) -> Achievement:
    target, measurement, rule, baseline, cap = facts
    work = _Work(facts, writing)
    with arithmetic():
        if target.kind is TargetKind.TEXT:
            if measurement.value is not None:
                return _score_assessed(target, measurement.value, work)
            return _not_measurable(target)
        if target.kind is TargetKind.BY_DATE:
            return _score_milestone(target, measurement, rule, work)
        return _score_numeric(target, measurement, rule, baseline, cap, work)


def _rewritten(facts: Facts) -> str:
    """The text of an explanation: the same facts scored again, each step written."""
    return _scored(facts, writing=True).explanation.text


class _Work:
    """The explanation of one computation. While `writing`, each step's sentence is written as
    it happens; otherwise nothing is written, and the explanation's text is the computation of
    the same facts done again with the writing on, when (if ever) the text is read."""

    __slots__ = ("facts", "writing", "steps", "data")

    def __init__(self, facts: Facts, writing: bool):
        self.facts = facts
        self.writing = writing
        self.steps: list[str] = []
        self.data: dict[str, Any] = {}

    def say(self, write: Callable[..., str], *values: Any) -> None:
        """A step: the sentence `write(*values)`, written only while writing."""
        if self.writing:
            self.steps.append(write(*values))

    def explanation(self, rule: str, rule_label: str) -> Explanation:
        text: Text = " ".join(self.steps) if self.writing else partial(_rewritten, self.facts)
        return Explanation(rule, rule_label, text, self.data)


def _text(sentence: str) -> str:
    """A sentence without numbers, as it is."""
    return sentence


# -- outcomes without a number --------------------------------------------------------------------


def _not_measurable(target: Target) -> Achievement:
    written = f" («{target.text}»)" if target.text else ""
    return Achievement(
        Outcome.NOT_MEASURABLE,
        None,
        Explanation(
            "not_measurable",
            "Non misurabile",
            f"Target descrittivo{written}: non misurabile, escluso dal calcolo.",
            {"target_kind": target.kind, "target_text": target.text},
        ),
    )


def _score_assessed(target: Target, value: Decimal, work: _Work) -> Achievement:
    """A descriptive target has no number to compare with: whoever measures it (the responsabile,
    then the Nucleo) attests the degree of achievement as a percentage, which is used as is."""
    written = f" («{target.text}»)" if target.text else ""
    percent = internal(clamp(to_decimal(value), ZERO, HUNDRED))
    work.say(_assessed_words, written, percent)
    work.data = {"target_kind": target.kind, "target_text": target.text, "assessed": str(percent)}
    return Achievement(
        Outcome.SCORED, percent, work.explanation("assessed", "Raggiungimento attestato")
    )


def _assessed_words(written: str, percent: Decimal) -> str:
    return (
        f"Target descrittivo{written}: raggiungimento attestato {format_percent(present(percent))}."
    )


def _missing(
    work: _Work, data: dict[str, Any], write: Callable[..., str], *values: Any
) -> Achievement:
    """Dato mancante: the reason `write(*values)` alone is the text (not the steps before)."""
    text: Text = write(*values) if work.writing else partial(_rewritten, work.facts)
    return Achievement(Outcome.MISSING, None, Explanation("missing", "Dato mancante", text, data))


# -- numeric targets ------------------------------------------------------------------------------


# The raw achievement of a ≤ target met with a zero value; only ever compared, then capped.
UNBOUNDED = Decimal("Infinity")

# A rule as shown in an explanation: (stable code, Italian name).
RuleName = tuple[str, str]
RANGE_RULE: RuleName = ("range", "Intervallo")


_RULE_NAMES: dict[ScoringMethod, RuleName] = {
    method: (method.value, method.label) for method in ScoringMethod
}


def _named(method: ScoringMethod) -> RuleName:
    return _RULE_NAMES[method]


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"


class _Goal(NamedTuple):  # a tuple: one per numeric target, made 12,000 times per large ente
    direction: Direction
    low: Decimal  # the target (HIGHER/LOWER) or the lower bound (RANGE)
    high: Decimal  # equal to low except for a RANGE
    symbol: str  # the comparison as written («≥», «<», «=»); "" for «compreso tra»
    strict: bool = False  # a value equal to the bound does not meet it («inferiore al 45 %»)
    # For a target relative to the previous year: where that value was read ("" if not said).
    source: str | None = None

    @property
    def description(self) -> str:
        """The target in words («Target ≥ 30»), written only when an explanation is read."""
        if self.source is not None:
            source = f", {self.source}" if self.source else ""
            previous = format_number(self.low)
            return f"Target {self.symbol} valore dell'anno precedente ({previous}{source})"
        if not self.symbol:
            low, high = format_number(self.low), format_number(self.high)
            return f"Target compreso tra {low} e {high}"
        return f"Target {self.symbol} {format_number(self.low)}"


# The comparison each directional kind makes: (direction, strict, symbol).
_COMPARISONS: dict[TargetKind, tuple[Direction, bool, str]] = {
    TargetKind.GTE: (Direction.HIGHER, False, "≥"),
    TargetKind.GT: (Direction.HIGHER, True, ">"),
    TargetKind.LTE: (Direction.LOWER, False, "≤"),
    TargetKind.LT: (Direction.LOWER, True, "<"),
    TargetKind.GTE_PREVIOUS: (Direction.HIGHER, False, "≥"),
    TargetKind.GT_PREVIOUS: (Direction.HIGHER, True, ">"),
    TargetKind.LTE_PREVIOUS: (Direction.LOWER, False, "≤"),
    TargetKind.LT_PREVIOUS: (Direction.LOWER, True, "<"),
}
_PREVIOUS_KINDS = frozenset(
    {
        TargetKind.GTE_PREVIOUS,
        TargetKind.GT_PREVIOUS,
        TargetKind.LTE_PREVIOUS,
        TargetKind.LT_PREVIOUS,
    }
)
# A strict target met only «at the bound» is not met: it gets just under full credit.
NOT_MET_CEILING = HUNDRED - Decimal("0.01")


def _score_numeric(
    target: Target,
    measurement: Measurement,
    rule: IndicatorRule,
    baseline: Decimal | None,
    cap: Decimal,
    work: _Work,
) -> Achievement:
    inputs = {
        "target_kind": target.kind,
        "target": target.value,
        "target_to": target.value_to,
        "previous_value": target.previous_value,
        "measured": measurement.value,
        "baseline": baseline,
        "method": rule.method,
    }
    goal = _goal(target)
    if goal is None:
        return _missing(work, inputs, _missing_target_reason, target)
    if measurement.value is None:
        return _missing(work, inputs, _unmeasured_words, goal)

    if target.kind.is_relative_to_previous:
        inputs["previous_origin"] = target.previous_origin
        inputs["previous_year"] = target.previous_year
        inputs["previous_note"] = target.previous_note
    work.data = inputs
    work.say(_measured_words, goal, measurement.value)
    if goal.direction is Direction.RANGE:
        raw, (code, label) = _range_achievement(goal, measurement.value, rule, work)
        ceiling = HUNDRED
    else:
        raw, (code, label) = _directional_achievement(goal, measurement.value, rule, baseline, work)
        ceiling = cap
    percent = _finish(raw, rule, ceiling, work)
    return Achievement(Outcome.SCORED, percent, work.explanation(code, label))


def _unmeasured_words(goal: _Goal) -> str:
    return f"{goal.description}. Valore misurato mancante."


def _measured_words(goal: _Goal, value: Decimal) -> str:
    return f"{goal.description}; valore misurato {format_number(value)}."


def _goal(target: Target) -> _Goal | None:
    kind = target.kind
    if kind.is_relative_to_previous:
        return _previous_goal(target)
    value = target.value
    if value is None:
        return None
    if kind is TargetKind.VALUE:
        kind = {
            Polarity.HIGHER: TargetKind.GTE,
            Polarity.LOWER: TargetKind.LTE,
        }.get(target.polarity, TargetKind.EQ)
    if kind in _COMPARISONS:
        direction, strict, symbol = _COMPARISONS[kind]
        return _Goal(direction, value, value, symbol, strict)
    if kind is TargetKind.EQ:
        return _Goal(Direction.RANGE, value, value, "=")
    if kind is TargetKind.BETWEEN:
        if target.value_to is None:
            return None
        low, high = sorted((value, target.value_to))
        return _Goal(Direction.RANGE, low, high, "")
    raise ValueError(f"tipo di target non numerico: {target.kind}")


def _previous_goal(target: Target) -> _Goal | None:
    if target.previous_value is None:
        return None
    direction, strict, symbol = _COMPARISONS[target.kind]
    value = target.previous_value
    return _Goal(direction, value, value, symbol, strict, source=target.previous_words)


def _missing_target_reason(target: Target) -> str:
    if target.kind.is_relative_to_previous:
        symbol = _COMPARISONS[target.kind][2]
        year = f" ({target.previous_year})" if target.previous_year else ""
        why = target.previous_note or (
            "nessun valore finale del ciclo precedente e nessun valore di partenza nel piano"
        )
        return (
            f"Target {symbol} anno precedente: manca il valore dell'anno precedente{year} ({why})."
        )
    if target.kind is TargetKind.BETWEEN and target.value is not None:
        return "Target «compreso tra»: manca il limite superiore dell'intervallo."
    return "Target senza valore numerico."


def _tolerance_for(bound: Decimal, rule: IndicatorRule) -> Decimal:
    if rule.tolerance_kind is ToleranceKind.ABSOLUTE:
        return rule.tolerance
    return abs(bound) * rule.tolerance / HUNDRED


def _tolerance_words(rule: IndicatorRule) -> str:
    if rule.tolerance_kind is ToleranceKind.ABSOLUTE:
        return format_number(rule.tolerance)
    return f"{format_number(rule.tolerance)}{NBSP}% del target"


def _directional_achievement(
    goal: _Goal,
    value: Decimal,
    rule: IndicatorRule,
    baseline: Decimal | None,
    work: _Work,
) -> tuple[Decimal, RuleName]:
    target = goal.low
    higher = goal.direction is Direction.HIGHER
    tolerance = _tolerance_for(target, rule)
    met_exactly = _beyond(value, target, higher=higher, strict=goal.strict)
    met = _beyond(
        value,
        target - tolerance if higher else target + tolerance,
        higher=higher,
        strict=goal.strict and tolerance == ZERO,
    )

    if rule.method is ScoringMethod.BINARY:
        raw = HUNDRED if met else ZERO
        work.say(_met_words, met, raw)
        return raw, _named(rule.method)
    if rule.method is ScoringMethod.BANDS and rule.bands_basis is BandBasis.VALUE:
        return _band_lookup(rule.bands, value, "valore", work), _named(rule.method)

    if rule.method is ScoringMethod.RATIO:
        raw, label = _ratio(target, value, higher, work)
    else:
        raw, label = _linear(target, value, higher, baseline, work)
    if met and not met_exactly:
        work.say(_within_tolerance_words, rule)
        raw = max(raw, HUNDRED)
    elif not met and raw >= HUNDRED:
        # Only a strict target reaches here: the value sits on the bound it had to pass.
        raw = NOT_MET_CEILING
        work.say(_on_the_bound_words, target, raw)
    if rule.method is ScoringMethod.BANDS:
        return _band_lookup(rule.bands, raw, "grado di raggiungimento", work), _named(rule.method)
    return raw, label


def _met_words(met: bool, raw: Decimal) -> str:
    return f"Target {'raggiunto' if met else 'non raggiunto'} → {format_percent(raw)}."


def _within_tolerance_words(rule: IndicatorRule) -> str:
    return (
        f"Scostamento entro la tolleranza ({_tolerance_words(rule)}): "
        f"riconosciuto {format_percent(HUNDRED)}."
    )


def _on_the_bound_words(target: Decimal, raw: Decimal) -> str:
    return (
        f"Il valore è pari al limite {format_number(target)}, che il target esclude: "
        f"target non raggiunto → {format_percent(raw)}."
    )


def _beyond(value: Decimal, bound: Decimal, *, higher: bool, strict: bool) -> bool:
    """Whether `value` meets `bound` in the target's direction (strictly for > and <)."""
    if higher:
        return value > bound if strict else value >= bound
    return value < bound if strict else value <= bound


def _linear(
    target: Decimal,
    value: Decimal,
    higher: bool,
    baseline: Decimal | None,
    work: _Work,
) -> tuple[Decimal, RuleName]:
    label = _named(ScoringMethod.LINEAR)
    if baseline is None:
        work.say(_text, "Baseline non indicata: si usa il rapporto al target.")
        return _ratio(target, value, higher, work)[0], label
    span = target - baseline if higher else baseline - target
    if span <= ZERO:
        work.say(_no_improvement_words, baseline)
        return _ratio(target, value, higher, work)[0], label
    gained = value - baseline if higher else baseline - value
    raw = gained / span * HUNDRED
    work.say(_linear_words, value, baseline, target, higher, raw)
    work.data["raw"] = internal(raw)
    return raw, label


def _no_improvement_words(baseline: Decimal) -> str:
    return (
        f"Il target non migliora la baseline ({format_number(baseline)}): "
        "si usa il rapporto al target."
    )


def _linear_words(
    value: Decimal, baseline: Decimal, target: Decimal, higher: bool, raw: Decimal
) -> str:
    v, b, t = format_number(value), format_number(baseline), format_number(target)
    formula = f"({v} − {b}) / ({t} − {b}) × 100" if higher else f"({b} − {v}) / ({b} − {t}) × 100"
    return f"Lineare tra baseline e target: {formula} = {format_percent(raw)}."


def _ratio(target: Decimal, value: Decimal, higher: bool, work: _Work) -> tuple[Decimal, RuleName]:
    label = _named(ScoringMethod.RATIO)
    if not higher and target > ZERO and value <= ZERO:
        # target / value grows without limit as the value falls to zero: better than any ratio,
        # so bands pick their top band and the cap applies, keeping the rule monotone.
        work.say(_unbounded_words, target)
        return UNBOUNDED, label
    if target <= ZERO:
        met = value >= target if higher else value <= target
        raw = HUNDRED if met else ZERO
        work.say(_undefined_ratio_words, met, raw)
        return raw, label
    raw = value / target * HUNDRED if higher else target / value * HUNDRED
    work.say(_ratio_words, value, target, higher, raw)
    work.data["raw"] = internal(raw)
    return raw, label


def _unbounded_words(target: Decimal) -> str:
    return f"Valore nullo o negativo con target ≤ {format_number(target)}: rapporto illimitato."


def _undefined_ratio_words(met: bool, raw: Decimal) -> str:
    return (
        "Rapporto non definito per valori nulli o negativi: target "
        f"{'raggiunto' if met else 'non raggiunto'} → {format_percent(raw)}."
    )


def _ratio_words(value: Decimal, target: Decimal, higher: bool, raw: Decimal) -> str:
    v, t = format_number(value), format_number(target)
    formula = f"{v} / {t} × 100" if higher else f"{t} / {v} × 100"
    return f"Rapporto al target: {formula} = {format_percent(raw)}."


def _range_achievement(
    goal: _Goal, value: Decimal, rule: IndicatorRule, work: _Work
) -> tuple[Decimal, RuleName]:
    label = RANGE_RULE
    if rule.method is ScoringMethod.BANDS and rule.bands_basis is BandBasis.VALUE:
        return _band_lookup(rule.bands, value, "valore", work), _named(rule.method)
    low = goal.low - _tolerance_for(goal.low, rule)
    high = goal.high + _tolerance_for(goal.high, rule)
    if low <= value <= high:
        widened = " (tolleranza compresa)" if not goal.low <= value <= goal.high else ""
        work.say(_inside_words, widened)
        return HUNDRED, label
    if rule.method is ScoringMethod.BINARY or rule.range_outside is RangeOutside.ZERO:
        work.say(_outside_words)
        return ZERO, label
    bound = goal.low if value < goal.low else goal.high
    raw = _range_decrease(bound, value, rule, work)
    if rule.method is ScoringMethod.BANDS:
        return _band_lookup(rule.bands, raw, "grado di raggiungimento", work), _named(rule.method)
    return raw, label


def _inside_words(widened: str) -> str:
    return f"Valore nell'intervallo{widened} → {format_percent(HUNDRED)}."


def _outside_words() -> str:
    return f"Valore fuori dall'intervallo → {format_percent(ZERO)}."


def _range_decrease(bound: Decimal, value: Decimal, rule: IndicatorRule, work: _Work) -> Decimal:
    """Credit falls linearly from 100 at the nearest bound to 0 at `range_zero_deviation` %."""
    if bound == ZERO:
        work.say(
            _text, "Fuori dall'intervallo con limite pari a zero: scostamento non misurabile → 0 %."
        )
        return ZERO
    deviation = abs(value - bound) / abs(bound) * HUNDRED
    raw = max(HUNDRED - deviation / rule.range_zero_deviation * HUNDRED, ZERO)
    work.say(_deviation_words, bound, value, deviation, rule.range_zero_deviation, raw)
    work.data["deviation"] = internal(deviation)
    return raw


def _deviation_words(
    bound: Decimal, value: Decimal, deviation: Decimal, zero_at: Decimal, raw: Decimal
) -> str:
    return (
        f"Fuori dall'intervallo: scostamento dal limite {format_number(bound)} = "
        f"|{format_number(value)} − {format_number(bound)}| / {format_number(abs(bound))} × 100 = "
        f"{format_percent(deviation)}; riduzione proporzionale fino a 0 % con uno scostamento del "
        f"{format_percent(zero_at)}: 100 − {format_number(deviation, 2)} / "
        f"{format_number(zero_at)} × 100 = {format_percent(raw)}."
    )


def _band_lookup(bands: tuple[Band, ...], basis: Decimal, basis_name: str, work: _Work) -> Decimal:
    if not bands:
        raise ValueError("regola a fasce senza fasce")
    ordered = sorted(bands, key=lambda band: band.lower)
    chosen = None
    for band in ordered:
        if basis >= band.lower:
            chosen = band
    if chosen is None:
        work.say(_below_the_bands_words, basis_name, basis, ordered[0].lower)
        work.data["band"] = None
        return ZERO
    work.say(_band_words, basis_name, basis, chosen)
    work.data["band"] = {"from": chosen.lower, "score": chosen.score}
    return chosen.score


def _band_basis_words(basis_name: str, basis: Decimal) -> str:
    if basis_name == "valore":
        return format_number(internal(basis))
    return "illimitato" if basis == UNBOUNDED else format_percent(basis)


def _below_the_bands_words(basis_name: str, basis: Decimal, first: Decimal) -> str:
    return (
        f"Fasce: {basis_name} {_band_basis_words(basis_name, basis)} sotto la prima fascia "
        f"(da {format_number(first)}) → {format_percent(ZERO)}."
    )


def _band_words(basis_name: str, basis: Decimal, band: Band) -> str:
    return (
        f"Fasce: {basis_name} {_band_basis_words(basis_name, basis)} nella fascia da "
        f"{format_number(band.lower)} → {format_percent(band.score)}."
    )


def _finish(raw: Decimal, rule: IndicatorRule, ceiling: Decimal, work: _Work) -> Decimal:
    if ZERO < raw < rule.minimum:
        work.say(_below_minimum_words, rule.minimum)
        raw = ZERO
    result = clamp(raw, ZERO, ceiling)
    if result < raw:
        work.say(_capped_words, ceiling)
    elif result > raw:
        work.say(_negative_words)
    work.say(_result_words, result)
    work.data.update({"minimum": rule.minimum, "cap": ceiling, "percent": internal(result)})
    return internal(result)


def _below_minimum_words(minimum: Decimal) -> str:
    return f"Sotto la soglia minima del {format_percent(minimum)} → {format_percent(ZERO)}."


def _capped_words(ceiling: Decimal) -> str:
    return f"Limitato al massimo riconoscibile: {format_percent(ceiling)}."


def _negative_words() -> str:
    return f"Un raggiungimento negativo vale {format_percent(ZERO)}."


def _result_words(result: Decimal) -> str:
    return f"Raggiungimento: {format_percent(result)}."


# -- milestones -----------------------------------------------------------------------------------


def _score_milestone(
    target: Target, measurement: Measurement, rule: IndicatorRule, work: _Work
) -> Achievement:
    inputs = {
        "target_kind": target.kind,
        "due_date": target.due_date,
        "completed_on": measurement.completed_on,
        "as_of": measurement.as_of,
        "late_policy": rule.late_policy,
    }
    due = target.due_date
    if due is None:
        return _missing(work, inputs, _text, "Traguardo senza data di scadenza.")
    work.data = inputs
    work.say(_due_words, due)
    done = measurement.completed_on
    if done is not None and done <= due:
        work.say(_on_time_words, done)
        return _milestone_result(HUNDRED, rule, work)
    if done is not None:
        days_late = (done - due).days
        work.say(_done_late_words, done, days_late)
    elif measurement.as_of is None:
        work.say(_not_done_words)
        return _milestone_result(ZERO, rule, work)
    elif measurement.as_of <= due:
        return _missing(work, inputs, _not_yet_due_words, due, measurement.as_of)
    else:
        days_late = (measurement.as_of - due).days
        work.say(_not_yet_done_words, measurement.as_of, days_late)
    work.data["days_late"] = days_late
    return _milestone_result(_late_credit(days_late, rule, work), rule, work)


def _due_words(due: date) -> str:
    return f"Traguardo entro il {format_date(due)}."


def _on_time_words(done: date) -> str:
    return f"Concluso il {format_date(done)}, nei tempi → {format_percent(HUNDRED)}."


def _done_late_words(done: date, days_late: int) -> str:
    return f"Concluso il {format_date(done)}, con {days_late} giorni di ritardo."


def _not_done_words() -> str:
    return f"Non concluso → {format_percent(ZERO)}."


def _not_yet_due_words(due: date, as_of: date) -> str:
    return (
        f"Traguardo entro il {format_date(due)} non ancora concluso al "
        f"{format_date(as_of)}: scadenza non ancora passata."
    )


def _not_yet_done_words(as_of: date, days_late: int) -> str:
    return f"Non ancora concluso al {format_date(as_of)}: almeno {days_late} giorni di ritardo."


def _late_credit(days_late: int, rule: IndicatorRule, work: _Work) -> Decimal:
    policies: dict[LatePolicy, Callable[[int, IndicatorRule, _Work], Decimal]] = {
        LatePolicy.ZERO: _late_zero,
        LatePolicy.LINEAR: _late_linear,
        LatePolicy.BANDS: _late_bands,
    }
    return policies[rule.late_policy](days_late, rule, work)


def _late_zero(days_late: int, rule: IndicatorRule, work: _Work) -> Decimal:
    work.say(_late_zero_words)
    return ZERO


def _late_zero_words() -> str:
    return f"In ritardo → {format_percent(ZERO)}."


def _late_linear(days_late: int, rule: IndicatorRule, work: _Work) -> Decimal:
    days = Decimal(rule.late_days_to_zero)
    raw = max(HUNDRED - Decimal(days_late) * HUNDRED / days, ZERO)
    work.say(_late_linear_words, rule.late_days_to_zero, days_late, raw)
    return raw


def _late_linear_words(days_to_zero: int, days_late: int, raw: Decimal) -> str:
    return (
        f"Riduzione lineare fino a 0 in {days_to_zero} giorni: "
        f"100 − {days_late} × 100 / {days_to_zero} = {format_percent(raw)}."
    )


def _late_bands(days_late: int, rule: IndicatorRule, work: _Work) -> Decimal:
    if not rule.late_bands:
        raise ValueError("regola a fasce di ritardo senza fasce")
    for band in sorted(rule.late_bands, key=lambda band: band.max_days):
        if days_late <= band.max_days:
            work.say(_late_band_words, band)
            return band.score
    work.say(_beyond_the_late_bands_words)
    return ZERO


def _late_band_words(band: DelayBand) -> str:
    return f"Fascia di ritardo fino a {band.max_days} giorni → {format_percent(band.score)}."


def _beyond_the_late_bands_words() -> str:
    return f"Ritardo oltre l'ultima fascia → {format_percent(ZERO)}."


def _milestone_result(raw: Decimal, rule: IndicatorRule, work: _Work) -> Achievement:
    percent = _finish(raw, rule, HUNDRED, work)
    return Achievement(Outcome.SCORED, percent, work.explanation("milestone", "Traguardo a data"))
