from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry
from planning import selectors, services
from planning.models import (
    Cycle,
    CycleState,
    Indicator,
    IndicatorGroup,
    ObjectiveVersion,
    OperationalObjective,
    Phase,
    StrategicArea,
    StrategicObjective,
    Target,
    TargetKind,
    WeightGroup,
)

pytestmark = pytest.mark.django_db

ACT_DATE = dt.date(2025, 1, 30)


def _approve(plan):
    services.cycle_propose(user=plan.users.admin, cycle=plan.cycle)
    services.cycle_approve(
        user=plan.users.admin, cycle=plan.cycle, act_number="7", act_date=ACT_DATE
    )
    plan.cycle.refresh_from_db()


def _set_weight(objective, weight):
    OperationalObjective.objects.filter(pk=objective.pk).update(weight=Decimal(weight))


# --- cycles ------------------------------------------------------------------------------------


def test_cycle_create_checks_horizon_and_uniqueness(plan):
    admin = plan.users.admin
    with pytest.raises(ServiceError, match="deve cadere nel triennio 2027-2029") as error:
        services.cycle_create(
            user=admin,
            ente=plan.ente,
            data={"year": 2026, "first_year": 2027, "last_year": 2029, "title": "PIAO"},
        )
    assert error.value.field == "year"
    with pytest.raises(ServiceError, match="Esiste già un ciclo 2025"):
        services.cycle_create(user=admin, ente=plan.ente, data={"year": 2025, "title": "PIAO"})
    cycle = services.cycle_create(
        user=admin, ente=plan.ente, data={"year": 2026, "title": "PIAO 2026-2028"}
    )
    assert (cycle.first_year, cycle.last_year, cycle.state) == (2026, 2028, CycleState.DRAFT)
    assert AuditEntry.objects.filter(action="cycle.create", object_id=str(cycle.pk)).exists()


def test_cycle_create_needs_an_admin(plan):
    with pytest.raises(AccessDenied):
        services.cycle_create(
            user=plan.users.comandante, ente=plan.ente, data={"year": 2026, "title": "PIAO"}
        )


def test_cycle_update_only_in_draft(plan):
    services.cycle_update(user=plan.users.admin, cycle=plan.cycle, data={"subtitle": "Sez. 2.2"})
    assert Cycle.objects.get(pk=plan.cycle.pk).subtitle == "Sez. 2.2"
    _approve(plan)
    with pytest.raises(ServiceError, match="solo finché il piano 2025 è in bozza"):
        services.cycle_update(user=plan.users.admin, cycle=plan.cycle, data={"subtitle": "x"})


# --- proposal and weights ----------------------------------------------------------------------


def test_propose_lists_every_group_off_total_and_loose_weights(plan):
    _set_weight(plan.pl_coordination, "65")
    _set_weight(plan.fin_budget, "75")
    OperationalObjective.objects.create(
        cycle=plan.cycle, key="protezione-civile", title="Protezione civile", weight=Decimal("5")
    )
    with pytest.raises(ServiceError) as error:
        services.cycle_propose(user=plan.users.admin, cycle=plan.cycle)
    message = error.value.message
    assert "Il gruppo «Polizia Locale» totalizza 95,00\u00a0% invece di 100,00\u00a0%" in message
    assert (
        "Il gruppo «Servizio finanziario» totalizza 105,00\u00a0% invece di 100,00\u00a0%"
        in message
    )
    assert "L'obiettivo «Protezione civile» ha un peso (5,00\u00a0%) ma nessun gruppo" in message
    assert len(error.value.problems) == 3
    plan.cycle.refresh_from_db()
    assert plan.cycle.state == CycleState.DRAFT


@pytest.mark.parametrize(
    ("weight", "accepted"),
    [("69.95", True), ("70.05", True), ("69.94", False), ("70.06", False)],
)
def test_propose_tolerance_is_five_hundredths(plan, weight, accepted):
    _set_weight(plan.pl_coordination, weight)
    if accepted:
        services.cycle_propose(user=plan.users.admin, cycle=plan.cycle)
        assert plan.cycle.state == CycleState.PROPOSED
    else:
        with pytest.raises(ServiceError, match="«Polizia Locale» totalizza"):
            services.cycle_propose(user=plan.users.admin, cycle=plan.cycle)


