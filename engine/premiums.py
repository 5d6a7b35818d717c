"""Premiums: the fund shared among staff with the CCNL differentiation, EQ/dirigenti risultato,
the payment-time withholding, the art. 20 D.Lgs. 33/2013 tables and the personnel indicators.

Staff premiums (`distribute_fund`)
----------------------------------
1. Who takes part: a person is excluded, with the reason written on their line, when the
   integrative contract's flag says so, when their service is shorter than `min_service_days`,
   when the evaluation is negative, or when their share is zero. The others are the
   «personale valutato positivamente» (N).
2. Share: band % × category coefficient × part-time % × presence ratio (part-time and presence
   proportional by default: art. 55 c.11 CCNL 2018 leaves it to the integrative contract).
3. Differentiation (art. 69 CCNL 2018, art. 81 CCNL 2022): the average pro-capite premium of
   the positively evaluated is P̄ = fund / N; the top k = q % of N in the ranking (rounded as
   configured, at least one person when q > 0) receive a maggiorazione M = m % × P̄ (m ≥ 30),
   rounded *up* to the cent so that it is never below m % of P̄. The ranking follows the
   integrative contract's criteria (score first, then e.g. fewer absence days: never the order
   in which people are stored); people still tied after every criterion are treated alike:
   all included (the default), the maggiorazioni left within the quota shared equally among
   them, or all left out, as the ente chooses. The criterion that decided at the cut-off is
   written in the explanation. The maggiorazioni are funded within the fund: if k × M would
   exceed it, M becomes fund / k rounded down (and the explanation says so).
4. Base: the rest, fund − k × M, is shared in proportion to the shares, each amount rounded
   down to the cent (ROUND_DOWN per person), so no one gets a negative or invented cent.
5. Payment times (DL 13/2023 art. 4-bis): for a responsabile whose payment-time objective was
   missed, `payment_time_share` % (≥ 30) of the premium is withheld, rounded up to the cent.

Guarantee: paid + residual = fund exactly; paid ≤ fund; with W the withheld total and N the
people sharing the base, 0 ≤ residual − W < 0,01 € × N when N > 0 (each ROUND_DOWN loses less
than a cent), and residual = fund when N = 0 (nothing can be shared).

EQ and dirigenti risultato (`distribute_result_pay`)
----------------------------------------------------
Each holder's risultato is position allowance × `max_result_rate` % × band %. The pool must be
at least `minimum_result_quota` % (15, art. 15 c.4 CCNL 2018, art. 17 c.4 CCNL 2022) of the
resources for posizione + risultato: the check is reported. When the amounts exceed the pool they
are scaled down in proportion; the payment-time share is withheld as above.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from engine.appraisal import ScoreBands, raise_if_errors
from engine.config import Reader, coerce_enums
from engine.explanation import Explanation
from engine.numbers import (
    HUNDRED,
    NBSP,
    ZERO,
    arithmetic,
    format_euro,
    format_number,
    format_percent,
    internal,
    json_key,
    jsonable,
    to_decimal,
)

ROOT = "premi"
RESULT_ROOT = "risultato"
CENT = Decimal("0.01")
ONE = Decimal(1)
MIN_MAGGIORAZIONE = Decimal(30)  # art. 69 c.2 CCNL 21/5/2018, art. 81 CCNL 16/11/2022
MIN_PAYMENT_TIME_SHARE = Decimal(30)  # DL 13/2023 art. 4-bis c.2
MIN_RESULT_QUOTA = Decimal(15)  # art. 15 c.4 CCNL 2018, art. 17 c.4 CCNL 2022


def euro(value: Decimal) -> str:
    return format_euro(value)


# A distribution of 25,000 people writes ~250,000 numbers into its lines' explanations, but few
# distinct ones (a handful of bands, part-times, presences, shares and amounts): the per-line
# texts take each from here, written once. Texts depend only on the value (equal Decimals write
# the same text) and every caller runs in the engine's `arithmetic()` context.
@lru_cache(maxsize=16384, typed=True)
def _number(value: Decimal, places: int | None = None) -> str:
    return format_number(value, places)


def _euro(value: Decimal) -> str:
    """`euro`, through the cache of the per-line texts."""
    return f"{_number(value, 2)}{NBSP}€"


def _percent(value: Decimal, places: int = 2) -> str:
    """`format_percent`, through the cache of the per-line texts."""
    return f"{_number(value, places)}{NBSP}%"


@lru_cache(maxsize=16384, typed=True)
def _json_decimal(value: Decimal) -> Any:
    return jsonable(value)


def _json(value: Any) -> Any:
    """`jsonable` of one flat value, Decimals through a cache (the same few values again and
    again in 25,000 lines). Zeros go round it: 0 and -0 are equal keys but write «0» and «-0»."""
    return _json_decimal(value) if type(value) is Decimal and value else jsonable(value)


def _flat_explanation(explanation: Explanation) -> dict[str, Any]:
    """`Explanation.to_dict` for the flat data of a line (values, no nested mappings needed:
    any other value goes through `jsonable` as there)."""
    return {
        "rule": explanation.rule,
        "rule_label": explanation.rule_label,
        "text": explanation.text,
        "data": {str(key): _json(value) for key, value in explanation.data.items()},
    }


def _cents_down(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def _cents_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_UP)


class QuotaRounding(StrEnum):
    FLOOR = "floor"
    CEIL = "ceil"
    ROUND = "round"  # half up

    @property
    def label(self) -> str:
        return {
            QuotaRounding.FLOOR: "per difetto",
            QuotaRounding.CEIL: "per eccesso",
            QuotaRounding.ROUND: "all'intero più vicino",
        }[self]

    @property
    def mode(self) -> str:
        return {
            QuotaRounding.FLOOR: ROUND_FLOOR,
            QuotaRounding.CEIL: ROUND_CEILING,
            QuotaRounding.ROUND: ROUND_HALF_UP,
        }[self]


class TieBreak(StrEnum):
    SCORE = "score"  # higher score first
    ABSENCES = "absences"  # fewer absence days first
    COEFFICIENT = "coefficient"  # higher category coefficient first
    SENIORITY = "seniority"  # earlier seniority date first

    @property
    def label(self) -> str:
        return {
            TieBreak.SCORE: "punteggio più alto",
            TieBreak.ABSENCES: "meno giorni di assenza",
            TieBreak.COEFFICIENT: "coefficiente di categoria più alto",
            TieBreak.SENIORITY: "maggiore anzianità",
        }[self]


class CutoffTies(StrEnum):
    """People still tied at the cut-off after every criterion are treated alike."""

    INCLUDE = "include"  # all of them receive the whole maggiorazione (the default)
    SHARE = "share"  # the maggiorazioni left within the quota are shared equally among them
    EXCLUDE = "exclude"  # none of them receives it

    @property
    def label(self) -> str:
        return {
            CutoffTies.INCLUDE: "tutti i pari merito al limite ricevono la maggiorazione",
            CutoffTies.SHARE: (
                "le maggiorazioni rimaste nella quota sono divise in parti uguali tra i pari "
                "merito al limite"
            ),
            CutoffTies.EXCLUDE: "nessuno dei pari merito al limite riceve la maggiorazione",
        }[self]


class Exclusion(StrEnum):
    """Why a person takes no part in the distribution (each counted on its own)."""

    NOT_EVALUATED = "not_evaluated"  # not admitted, no score, the contract's own exclusions
    SERVICE = "service"  # service shorter than the minimum
    NEGATIVE = "negative"  # negative evaluation
    ZERO_SHARE = "zero_share"  # share of zero

    @property
    def phrase(self) -> str:
        return {
            Exclusion.NOT_EVALUATED: "non valutato",
            Exclusion.SERVICE: "per servizio inferiore al minimo",
            Exclusion.NEGATIVE: "per valutazione negativa",
            Exclusion.ZERO_SHARE: "per quota nulla",
        }[self]

    @property
    def evaluated(self) -> bool:
        """Whether the person still belongs to the evaluated population (the band tables)."""
        return self in (Exclusion.NEGATIVE, Exclusion.ZERO_SHARE)


def excluded_text(count: int, phrase: str) -> str:
    """«1 escluso per servizio inferiore al minimo», «2 esclusi (scheda senza punteggio)»."""
    return f"{count} {'escluso' if count == 1 else 'esclusi'} {phrase}"


# -- parameters ------------------------------------------------------------------------------------


# Only criteria an integrative contract may set: never the order in which people are stored.
DEFAULT_TIE_BREAK = (TieBreak.SCORE, TieBreak.ABSENCES, TieBreak.COEFFICIENT)
DEFAULT_CUTOFF_TIES = CutoffTies.INCLUDE


@dataclass(frozen=True)
class PremiumParameters:
    """The integrative contract's (CCDI) rules for the staff premiums."""

    maggiorazione_percent: Decimal = MIN_MAGGIORAZIONE  # m, ≥ 30
    differentiation_quota: Decimal = Decimal(10)  # q, % of the positively evaluated
    quota_rounding: QuotaRounding = QuotaRounding.FLOOR
    tie_break: tuple[TieBreak, ...] = DEFAULT_TIE_BREAK
    cutoff_ties: CutoffTies = DEFAULT_CUTOFF_TIES
    coefficients: Mapping[str, Decimal] = field(default_factory=dict)  # category → coefficient
    part_time_proportional: bool = True
    presence_proportional: bool = True
    protected_leave_as_service: bool = True  # art. 9 c.3 D.Lgs. 150/2009
    min_service_days: int = 0
    negative_below: Decimal | None = None  # None: the bands' threshold, or band % = 0
    payment_time_share: Decimal = MIN_PAYMENT_TIME_SHARE

    def __post_init__(self) -> None:
        coerce_enums(self, quota_rounding=QuotaRounding, cutoff_ties=CutoffTies)
        object.__setattr__(self, "tie_break", tuple(TieBreak(item) for item in self.tie_break))

    @classmethod
    def from_dict(cls, data: Any) -> PremiumParameters:
        reader = _PremiumReader()
        parameters = reader.parameters(data)
        reader.raise_if_errors()
        reader.errors.extend(check_parameters(parameters))
        reader.raise_if_errors()
        return parameters

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "maggiorazione_percent": self.maggiorazione_percent,
                "differentiation_quota": self.differentiation_quota,
                "quota_rounding": self.quota_rounding,
                "tie_break": list(self.tie_break),
                "cutoff_ties": self.cutoff_ties,
                "coefficients": dict(self.coefficients),
                "part_time_proportional": self.part_time_proportional,
                "presence_proportional": self.presence_proportional,
                "protected_leave_as_service": self.protected_leave_as_service,
                "min_service_days": self.min_service_days,
                "negative_below": self.negative_below,
                "payment_time_share": self.payment_time_share,
            }
        )


