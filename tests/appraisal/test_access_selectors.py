from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.access import access_for
from appraisal import access, selectors, services
from appraisal.models import Scheda, SchedaView
from organization.models import Person
from planning.models import Cycle

from .conftest import YEAR, employ, manager_items, staff_items

pytestmark = pytest.mark.django_db
D = Decimal


def _aa(user, org):
    return access.appraisal_access(user, org.ente)


def test_who_reads_a_scheda(org, schede):
    agente = schede["agente"]
    u = org.users
    assert access.can_view_scheda(_aa(u.agente, org), agente)  # the evaluated person
    assert access.can_view_scheda(_aa(u.comandante, org), agente)  # the evaluator
    assert access.can_view_scheda(_aa(u.nucleo, org), agente)
    assert access.can_view_scheda(_aa(u.admin, org), agente)
    assert not access.can_view_scheda(_aa(u.giunta, org), agente)
    assert not access.can_view_scheda(_aa(u.ragioniera, org), agente)
    assert not access.can_view_scheda(_aa(u.impiegata, org), agente)
    # a plain EnteAccess works too
    assert access.can_view_scheda(access_for(u.comandante, org.ente), agente)


def test_the_chain_above_reads_but_does_not_evaluate(org, schede, make_person, make_user):
    capo = make_person(org.ente, "capo-ufficio", first_name="Rita", last_name="Oro")
    employ(capo)
    org.verbali.responsible = capo
    org.verbali.save()
    Scheda.objects.filter(pk=schede["agente"].pk).update(evaluator=capo)
    agente = Scheda.objects.get(pk=schede["agente"].pk)
    comandante = _aa(org.users.comandante, org)
    assert access.can_view_scheda(comandante, agente)
    assert not access.can_evaluate(comandante, agente)


def test_who_evaluates(org, schede):
    u = org.users
    assert access.can_evaluate(_aa(u.comandante, org), schede["agente"])
    assert not access.can_evaluate(_aa(u.nucleo, org), schede["agente"])
    assert access.can_evaluate(_aa(u.nucleo, org), schede["comandante"])
    assert not access.can_evaluate(_aa(u.comandante, org), schede["comandante"])
    assert access.can_evaluate(_aa(u.admin, org), schede["agente"])
    assert access.can_manage_schemes(_aa(u.admin, org))
    assert not access.can_manage_schemes(_aa(u.nucleo, org))


def test_another_ente_never_reads(org, schede, make_ente, make_user):
    other = make_ente("altro-ente")
    admin = make_user("admin-altro", other, "admin")
    assert not access.can_view_scheda(access.appraisal_access(admin, other), schede["agente"])


def test_views_by_others_are_logged(org, schede):
    agente = schede["agente"]
    assert access.log_view(org.users.agente, agente) is None
    view = access.log_view(org.users.nucleo, agente)
    assert view is not None and view.user == org.users.nucleo
    access.log_view(org.users.comandante, agente)
    assert SchedaView.objects.filter(scheda=agente).count() == 2


def test_evaluator_desk_with_progress(org, schede):
    services.scheda_score(user=org.users.comandante, scheda=schede["agente"], items=staff_items())
    services.scheda_propose(user=org.users.comandante, scheda=schede["agente"])
    desk = selectors.schede_for_evaluator(_aa(org.users.comandante, org), org.cycle)
    assert [s.person.key for s in desk.schede] == ["agente"]
    assert desk.counts["proposed"] == 1 and desk.counts["draft"] == 0
    nucleo = selectors.schede_for_evaluator(_aa(org.users.nucleo, org), org.cycle)
    assert {s.person.key for s in nucleo.schede} == {"segretario", "comandante", "ragioniera"}
    admin = selectors.schede_for_evaluator(_aa(org.users.admin, org), org.cycle)
    assert admin.total == 5  # every scheda but the admin's own
    with CaptureQueriesContext(connection) as ctx:
        selectors.schede_for_evaluator(_aa(org.users.ragioniera, org), org.cycle)
    assert len(ctx.captured_queries) <= 4


