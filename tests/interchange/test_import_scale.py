"""The import's SQL does not grow with the file (issue 12 §2, issue 15): it runs on SQLite
and, with DATABASE_URL pointing at PostgreSQL, on PostgreSQL."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal.models import SchedaTransition
from benchmarks.synthetic import Profile, build_document
from interchange.importer import import_cycle
from measurement.models import Measurement
from planning.models import Indicator

# Two synthetic enti of the same shape, the second with four times the people and schede and
# twice the objectives. Both stay within one statement per list, also under SQLite's limit
# of 999 parameters per statement (48 measurements in both), so any statement per row
# or per object would show as a difference.
SMALLER = Profile("scala-1", "ente di prova", 2, 4, 6, 12, 10)
LARGER = Profile("scala-4", "ente di prova", 2, 4, 12, 12, 40)


def _import_queries(profile: Profile) -> tuple[int, int]:
    document = build_document(profile, seed=5)
    with CaptureQueriesContext(connection) as context:
        cycle = import_cycle(document)
    assert Indicator.objects.filter(cycle=cycle).count() == profile.indicators
    assert Measurement.objects.filter(cycle=cycle).count() == 4 * profile.indicators
    assert SchedaTransition.objects.filter(scheda__cycle=cycle).count() == profile.people
    return len(context.captured_queries), len(document["cycle"]["schede"])


def test_the_import_of_a_synthetic_file_uses_the_same_queries_at_any_size(db):
    small_queries, small_schede = _import_queries(SMALLER)
    large_queries, large_schede = _import_queries(LARGER)
    assert large_schede >= 4 * small_schede
    assert large_queries == small_queries