def check_parameters(parameters: PremiumParameters, path: str = ROOT) -> list[tuple[str, str]]:
    errors = []
    if parameters.maggiorazione_percent < MIN_MAGGIORAZIONE:
        errors.append(
            (
                f"{path}.maggiorazione_percent",
                "deve essere almeno 30 (art. 69 CCNL 2018, art. 81 CCNL 2022)",
            )
        )
    if not ZERO <= parameters.differentiation_quota <= HUNDRED:
        errors.append((f"{path}.differentiation_quota", "deve essere un numero tra 0 e 100"))
    if not parameters.tie_break or parameters.tie_break[0] is not TieBreak.SCORE:
        errors.append(
            (f"{path}.tie_break", "il primo criterio deve essere il punteggio (graduatoria SMVP)")
        )
    if len(set(parameters.tie_break)) < len(parameters.tie_break):
        errors.append((f"{path}.tie_break", "un criterio compare più di una volta"))
    for category, coefficient in parameters.coefficients.items():
        if coefficient <= ZERO:
            errors.append((f"{path}.coefficients.{category}", "deve essere maggiore di zero"))
    if parameters.min_service_days < 0:
        errors.append((f"{path}.min_service_days", "non può essere negativo"))
    errors.extend(_payment_share_errors(parameters.payment_time_share, path))
    return errors


def _payment_share_errors(share: Decimal, path: str) -> list[tuple[str, str]]:
    if MIN_PAYMENT_TIME_SHARE <= share <= HUNDRED:
        return []
    return [(f"{path}.payment_time_share", "deve essere tra 30 e 100 (DL 13/2023 art. 4-bis)")]


# -- people in, lines out --------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: Hashable
    score: Decimal
    band_percent: Decimal | None = None  # None: from the bands, by score
    category: str = ""
    category_label: str = ""  # the category's Italian name in texts (the code when empty)
    part_time: Decimal = HUNDRED  # percent of full time
    service_days: int | None = None  # days of service in the year (with `year_days`) …
    year_days: int = 365
    presence_ratio: Decimal | None = None  # … or the presence ratio directly (0..1)
    protected_days: int = 0  # maternity/paternity/parental leave (not in service_days)
    absence_days: int = 0  # for the tie-break
    seniority: date | None = None  # for the tie-break
    eligible: bool = True  # False: not evaluated (no scheda, not admitted, contract exclusion)
    ineligible_reason: str = ""
    ineligible_kind: Exclusion = Exclusion.NOT_EVALUATED  # or SERVICE: not admitted for that
    negative: bool | None = None  # None: by the negative rule (threshold, or band at 0 %)
    payment_time_missed: bool = False  # responsabili only: DL 13/2023 art. 4-bis
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or str(self.id)

    @property
    def category_name(self) -> str:
        return self.category_label or self.category


@dataclass(frozen=True, kw_only=True)
class PremiumLine:
    person_id: Hashable
    label: str
    score: Decimal
    band_percent: Decimal
    eligible: bool
    reason: str  # why the person takes no part (empty when they do)
    negative: bool
    exclusion: Exclusion | None
    rank: int | None  # position in the ranking of the positively evaluated (ties share it)
    top_ranked: bool  # within the differentiation quota: receives the maggiorazione
    share: Decimal
    base: Decimal
    maggiorazione: Decimal
    withheld: Decimal
    total: Decimal
    explanation: Explanation

    @property
    def gross(self) -> Decimal:
        return self.base + self.maggiorazione

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": json_key(self.person_id),
            "label": self.label,
            "score": _json(self.score),
            "band_percent": _json(self.band_percent),
            "eligible": self.eligible,
            "reason": self.reason,
            "negative": self.negative,
            "exclusion": self.exclusion.value if self.exclusion else None,
            "evaluated": self.exclusion is None or self.exclusion.evaluated,
            "rank": self.rank,
            "top_ranked": self.top_ranked,
            "share": _json(internal(self.share)),
            "base": _json(self.base),
            "maggiorazione": _json(self.maggiorazione),
            "withheld": _json(self.withheld),
            "total": _json(self.total),
            "explanation": _flat_explanation(self.explanation),
        }


@dataclass(frozen=True)
class Totals:
    allocated: Decimal  # stanziato
    distributed: Decimal  # distribuito (paid)
    withheld: Decimal  # trattenuto (payment times)
    residual: Decimal  # residuo = stanziato − distribuito

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "stanziato": self.allocated,
                "distribuito": self.distributed,
                "trattenuto": self.withheld,
                "residuo": self.residual,
                "residuo_arrotondamenti": self.residual - self.withheld,
            }
        )


def _totals(allocated: Decimal, paid: Sequence[Decimal], withheld: Sequence[Decimal]) -> Totals:
    distributed = sum(paid, ZERO)
    return Totals(allocated, distributed, sum(withheld, ZERO), allocated - distributed)


@dataclass(frozen=True)
class BandCount:
    """One row of the art. 20 c.2 table: how many evaluated people fall in a band."""

    label: str
    lower: Decimal | None
    upper: Decimal | None
    premium_percent: Decimal
    count: int
    staff_percent: Decimal  # of the evaluated people

    @property
    def text(self) -> str:
        return (
            f"{self.label}: {self.count} {'dipendente' if self.count == 1 else 'dipendenti'}, "
            f"{format_percent(self.staff_percent)} "
            f"(premio al {format_percent(self.premium_percent)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "label": self.label,
                "from": self.lower,
                "to": self.upper,
                "premium_percent": self.premium_percent,
                "count": self.count,
                "staff_percent": self.staff_percent,
                "text": self.text,
            }
        )


