"""The scheda page reads the scheda once and records each read by someone else in one
statement; its conciliation still shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal import services
from appraisal.models import SchedaView
from tests.appraisal.test_views import deliver, detail

pytestmark = pytest.mark.django_db


def _statements(captured: CaptureQueriesContext, start: str, table: str) -> int:
    """The statements on `table` itself (not those naming it in a subquery)."""
    heads = {
        "SELECT": f'SELECT "{table}".',
        "INSERT": f'INSERT INTO "{table}" ',
        "UPDATE": f'UPDATE "{table}" ',
    }
    return sum(1 for query in captured.captured_queries if query["sql"].startswith(heads[start]))


def test_the_page_reads_the_scheda_once_and_records_the_read_in_one_insert(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.comandante, org.ente)
    client.get(detail(scheda))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(detail(scheda)).status_code == 200
    assert _statements(captured, "SELECT", "appraisal_scheda") == 1
    assert _statements(captured, "INSERT", "appraisal_schedaview") == 1
    assert _statements(captured, "UPDATE", "appraisal_schedaview") == 0
    assert _statements(captured, "SELECT", "accounts_membership") == 1
    # Every read is in the register, even two in a row by the same reader.
    assert SchedaView.objects.filter(scheda=scheda, user=org.users.comandante).count() == 2


def test_the_evaluated_persons_own_reads_are_not_recorded(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.agente, org.ente)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(detail(scheda)).status_code == 200
    assert _statements(captured, "INSERT", "appraisal_schedaview") == 0
    assert not SchedaView.objects.exists()


def test_the_conciliation_read_with_the_scheda_is_shown(org, schede, enter):
    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    services.scheda_contest(
        user=org.users.agente, scheda=scheda, reason="La collaborazione è sottovalutata."
    )
    page = enter(org.users.nucleo, org.ente).get(detail(scheda)).content.decode()
    assert "Contestata il" in page and "La collaborazione è sottovalutata." in page
    assert reverse("appraisal:conciliation_schedule", args=[scheda.pk]) in page
    plain = enter(org.users.nucleo, org.ente).get(detail(schede["impiegata"])).content.decode()
    assert "Contestata il" not in plain
