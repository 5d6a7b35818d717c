from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal import services
from appraisal.models import (
    Conciliation,
    Scheda,
    SchedaItem,
    SchedaState,
    SchedaTransition,
)
from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry
from organization.models import Absence, AbsenceKind

from .conftest import YEAR, manager_items, staff_items

pytestmark = pytest.mark.django_db
D = Decimal
INTERVIEW = dt.date(YEAR + 1, 2, 10)


def _deliver(org, scheda, user=None, items=None):
    user = user or org.users.comandante
    services.scheda_score(user=user, scheda=scheda, items=items or staff_items())
    services.scheda_propose(user=user, scheda=scheda)
    services.scheda_record_interview(user=user, scheda=scheda, date=INTERVIEW, notes="Colloquio")
    services.scheda_deliver(user=user, scheda=scheda)
    return scheda


def _delivered_days_ago(scheda, days):
    Scheda.objects.filter(pk=scheda.pk).update(
        delivered_at=timezone.now() - dt.timedelta(days=days)
    )
    scheda.refresh_from_db()


def test_score_computes_points_band_and_premium(org, schede):
    agente = schede["agente"]
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())
    # unit 80 % of 18 points = 14,40; behaviours (4/5 + 5/5) / 2 = 90 % of 42 = 37,80
    assert agente.total_points == D("52.20")
    assert agente.band.min_points == D("37")
    assert agente.premium_percent == D("80")
    assert agente.is_negative is False
    assert agente.version == 2
    points = {
        (i.component.key, i.behaviour.key if i.behaviour else None): i.points
        for i in SchedaItem.objects.filter(scheda=agente).select_related("component", "behaviour")
    }
    assert points == {
        ("unita", None): D("14.40"),
        ("comportamenti", "collaborazione"): D("16.80"),
        ("comportamenti", "precisione"): D("21.00"),
    }
    entry = AuditEntry.objects.get(action="scheda.score")
    assert entry.changes["total_points"] == [None, "52.20"]


def test_score_reproduces_the_band_example_through_the_engine(org, schede):
    agente = schede["agente"]
    cases = [
        # (unit %, collaborazione, precisione) → points, premium
        (("100", 5, 5), "60.00", "100"),
        (("100", 4, 5), "55.80", "100"),
        (("50", 3, 3), "34.20", "50"),
        (("0", 1, 1), "8.40", "0"),
    ]
    for (unit, c, p), points, premium in cases:
        services.scheda_score(
            user=org.users.comandante, scheda=agente, items=staff_items(unit, c, p)
        )
        assert (agente.total_points, agente.premium_percent) == (D(points), D(premium))
    assert agente.is_negative is True  # 8,40 is below the first band that pays


def test_bad_scores_are_refused_and_nothing_is_written(org, schede):
    agente = schede["agente"]
    with pytest.raises(ServiceError, match="Il voto 6 di «Precisione» è fuori dalla scala 1–5"):
        services.scheda_score(
            user=org.users.comandante, scheda=agente, items=staff_items(precisione=6)
        )
    with pytest.raises(ServiceError, match="deve essere una percentuale tra 0 e 100"):
        services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items("120"))
    with pytest.raises(ServiceError, match="Manca il voto di «Precisione»"):
        services.scheda_score(
            user=org.users.comandante, scheda=agente, items=staff_items()[:1] + staff_items()[2:]
        )
    with pytest.raises(ServiceError, match="Manca la valutazione di «Performance dell'unità»"):
        services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items(None))
    with pytest.raises(ServiceError, match="non è un numero"):
        services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items("molto"))
    agente.refresh_from_db()
    assert agente.total_points is None and agente.version == 1
    assert not SchedaItem.objects.filter(scheda=agente).exists()


def test_unit_performance_is_prefilled_from_the_measurement(org, schede, monkeypatch):
    board = services.PerformanceScores(units={org.verbali.pk: D("75.555")}, ente=D("90"))
    # Patched where the scoring looks it up (the package only re-exports it).
    monkeypatch.setattr(services.scoring, "performance_scores", lambda cycle: board)
    agente = schede["agente"]
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items(None))
    unit_item = SchedaItem.objects.get(scheda=agente, component__key="unita")
    assert unit_item.raw_score == D("75.56")
    # 75,56 % of 18 = 13,60 (13,6008); + 37,80
    assert agente.total_points == D("51.40")


def test_maternity_leave_does_not_lower_a_presence_sensitive_component(org, schede):
    agente, impiegata = schede["agente"], schede["impiegata"]
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())
    baseline = agente.total_points
    Absence.objects.create(
        person=org.people.agente,
        kind=AbsenceKind.MATERNITY,
        start_date=dt.date(YEAR, 3, 1),
        end_date=dt.date(YEAR, 9, 30),
    )
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())
    assert agente.total_points == baseline == D("52.20")
    # sickness of the same length does lower it: 153 days out of 365
    Absence.objects.create(
        person=org.people.impiegata,
        kind=AbsenceKind.SICKNESS,
        start_date=dt.date(YEAR, 3, 1),
        end_date=dt.date(YEAR, 7, 31),
    )
    services.scheda_score(user=org.users.ragioniera, scheda=impiegata, items=staff_items())
    assert impiegata.total_points < baseline