@dataclass(frozen=True)
class Differentiation:
    """The maggiorazione: who gets it and how much (art. 69 CCNL 2018 / art. 81 CCNL 2022)."""

    positive_count: int  # N, the positively evaluated sharing the fund
    quota_count: int  # k from q % of N, before the cut-off ties
    awarded_count: int  # after the cut-off ties
    average: Decimal  # P̄ = fund / N
    amount: Decimal  # M per person
    explanation: Explanation
    shared_count: int = 0  # people tied at the cut-off sharing the maggiorazioni left
    shared_amount: Decimal = ZERO  # what each of them receives
    decided_by: TieBreak | None = None  # the criterion that decided at the cut-off
    cutoff_text: str = ""  # what happened at the cut-off, in Italian

    @property
    def cost(self) -> Decimal:
        full = self.awarded_count - self.shared_count
        return self.amount * full + self.shared_amount * self.shared_count

    def to_dict(self) -> dict[str, Any]:
        return {
            "positive_count": self.positive_count,
            "quota_count": self.quota_count,
            "awarded_count": self.awarded_count,
            "average": jsonable(internal(self.average)),
            "amount": jsonable(self.amount),
            "shared_count": self.shared_count,
            "shared_amount": jsonable(self.shared_amount),
            "decided_by": self.decided_by.value if self.decided_by else None,
            "decided_by_label": self.decided_by.label if self.decided_by else "",
            "cutoff_text": self.cutoff_text,
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class Distribution:
    lines: tuple[PremiumLine, ...]  # in the order of the input
    totals: Totals
    differentiation: Differentiation
    bands: tuple[BandCount, ...]  # from the highest band down, the evaluated only
    mean_score: Decimal | None  # of the evaluated, on the scheme's scale
    explanation: Explanation
    exclusions: tuple[ExclusionCount, ...] = ()  # per reason

    def line(self, person_id: Hashable) -> PremiumLine:
        for line in self.lines:
            if line.person_id == person_id:
                return line
        raise KeyError(person_id)

    @property
    def premiums(self) -> list[Decimal]:
        return [line.total for line in self.lines if line.total > ZERO]

    def to_dict(self, *, lines: bool = True) -> dict[str, Any]:
        """JSON-ready; without `lines` when the caller stores each line on its own."""
        return {
            **({"lines": [line.to_dict() for line in self.lines]} if lines else {}),
            "totals": self.totals.to_dict(),
            "differentiation": self.differentiation.to_dict(),
            "bands": [band.to_dict() for band in self.bands],
            "exclusions": [item.to_dict() for item in self.exclusions],
            "mean_score": jsonable(self.mean_score),
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class _Prepared:
    person: Person
    band_percent: Decimal
    coefficient: Decimal
    part_time: Decimal  # as a factor 0..1
    presence: Decimal  # 0..1
    presence_text: str
    share: Decimal
    negative: bool
    reason: str
    exclusion: Exclusion | None
    rank_key: tuple = ()  # the sort values of the tie-break criteria (smaller ranks first)

    @property
    def sharing(self) -> bool:
        return self.exclusion is None

    @property
    def evaluated(self) -> bool:
        return self.exclusion is None or self.exclusion.evaluated

    @property
    def exclusion_phrase(self) -> str:
        if self.exclusion is Exclusion.NOT_EVALUATED:
            return f"({self.reason})"
        return self.exclusion.phrase if self.exclusion else ""


def distribute_fund(
    fund: Decimal,
    people: Sequence[Person],
    parameters: PremiumParameters | None = None,
    bands: ScoreBands | None = None,
) -> Distribution:
    """Share the fund among the people; see the module's docstring for every step."""
    parameters = parameters or PremiumParameters()
    raise_if_errors(check_parameters(parameters))
    with arithmetic():
        fund = to_decimal(fund)
        if fund < ZERO:
            raise ValueError("il fondo non può essere negativo")
        _check_unique(people)
        threshold_text, threshold = _negative_rule(parameters, bands)
        prepared = [_prepare(person, parameters, bands, threshold) for person in people]
        sharing = [item for item in prepared if item.sharing]
        ranked = sorted(sharing, key=lambda item: item.rank_key)
        ranks = _ranks(ranked)
        differentiation, cutoff = _differentiate(fund, ranked, parameters)
        pool = fund - differentiation.cost
        total_share = sum((item.share for item in sharing), ZERO)
        lines = tuple(
            _line(item, pool, total_share, cutoff, differentiation, ranks, parameters)
            for item in prepared
        )
        totals = _totals(fund, [line.total for line in lines], [line.withheld for line in lines])
        counts = _band_counts(prepared, bands)
        exclusions = _exclusion_counts(prepared)
        scored = [to_decimal(item.person.score) for item in prepared if item.evaluated]
        mean = internal(sum(scored, ZERO) / len(scored)) if scored else None
        explanation = _distribution_explanation(
            fund,
            prepared,
            pool,
            total_share,
            differentiation,
            totals,
            threshold_text,
            mean,
            exclusions,
        )
        return Distribution(lines, totals, differentiation, counts, mean, explanation, exclusions)


def _check_unique(people: Sequence[Person]) -> None:
    seen: set[Hashable] = set()
    for person in people:
        if person.id in seen:
            raise ValueError(f"la persona «{person.id}» compare più di una volta")
        seen.add(person.id)


def _negative_rule(
    parameters: PremiumParameters, bands: ScoreBands | None
) -> tuple[str, Decimal | None]:
    """The negative-evaluation rule: a score threshold, or (None) a band at 0 %."""
    if parameters.negative_below is not None:
        threshold = parameters.negative_below
    elif bands is not None:
        threshold = bands.negative_threshold
    else:
        return f"fascia al 0{NBSP}%", None
    return f"punteggio inferiore a {format_number(threshold)}", threshold


def _prepare(
    person: Person,
    parameters: PremiumParameters,
    bands: ScoreBands | None,
    threshold: Decimal | None,
) -> _Prepared:
    who = person.name
    score = to_decimal(person.score)
    if person.band_percent is not None:
        band_percent = to_decimal(person.band_percent)
    elif bands is not None:
        band_percent = bands.band_for(score).percent
    else:
        raise ValueError(f"{who}: manca la percentuale della fascia (e non ci sono fasce)")
    if not ZERO <= band_percent <= HUNDRED:
        raise ValueError(f"{who}: la percentuale della fascia deve essere tra 0 e 100")
    part_time = to_decimal(person.part_time)
    if not ZERO < part_time <= HUNDRED:
        raise ValueError(f"{who}: il part-time deve essere tra 0 (escluso) e 100")
    if parameters.coefficients:
        if person.category not in parameters.coefficients:
            raise ValueError(f"{who}: categoria «{person.category_name}» senza coefficiente")
        coefficient = to_decimal(parameters.coefficients[person.category])
    else:
        coefficient = ONE
    presence, service, presence_text = _presence(person, parameters)
    factor = part_time / HUNDRED if parameters.part_time_proportional else ONE
    applied = presence if parameters.presence_proportional else ONE
    share = band_percent / HUNDRED * coefficient * factor * applied
    if person.negative is not None:
        negative = person.negative
    else:
        negative = band_percent == ZERO if threshold is None else score < threshold
    reason, exclusion = _exclusion(person, parameters, service, negative, share)
    rank_key = tuple(
        _criterion_value(person, coefficient, criterion) for criterion in parameters.tie_break
    )
    return _Prepared(
        person,
        band_percent,
        coefficient,
        factor,
        applied,
        presence_text,
        share,
        negative,
        reason,
        exclusion,
        rank_key,
    )


def _exclusion(
    person: Person, parameters: PremiumParameters, service: Decimal, negative: bool, share: Decimal
) -> tuple[str, Exclusion | None]:
    """Why the person takes no part in the sharing, and its kind (("", None) when they do)."""
    if not person.eligible:
        reason = person.ineligible_reason or "escluso secondo il contratto integrativo"
        return reason, Exclusion(person.ineligible_kind)
    if service < parameters.min_service_days:
        reason = (
            f"servizio di {_number(service, 0)} giorni, inferiore al minimo di "
            f"{parameters.min_service_days} stabilito dal contratto integrativo"
        )
        return reason, Exclusion.SERVICE
    if negative:
        score = to_decimal(person.score)
        return f"valutazione negativa (punteggio {_number(score, 2)})", Exclusion.NEGATIVE
    if share == ZERO:
        return "quota nulla", Exclusion.ZERO_SHARE
    return "", None


def _presence(person: Person, parameters: PremiumParameters) -> tuple[Decimal, Decimal, str]:
    """(presence ratio, days of service for the minimum, text)."""
    who = person.name
    if person.year_days <= 0:
        raise ValueError(f"{who}: i giorni dell'anno devono essere più di zero")
    if person.protected_days < 0:
        raise ValueError(f"{who}: i giorni di congedo non possono essere negativi")
    if person.service_days is not None and person.presence_ratio is not None:
        raise ValueError(f"{who}: indicare i giorni di servizio oppure il rapporto, non entrambi")
    protected = person.protected_days if parameters.protected_leave_as_service else 0
    if person.presence_ratio is not None:
        ratio = to_decimal(person.presence_ratio)
        if not ZERO <= ratio <= ONE:
            raise ValueError(f"{who}: il rapporto di presenza deve essere tra 0 e 1")
        days = ratio * person.year_days
        text = f"presenza {_number(ratio, 4)}"
    elif person.service_days is None:
        ratio, days, text = ONE, Decimal(person.year_days), "servizio per tutto l'anno"
    else:
        days = Decimal(person.service_days + protected)
        if person.service_days < 0 or days > person.year_days:
            raise ValueError(f"{who}: i giorni di servizio devono essere tra 0 e quelli dell'anno")
        ratio = internal(days / person.year_days)
        text = f"presenza {_number(days)}/{person.year_days}"
        if protected:
            text += f" (compresi {protected} giorni di congedo tutelato)"
    return ratio, days, text


def _criterion_value(person: Person, coefficient: Decimal, criterion: TieBreak) -> Any:
    """The sort value of one criterion (smaller ranks first); never the person's id."""
    if criterion is TieBreak.SCORE:
        return -to_decimal(person.score)
    if criterion is TieBreak.ABSENCES:
        return person.absence_days
    if criterion is TieBreak.COEFFICIENT:
        return -coefficient
    return (person.seniority is None, person.seniority or date.min)


def _criterion_text(item: _Prepared, criterion: TieBreak) -> str:
    person = item.person
    if criterion is TieBreak.SCORE:
        return f"punteggio {format_number(to_decimal(person.score))}"
    if criterion is TieBreak.ABSENCES:
        days = person.absence_days
        return f"{days} {'giorno' if days == 1 else 'giorni'} di assenza"
    if criterion is TieBreak.COEFFICIENT:
        return f"coefficiente {format_number(item.coefficient)}"
    if person.seniority is None:
        return "anzianità non indicata"
    return f"anzianità dal {person.seniority.strftime('%d/%m/%Y')}"


def _ranks(ranked: Sequence[_Prepared]) -> dict[Hashable, int]:
    """Position in the ranking; people tied on every criterion share it."""
    ranks: dict[Hashable, int] = {}
    previous = None
    for position, item in enumerate(ranked, start=1):
        key = item.rank_key
        if key != previous:
            rank, previous = position, key
        ranks[item.person.id] = rank
    return ranks


@dataclass(frozen=True)
class _Cutoff:
    """Who receives the maggiorazione, and what decided at the cut-off of the quota."""

    full: frozenset[Hashable]  # the whole maggiorazione
    shared: frozenset[Hashable]  # a part of it (CutoffTies.SHARE)
    slots: int  # maggiorazioni left within the quota for the shared group
    decided_by: TieBreak | None  # the criterion that separated the last in from the first out
    text: str
    scores: frozenset[Decimal] = frozenset()  # the scores of the people at the cut-off


def _cutoff(ranked: Sequence[_Prepared], quota: int, parameters: PremiumParameters) -> _Cutoff:
    """The cut-off of the quota: people still tied after every criterion are treated alike."""
    everyone = frozenset(item.person.id for item in ranked[:quota])
    if quota == 0 or quota >= len(ranked):
        return _Cutoff(everyone, frozenset(), 0, None, "")
    criteria = parameters.tie_break
    keys = [item.rank_key for item in ranked]
    if keys[quota - 1] != keys[quota]:
        last, first = ranked[quota - 1], ranked[quota]
        pairs = zip(keys[quota - 1], keys[quota], strict=True)
        criterion = criteria[next(i for i, (a, b) in enumerate(pairs) if a != b)]
        text = (
            f"Al limite della quota ha deciso il criterio «{criterion.label}»: l'ultimo posto "
            f"nella quota ha {_criterion_text(last, criterion)}, il primo escluso "
            f"{_criterion_text(first, criterion)}."
        )
        scores = frozenset(to_decimal(i.person.score) for i in (last, first))
        return _Cutoff(everyone, frozenset(), 0, criterion, text, scores)
    start = keys.index(keys[quota])
    end = start
    while end < len(keys) and keys[end] == keys[quota]:
        end += 1
    group = ranked[start:end]
    names = ", ".join(sorted(item.person.name for item in group))
    above = frozenset(item.person.id for item in ranked[:start])
    tied = frozenset(item.person.id for item in group)
    rule = parameters.cutoff_ties
    if rule is CutoffTies.INCLUDE:
        outcome = f"la maggiorazione va a {end} dipendenti invece di {quota}"
        full, shared, slots = above | tied, frozenset(), 0
    elif rule is CutoffTies.SHARE:
        slots = quota - start
        outcome = (
            f"{slots} {'maggiorazione divisa' if slots == 1 else 'maggiorazioni divise'} "
            f"tra {end - start} dipendenti, oltre alle {start} intere"
        )
        full, shared = above, tied
    else:
        outcome = f"la maggiorazione va a {start} dipendenti invece di {quota}"
        full, shared, slots = above, frozenset(), 0
    text = (
        f"Al limite della quota {end - start} dipendenti restano a pari merito dopo tutti i "
        f"criteri ({names}): sono trattati allo stesso modo, {rule.label}, quindi {outcome}."
    )
    return _Cutoff(full, shared, slots, None, text, frozenset({to_decimal(group[0].person.score)}))


def _differentiate(
    fund: Decimal, ranked: Sequence[_Prepared], parameters: PremiumParameters
) -> tuple[Differentiation, _Cutoff]:
    n = len(ranked)
    label = "Differenziazione dei premi (art. 69 CCNL 2018, art. 81 CCNL 2022)"
    if n == 0:
        return _nobody_differentiated(label)
    quota, sentences = _quota(n, parameters, label)
    cutoff = _cutoff(ranked, quota, parameters)
    if cutoff.text:
        sentences.append(cutoff.text)
    average, amount, shared_amount, amount_sentences = _maggiorazione(fund, n, cutoff, parameters)
    sentences += amount_sentences
    criteria = ", ".join(criterion.label for criterion in parameters.tie_break)
    sentences.append(
        f"Graduatoria: {criteria}; a parità su tutti i criteri: {parameters.cutoff_ties.label}."
    )
    full_count, shared_count = len(cutoff.full), len(cutoff.shared)
    awarded_count = full_count + shared_count
    data = {
        "positive_count": n,
        "quota_percent": parameters.differentiation_quota,
        "quota_count": quota,
        "awarded_count": awarded_count,
        "average": internal(average),
        "maggiorazione_percent": parameters.maggiorazione_percent,
        "amount": amount,
        "shared_count": shared_count,
        "shared_amount": shared_amount,
        "decided_by": cutoff.decided_by.value if cutoff.decided_by else None,
    }
    explanation = Explanation("differentiation", label, " ".join(sentences), data)
    differentiation = Differentiation(
        n,
        quota,
        awarded_count,
        average,
        amount,
        explanation,
        shared_count=shared_count,
        shared_amount=shared_amount,
        decided_by=cutoff.decided_by,
        cutoff_text=cutoff.text,
    )
    return differentiation, cutoff


def _nobody_differentiated(label: str) -> tuple[Differentiation, _Cutoff]:
    """No one evaluated positively with a share: no quota, no maggiorazione."""
    text = f"{label}: nessun dipendente valutato positivamente con quota, nessuna maggiorazione."
    explanation = Explanation("differentiation", label, text, {"positive_count": 0})
    nobody = _Cutoff(frozenset(), frozenset(), 0, None, "")
    return Differentiation(0, 0, 0, ZERO, ZERO, explanation), nobody


def _quota(n: int, parameters: PremiumParameters, label: str) -> tuple[int, list[str]]:
    """How many of the n get the maggiorazione, and the sentence that says how it was rounded."""
    q = parameters.differentiation_quota
    quota = int((q * n / HUNDRED).to_integral_value(rounding=parameters.quota_rounding.mode))
    if q > ZERO:
        quota = min(max(quota, 1), n)
    sentences = [
        f"{label}: quota {format_percent(q)} di {n} valutati positivamente = "
        f"{format_number(q * n / HUNDRED, 2)}, arrotondata {parameters.quota_rounding.label}"
        f"{' (almeno 1)' if q > ZERO else ''} → {quota}."
    ]
    return quota, sentences


def _maggiorazione(
    fund: Decimal, n: int, cutoff: _Cutoff, parameters: PremiumParameters
) -> tuple[Decimal, Decimal, Decimal, list[str]]:
    """The average premium, the maggiorazione (reduced when the fund cannot pay it) and the
    equal part of the ties at the limit, with their sentences."""
    m = parameters.maggiorazione_percent
    full_count, shared_count = len(cutoff.full), len(cutoff.shared)
    awarded_count = full_count + shared_count
    # What the maggiorazioni cost, in units of one maggiorazione.
    units = Decimal(full_count + cutoff.slots)
    average = fund / n
    target = average * m / HUNDRED
    amount = _cents_up(target) if awarded_count else ZERO
    sentences = [
        f"Premio medio pro capite P̄ = {euro(fund)} / {n} = {euro(average)}; "
        f"maggiorazione = {format_percent(m)} × P̄ = {format_number(target, 4)}{NBSP}€ → "
        f"{euro(amount)} (arrotondata per eccesso al centesimo) a {full_count} dipendenti."
    ]
    if awarded_count and amount * units > fund:
        amount = _cents_down(fund / units)
        sentences.append(
            f"Il fondo non consente {format_number(units)} maggiorazioni di quell'importo: "
            f"ridotte a {euro(fund)} / {format_number(units)} = {euro(amount)}."
        )
    shared_amount = ZERO
    if shared_count:
        shared_amount = _cents_down(amount * cutoff.slots / shared_count)
        sentences.append(
            f"Ai {shared_count} pari merito al limite: {euro(amount)} × {cutoff.slots} / "
            f"{shared_count} = {euro(shared_amount)} ciascuno (per difetto al centesimo)."
        )
    return average, amount, shared_amount, sentences


def _line(
    item: _Prepared,
    pool: Decimal,
    total_share: Decimal,
    cutoff: _Cutoff,
    differentiation: Differentiation,
    ranks: Mapping[Hashable, int],
    parameters: PremiumParameters,
) -> PremiumLine:
    person = item.person
    share_text = _share_text(item, parameters)
    data: dict[str, Any] = {
        "band_percent": item.band_percent,
        "coefficient": item.coefficient,
        "part_time": item.part_time,
        "presence": item.presence,
        "share": internal(item.share),
    }
    if not item.sharing:
        return _unpaid_line(item, share_text, data)
    base = _cents_down(pool * item.share / total_share)
    extra = _extra(person.id, cutoff, differentiation)
    awarded = person.id in cutoff.full or person.id in cutoff.shared
    gross = base + extra
    sentences = [
        f"{person.name}: {share_text}",
        f"Premio base = {_euro(pool)} × {_number(item.share, 6)} / "
        f"{_number(total_share, 6)} = {_euro(base)} (per difetto al centesimo).",
    ]
    sentences += _maggiorazione_sentences(person, cutoff, ranks, extra, awarded)
    withheld, withheld_sentences = _payment_time_withheld(person, gross, parameters)
    sentences += withheld_sentences
    total = gross - withheld
    sentences.append(f"Totale {_euro(total)}.")
    data.update(base=base, maggiorazione=extra, withheld=withheld, total=total)
    explanation = Explanation("premium", "Premio individuale", " ".join(sentences), data)
    return PremiumLine(
        person_id=person.id,
        label=person.name,
        score=to_decimal(person.score),
        band_percent=item.band_percent,
        eligible=True,
        reason="",
        negative=item.negative,
        exclusion=None,
        rank=ranks[person.id],
        top_ranked=awarded,
        share=item.share,
        base=base,
        maggiorazione=extra,
        withheld=withheld,
        total=total,
        explanation=explanation,
    )


def _share_text(item: _Prepared, parameters: PremiumParameters) -> str:
    """The sentence multiplying out one person's share of the pool."""
    person = item.person
    return (
        f"Quota = {_percent(item.band_percent)} (fascia) × "
        f"{_number(item.coefficient)} (coefficiente"
        f"{f' {person.category_name}' if person.category else ''}) × "
        f"{_number(item.part_time, 4)} (part-time"
        f"{'' if parameters.part_time_proportional else ' non proporzionale'}) × "
        f"{_number(item.presence, 4)} ({item.presence_text}"
        f"{'' if parameters.presence_proportional else ', non proporzionale'}) = "
        f"{_number(item.share, 6)}."
    )


def _unpaid_line(item: _Prepared, share_text: str, data: dict[str, Any]) -> PremiumLine:
    """The line of someone who shares nothing of the pool, saying why."""
    person = item.person
    text = f"{person.name}: nessun premio ({item.reason}). {share_text}"
    data["reason"] = item.reason
    explanation = Explanation("premium", "Premio individuale", text, data)
    return PremiumLine(
        person_id=person.id,
        label=person.name,
        score=to_decimal(person.score),
        band_percent=item.band_percent,
        eligible=person.eligible,
        reason=item.reason,
        negative=item.negative,
        exclusion=item.exclusion,
        rank=None,
        top_ranked=False,
        share=item.share,
        base=ZERO,
        maggiorazione=ZERO,
        withheld=ZERO,
        total=ZERO,
        explanation=explanation,
    )


def _extra(person_id: Hashable, cutoff: _Cutoff, differentiation: Differentiation) -> Decimal:
    """The maggiorazione of one person: whole above the limit, an equal part at it, else none."""
    if person_id in cutoff.full:
        return differentiation.amount
    if person_id in cutoff.shared:
        return differentiation.shared_amount
    return ZERO


def _maggiorazione_sentences(
    person: Person,
    cutoff: _Cutoff,
    ranks: Mapping[Hashable, int],
    extra: Decimal,
    awarded: bool,
) -> list[str]:
    """Why one person gets a maggiorazione (or the cutoff sentence when their score sits on it)."""
    sentences = []
    if person.id in cutoff.shared:
        sentences.append(
            f"Maggiorazione per la posizione n. {ranks[person.id]} in graduatoria, a pari merito "
            f"al limite della quota: parte uguale di {_euro(extra)}."
        )
    elif awarded:
        sentences.append(
            f"Maggiorazione per la posizione n. {ranks[person.id]} in graduatoria: {_euro(extra)}."
        )
    if cutoff.text and to_decimal(person.score) in cutoff.scores:
        sentences.append(cutoff.text)
    return sentences


def _payment_time_withheld(
    person: Person, gross: Decimal, parameters: PremiumParameters
) -> tuple[Decimal, list[str]]:
    """The part withheld when the payment-time objective was missed (DL 13/2023 art. 4-bis)."""
    if not person.payment_time_missed:
        return ZERO, []
    share = parameters.payment_time_share
    withheld = _cents_up(gross * share / HUNDRED)
    sentence = (
        f"Obiettivo sui tempi di pagamento non raggiunto (DL 13/2023 art. 4-bis): "
        f"trattenuto {_percent(share)} di {_euro(gross)} = {_euro(withheld)} "
        f"(per eccesso al centesimo), che torna al fondo."
    )
    return withheld, [sentence]


def percent_shares(counts: Sequence[int]) -> list[Decimal]:
    """Each count as a % of their sum, to the cent of a point, adding up to exactly 100
    (largest remainders: the hundredths lost by rounding down go to the largest remainders,
    ties to the earlier row). All zero when the sum is zero."""
    total = sum(counts)
    if total == 0:
        return [ZERO for _ in counts]
    exact = [Decimal(count) * HUNDRED / total for count in counts]
    shares = [value.quantize(CENT, rounding=ROUND_DOWN) for value in exact]
    missing = int((HUNDRED - sum(shares, ZERO)) / CENT)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[:missing]:
        shares[index] += CENT
    return shares


@dataclass(frozen=True)
class ExclusionCount:
    """The people left out for one reason («1 escluso per servizio inferiore al minimo»)."""

    exclusion: Exclusion
    reason: str  # the phrase; for the not evaluated, their own reason
    count: int

    @property
    def text(self) -> str:
        return excluded_text(self.count, self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "exclusion": self.exclusion.value,
            "reason": self.reason,
            "count": self.count,
            "text": self.text,
        }


def _exclusion_counts(prepared: Sequence[_Prepared]) -> tuple[ExclusionCount, ...]:
    counts: dict[tuple[Exclusion, str], int] = {}
    for item in prepared:
        if item.exclusion is not None:
            key = (item.exclusion, item.exclusion_phrase)
            counts[key] = counts.get(key, 0) + 1
    order = list(Exclusion)
    return tuple(
        ExclusionCount(kind, phrase, count)
        for (kind, phrase), count in sorted(
            counts.items(), key=lambda pair: (order.index(pair[0][0]), pair[0][1])
        )
    )


def _band_counts(prepared: Sequence[_Prepared], bands: ScoreBands | None) -> tuple[BandCount, ...]:
    """The evaluated people by band (the not evaluated and those below the minimum service are
    listed apart); the shares add up to 100 % of the evaluated."""
    evaluated = [item for item in prepared if item.evaluated]
    rows: list[tuple[str, Decimal | None, Decimal | None, Decimal, int]] = []
    if bands is not None:
        counts = dict.fromkeys(bands.bands, 0)
        for item in evaluated:
            counts[bands.band_for(to_decimal(item.person.score))] += 1
        rows = [
            (band.name, band.lower, band.upper, band.percent, count)
            for band, count in reversed(counts.items())
        ]
    else:
        by_percent: dict[Decimal, int] = {}
        for item in evaluated:
            by_percent[item.band_percent] = by_percent.get(item.band_percent, 0) + 1
        rows = [
            (f"Fascia al {format_percent(p)}", None, None, p, count)
            for p, count in sorted(by_percent.items(), reverse=True)
        ]
    shares = percent_shares([row[4] for row in rows])
    return tuple(
        BandCount(label, lower, upper, premium, count, share)
        for (label, lower, upper, premium, count), share in zip(rows, shares, strict=True)
    )


def _distribution_explanation(
    fund: Decimal,
    prepared: Sequence[_Prepared],
    pool: Decimal,
    total_share: Decimal,
    differentiation: Differentiation,
    totals: Totals,
    threshold_text: str,
    mean: Decimal | None,
    exclusions: Sequence[ExclusionCount] = (),
) -> Explanation:
    sharing = sum(1 for item in prepared if item.sharing)
    evaluated = sum(1 for item in prepared if item.evaluated)
    rounding = totals.residual - totals.withheld
    people = len(prepared)
    head = (
        f"Fondo stanziato {euro(fund)} per {people} "
        f"{'dipendente' if people == 1 else 'dipendenti'} ({evaluated} "
        f"{'valutato' if evaluated == 1 else 'valutati'}); {sharing} "
        f"{'partecipa' if sharing == 1 else 'partecipano'} alla ripartizione"
    )
    if exclusions:
        # The negative rule goes with its own count, not after the last reason of the list.
        head += ", " + ", ".join(
            f"{item.text} ({threshold_text})" if item.exclusion is Exclusion.NEGATIVE else item.text
            for item in exclusions
        )
    sentences = [head + ".", differentiation.explanation.text]
    if sharing:
        sentences.append(
            f"Restano {euro(pool)} ripartiti in proporzione alle quote "
            f"(somma {format_number(total_share, 6)}), per difetto al centesimo."
        )
    else:
        sentences.append("Nessuna quota da ripartire: il fondo resta interamente residuo.")
    sentences.append(
        f"Distribuito {euro(totals.distributed)}, trattenuto {euro(totals.withheld)}, "
        f"residuo {euro(totals.residual)} (di cui {euro(rounding)} da arrotondamenti"
        f"{' e quote non ripartibili' if not sharing else ''})."
    )
    if mean is not None:
        sentences.append(f"Punteggio medio dei valutati ({evaluated}): {format_number(mean, 2)}.")
    data = {
        "fund": fund,
        "people": len(prepared),
        "sharing": sharing,
        "pool": pool,
        "total_share": internal(total_share),
        "distributed": totals.distributed,
        "withheld": totals.withheld,
        "residual": totals.residual,
        "mean_score": mean,
    }
    return Explanation("fund", "Ripartizione del fondo", " ".join(sentences), data)


# -- EQ and dirigenti: retribuzione di risultato ---------------------------------------------------


@dataclass(frozen=True)
class ResultParameters:
    max_result_rate: Decimal = Decimal(25)  # risultato at 100 % band, % of the position allowance
    minimum_result_quota: Decimal = MIN_RESULT_QUOTA  # risultato pool ≥ this % of pos. + ris.
    payment_time_share: Decimal = MIN_PAYMENT_TIME_SHARE
    distribute_whole_pool: bool = False  # also scale *up* to spend the whole pool

    @classmethod
    def from_dict(cls, data: Any) -> ResultParameters:
        reader = _PremiumReader()
        parameters = reader.result_parameters(data)
        reader.raise_if_errors()
        reader.errors.extend(check_result_parameters(parameters))
        reader.raise_if_errors()
        return parameters

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "max_result_rate": self.max_result_rate,
                "minimum_result_quota": self.minimum_result_quota,
                "payment_time_share": self.payment_time_share,
                "distribute_whole_pool": self.distribute_whole_pool,
            }
        )


