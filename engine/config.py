"""The SMVP settings of an ente, as frozen dataclasses with defaults and JSON (de)serialisation.

The app stores `SmvpSettings.to_dict()` in `Ente.smvp_settings` and rebuilds it with
`SmvpSettings.from_dict(...)`, which validates every key and reports *all* problems at once with
Italian messages naming the key ("smvp.cap: deve essere un numero tra 100 e 200"), so that a form
can show them next to the right field. Missing keys take the defaults below; unknown keys are
errors (a typo must not silently fall back to a default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from engine.numbers import HUNDRED, ZERO, json_decimal
from engine.numbers import jsonable as _jsonable

ROOT = "smvp"
MAX_CAP = Decimal(200)


class ScoringMethod(StrEnum):
    LINEAR = "linear"
    RATIO = "ratio"
    BINARY = "binary"
    BANDS = "bands"

    @property
    def label(self) -> str:
        return {
            ScoringMethod.LINEAR: "Lineare tra baseline e target",
            ScoringMethod.RATIO: "Rapporto al target",
            ScoringMethod.BINARY: "Tutto o niente",
            ScoringMethod.BANDS: "Fasce di punteggio",
        }[self]


class ToleranceKind(StrEnum):
    ABSOLUTE = "absolute"  # in the unit of the indicator
    PERCENT = "percent"  # percent of the target value


class BandBasis(StrEnum):
    ACHIEVEMENT = "achievement"  # bands over the degree of achievement (linear/ratio, uncapped)
    VALUE = "value"  # bands over the measured value itself


class RangeOutside(StrEnum):
    ZERO = "zero"  # outside the interval nothing is credited
    PROPORTIONAL = "proportional"  # credit falls with the distance from the nearest bound


class LatePolicy(StrEnum):
    ZERO = "zero"  # late is not done
    LINEAR = "linear"  # minus an equal share per day late, down to zero
    BANDS = "bands"  # table of delays


class ObjectiveAggregation(StrEnum):
    WEIGHTED_MEAN = "weighted_mean"
    ALL_TARGETS = "all_targets"
    PHASES = "phases"

    @property
    def label(self) -> str:
        return {
            ObjectiveAggregation.WEIGHTED_MEAN: "Media ponderata degli indicatori",
            ObjectiveAggregation.ALL_TARGETS: "Tutti i target devono essere raggiunti",
            ObjectiveAggregation.PHASES: "Avanzamento delle fasi",
        }[self]


class MissingPolicy(StrEnum):
    EXCLUDE = "exclude"  # leave out and re-weight the others
    ZERO = "zero"  # count as 0 %

    @property
    def label(self) -> str:
        if self is MissingPolicy.EXCLUDE:
            return "i dati mancanti sono esclusi e i pesi ridistribuiti"
        return "i dati mancanti valgono 0 %"


class CompositionSource(StrEnum):
    ENTE_INDICATORS = "ente_indicators"
    UNITS = "units"
    OBJECTIVES = "objectives"

    @property
    def label(self) -> str:
        return {
            CompositionSource.ENTE_INDICATORS: "Indicatori di ente",
            CompositionSource.UNITS: "Media delle strutture",
            CompositionSource.OBJECTIVES: "Media degli obiettivi",
        }[self]


def coerce_enums(instance: Any, **enums: type[StrEnum]) -> None:
    """Let callers write method="binary" as well as ScoringMethod.BINARY (invalid values raise)."""
    for name, enum in enums.items():
        value = getattr(instance, name)
        if not isinstance(value, enum):
            object.__setattr__(instance, name, enum(value))


@dataclass(frozen=True)
class Band:
    """From `lower` (inclusive) up to the next band's lower bound, the achievement is `score`."""

    lower: Decimal
    score: Decimal


@dataclass(frozen=True)
class DelayBand:
    """Up to `max_days` days late (inclusive) the achievement is `score`."""

    max_days: int
    score: Decimal