def test_full_workflow_to_acknowledged_and_final(org, schede):
    agente = _deliver(org, schede["agente"])
    assert agente.state == SchedaState.DELIVERED and agente.delivered_at is not None
    assert agente.interview_date == INTERVIEW
    services.scheda_acknowledge(user=org.users.agente, scheda=agente)
    assert agente.state == SchedaState.ACKNOWLEDGED and agente.acknowledged_at is not None
    services.scheda_finalise(user=org.users.nucleo, scheda=agente)
    assert agente.state == SchedaState.FINAL and agente.finalised_at is not None
    steps = list(
        SchedaTransition.objects.filter(scheda=agente).values_list("from_state", "to_state")
    )
    assert steps == [
        ("", "draft"),
        ("draft", "proposed"),
        ("proposed", "interview"),
        ("interview", "delivered"),
        ("delivered", "acknowledged"),
        ("acknowledged", "final"),
    ]


def test_contest_and_conciliation_with_a_modified_outcome(org, schede):
    agente = _deliver(org, schede["agente"])
    services.scheda_contest(
        user=org.users.agente, scheda=agente, reason="Comportamenti sottostimati"
    )
    assert agente.state == SchedaState.CONTESTED
    conciliation = Conciliation.objects.get(scheda=agente)
    assert conciliation.previous_points == D("52.20")
    with pytest.raises(ServiceError, match="l'esito si registra durante la conciliazione"):
        services.conciliation_decide(
            user=org.users.nucleo,
            scheda=agente,
            outcome="confirmed",
            outcome_text="x",
            decided_by="Nucleo",
        )
    services.conciliation_schedule(
        user=org.users.nucleo, scheda=agente, meeting_date=timezone.localdate(), notes="Sentiti"
    )
    assert agente.state == SchedaState.CONCILIATION
    with pytest.raises(ServiceError, match="non è ancora decisa"):
        services.scheda_finalise(user=org.users.nucleo, scheda=agente)
    with pytest.raises(ServiceError, match="indica il nuovo punteggio"):
        services.conciliation_decide(
            user=org.users.nucleo,
            scheda=agente,
            outcome="modified",
            outcome_text="Rivalutati i comportamenti",
            decided_by="Nucleo di Valutazione",
        )
    services.conciliation_decide(
        user=org.users.nucleo,
        scheda=agente,
        outcome="modified",
        outcome_text="Rivalutati i comportamenti",
        decided_by="Nucleo di Valutazione",
        new_points="54",
    )
    assert (agente.total_points, agente.premium_percent) == (D("54.00"), D("100"))
    conciliation.refresh_from_db()
    assert conciliation.new_points == D("54") and conciliation.decided_at is not None
    services.scheda_finalise(user=org.users.admin, scheda=agente)
    assert agente.state == SchedaState.FINAL


def test_confirmed_outcome_refuses_new_points(org, schede):
    agente = _deliver(org, schede["agente"])
    services.scheda_contest(user=org.users.agente, scheda=agente, reason="Non condivido")
    services.conciliation_schedule(
        user=org.users.nucleo, scheda=agente, meeting_date=timezone.localdate()
    )
    with pytest.raises(ServiceError, match="solo se la valutazione è modificata"):
        services.conciliation_decide(
            user=org.users.nucleo,
            scheda=agente,
            outcome="confirmed",
            outcome_text="Confermata",
            decided_by="Nucleo",
            new_points="50",
        )
    services.conciliation_decide(
        user=org.users.nucleo,
        scheda=agente,
        outcome="confirmed",
        outcome_text="Confermata",
        decided_by="Nucleo",
    )
    assert agente.total_points == D("52.20")


def test_contest_after_the_deadline_is_refused(org, schede):
    agente = _deliver(org, schede["agente"])
    _delivered_days_ago(agente, 16)
    deadline = timezone.localdate(agente.delivered_at) + dt.timedelta(days=15)
    with pytest.raises(ServiceError) as error:
        services.scheda_contest(user=org.users.agente, scheda=agente, reason="Tardi")
    assert error.value.message == f"Il termine per contestare è scaduto il {deadline:%d/%m/%Y}."
    assert not Conciliation.objects.filter(scheda=agente).exists()
    # after the deadline, the scheda may become final without the presa visione
    services.scheda_finalise(user=org.users.nucleo, scheda=agente)
    assert agente.state == SchedaState.FINAL