def check_result_parameters(
    parameters: ResultParameters, path: str = RESULT_ROOT
) -> list[tuple[str, str]]:
    errors = []
    if not ZERO < parameters.max_result_rate <= HUNDRED:
        errors.append((f"{path}.max_result_rate", "deve essere un numero tra 0 (escluso) e 100"))
    # The legal floor depends on the contract in force (15 from the CCNL 21/05/2018, none
    # before): the caller that knows the year checks it; here only the range.
    if not ZERO <= parameters.minimum_result_quota <= HUNDRED:
        errors.append((f"{path}.minimum_result_quota", "deve essere un numero tra 0 e 100"))
    errors.extend(_payment_share_errors(parameters.payment_time_share, path))
    return errors


@dataclass(frozen=True)
class PositionHolder:
    id: Hashable
    position_allowance: Decimal  # retribuzione di posizione, annual
    score: Decimal
    band_percent: Decimal
    payment_time_missed: bool = False  # DL 13/2023 art. 4-bis
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or str(self.id)


@dataclass(frozen=True)
class ResultLine:
    person_id: Hashable
    label: str
    position_allowance: Decimal
    band_percent: Decimal
    theoretical: Decimal  # allowance × rate × band, before scaling
    gross: Decimal  # after scaling, in cents
    withheld: Decimal
    total: Decimal
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": json_key(self.person_id),
            "label": self.label,
            "position_allowance": jsonable(self.position_allowance),
            "band_percent": jsonable(self.band_percent),
            "theoretical": jsonable(internal(self.theoretical)),
            "gross": jsonable(self.gross),
            "withheld": jsonable(self.withheld),
            "total": jsonable(self.total),
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class PoolCheck:
    position_pool: Decimal
    result_pool: Decimal
    quota: Decimal | None  # risultato / (posizione + risultato) × 100
    minimum: Decimal
    respected: bool
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "position_pool": jsonable(self.position_pool),
            "result_pool": jsonable(self.result_pool),
            "quota": jsonable(self.quota),
            "minimum": jsonable(self.minimum),
            "respected": self.respected,
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class ResultDistribution:
    lines: tuple[ResultLine, ...]
    totals: Totals
    pool_check: PoolCheck
    scale: Decimal  # factor applied to the theoretical amounts (1 = none)
    explanation: Explanation

    def to_dict(self, *, lines: bool = True) -> dict[str, Any]:
        """JSON-ready; without `lines` when the caller stores each line on its own."""
        return {
            **({"lines": [line.to_dict() for line in self.lines]} if lines else {}),
            "totals": self.totals.to_dict(),
            "pool_check": self.pool_check.to_dict(),
            "scale": jsonable(internal(self.scale)),
            "explanation": self.explanation.to_dict(),
        }