@dataclass(frozen=True)
class IndicatorRule:
    """How one indicator's measured value becomes an achievement percentage."""

    method: ScoringMethod = ScoringMethod.LINEAR
    tolerance: Decimal = ZERO
    tolerance_kind: ToleranceKind = ToleranceKind.PERCENT
    minimum: Decimal = ZERO  # an achievement below this percentage counts as 0
    bands_basis: BandBasis = BandBasis.ACHIEVEMENT
    bands: tuple[Band, ...] = ()
    range_outside: RangeOutside = RangeOutside.PROPORTIONAL
    # Percent deviation from the nearest bound at which a range target's credit reaches 0.
    range_zero_deviation: Decimal = HUNDRED
    late_policy: LatePolicy = LatePolicy.ZERO
    late_days_to_zero: int = 30
    late_bands: tuple[DelayBand, ...] = ()

    def __post_init__(self) -> None:
        coerce_enums(
            self,
            method=ScoringMethod,
            tolerance_kind=ToleranceKind,
            bands_basis=BandBasis,
            range_outside=RangeOutside,
            late_policy=LatePolicy,
        )

    @classmethod
    def from_dict(cls, data: Any, path: str = f"{ROOT}.indicator") -> IndicatorRule:
        reader = Reader()
        rule = reader.indicator_rule(data, path)
        reader.raise_if_errors()
        return rule

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "method": self.method,
                "tolerance": self.tolerance,
                "tolerance_kind": self.tolerance_kind,
                "minimum": self.minimum,
                "bands_basis": self.bands_basis,
                "bands": [{"from": band.lower, "score": band.score} for band in self.bands],
                "range_outside": self.range_outside,
                "range_zero_deviation": self.range_zero_deviation,
                "late_policy": self.late_policy,
                "late_days_to_zero": self.late_days_to_zero,
                "late_bands": [
                    {"max_days": band.max_days, "score": band.score} for band in self.late_bands
                ],
            }
        )


@dataclass(frozen=True)
class StatusThresholds:
    """When an objective is «raggiunto», «a rischio» or «in ritardo» during the year."""

    achieved: Decimal = HUNDRED  # achievement at or above this is «raggiunto»
    at_risk_gap: Decimal = Decimal(10)  # expected − actual progress above this is «a rischio»
    late_gap: Decimal = Decimal(25)  # … and above this is «in ritardo»
    due_soon_days: int = 15  # an unfinished phase due within these days is «a rischio»

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "achieved": self.achieved,
                "at_risk_gap": self.at_risk_gap,
                "late_gap": self.late_gap,
                "due_soon_days": self.due_soon_days,
            }
        )


@dataclass(frozen=True)
class EnteComponent:
    source: CompositionSource
    weight: Decimal

    def __post_init__(self) -> None:
        coerce_enums(self, source=CompositionSource)


DEFAULT_COMPOSITION = (EnteComponent(CompositionSource.UNITS, HUNDRED),)


@dataclass(frozen=True)
class SmvpSettings:
    indicator: IndicatorRule = field(default_factory=IndicatorRule)
    cap: Decimal = HUNDRED  # 100 = no over-achievement; up to 200
    objective_aggregation: ObjectiveAggregation = ObjectiveAggregation.WEIGHTED_MEAN
    missing: MissingPolicy = MissingPolicy.EXCLUDE
    status: StatusThresholds = field(default_factory=StatusThresholds)
    ente_composition: tuple[EnteComponent, ...] = DEFAULT_COMPOSITION

    def __post_init__(self) -> None:
        coerce_enums(self, objective_aggregation=ObjectiveAggregation, missing=MissingPolicy)

    @classmethod
    def from_dict(cls, data: Any) -> SmvpSettings:
        reader = Reader()
        settings = reader.settings(data)
        reader.raise_if_errors()
        return settings

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.to_dict(),
            "cap": _jsonable(self.cap),
            "objective_aggregation": self.objective_aggregation.value,
            "missing": self.missing.value,
            "status": self.status.to_dict(),
            "ente_composition": [
                {"source": part.source.value, "weight": _jsonable(part.weight)}
                for part in self.ente_composition
            ],
        }


