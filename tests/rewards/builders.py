"""Small populations for the rewards tests: a cycle, a scheme with bands, schede, contracts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from accounts.access import ADMIN, DIPENDENTE, GIUNTA, NUCLEO
from appraisal.models import EvaluationScheme, EvaluatorKind, Scheda, SchedaState, ScoreBand
from documents.models import ReportValidation
from organization.models import CcnlArea, Employment, Ente, Person, Role
from planning.models import Cycle, CycleState

YEAR = 2025

# The bands of a 60-point scheme, as in many SMVP: 54–60 → 100 %, 37–53 → 80 %, …
BANDS = (
    ("54", "60", "100"),
    ("37", "53", "80"),
    ("25", "36", "50"),
    ("0", "24", "0"),
)


def make_cycle(ente: Ente, *, approved: bool = True, year: int = YEAR) -> Cycle:
    return Cycle.objects.create(
        ente=ente,
        year=year,
        first_year=year,
        last_year=year + 2,
        title=f"Piano della performance {year}",
        state=CycleState.APPROVED if approved else CycleState.DRAFT,
        approved_at=timezone.now() if approved else None,
    )


def validate_report(cycle: Cycle) -> ReportValidation:
    return ReportValidation.objects.create(
        cycle=cycle, validated_on=dt.date(cycle.year + 1, 6, 20), act_label="Verbale n. 3"
    )


def make_scheme(cycle: Cycle, *, managerial: bool = False, key: str = "") -> EvaluationScheme:
    scheme = EvaluationScheme.objects.create(
        cycle=cycle,
        key=key or ("eq" if managerial else "dipendenti"),
        name="Scheda EQ" if managerial else "Scheda dipendenti",
        is_managerial=managerial,
        max_points=Decimal("60"),
        negative_threshold=Decimal("25"),
        minimum_service_days=0,
    )
    for low, high, percent in BANDS:
        ScoreBand.objects.create(
            scheme=scheme,
            min_points=Decimal(low),
            max_points=Decimal(high),
            premium_percent=Decimal(percent),
        )
    return scheme


def band_for(scheme: EvaluationScheme, points: Decimal) -> ScoreBand:
    return scheme.bands.filter(min_points__lte=points).order_by("-min_points").first()


def make_member(
    ente: Ente,
    cycle: Cycle,
    scheme: EvaluationScheme,
    key: str,
    points,
    *,
    first_name: str = "",
    last_name: str = "",
    state: str = SchedaState.FINAL,
    area: str = CcnlArea.ISTRUTTORI,
    role: str = Role.DIPENDENTE,
    part_time: str = "100",
    start: dt.date | None = None,
    end: dt.date | None = None,
    eligible: bool = True,
) -> Scheda:
    person = Person.objects.create(
        ente=ente,
        key=key,
        first_name=first_name or key.split("-")[0].capitalize(),
        last_name=last_name or (key.split("-")[-1].capitalize() + "i"),
    )
    Employment.objects.create(
        person=person,
        employer=ente,
        ccnl_area=area,
        role=role,
        part_time_percent=Decimal(part_time),
        start_date=start or dt.date(2010, 1, 1),
        end_date=end,
    )
    points = Decimal(str(points))
    band = band_for(scheme, points)
    return Scheda.objects.create(
        cycle=cycle,
        person=person,
        scheme=scheme,
        evaluator_kind=EvaluatorKind.RESPONSABILE,
        state=state,
        total_points=points,
        band=band,
        premium_percent=band.premium_percent,
        is_negative=points < scheme.negative_threshold,
        is_eligible=eligible,
    )


def build_staff_case(make_ente, make_user) -> SimpleNamespace:
    """Five dipendenti on a 60-point scheme: 58, 55, 45, 30 and 10 points (the last negative),
    an approved plan, and one user per role."""
    ente = make_ente("comune-premi", name="Comune di Premiano")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    people = (
        ("anna-bianchi", 58, "Anna", "Bianchi"),
        ("bruno-conti", 55, "Bruno", "Conti"),
        ("carla-dini", 45, "Carla", "Dini"),
        ("dario-esposito", 30, "Dario", "Esposito"),
        ("elena-fabbri", 10, "Elena", "Fabbri"),
    )
    schede = [
        make_member(ente, cycle, scheme, key, points, first_name=first, last_name=last)
        for key, points, first, last in people
    ]
    return SimpleNamespace(
        ente=ente,
        cycle=cycle,
        scheme=scheme,
        schede=schede,
        admin=make_user("admin", ente, ADMIN),
        nucleo=make_user("nucleo", ente, NUCLEO),
        giunta=make_user("giunta", ente, GIUNTA),
        dipendente=make_user("dipendente", ente, DIPENDENTE),
    )
