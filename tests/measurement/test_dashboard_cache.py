"""The body of the ente dashboard is rendered once per data version: never stale, never
another ente's, and never shown to who may not open the page.

These tests commit (transactional database): the cache is keyed by the committed data version,
and inside a writing transaction nothing is cached (which a test wrapped in one transaction
would always be).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.access import ADMIN
from core import pagecache
from measurement import services, stored
from measurement.models import PeriodKind
from planning.models import Cycle, CycleState

pytestmark = pytest.mark.django_db(transaction=True)
END = dt.date(2025, 12, 31)
URL = reverse("measurement:dashboard_ente")


@pytest.fixture(autouse=True)
def _nothing_cached():
    pagecache.clear()
    stored.forget()
    yield
    pagecache.clear()
    stored.forget()


# The CSRF token is masked afresh at every request, and the charts' element ids come from a
# counter of the process (unique within a page): the rest of the page is compared.
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")
CHART_ID = re.compile(r"grafico\d+-")


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return CHART_ID.sub("grafico-", CSRF_TOKEN.sub("<csrf>", response.content.decode()))


def _fresh(client) -> str:
    """The page as rendered with nothing cached."""
    pagecache.clear()
    stored.forget()
    return _page(client)


def test_a_second_visit_reuses_the_body_and_shows_the_same_page(plan, enter):
    client = enter(plan.users.nucleo, plan.ente)
    first = _page(client)
    hits = pagecache.stats["hits"]
    assert _page(client) == first
    assert pagecache.stats["hits"] == hits + 1
    assert _fresh(client) == first


def test_a_service_write_makes_the_next_page_fresh(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    before = _page(client)
    services.measurement_save(
        user=plan.users.admin,
        cycle=plan.cycle,
        indicator=plan.controls,
        period_kind=PeriodKind.POINT,
        period_end=END,
        value="24",
        deviation_note="Scostamento spiegato.",
    )
    after = _page(client)
    assert after != before
    assert after == _fresh(client)


def test_a_direct_save_of_a_shown_row_makes_the_next_page_fresh(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    assert "Polizia Locale" in _page(client)
    plan.pl.name = "Corpo di Polizia Municipale"
    plan.pl.save()
    after = _page(client)
    assert "Corpo di Polizia Municipale" in after and "Polizia Locale<" not in after
    assert after == _fresh(client)


def test_another_entes_user_never_gets_this_entes_page(plan, enter, make_ente, make_user):
    other = make_ente("altro-ente", name="Comune di Altrove")
    Cycle.objects.create(
        ente=other, year=2025, first_year=2025, last_year=2027, title="PIAO di Altrove",
        state=CycleState.APPROVED,
    )  # fmt: skip
    stranger = make_user("altrove-admin", other, ADMIN)
    mine = _page(enter(plan.users.admin, plan.ente))
    assert "Polizia Locale" in mine
    theirs = _page(enter(stranger, other))
    assert "Polizia Locale" not in theirs and "Comune di Altrove" in theirs


def test_the_cached_body_still_needs_access_to_the_ente(plan, enter):
    _page(enter(plan.users.admin, plan.ente))  # cached now
    # An account without a role in the ente, with the ente forced into its session.
    response = enter(plan.users.outsider, plan.ente).get(URL)
    assert response.status_code in (302, 403, 404)
    assert "Polizia Locale" not in response.content.decode()
