from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from accounts.access import RESPONSABILE
from organization.models import Unit, UnitKind
from planning import access, services
from planning.models import Cycle, CycleState, OperationalObjective

pytestmark = pytest.mark.django_db


def _edit(plan, user, objective, *, has_open_revision=False):
    pa = access.plan_access(user, plan.ente)
    return access.can_edit_objective(pa, objective, has_open_revision=has_open_revision)


def test_every_ente_role_reads_and_outsiders_do_not(plan):
    for name in ("admin", "comandante", "ragioniere", "dipendente", "nucleo", "giunta"):
        assert access.plan_access(getattr(plan.users, name), plan.ente)
    with pytest.raises(PermissionDenied):
        access.plan_access(plan.users.outsider, plan.ente)


def test_responsabile_leads_the_subtree_of_their_units(plan):
    pa = access.plan_access(plan.users.comandante, plan.ente)
    assert pa.led_unit_ids == {plan.pl.pk, plan.verbali.pk}
    assert _edit(plan, plan.users.comandante, plan.pl_payment)
    assert _edit(plan, plan.users.comandante, plan.pl_coordination)  # a unit below PL
    assert not _edit(plan, plan.users.comandante, plan.fin_budget)


def test_responsabile_named_among_responsibles_edits(plan):
    unitless = OperationalObjective.objects.create(
        cycle=plan.cycle, key="trasversale", title="Piano di azioni positive"
    )
    assert not _edit(plan, plan.users.comandante, unitless)
    unitless.responsibles.add(plan.comandante)
    assert _edit(plan, plan.users.comandante, unitless)
    assert _edit(plan, plan.users.ragioniere, plan.fin_budget)


def test_responsabile_without_person_edits_nothing(plan, make_user):
    user = make_user("resp-senza-persona", plan.ente, RESPONSABILE)
    assert not _edit(plan, user, plan.pl_payment)
    pa = access.plan_access(user, plan.ente)
    assert not access.can_add_objective(pa, plan.cycle, has_open_revision=False)


def test_read_only_roles_never_edit(plan):
    for user in (plan.users.dipendente, plan.users.nucleo, plan.users.giunta):
        pa = access.plan_access(user, plan.ente)
        assert not _edit(plan, user, plan.pl_payment)
        assert not access.can_manage_cycle(pa)
        assert not access.can_edit_structure(pa, plan.cycle, has_open_revision=False)
        assert not access.can_add_objective(pa, plan.cycle, has_open_revision=False)


def test_admin_and_platform_admin_manage(plan, make_user):
    platform = make_user("ict", is_platform_admin=True)
    for user in (plan.users.admin, platform):
        pa = access.plan_access(user, plan.ente)
        assert access.can_manage_cycle(pa)
        assert _edit(plan, user, plan.fin_budget)
        assert access.can_edit_structure(pa, plan.cycle, has_open_revision=False)


@pytest.mark.parametrize("state", [CycleState.PROPOSED, CycleState.APPROVED])
def test_nobody_edits_outside_draft_without_revision(plan, state):
    Cycle.objects.filter(pk=plan.cycle.pk).update(state=state)
    objective = OperationalObjective.objects.select_related("cycle").get(pk=plan.pl_payment.pk)
    assert not _edit(plan, plan.users.admin, objective)
    assert not _edit(plan, plan.users.comandante, objective)


def test_open_revision_lets_only_admins_write(plan):
    Cycle.objects.filter(pk=plan.cycle.pk).update(state=CycleState.APPROVED)
    objective = OperationalObjective.objects.select_related("cycle").get(pk=plan.pl_payment.pk)
    assert _edit(plan, plan.users.admin, objective, has_open_revision=True)
    assert not _edit(plan, plan.users.comandante, objective, has_open_revision=True)


def test_responsabile_adds_objectives_only_to_own_units(plan):
    pa = access.plan_access(plan.users.comandante, plan.ente)
    assert access.can_add_objective(pa, plan.cycle, has_open_revision=False, unit_id=plan.pl.pk)
    assert not access.can_add_objective(
        pa, plan.cycle, has_open_revision=False, unit_id=plan.finanze.pk
    )
    services.objective_create(
        user=plan.users.comandante, cycle=plan.cycle, data={"title": "Nuovo", "unit": plan.pl}
    )


def test_units_of_another_subtree_stay_out(plan):
    other = Unit.objects.create(
        ente=plan.ente, key="tributi", kind=UnitKind.SERVICE, name="Tributi", parent=plan.finanze
    )
    pa = access.plan_access(plan.users.ragioniere, plan.ente)
    assert pa.led_unit_ids == {plan.finanze.pk, other.pk}


def test_revision_window_closes(plan):
    services.cycle_propose(user=None, cycle=plan.cycle)
    services.cycle_approve(
        user=None, cycle=plan.cycle, act_number="1", act_date=dt.date(2025, 1, 20)
    )
    revision = services.revision_open(
        user=None, cycle=plan.cycle, motivation="x", date=dt.date(2025, 6, 1)
    )
    services.revision_close(user=None, revision=revision)
    objective = OperationalObjective.objects.select_related("cycle").get(pk=plan.pl_payment.pk)
    assert not _edit(plan, plan.users.admin, objective)
