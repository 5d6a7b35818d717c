"""Reads of the funds and distributions, each in a constant number of queries.

`distribution_outputs` carries the names of the people: only pages for admins and the Nucleo
(`rewards.access.can_read_distribution`) may show it. The anonymous tables for everyone else are
in `rewards.aggregates` (published by `transparency`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet

from appraisal.models import EvaluationScheme, Scheda, ScoreBand
from core.templatetags.formatting import euro
from engine import premiums as ep
from engine.numbers import format_number, jsonable
from organization.models import Absence, Employment, Ente, category_label
from planning.models import Cycle
from rewards import aggregates
from rewards.models import (
    Distribution,
    DistributionLine,
    DistributionState,
    Fund,
    FundKind,
    IntegrativeContract,
)
from rewards.services import CONTRACT_KEYS, PARAMETER_LABELS, finalisation_problems

ZERO = Decimal("0")
HUNDRED = Decimal("100")


# -- the population of a distribution (read by rewards.services.distribution_preview) ---------
# 25,000 schede of a large ente: each read once as a tuple with its person's name and key; the
# few schemes and bands shared by all, and contracts and absences as tuples (only what the
# distribution reads). Model instances cost ~40 µs each here: 75,000 of them were a third of
# the preview.


class SchedaRow(NamedTuple):
    """One scheda of a distribution's population, with what the distribution reads of it."""

    id: int
    person_id: int
    person_key: str
    last_name: str
    first_name: str
    state: str
    total_points: Decimal | None
    premium_percent: Decimal | None
    is_negative: bool
    is_eligible: bool
    eligibility_note: str
    scheme: EvaluationScheme
    band: ScoreBand | None

    @property
    def label(self) -> str:
        """«Cognome Nome», as the lines and the messages name the person."""
        return f"{self.last_name} {self.first_name}".strip()


class SchedaStamp(NamedTuple):
    """What the finalisation checks read of a scheda: its state and when it last changed."""

    id: int
    person_id: int
    last_name: str
    first_name: str
    state: str
    updated_at: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()


class EmploymentRow(NamedTuple):
    person_id: int
    start_date: dt.date | None
    end_date: dt.date | None
    ccnl_area: str
    legacy_category: str
    role: str
    part_time_percent: Decimal


class AbsenceRow(NamedTuple):
    person_id: int
    kind: str
    start_date: dt.date
    end_date: dt.date


_PEOPLE_ORDER = ("person__last_name", "person__first_name", "person__key")
_SCHEDA_COLUMNS = (
    "id",
    "person_id",
    "person__key",
    "person__last_name",
    "person__first_name",
    "state",
    "total_points",
    "premium_percent",
    "is_negative",
    "is_eligible",
    "eligibility_note",
    "scheme_id",
    "band_id",
)


def population_schede(cycle: Cycle, *, managerial: bool) -> list[SchedaRow]:
    """The schede of the cycle under managerial (or staff) schemes, by person's name, each
    with its scheme and band (three queries: one instance per scheme and per band)."""
    rows = list(
        Scheda.objects.filter(cycle=cycle, scheme__is_managerial=managerial)
        .order_by(*_PEOPLE_ORDER)
        .values_list(*_SCHEDA_COLUMNS)
    )
    schemes = EvaluationScheme.objects.in_bulk({row[-2] for row in rows})
    bands = ScoreBand.objects.in_bulk({row[-1] for row in rows if row[-1] is not None})
    return [SchedaRow._make((*row[:-2], schemes[row[-2]], bands.get(row[-1]))) for row in rows]


def population_stamps(cycle: Cycle, *, managerial: bool) -> list[SchedaStamp]:
    """The same schede as `population_schede`, with only their state and time of change (one
    query): what `rewards.services.finalisation_problems` compares with a preview."""
    rows = (
        Scheda.objects.filter(cycle=cycle, scheme__is_managerial=managerial)
        .order_by(*_PEOPLE_ORDER)
        .values_list(*SchedaStamp._fields[:2], *_PEOPLE_ORDER[:2], "state", "updated_at")
    )
    return list(map(SchedaStamp._make, rows))


def population_people(cycle: Cycle, *, managerial: bool) -> QuerySet:
    """The people of `population_schede` as a subquery: contracts and absences are read with
    it rather than with a list of 25,000 ids (each one a parameter to build and send)."""
    return Scheda.objects.filter(cycle=cycle, scheme__is_managerial=managerial).values("person_id")


