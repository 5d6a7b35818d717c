"""Conversions between the plan's rows and the engine's plain data.

No queries here: callers load the rows (in a constant number of queries) and these helpers turn
them into `engine` dataclasses — the target of an indicator, the SMVP settings of an ente, the
names a formula may use, the number a person typed.
"""

from __future__ import annotations

from decimal import Decimal

from engine import achievement as ea
from engine.config import (
    CompositionSource,
    ConfigError,
    EnteComponent,
    SmvpSettings,
)
from engine.numbers import NumberError, to_decimal
from planning.models import Indicator, OrganisationalPerformanceLevel, Target

HUNDRED = Decimal("100")
VALUE_QUANTUM = Decimal("0.0001")  # Measurement.value has 4 decimal places
MAX_VALUE = Decimal("1e14")  # Measurement.value has 18 digits, 4 of them decimals


class NotANumber(ValueError):
    """The text typed is not a number; the message is Italian and names the value."""


def parse_number(raw: object) -> Decimal | None:
    """A value typed for an indicator, by the Italian rules of `engine.numbers.parse_number`
    («1.700» is 1700, «60,36 %» is 60.36); empty input gives None."""
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


def formula_expression(indicator: Indicator) -> str:
    """The machine formula of a computed indicator ('' for an indicator measured by hand)."""
    return (getattr(indicator, "formula_expression", "") or "").strip()


def is_computed(indicator: Indicator) -> bool:
    return bool(formula_expression(indicator))


def formula_name(key: str) -> str:
    """The name a formula uses for a parameter or an indicator key: «n-depositi» → «n_depositi»."""
    return key.replace("-", "_").lower()


def engine_target(indicator: Indicator, target: Target | None) -> ea.Target:
    """The engine's target for an indicator's row of the cycle year (None: no target)."""
    polarity = ea.Polarity(indicator.polarity)
    if target is None:
        return ea.Target(ea.TargetKind.VALUE, None, polarity=polarity, text="")
    kind = ea.TargetKind(target.kind)
    previous = None
    if kind is ea.TargetKind.GTE_PREVIOUS:
        # The plan's "valore di partenza" is the previous year's actual.
        previous = indicator.baseline_value
    return ea.Target(
        kind=kind,
        value=target.value,
        value_to=target.value_to,
        due_date=target.target_date,
        previous_value=previous,
        polarity=polarity,
        text=target.text,
    )


def is_measurable(target: Target | None) -> bool:
    """A target the engine can score (not descriptive)."""
    return target is not None and target.kind != "text"


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
