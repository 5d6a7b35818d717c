"""The aggregates that art. 20 D.Lgs. 33/2013 requires in «Amministrazione Trasparente».

The page is «Amministrazione Trasparente > Performance» (`transparency`).

* c.1 (sotto-sezione «Ammontare complessivo dei premi»): the premi collegati alla performance
  stanziati and those effettivamente distribuiti;
* c.2 (sotto-sezione «Dati relativi ai premi»): the distribution of the trattamento accessorio in
  aggregate form (selectivity, distribution by band) and the grado di differenziazione of the
  premiums, for dirigenti/EQ and for dipendenti.

Only aggregates leave this module: counts, sums, means, ratios; never a name or an id of a
person. The amounts distributed come only from FINAL distributions; a fund without one is shown
as stanziato and «non ancora distribuito».

Small groups (issue 14, `core.privacy`): for whoever may not read the individual schede (the
public pages, their CSV and JSON, the published documents) the counts per band of a category
are withheld together when one of them is below the threshold, premiati with the non premiati,
and the premium and score figures computed from fewer people than the threshold (mean,
minimum, maximum, differentiation). The amounts stanziati and distribuiti of art. 20 c.1 are
published whatever the size of the group: the law requires them (docs/operations.md,
«Gruppi piccoli»).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum

from core.privacy import suppress_group, threshold, too_small
from core.templatetags.formatting import euro
from engine.numbers import CENT, HUNDRED, NBSP, ZERO, format_number, jsonable
from engine.premiums import excluded_text, percent_shares
from organization.models import Ente
from rewards.models import Distribution, DistributionLine, DistributionState, Fund, FundKind

STAFF = "dipendenti"
MANAGERS = "dirigenti_eq"
CATEGORY_LABELS = {
    MANAGERS: "Dirigenti ed Elevate Qualificazioni",
    STAFF: "Personale dipendente (non dirigente)",
}
STAFF_FUNDS = frozenset({FundKind.ORGANISATIONAL, FundKind.INDIVIDUAL})


def category_of(kind: str) -> str:
    return STAFF if kind in STAFF_FUNDS else MANAGERS


def percent_text(value: Decimal | None) -> str:
    """«100 %», «33,33 %» (a non-breaking space before «%», as everywhere): two places at most,
    no trailing zeros (as the published tables)."""
    if value is None:
        return "—"
    return f"{format_number(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))}{NBSP}%"


def people_noun(count: int, category: str, kind: str = "") -> str:
    if kind == FundKind.EQ_RESULT:
        return "incaricato EQ" if count == 1 else "incaricati EQ"
    if kind == FundKind.MANAGER_RESULT:
        return "dirigente" if count == 1 else "dirigenti"
    if category == MANAGERS:
        return "dirigente o EQ" if count == 1 else "dirigenti ed EQ"
    return "dipendente" if count == 1 else "dipendenti"


def band_sentence(lower, upper, count: int, share: Decimal, noun: str) -> str:
    """«Valutazione compresa tra 54 e 60 punti: 20 dipendenti, 100%»."""
    if lower is None:
        head = "Senza punteggio"
    elif Decimal(lower) == ZERO:
        head = f"Valutazione fino a {format_number(Decimal(upper))} punti"
    else:
        head = (
            f"Valutazione compresa tra {format_number(Decimal(lower))} e "
            f"{format_number(Decimal(upper))} punti"
        )
    return f"{head}: {count} {noun}, {percent_text(share)}"


@dataclass(frozen=True)
class _Entry:
    """One person's line of one final distribution, reduced to what the aggregates need."""

    person: int
    total: Decimal
    band_from: str | None
    band_to: str | None
    band_percent: str | None
    score: str | None
    evaluated: bool = True  # False: not admitted, no score, too little service
    reason: str = ""  # why they are not evaluated


def is_evaluated(facts: dict[str, Any]) -> bool:
    if "evaluated" in facts:
        return bool(facts["evaluated"])
    # Lines stored before «evaluated» was written: a score and an admitted scheda.
    return facts.get("score") is not None and facts.get("eligible", True) is not False


class StoredLine(Protocol):
    """What the aggregates read of a line: a `DistributionLine` or a `selectors.LineRow`."""

    @property
    def person_id(self) -> int: ...

    @property
    def total_amount(self) -> Decimal: ...

    @property
    def explanation(self) -> dict[str, Any]: ...