def test_non_round_weights_add_up(plan):
    # Servizi educativi: 11,11 × 8 + 11,12 = 100.
    group = services.weight_group_create(
        user=plan.users.admin, cycle=plan.cycle, data={"label": "Servizi educativi"}
    )
    for index in range(9):
        services.objective_create(
            user=plan.users.admin,
            cycle=plan.cycle,
            data={
                "title": f"Obiettivo educativo {index + 1}",
                "weight_group": group,
                "weight": "11.12" if index == 8 else "11.11",
            },
        )
    assert not services.proposal_problems(plan.cycle)


def test_objective_weight_must_be_a_percentage(plan):
    with pytest.raises(ServiceError) as error:
        services.objective_update(
            user=plan.users.admin, objective=plan.pl_coordination, data={"weight": "120"}
        )
    assert error.value.field == "weight"
    assert "Il peso dell'obiettivo «Istituzione di un ufficio di coordinamento»" in str(error.value)


def test_objective_rejects_group_of_another_cycle(plan):
    other = services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)
    foreign = other.weight_groups.get(key="polizia-locale")
    with pytest.raises(ServiceError, match="non appartiene al piano 2025"):
        services.objective_update(
            user=plan.users.admin, objective=plan.pl_payment, data={"weight_group": foreign}
        )


# --- approval and immutability -----------------------------------------------------------------


def test_approve_only_from_proposed_and_needs_the_act(plan):
    with pytest.raises(ServiceError, match="Si approva solo un piano proposto"):
        services.cycle_approve(
            user=plan.users.admin, cycle=plan.cycle, act_number="7", act_date=ACT_DATE
        )
    services.cycle_propose(user=plan.users.admin, cycle=plan.cycle)
    with pytest.raises(ServiceError, match="numero della delibera") as error:
        services.cycle_approve(
            user=plan.users.admin, cycle=plan.cycle, act_number=" ", act_date=ACT_DATE
        )
    assert error.value.field == "act_number"
    with pytest.raises(ServiceError, match="data della delibera"):
        services.cycle_approve(
            user=plan.users.admin, cycle=plan.cycle, act_number="7", act_date=None
        )


def test_approve_records_act_and_snapshots_every_objective(plan):
    _approve(plan)
    assert plan.cycle.state == CycleState.APPROVED
    assert plan.cycle.approval_act_number == "7"
    assert plan.cycle.approval_body == plan.ente.governing_body
    versions = ObjectiveVersion.objects.filter(objective__cycle=plan.cycle)
    assert versions.count() == 4
    version = versions.get(objective=plan.pl_coordination)
    assert version.number == 1 and version.revision is None
    assert version.data["weight"] == "70.00"
    assert version.data["phases"][0]["label"] == "a)"
    assert version.data["indicators"][0]["targets"][0]["text"] == "n. 30"


def test_approved_plan_refuses_every_content_write(plan):
    _approve(plan)
    admin = plan.users.admin
    message = "è approvato e non si modifica: apri una revisione"
    with pytest.raises(ServiceError, match=message):
        services.objective_update(user=admin, objective=plan.pl_payment, data={"weight": "31"})
    with pytest.raises(ServiceError, match=message):
        services.phase_create(
            user=admin, objective=plan.pl_payment, data={"description": "Nuova fase"}
        )
    with pytest.raises(ServiceError, match=message):
        services.target_set(
            user=admin, indicator=plan.controls, year=2025, data={"kind": "gte", "value": "40"}
        )
    with pytest.raises(ServiceError, match=message):
        services.objective_create(user=admin, cycle=plan.cycle, data={"title": "Nuovo"})
    assert OperationalObjective.objects.get(pk=plan.pl_payment.pk).weight == Decimal("30")


