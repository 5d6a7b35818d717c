"""Conversions between the plan's rows and the engine's plain data.

No queries here: callers load the rows (in a constant number of queries) and these helpers turn
them into `engine` dataclasses — the target of an indicator, the SMVP settings of an ente, the
number a person typed. The names a formula may use are the plan's (`planning.formulas`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from engine import achievement as ea
from engine.config import (
    CompositionSource,
    ConfigError,
    EnteComponent,
    SmvpSettings,
)
from engine.numbers import NumberError, to_decimal
from planning.models import Indicator, OperationalObjective, OrganisationalPerformanceLevel, Target

HUNDRED = Decimal("100")
VALUE_QUANTUM = Decimal("0.0001")  # Measurement.value has 4 decimal places
MAX_VALUE = Decimal("1e14")  # Measurement.value has 18 digits, 4 of them decimals


class NotANumber(ValueError):
    """The text typed is not a number; the message is Italian and names the value."""


def parse_number(raw: object) -> Decimal | None:
    """A number typed the Italian way («1.234,5», «60,36 %», «1.700» is 1700), read by the one
    parser of `engine.numbers`; a Decimal or int as it is. Empty input gives None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return to_decimal(raw)
    except NumberError as exc:
        raise NotANumber(f"Il valore {exc}") from None
    except (TypeError, ValueError):
        raise NotANumber(f"Il valore «{raw}» non è un numero") from None


def is_percent(unit_of_measure: str) -> bool:
    return unit_of_measure.strip() == "%"


class TargetRow(NamedTuple):
    """A target as scoring reads it, from `values_list` (a large ente has 12,000 of them)."""

    indicator_id: int
    year: int
    kind: str
    value: Decimal | None
    value_to: Decimal | None
    target_date: dt.date | None
    text: str


TARGET_FIELDS = TargetRow._fields


class IndicatorRow(NamedTuple):
    """An indicator as scoring reads it, from `values_list` (a large ente has 12,000: as model
    instances they were a fifth of its cold scores). The score board hands it to the pages as
    `entry.indicator`, with the fields they show; `str()` is the model's."""

    pk: int
    key: str
    code: str
    name: str
    scope: str
    objective_id: int | None
    unit_id: int | None
    group_unit_id: int | None  # the unit of the indicator's table, if it is in one
    polarity: str
    baseline_value: Decimal | None
    baseline_year: int | None
    weight: Decimal | None
    formula_expression: str
    unit_of_measure: str

    def __str__(self) -> str:
        return f"{self.code} {self.name[:80]}".strip()

    @property
    def expression(self) -> str:
        """The machine formula of a computed indicator ('' for one measured by hand)."""
        return (self.formula_expression or "").strip()

    @property
    def is_computed(self) -> bool:
        return bool(self.expression)

    @classmethod
    def of(cls, indicator: Indicator) -> IndicatorRow:
        """The row of an instance loaded with its table (`select_related("group")`)."""
        group = indicator.group if indicator.group_id else None
        return cls(
            indicator.pk,
            indicator.key,
            indicator.code,
            indicator.name,
            indicator.scope,
            indicator.objective_id,
            indicator.unit_id,
            group.unit_id if group is not None else None,
            indicator.polarity,
            indicator.baseline_value,
            indicator.baseline_year,
            indicator.weight,
            indicator.formula_expression,
            indicator.unit_of_measure,
        )


INDICATOR_FIELDS = ("id", *IndicatorRow._fields[1:7], "group__unit_id", *IndicatorRow._fields[8:])


class ObjectiveRow(NamedTuple):
    """An operational objective as scoring reads it, from `values_list`; the board hands it to
    the pages as `entry.objective`, with the fields they show; `str()` is the model's."""

    pk: int
    key: str
    code: str
    title: str
    unit_id: int | None
    weight: Decimal | None
    deadline: dt.date | None
    is_payment_time: bool
    years: list[int]
    weight_group_id: int | None

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    @classmethod
    def of(cls, objective: OperationalObjective) -> ObjectiveRow:
        return cls(*(getattr(objective, name) for name in cls._fields))


OBJECTIVE_FIELDS = ("id", *ObjectiveRow._fields[1:])


@dataclass(frozen=True)
class PreviousValue:
    """The value a target relative to the previous year compares with, and where it was read
    (the previous cycle's final value, or the indicator's baseline)."""

    value: Decimal | None
    origin: ea.PreviousOrigin
    year: int | None
    note: str = ""


def baseline_as_previous(indicator: Indicator | IndicatorRow) -> PreviousValue:
    """The plan's «valore di partenza», used when no previous cycle says otherwise."""
    return PreviousValue(
        indicator.baseline_value, ea.PreviousOrigin.BASELINE, indicator.baseline_year
    )


# The engine's enums by their stored values: a dictionary is cheaper than the enum's call, and
# 12,000 targets are converted per board (an unknown value still goes to the call, which refuses).
_POLARITIES = {polarity.value: polarity for polarity in ea.Polarity}
_KINDS = {kind.value: kind for kind in ea.TargetKind}


def engine_target(
    indicator: Indicator | IndicatorRow,
    target: Target | TargetRow | None,
    previous: PreviousValue | None = None,
) -> ea.Target:
    """The engine's target for an indicator's row of the cycle year (None: no target).

    `previous` is the value of the year before for the kinds relative to it (see
    `measurement.selectors`); without it the indicator's baseline is used.
    """
    polarity = _POLARITIES.get(indicator.polarity) or ea.Polarity(indicator.polarity)
    if target is None:
        return ea.Target(ea.TargetKind.VALUE, None, polarity=polarity, text="")
    kind = _KINDS.get(target.kind) or ea.TargetKind(target.kind)
    extra = {}
    if kind.is_relative_to_previous:
        previous = previous or baseline_as_previous(indicator)
        extra = {
            "previous_value": previous.value,
            "previous_origin": previous.origin,
            "previous_year": previous.year,
            "previous_note": previous.note,
        }
    return ea.Target(
        kind=kind,
        value=target.value,
        value_to=target.value_to,
        due_date=target.target_date,
        polarity=polarity,
        text=target.text,
        **extra,
    )


def ente_settings(
    stored: dict | None, levels: list[OrganisationalPerformanceLevel] | None = None
) -> SmvpSettings:
    """The SMVP settings of an ente, with the composition of the cycle's organisational levels.

    Level «ente» → ente-level indicators; «area» and «unit» → mean of the top-level units.
    Without levels the ente's own composition applies (by default: units only). Settings stored
    invalid (they are validated when saved, so only by hand in the database) fall back to the
    defaults rather than breaking every page.
    """
    try:
        settings = SmvpSettings.from_dict(stored or {})
    except ConfigError:
        settings = SmvpSettings()
    if not levels:
        return settings
    weights: dict[CompositionSource, Decimal] = {}
    for level in levels:
        source = (
            CompositionSource.ENTE_INDICATORS
            if level.level == OrganisationalPerformanceLevel.Level.ENTE
            else CompositionSource.UNITS
        )
        weights[source] = weights.get(source, Decimal(0)) + Decimal(level.weight)
    if not any(weights.values()):
        return settings
    composition = tuple(EnteComponent(source, weight) for source, weight in weights.items())
    return SmvpSettings(
        indicator=settings.indicator,
        cap=settings.cap,
        objective_aggregation=settings.objective_aggregation,
        missing=settings.missing,
        status=settings.status,
        ente_composition=composition,
    )