def entries_from_lines(lines: Iterable[StoredLine]) -> list[_Entry]:
    return [
        _Entry(
            person=line.person_id,
            total=Decimal(line.total_amount),
            band_from=line.explanation.get("band_from"),
            band_to=line.explanation.get("band_to"),
            band_percent=line.explanation.get("band_percent"),
            score=line.explanation.get("score"),
            evaluated=is_evaluated(line.explanation),
            reason=line.explanation.get("reason") or "",
        )
        for line in lines
    ]


def _first_per_person(entries: list[_Entry]) -> list[_Entry]:
    seen: dict[int, _Entry] = {}
    for entry in entries:
        seen.setdefault(entry.person, entry)
    return list(seen.values())


def excluded_table(entries: list[_Entry]) -> list[dict[str, Any]]:
    """The people not evaluated, counted per reason («1 escluso (scheda senza punteggio)»)."""
    counts: dict[str, int] = defaultdict(int)
    for entry in _first_per_person(entries):
        if not entry.evaluated:
            counts[entry.reason or "non valutato"] += 1
    return [
        {"reason": reason, "count": count, "text": excluded_text(count, f"({reason})")}
        for reason, count in sorted(counts.items())
    ]


def bands_table(entries: list[_Entry], noun_for) -> list[dict[str, Any]]:
    """The evaluated people by score band (one row per band range), highest band first.

    Only the evaluated population is counted (`excluded_table` lists the others with their
    reason) and the shares add up to 100 % of it. `noun_for(count)` gives the noun
    («dipendenti»). A person counted in several distributions is counted once (their first
    entry).
    """
    counts: dict[tuple, int] = defaultdict(int)
    for entry in _first_per_person(entries):
        if entry.evaluated:
            counts[(entry.band_from, entry.band_to, entry.band_percent)] += 1

    def order(key: tuple) -> tuple:
        lower = key[0]
        return (lower is not None, Decimal(lower) if lower is not None else ZERO)

    rows = []
    keys = sorted(counts, key=order, reverse=True)
    shares = percent_shares([counts[key] for key in keys])
    for key, share in zip(keys, shares, strict=True):
        lower, upper, premium = key
        count = counts[key]
        rows.append(
            {
                "from": lower,
                "to": upper,
                "premium_percent": premium,
                "count": count,
                "percent": str(share),
                "text": band_sentence(lower, upper, count, share, noun_for(count)),
            }
        )
    return rows


def aggregate(entries: list[_Entry], category: str, kind: str = "") -> dict[str, Any]:
    """Valutati, premiati, premio medio/minimo/massimo, differenziazione, fasce: no names."""
    per_person: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        per_person[entry.person] += entry.total
    evaluated = sum(1 for entry in _first_per_person(entries) if entry.evaluated)
    paid = sorted(total for total in per_person.values() if total > ZERO)
    awarded = len(paid)
    total_paid = sum(paid, ZERO)
    mean = (total_paid / awarded).quantize(CENT, rounding=ROUND_HALF_UP) if awarded else None
    low = paid[0] if paid else None
    high = paid[-1] if paid else None
    ratio = None
    if low is not None and high:
        ratio = (low * HUNDRED / high).quantize(CENT, rounding=ROUND_HALF_UP)
    selectivity = None
    if evaluated:
        selectivity = (Decimal(awarded) * HUNDRED / evaluated).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    scores = [Decimal(e.score) for e in _first_per_person(entries) if e.score and e.evaluated]
    mean_score = (
        (sum(scores, ZERO) / len(scores)).quantize(CENT, rounding=ROUND_HALF_UP) if scores else None
    )
    noun = people_noun(2, category, kind)
    text = (
        f"{CATEGORY_LABELS[category]}: {evaluated} valutati, {awarded} premiati "
        f"(selettività {percent_text(selectivity)}); premio medio {euro(mean)}, minimo "
        f"{euro(low)}, massimo {euro(high)}; differenziazione (minimo / massimo) "
        f"{percent_text(ratio)}."
    )
    return {
        "category": category,
        "label": CATEGORY_LABELS[category],
        "evaluated": evaluated,
        "awarded": awarded,
        "selectivity_percent": jsonable(selectivity),
        "total_paid": jsonable(total_paid.quantize(CENT)),
        "mean_premium": jsonable(mean),
        "min_premium": jsonable(low),
        "max_premium": jsonable(high),
        "differentiation_percent": jsonable(ratio),
        "mean_score": jsonable(mean_score),
        "bands": bands_table(entries, lambda count: people_noun(count, category, kind)),
        "excluded": excluded_table(entries),
        "noun": noun,
        "text": text,
    }