class ConfigError(ValueError):
    """Invalid SMVP settings; `errors` lists (key, Italian message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.errors))


_MISSING = object()


class Reader:
    """Reads a JSON-like dict into the dataclasses, collecting every error with its key path."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ConfigError(self.errors)

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    # -- the settings ---------------------------------------------------------------------------

    def settings(self, data: Any) -> SmvpSettings:
        defaults = SmvpSettings()
        if data is None:
            return defaults
        items = self.mapping(data, ROOT, SETTINGS_KEYS)
        if items is None:
            return defaults
        return SmvpSettings(
            indicator=self.indicator_rule(items.get("indicator"), f"{ROOT}.indicator"),
            cap=self.number(items, "cap", ROOT, defaults.cap, HUNDRED, MAX_CAP),
            objective_aggregation=self.choice(
                items, "objective_aggregation", ROOT, ObjectiveAggregation, defaults
            ),
            missing=self.choice(items, "missing", ROOT, MissingPolicy, defaults),
            status=self.status(items.get("status"), f"{ROOT}.status"),
            ente_composition=self.composition(items, ROOT, defaults.ente_composition),
        )

    def indicator_rule(self, data: Any, path: str) -> IndicatorRule:
        defaults = IndicatorRule()
        if data is None:
            return defaults
        items = self.mapping(data, path, INDICATOR_KEYS)
        if items is None:
            return defaults
        rule = IndicatorRule(
            method=self.choice(items, "method", path, ScoringMethod, defaults),
            tolerance=self.number(items, "tolerance", path, defaults.tolerance, ZERO, None),
            tolerance_kind=self.choice(items, "tolerance_kind", path, ToleranceKind, defaults),
            minimum=self.number(items, "minimum", path, defaults.minimum, ZERO, HUNDRED),
            bands_basis=self.choice(items, "bands_basis", path, BandBasis, defaults),
            bands=self.bands(items, path),
            range_outside=self.choice(items, "range_outside", path, RangeOutside, defaults),
            range_zero_deviation=self.number(
                items, "range_zero_deviation", path, defaults.range_zero_deviation, ZERO, None
            ),
            late_policy=self.choice(items, "late_policy", path, LatePolicy, defaults),
            late_days_to_zero=self.integer(
                items, "late_days_to_zero", path, defaults.late_days_to_zero, 1, 3660
            ),
            late_bands=self.late_bands(items, path),
        )
        if rule.range_zero_deviation == ZERO and "range_zero_deviation" in items:
            self.error(f"{path}.range_zero_deviation", "deve essere maggiore di zero")
        if rule.method is ScoringMethod.BANDS and not rule.bands:
            self.error(f"{path}.bands", "servono le fasce quando il metodo è «bands»")
        if rule.late_policy is LatePolicy.BANDS and not rule.late_bands:
            self.error(
                f"{path}.late_bands", "servono le fasce di ritardo quando «late_policy» è «bands»"
            )
        return rule

    def status(self, data: Any, path: str) -> StatusThresholds:
        defaults = StatusThresholds()
        if data is None:
            return defaults
        items = self.mapping(data, path, STATUS_KEYS)
        if items is None:
            return defaults
        thresholds = StatusThresholds(
            achieved=self.number(items, "achieved", path, defaults.achieved, ZERO, MAX_CAP),
            at_risk_gap=self.number(
                items, "at_risk_gap", path, defaults.at_risk_gap, ZERO, HUNDRED
            ),
            late_gap=self.number(items, "late_gap", path, defaults.late_gap, ZERO, HUNDRED),
            due_soon_days=self.integer(
                items, "due_soon_days", path, defaults.due_soon_days, 0, 366
            ),
        )
        if thresholds.late_gap < thresholds.at_risk_gap:
            self.error(f"{path}.late_gap", "deve essere maggiore o uguale a «at_risk_gap»")
        return thresholds

    def composition(
        self, items: Mapping[str, Any], path: str, default: tuple[EnteComponent, ...]
    ) -> tuple[EnteComponent, ...]:
        rows = self.rows(items, "ente_composition", path)
        if rows is None:
            return default
        parts: list[EnteComponent] = []
        for index, row in enumerate(rows):
            row_path = f"{path}.ente_composition[{index}]"
            fields = self.mapping(row, row_path, frozenset({"source", "weight"}))
            if fields is None:
                continue
            source = self.choice(fields, "source", row_path, CompositionSource, None)
            weight = self.number(fields, "weight", row_path, None, ZERO, HUNDRED)
            if source is None or weight is None:
                continue
            if any(part.source is source for part in parts):
                self.error(f"{row_path}.source", f"«{source.value}» compare più di una volta")
                continue
            parts.append(EnteComponent(source, weight))
        if not rows:
            self.error(f"{path}.ente_composition", "serve almeno una componente")
        elif parts and sum(part.weight for part in parts) == ZERO:
            self.error(f"{path}.ente_composition", "la somma dei pesi deve essere maggiore di zero")
        return tuple(parts) or default

    def bands(self, items: Mapping[str, Any], path: str) -> tuple[Band, ...]:
        rows = self.rows(items, "bands", path) or []
        bands = []
        for index, row in enumerate(rows):
            row_path = f"{path}.bands[{index}]"
            fields = self.mapping(row, row_path, frozenset({"from", "score"}))
            if fields is None:
                continue
            lower = self.number(fields, "from", row_path, None, None, None)
            score = self.number(fields, "score", row_path, None, ZERO, MAX_CAP)
            if lower is not None and score is not None:
                bands.append(Band(lower, score))
        bands.sort(key=lambda band: band.lower)
        if len({band.lower for band in bands}) < len(bands):
            self.error(f"{path}.bands", "due fasce hanno lo stesso limite inferiore")
        return tuple(bands)

    def late_bands(self, items: Mapping[str, Any], path: str) -> tuple[DelayBand, ...]:
        rows = self.rows(items, "late_bands", path) or []
        bands = []
        for index, row in enumerate(rows):
            row_path = f"{path}.late_bands[{index}]"
            fields = self.mapping(row, row_path, frozenset({"max_days", "score"}))
            if fields is None:
                continue
            max_days = self.integer(fields, "max_days", row_path, None, 1, 3660)
            score = self.number(fields, "score", row_path, None, ZERO, HUNDRED)
            if max_days is not None and score is not None:
                bands.append(DelayBand(max_days, score))
        bands.sort(key=lambda band: band.max_days)
        if len({band.max_days for band in bands}) < len(bands):
            self.error(f"{path}.late_bands", "due fasce hanno lo stesso numero di giorni")
        return tuple(bands)

    # -- primitives -----------------------------------------------------------------------------

    def mapping(self, data: Any, path: str, allowed: frozenset[str]) -> Mapping[str, Any] | None:
        if not isinstance(data, Mapping):
            self.error(path, "deve essere un oggetto (chiave: valore)")
            return None
        for key in data:
            if key not in allowed:
                self.error(f"{path}.{key}", "chiave sconosciuta")
        return data

    def rows(self, items: Mapping[str, Any], key: str, path: str) -> list[Any] | None:
        value = items.get(key, _MISSING)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, list | tuple):
            self.error(f"{path}.{key}", "deve essere un elenco")
            return None
        return list(value)

    def number(
        self,
        items: Mapping[str, Any],
        key: str,
        path: str,
        default: Decimal | None,
        low: Decimal | None,
        high: Decimal | None,
    ) -> Decimal | None:
        raw = items.get(key, _MISSING)
        if raw is _MISSING or raw is None:
            if default is None:
                self.error(f"{path}.{key}", "valore obbligatorio")
            return default
        try:
            value = json_decimal(raw)  # «1.700» is 1.7 in JSON, as `to_dict` writes it
        except (TypeError, ValueError):
            value = None
        if (
            value is None
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            self.error(f"{path}.{key}", _range_message("un numero", low, high))
            return default
        return value

    def integer(
        self,
        items: Mapping[str, Any],
        key: str,
        path: str,
        default: int | None,
        low: int,
        high: int,
    ) -> int | None:
        raw = items.get(key, _MISSING)
        if raw is _MISSING or raw is None:
            if default is None:
                self.error(f"{path}.{key}", "valore obbligatorio")
            return default
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            self.error(f"{path}.{key}", _range_message("un numero intero", low, high))
            return default
        return raw

    def choice(self, items: Mapping[str, Any], key: str, path: str, enum: type, defaults: Any):
        default = getattr(defaults, key) if defaults is not None else None
        raw = items.get(key, _MISSING)
        if raw is _MISSING or raw is None:
            if default is None:
                self.error(f"{path}.{key}", "valore obbligatorio")
            return default
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.error(f"{path}.{key}", f"valore «{raw}» non ammesso (ammessi: {allowed})")
            return default


def _range_message(what: str, low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"deve essere {what} tra {low} e {high}"
    if low is not None:
        return f"deve essere {what} maggiore o uguale a {low}"
    return f"deve essere {what}"


SETTINGS_KEYS = frozenset(
    {"indicator", "cap", "objective_aggregation", "missing", "status", "ente_composition"}
)
INDICATOR_KEYS = frozenset(
    {
        "method",
        "tolerance",
        "tolerance_kind",
        "minimum",
        "bands_basis",
        "bands",
        "range_outside",
        "range_zero_deviation",
        "late_policy",
        "late_days_to_zero",
        "late_bands",
    }
)
STATUS_KEYS = frozenset({"achieved", "at_risk_gap", "late_gap", "due_soon_days"})