def _people(person_ids: Iterable[int] | QuerySet) -> list[int] | QuerySet:
    return person_ids if isinstance(person_ids, QuerySet) else list(person_ids)


def employments_of(person_ids: Iterable[int] | QuerySet) -> dict[int, list[EmploymentRow]]:
    """Each person's contracts, oldest first (one query); `person_ids` may be a subquery."""
    rows = Employment.objects.filter(person_id__in=_people(person_ids)).order_by("start_date", "id")
    found: dict[int, list[EmploymentRow]] = defaultdict(list)
    for row in map(EmploymentRow._make, rows.values_list(*EmploymentRow._fields)):
        found[row.person_id].append(row)
    return found


def absences_of(
    person_ids: Iterable[int] | QuerySet, start: dt.date, end: dt.date
) -> dict[int, list[AbsenceRow]]:
    """Each person's absences overlapping the period (one query); `person_ids` may be a
    subquery."""
    rows = Absence.objects.filter(
        person_id__in=_people(person_ids), start_date__lte=end, end_date__gte=start
    )
    found: dict[int, list[AbsenceRow]] = defaultdict(list)
    for row in map(AbsenceRow._make, rows.values_list(*AbsenceRow._fields)):
        found[row.person_id].append(row)
    return found


CENT = Decimal("0.01")

INDICATOR_INPUTS = {
    "incentivazione_complessiva": ("fund_total", "personnel_expense"),
    "capacita_incentivazione": ("variable_part", "staff_count"),
    "selettivita": ("staff_count",),
    "differenziazione": (),
    "aggiornamento_professionale": ("trained_count", "staff_count"),
}
INPUT_LABELS = {
    "fund_total": "il fondo risorse decentrate complessivo",
    "personnel_expense": "la spesa per il personale",
    "variable_part": "la parte variabile del fondo",
    "staff_count": "il totale del personale",
    "trained_count": "il numero di dipendenti formati",
}


def _euro(value) -> str:
    return euro(value)


class LinePerson(NamedTuple):
    """What a line shows of its person (as `DistributionLine.person` would)."""

    key: str
    last_name: str
    first_name: str


class LineRow(NamedTuple):
    """A stored line as the outputs read it: the fields of `DistributionLine` they use, the
    person's key and name; no model instance (a distribution may have 25,000 lines)."""

    person_id: int
    person: LinePerson
    is_eligible: bool
    share: Decimal
    base_amount: Decimal
    bonus_amount: Decimal
    withheld_amount: Decimal
    total_amount: Decimal
    explanation: dict[str, Any]


Line = LineRow | DistributionLine  # what the outputs read: just written, read, or instances

LINES_ORDER = ("-total_amount", "person__last_name", "person__first_name", "id")


def _lines(distribution: Distribution) -> list[LineRow]:
    """The distribution's lines, largest premium first then by name: those just written when
    the instance has them (`Distribution.written_lines`), otherwise read in one query."""
    if distribution.written_lines is not None:
        return distribution.written_lines
    rows = distribution.lines.order_by(*LINES_ORDER).values_list(
        "person_id",
        "person__key",
        "person__last_name",
        "person__first_name",
        *LineRow._fields[2:],
    )
    return [LineRow(row[0], LinePerson(*row[1:4]), *row[4:]) for row in rows]


def person_table(lines: Sequence[Line]) -> list[dict[str, Any]]:
    """One row per person (with the name: admin and Nucleo pages only)."""
    rows = []
    labels: dict[str, str] = {}  # a few categories, each name looked up once
    for line in lines:
        facts = line.explanation
        category = facts.get("category", "")
        if category not in labels:
            labels[category] = category_label(category)
        rows.append(
            {
                "person_id": line.person_id,
                "person_key": line.person.key,
                "name": f"{line.person.last_name} {line.person.first_name}".strip(),
                "category": category,
                "category_label": labels[category],
                "role": facts.get("role", ""),
                "score": facts.get("score"),
                "band_from": facts.get("band_from"),
                "band_to": facts.get("band_to"),
                "band_percent": facts.get("band_percent"),
                "part_time": facts.get("part_time"),
                "service_days": facts.get("service_days"),
                "eligible": line.is_eligible,
                "reason": facts.get("reason", ""),
                "rank": facts.get("rank"),
                "share": str(line.share),
                "base": str(line.base_amount),
                "bonus": str(line.bonus_amount),
                "withheld": str(line.withheld_amount),
                "total": str(line.total_amount),
                "payment_time": facts.get("payment_time"),
                "explanation": (facts.get("explanation") or {}).get("text", ""),
            }
        )
    return rows


