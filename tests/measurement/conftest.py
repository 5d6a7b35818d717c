"""A small approved plan shaped like the Sorbara PIAO, with hand-computable scores.

ente 50 % (indicator «spesa di personale») + area 50 % (mean of the top-level units)
Polizia Locale (comandante)           Servizio finanziario (ragioniere)
  pl-tempi-pagamento  30 %              fin-tempi-pagamento  30 %
  └ Ufficio verbali                     bilancio             70 % (milestone 31/12)
      pl-coordinamento 70 %
        controlli-edilizi ≥ 30 (peso 60) + nuclei entro 30/06 (peso 40)
Servizio sismica (resp. sismica): parameters depositi_istruiti, depositi_ricevuti_controllo
  and the computed indicator «Indicatore depositi [%]» between 60 and 70.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from accounts.access import ADMIN, DIPENDENTE, GIUNTA, NUCLEO, RESPONSABILE
from measurement.models import Measurement, MeasurementState, PeriodKind
from organization.models import Parameter, ParameterValue, Unit, UnitKind
from planning.models import (
    Cycle,
    CycleState,
    Indicator,
    IndicatorGroup,
    IndicatorScope,
    OperationalObjective,
    OrganisationalPerformanceLevel,
    Phase,
    Polarity,
    Target,
    TargetKind,
)


def add_indicator(cycle, key, *, target_kind, value=None, value_to=None, due=None, **fields):
    fields.setdefault("scope", IndicatorScope.OBJECTIVE)
    fields.setdefault("name", key.replace("-", " ").capitalize())
    indicator = Indicator.objects.create(cycle=cycle, key=key, **fields)
    Target.objects.create(
        indicator=indicator,
        year=cycle.year,
        kind=target_kind,
        value=None if value is None else Decimal(value),
        value_to=None if value_to is None else Decimal(value_to),
        target_date=due,
        text=f"target di {key}",
    )
    return indicator


def store(indicator=None, parameter=None, *, cycle, day, value=None, completed_on=None, **extra):
    """A value written directly (fixtures only: the services are what the tests exercise)."""
    return Measurement.objects.create(
        cycle=cycle,
        indicator=indicator,
        parameter=parameter,
        period_kind=extra.pop("period_kind", PeriodKind.POINT),
        period_start=extra.pop("period_start", day),
        period_end=day,
        value=None if value is None else Decimal(value),
        completed_on=completed_on,
        state=extra.pop("state", MeasurementState.DRAFT),
        **extra,
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(make_ente, make_person, make_user):
    ente = make_ente("unione-sorbara", name="Unione dei Comuni del Sorbara", short_name="Sorbara")
    comandante = make_person(
        ente, "comandante-pl", first_name="Luca", last_name="Verdi", email="verdi@example.org"
    )
    ragioniere = make_person(ente, "ragioniere", first_name="Anna", last_name="Neri")
    sismico = make_person(
        ente, "resp-sismica", first_name="Carla", last_name="Blu", email="blu@example.org"
    )
    agente = make_person(ente, "agente", first_name="Paolo", last_name="Gialli")
    pl = Unit.objects.create(
        ente=ente, key="polizia-locale", kind=UnitKind.AREA, name="Polizia Locale",
        responsible=comandante, order=1,
    )  # fmt: skip
    verbali = Unit.objects.create(
        ente=ente, key="ufficio-verbali", kind=UnitKind.OFFICE, name="Ufficio verbali",
        parent=pl, order=2,
    )  # fmt: skip
    finanze = Unit.objects.create(
        ente=ente, key="finanze", kind=UnitKind.AREA, name="Servizio finanziario",
        responsible=ragioniere, order=3,
    )  # fmt: skip
    sismica = Unit.objects.create(
        ente=ente, key="sismica", kind=UnitKind.SERVICE, name="Servizio sismica",
        responsible=sismico, order=4,
    )  # fmt: skip
    cycle = Cycle.objects.create(
        ente=ente, year=2025, first_year=2025, last_year=2027, title="PIAO 2025-2027",
        state=CycleState.APPROVED,
    )  # fmt: skip
    OrganisationalPerformanceLevel.objects.create(
        cycle=cycle, level="ente", label="Performance di ente", weight=Decimal("50"), order=1
    )
    OrganisationalPerformanceLevel.objects.create(
        cycle=cycle, level="area", label="Performance di area", weight=Decimal("50"), order=2
    )

    def objective(key, unit, weight, order, **fields):
        return OperationalObjective.objects.create(
            cycle=cycle, key=key, title=key.replace("-", " ").capitalize(), unit=unit,
            weight=Decimal(weight), order=order, **fields,
        )  # fmt: skip

    pl_payment = objective("pl-tempi-pagamento", pl, "30", 1)
    pl_coordination = objective("pl-coordinamento", verbali, "70", 2)
    fin_payment = objective("fin-tempi-pagamento", finanze, "30", 3)
    budget = objective("bilancio", finanze, "70", 4)
    budget.responsibles.add(ragioniere)
    phase = Phase.objects.create(
        objective=pl_coordination,
        label="a)",
        description="Potenziamento dei nuclei",
        planned_end=dt.date(2025, 9, 30),
        order=1,
    )
    pl_days = add_indicator(
        cycle, "tempi-pagamento-pl", target_kind=TargetKind.LTE, value="30",
        objective=pl_payment, unit_of_measure="gg", polarity=Polarity.LOWER_BETTER,
    )  # fmt: skip
    controls = add_indicator(
        cycle, "controlli-edilizi", target_kind=TargetKind.GTE, value="30",
        objective=pl_coordination, unit_of_measure="n.", weight=Decimal("60"),
    )  # fmt: skip
    squads = add_indicator(
        cycle, "nuclei", target_kind=TargetKind.BY_DATE, due=dt.date(2025, 6, 30),
        objective=pl_coordination, polarity=Polarity.MILESTONE, weight=Decimal("40"),
    )  # fmt: skip
    fin_days = add_indicator(
        cycle, "tempi-pagamento-sf", target_kind=TargetKind.LTE, value="30",
        objective=fin_payment, unit_of_measure="gg", polarity=Polarity.LOWER_BETTER,
    )  # fmt: skip
    budget_done = add_indicator(
        cycle, "bilancio-approvato", target_kind=TargetKind.BY_DATE,
        due=dt.date(2025, 12, 31), objective=budget, polarity=Polarity.MILESTONE,
    )  # fmt: skip
    staff_cost = add_indicator(
        cycle, "spesa-personale", target_kind=TargetKind.LTE, value="45",
        scope=IndicatorScope.ENTE, unit_of_measure="%", polarity=Polarity.LOWER_BETTER,
    )  # fmt: skip
    table = IndicatorGroup.objects.create(
        cycle=cycle, key="sismica-indicatori", scope=IndicatorScope.UNIT, unit=sismica,
        title="Indicatori del Servizio sismica",
    )  # fmt: skip
    received = Parameter.objects.create(
        unit=sismica, key="depositi_ricevuti_controllo", name="ricevuti per controllo",
        group="N. depositi sismici", unit_of_measure="n.",
    )  # fmt: skip
    handled = Parameter.objects.create(
        unit=sismica, key="depositi_istruiti", name="già istruiti",
        group="N. depositi sismici", unit_of_measure="n.",
    )  # fmt: skip
    ParameterValue.objects.create(parameter=received, year=2025, value=Decimal("111"))
    ParameterValue.objects.create(parameter=handled, year=2025, value=Decimal("67"))
    deposits = add_indicator(
        cycle, "indicatore-depositi", target_kind=TargetKind.BETWEEN, value="60",
        value_to="70", scope=IndicatorScope.UNIT, group=table, unit=sismica,
        name="Indicatore depositi [%]", unit_of_measure="%", polarity=Polarity.RANGE,
        formula_expression="depositi_istruiti / depositi_ricevuti_controllo * 100",
    )  # fmt: skip
    users = SimpleNamespace(
        admin=make_user("segretario", ente, ADMIN),
        comandante=make_user("comandante", ente, RESPONSABILE, person=comandante),
        ragioniere=make_user("ragioniere", ente, RESPONSABILE, person=ragioniere),
        sismico=make_user("sismico", ente, RESPONSABILE, person=sismico),
        agente=make_user("agente", ente, DIPENDENTE, person=agente),
        nucleo=make_user("nucleo", ente, NUCLEO),
        giunta=make_user("giunta", ente, GIUNTA),
        outsider=make_user("estraneo"),
    )
    return SimpleNamespace(
        ente=ente,
        cycle=cycle,
        pl=pl,
        verbali=verbali,
        finanze=finanze,
        sismica=sismica,
        comandante=comandante,
        ragioniere=ragioniere,
        sismico=sismico,
        agente=agente,
        pl_payment=pl_payment,
        pl_coordination=pl_coordination,
        fin_payment=fin_payment,
        budget=budget,
        phase=phase,
        pl_days=pl_days,
        controls=controls,
        squads=squads,
        fin_days=fin_days,
        budget_done=budget_done,
        staff_cost=staff_cost,
        received=received,
        handled=handled,
        deposits=deposits,
        users=users,
    )


@pytest.fixture
def final_values(plan):
    """Year-end values whose scores are worked out by hand in test_selectors.py."""
    c, end = plan.cycle, dt.date(2025, 12, 31)
    store(plan.pl_days, cycle=c, day=end, value="24")  # 30/24 → 125 → capped 100
    store(plan.controls, cycle=c, day=end, value="24")  # 24/30 → 80
    store(plan.squads, cycle=c, day=end, completed_on=dt.date(2025, 6, 20))  # on time → 100
    store(plan.fin_days, cycle=c, day=end, value="36")  # 30/36 → 83,333333
    store(plan.budget_done, cycle=c, day=end, completed_on=dt.date(2025, 12, 20))  # → 100
    store(plan.staff_cost, cycle=c, day=end, value="50")  # 45/50 → 90
    return plan
