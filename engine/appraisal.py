"""Individual evaluation: the scheda of a person, its score, its band, and the conciliation.

A scheda follows the ente's scheme (`AppraisalScheme`):

* components with weights totalling 100: performance of the person's own unit or of the ente,
  individual or group objectives, organisational behaviours, presence-based parts;
* a non-behaviour component receives an achievement percentage (0–100, e.g. from
  `engine.rollup`); a behaviours component receives one rating per behaviour on the scheme's
  scale (1–4, 1–5, 1–10…), converted to a percentage (rating / maximum, or from the minimum:
  (rating − minimum) / (maximum − minimum)) and averaged by the behaviours' weights;
* each component gives weight × percentage of the scheme's points (100, or e.g. 60): on a
  60-point scale a component weighing 30 is worth 18 points; the total is the sum of the
  components' points, and the percentage of the maximum follows from it.

Rules checked (`check_scheme`, `AppraisalScheme.from_dict`), with Italian messages naming the key:
weights total 100; ratings on the scale; for dirigenti and EQ (art. 9 c.1 D.Lgs. 150/2009) the
performance of the unit of direct responsibility has the prevailing weight ("largest": strictly
greater than every other component, the default; or "majority": more than 50) and the behaviours
include the «capacità di differenziare i giudizi» of the collaborators (lett. d).

Protected leave (art. 9 c.3: maternità, paternità, congedo parentale) never lowers a score: a
component computed on presence, or flagged as presence-sensitive, is computed over the days not
on protected leave, and never below what the person would have had by working those days
instead (see `neutralise_protected_leave`).

Score bands (`ScoreBands`) map points to a premium percentage, e.g. on a 60-point scale
«54–60 → 100 %, 37–53 → 80 %, 25–36 → 50 %, 19–24 → 25 %, 0–18 → 0 %»; a score is in the band
with the greatest lower bound not above it (53,5 is in 37–53). The table must start at the
scale's minimum, end at its maximum, not overlap, leave no gap wider than its resolution (1 point
by default, so 53 → 54 is contiguous) and never lower the percentage as the score grows. Below
`negative_below` an evaluation is negative (by default, below the first band that pays).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from engine.config import ConfigError, Reader, coerce_enums
from engine.explanation import Explanation
from engine.numbers import (
    HUNDRED,
    ZERO,
    arithmetic,
    format_number,
    format_percent,
    internal,
    json_key,
    jsonable,
    present,
    to_decimal,
)

ROOT = "scheda"
BANDS_ROOT = "fasce"
ONE = Decimal(1)


class Role(StrEnum):
    STAFF = "staff"
    EQ = "eq"
    DIRIGENTE = "dirigente"

    @property
    def label(self) -> str:
        return {
            Role.STAFF: "Dipendente",
            Role.EQ: "Elevata qualificazione",
            Role.DIRIGENTE: "Dirigente",
        }[self]

    @property
    def is_manager(self) -> bool:
        """Dirigenti and EQ: art. 9 c.1 D.Lgs. 150/2009 applies."""
        return self is not Role.STAFF


class ComponentKind(StrEnum):
    UNIT_PERFORMANCE = "unit_performance"  # performance of the unit of direct responsibility
    ENTE_PERFORMANCE = "ente_performance"
    OBJECTIVES = "objectives"  # individual or group objectives
    BEHAVIOURS = "behaviours"
    PRESENCE = "presence"  # computed on presence in service
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            ComponentKind.UNIT_PERFORMANCE: "Performance della struttura di diretta responsabilità",
            ComponentKind.ENTE_PERFORMANCE: "Performance dell'ente",
            ComponentKind.OBJECTIVES: "Obiettivi individuali o di gruppo",
            ComponentKind.BEHAVIOURS: "Comportamenti organizzativi",
            ComponentKind.PRESENCE: "Presenza in servizio",
            ComponentKind.OTHER: "Altro",
        }[self]


class Prevalence(StrEnum):
    LARGEST = "largest"  # strictly greater than every other component
    MAJORITY = "majority"  # more than 50

    @property
    def label(self) -> str:
        if self is Prevalence.LARGEST:
            return "peso maggiore di ogni altra componente"
        return "peso superiore al 50 %"


class Conversion(StrEnum):
    PROPORTIONAL = "proportional"  # rating / maximum
    FROM_MINIMUM = "from_minimum"  # (rating − minimum) / (maximum − minimum)

    @property
    def label(self) -> str:
        if self is Conversion.PROPORTIONAL:
            return "voto / massimo della scala"
        return "(voto − minimo) / (massimo − minimo)"


# -- the scheme ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingScale:
    """The scale of the behaviour ratings; `step` None allows any value in between."""

    minimum: Decimal = ONE
    maximum: Decimal = Decimal(5)
    step: Decimal | None = ONE

    @property
    def text(self) -> str:
        return f"{format_number(self.minimum)}–{format_number(self.maximum)}"

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"min": self.minimum, "max": self.maximum, "step": self.step})


@dataclass(frozen=True)
class Behaviour:
    code: str
    label: str = ""
    weight: Decimal = ONE  # relative to the other behaviours of the same component
    differentiation: bool = False  # «capacità di differenziare i giudizi» (art. 9 c.1 lett. d)

    @property
    def name(self) -> str:
        return self.label or self.code

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "code": self.code,
                "label": self.label,
                "weight": self.weight,
                "differentiation": self.differentiation,
            }
        )


@dataclass(frozen=True)
class Component:
    code: str
    kind: ComponentKind
    weight: Decimal  # the components' weights total 100
    label: str = ""
    behaviours: tuple[Behaviour, ...] = ()  # only for BEHAVIOURS
    presence_sensitive: bool = False  # computed on presence: protected leave is neutralised

    def __post_init__(self) -> None:
        coerce_enums(self, kind=ComponentKind)

    @property
    def name(self) -> str:
        return self.label or self.kind.label

    @property
    def on_presence(self) -> bool:
        return self.presence_sensitive or self.kind is ComponentKind.PRESENCE

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "kind": self.kind.value,
            "weight": jsonable(self.weight),
            "label": self.label,
            "presence_sensitive": self.presence_sensitive,
        }
        if self.behaviours:
            data["behaviours"] = [behaviour.to_dict() for behaviour in self.behaviours]
        return data


@dataclass(frozen=True)
class ScoreBand:
    """Scores from `lower` to `upper` (in points, inclusive) earn `percent` of the premium."""

    lower: Decimal
    upper: Decimal
    percent: Decimal
    label: str = ""

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if self.lower == ZERO:
            return f"Valutazione fino a {format_number(self.upper)} punti"
        return (
            f"Valutazione compresa tra {format_number(self.lower)} e "
            f"{format_number(self.upper)} punti"
        )

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {"from": self.lower, "to": self.upper, "percent": self.percent, "label": self.label}
        )


@dataclass(frozen=True)
class BandResult:
    score: Decimal
    band: ScoreBand
    negative: bool
    explanation: Explanation

    @property
    def percent(self) -> Decimal:
        return self.band.percent

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": jsonable(self.score),
            "band": self.band.to_dict(),
            "band_label": self.band.name,
            "percent": jsonable(self.percent),
            "negative": self.negative,
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class ScoreBands:
    """The table from points to premium percentage, with the negative-evaluation threshold."""

    bands: tuple[ScoreBand, ...]
    maximum: Decimal = HUNDRED
    minimum: Decimal = ZERO
    negative_below: Decimal | None = None  # None: below the first band that pays
    resolution: Decimal = ONE  # the widest gap allowed between one band's end and the next

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.bands, key=lambda band: (band.lower, band.upper)))
        object.__setattr__(self, "bands", ordered)

    @property
    def negative_threshold(self) -> Decimal:
        if self.negative_below is not None:
            return self.negative_below
        paying = [band.lower for band in self.bands if band.percent > ZERO]
        return min(paying) if paying else self.minimum

    def is_negative(self, score: Decimal) -> bool:
        return score < self.negative_threshold

    def band_for(self, score: Decimal) -> ScoreBand:
        if not self.minimum <= score <= self.maximum:
            raise ValueError(
                f"punteggio {format_number(score)} fuori dalla scala "
                f"{format_number(self.minimum)}–{format_number(self.maximum)}"
            )
        raise_if_errors(check_bands(self))
        found = self.bands[0]
        for band in self.bands:
            if band.lower <= score:
                found = band
        return found

    def classify(self, score: Decimal) -> BandResult:
        score = to_decimal(score)
        band = self.band_for(score)
        negative = self.is_negative(score)
        text = (
            f"Punteggio {format_number(score, 2)} su {format_number(self.maximum)}: "
            f"{band.name} → premio al {format_percent(band.percent)}."
        )
        if band.upper < score:
            text += (
                f" Il punteggio cade tra due fasce: vale la fascia con il limite inferiore "
                f"più alto non superiore ({format_number(band.lower)})."
            )
        threshold = format_number(self.negative_threshold)
        if negative:
            text += f" Valutazione negativa: punteggio inferiore a {threshold}."
        else:
            text += f" Valutazione positiva (soglia di valutazione negativa: sotto {threshold})."
        data = {
            "score": score,
            "band_from": band.lower,
            "band_to": band.upper,
            "percent": band.percent,
            "negative": negative,
            "negative_below": self.negative_threshold,
        }
        return BandResult(
            score, band, negative, Explanation("band", "Fasce di punteggio", text, data)
        )

    @classmethod
    def from_dict(cls, data: Any, path: str = BANDS_ROOT) -> ScoreBands:
        reader = _SchemeReader()
        bands = reader.score_bands(data, path, None)
        reader.raise_if_errors()
        reader.errors.extend(check_bands(bands, path))
        reader.raise_if_errors()
        return bands

    def to_dict(self) -> dict[str, Any]:
        return {
            "bands": [band.to_dict() for band in self.bands],
            "maximum": jsonable(self.maximum),
            "minimum": jsonable(self.minimum),
            "negative_below": jsonable(self.negative_below),
            "resolution": jsonable(self.resolution),
        }


@dataclass(frozen=True)
class AppraisalScheme:
    components: tuple[Component, ...]
    role: Role = Role.STAFF
    max_points: Decimal = HUNDRED
    scale: RatingScale = field(default_factory=RatingScale)
    conversion: Conversion = Conversion.PROPORTIONAL
    prevalence: Prevalence = Prevalence.LARGEST
    bands: ScoreBands | None = None

    def __post_init__(self) -> None:
        coerce_enums(self, role=Role, conversion=Conversion, prevalence=Prevalence)

    def component(self, code: str) -> Component:
        for component in self.components:
            if component.code == code:
                return component
        raise KeyError(code)

    @classmethod
    def from_dict(cls, data: Any) -> AppraisalScheme:
        reader = _SchemeReader()
        scheme = reader.scheme(data)
        reader.raise_if_errors()
        reader.errors.extend(check_scheme(scheme))
        reader.raise_if_errors()
        return scheme

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role.value,
            "max_points": jsonable(self.max_points),
            "scale": self.scale.to_dict(),
            "conversion": self.conversion.value,
            "prevalence": self.prevalence.value,
            "components": [component.to_dict() for component in self.components],
            "bands": None if self.bands is None else self.bands.to_dict(),
        }


# -- validation ------------------------------------------------------------------------------------


def raise_if_errors(errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        raise ConfigError(list(errors))


def check_bands(bands: ScoreBands, path: str = BANDS_ROOT) -> list[tuple[str, str]]:
    """Every problem of a band table, as (key, Italian message) pairs."""
    errors: list[tuple[str, str]] = []
    key = f"{path}.bands"
    if bands.maximum <= bands.minimum:
        errors.append((f"{path}.maximum", "deve essere maggiore del minimo della scala"))
    if bands.resolution <= ZERO:
        errors.append((f"{path}.resolution", "deve essere maggiore di zero"))
    if not bands.bands:
        errors.append((key, "serve almeno una fascia"))
        return errors
    for index, band in enumerate(bands.bands):
        if band.lower > band.upper:
            errors.append((f"{key}[{index}]", "il limite inferiore supera quello superiore"))
        if not ZERO <= band.percent <= HUNDRED:
            errors.append((f"{key}[{index}].percent", "deve essere un numero tra 0 e 100"))
    first, last = bands.bands[0], bands.bands[-1]
    if first.lower != bands.minimum:
        errors.append((key, f"la fascia più bassa deve partire da {format_number(bands.minimum)}"))
    if last.upper != bands.maximum:
        errors.append((key, f"la fascia più alta deve arrivare a {format_number(bands.maximum)}"))
    for index in range(1, len(bands.bands)):
        before, band = bands.bands[index - 1], bands.bands[index]
        span = f"{format_number(before.lower)}–{format_number(before.upper)}"
        if band.lower <= before.upper:
            errors.append((f"{key}[{index}]", f"si sovrappone alla fascia {span}"))
        elif band.lower - before.upper > bands.resolution:
            errors.append(
                (
                    f"{key}[{index}]",
                    f"lascia scoperti i punteggi tra {format_number(before.upper)} e "
                    f"{format_number(band.lower)}",
                )
            )
        if band.percent < before.percent:
            errors.append(
                (
                    f"{key}[{index}].percent",
                    f"non può essere inferiore a quella della fascia {span}",
                )
            )
    if bands.negative_below is not None and not (
        bands.minimum <= bands.negative_below <= bands.maximum
    ):
        errors.append(
            (
                f"{path}.negative_below",
                f"deve essere un numero tra {format_number(bands.minimum)} e "
                f"{format_number(bands.maximum)}",
            )
        )
    return errors


def check_scheme(scheme: AppraisalScheme, path: str = ROOT) -> list[tuple[str, str]]:
    """Every problem of a scheme, as (key, Italian message) pairs."""
    errors: list[tuple[str, str]] = []
    scale = scheme.scale
    if scheme.max_points <= ZERO:
        errors.append((f"{path}.max_points", "deve essere maggiore di zero"))
    if scale.minimum < ZERO or scale.maximum <= scale.minimum:
        errors.append((f"{path}.scale", "serve 0 ≤ minimo < massimo"))
    elif scale.step is not None and (
        scale.step <= ZERO or (scale.maximum - scale.minimum) % scale.step != ZERO
    ):
        errors.append((f"{path}.scale.step", "deve dividere esattamente l'ampiezza della scala"))
    key = f"{path}.components"
    if not scheme.components:
        errors.append((key, "serve almeno una componente"))
        return errors
    codes: set[str] = set()
    behaviour_codes: set[str] = set()
    for index, component in enumerate(scheme.components):
        row = f"{key}[{index}]"
        if component.code in codes:
            errors.append((f"{row}.code", f"«{component.code}» compare più di una volta"))
        codes.add(component.code)
        if component.weight <= ZERO:
            errors.append((f"{row}.weight", "deve essere maggiore di zero"))
        if component.kind is ComponentKind.BEHAVIOURS and not component.behaviours:
            errors.append((f"{row}.behaviours", "serve almeno un comportamento"))
        if component.kind is not ComponentKind.BEHAVIOURS and component.behaviours:
            errors.append(
                (f"{row}.behaviours", "solo una componente «behaviours» ha comportamenti")
            )
        for position, behaviour in enumerate(component.behaviours):
            if behaviour.code in behaviour_codes:
                errors.append(
                    (
                        f"{row}.behaviours[{position}].code",
                        f"«{behaviour.code}» compare più di una volta",
                    )
                )
            behaviour_codes.add(behaviour.code)
            if behaviour.weight <= ZERO:
                errors.append(
                    (f"{row}.behaviours[{position}].weight", "deve essere maggiore di zero")
                )
    total = sum((component.weight for component in scheme.components), ZERO)
    if total != HUNDRED:
        errors.append((key, f"la somma dei pesi deve essere 100 (ora è {format_number(total)})"))
    if scheme.role.is_manager:
        errors.extend(_manager_errors(scheme, key))
    if scheme.bands is not None:
        if scheme.bands.maximum != scheme.max_points:
            errors.append(
                (
                    f"{path}.bands.maximum",
                    f"deve coincidere con il punteggio massimo della scheda "
                    f"({format_number(scheme.max_points)})",
                )
            )
        errors.extend(check_bands(scheme.bands, f"{path}.bands"))
    return errors


def _manager_errors(scheme: AppraisalScheme, key: str) -> list[tuple[str, str]]:
    errors = []
    role = scheme.role.label.lower()
    units = [c for c in scheme.components if c.kind is ComponentKind.UNIT_PERFORMANCE]
    if not units:
        errors.append(
            (
                key,
                f"per un {role} serve la componente «performance della struttura di diretta "
                f"responsabilità» (art. 9 c.1 lett. a D.Lgs. 150/2009)",
            )
        )
    else:
        unit_weight = sum((c.weight for c in units), ZERO)
        others = [c for c in scheme.components if c.kind is not ComponentKind.UNIT_PERFORMANCE]
        if scheme.prevalence is Prevalence.MAJORITY:
            prevailing = unit_weight > HUNDRED / 2
        else:
            prevailing = all(unit_weight > other.weight for other in others)
        if not prevailing:
            errors.append(
                (
                    key,
                    f"per un {role} la performance della struttura deve avere peso prevalente "
                    f"({scheme.prevalence.label}; art. 9 c.1 lett. a D.Lgs. 150/2009): "
                    f"ora pesa {format_number(unit_weight)}",
                )
            )
    if not any(b.differentiation for c in scheme.components for b in c.behaviours):
        errors.append(
            (
                key,
                f"per un {role} serve il comportamento «capacità di differenziare i giudizi» "
                f"dei collaboratori (art. 9 c.1 lett. d D.Lgs. 150/2009)",
            )
        )
    return errors


# -- protected leave -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Presence:
    """Days of the evaluation period: ordinary absences and protected leave (art. 9 c.3)."""

    period_days: int
    absence_days: int = 0  # absences that count (not protected)
    protected_days: int = 0  # maternità, paternità, congedo parentale

    def check(self) -> None:
        days = (self.period_days, self.absence_days, self.protected_days)
        if any(isinstance(d, bool) or not isinstance(d, int) for d in days):
            raise ValueError("presenza: i giorni devono essere numeri interi")
        if self.period_days <= 0:
            raise ValueError("presenza: i giorni del periodo devono essere più di zero")
        if self.absence_days < 0 or self.protected_days < 0:
            raise ValueError("presenza: i giorni di assenza non possono essere negativi")
        if self.absence_days + self.protected_days > self.period_days:
            raise ValueError("presenza: le assenze superano i giorni del periodo")


@dataclass(frozen=True)
class PresenceAdjustment:
    percent: Decimal  # the component's percentage after neutralisation
    ratio: Decimal  # the presence ratio applied (0..1, 6 places)
    ratio_excluding_leave: Decimal  # over the days not on protected leave
    ratio_as_worked: Decimal  # had the leave days been worked
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": jsonable(self.percent),
            "ratio": jsonable(self.ratio),
            "ratio_excluding_leave": jsonable(self.ratio_excluding_leave),
            "ratio_as_worked": jsonable(self.ratio_as_worked),
            "explanation": self.explanation.to_dict(),
        }


def neutralise_protected_leave(
    percent_if_present: Decimal, presence: Presence
) -> PresenceAdjustment:
    """A presence-based component with protected leave neutralised (art. 9 c.3 D.Lgs. 150/2009).

    With P days in the period, L of protected leave and A of other absences, the component is
    computed over the P − L days not on protected leave: (P − L − A) / (P − L); and never below
    what the person would have had by working the leave days instead: (P − A) / P. The ratio is
    the larger of the two (the second whenever A > 0; they coincide when A = 0), times the
    percentage the component would have with full presence. A period entirely on protected leave
    counts as full presence. So protected leave never lowers the score, whatever its length.
    """
    presence.check()
    with arithmetic():
        percent_if_present = to_decimal(percent_if_present)
        p, a, leave = presence.period_days, presence.absence_days, presence.protected_days
        counted = p - leave
        excluding = internal(Decimal(counted - a) / counted) if counted else ONE
        as_worked = internal(Decimal(p - a) / p)
        ratio = max(excluding, as_worked)
        percent = internal(percent_if_present * ratio)
        text = f"Presenza: {p - leave - a} giorni su {p}"
        if leave:
            text += (
                f"; {leave} giorni di congedo tutelato (art. 9 c.3 D.Lgs. 150/2009) non "
                f"considerati: calcolo sui {counted} giorni restanti = "
                f"{format_number(excluding, 4)}; senza il congedo sarebbe stato "
                f"({p} − {a}) / {p} = {format_number(as_worked, 4)}; si applica il maggiore, "
                f"{format_number(ratio, 4)}"
            )
        else:
            text += f" = {format_number(ratio, 4)}"
        text += (
            f". Componente: {format_percent(percent_if_present)} × {format_number(ratio, 4)} "
            f"= {format_percent(percent)}."
        )
        data = {
            "period_days": p,
            "absence_days": a,
            "protected_days": leave,
            "ratio_excluding_leave": excluding,
            "ratio_as_worked": as_worked,
            "ratio": ratio,
            "percent_if_present": percent_if_present,
            "percent": percent,
        }
        explanation = Explanation("protected_leave", "Neutralizzazione dei congedi", text, data)
        return PresenceAdjustment(percent, ratio, excluding, as_worked, explanation)


# -- scoring a scheda ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheda:
    person_id: Hashable
    values: Mapping[str, Decimal] = field(default_factory=dict)  # component code → 0..100
    ratings: Mapping[str, Decimal] = field(default_factory=dict)  # behaviour code → rating
    presence: Presence | None = None
    label: str = ""


@dataclass(frozen=True)
class ComponentScore:
    code: str
    label: str
    kind: ComponentKind
    weight: Decimal
    percent: Decimal  # 0..100, internal precision
    points: Decimal  # weight × percent of the scheme's points, internal precision
    max_points: Decimal
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "kind": self.kind.value,
            "weight": jsonable(self.weight),
            "percent": jsonable(self.percent),
            "points": jsonable(self.points),
            "max_points": jsonable(self.max_points),
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class AppraisalResult:
    person_id: Hashable
    points: Decimal  # the sum of the components' points
    max_points: Decimal
    percent: Decimal  # points / max_points × 100
    components: tuple[ComponentScore, ...]
    band: BandResult | None
    explanation: Explanation

    @property
    def display_points(self) -> Decimal:
        return present(self.points)

    @property
    def negative(self) -> bool | None:
        return None if self.band is None else self.band.negative

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": json_key(self.person_id),
            "points": jsonable(self.points),
            "display_points": jsonable(self.display_points),
            "max_points": jsonable(self.max_points),
            "percent": jsonable(self.percent),
            "components": [component.to_dict() for component in self.components],
            "band": None if self.band is None else self.band.to_dict(),
            "negative": self.negative,
            "explanation": self.explanation.to_dict(),
        }


def score_scheda(scheme: AppraisalScheme, scheda: Scheda) -> AppraisalResult:
    """The score of one scheda under the scheme; refuses incomplete or out-of-scale input."""
    raise_if_errors(check_scheme(scheme))
    who = scheda.label or str(scheda.person_id)
    known = {c.code for c in scheme.components}
    known_behaviours = {b.code for c in scheme.components for b in c.behaviours}
    for code in scheda.values:
        if code not in known:
            raise ValueError(f"scheda di {who}: componente «{code}» assente dallo schema")
    for code in scheda.ratings:
        if code not in known_behaviours:
            raise ValueError(f"scheda di {who}: comportamento «{code}» assente dallo schema")
    with arithmetic():
        parts = tuple(
            _score_component(scheme, component, scheda, who) for component in scheme.components
        )
        points = sum((part.points for part in parts), ZERO)
        percent = internal(points * HUNDRED / scheme.max_points)
        band = None if scheme.bands is None else scheme.bands.classify(points)
        terms = " + ".join(format_number(part.points, 2) for part in parts)
        text = (
            f"Scheda di {who} ({scheme.role.label.lower()}): {terms} = "
            f"{format_number(points, 2)} punti su {format_number(scheme.max_points)} "
            f"({format_percent(percent)})."
        )
        if band is not None:
            text += f" {band.explanation.text}"
        data = {
            "role": scheme.role,
            "points": points,
            "max_points": scheme.max_points,
            "percent": percent,
            "components": {part.code: part.points for part in parts},
        }
        explanation = Explanation("scheda", "Valutazione individuale", text, data)
        return AppraisalResult(
            scheda.person_id, points, scheme.max_points, percent, parts, band, explanation
        )


def _score_component(
    scheme: AppraisalScheme, component: Component, scheda: Scheda, who: str
) -> ComponentScore:
    share = scheme.max_points * component.weight / HUNDRED  # the component's maximum points
    if component.kind is ComponentKind.BEHAVIOURS:
        percent, text = _behaviours_percent(scheme, component, scheda, who)
    else:
        raw = scheda.values.get(component.code)
        if raw is None and component.kind is ComponentKind.PRESENCE:
            raw = HUNDRED
        if raw is None:
            raise ValueError(f"scheda di {who}: manca il valore di «{component.name}»")
        percent = to_decimal(raw)
        if not ZERO <= percent <= HUNDRED:
            raise ValueError(
                f"scheda di {who}: «{component.name}» deve essere un numero tra 0 e 100"
            )
        text = f"{component.name}: {format_percent(percent)}"
    data: dict[str, Any] = {"weight": component.weight, "max_points": share}
    if component.on_presence:
        if scheda.presence is None:
            raise ValueError(
                f"scheda di {who}: «{component.name}» dipende dalla presenza: servono i giorni"
            )
        adjustment = neutralise_protected_leave(percent, scheda.presence)
        percent = adjustment.percent
        text += f" [{adjustment.explanation.text}]"
        data["presence"] = adjustment.to_dict()
    percent = internal(percent)
    points = internal(share * percent / HUNDRED)
    text += (
        f"; peso {format_number(component.weight)} → {format_percent(percent)} × "
        f"{format_number(share, 2)} punti = {format_number(points, 2)} punti."
    )
    data.update(percent=percent, points=points)
    explanation = Explanation("component", component.name, text, data)
    return ComponentScore(
        component.code,
        component.name,
        component.kind,
        component.weight,
        percent,
        points,
        share,
        explanation,
    )


def _behaviours_percent(
    scheme: AppraisalScheme, component: Component, scheda: Scheda, who: str
) -> tuple[Decimal, str]:
    scale = scheme.scale
    terms, total, weights = [], ZERO, ZERO
    for behaviour in component.behaviours:
        raw = scheda.ratings.get(behaviour.code)
        if raw is None:
            raise ValueError(f"scheda di {who}: manca il voto di «{behaviour.name}»")
        rating = to_decimal(raw)
        if not scale.minimum <= rating <= scale.maximum or (
            scale.step is not None and (rating - scale.minimum) % scale.step != ZERO
        ):
            step = "" if scale.step is None else f" a passi di {format_number(scale.step)}"
            raise ValueError(
                f"scheda di {who}: il voto {format_number(rating)} di «{behaviour.name}» è "
                f"fuori dalla scala {scale.text}{step}"
            )
        if scheme.conversion is Conversion.PROPORTIONAL:
            converted = rating * HUNDRED / scale.maximum
        else:
            converted = (rating - scale.minimum) * HUNDRED / (scale.maximum - scale.minimum)
        total += behaviour.weight * converted
        weights += behaviour.weight
        terms.append(f"{behaviour.name} {format_number(rating)}/{format_number(scale.maximum)}")
    percent = internal(total / weights)
    text = (
        f"{component.name}: {'; '.join(terms)} (conversione: {scheme.conversion.label}; "
        f"media ponderata) = {format_percent(percent)}"
    )
    return percent, text


# -- conciliation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conciliation:
    """The outcome of a procedura di conciliazione: the scheda before and after the review."""

    original: AppraisalResult
    revised: AppraisalResult
    reason: str
    explanation: Explanation

    @property
    def change(self) -> Decimal:
        return self.revised.points - self.original.points

    def to_dict(self) -> dict[str, Any]:
        return {
            "original": self.original.to_dict(),
            "revised": self.revised.to_dict(),
            "change": jsonable(self.change),
            "reason": self.reason,
            "explanation": self.explanation.to_dict(),
        }


def conciliate(
    scheme: AppraisalScheme, original: Scheda, revised: Scheda, reason: str
) -> Conciliation:
    """Re-score a scheda revised in conciliation and explain what changed and why.

    The revision must concern the same person and carry a reason (the SMVP defines the
    procedure; the engine records the outcome, component by component).
    """
    if original.person_id != revised.person_id:
        raise ValueError("conciliazione: le due schede riguardano persone diverse")
    if not reason.strip():
        raise ValueError("conciliazione: serve la motivazione della revisione")
    before, after = score_scheda(scheme, original), score_scheda(scheme, revised)
    changed = [
        f"{old.label} da {format_number(old.points, 2)} a {format_number(new.points, 2)}"
        for old, new in zip(before.components, after.components, strict=True)
        if old.points != new.points
    ]
    who = revised.label or original.label or str(original.person_id)
    text = (
        f"Conciliazione per {who}: punteggio da {format_number(before.points, 2)} a "
        f"{format_number(after.points, 2)} punti"
    )
    text += f" ({'; '.join(changed)})." if changed else " (nessuna componente modificata)."
    if before.band is not None and after.band is not None and before.band.band != after.band.band:
        text += f" Fascia: da «{before.band.band.name}» a «{after.band.band.name}»."
    text += f" Motivazione: {reason.strip()}"
    data = {"before": before.points, "after": after.points, "reason": reason.strip()}
    explanation = Explanation("conciliation", "Procedura di conciliazione", text, data)
    return Conciliation(before, after, reason.strip(), explanation)


# -- reading from JSON -----------------------------------------------------------------------------


_MISSING = object()
SCHEME_KEYS = frozenset(
    {"role", "max_points", "scale", "conversion", "prevalence", "components", "bands"}
)
COMPONENT_KEYS = frozenset({"code", "kind", "weight", "label", "behaviours", "presence_sensitive"})
BEHAVIOUR_KEYS = frozenset({"code", "label", "weight", "differentiation"})
BANDS_KEYS = frozenset({"bands", "maximum", "minimum", "negative_below", "resolution"})
BAND_KEYS = frozenset({"from", "to", "percent", "label"})
SCALE_KEYS = frozenset({"min", "max", "step"})


class _SchemeReader(Reader):
    """Reads the JSON form of schemes and band tables, collecting errors with their key paths."""

    def text(self, items: Mapping[str, Any], key: str, path: str, default: str | None) -> str:
        raw = items.get(key, _MISSING)
        if raw is _MISSING or raw is None:
            if default is None:
                self.error(f"{path}.{key}", "valore obbligatorio")
                return ""
            return default
        if not isinstance(raw, str) or (default is None and not raw.strip()):
            self.error(f"{path}.{key}", "deve essere un testo non vuoto")
            return default or ""
        return raw.strip()

    def flag(self, items: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        raw = items.get(key, default)
        if not isinstance(raw, bool):
            self.error(f"{path}.{key}", "deve essere vero o falso")
            return default
        return raw

    def optional_number(
        self, items: Mapping[str, Any], key: str, path: str, low: Decimal | None
    ) -> Decimal | None:
        if items.get(key) is None:
            return None
        return self.number(items, key, path, None, low, None)

    def scheme(self, data: Any) -> AppraisalScheme:
        items = self.mapping(data, ROOT, SCHEME_KEYS) or {}
        defaults = AppraisalScheme(components=())
        max_points = self.number(items, "max_points", ROOT, defaults.max_points, ZERO, None)
        bands = None
        if items.get("bands") is not None:
            bands = self.score_bands(items["bands"], f"{ROOT}.bands", max_points)
        return AppraisalScheme(
            components=self.components(items),
            role=self.choice(items, "role", ROOT, Role, defaults),
            max_points=max_points,
            scale=self.scale(items.get("scale"), f"{ROOT}.scale"),
            conversion=self.choice(items, "conversion", ROOT, Conversion, defaults),
            prevalence=self.choice(items, "prevalence", ROOT, Prevalence, defaults),
            bands=bands,
        )

    def scale(self, data: Any, path: str) -> RatingScale:
        defaults = RatingScale()
        if data is None:
            return defaults
        items = self.mapping(data, path, SCALE_KEYS)
        if items is None:
            return defaults
        step = defaults.step
        if "step" in items:
            step = self.optional_number(items, "step", path, ZERO)
        return RatingScale(
            minimum=self.number(items, "min", path, defaults.minimum, ZERO, None),
            maximum=self.number(items, "max", path, defaults.maximum, ZERO, None),
            step=step,
        )

    def components(self, items: Mapping[str, Any]) -> tuple[Component, ...]:
        rows = self.rows(items, "components", ROOT)
        if rows is None:
            self.error(f"{ROOT}.components", "valore obbligatorio")
            return ()
        components = []
        for index, row in enumerate(rows):
            path = f"{ROOT}.components[{index}]"
            fields = self.mapping(row, path, COMPONENT_KEYS)
            if fields is None:
                continue
            code = self.text(fields, "code", path, None)
            kind = self.choice(fields, "kind", path, ComponentKind, None)
            weight = self.number(fields, "weight", path, None, ZERO, HUNDRED)
            behaviours = self.behaviours(fields, path)
            sensitive = self.flag(fields, "presence_sensitive", path, False)
            if code and kind is not None and weight is not None:
                components.append(
                    Component(
                        code,
                        kind,
                        weight,
                        self.text(fields, "label", path, ""),
                        behaviours,
                        sensitive,
                    )
                )
        return tuple(components)

    def behaviours(self, items: Mapping[str, Any], path: str) -> tuple[Behaviour, ...]:
        behaviours = []
        for index, row in enumerate(self.rows(items, "behaviours", path) or []):
            row_path = f"{path}.behaviours[{index}]"
            fields = self.mapping(row, row_path, BEHAVIOUR_KEYS)
            if fields is None:
                continue
            code = self.text(fields, "code", row_path, None)
            weight = self.number(fields, "weight", row_path, ONE, ZERO, None)
            if code and weight is not None:
                behaviours.append(
                    Behaviour(
                        code,
                        self.text(fields, "label", row_path, ""),
                        weight,
                        self.flag(fields, "differentiation", row_path, False),
                    )
                )
        return tuple(behaviours)

    def score_bands(self, data: Any, path: str, maximum: Decimal | None) -> ScoreBands:
        items = self.mapping(data, path, BANDS_KEYS) or {}
        top = self.number(items, "maximum", path, maximum or HUNDRED, ZERO, None)
        bottom = self.number(items, "minimum", path, ZERO, ZERO, None)
        bands = []
        for index, row in enumerate(self.rows(items, "bands", path) or []):
            row_path = f"{path}.bands[{index}]"
            fields = self.mapping(row, row_path, BAND_KEYS)
            if fields is None:
                continue
            lower = self.number(fields, "from", row_path, None, ZERO, None)
            upper = self.number(fields, "to", row_path, None, ZERO, None)
            percent = self.number(fields, "percent", row_path, None, ZERO, HUNDRED)
            if lower is not None and upper is not None and percent is not None:
                label = self.text(fields, "label", row_path, "")
                bands.append(ScoreBand(lower, upper, percent, label))
        return ScoreBands(
            tuple(bands),
            maximum=top,
            minimum=bottom,
            negative_below=self.optional_number(items, "negative_below", path, ZERO),
            resolution=self.number(items, "resolution", path, ONE, ZERO, None),
        )