def allocated_vs_distributed(
    distribution: Distribution, lines: Sequence[Line] | None = None
) -> dict[str, Any]:
    """«Premialità stanziata vs distribuita», with the residual and its parts.

    `lines`: the distribution's lines when the caller has them; otherwise only the withheld
    amounts are read (not 25,000 lines with their explanations)."""
    fund = distribution.fund
    amount = Decimal(distribution.result.get("fund", {}).get("amount", fund.amount))
    paid = Decimal(distribution.total_paid)
    residual = Decimal(distribution.residual)
    amounts = (
        [line.withheld_amount for line in lines]
        if lines is not None
        else distribution.lines.values_list("withheld_amount", flat=True)
    )
    withheld = sum((Decimal(value) for value in amounts), ZERO).quantize(CENT)
    rounding = residual - withheld
    share = (paid * HUNDRED / amount).quantize(CENT, rounding=ROUND_HALF_UP) if amount else None
    text = (
        f"Premialità stanziata {_euro(amount)}, distribuita {_euro(paid)}"
        f"{f' ({aggregates.percent_text(share)})' if share is not None else ''}; residuo "
        f"{_euro(residual)}, di cui {_euro(withheld)} trattenuti per i tempi di pagamento e "
        f"{_euro(rounding)} da arrotondamenti e quote non assegnate."
    )
    return {
        "allocated": jsonable(amount),
        "distributed": jsonable(paid),
        "distributed_percent": jsonable(share),
        "residual": jsonable(residual),
        "withheld": jsonable(withheld),
        "rounding": jsonable(rounding),
        "text": text,
    }


def _missing_inputs(code: str, inputs: dict[str, Any]) -> list[str]:
    return [INPUT_LABELS[key] for key in INDICATOR_INPUTS[code] if inputs.get(key) is None]


def personnel_indicators(distribution: Distribution, lines: Sequence[Line]) -> dict:
    """The personnel indicators (seed 004 kind) with their formulas and explanations.

    Inputs the parameters do not give make the indicators needing them «non calcolabile»; the
    staff count defaults to the people of the distribution, the fund total to all the
    performance funds of the ente in the year.
    """
    params = distribution.parameters
    fund = distribution.fund
    fund_total = params.get("fund_total")
    if fund_total is None:
        fund_total = sum(
            (Decimal(f.amount) for f in Fund.objects.filter(ente_id=fund.ente_id, year=fund.year)),
            ZERO,
        )
    inputs = {
        "fund_total": fund_total,
        "personnel_expense": params.get("personnel_expense"),
        "variable_part": params.get("variable_part"),
        "staff_count": params.get("staff_count") or (len(lines) or None),
        "trained_count": params.get("trained_count"),
    }
    paid = [Decimal(line.total_amount) for line in lines if line.total_amount > 0]
    staff = int(inputs["staff_count"] or 0)
    trained = int(inputs["trained_count"] or 0)
    try:
        computed = ep.personnel_indicators(
            fund_total=Decimal(str(inputs["fund_total"] or 0)),
            personnel_expense=Decimal(str(inputs["personnel_expense"] or 0)),
            variable_part=Decimal(str(inputs["variable_part"] or 0)),
            staff_count=max(staff, len(paid), trained),
            incentivised_count=len(paid),
            min_premium=min(paid, default=ZERO),
            max_premium=max(paid, default=ZERO),
            trained_count=trained,
        )
    except ValueError as exc:
        return {"error": f"Indicatori non calcolabili: {exc}.", "rows": []}
    rows = []
    for indicator in computed.all:
        row = indicator.to_dict()
        missing = _missing_inputs(indicator.code, inputs)
        if indicator.code == "differenziazione" and not paid:
            missing = ["premi erogati"]
        if missing:
            row["value"] = None
            row["explanation"]["text"] = (
                f"{indicator.label} = {indicator.formula}: non calcolabile, manca "
                + ", ".join(missing)
                + "."
            )
        row["display"] = (
            "non calcolabile"
            if row["value"] is None
            else (
                _euro(Decimal(row["value"]))
                if indicator.unit == "€"
                else aggregates.percent_text(Decimal(row["value"]))
            )
        )
        rows.append(row)
    return {"inputs": jsonable(inputs), "rows": rows}


def _bands(distribution: Distribution, lines: Sequence[Line]) -> list[dict[str, Any]]:
    kind = distribution.fund.kind
    category = aggregates.category_of(kind)
    entries = aggregates.entries_from_lines(lines)
    return aggregates.bands_table(
        entries, lambda count: aggregates.people_noun(count, category, kind)
    )