def check_result_pool(
    result_pool: Decimal, position_pool: Decimal, minimum: Decimal = MIN_RESULT_QUOTA
) -> PoolCheck:
    """Risultato pool ≥ minimum % of (posizione + risultato) (art. 15 c.4 CCNL 2018)."""
    with arithmetic():
        result_pool, position_pool = to_decimal(result_pool), to_decimal(position_pool)
        whole = result_pool + position_pool
        quota = internal(result_pool * HUNDRED / whole) if whole > ZERO else None
        respected = quota is not None and quota >= minimum
        label = (
            "Quota della retribuzione di risultato (art. 15 c.4 CCNL 2018, art. 17 c.4 CCNL 2022)"
        )
        if quota is None:
            text = f"{label}: nessuna risorsa per posizione e risultato."
        elif minimum == ZERO:
            text = (
                f"{label}: {euro(result_pool)} / ({euro(position_pool)} + {euro(result_pool)}) "
                f"= {format_percent(quota)}; il contratto in vigore non fissa una quota minima."
            )
        else:
            text = (
                f"{label}: {euro(result_pool)} / ({euro(position_pool)} + {euro(result_pool)}) "
                f"= {format_percent(quota)}, "
                f"{'rispettata' if respected else 'NON rispettata'} la quota minima del "
                f"{format_percent(minimum)}."
            )
        data = {
            "position_pool": position_pool,
            "result_pool": result_pool,
            "quota": quota,
            "minimum": minimum,
            "respected": respected,
        }
        explanation = Explanation("result_pool", "Quota di risultato", text, data)
        return PoolCheck(position_pool, result_pool, quota, minimum, respected, explanation)


