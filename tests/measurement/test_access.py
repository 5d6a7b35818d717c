from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from accounts.access import access_for
from measurement import access as rules
from measurement.models import ObjectiveDelegate

from .conftest import store

pytestmark = pytest.mark.django_db


def rights(plan, name):
    return rules.measurement_access(getattr(plan.users, name), plan.ente)


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("admin", {"controls", "pl_days", "fin_days", "budget_done", "staff_cost", "deposits"}),
        # leads Polizia Locale and, through it, the Ufficio verbali below
        ("comandante", {"controls", "pl_days"}),
        ("ragioniere", {"fin_days", "budget_done"}),
        # leads the service of the unit-level indicator table
        ("sismico", {"deposits"}),
        ("agente", set()),
        ("nucleo", set()),
        ("giunta", set()),
    ],
)
def test_who_enters_values_of_which_indicator(plan, user, allowed):
    ma = rights(plan, user)
    names = ("controls", "pl_days", "fin_days", "budget_done", "staff_cost", "deposits")
    assert {name for name in names if rules.can_enter(ma, getattr(plan, name))} == allowed
    assert rules.can_read(ma)


def test_named_responsibles_and_delegates_enter_values(plan, make_person, make_user):
    from accounts.access import RESPONSABILE

    other = make_person(plan.ente, "vice", first_name="Rita", last_name="Rosa")
    vice = make_user("vice", plan.ente, RESPONSABILE, person=other)
    plan.pl_coordination.responsibles.add(other)
    assert rules.can_enter(rules.measurement_access(vice, plan.ente), plan.controls)
    assert not rules.can_enter(rules.measurement_access(vice, plan.ente), plan.fin_days)

    assert not rules.can_enter(rights(plan, "agente"), plan.controls)
    ObjectiveDelegate.objects.create(objective=plan.pl_coordination, person=plan.agente)
    delegate = rights(plan, "agente")
    assert rules.can_enter(delegate, plan.controls)
    assert rules.can_update_phase(delegate, plan.phase)
    assert not rules.can_enter(delegate, plan.pl_days)  # another objective
    assert not rules.can_manage_delegates(delegate, plan.pl_coordination)


def test_parameters_belong_to_the_service_lead(plan):
    assert rules.can_enter_parameter(rights(plan, "sismico"), plan.handled)
    assert rules.can_enter_parameter(rights(plan, "admin"), plan.handled)
    assert not rules.can_enter_parameter(rights(plan, "comandante"), plan.handled)


def test_approval_needs_the_unit_lead_and_another_user(plan):
    measurement = store(
        plan.controls, cycle=plan.cycle, day=dt.date(2025, 6, 30), value="31",
        entered_by=plan.users.comandante,
    )  # fmt: skip
    assert not rules.can_approve(rights(plan, "comandante"), measurement)
    assert rules.can_correct(rights(plan, "comandante"), measurement)
    assert rules.can_approve(rights(plan, "admin"), measurement)
    assert not rules.can_approve(rights(plan, "ragioniere"), measurement)
    assert not rules.can_approve(rights(plan, "agente"), measurement)
    measurement.entered_by = plan.users.agente
    assert rules.can_approve(rights(plan, "comandante"), measurement)
    parameter_value = store(
        parameter=plan.handled, cycle=plan.cycle, day=dt.date(2025, 6, 30), value="3"
    )
    assert rules.can_approve(rights(plan, "sismico"), parameter_value)
    assert not rules.can_approve(rights(plan, "comandante"), parameter_value)


@pytest.mark.parametrize(
    ("user", "admin_rights"),
    [
        ("admin", True),
        ("comandante", False),
        ("agente", False),
        ("nucleo", False),
        ("giunta", False),
    ],
)
def test_windows_reminders_and_smvp_are_for_admins(plan, user, admin_rights):
    ma = rights(plan, user)
    assert rules.can_manage_windows(ma) is admin_rights
    assert rules.can_send_reminders(ma) is admin_rights
    assert rules.can_edit_smvp(ma) is admin_rights
    assert rules.can_see_coverage(ma) is admin_rights


def test_the_plain_ente_access_is_accepted_too(plan):
    access = access_for(plan.users.comandante, plan.ente)
    assert rules.can_enter(access, plan.controls)
    assert not rules.can_enter(access, plan.fin_days)


def test_outsiders_have_no_access(plan, make_ente, make_user):
    with pytest.raises(PermissionDenied):
        rules.measurement_access(plan.users.outsider, plan.ente)
    other_ente = make_ente("altro-ente")
    from accounts.access import ADMIN

    foreign_admin = make_user("admin-altrove", other_ente, ADMIN)
    with pytest.raises(PermissionDenied):
        rules.measurement_access(foreign_admin, plan.ente)
