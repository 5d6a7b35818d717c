"""«Le mie scadenze» and «Invia solleciti» read the same selector: every value expected and
not entered, whatever the kind of its target — descriptive targets included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from measurement import selectors, services
from measurement.models import MonitoringWindow
from planning.models import Polarity, TargetKind

from .conftest import add_indicator

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 30)
TODAY = dt.date(2025, 7, 20)

KINDS = [
    (TargetKind.GTE, {"value": "10"}),
    (TargetKind.GT, {"value": "10"}),
    (TargetKind.LTE, {"value": "10"}),
    (TargetKind.LT, {"value": "10"}),
    (TargetKind.EQ, {"value": "10"}),
    (TargetKind.BETWEEN, {"value": "10", "value_to": "20"}),
    (TargetKind.GTE_PREVIOUS, {}),
    (TargetKind.GT_PREVIOUS, {}),
    (TargetKind.LTE_PREVIOUS, {}),
    (TargetKind.LT_PREVIOUS, {}),
    (TargetKind.BY_DATE, {"due": dt.date(2025, 9, 30), "polarity": Polarity.MILESTONE}),
    (TargetKind.VALUE, {"value": "10"}),
    (TargetKind.TEXT, {}),
]


@pytest.fixture
def every_kind(plan):
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=JUNE
    )
    plan.by_kind = {
        str(kind): add_indicator(
            plan.cycle,
            f"tipo-{kind}".replace("_", "-"),
            target_kind=kind,
            objective=plan.pl_coordination,
            name=f"Indicatore {kind}",
            **extra,
        )  # fmt: skip
        for kind, extra in KINDS
    }
    return plan


def test_every_kind_of_target_is_pending_for_its_owner(every_kind):
    plan = every_kind
    items = selectors.pending_updates(plan.cycle, plan.comandante, TODAY)
    pending = {item.indicator.pk for item in items if item.indicator is not None}
    assert {indicator.pk for indicator in plan.by_kind.values()} <= pending
    assert all(item.overdue for item in items)
    descriptive = [item for item in items if item.descriptive]
    assert [item.indicator for item in descriptive] == [plan.by_kind["text"]]


def test_the_reminders_name_what_the_pending_list_shows(every_kind, settings):
    plan = every_kind
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    listed = selectors.pending_updates(plan.cycle, plan.comandante, TODAY)
    sent = services.reminders_send(user=plan.users.admin, cycle=plan.cycle, today=TODAY)
    reminder = next(r for r in sent if r.person == plan.comandante)
    assert reminder.pending_count == len(listed)
    body = next(m for m in mail.outbox if m.to == [plan.comandante.email]).body
    for indicator in plan.by_kind.values():
        assert f"Indicatore «{indicator.name}»" in body
    assert (
        "Indicatore «Indicatore text»: grado di raggiungimento attestato al 30/06/2025 "
        "– IN RITARDO" in body
    )


def test_my_deadlines_offers_the_descriptive_target(every_kind, enter):
    plan = every_kind
    body = (
        enter(plan.users.comandante, plan.ente)
        .get(reverse("measurement:my_deadlines"))
        .content.decode()
    )
    assert "Indicatore text" in body
    assert "Grado di raggiungimento attestato (da 0 a 100)" in body


def test_without_e_mail_the_page_does_not_say_nothing_is_pending(every_kind, enter):
    plan = every_kind
    type(plan.comandante).objects.filter(ente=plan.ente).update(email="")
    client = enter(plan.users.admin, plan.ente)
    response = client.post(reverse("measurement:reminders_send", args=[plan.cycle.pk]), follow=True)
    body = response.content.decode()
    assert "non ci sono valori in attesa" not in body
    assert "da sollecitare di persona" in body and "Luca Verdi" in body


def test_nothing_is_pending_once_measurement_is_over(every_kind):
    """A validated cycle refuses values: neither the list nor the reminders ask for them."""
    from planning.models import Cycle, CycleState

    plan = every_kind
    Cycle.objects.filter(pk=plan.cycle.pk).update(state=CycleState.EVALUATION)
    plan.cycle.refresh_from_db()
    assert selectors.pending_updates(plan.cycle, plan.comandante, TODAY) == []
    assert selectors.pending_by_owner(plan.cycle, TODAY) == []


def test_the_inline_entry_of_a_descriptive_target_keeps_its_label(every_kind, enter):
    plan = every_kind
    indicator = plan.by_kind["text"]
    prefix = f"i{indicator.pk}-20250630"
    response = enter(plan.users.comandante, plan.ente).post(
        reverse("measurement:deadline_save"),
        {"indicator": indicator.pk, "period_end": "2025-06-30",
         f"{prefix}-value": "120", f"{prefix}-expected_version": "0"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    fragment = response.content.decode()
    assert "tra 0 e 100 (non 120)" in fragment
    assert "Grado di raggiungimento attestato (da 0 a 100)" in fragment
