"""load_demo: the demo enti, the draft plan a responsabile can edit, and one login per role."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, MembershipRole, User
from core.exceptions import ServiceError
from core.models import AuditEntry
from demo.loader import (
    DEMO,
    DEMO_DATA_DIR,
    DEMO_PASSWORD,
    DemoEnte,
    DemoSetup,
    DemoUser,
    load_demo,
    phase_shown_by_data,
)
from organization.models import Ente, Person
from planning.models import Cycle, CycleState, OperationalObjective

FIXTURES = Path(__file__).parent / "fixtures"

SMALL = DemoSetup(
    data_dir=FIXTURES,
    enti=(
        DemoEnte(
            filename="comune-prova-2023.json",
            slug="comune-prova",
            users=(
                DemoUser("segretario.prova", MembershipRole.ADMIN, "segretario"),
                DemoUser("resp.prova", MembershipRole.RESPONSABILE, "resp-amministrativo"),
                DemoUser("nucleo.prova", MembershipRole.NUCLEO),
            ),
        ),
    ),
    platform_admins=("ict.prova",),
)


def _counts() -> dict[str, int]:
    return {
        "enti": Ente.objects.count(),
        "cycles": Cycle.objects.count(),
        "objectives": OperationalObjective.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- the mechanics, on a small file ----------------------------------------------------------


@pytest.mark.django_db
def test_small_setup_imports_the_file_and_links_users_to_people():
    report = load_demo(setup=SMALL)

    ente = Ente.objects.get(slug="comune-prova")
    assert report.imported == ["comune-prova 2023"]
    assert Cycle.objects.filter(ente=ente, year=2023).exists()
    resp = Membership.objects.get(user__username="resp.prova", ente=ente)
    assert resp.role == MembershipRole.RESPONSABILE
    assert resp.person == Person.objects.get(ente=ente, key="resp-amministrativo")
    assert Membership.objects.get(user__username="nucleo.prova").person is None
    platform = User.objects.get(username="ict.prova")
    assert platform.is_platform_admin
    assert not platform.memberships.exists()
    assert User.objects.get(username="segretario.prova").check_password(DEMO_PASSWORD)
    assert sorted(report.users_created) == [
        "ict.prova",
        "nucleo.prova",
        "resp.prova",
        "segretario.prova",
    ]


@pytest.mark.django_db
def test_users_and_memberships_are_audited():
    load_demo(setup=SMALL)

    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("user.create") == 4
    assert actions.count("membership.create") == 3
    entry = AuditEntry.objects.get(action="membership.create", object_label__contains="resp.prova")
    assert entry.ente.slug == "comune-prova"
    assert entry.changes["role"] == [None, "responsabile"]


@pytest.mark.django_db
def test_second_run_creates_nothing():
    load_demo(setup=SMALL)
    before = _counts()

    report = load_demo(setup=SMALL)

    assert _counts() == before
    assert report.imported == []
    assert report.skipped == ["comune-prova 2023"]
    assert report.users_created == []
    assert report.memberships_created == 0


@pytest.mark.django_db
def test_existing_user_keeps_its_password_unless_reset():
    load_demo(setup=SMALL)
    user = User.objects.get(username="resp.prova")
    user.set_password("una-password-scelta-da-me")
    user.save()

    load_demo(setup=SMALL)
    user.refresh_from_db()
    assert user.check_password("una-password-scelta-da-me")

    load_demo(setup=SMALL, reset=True)
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_membership_is_relinked_when_the_person_changed():
    load_demo(setup=SMALL)
    membership = Membership.objects.get(user__username="resp.prova")
    membership.person = None
    membership.save()

    load_demo(setup=SMALL)

    membership.refresh_from_db()
    assert membership.person.key == "resp-amministrativo"
    assert AuditEntry.objects.filter(action="membership.update").count() == 1


@pytest.mark.django_db
def test_missing_person_key_is_an_italian_error_and_writes_nothing():
    broken = DemoSetup(
        data_dir=FIXTURES,
        enti=(
            DemoEnte(
                filename="comune-prova-2023.json",
                slug="comune-prova",
                users=(DemoUser("fantasma.prova", MembershipRole.DIPENDENTE, "non-esiste"),),
            ),
        ),
    )

    with pytest.raises(ServiceError) as caught:
        load_demo(setup=broken)

    message = caught.value.message
    assert "non esiste la persona con chiave «non-esiste»" in message
    assert "fantasma.prova" in message
    assert "comune-prova" in message
    # The whole load is one transaction: the imported ente and the login are rolled back too.
    assert not Ente.objects.filter(slug="comune-prova").exists()
    assert not User.objects.filter(username="fantasma.prova").exists()


@pytest.mark.django_db
def test_missing_file_and_wrong_ente_are_reported(tmp_path):
    missing = DemoSetup(data_dir=tmp_path, enti=SMALL.enti)
    with pytest.raises(ServiceError, match="Manca il file dei dati dimostrativi"):
        load_demo(setup=missing)

    wrong = DemoSetup(
        data_dir=FIXTURES,
        enti=(DemoEnte(filename="comune-prova-2023.json", slug="altro-ente", users=()),),
    )
    with pytest.raises(ServiceError, match="descrive l'ente «comune-prova», non «altro-ente»"):
        load_demo(setup=wrong)
    assert not Ente.objects.exists()


# --- the real demo ---------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_loads_the_three_enti_and_the_sorbara_draft(demo):
    assert set(Ente.objects.values_list("slug", flat=True)) >= {
        "unione-sorbara",
        "consorzio-socio-assistenziale",
        "unione-casalbuttano",
    }
    assert Cycle.objects.filter(ente__slug="unione-sorbara", year=2024).exists()
    assert Cycle.objects.filter(ente__slug="consorzio-socio-assistenziale", year=2021).exists()
    assert Cycle.objects.filter(ente__slug="unione-casalbuttano", year=2021).exists()
    draft = Cycle.objects.get(ente__slug="unione-sorbara", year=2025)
    assert draft.state == CycleState.DRAFT
    assert draft.operational_objectives.exists()
    # The copy moved the years of its titles: «Obiettivi operativi specifici 2025».
    assert not draft.weight_groups.filter(label__contains="2024").exists()
    assert draft.weight_groups.filter(label__contains="specifici 2025").exists()
    assert not draft.operational_objectives.filter(section__icontains="specifici 2024").exists()


def test_demo_logins_have_their_roles_and_people(demo):
    for ente_demo in DEMO.enti:
        for spec in ente_demo.users:
            membership = Membership.objects.get(
                user__username=spec.username, ente__slug=ente_demo.slug, role=spec.role
            )
            if spec.person_key:
                assert membership.person.key == spec.person_key
                assert membership.person.ente.slug == ente_demo.slug
            else:
                assert membership.person is None
    nucleo_enti = Membership.objects.filter(user__username="nucleo.sorbara").values_list(
        "ente__slug", flat=True
    )
    assert sorted(nucleo_enti) == ["unione-casalbuttano", "unione-sorbara"]
    assert User.objects.get(username="ict.unione").is_platform_admin
    assert User.objects.get(username="comandante.sorbara").check_password(DEMO_PASSWORD)


def test_demo_prints_the_logins_table(demo):
    assert f"password per tutti: {DEMO_PASSWORD}" in demo
    lines = demo.splitlines()
    header = next(line for line in lines if line.startswith("Utente"))
    assert "Ruolo" in header and "Ente" in header
    row = next(line for line in lines if line.startswith("comandante.sorbara "))
    assert "Responsabile di unità" in row
    assert any(line.startswith("ict.unione ") for line in lines)


def test_demo_second_run_creates_nothing(demo):
    before = _counts()
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert _counts() == before
    assert "già presente" in out.getvalue()
    assert "0 creati, 0 ruoli assegnati" in out.getvalue()


def test_demo_reset_prepares_the_draft_again(demo):
    draft = Cycle.objects.get(ente__slug="unione-sorbara", year=2025)
    objective = draft.operational_objectives.exclude(weight=None).first()
    original = objective.weight
    OperationalObjective.objects.filter(pk=objective.pk).update(weight=original + 1)

    call_command("load_demo", "--reset", stdout=StringIO())

    fresh = Cycle.objects.get(ente__slug="unione-sorbara", year=2025)
    assert fresh.state == CycleState.DRAFT
    assert fresh.operational_objectives.get(key=objective.key).weight == original
    assert Cycle.objects.filter(ente__slug="unione-sorbara").count() == 2


def test_command_turns_service_errors_into_command_errors(db, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "demo.management.commands.load_demo.DEMO", DemoSetup(data_dir=tmp_path, enti=DEMO.enti)
    )
    with pytest.raises(CommandError, match="Manca il file dei dati dimostrativi"):
        call_command("load_demo", stdout=StringIO())


# --- the live part: relative to the day of loading -------------------------------------------


def _dipendente(ente_demo):
    return next(spec for spec in ente_demo.users if spec.role == MembershipRole.DIPENDENTE)


def test_every_demo_ente_has_a_delivered_employee_scheda_that_can_be_contested(demo):
    from appraisal import services as appraisal
    from appraisal.models import Scheda, SchedaState

    today = timezone.localdate()
    for ente_demo in DEMO.enti:
        spec = _dipendente(ente_demo)
        scheda = Scheda.objects.get(
            cycle__ente__slug=ente_demo.slug,
            person__key=spec.person_key,
            cycle__state__in=[CycleState.EVALUATION, CycleState.VALIDATED],
        )
        assert scheda.state == SchedaState.DELIVERED, ente_demo.slug
        assert appraisal.contest_deadline(scheda) >= today, ente_demo.slug
        employee = User.objects.get(username=spec.username)
        appraisal.scheda_contest(user=employee, scheda=scheda, reason="Chiedo un colloquio.")
        assert Scheda.objects.get(pk=scheda.pk).state == SchedaState.CONTESTED


def test_each_demo_cycle_is_in_the_phase_its_data_shows(demo, enter):
    """A demo that says «Approvato» and offers «Passa alla fase Monitoraggio» for a year whose
    Relazione is validated and whose premiums are final misleads whoever tries it."""
    states = {
        (cycle.ente.slug, cycle.year): cycle.state for cycle in Cycle.objects.select_related("ente")
    }
    assert states == {
        ("unione-sorbara", 2024): CycleState.VALIDATED,  # the Nucleo validated the Relazione
        ("unione-sorbara", 2025): CycleState.DRAFT,
        ("consorzio-socio-assistenziale", 2021): CycleState.EVALUATION,  # schede delivered
        ("unione-casalbuttano", 2021): CycleState.EVALUATION,
    }
    for cycle in Cycle.objects.exclude(state=CycleState.DRAFT):
        assert cycle.state == phase_shown_by_data(cycle)
    sorbara = Cycle.objects.get(ente__slug="unione-sorbara", year=2024)
    client = enter(User.objects.get(username="segretario.sorbara"), sorbara.ente)
    body = client.get(reverse("planning:tree"), {"anno": 2024}).content.decode()
    assert "Passa alla fase" not in body
    assert "Validato" in body


def test_a_cycle_without_later_data_stays_approved(db):
    load_demo(setup=SMALL)
    cycle = Cycle.objects.get(ente__slug="comune-prova")
    assert cycle.state == phase_shown_by_data(cycle)


def test_a_demo_scheda_walks_through_conciliation(demo):
    from appraisal import services as appraisal
    from appraisal.models import Scheda, SchedaState

    scheda = Scheda.objects.get(
        cycle__ente__slug="unione-sorbara", cycle__year=2024, state=SchedaState.CONTESTED
    )
    nucleo = User.objects.get(username="nucleo.sorbara")
    scheda = appraisal.conciliation_schedule(
        user=nucleo, scheda=scheda, meeting_date=timezone.localdate(), notes="In sede."
    )
    assert scheda.state == SchedaState.CONCILIATION
    scheda = appraisal.conciliation_decide(
        user=nucleo,
        scheda=scheda,
        outcome="confirmed",
        outcome_text="Punteggio confermato dopo l'incontro.",
        decided_by="Nucleo di Valutazione",
    )
    scheda = appraisal.scheda_finalise(user=nucleo, scheda=scheda)
    assert scheda.state == SchedaState.FINAL


def test_the_historical_year_is_loaded_exactly(demo):
    """Only the schede waiting for the signature move to the load day."""
    from appraisal.models import Scheda

    data = json.loads((DEMO_DATA_DIR / "unione-sorbara-2024.json").read_text(encoding="utf-8"))
    loaded = {
        s.person.key: s
        for s in Scheda.objects.filter(cycle__ente__slug="unione-sorbara", cycle__year=2024)
    }
    moved = 0
    for row in data["cycle"]["schede"]:
        scheda = loaded[row["person"]]
        if row.get("total_points") is not None:
            assert scheda.total_points == Decimal(row["total_points"]), row["person"]
        written = row.get("delivered_at")
        stored = scheda.delivered_at.strftime("%Y-%m-%dT%H:%M:%SZ") if scheda.delivered_at else None
        if row.get("state") == "delivered":
            moved += 1
            assert timezone.localdate(scheda.delivered_at) == timezone.localdate()
        else:
            assert stored == written, row["person"]
    assert moved == 1