def test_finalise_before_the_deadline_needs_the_presa_visione(org, schede):
    agente = _deliver(org, schede["agente"])
    with pytest.raises(ServiceError, match="il termine per contestare scade il"):
        services.scheda_finalise(user=org.users.nucleo, scheda=agente)
    _delivered_days_ago(agente, 15)  # the last day is still open
    services.scheda_contest(user=org.users.agente, scheda=agente, reason="In tempo")


def test_illegal_transitions_name_both_states(org, schede):
    agente = schede["agente"]
    with pytest.raises(ServiceError) as error:
        services.scheda_deliver(user=org.users.comandante, scheda=agente)
    assert error.value.message == (
        "La scheda di Paolo Gialli è nello stato «Bozza»: non può passare a «Consegnata»."
    )
    with pytest.raises(ServiceError, match="non è ancora valutata"):
        services.scheda_propose(user=org.users.comandante, scheda=agente)
    with pytest.raises(ServiceError, match="«Bozza»: non può passare a «Presa visione»"):
        services.scheda_acknowledge(user=org.users.agente, scheda=agente)


def test_an_evaluator_outside_the_chain_is_refused(org, schede):
    with pytest.raises(AccessDenied) as error:
        services.scheda_score(
            user=org.users.ragioniera, scheda=schede["agente"], items=staff_items()
        )
    assert error.value.message.startswith(
        "Anna Neri non è nella catena di valutazione di Paolo Gialli"
    )
    with pytest.raises(AccessDenied, match="non è nella catena di valutazione di Luca Verdi"):
        services.scheda_score(
            user=org.users.comandante, scheda=schede["comandante"], items=manager_items()
        )
    # the Nucleo evaluates the responsabili
    services.scheda_score(user=org.users.nucleo, scheda=schede["comandante"], items=manager_items())
    # unit 90 % of 60 = 54; behaviours (4/5 × 50 + 5/5 × 50) / 100 = 90 % of 40 = 36
    assert schede["comandante"].total_points == D("90.00")


def test_only_the_evaluated_person_signs_or_contests(org, schede):
    agente = _deliver(org, schede["agente"])
    for user in (org.users.comandante, org.users.admin):
        with pytest.raises(AccessDenied, match=r"Solo la persona valutata \(Paolo Gialli\)"):
            services.scheda_acknowledge(user=user, scheda=agente)
        with pytest.raises(AccessDenied, match="Solo la persona valutata"):
            services.scheda_contest(user=user, scheda=agente, reason="x")
    with pytest.raises(AccessDenied, match="riservata al Nucleo"):
        services.scheda_finalise(user=org.users.comandante, scheda=agente)


def test_proposed_scheda_is_rescored_only_by_its_proposer(org, schede):
    agente = schede["agente"]
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())
    services.scheda_propose(user=org.users.comandante, scheda=agente)
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items("100"))
    assert agente.state == SchedaState.PROPOSED and agente.total_points == D("55.80")
    with pytest.raises(ServiceError, match="può modificarla solo chi l'ha proposta"):
        services.scheda_score(user=org.users.admin, scheda=agente, items=staff_items())
    services.scheda_record_interview(
        user=org.users.comandante, scheda=agente, date=INTERVIEW, notes=""
    )
    with pytest.raises(ServiceError, match="si valuta solo in bozza"):
        services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())


def test_stale_version_is_refused(org, schede):
    agente = schede["agente"]
    services.scheda_score(
        user=org.users.comandante, scheda=agente, items=staff_items(), expected_version=1
    )
    with pytest.raises(ServiceError, match=r"versione 2, la tua era la 1"):
        services.scheda_score(
            user=org.users.comandante, scheda=agente, items=staff_items("10"), expected_version=1
        )
    agente.refresh_from_db()
    assert agente.total_points == D("52.20")


def test_interview_date_is_checked(org, schede):
    agente = schede["agente"]
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())
    services.scheda_propose(user=org.users.comandante, scheda=agente)
    with pytest.raises(ServiceError, match="non può essere futura"):
        services.scheda_record_interview(
            user=org.users.comandante,
            scheda=agente,
            date=timezone.localdate() + dt.timedelta(days=3),
            notes="",
        )
    with pytest.raises(ServiceError, match="precede l'anno valutato"):
        services.scheda_record_interview(
            user=org.users.comandante, scheda=agente, date=dt.date(YEAR - 1, 12, 1), notes=""
        )


