"""«Cosa devo fare»: the home of each role, from the ente's real data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.access import access_for
from appraisal.models import EvaluationScheme, EvaluatorKind, Scheda, SchedaState
from desk.selectors import desk_for
from documents.models import ReportValidation
from measurement.models import (
    Measurement,
    MeasurementState,
    MonitoringWindow,
    ObjectiveDelegate,
    PeriodKind,
)
from planning.models import (
    CycleState,
    Indicator,
    OperationalObjective,
    Target,
    TargetKind,
    WeightGroup,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 10, 15)


def _titles(world, role: str, today: dt.date = TODAY) -> list[str]:
    user = world.users[role]
    return [task.title for task in desk_for(user, access_for(user, world.ente), today).tasks]


def _monitoring(world, window_day=dt.date(2024, 9, 30)) -> MonitoringWindow:
    """The 2024 plan under monitoring: every indicator has a numeric target, one open window."""
    cycle = world.cycle
    cycle.state = CycleState.MONITORING
    cycle.save()
    for indicator in Indicator.objects.filter(cycle=cycle):
        Target.objects.create(
            indicator=indicator, year=2024, kind=TargetKind.GTE, value=Decimal("10")
        )
    return MonitoringWindow.objects.create(
        cycle=cycle, key="settembre", label="Al 30 settembre", period_end=window_day
    )


def _value(world, indicator, user, day=dt.date(2024, 9, 30)) -> Measurement:
    return Measurement.objects.create(
        cycle=world.cycle,
        indicator=indicator,
        period_kind=PeriodKind.POINT,
        period_start=day,
        period_end=day,
        value=Decimal("12"),
        state=MeasurementState.DRAFT,
        entered_by=user,
    )


def _scheme(world) -> EvaluationScheme:
    return EvaluationScheme.objects.create(cycle=world.cycle, key="personale", name="Personale")


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def test_home_is_the_task_list_and_the_overview_moved(enter, world):
    client = enter(world.users["admin"], world.ente)
    response = client.get(reverse("desk:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1" in body and "Cosa devo fare" in body
    assert "1 gruppo di pesatura non quadra" in body
    assert reverse("planning:weight_groups", args=[world.cycle.pk]) in body
    assert reverse("accounts:overview") in body
    # The old name of the home still leads there.
    assert client.get(reverse("accounts:home")).status_code in (200, 302)
    assert reverse("accounts:home") == reverse("desk:home")


def test_menu_counts_the_tasks(enter, world):
    body = enter(world.users["admin"], world.ente).get(reverse("desk:home")).content.decode()
    nav = body[body.index('aria-label="Menu principale"') :]
    assert "Cosa devo fare</span> <span" in nav and '1<span class="visually-hidden"> da fare' in nav


def test_nothing_to_do_says_so(enter, world):
    body = enter(world.users["dipendente"], world.ente).get(reverse("desk:home")).content
    assert "Nessuna attività in sospeso" in body.decode()


def test_anonymous_and_foreign_users_are_kept_out(client, enter, world):
    response = client.get(reverse("desk:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    response = enter(world.users["other_admin"], world.ente).get(reverse("desk:home"))
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# Segretario and Giunta: the cycle's next step and what blocks it
# ---------------------------------------------------------------------------------------------


def test_segretario_is_told_to_propose_once_the_weights_add_up(world):
    assert _titles(world, "admin") == ["1 gruppo di pesatura non quadra"]
    bad = WeightGroup.objects.get(cycle=world.cycle, key="ag")
    OperationalObjective.objects.filter(weight_group=bad).update(weight=Decimal("100"))
    assert _titles(world, "admin") == ["Proponi il piano 2024 alla Giunta"]


def test_giunta_approves_the_proposed_plan(world):
    assert _titles(world, "giunta") == []
    world.cycle.state = CycleState.PROPOSED
    world.cycle.save()
    assert _titles(world, "giunta") == ["Approva il piano 2024"]
    assert _titles(world, "admin") == ["Il piano 2024 attende l'approvazione della Giunta"]


def test_segretario_sees_the_values_missing_at_the_window(world):
    _monitoring(world)
    assert "3 valori mancanti alla finestra del 30/09/2024" in _titles(world, "admin")
    indicator = Indicator.objects.get(cycle=world.cycle, key="ind-1")
    _value(world, indicator, world.users["responsabile"])
    assert "2 valori mancanti alla finestra del 30/09/2024" in _titles(world, "admin")


# ---------------------------------------------------------------------------------------------
# Responsabile and dipendente: values to enter and approve
# ---------------------------------------------------------------------------------------------


def test_responsabile_enters_values_late_or_due(world):
    _monitoring(world)
    desk = desk_for(
        world.users["responsabile"], access_for(world.users["responsabile"], world.ente), TODAY
    )
    late = desk.tasks[0]
    assert late.title == "3 valori in ritardo da inserire" and late.overdue
    assert late.due == dt.date(2024, 9, 30)
    assert late.url == reverse("measurement:my_deadlines") + "?anno=2024"
    # Before the window's date the same values are due, not late.
    titles = _titles(world, "responsabile", dt.date(2024, 9, 20))
    assert titles[0] == "Inserisci 3 valori"


def test_dipendente_sees_only_the_values_delegated_to_them(world):
    _monitoring(world)
    assert _titles(world, "dipendente") == []
    objective = OperationalObjective.objects.get(cycle=world.cycle, key="ob-1")
    ObjectiveDelegate.objects.create(objective=objective, person=world.clerk)
    assert _titles(world, "dipendente") == ["1 valore in ritardo da inserire"]


def test_responsabile_approves_values_entered_by_others_not_their_own(world):
    _monitoring(world)
    first = Indicator.objects.get(cycle=world.cycle, key="ind-3")  # area: led by the boss
    _value(world, first, world.users["responsabile"])
    assert not any(t.startswith("Approva") for t in _titles(world, "responsabile"))
    second = Indicator.objects.get(cycle=world.cycle, key="ind-1")
    _value(world, second, world.users["dipendente"])
    assert "Approva 1 valore inserito" in _titles(world, "responsabile")
    assert not any(t.startswith("Approva") for t in _titles(world, "dipendente"))


# ---------------------------------------------------------------------------------------------
# Schede: evaluator, evaluated person, Nucleo
# ---------------------------------------------------------------------------------------------


def test_evaluator_steps_and_the_scheda_to_sign(world):
    world.cycle.state = CycleState.EVALUATION
    world.cycle.save()
    scheme = _scheme(world)
    scheda = Scheda.objects.create(
        cycle=world.cycle,
        person=world.clerk,
        scheme=scheme,
        evaluator=world.boss,
        evaluator_kind=EvaluatorKind.RESPONSABILE,
    )
    assert "1 scheda da compilare e proporre" in _titles(world, "responsabile")
    scheda.state = SchedaState.PROPOSED
    scheda.save()
    assert "1 colloquio da svolgere" in _titles(world, "responsabile")
    assert _titles(world, "dipendente") == []
    scheda.state = SchedaState.DELIVERED
    scheda.delivered_at = timezone.make_aware(dt.datetime(2024, 10, 1, 10))
    scheda.save()
    user = world.users["dipendente"]
    task = desk_for(user, access_for(user, world.ente), TODAY).tasks[0]
    assert task.title == "La tua scheda di valutazione 2024 è stata consegnata"
    assert task.due == dt.date(2024, 10, 1) + dt.timedelta(days=scheme.contest_days)
    assert task.url == reverse("appraisal:my_scheda") + "?anno=2024"
    assert "Distribuzione non definitiva: 1 scheda non conclusa" in _titles(world, "admin")


def test_nucleo_evaluates_conciliates_and_validates(world):
    world.cycle.state = CycleState.EVALUATION
    world.cycle.save()
    scheme = _scheme(world)
    Scheda.objects.create(
        cycle=world.cycle, person=world.boss, scheme=scheme, evaluator_kind=EvaluatorKind.NUCLEO
    )
    Scheda.objects.create(
        cycle=world.cycle,
        person=world.clerk,
        scheme=scheme,
        evaluator=world.boss,
        evaluator_kind=EvaluatorKind.RESPONSABILE,
        state=SchedaState.CONTESTED,
    )
    assert _titles(world, "nucleo") == [
        "1 scheda da compilare e proporre",
        "1 scheda contestata da conciliare",
    ]
    world.cycle.state = CycleState.REPORTING
    world.cycle.save()
    assert "Valida la Relazione sulla performance 2024" in _titles(world, "nucleo")
    assert "La Relazione 2024 attende la validazione del Nucleo" in _titles(world, "admin")
    ReportValidation.objects.create(
        cycle=world.cycle, validated_on=dt.date(2025, 6, 1), act_label="Verbale 3/2025"
    )
    assert not any("Relazione" in t for t in _titles(world, "nucleo") + _titles(world, "admin"))


# ---------------------------------------------------------------------------------------------
# Isolation and cost
# ---------------------------------------------------------------------------------------------


def test_another_entes_admin_sees_nothing_of_this_ente(world):
    _monitoring(world)
    user = world.users["other_admin"]
    desk = desk_for(user, access_for(user, world.other), TODAY)
    assert desk.tasks == []


def _queries(world, role: str) -> int:
    user = world.users[role]
    access = access_for(user, world.ente)
    with CaptureQueriesContext(connection) as captured:
        desk_for(user, access, TODAY)
    return len(captured)


@pytest.mark.parametrize("role", ["admin", "responsabile", "nucleo"])
def test_the_list_costs_the_same_queries_whatever_the_size(world, role):
    _monitoring(world)
    world.cycle.state = CycleState.MEASUREMENT
    world.cycle.save()
    scheme = _scheme(world)
    Scheda.objects.create(
        cycle=world.cycle,
        person=world.clerk,
        scheme=scheme,
        evaluator=world.boss,
        evaluator_kind=EvaluatorKind.RESPONSABILE,
    )
    before = _queries(world, role)
    group = WeightGroup.objects.get(cycle=world.cycle, key="pl")
    for number in range(4, 9):
        objective = OperationalObjective.objects.create(
            cycle=world.cycle,
            key=f"ob-{number}",
            title=f"Obiettivo {number}",
            unit=world.service,
            weight_group=group,
            weight=Decimal("1"),
        )
        objective.responsibles.add(world.boss)
        indicator = Indicator.objects.create(
            cycle=world.cycle,
            key=f"ind-{number}",
            objective=objective,
            name=f"Ind {number}",
        )
        Target.objects.create(indicator=indicator, year=2024, kind=TargetKind.GTE, value=1)
        _value(world, indicator, world.users["dipendente"])
    Scheda.objects.create(
        cycle=world.cycle,
        person=world.lent,
        scheme=scheme,
        evaluator=world.boss,
        evaluator_kind=EvaluatorKind.RESPONSABILE,
    )
    assert _queries(world, role) == before


def test_deadlines_as_icalendar(enter, world):
    _monitoring(world)
    client = enter(world.users["responsabile"], world.ente)
    assert reverse("desk:calendar") in client.get(reverse("desk:home")).content.decode()
    response = client.get(reverse("desk:calendar"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20240930" in text
    assert "SUMMARY:3 valori in ritardo da inserire" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_icalendar_escapes_and_folds():
    from desk.ical import calendar
    from desk.selectors import Task

    task = Task(title="Valori; da inserire, subito", url="/", detail="x" * 200, due=TODAY)
    text = calendar(
        [(task, "http://esempio/")],
        ente_name="Ente",
        ente_key="1",
        stamp=timezone.make_aware(dt.datetime(2024, 10, 1, 9)),
    )
    assert "SUMMARY:Valori\\; da inserire\\, subito" in text
    assert "\r\n x" in text  # the long description continues on folded lines
    assert "DTSTAMP:20241001T070000Z" in text
    undated = calendar(
        [(Task(title="Senza data", url="/"), "/")],
        ente_name="E",
        ente_key="1",
        stamp=timezone.now(),
    )
    assert "VEVENT" not in undated


def test_home_shows_the_previous_login(client, world):
    user = world.users["dipendente"]
    user.last_login = timezone.make_aware(dt.datetime(2024, 10, 1, 8, 30))
    user.save(update_fields=["last_login"])
    response = client.post(
        reverse("accounts:login"), {"username": "dipendente", "password": "prova-Performa-1"}
    )
    assert response.status_code == 302
    body = client.get(reverse("desk:home"), follow=True).content.decode()
    assert "Il tuo accesso precedente" in body and "01/10/2024" in body and "08:30" in body