def test_proposed_plan_is_frozen_until_returned_to_draft(plan):
    services.cycle_propose(user=plan.users.admin, cycle=plan.cycle)
    with pytest.raises(ServiceError, match="riportalo prima in bozza"):
        services.objective_update(
            user=plan.users.admin, objective=plan.pl_payment, data={"weight": "31"}
        )
    with pytest.raises(ServiceError, match="motivo"):
        services.cycle_return_to_draft(user=plan.users.admin, cycle=plan.cycle, reason="")
    services.cycle_return_to_draft(
        user=plan.users.admin, cycle=plan.cycle, reason="Manca l'obiettivo sul PNRR"
    )
    assert plan.cycle.state == CycleState.DRAFT
    entry = AuditEntry.objects.get(action="cycle.return_to_draft")
    assert entry.changes["reason"] == [None, "Manca l'obiettivo sul PNRR"]


def test_revision_creates_versions_and_keeps_history(plan):
    _approve(plan)
    admin = plan.users.admin
    with pytest.raises(ServiceError, match="motivazione"):
        services.revision_open(user=admin, cycle=plan.cycle, motivation="", date=ACT_DATE)
    revision = services.revision_open(
        user=admin,
        cycle=plan.cycle,
        motivation="Nuovo regolamento regionale",
        date=dt.date(2025, 7, 1),
    )
    with pytest.raises(ServiceError, match="già una revisione aperta"):
        services.revision_open(user=admin, cycle=plan.cycle, motivation="x", date=ACT_DATE)

    services.objective_update(user=admin, objective=plan.pl_coordination, data={"weight": "60"})
    services.objective_update(user=admin, objective=plan.pl_payment, data={"weight": "40"})
    services.phase_create(
        user=admin, objective=plan.pl_coordination, data={"description": "Azione b)"}
    )
    history = list(plan.pl_coordination.versions.order_by("number"))
    assert [v.number for v in history] == [1, 2]
    assert history[0].data["weight"] == "70.00"
    assert history[1].revision == revision
    assert history[1].data["weight"] == "60.00"
    assert len(history[1].data["phases"]) == 2  # the same version follows the whole revision
    assert "Nuovo regolamento regionale" in history[1].reason

    services.revision_close(user=admin, revision=revision)
    with pytest.raises(ServiceError, match="apri una revisione"):
        services.objective_update(user=admin, objective=plan.pl_payment, data={"weight": "30"})


def test_revision_on_imported_plan_keeps_the_approved_text_first(plan):
    # Imported plans arrive approved, without versions.
    Cycle.objects.filter(pk=plan.cycle.pk).update(state=CycleState.APPROVED)
    plan.cycle.refresh_from_db()
    revision = services.revision_open(
        user=None, cycle=plan.cycle, motivation="Correzione", date=ACT_DATE
    )
    objective = OperationalObjective.objects.get(pk=plan.pl_payment.pk)
    services.objective_update(user=None, objective=objective, data={"weight": "35"})
    versions = list(objective.versions.order_by("number"))
    assert [(v.number, v.revision_id, v.data["weight"]) for v in versions] == [
        (1, None, "30.00"),
        (2, revision.pk, "35.00"),
    ]


def test_objective_added_under_revision_gets_its_first_version(plan):
    _approve(plan)
    revision = services.revision_open(
        user=plan.users.admin, cycle=plan.cycle, motivation="Obiettivo PNRR", date=ACT_DATE
    )
    objective = services.objective_create(
        user=plan.users.admin, cycle=plan.cycle, data={"title": "Digitalizzazione verbali"}
    )
    version = objective.versions.get()
    assert version.revision == revision and version.number == 1
    assert version.reason.startswith("Inserito con la revisione n. 1")


def test_approved_objective_is_never_deleted(plan):
    _approve(plan)
    services.revision_open(user=None, cycle=plan.cycle, motivation="x", date=ACT_DATE)
    with pytest.raises(ServiceError, match="non si elimina"):
        services.objective_delete(user=plan.users.admin, objective=plan.pl_payment)


