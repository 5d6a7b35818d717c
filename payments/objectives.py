"""The payment-time objectives and the PCC indicators of the plan, measured from the invoices.

DL 13/2023 art. 4-bis: each payment responsabile has the objective «Rispetto dei tempi di
pagamento», measured on the indicatore di ritardo annuale. Payments computes it and writes it
through measurement's services as a system measurement (no user) whose note says that the value
comes from the invoices and how it was computed; the typed value is replaced, the schede and the
payment-time withholding of the premium distribution follow through the ordinary scoring.

* An objective flagged «obiettivo sui tempi di pagamento» is measured on the invoices of its
  units, of the units its responsabili lead and of the units below them, or on the whole
  ente's when the rules say so (`objective_scope`). An indicator with a descriptive target takes
  the degree of achievement by the SMVP rule; one with a numeric target (e.g. «≤ 0 giorni»)
  takes the ritardo in days, scored by the plan's own rule.
* Indicators listed in `PaymentSettings.indicator_links` (the PCC table of seed 004) take the
  incidence of the overdue stock, the stock against the previous year, the ritardo or the ITP.

Layering: payments sits above measurement, so it calls measurement's services; measurement
never reads payments.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from core.exceptions import ServiceError
from engine import payments as ep
from engine import tree
from engine.numbers import format_date, jsonable
from measurement import services as measurement_services
from measurement.models import Measurement, PeriodKind
from measurement.services import MEASURING_STATES
from organization.models import Ente, Unit
from payments import figures
from payments.models import PaymentSettings
from planning.models import Cycle, Indicator, OperationalObjective, TargetKind

logger = logging.getLogger(__name__)

SOURCE_NOTE = (
    "Valore calcolato da Performa dalle fatture importate (Tempi di pagamento), non inserito a "
    "mano: si ricalcola a ogni importazione o cambio delle regole."
)
LINKS = {
    "incidence": "Incidenza dello scaduto sulle fatture ricevute (%)",
    "reduction": "Stock del debito rispetto all'anno precedente (%)",
    "delay": "Indicatore di ritardo annuale (giorni)",
    "itp": "Indicatore di tempestività dei pagamenti (giorni)",
}


def _tree(ente: Ente) -> tuple[dict[int, int | None], dict[int, int | None]]:
    """The units of the ente as `{unit: parent}` and `{unit: its responsabile}`."""
    parents: dict[int, int | None] = {}
    leaders: dict[int, int | None] = {}
    for pk, parent, leader in Unit.objects.filter(ente=ente).values_list(
        "id", "parent_id", "responsible_id"
    ):
        parents[pk] = parent
        leaders[pk] = leader
    return parents, leaders


def objective_units(
    objective: OperationalObjective,
    parents: dict[int, int | None],
    leaders: dict[int, int | None],
) -> set[int]:
    """The units whose invoices measure the objective: its own, those its responsabili lead,
    and every unit below them."""
    roots = {link.unit_id for link in objective.unit_links.all()}
    if objective.unit_id:
        roots.add(objective.unit_id)
    people = {person.pk for person in objective.responsibles.all()}
    roots |= {pk for pk, leader in leaders.items() if leader is not None and leader in people}
    return set(tree.below(parents, roots))


def _note(text: str, reference: dt.date) -> str:
    return f"{SOURCE_NOTE} Dati al {format_date(reference)}. {text}"


def _write(
    cycle: Cycle, indicator: Indicator, value: Decimal, note: str, deviation: str
) -> str | None:
    """Save the year's value of the indicator (or correct it when its window is closed)."""
    period_end = dt.date(cycle.year, 12, 31)
    existing = Measurement.objects.filter(indicator=indicator, period_end=period_end).first()
    value = value.quantize(Decimal("0.0001"))
    if existing is not None and existing.value == value and existing.note == note:
        return None
    try:
        measurement_services.measurement_save(
            user=None,
            cycle=cycle,
            indicator=indicator,
            period_kind=PeriodKind.YEAR,
            period_end=period_end,
            value=value,
            note=note,
            deviation_note=deviation,
        )
    except ServiceError as error:
        if existing is not None and error.field == "period_end":
            try:
                measurement_services.measurement_correct(
                    user=None,
                    measurement=existing,
                    value=value,
                    reason=note,
                    deviation_note=deviation,
                )
            except ServiceError as inner:
                return f"«{indicator.name[:60]}»: {inner.message}"
            return None
        return f"«{indicator.name[:60]}»: {error.message}"
    return None


def _is_descriptive(indicator: Indicator, year: int) -> bool:
    target = next((t for t in indicator.targets.all() if t.year == year), None)
    return target is None or target.kind == TargetKind.TEXT


def score_payment_objectives(
    *,
    ente: Ente,
    invoices: Sequence[ep.Invoice],
    rules: ep.PaymentRules,
    reports: dict[int, dict[str, Any]],
) -> dict[int, dict[str, list]]:
    """Measure the payment-time objectives and the linked indicators of the cycles of the
    years just computed; return, by year, what was measured («objectives») and the problems
    met («problems», e.g. a window already closed)."""
    settings = PaymentSettings.objects.filter(ente=ente).first()
    links = dict(settings.indicator_links) if settings else {}
    cycles = list(
        Cycle.objects.filter(ente=ente, year__in=list(reports), state__in=MEASURING_STATES)
    )
    if not cycles:
        return {}
    parents, leaders = _tree(ente)
    found: dict[int, dict[str, list]] = {}
    for cycle in cycles:
        data = reports[cycle.year]
        reference = dt.date.fromisoformat(data["reference_date"])
        measured, problems = _objectives(cycle, invoices, rules, data, reference, parents, leaders)
        problems += _linked(cycle, links, data, rules, reference)
        for problem in problems:
            logger.warning("Tempi di pagamento, %s %s: %s", ente.slug, cycle.year, problem)
        found[cycle.year] = {"objectives": measured, "problems": problems}
    return found


