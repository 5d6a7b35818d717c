"""A small plan shaped like the Sorbara PIAO: Polizia Locale 30% + 70%, Bilancio 30% + 70%."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from accounts.access import ADMIN, DIPENDENTE, GIUNTA, NUCLEO, RESPONSABILE
from organization.models import Unit, UnitKind
from planning.models import (
    Cycle,
    CycleState,
    Indicator,
    IndicatorScope,
    OperationalObjective,
    Phase,
    Target,
    TargetKind,
    WeightGroup,
    WeightGroupKind,
)


@pytest.fixture
def plan(make_ente, make_person, make_user):
    ente = make_ente("unione-sorbara", name="Unione dei Comuni del Sorbara", short_name="Sorbara")
    comandante = make_person(ente, "comandante-pl", first_name="Luca", last_name="Verdi")
    ragioniere = make_person(ente, "ragioniere", first_name="Anna", last_name="Neri")
    impiegato = make_person(ente, "agente", first_name="Paolo", last_name="Gialli")
    pl = Unit.objects.create(
        ente=ente,
        key="polizia-locale",
        kind=UnitKind.AREA,
        name="Polizia Locale",
        responsible=comandante,
        order=1,
    )
    verbali = Unit.objects.create(
        ente=ente,
        key="ufficio-verbali",
        kind=UnitKind.OFFICE,
        name="Ufficio verbali",
        parent=pl,
        order=2,
    )
    finanze = Unit.objects.create(
        ente=ente,
        key="finanze",
        kind=UnitKind.AREA,
        name="Servizio finanziario",
        responsible=ragioniere,
        order=3,
    )
    cycle = Cycle.objects.create(
        ente=ente,
        year=2025,
        first_year=2025,
        last_year=2027,
        title="PIAO 2025-2027",
        state=CycleState.DRAFT,
    )
    pl_group = WeightGroup.objects.create(
        cycle=cycle,
        key="polizia-locale",
        kind=WeightGroupKind.RESPONSIBLE,
        label="Polizia Locale",
        unit=pl,
        responsible=comandante,
    )
    fin_group = WeightGroup.objects.create(
        cycle=cycle,
        key="finanze",
        kind=WeightGroupKind.RESPONSIBLE,
        label="Servizio finanziario",
        unit=finanze,
        responsible=ragioniere,
    )
    pl_payment = OperationalObjective.objects.create(
        cycle=cycle,
        key="pl-tempi-pagamento",
        title="Rispetto dei tempi di pagamento (PL)",
        unit=pl,
        weight_group=pl_group,
        weight=Decimal("30"),
        is_payment_time=True,
        order=1,
    )
    pl_coordination = OperationalObjective.objects.create(
        cycle=cycle,
        key="pl-coordinamento",
        title="Istituzione di un ufficio di coordinamento",
        unit=verbali,
        weight_group=pl_group,
        weight=Decimal("70"),
        order=2,
    )
    Phase.objects.create(
        objective=pl_coordination,
        kind=Phase.Kind.ACTION,
        label="a)",
        description="Potenziamento di nuclei specializzati",
        order=1,
    )
    controls = Indicator.objects.create(
        cycle=cycle,
        key="controlli-edilizi",
        scope=IndicatorScope.OBJECTIVE,
        objective=pl_coordination,
        name="Controlli edilizi",
        unit_of_measure="n.",
    )
    Target.objects.create(
        indicator=controls,
        year=2025,
        kind=TargetKind.GTE,
        value=Decimal("30"),
        text="n. 30",
    )
    fin_payment = OperationalObjective.objects.create(
        cycle=cycle,
        key="fin-tempi-pagamento",
        title="Rispetto dei tempi di pagamento (SF)",
        unit=finanze,
        weight_group=fin_group,
        weight=Decimal("30"),
        order=3,
    )
    fin_budget = OperationalObjective.objects.create(
        cycle=cycle,
        key="bilancio",
        title="Bilancio di previsione 2026-2028",
        unit=finanze,
        weight_group=fin_group,
        weight=Decimal("70"),
        order=4,
    )
    fin_budget.responsibles.add(ragioniere)
    users = SimpleNamespace(
        admin=make_user("segretario", ente, ADMIN),
        comandante=make_user("comandante.sorbara", ente, RESPONSABILE, person=comandante),
        ragioniere=make_user("ragioniere", ente, RESPONSABILE, person=ragioniere),
        dipendente=make_user("agente", ente, DIPENDENTE, person=impiegato),
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
        comandante=comandante,
        ragioniere=ragioniere,
        pl_group=pl_group,
        fin_group=fin_group,
        pl_payment=pl_payment,
        pl_coordination=pl_coordination,
        fin_payment=fin_payment,
        fin_budget=fin_budget,
        controls=controls,
        users=users,
    )