def test_under_revision_only_admins_write(plan):
    _approve(plan)
    services.revision_open(user=None, cycle=plan.cycle, motivation="x", date=ACT_DATE)
    with pytest.raises(AccessDenied):
        services.objective_update(
            user=plan.users.comandante, objective=plan.pl_coordination, data={"weight": "60"}
        )


# --- responsabili ------------------------------------------------------------------------------


def test_responsabile_edits_own_units_only(plan):
    services.objective_update(
        user=plan.users.comandante, objective=plan.pl_coordination, data={"weight": "60"}
    )
    with pytest.raises(AccessDenied):
        services.objective_update(
            user=plan.users.comandante, objective=plan.fin_budget, data={"weight": "60"}
        )
    with pytest.raises(AccessDenied):
        services.objective_update(
            user=plan.users.comandante,
            objective=plan.pl_coordination,
            data={"unit": plan.finanze},
        )
    assert OperationalObjective.objects.get(pk=plan.pl_coordination.pk).unit == plan.verbali


def test_readers_cannot_write(plan):
    for user in (plan.users.dipendente, plan.users.nucleo, plan.users.giunta, plan.users.outsider):
        with pytest.raises(AccessDenied):
            services.objective_update(user=user, objective=plan.pl_payment, data={"weight": "1"})


# --- phases, indicators, targets ---------------------------------------------------------------


def test_phase_validation(plan):
    with pytest.raises(ServiceError, match="descrizione della fase") as error:
        services.phase_create(user=plan.users.admin, objective=plan.pl_payment, data={})
    assert error.value.field == "description"
    with pytest.raises(ServiceError, match="precede l'inizio"):
        services.phase_create(
            user=plan.users.admin,
            objective=plan.pl_payment,
            data={
                "description": "Verifica",
                "planned_start": dt.date(2025, 6, 1),
                "planned_end": dt.date(2025, 3, 1),
            },
        )
    phase = services.phase_create(
        user=plan.users.comandante, objective=plan.pl_payment, data={"description": "Verifica"}
    )
    services.phase_update(user=plan.users.comandante, phase=phase, data={"label": "1."})
    services.phase_delete(user=plan.users.comandante, phase=phase)
    assert not Phase.objects.filter(pk=phase.pk).exists()
    assert list(
        AuditEntry.objects.filter(object_type="planning.Phase").values_list("action", flat=True)
    ) == ["phase.delete", "phase.update", "phase.create"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "between", "value": "800", "value_to": "700"}, "value_to", "minimo deve essere"),
        ({"kind": "between", "value": "700"}, "value_to", "valore minimo e il valore massimo"),
        ({"kind": "by_date"}, "target_date", "serve la data"),
        ({"kind": "gte"}, "value", "serve il valore"),
        ({"kind": "lte", "text": "≤ 8 gg"}, "value", "serve il valore"),
        ({"kind": "eq"}, "value", "serve il valore"),
        ({"kind": "value"}, "value", "serve il valore"),
        ({"kind": "text", "text": "  "}, "text", "richiede il testo"),
        ({"kind": "maggiore"}, "kind", "non previsto"),
    ],
)
def test_target_validation_by_kind(plan, data, field, message):
    with pytest.raises(ServiceError, match=message) as error:
        services.target_set(user=plan.users.admin, indicator=plan.controls, year=2026, data=data)
    assert error.value.field == field
    assert str(error.value).startswith("Target 2026")


def test_target_set_replaces_the_year_and_checks_horizon(plan):
    services.target_set(
        user=plan.users.comandante,
        indicator=plan.controls,
        year=2025,
        data={"kind": "between", "value": "700", "value_to": "800", "text": "700 - 800"},
    )
    target = Target.objects.get(indicator=plan.controls, year=2025)
    assert (target.kind, target.value, target.value_to) == (TargetKind.BETWEEN, 700, 800)
    services.target_set(
        user=plan.users.admin,
        indicator=plan.controls,
        year=2026,
        data={"kind": "by_date", "target_date": dt.date(2026, 3, 31)},
    )
    assert plan.controls.targets.count() == 2
    with pytest.raises(ServiceError, match="fuori dal triennio 2025-2027"):
        services.target_set(
            user=plan.users.admin, indicator=plan.controls, year=2030, data={"kind": "gte"}
        )
    services.target_clear(user=plan.users.admin, indicator=plan.controls, year=2026)
    assert plan.controls.targets.count() == 1