def mean_score(lines: Sequence[Line]) -> dict[str, Any]:
    """The mean score of the evaluated people of a distribution, on the scheme's scale and on
    100 («43,57 su 60, pari a 72,62 su 100»), saying which population it covers."""
    entries = [
        line.explanation
        for line in lines
        if line.explanation.get("score") is not None and aggregates.is_evaluated(line.explanation)
    ]
    count = len(entries)
    summary = mean_score_of(
        [
            (Decimal(facts["score"]), Decimal(facts.get("max_points") or HUNDRED))
            for facts in entries
        ],
        f"del personale valutato ({count} {'persona' if count == 1 else 'persone'})",
    )
    if count:
        summary["text"] += " Non comprende chi non è valutato (motivi elencati a parte)."
    return summary


def mean_score_of(scores: list[tuple[Decimal, Decimal]], who: str) -> dict[str, Any]:
    """The mean of (score, maximum of its scale) pairs on the scale and on 100, as a sentence
    naming the population `who` covers: «Punteggio medio del personale valutato (4 persone):
    43,57 su 60, pari a 72,62 su 100.». Scales that differ have only the mean on 100. Shared by
    the distribution page and the Relazione, so that both say the same figure."""
    count = len(scores)
    if not count:
        return {
            "value": None,
            "on_100": None,
            "scale": None,
            "count": 0,
            "text": "Punteggio medio: nessuna persona valutata con punteggio.",
        }
    scales = {scale for _, scale in scores}
    on_100 = (sum((score * HUNDRED / scale for score, scale in scores), ZERO) / count).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    if len(scales) == 1:
        [scale] = scales
        value = (sum((score for score, _ in scores), ZERO) / count).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        text = f"Punteggio medio {who}: {format_number(value, 2)} su {format_number(scale)}"
        if scale != HUNDRED:
            text += f", pari a {format_number(on_100, 2)} su 100"
    else:
        value, scale = None, None
        text = (
            f"Punteggio medio {who}, su sistemi con scale diverse: "
            f"{format_number(on_100, 2)} su 100"
        )
    return {
        "value": jsonable(value),
        "on_100": jsonable(on_100),
        "scale": jsonable(scale),
        "count": count,
        "text": text + ".",
    }


def _parameter_rows(distribution: Distribution) -> list[dict[str, Any]]:
    """The contract parameters used, with where each comes from (a value tried out says so)."""
    sources = distribution.result.get("sources")
    if sources is None:
        return []
    rows = []
    for key in CONTRACT_KEYS:
        if key not in distribution.parameters or key == "category_coefficients":
            continue
        value = distribution.parameters[key]
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            shown = "sì" if value else "no"
        else:
            shown = str(value).replace(".", ",")
        rows.append(
            {
                "key": key,
                "label": PARAMETER_LABELS[key],
                "value": shown,
                "source": sources.get(key, "valore indicato per questa anteprima"),
            }
        )
    return rows


def distribution_outputs(distribution: Distribution) -> dict[str, Any]:
    """Everything a distribution page, the command and the documents show."""

    written = distribution.written_lines
    distribution = Distribution.objects.select_related("fund", "fund__ente", "cycle").get(
        pk=distribution.pk
    )
    distribution.written_lines = written
    lines = _lines(distribution)
    fund = distribution.fund
    computed = distribution.result.get("computed", {})
    category = aggregates.category_of(fund.kind)
    aggregate = aggregates.aggregate(aggregates.entries_from_lines(lines), category, fund.kind)
    problems = (
        finalisation_problems(distribution)
        if distribution.state == DistributionState.PREVIEW
        else []
    )
    return {
        "distribution": {
            "id": distribution.pk,
            "state": distribution.state,
            "state_label": distribution.get_state_display(),
            "created_at": distribution.created_at.isoformat(),
            "finalised_at": (
                distribution.finalised_at.isoformat() if distribution.finalised_at else None
            ),
            "fund": {
                "id": fund.pk,
                "kind": fund.kind,
                "kind_label": FundKind(fund.kind).label,
                "label": fund.label,
                "year": fund.year,
                "amount": jsonable(Decimal(fund.amount)),
            },
            "ente": fund.ente.name,
            "cycle_year": distribution.cycle.year,
            "can_finalise": not problems and distribution.state == DistributionState.PREVIEW,
            "finalisation_problems": problems,
        },
        "parameters": distribution.parameters,
        "parameter_rows": _parameter_rows(distribution),
        "lines": person_table(lines),
        "allocated_vs_distributed": allocated_vs_distributed(distribution, lines),
        "bands": _bands(distribution, lines),
        "excluded": aggregates.excluded_table(aggregates.entries_from_lines(lines)),
        "exclusions": computed.get("exclusions", []),
        "mean_score": mean_score(lines),
        "differentiation": computed.get("differentiation"),
        "pool_check": distribution.result.get("pool_check"),
        "explanation": (computed.get("explanation") or {}).get("text", ""),
        "warnings": distribution.result.get("warnings", []),
        "indicators": personnel_indicators(distribution, lines),
        "art20": aggregate,
    }