WITHHELD = "non mostrato"


def small_group_reason(label: str, limit: int) -> str:
    return (
        f"{label}: i dati segnati «{WITHHELD}» riguardano meno di {limit} persone (in una "
        "fascia, tra i premiati o tra i non premiati) e mostrarli permetterebbe di risalire "
        "alla valutazione o al premio delle singole persone."
    )


def _band_head(text: str) -> str:
    return text.split(":", 1)[0]


def shown_category(category: dict[str, Any], limit: int) -> dict[str, Any]:
    """A category of `aggregate` as who may not read the schede may see it: small groups and
    figures of too few people withheld (None), with the reason; the same dict otherwise."""
    bands = suppress_group([band["count"] for band in category["bands"]], limit=limit)
    evaluated, awarded = category["evaluated"], category["awarded"]
    selection = suppress_group([awarded, evaluated - awarded], limit=limit)
    few_awarded = too_small(awarded, limit=limit)
    few_evaluated = too_small(evaluated, limit=limit)
    if not (bands.suppressed or selection.suppressed or few_awarded or few_evaluated):
        return {**category, "suppressed": False, "reason": ""}
    shown = dict(category)
    if bands.suppressed:
        shown["bands"] = [
            {
                **band,
                "count": None,
                "percent": None,
                "text": f"{_band_head(band['text'])}: conteggio {WITHHELD}",
            }
            for band in category["bands"]
        ]
    if selection.suppressed:
        shown.update(awarded=None, selectivity_percent=None)
    if few_awarded:
        shown.update(
            mean_premium=None, min_premium=None, max_premium=None, differentiation_percent=None
        )
    if few_evaluated:
        shown["mean_score"] = None

    def part(value, text: str) -> str:
        return WITHHELD if value is None else text

    mean, low, high = (shown[k] for k in ("mean_premium", "min_premium", "max_premium"))
    ratio, selectivity = shown["differentiation_percent"], shown["selectivity_percent"]
    shown["text"] = (
        f"{category['label']}: {evaluated} valutati, "
        f"{part(shown['awarded'], f'{awarded} premiati')} "
        f"(selettività {part(selectivity, percent_text(_dec(selectivity)))}); premio medio "
        f"{part(mean, euro(_dec(mean)))}, minimo {part(low, euro(_dec(low)))}, massimo "
        f"{part(high, euro(_dec(high)))}; differenziazione (minimo / massimo) "
        f"{part(ratio, percent_text(_dec(ratio)))}."
    )
    shown["suppressed"] = True
    shown["reason"] = small_group_reason(category["label"], limit)
    return shown


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def art20_tables(ente: Ente, year: int, *, sees_individuals: bool = False) -> dict[str, Any]:
    """The art. 20 c.1 and c.2 tables of an ente for a year, from final distributions only.

    Unless `sees_individuals` (a role that may read the schede), the small groups of c.2 are
    withheld (`shown_category`). The aggregates are computed once per version of the data they
    come from (`art20_version`) and kept in Django's cache: the public pages, read by anyone,
    would otherwise decode every line of every final distribution (25,000 in a large ente) at
    each request."""
    source = _Source.read(ente, year)
    key = f"transparency:art20:{ente.pk}:{year}:{source.version}"
    stored = cache.get(key)
    if stored is None:
        stored = _compute_tables(ente, year, source)
        cache.set(key, stored, timeout=CACHE_SECONDS)
    tables = copy.deepcopy(stored)  # the cached copy stays as computed
    limit = 0 if sees_individuals else threshold()
    tables["categories"] = [shown_category(category, limit) for category in tables["categories"]]
    return tables


CACHE_SECONDS = 24 * 3600  # a new version makes a new key: the old one only waits to expire


