"""A small but complete ente (and a second one) for the accounts and organisation tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Membership, MembershipRole, User
from organization.models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentKind,
    CcnlArea,
    Employment,
    Ente,
    EnteKind,
    EvaluationBody,
    EvaluationBodyKind,
    EvaluationBodyMember,
    MemberEnte,
    Parameter,
    ParameterValue,
    Person,
    Unit,
    UnitActivity,
    UnitKind,
)
from planning.models import (
    Cycle,
    CycleState,
    Indicator,
    IndicatorScope,
    OperationalObjective,
    WeightGroup,
    WeightGroupKind,
)

PASSWORD = "prova-Performa-1"


@dataclass
class World:
    ente: Ente
    other: Ente
    area: Unit
    service: Unit
    office: Unit
    other_unit: Unit
    boss: Person
    clerk: Person
    lent: Person
    other_person: Person
    clerk_employment: Employment
    clerk_assignment: Assignment
    other_assignment: Assignment
    cycle: Cycle
    users: dict[str, User]


def _user(username: str, ente: Ente | None, role: str | None, person=None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if ente is not None and role is not None:
        Membership.objects.create(user=user, ente=ente, role=role, person=person)
    return user


def add_unit(ente: Ente, key: str, *, parent=None, peg_code="", kind=UnitKind.SERVICE, **kw):
    kw.setdefault("name", f"Servizio {key}")
    return Unit.objects.create(
        ente=ente, key=key, parent=parent, peg_code=peg_code, kind=kind, **kw
    )


def add_staff(unit: Unit, key: str, **assignment_fields) -> Person:
    person = Person.objects.create(
        ente=unit.ente, key=key, first_name=key.title(), last_name="Demo"
    )
    Employment.objects.create(person=person, ccnl_area=CcnlArea.ISTRUTTORI)
    Assignment.objects.create(person=person, unit=unit, **assignment_fields)
    return person


def build_world() -> World:
    ente = Ente.objects.create(
        slug="unione-prova", name="Unione dei Comuni di Prova", kind=EnteKind.UNIONE, headcount=5
    )
    other = Ente.objects.create(slug="comune-altro", name="Comune Altro", kind=EnteKind.COMUNE)
    MemberEnte.objects.create(ente=ente, name="Comune di Alfa", istat_code="019001")
    MemberEnte.objects.create(ente=ente, name="Comune di Beta", order=1)

    boss = Person.objects.create(
        ente=ente,
        key="anna-bianchi",
        first_name="Anna",
        last_name="Bianchi",
        title="dott.ssa",
        fiscal_code="BNCNNA80A41D150X",
    )
    clerk = Person.objects.create(
        ente=ente,
        key="luca-verdi",
        first_name="Luca",
        last_name="Verdi",
        fiscal_code="VRDLCU85B12D150Y",
    )
    lent = Person.objects.create(ente=ente, key="sara-neri", first_name="Sara", last_name="Neri")
    other_person = Person.objects.create(
        ente=other,
        key="piero-gialli",
        first_name="Piero",
        last_name="Gialli",
        fiscal_code="GLLPRI70C03D150Z",
    )

    area = add_unit(
        ente,
        "area-amministrativa",
        peg_code="AG01",
        kind=UnitKind.AREA,
        name="Area amministrativa",
        responsible=boss,
        assessore="Assessore Uno",
    )
    service = add_unit(
        ente,
        "polizia-locale",
        parent=area,
        peg_code="PM01",
        name="Polizia Locale",
        responsible_label="Comandante (come scritto)",
    )
    office = add_unit(
        ente,
        "ufficio-verbali",
        parent=service,
        peg_code="---",
        kind=UnitKind.OFFICE,
        name="Ufficio verbali",
    )
    other_unit = add_unit(other, "ragioneria", peg_code="RA01", name="Ragioneria")

    UnitActivity.objects.create(unit=service, text="Controllo del territorio")
    parameter = Parameter.objects.create(unit=service, key="verbali", name="Verbali emessi")
    ParameterValue.objects.create(parameter=parameter, year=2022, value=Decimal("1700"))
    ParameterValue.objects.create(
        parameter=parameter, year=2023, value=Decimal("2633"), value_text="2.633"
    )

    Employment.objects.create(person=boss, ccnl_area=CcnlArea.FUNZIONARI_EQ, role="eq")
    clerk_employment = Employment.objects.create(
        person=clerk,
        legacy_category="C",
        part_time_percent=Decimal("66.67"),
        hours_per_week=Decimal("24"),
        start_date=dt.date(2020, 1, 1),
    )
    Employment.objects.create(
        person=lent, employer_name="Comune di Alfa", ccnl_area=CcnlArea.ISTRUTTORI
    )
    Assignment.objects.create(person=boss, unit=area, position="Responsabile")
    clerk_assignment = Assignment.objects.create(
        person=clerk, unit=service, position="Agente", start_date=dt.date(2020, 1, 1)
    )
    Assignment.objects.create(
        person=lent,
        unit=office,
        kind=AssignmentKind.CONVENTION,
        source_ente_name="Comune di Alfa",
        hours_per_week=Decimal("9"),
    )
    other_assignment = Assignment.objects.create(person=other_person, unit=other_unit)
    Absence.objects.create(
        person=clerk,
        kind=AbsenceKind.MATERNITY,
        start_date=dt.date(2023, 2, 1),
        end_date=dt.date(2023, 7, 1),
        note="Nota riservata",
    )

    body = EvaluationBody.objects.create(
        ente=ente, kind=EvaluationBodyKind.NUCLEO, name="Nucleo di Valutazione dell'Unione"
    )
    EvaluationBodyMember.objects.create(body=body, full_name="Carla Esterni", is_chair=True)

    cycle = _plan(ente, area, service, boss)

    users = {
        "admin": _user("admin", ente, MembershipRole.ADMIN),
        "responsabile": _user("responsabile", ente, MembershipRole.RESPONSABILE, boss),
        "dipendente": _user("dipendente", ente, MembershipRole.DIPENDENTE, clerk),
        "nucleo": _user("nucleo", ente, MembershipRole.NUCLEO),
        "giunta": _user("giunta", ente, MembershipRole.GIUNTA),
        "other_admin": _user("altro-admin", other, MembershipRole.ADMIN),
        "platform": _user("piattaforma", None, None, is_platform_admin=True),
    }
    return World(
        ente=ente,
        other=other,
        area=area,
        service=service,
        office=office,
        other_unit=other_unit,
        boss=boss,
        clerk=clerk,
        lent=lent,
        other_person=other_person,
        clerk_employment=clerk_employment,
        clerk_assignment=clerk_assignment,
        other_assignment=other_assignment,
        cycle=cycle,
        users=users,
    )


def _plan(ente: Ente, area: Unit, service: Unit, boss: Person) -> Cycle:
    """Two cycles; in 2024 one weight group adds up (100) and one does not (90 of 100)."""
    Cycle.objects.create(
        ente=ente,
        year=2023,
        first_year=2023,
        last_year=2025,
        title="PIAO 2023-2025",
        state=CycleState.VALIDATED,
    )
    cycle = Cycle.objects.create(
        ente=ente, year=2024, first_year=2024, last_year=2026, title="PIAO 2024-2026"
    )
    good = WeightGroup.objects.create(
        cycle=cycle, key="pl", kind=WeightGroupKind.SERVICE, label="Polizia Locale"
    )
    bad = WeightGroup.objects.create(
        cycle=cycle, key="ag", kind=WeightGroupKind.SERVICE, label="Area amministrativa"
    )
    weights = [(service, good, "70"), (service, good, "30"), (area, bad, "90")]
    for number, (unit, group, weight) in enumerate(weights, start=1):
        objective = OperationalObjective.objects.create(
            cycle=cycle,
            key=f"ob-{number}",
            title=f"Obiettivo {number}",
            unit=unit,
            weight_group=group,
            weight=Decimal(weight),
        )
        objective.responsibles.add(boss)
        Indicator.objects.create(
            cycle=cycle,
            key=f"ind-{number}",
            scope=IndicatorScope.OBJECTIVE,
            objective=objective,
            name=f"Indicatore {number}",
        )
    return cycle