def test_my_scheda(org, schede):
    assert selectors.my_scheda(_aa(org.users.agente, org), org.cycle) == schede["agente"]
    assert selectors.my_scheda(_aa(org.users.giunta, org), org.cycle) is None


def test_scheda_detail_in_constant_queries(org, schede):
    agente = schede["agente"]
    services.scheda_score(user=org.users.comandante, scheda=agente, items=staff_items())
    services.scheda_propose(user=org.users.comandante, scheda=agente)
    with CaptureQueriesContext(connection) as ctx:
        detail = selectors.scheda_detail(agente)
        groups = detail.components
        labels = [t.by.username for t in detail.transitions if t.by]
        names = [i.behaviour.name for i in detail.items if i.behaviour]
    assert len(ctx.captured_queries) <= 5
    assert [c.key for c, _, _ in groups] == ["unita", "comportamenti"]
    assert groups[1][2] == D("37.80")
    assert labels == ["segretario", "comandante"]
    assert names == ["Collaborazione", "Precisione"]
    assert detail.conciliation is None and detail.contest_deadline is None


def test_nucleo_overview_anomalies(org, schede, make_person):
    # two identical scores in the Servizio finanziario
    for key in ("impiegata",):
        services.scheda_score(user=org.users.ragioniera, scheda=schede[key], items=staff_items())
    other = make_person(org.ente, "collega", first_name="Nina", last_name="Fini")
    employ(other)
    from organization.models import Assignment

    Assignment.objects.create(person=other, unit=org.finanze)
    created = services.schede_generate(user=org.users.admin, cycle=org.cycle)
    services.scheda_score(user=org.users.ragioniera, scheda=created[0], items=staff_items())
    # a negative evaluation, negative also in the two previous years
    services.scheda_score(
        user=org.users.comandante, scheda=schede["agente"], items=staff_items("0", 1, 1)
    )
    for year in (YEAR - 2, YEAR - 1):
        cycle = Cycle.objects.create(
            ente=org.ente, year=year, first_year=year, last_year=year + 2, title="PIAO"
        )
        Scheda.objects.create(
            cycle=cycle,
            person=org.people.agente,
            scheme=org.staff,
            evaluator_kind="responsabile",
            is_negative=True,
        )
    # someone employed in the year without a scheda
    late = make_person(org.ente, "ritardatario", first_name="Ezio", last_name="Tardi")
    employ(late)
    with CaptureQueriesContext(connection) as ctx:
        overview = selectors.nucleo_overview(org.cycle)
    assert len(ctx.captured_queries) <= 7
    assert [(row.unit, row.count, row.points) for row in overview.identical_units] == [
        (org.finanze, 2, D("52.20"))
    ]
    assert overview.missing == [late]
    assert [s.person.key for s in overview.negatives] == ["agente"]
    assert overview.repeated_negatives == [org.people.agente]
    assert [s.person.key for s in overview.ineligible] == ["nuovo"]


def test_aggregates_have_no_names(org, schede):
    services.scheda_score(user=org.users.comandante, scheda=schede["agente"], items=staff_items())
    services.scheda_score(
        user=org.users.ragioniera, scheda=schede["impiegata"], items=staff_items("100", 5, 5)
    )
    services.scheda_score(user=org.users.nucleo, scheda=schede["comandante"], items=manager_items())
    with CaptureQueriesContext(connection) as ctx:
        figures = selectors.aggregates(org.cycle)
    assert len(ctx.captured_queries) <= 4
    assert (figures.total, figures.scored, figures.eligible) == (6, 3, 5)
    assert figures.mean_points == D("67.40")  # (52,20 + 60 + 90) / 3
    # 52,20/60 = 87 %, 100 %, 90 % → 92,33 %
    assert figures.mean_percent == D("92.33")
    staff = {
        (b.min_points, b.premium_percent): b.count
        for b in figures.bands
        if b.scheme_name == org.staff.name
    }
    assert staff[(D("54"), D("100"))] == 1 and staff[(D("37"), D("80"))] == 1
    text = repr(figures)
    assert all(person.last_name not in text for person in Person.objects.all())