def csv_rows(distribution: Distribution) -> list[list[str]]:
    """The per-person lines as CSV rows (header first)."""
    header = [
        "cognome e nome",
        "chiave",
        "categoria",
        "punteggio",
        "fascia da",
        "fascia a",
        "fascia %",
        "part-time %",
        "giorni di servizio",
        "ammesso",
        "motivo",
        "quota",
        "premio base €",
        "maggiorazione €",
        "trattenuto €",
        "totale €",
    ]
    rows = [header]
    for row in person_table(_lines(distribution)):
        rows.append(
            [
                row["name"],
                row["person_key"],
                row["category_label"],
                row["score"] or "",
                row["band_from"] or "",
                row["band_to"] or "",
                row["band_percent"] or "",
                row["part_time"] or "",
                "" if row["service_days"] is None else str(row["service_days"]),
                "sì" if row["eligible"] else "no",
                row["reason"],
                row["share"],
                row["base"],
                row["bonus"],
                row["withheld"],
                row["total"],
            ]
        )
    return rows


def final_distribution_guard(scheda: Scheda) -> str:
    """Why `scheda` may not be reopened: it is in a final distribution of premiums ("" if not)."""
    paid = DistributionLine.objects.filter(
        scheda=scheda, distribution__state=DistributionState.FINAL
    ).exists()
    if paid:
        return (
            f"La scheda di {scheda.person} è in una distribuzione dei premi definitiva: "
            "non si riapre."
        )
    return ""


def premium_years(ente: Ente) -> list[int]:
    """The years with premiums to show or publish, newest first: a cycle of the plan or a fund."""
    years = set(Cycle.objects.filter(ente=ente).values_list("year", flat=True))
    years |= set(Fund.objects.filter(ente=ente).values_list("year", flat=True))
    return sorted(years, reverse=True)


def funds_overview(ente: Ente, year: int) -> list[dict[str, Any]]:
    """The funds of an ente and year with their final distribution and latest preview."""
    funds = list(Fund.objects.filter(ente=ente, year=year).order_by("kind"))
    distributions = Distribution.objects.filter(fund__in=funds).order_by("-created_at", "-id")
    final: dict[int, Distribution] = {}
    latest: dict[int, Distribution] = {}
    previews: dict[int, int] = {}
    for item in distributions:
        if item.state == DistributionState.FINAL:
            final.setdefault(item.fund_id, item)
        else:
            latest.setdefault(item.fund_id, item)
            previews[item.fund_id] = previews.get(item.fund_id, 0) + 1
    rows = []
    for fund in funds:
        done = final.get(fund.pk)
        preview = latest.get(fund.pk)
        rows.append(
            {
                "fund": fund,
                "kind_label": FundKind(fund.kind).label,
                "amount": Decimal(fund.amount),
                "final": done,
                "latest_preview": preview,
                "previews": previews.get(fund.pk, 0),
                "distributed": Decimal(done.total_paid) if done else None,
                "residual": Decimal(done.residual) if done else None,
            }
        )
    return rows


def integrative_contracts(ente: Ente) -> list[dict[str, Any]]:
    """The ente's integrative contracts with their premium rules in words (one query)."""
    rows = []
    for contract in IntegrativeContract.objects.filter(ente=ente).order_by("-first_year"):
        rules = []
        for key, value in contract.parameters.items():
            if key == "tie_break":
                shown = ", ".join(ep.TieBreak(item).label for item in value)
            elif key == "cutoff_ties":
                shown = ep.CutoffTies(value).label
            else:
                shown = str(value).replace(".", ",")
            rules.append({"label": PARAMETER_LABELS.get(key, key), "value": shown})
        years = f"dal {contract.first_year}" + (
            f" al {contract.last_year}" if contract.last_year else " (in vigore)"
        )
        rows.append({"contract": contract, "years": years, "rules": rules})
    return rows