def _tests(data: dict[str, Any]) -> ep.DebtTests:
    tests = data["ente"]["tests"]
    previous = tests["previous_stock"]
    return ep.debt_tests(
        data["year"],
        Decimal(tests["stock"]),
        Decimal(tests["overdue"]),
        Decimal(tests["received"]),
        Decimal(previous) if previous is not None else None,
    )


def _objectives(
    cycle, invoices, rules, data, reference, parents, leaders
) -> tuple[list[dict[str, Any]], list[str]]:
    objectives = list(
        OperationalObjective.objects.filter(cycle=cycle, is_payment_time=True)
        .select_related("unit")
        .prefetch_related("unit_links", "responsibles", "indicators__targets")
        .order_by("order", "pk")
    )
    if not objectives:
        return [], []
    measured = []
    year = cycle.year
    tests = _tests(data)
    relevant = figures.relevant_to(invoices, year, rules, reference)
    problems = []
    for objective in objectives:
        indicators = list(objective.indicators.all())
        if not indicators:
            problems.append(f"l'obiettivo «{objective.title[:60]}» non ha indicatori da misurare")
            continue
        if rules.objective_scope is ep.ObjectiveScope.ENTE:
            scope, label = relevant, "ente nel suo complesso"
        else:
            units = {str(pk) for pk in objective_units(objective, parents, leaders)}
            scope = [invoice for invoice in relevant if invoice.unit in units]
            label = (objective.unit.name if objective.unit else objective.title[:60]).strip()
        delay = ep.annual_delay(scope, year, reference, rules)
        result = ep.objective_achievement(rules, delay, tests, label)
        if result.percent is None:
            problems.append(
                f"«{objective.title[:60]}»: nessuna fattura nel perimetro del ritardo {year}"
            )
            continue
        measured.append(_measured(objective, delay, result))
        problems += _write_indicators(cycle, indicators, delay, result, rules, reference)
    return measured, problems


def _measured(objective, delay: ep.AnnualDelay, result: ep.ObjectiveAchievement) -> dict[str, Any]:
    """What the payments page shows of a payment-time objective."""
    return jsonable(
        {
            "objective_id": objective.pk,
            "title": objective.title,
            "unit": objective.unit.name if objective.unit else "",
            "responsibles": [str(p) for p in objective.responsibles.all()],
            "responsible_ids": [p.pk for p in objective.responsibles.all()],
            "delay": delay.value,
            "delay_days": delay.days,
            "is_estimate": delay.is_estimate,
            "percent": result.percent,
            "achieved": result.achieved,
            "explanation": result.explanation.to_dict(),
        }
    )


def _write_indicators(
    cycle, indicators, delay: ep.AnnualDelay, result: ep.ObjectiveAchievement, rules, reference
) -> list[str]:
    """The objective's indicators take the achievement (descriptive ones) or the delay, with
    the computation as note; the problems met, one sentence each."""
    note = _note(result.explanation.text, reference)
    deviation = (
        ""
        if result.achieved
        else f"Obiettivo non raggiunto: ritardo annuale di {delay.days} giorni, oltre il "
        f"massimo di {rules.objective_target_days} (calcolato dalle fatture; il calcolo è "
        "nella nota)."
    )
    problems = []
    for indicator in indicators:
        if _is_descriptive(indicator, cycle.year):
            value = result.percent
        else:
            value = delay.compared_value(rules)
        problem = _write(cycle, indicator, value, note, deviation)
        if problem:
            problems.append(problem)
    return problems


def _linked(cycle, links, data, rules, reference) -> list[str]:
    if not links:
        return []
    ente_data = data["ente"]
    tests = ente_data["tests"]
    delay = ente_data["delay"]
    values = {
        "incidence": (tests["incidence"], tests["explanation"]["text"]),
        "reduction": (tests["ratio"], tests["explanation"]["text"]),
        "delay": (
            str(delay["days"])
            if rules.round_delay and delay["days"] is not None
            else delay["value"],
            delay["explanation"]["text"],
        ),
        "itp": (ente_data["annual"]["itp"], ente_data["annual"]["explanation"]["text"]),
    }
    indicators = {
        i.key: i
        for i in Indicator.objects.filter(
            cycle=cycle, key__in=list(links.values())
        ).prefetch_related("targets")
    }
    problems = []
    for name, key in links.items():
        indicator = indicators.get(key)
        if indicator is None or name not in values:
            continue
        raw, text = values[name]
        if raw is None:
            problems.append(f"«{indicator.name[:60]}»: {LINKS.get(name, name)} non calcolabile")
            continue
        value = Decimal(raw)
        deviation = (
            f"Valore calcolato dalle fatture ({LINKS.get(name, name).lower()}): il calcolo è "
            "nella nota."
        )
        problem = _write(cycle, indicator, value, _note(text, reference), deviation)
        if problem:
            problems.append(problem)
    return problems
