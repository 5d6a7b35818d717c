"""A small Sorbara-like ente for individual evaluation.

Units: Polizia Locale (led by the comandante) with the Ufficio verbali below it (no
responsabile); Servizio finanziario (led by the EQ ragioniera). People: the segretario, the
comandante, the ragioniera, an agente of the Ufficio verbali, a part-time impiegata in
convenzione at the Servizio finanziario, an impiegato hired in October, a collaborator without
a unit.

Schemes (cycle 2025, plan approved): staff on 60 points with the bands of the issue
(54–60 → 100 %, 37–53 → 80 %, 25–36 → 50 %, 19–24 → 25 %, 0–18 → 0 %); responsabili on 100
points with the unit's performance prevailing and the capacity to differentiate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.access import ADMIN, DIPENDENTE, GIUNTA, NUCLEO, RESPONSABILE
from appraisal import services
from organization.models import (
    Assignment,
    AssignmentKind,
    CcnlArea,
    Employment,
    Role,
    Unit,
    UnitKind,
)
from planning.models import Cycle, CycleState

D = Decimal
YEAR = 2025

STAFF_BANDS = [
    {"min_points": "54", "max_points": "60", "premium_percent": "100"},
    {"min_points": "37", "max_points": "53", "premium_percent": "80"},
    {"min_points": "25", "max_points": "36", "premium_percent": "50"},
    {"min_points": "19", "max_points": "24", "premium_percent": "25"},
    {"min_points": "0", "max_points": "18", "premium_percent": "0"},
]
MANAGER_BANDS = [
    {"min_points": "80", "max_points": "100", "premium_percent": "100"},
    {"min_points": "60", "max_points": "79", "premium_percent": "70"},
    {"min_points": "0", "max_points": "59", "premium_percent": "0"},
]


def employ(person, role=Role.DIPENDENTE, area=CcnlArea.ISTRUTTORI, **fields):
    fields.setdefault("start_date", dt.date(2010, 1, 1))
    return Employment.objects.create(person=person, role=role, ccnl_area=area, **fields)


@pytest.fixture
def org(make_ente, make_person, make_user):
    ente = make_ente("unione-sorbara", name="Unione dei Comuni del Sorbara", short_name="Sorbara")
    p = SimpleNamespace(
        segretario=make_person(ente, "segretario", first_name="Elena", last_name="Bassi"),
        comandante=make_person(ente, "comandante", first_name="Luca", last_name="Verdi"),
        ragioniera=make_person(ente, "ragioniera", first_name="Anna", last_name="Neri"),
        agente=make_person(ente, "agente", first_name="Paolo", last_name="Gialli"),
        impiegata=make_person(ente, "impiegata", first_name="Sara", last_name="Blu"),
        nuovo=make_person(ente, "nuovo", first_name="Marco", last_name="Viola"),
        esterno=make_person(ente, "esterno", first_name="Ugo", last_name="Grigi"),
    )
    employ(p.segretario, Role.SEGRETARIO, CcnlArea.SEGRETARI)
    employ(p.comandante, Role.COMANDANTE, CcnlArea.FUNZIONARI_EQ)
    employ(p.ragioniera, Role.EQ, CcnlArea.FUNZIONARI_EQ)
    employ(p.agente)
    employ(p.impiegata, part_time_percent=D("50"))
    employ(p.nuovo, start_date=dt.date(YEAR, 10, 1))
    employ(p.esterno, Role.EXTERNAL, CcnlArea.NONE)
    pl = Unit.objects.create(
        ente=ente, key="pl", kind=UnitKind.AREA, name="Polizia Locale", responsible=p.comandante
    )
    verbali = Unit.objects.create(
        ente=ente, key="verbali", kind=UnitKind.OFFICE, name="Ufficio verbali", parent=pl, order=1
    )
    finanze = Unit.objects.create(
        ente=ente,
        key="finanze",
        kind=UnitKind.AREA,
        name="Servizio finanziario",
        responsible=p.ragioniera,
        order=2,
    )
    Assignment.objects.create(person=p.agente, unit=verbali)
    Assignment.objects.create(
        person=p.impiegata,
        unit=finanze,
        kind=AssignmentKind.CONVENTION,
        source_ente_name="Comune di Bomporto",
        share_percent=D("50"),
    )
    Assignment.objects.create(person=p.nuovo, unit=finanze, start_date=dt.date(YEAR, 10, 1))
    cycle = Cycle.objects.create(
        ente=ente,
        year=YEAR,
        first_year=YEAR,
        last_year=YEAR + 2,
        title="PIAO 2025-2027",
        state=CycleState.APPROVED,
        approved_at=timezone.now(),
    )
    u = SimpleNamespace(
        admin=make_user("segretario", ente, ADMIN, person=p.segretario),
        nucleo=make_user("nucleo", ente, NUCLEO),
        giunta=make_user("giunta", ente, GIUNTA),
        comandante=make_user("comandante", ente, RESPONSABILE, person=p.comandante),
        ragioniera=make_user("ragioniera", ente, RESPONSABILE, person=p.ragioniera),
        agente=make_user("agente", ente, DIPENDENTE, person=p.agente),
        impiegata=make_user("impiegata", ente, DIPENDENTE, person=p.impiegata),
        nuovo=make_user("nuovo", ente, DIPENDENTE, person=p.nuovo),
        outsider=make_user("estraneo"),
    )
    b = SimpleNamespace(
        collaborazione=services.behaviour_create(
            user=u.admin, ente=ente, data={"key": "collaborazione", "name": "Collaborazione"}
        ),
        precisione=services.behaviour_create(
            user=u.admin, ente=ente, data={"key": "precisione", "name": "Precisione"}
        ),
        differenziazione=services.behaviour_create(
            user=u.admin,
            ente=ente,
            data={
                "key": "differenziazione",
                "name": "Capacità di differenziare i giudizi",
                "is_differentiation_capacity": True,
            },
        ),
    )
    staff = services.scheme_create(
        user=u.admin,
        cycle=cycle,
        data={
            "key": "personale",
            "name": "Personale dei livelli",
            "roles": ["dipendente"],
            "max_points": "60",
            "behaviour_scale_min": 1,
            "behaviour_scale_max": 5,
            "minimum_service_days": 180,
            "contest_days": 15,
        },
    )
    services.scheme_component_set(
        user=u.admin,
        scheme=staff,
        components=[
            {
                "key": "unita",
                "kind": "unit_performance",
                "label": "Performance dell'unità",
                "weight": "30",
            },
            {
                "key": "comportamenti",
                "kind": "behaviours",
                "label": "Comportamenti organizzativi",
                "weight": "70",
                "presence_sensitive": True,
                "behaviours": [{"behaviour": b.collaborazione}, {"behaviour": b.precisione.pk}],
            },
        ],
    )
    services.scheme_bands_set(user=u.admin, scheme=staff, bands=STAFF_BANDS)
    managers = services.scheme_create(
        user=u.admin,
        cycle=cycle,
        data={
            "key": "responsabili",
            "name": "Responsabili di servizio",
            "roles": ["segretario", "eq", "comandante"],
            "is_managerial": True,
            "evaluator_kind": "nucleo",
            "max_points": "100",
        },
    )
    services.scheme_component_set(
        user=u.admin,
        scheme=managers,
        components=[
            {"key": "unita", "kind": "unit_performance", "label": "Performance", "weight": "60"},
            {
                "key": "comportamenti",
                "kind": "behaviours",
                "label": "Comportamenti",
                "weight": "40",
                "behaviours": [
                    {"behaviour": "collaborazione", "weight": "50"},
                    {"behaviour": "differenziazione", "weight": "50"},
                ],
            },
        ],
    )
    services.scheme_bands_set(user=u.admin, scheme=managers, bands=MANAGER_BANDS)
    return SimpleNamespace(
        ente=ente,
        cycle=cycle,
        people=p,
        users=u,
        behaviours=b,
        staff=staff,
        managers=managers,
        pl=pl,
        verbali=verbali,
        finanze=finanze,
    )


@pytest.fixture
def schede(org):
    """The generated schede, by person key."""
    created = services.schede_generate(user=org.users.admin, cycle=org.cycle)
    return {s.person.key: s for s in created}


def staff_items(unit="80", collaborazione=4, precisione=5):
    items = [
        {"component": "comportamenti", "behaviour": "collaborazione", "raw_score": collaborazione},
        {"component": "comportamenti", "behaviour": "precisione", "raw_score": precisione},
    ]
    if unit is not None:
        items.append({"component": "unita", "raw_score": unit})
    return items


def manager_items(unit="90", collaborazione=4, differenziazione=5):
    return [
        {"component": "unita", "raw_score": unit},
        {"component": "comportamenti", "behaviour": "collaborazione", "raw_score": collaborazione},
        {
            "component": "comportamenti",
            "behaviour": "differenziazione",
            "raw_score": differenziazione,
        },
    ]