def distribute_result_pay(
    result_pool: Decimal,
    holders: Sequence[PositionHolder],
    parameters: ResultParameters | None = None,
    position_pool: Decimal | None = None,
) -> ResultDistribution:
    """EQ/dirigenti risultato: % of the allowance by band, scaled down to the pool if needed.

    `position_pool` is the posizione resources of all the positions (vacant ones included);
    by default the sum of the holders' allowances.
    """
    parameters = parameters or ResultParameters()
    raise_if_errors(check_result_parameters(parameters))
    with arithmetic():
        result_pool = to_decimal(result_pool)
        if result_pool < ZERO:
            raise ValueError("il fondo per la retribuzione di risultato non può essere negativo")
        _check_holders(holders)
        if position_pool is None:
            position_pool = sum((to_decimal(h.position_allowance) for h in holders), ZERO)
        check = check_result_pool(result_pool, position_pool, parameters.minimum_result_quota)
        rate = parameters.max_result_rate
        theoretical = _theoretical_result(holders, rate)
        wanted = sum(theoretical.values(), ZERO)
        scale = ONE
        if wanted > ZERO and (wanted > result_pool or parameters.distribute_whole_pool):
            scale = result_pool / wanted
        factor = (result_pool, wanted) if scale != ONE else (ONE, ONE)
        lines = tuple(
            _result_line(h, theoretical[h.id], factor, scale, rate, parameters) for h in holders
        )
        totals = _totals(
            result_pool, [line.total for line in lines], [line.withheld for line in lines]
        )
        sentences = [check.explanation.text, _scale_sentence(wanted, result_pool, scale)]
        sentences.append(
            f"Distribuito {euro(totals.distributed)}, trattenuto {euro(totals.withheld)}, "
            f"residuo {euro(totals.residual)}."
        )
        data = {
            "result_pool": result_pool,
            "theoretical": internal(wanted),
            "scale": internal(scale),
            "distributed": totals.distributed,
            "withheld": totals.withheld,
            "residual": totals.residual,
        }
        explanation = Explanation(
            "result_pay", "Retribuzione di risultato", " ".join(sentences), data
        )
        return ResultDistribution(lines, totals, check, scale, explanation)