def test_indicator_create_and_phase_must_belong_to_objective(plan):
    phase = plan.pl_coordination.phases.get()
    with pytest.raises(ServiceError, match="non è una fase di questo obiettivo"):
        services.indicator_create(
            user=plan.users.admin,
            cycle=plan.cycle,
            data={"name": "Controlli", "objective": plan.pl_payment, "phase": phase},
        )
    indicator = services.indicator_create(
        user=plan.users.comandante,
        cycle=plan.cycle,
        data={"name": "Controlli commerciali", "objective": plan.pl_coordination, "phase": phase},
    )
    assert indicator.key == "controlli-commerciali"
    services.indicator_update(user=plan.users.comandante, indicator=indicator, data={"code": "C2"})
    assert Indicator.objects.get(pk=indicator.pk).code == "C2"
    services.indicator_delete(user=plan.users.comandante, indicator=indicator)


def test_ente_indicator_needs_an_admin(plan):
    with pytest.raises(AccessDenied):
        services.indicator_create(
            user=plan.users.comandante, cycle=plan.cycle, data={"name": "Rigidità"}
        )
    indicator = services.indicator_create(
        user=plan.users.admin, cycle=plan.cycle, data={"name": "Rigidità strutturale"}
    )
    assert indicator.scope == "ente"


# --- strategic layer, keys, audit --------------------------------------------------------------


def test_generated_keys_are_unique_in_the_cycle(plan):
    first = services.objective_create(
        user=plan.users.admin, cycle=plan.cycle, data={"title": "Istituzione di un ufficio"}
    )
    second = services.objective_create(
        user=plan.users.admin, cycle=plan.cycle, data={"title": "Istituzione di un ufficio"}
    )
    assert (first.key, second.key) == ("istituzione-di-un-ufficio", "istituzione-di-un-ufficio-2")
    assert first.years == [2025]


def test_strategic_layer_crud(plan):
    admin = plan.users.admin
    area = services.strategic_area_create(
        user=admin, cycle=plan.cycle, data={"name": "Sicurezza urbana"}
    )
    strategic = services.strategic_objective_create(
        user=admin,
        cycle=plan.cycle,
        data={"title": "Un territorio sicuro", "area": area, "units": [plan.pl]},
    )
    assert list(strategic.units.all()) == [plan.pl]
    services.strategic_objective_update(
        user=admin, strategic=strategic, data={"mission_code": "03"}
    )
    services.strategic_area_update(user=admin, area=area, data={"code": "A1"})
    with pytest.raises(ServiceError, match="obbligatori"):
        services.strategic_area_update(user=admin, area=area, data={"name": ""})
    with pytest.raises(AccessDenied):
        services.strategic_area_create(
            user=plan.users.comandante, cycle=plan.cycle, data={"name": "Altro"}
        )
    services.strategic_objective_delete(user=admin, strategic=strategic)
    services.strategic_area_delete(user=admin, area=area)
    assert not StrategicArea.objects.exists() and not StrategicObjective.objects.exists()


def test_weight_group_validation(plan):
    with pytest.raises(ServiceError, match="totale atteso") as error:
        services.weight_group_update(
            user=plan.users.admin, group=plan.pl_group, data={"expected_total": "0"}
        )
    assert error.value.field == "expected_total"
    services.weight_group_update(
        user=plan.users.admin, group=plan.pl_group, data={"expected_total": "70"}
    )
    assert services.proposal_problems(plan.cycle) == [
        "Il gruppo «Polizia Locale» totalizza 100,00\u00a0% invece di 70,00\u00a0%"
    ]


def test_update_writes_audit_diff(plan):
    services.objective_update(
        user=plan.users.comandante,
        objective=plan.pl_coordination,
        data={"weight": Decimal("60"), "responsibles": [plan.comandante]},
    )
    entry = AuditEntry.objects.get(action="objective.update")
    assert entry.user == plan.users.comandante
    assert entry.ente == plan.ente
    assert entry.changes["weight"] == ["70.00", "60.00"]
    assert entry.changes["responsibles"] == [[], [plan.comandante.pk]]
    assert "updated_at" not in entry.changes