@dataclass(frozen=True)
class _Source:
    """The rows the art. 20 tables come from, short of the distribution lines, with a digest
    of everything the tables depend on."""

    funds: list[Fund]
    finals: dict[int, Distribution]  # fund pk → its final distribution
    version: str

    @classmethod
    def read(cls, ente: Ente, year: int) -> _Source:
        """Three queries: funds, final distributions, and a summary of their lines (lines are
        written with their distribution and never changed, so their count, last id and sums
        say whether they are the same)."""
        funds = list(Fund.objects.filter(ente=ente, year=year).order_by("kind"))
        finals = {
            d.fund_id: d
            for d in Distribution.objects.filter(fund__in=funds, state=DistributionState.FINAL)
        }
        lines = {}
        if finals:
            lines = DistributionLine.objects.filter(
                distribution__in=list(finals.values())
            ).aggregate(
                count=Count("id"),
                last=Max("id"),
                people=Sum("person_id"),
                total=Sum("total_amount"),
                eligible=Count("id", filter=Q(is_eligible=True)),
            )
        parts = [
            ente.name,
            [(f.pk, f.kind, str(f.amount)) for f in funds],
            sorted(
                (d.pk, d.fund_id, str(d.total_paid), str(d.residual), str(d.finalised_at))
                for d in finals.values()
            ),
            sorted(lines.items()),
        ]
        digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
        return cls(funds=funds, finals=finals, version=digest)


def art20_version(ente: Ente, year: int) -> str:
    """A digest that changes whenever the art. 20 tables of `ente` and `year` may change."""
    return _Source.read(ente, year).version


def _compute_tables(ente: Ente, year: int, source: _Source) -> dict[str, Any]:
    """The tables in full (no small group withheld yet), from every line of the finals."""
    funds, finals = source.funds, source.finals
    lines = DistributionLine.objects.filter(distribution__in=list(finals.values())).only(
        "distribution_id", "person_id", "total_amount", "explanation"
    )
    by_distribution: dict[int, list[DistributionLine]] = defaultdict(list)
    for line in lines:
        by_distribution[line.distribution_id].append(line)

    rows, allocated, distributed, entries = _fund_rows(funds, finals, by_distribution)
    categories = [
        aggregate(entries[MANAGERS], MANAGERS),
        aggregate(entries[STAFF], STAFF),
    ]
    pending = [row["label"] for row in rows if not row["final"]]
    text = (
        f"Premi collegati alla performance {year}: stanziati {euro(allocated)}, effettivamente "
        f"distribuiti {euro(distributed)}."
    )
    if pending:
        text += " Non ancora distribuiti: " + ", ".join(pending) + "."
    return {
        "ente": ente.name,
        "year": year,
        "reference": "art. 20 D.Lgs. 33/2013",
        "amounts": {
            "rows": rows,
            "allocated": jsonable(allocated),
            "distributed": jsonable(distributed),
            "text": text,
        },
        "categories": categories,
    }


def _fund_rows(
    funds: list[Fund],
    finals: dict[int, Distribution],
    by_distribution: dict[int, list[DistributionLine]],
) -> tuple[list[dict[str, Any]], Decimal, Decimal, dict[str, list[_Entry]]]:
    """Art. 20 c.1, one row per fund (stanziato, distribuito if final), with the totals and the
    entries of the final distributions gathered per category for c.2."""
    rows = []
    allocated = distributed = ZERO
    entries: dict[str, list[_Entry]] = {STAFF: [], MANAGERS: []}
    for fund in funds:
        final = finals.get(fund.pk)
        amount = Decimal(fund.amount)
        allocated += amount
        row = {
            "kind": fund.kind,
            "label": FundKind(fund.kind).label,
            "category": category_of(fund.kind),
            "allocated": jsonable(amount),
            "distributed": None,
            "residual": None,
            "final": final is not None,
            "finalised_on": None,
        }
        if final is not None:
            distributed += Decimal(final.total_paid)
            row.update(
                distributed=jsonable(Decimal(final.total_paid)),
                residual=jsonable(Decimal(final.residual)),
                finalised_on=final.finalised_at.date().isoformat() if final.finalised_at else None,
            )
            entries[category_of(fund.kind)].extend(entries_from_lines(by_distribution[final.pk]))
        rows.append(row)
    return rows, allocated, distributed, entries
