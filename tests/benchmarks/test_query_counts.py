"""The SQL queries of the main pages do not grow with the size of the ente (issue 12 §5), and
the scores load only the people they need (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks import runner
from measurement import selectors
from organization.models import Person

pytestmark = pytest.mark.django_db

# every page but the anonymous one, which has its own count
PAGES = [
    "cruscotto dell'ente",
    "cruscotto di un'area",
    "albero del piano",
    "organigramma",
    "elenco delle persone",
    "valutazione (indice)",
    "API: obiettivi del ciclo",
    "monitoraggio di un obiettivo",
    "monitoraggio di un indicatore",
    "scheda individuale",
]


def _queries(cycle) -> dict[str, int]:
    client = runner._admin_client(cycle.ente)
    counts = {}
    for label, url, _public in runner._pages(cycle):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, label
        counts[label] = len(captured.captured_queries)
    return counts


def test_main_pages_use_as_many_queries_on_a_small_and_on_a_larger_ente(settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    small = _queries(runner.ensure_ente("small", 1))
    medium = _queries(runner.ensure_ente("medium", 1))
    for page in PAGES:
        assert medium[page] <= small[page], (page, small[page], medium[page])


def test_scores_load_the_people_answerable_not_the_whole_staff(django_assert_max_num_queries):
    cycle = runner.ensure_ente("medium", 1)
    assert Person.objects.filter(ente=cycle.ente).count() == 150
    plan = selectors._load(cycle, dt.date(2025, 12, 31))
    heads = set(cycle.ente.units.exclude(responsible=None).values_list("responsible_id", flat=True))
    assert set(plan.persons) == heads  # the synthetic objectives name the unit heads
    with django_assert_max_num_queries(20):
        board = selectors.compute_cycle_scores(cycle)
    assert {entry.person.pk for entry in board.persons} <= heads
