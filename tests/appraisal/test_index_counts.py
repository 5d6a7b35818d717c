"""The appraisal home page counts the schede to evaluate in the database (issue 15: it loaded
every scheda of the ente to count them)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.access import access_for
from appraisal import selectors

pytestmark = pytest.mark.django_db


def _scheda_reads(queries) -> list[str]:
    """The queries that read many scheda rows (not a COUNT, nor the user's own scheda)."""
    return [
        q["sql"]
        for q in queries
        if 'FROM "appraisal_scheda"' in q["sql"]
        and "COUNT(" not in q["sql"].upper()
        and not q["sql"].endswith("LIMIT 1")
    ]


def test_index_counts_the_schede_without_loading_them(org, schede, enter):
    client = enter(org.users.admin, org.ente)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("appraisal:index"), {"anno": org.cycle.year})
    assert response.status_code == 200
    desk = selectors.schede_for_evaluator(access_for(org.users.admin, org.ente), org.cycle)
    expected = len(desk.schede)  # every scheda but the admin's own
    assert expected > 1
    assert f"{expected} schede di cui sei valutatore" in response.content.decode()
    assert _scheda_reads(captured.captured_queries) == []


@pytest.mark.parametrize("who", ["admin", "comandante", "ragioniera", "nucleo", "agente"])
def test_the_count_is_the_number_of_schede_on_the_evaluator_desk(org, schede, who):
    access = access_for(getattr(org.users, who), org.ente)
    desk = selectors.schede_for_evaluator(access, org.cycle)
    assert selectors.evaluating_count(access, org.cycle) == len(desk.schede)