# --- next year's plan --------------------------------------------------------------------------


def test_copy_as_draft_copies_the_whole_plan(plan):
    area = StrategicArea.objects.create(cycle=plan.cycle, key="sicurezza", name="Sicurezza")
    strategic = StrategicObjective.objects.create(
        cycle=plan.cycle, key="territorio", title="Territorio sicuro", area=area
    )
    strategic.units.add(plan.pl)
    OperationalObjective.objects.filter(pk=plan.pl_coordination.pk).update(
        strategic_objective=strategic, deadline=dt.date(2025, 12, 31), years=[2025]
    )
    Phase.objects.filter(objective=plan.pl_coordination).update(actual_text="fatto")
    Indicator.objects.filter(pk=plan.controls.pk).update(phase=plan.pl_coordination.phases.get())
    _approve(plan)

    new = services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)

    assert (new.year, new.first_year, new.last_year) == (2026, 2026, 2028)
    assert new.state == CycleState.DRAFT and new.title == "PIAO 2026-2028"
    assert not new.approval_act_number
    copy = new.operational_objectives.get(key="pl-coordinamento")
    assert copy.weight == Decimal("70") and copy.weight_group.cycle == new
    assert copy.strategic_objective.cycle == new
    assert copy.strategic_objective.area.cycle == new
    assert list(copy.strategic_objective.units.all()) == [plan.pl]
    assert copy.deadline == dt.date(2026, 12, 31) and copy.years == [2026]
    phase = copy.phases.get()
    assert phase.actual_text == ""
    indicator = copy.indicators.get()
    assert indicator.cycle == new and indicator.phase == phase
    # No 2026 target was written: the 2025 one moves forward to be reviewed.
    assert [(t.year, t.text) for t in indicator.targets.all()] == [(2026, "n. 30")]
    assert new.operational_objectives.count() == 4
    budget = new.operational_objectives.get(key="bilancio")
    assert list(budget.responsibles.all()) == [plan.ragioniere]
    assert not ObjectiveVersion.objects.filter(objective__cycle=new).exists()
    assert not services.proposal_problems(new)
    # The source stays untouched.
    assert plan.cycle.operational_objectives.count() == 4
    entry = AuditEntry.objects.get(action="cycle.copy_as_draft")
    assert entry.user is None and entry.changes["copied_from"] == [None, plan.cycle.pk]


def test_copy_as_draft_refuses_an_existing_year_and_non_admins(plan):
    with pytest.raises(ServiceError, match="Esiste già un ciclo 2025"):
        services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2025)
    with pytest.raises(AccessDenied):
        services.cycle_copy_as_draft(user=plan.users.comandante, cycle=plan.cycle, year=2026)


def test_copy_keeps_targets_written_for_the_new_horizon(plan):
    for year, value in [(2026, "35"), (2027, "40")]:
        services.target_set(
            user=None, indicator=plan.controls, year=year, data={"kind": "gte", "value": value}
        )
    services.target_set(
        user=None,
        indicator=plan.controls,
        year=2025,
        data={"kind": "by_date", "target_date": dt.date(2025, 3, 31)},
    )
    new = services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)
    indicator = new.indicators.get(key="controlli-edilizi")
    assert [(t.year, t.value) for t in indicator.targets.all()] == [(2026, 35), (2027, 40)]
    copy = services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2028)
    moved = copy.indicators.get(key="controlli-edilizi").targets.get()
    assert (moved.year, moved.value) == (2028, 40)


def test_copy_moves_the_years_of_the_horizon_in_titles(plan):
    Cycle.objects.filter(pk=plan.cycle.pk).update(
        title="PIAO 2025 – 2027 (D.Lgs. 150/2009, DL 80/2021)",
        subtitle="Obiettivi specifici Triennio 2025-2027, dati 2023",
    )
    plan.cycle.refresh_from_db()
    new = services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)
    assert new.title == "PIAO 2026 – 2028 (D.Lgs. 150/2009, DL 80/2021)"
    assert new.subtitle == "Obiettivi specifici Triennio 2026-2028, dati 2023"