def _check_holders(holders: Sequence[PositionHolder]) -> None:
    """Each holder once, with an allowance not negative and a band percentage within 0-100."""
    seen: set[Hashable] = set()
    for holder in holders:
        if holder.id in seen:
            raise ValueError(f"la persona «{holder.id}» compare più di una volta")
        seen.add(holder.id)
        if to_decimal(holder.position_allowance) < ZERO:
            raise ValueError(f"{holder.name}: la retribuzione di posizione è negativa")
        if not ZERO <= to_decimal(holder.band_percent) <= HUNDRED:
            raise ValueError(f"{holder.name}: la percentuale della fascia deve essere 0–100")


def _theoretical_result(
    holders: Sequence[PositionHolder], rate: Decimal
) -> dict[Hashable, Decimal]:
    """Each holder's allowance × the maximum rate × their band, before fitting the pool."""
    return {
        holder.id: to_decimal(holder.position_allowance)
        * rate
        / HUNDRED
        * to_decimal(holder.band_percent)
        / HUNDRED
        for holder in holders
    }


def _scale_sentence(wanted: Decimal, result_pool: Decimal, scale: Decimal) -> str:
    """Whether the theoretical amounts were scaled down, up, or left as they are."""
    if scale < ONE:
        return (
            f"Importi teorici {euro(wanted)} superiori al fondo {euro(result_pool)}: "
            f"ridotti in proporzione (× {format_number(scale, 6)})."
        )
    if scale > ONE:
        return (
            f"Importi teorici {euro(wanted)} inferiori al fondo {euro(result_pool)}: "
            f"aumentati in proporzione per distribuirlo (× {format_number(scale, 6)})."
        )
    return f"Importi teorici {euro(wanted)} entro il fondo {euro(result_pool)}."


def _result_line(
    holder: PositionHolder,
    theoretical: Decimal,
    factor: tuple[Decimal, Decimal],
    scale: Decimal,
    rate: Decimal,
    parameters: ResultParameters,
) -> ResultLine:
    # theoretical × pool / wanted: multiplying first keeps a single holder's amount exact.
    gross = _cents_down(theoretical * factor[0] / factor[1])
    sentences = [
        f"{holder.name}: {_euro(to_decimal(holder.position_allowance))} × {_percent(rate)} "
        f"× {_percent(to_decimal(holder.band_percent))} (fascia) = {_euro(theoretical)}"
    ]
    if scale != ONE:
        sentences[0] += f" × {_number(scale, 6)}"
    sentences[0] += f" → {_euro(gross)} (per difetto al centesimo)."
    withheld = ZERO
    if holder.payment_time_missed:
        share = parameters.payment_time_share
        withheld = _cents_up(gross * share / HUNDRED)
        sentences.append(
            f"Obiettivo sui tempi di pagamento non raggiunto (DL 13/2023 art. 4-bis): "
            f"trattenuto {_percent(share)} = {_euro(withheld)}, che torna al fondo."
        )
    total = gross - withheld
    sentences.append(f"Totale {_euro(total)}.")
    data = {
        "position_allowance": holder.position_allowance,
        "rate": rate,
        "band_percent": holder.band_percent,
        "scale": internal(scale),
        "gross": gross,
        "withheld": withheld,
        "total": total,
    }
    explanation = Explanation("result_line", "Retribuzione di risultato", " ".join(sentences), data)
    return ResultLine(
        holder.id,
        holder.name,
        to_decimal(holder.position_allowance),
        to_decimal(holder.band_percent),
        theoretical,
        gross,
        withheld,
        total,
        explanation,
    )


# -- personnel indicators --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonnelIndicator:
    code: str
    label: str
    value: Decimal | None  # None when the denominator is zero
    unit: str  # "%" or "€"
    formula: str
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "value": jsonable(self.value),
            "unit": self.unit,
            "formula": self.formula,
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class PersonnelIndicators:
    incentivazione_complessiva: PersonnelIndicator
    capacita_incentivazione: PersonnelIndicator
    selettivita: PersonnelIndicator
    differenziazione: PersonnelIndicator
    aggiornamento_professionale: PersonnelIndicator

    @property
    def all(self) -> tuple[PersonnelIndicator, ...]:
        return (
            self.incentivazione_complessiva,
            self.capacita_incentivazione,
            self.selettivita,
            self.differenziazione,
            self.aggiornamento_professionale,
        )

    def to_dict(self) -> dict[str, Any]:
        return {indicator.code: indicator.to_dict() for indicator in self.all}


