"""After approval the cycle moves forward one phase at a time; «validato» needs the Relazione."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import MembershipRole
from core.exceptions import ServiceError
from core.models import AuditEntry
from documents.models import ReportValidation
from planning import services
from planning.models import Cycle, CycleState


@pytest.fixture
def approved(make_ente, make_user):
    ente = make_ente("fasi")
    admin = make_user("segretario", ente=ente, role=MembershipRole.ADMIN)
    giunta = make_user("giunta", ente=ente, role=MembershipRole.GIUNTA)
    cycle = Cycle.objects.create(
        ente=ente,
        year=2024,
        first_year=2024,
        last_year=2026,
        title="PIAO 2024-2026",
        state=CycleState.APPROVED,
    )
    return admin, giunta, cycle


def test_the_cycle_walks_through_its_phases_up_to_reporting(approved):
    admin, _, cycle = approved
    seen = []
    for _ in range(4):
        seen.append(services.cycle_advance(user=admin, cycle=cycle).state)
    assert seen == ["monitoring", "measurement", "evaluation", "reporting"]
    assert AuditEntry.objects.filter(action="cycle.advance").count() == 4


def test_validated_needs_the_nucleo_validation_of_the_relazione(approved):
    admin, _, cycle = approved
    cycle.state = CycleState.REPORTING
    cycle.save()
    with pytest.raises(ServiceError, match="validato la Relazione"):
        services.cycle_advance(user=admin, cycle=cycle)
    ReportValidation.objects.create(
        cycle=cycle, validated_on=dt.date(2025, 6, 20), act_label="Verbale n. 3/2025"
    )
    cycle.refresh_from_db()
    assert services.cycle_advance(user=admin, cycle=cycle).state == CycleState.VALIDATED
    with pytest.raises(ServiceError, match="non c'è una fase successiva"):
        services.cycle_advance(user=admin, cycle=cycle)


def test_a_draft_cannot_skip_the_approval(approved):
    admin, _, cycle = approved
    cycle.state = CycleState.DRAFT
    cycle.save()
    with pytest.raises(ServiceError):
        services.cycle_advance(user=admin, cycle=cycle)


def test_only_the_administrator_moves_the_cycle(approved, client):
    admin, giunta, cycle = approved
    url = reverse("planning:cycle_advance", args=[cycle.pk])
    client.force_login(giunta)
    session = client.session
    session[SESSION_KEY] = cycle.ente.pk
    session.save()
    assert client.post(url).status_code == 403
    cycle.refresh_from_db()
    assert cycle.state == CycleState.APPROVED

    client.force_login(admin)
    session = client.session
    session[SESSION_KEY] = cycle.ente.pk
    session.save()
    page = client.get(reverse("planning:tree") + "?anno=2024")
    assert "Passa alla fase «Monitoraggio»" in page.content.decode()
    assert client.post(url).status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == CycleState.MONITORING