def test_reopening_is_recorded_and_resets_the_later_steps(org, schede):
    agente = _deliver(org, schede["agente"])
    services.scheda_contest(user=org.users.agente, scheda=agente, reason="Errore materiale")
    with pytest.raises(AccessDenied):
        services.scheda_reopen(
            user=org.users.comandante, scheda=agente, to_state="draft", reason="x"
        )
    with pytest.raises(ServiceError, match="Indica il motivo della riapertura"):
        services.scheda_reopen(user=org.users.nucleo, scheda=agente, to_state="draft", reason=" ")
    with pytest.raises(ServiceError, match="si riapre solo in bozza, proposta, colloquio svolto"):
        services.scheda_reopen(user=org.users.nucleo, scheda=agente, to_state="final", reason="x")
    services.scheda_reopen(
        user=org.users.nucleo, scheda=agente, to_state="draft", reason="Errore di calcolo"
    )
    assert agente.state == SchedaState.DRAFT
    assert agente.delivered_at is None and agente.interview_date is None
    assert not Conciliation.objects.filter(scheda=agente).exists()
    reopening = SchedaTransition.objects.filter(scheda=agente, is_reopening=True).get()
    assert (reopening.from_state, reopening.to_state) == ("contested", "draft")
    assert reopening.note == "Errore di calcolo"
    entry = AuditEntry.objects.get(action="scheda.reopen")
    assert entry.changes["conciliation"][0]["request_text"] == "Errore materiale"
    # the scheda can go through the workflow again
    _deliver(org, agente)
    services.scheda_acknowledge(user=org.users.agente, scheda=agente)
    services.scheda_finalise(user=org.users.nucleo, scheda=agente)
    services.scheda_reopen(
        user=org.users.admin, scheda=agente, to_state="delivered", reason="Rivista"
    )
    last = SchedaTransition.objects.filter(scheda=agente).last()
    assert (last.from_state, last.to_state, last.is_reopening) == ("final", "delivered", True)
    assert agente.state == SchedaState.DELIVERED and agente.finalised_at is None
    with pytest.raises(ServiceError, match="non si riapre a «Consegnata», che non è uno stato"):
        services.scheda_reopen(
            user=org.users.admin, scheda=agente, to_state="delivered", reason="x"
        )
    # delivered again: a new period to contest starts
    services.scheda_contest(user=org.users.agente, scheda=agente, reason="Ancora")


def test_self_evaluation(org, schede):
    agente = schede["agente"]
    with pytest.raises(ServiceError, match="non prevede l'autovalutazione"):
        services.scheda_self_evaluate(user=org.users.agente, scheda=agente, text="Ho fatto bene")
    services.scheme_update(user=org.users.admin, scheme=org.staff, data={"self_evaluation": True})
    with pytest.raises(AccessDenied):
        services.scheda_self_evaluate(user=org.users.comandante, scheda=agente, text="x")
    services.scheda_self_evaluate(user=org.users.agente, scheda=agente, text="Ho fatto bene")
    assert Scheda.objects.get(pk=agente.pk).self_evaluation_text == "Ho fatto bene"


def test_unit_performance_comes_from_the_real_score_board(org, schede):
    from measurement.models import Measurement, PeriodKind
    from planning.models import Indicator, IndicatorScope, OperationalObjective, Target, TargetKind

    objective = OperationalObjective.objects.create(
        cycle=org.cycle, key="verbali-digitali", title="Verbali digitali", unit=org.verbali
    )
    indicator = Indicator.objects.create(
        cycle=org.cycle,
        key="verbali",
        scope=IndicatorScope.OBJECTIVE,
        objective=objective,
        name="Verbali digitalizzati",
    )
    Target.objects.create(indicator=indicator, year=YEAR, kind=TargetKind.GTE, value=D("40"))
    Measurement.objects.create(
        cycle=org.cycle,
        indicator=indicator,
        period_kind=PeriodKind.YEAR,
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 12, 31),
        value=D("30"),
    )
    board = services.performance_scores(org.cycle)
    assert board.units[org.verbali.pk] == D("75")
    agente = schede["agente"]
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items(None))
    # 75 % of 18 = 13,50; + 37,80
    assert SchedaItem.objects.get(scheda=agente, component__key="unita").raw_score == D("75")
    assert agente.total_points == D("51.30")


def test_computing_a_score_writes_nothing_and_matches_what_is_saved(org, schede):
    agente = schede["agente"]
    audits = AuditEntry.objects.count()
    scoring = services.scheda_compute(user=org.users.comandante, scheda=agente, items=staff_items())
    agente.refresh_from_db()
    assert agente.version == 1 and agente.total_points is None
    assert AuditEntry.objects.count() == audits and not agente.items.exists()
    saved = services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())
    assert (saved.total_points, saved.band, saved.is_negative) == (
        scoring.total,
        scoring.band,
        scoring.is_negative,
    )
    assert saved.premium_percent == scoring.premium_percent
    assert sorted(i.points for i in saved.items.all()) == sorted(scoring.points.values())


def test_computing_a_score_applies_the_same_checks(org, schede):
    with pytest.raises(AccessDenied):
        services.scheda_compute(user=org.users.agente, scheda=schede["agente"], items=[])