def test_copy_moves_the_years_in_the_titles_of_groups_and_sections_and_says_so(plan):
    WeightGroup.objects.filter(pk=plan.pl_group.pk).update(
        label="Polizia Locale – Obiettivi operativi specifici 2025"
    )
    section = IndicatorGroup.objects.create(
        cycle=plan.cycle, key="sezione", title="Indicatori di salute 2025 (dati 2023)"
    )
    heading = "Servizio BILANCIO – OBIETTIVI OPERATIVI SPECIFICI 2025"
    OperationalObjective.objects.filter(cycle=plan.cycle, unit=plan.finanze).update(section=heading)
    new = services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)
    group = new.weight_groups.get(key=plan.pl_group.key)
    assert group.label == "Polizia Locale – Obiettivi operativi specifici 2026"
    title = new.indicator_groups.get(key=section.key).title
    assert title == "Indicatori di salute 2026 (dati 2023)"
    assert ("Gruppo di pesatura", "Polizia Locale – Obiettivi operativi specifici 2025",
            "Polizia Locale – Obiettivi operativi specifici 2026") in [
        (c.what, c.before, c.after) for c in new.renamed
    ]  # fmt: skip
    assert any(c.what == "Sezione di indicatori" for c in new.renamed)
    assert {o.section for o in new.operational_objectives.filter(unit=plan.finanze)} == {
        "Servizio BILANCIO – OBIETTIVI OPERATIVI SPECIFICI 2026"
    }
    # Two objectives share the heading: the change is listed once.
    assert [c.before for c in new.renamed if c.what == "Sezione del piano"] == [heading]
    entry = AuditEntry.objects.get(action="cycle.copy_as_draft")
    assert [
        "Gruppo di pesatura",
        "Polizia Locale – Obiettivi operativi specifici 2025",
        "Polizia Locale – Obiettivi operativi specifici 2026",
    ] in entry.changes["renamed"][1]


def test_copy_carries_a_multi_year_objective_with_its_years_and_dates(plan):
    OperationalObjective.objects.filter(pk=plan.pl_coordination.pk).update(
        years=[2025, 2026], deadline=dt.date(2026, 12, 31)
    )
    new = services.cycle_copy_as_draft(user=None, cycle=plan.cycle, year=2026)
    copy = new.operational_objectives.get(key="pl-coordinamento")
    assert copy.years == [2026] and copy.deadline == dt.date(2026, 12, 31)


# --- multi-year plans: the weights of each year add up on their own ---------------------------


def test_a_group_totals_the_weights_of_the_cycle_year_only(plan):
    # A 2026-2027 objective of the same group: its weight belongs to those years' plans.
    OperationalObjective.objects.create(
        cycle=plan.cycle, key="pl-biennio", title="Videosorveglianza", unit=plan.pl,
        weight_group=plan.pl_group, weight=Decimal("100"), years=[2026, 2027], order=9,
    )  # fmt: skip
    assert not services.proposal_problems(plan.cycle)
    later = WeightGroup.objects.create(
        cycle=plan.cycle, key="biennio", kind="altro", label="Obiettivi 2026-2027",
        years=[2026, 2027], expected_total=Decimal("100"),
    )  # fmt: skip
    OperationalObjective.objects.create(
        cycle=plan.cycle, key="sportello", title="Sportello", unit=plan.pl,
        weight_group=later, weight=Decimal("60"), order=10,
    )  # fmt: skip
    # A group of later years is checked on its own first year.
    assert services.proposal_problems(plan.cycle) == [
        "Il gruppo «Obiettivi 2026-2027» totalizza 60,00\u00a0% invece di 100,00\u00a0%"
    ]
    running = selectors.weight_total_with(plan.pl_group, objective=None, weight=Decimal("10"))
    assert running.total == Decimal("110")