def _indicator(
    code: str,
    label: str,
    formula: str,
    numerator: Decimal,
    denominator: Decimal,
    unit: str,
    money: tuple[bool, bool] = (False, False),
) -> PersonnelIndicator:
    """numerator / denominator, × 100 for a percentage; `money` says which terms are euros."""
    top = euro(numerator) if money[0] else format_number(numerator)
    bottom = euro(denominator) if money[1] else format_number(denominator)
    if denominator == ZERO:
        value = None
        text = f"{label} = {formula}: {top} / {bottom}, non calcolabile."
    elif unit == "€":
        value = internal(numerator / denominator)
        text = f"{label} = {formula} = {top} / {bottom} = {euro(value)}."
    else:
        value = internal(numerator / denominator * HUNDRED)
        text = f"{label} = {formula} = {top} / {bottom} × 100 = {format_percent(value)}."
    data = {"numerator": numerator, "denominator": denominator, "value": value, "unit": unit}
    explanation = Explanation(code, label, text, data)
    return PersonnelIndicator(code, label, value, unit, formula, explanation)


def personnel_indicators(
    *,
    fund_total: Decimal,
    personnel_expense: Decimal,
    variable_part: Decimal,
    staff_count: int,
    incentivised_count: int,
    min_premium: Decimal,
    max_premium: Decimal,
    trained_count: int,
) -> PersonnelIndicators:
    """The indicators of the state of the personnel (as in the seed PIAO 2.1.2 table)."""
    with arithmetic():
        counts = (staff_count, incentivised_count, trained_count)
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
            raise ValueError("i conteggi del personale devono essere interi non negativi")
        if incentivised_count > staff_count or trained_count > staff_count:
            raise ValueError("incentivati e formati non possono superare il totale del personale")
        amounts = [to_decimal(v) for v in (fund_total, personnel_expense, variable_part)]
        premiums = [to_decimal(min_premium), to_decimal(max_premium)]
        if any(value < ZERO for value in amounts + premiums):
            raise ValueError("gli importi non possono essere negativi")
        if premiums[0] > premiums[1]:
            raise ValueError("il premio minimo supera il premio massimo")
        fund, expense, variable = amounts
        staff = Decimal(staff_count)
        return PersonnelIndicators(
            _indicator(
                "incentivazione_complessiva",
                "Incentivazione complessiva",
                "Fondo contrattazione decentrata / Spesa per il personale (Tit. I, Macr. 1)",
                fund,
                expense,
                "%",
                money=(True, True),
            ),
            _indicator(
                "capacita_incentivazione",
                "Capacità di incentivazione",
                "Fondo decentrato, parte variabile / Totale personale",
                variable,
                staff,
                "€",
                money=(True, False),
            ),
            _indicator(
                "selettivita",
                "Selettività e merito",
                "N. dipendenti che hanno ottenuto incentivi / Totale personale",
                Decimal(incentivised_count),
                staff,
                "%",
            ),
            _indicator(
                "differenziazione",
                "Differenziazione dei premi",
                "Premio minimo erogato / Premio massimo erogato",
                premiums[0],
                premiums[1],
                "%",
                money=(True, True),
            ),
            _indicator(
                "aggiornamento_professionale",
                "Aggiornamento professionale",
                "Dipendenti coinvolti in percorsi formativi / Totale personale dipendente",
                Decimal(trained_count),
                staff,
                "%",
            ),
        )


def personnel_indicators_for(
    distribution: Distribution,
    *,
    fund_total: Decimal,
    personnel_expense: Decimal,
    variable_part: Decimal,
    trained_count: int,
    staff_count: int | None = None,
) -> PersonnelIndicators:
    """The indicators with incentivised count and min/max premium taken from a distribution.

    Incentivised are the people paid more than zero; staff defaults to everyone evaluated.
    """
    paid = distribution.premiums
    return personnel_indicators(
        fund_total=fund_total,
        personnel_expense=personnel_expense,
        variable_part=variable_part,
        staff_count=len(distribution.lines) if staff_count is None else staff_count,
        incentivised_count=len(paid),
        min_premium=min(paid, default=ZERO),
        max_premium=max(paid, default=ZERO),
        trained_count=trained_count,
    )


# -- reading from JSON -----------------------------------------------------------------------------


PARAMETER_KEYS = frozenset(
    {
        "maggiorazione_percent",
        "differentiation_quota",
        "quota_rounding",
        "tie_break",
        "cutoff_ties",
        "coefficients",
        "part_time_proportional",
        "presence_proportional",
        "protected_leave_as_service",
        "min_service_days",
        "negative_below",
        "payment_time_share",
    }
)
RESULT_KEYS = frozenset(
    {"max_result_rate", "minimum_result_quota", "payment_time_share", "distribute_whole_pool"}
)


class _PremiumReader(Reader):
    def flag(self, items: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        raw = items.get(key, default)
        if not isinstance(raw, bool):
            self.error(f"{path}.{key}", "deve essere vero o falso")
            return default
        return raw

    def parameters(self, data: Any) -> PremiumParameters:
        defaults = PremiumParameters()
        if data is None:
            return defaults
        items = self.mapping(data, ROOT, PARAMETER_KEYS)
        if items is None:
            return defaults
        negative_below = None
        if items.get("negative_below") is not None:
            negative_below = self.number(items, "negative_below", ROOT, None, ZERO, None)
        return PremiumParameters(
            maggiorazione_percent=self.number(
                items, "maggiorazione_percent", ROOT, defaults.maggiorazione_percent, ZERO, None
            ),
            differentiation_quota=self.number(
                items, "differentiation_quota", ROOT, defaults.differentiation_quota, ZERO, None
            ),
            quota_rounding=self.choice(items, "quota_rounding", ROOT, QuotaRounding, defaults),
            tie_break=self.tie_break(items, defaults.tie_break),
            cutoff_ties=self.choice(items, "cutoff_ties", ROOT, CutoffTies, defaults),
            coefficients=self.coefficients(items),
            part_time_proportional=self.flag(items, "part_time_proportional", ROOT, True),
            presence_proportional=self.flag(items, "presence_proportional", ROOT, True),
            protected_leave_as_service=self.flag(items, "protected_leave_as_service", ROOT, True),
            min_service_days=self.integer(
                items, "min_service_days", ROOT, defaults.min_service_days, 0, 366
            ),
            negative_below=negative_below,
            payment_time_share=self.number(
                items, "payment_time_share", ROOT, defaults.payment_time_share, ZERO, None
            ),
        )

    def tie_break(
        self, items: Mapping[str, Any], default: tuple[TieBreak, ...]
    ) -> tuple[TieBreak, ...]:
        rows = self.rows(items, "tie_break", ROOT)
        if rows is None:
            return default
        criteria = []
        for index, raw in enumerate(rows):
            try:
                criteria.append(TieBreak(raw))
            except ValueError:
                allowed = ", ".join(member.value for member in TieBreak)
                self.error(
                    f"{ROOT}.tie_break[{index}]", f"valore «{raw}» non ammesso (ammessi: {allowed})"
                )
        return tuple(criteria)

    def coefficients(self, items: Mapping[str, Any]) -> dict[str, Decimal]:
        raw = items.get("coefficients")
        if raw is None:
            return {}
        path = f"{ROOT}.coefficients"
        if not isinstance(raw, Mapping):
            self.error(path, "deve essere un oggetto (categoria: coefficiente)")
            return {}
        table = {}
        for category in raw:
            value = self.number(raw, category, path, None, ZERO, None)
            if value is not None:
                table[str(category)] = value
        return table

    def result_parameters(self, data: Any) -> ResultParameters:
        defaults = ResultParameters()
        if data is None:
            return defaults
        items = self.mapping(data, RESULT_ROOT, RESULT_KEYS)
        if items is None:
            return defaults
        return ResultParameters(
            max_result_rate=self.number(
                items, "max_result_rate", RESULT_ROOT, defaults.max_result_rate, ZERO, None
            ),
            minimum_result_quota=self.number(
                items,
                "minimum_result_quota",
                RESULT_ROOT,
                defaults.minimum_result_quota,
                ZERO,
                None,
            ),
            payment_time_share=self.number(
                items, "payment_time_share", RESULT_ROOT, defaults.payment_time_share, ZERO, None
            ),
            distribute_whole_pool=self.flag(items, "distribute_whole_pool", RESULT_ROOT, False),
        )
