"""The cross-ente ranking: correct order, only the enti a user administers, stale figures never
shown, and the same number of queries whatever the number of enti."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.access import ADMIN, DIPENDENTE
from benchmarks import synthetic_national
from measurement import versions
from measurement.models import Measurement, MonitoringWindow
from measurement.selectors import compute_cycle_scores
from organization.models import Ente
from payments.models import PaymentReport
from payments.services import reports_recompute
from planning.models import Cycle
from ranking import selectors, services
from ranking.models import EnteFigure

YEAR = 2025


def _enti(count: int, first: int = 1) -> list[Ente]:
    plans = [synthetic_national.plan_ente(7, n, YEAR) for n in range(first, first + count)]
    synthetic_national.write_enti(plans)
    return [plan.ente for plan in plans]


def _with_figures(enti: list[Ente]) -> None:
    for ente in enti:
        reports_recompute(
            ente=ente, years=[YEAR], today=dt.date(YEAR + 1, 1, 31), score_objectives=False
        )
    services.refresh_performance([e.pk for e in enti], YEAR)


def _fresh_score(ente: Ente):
    cycle = Cycle.objects.get(ente=ente, year=YEAR)
    final = MonitoringWindow.objects.get(cycle=cycle, is_final=True)
    percent = compute_cycle_scores(cycle, window=final).ente_score.percent
    return percent.quantize(Decimal("0.000001"))  # as the figure stores it


@pytest.fixture
def enti(db):
    made = _enti(4)
    _with_figures(made)
    return made


def test_the_same_seed_plans_the_same_enti():
    first = synthetic_national.plan_ente(3, 12, YEAR)
    again = synthetic_national.plan_ente(3, 12, YEAR)
    other = synthetic_national.plan_ente(3, 13, YEAR)
    assert first.document == again.document
    assert (first.ente.name, first.ente.province) == (again.ente.name, again.ente.province)
    assert [i.total for i, _ in first.invoices] == [i.total for i, _ in again.invoices]
    assert first.document != other.document


def test_performance_ranking_follows_the_computed_ente_scores(enti):
    rows = selectors.ranking(YEAR, selectors.PERFORMANCE)
    expected = sorted(((_fresh_score(e), e.pk) for e in enti), key=lambda p: -p[0])
    assert [(row.value, row.ente_id) for row in rows] == expected
    assert [row.position for row in rows] == [1, 2, 3, 4]
    assert all(row.is_fresh for row in rows)


def test_payment_ranking_goes_from_the_shortest_delay(enti):
    rows = selectors.ranking(YEAR, selectors.PAYMENTS)
    reports = {r.ente_id: r.data["ente"] for r in PaymentReport.objects.filter(year=YEAR)}
    assert len(rows) == len(enti)
    delays = [row.value for row in rows]
    assert delays == sorted(delays)
    for row in rows:
        assert str(row.value) == reports[row.ente_id]["delay"]["value"]
        assert str(row.itp) == reports[row.ente_id]["annual"]["itp"]


def test_equal_figures_share_a_position(enti):
    EnteFigure.objects.filter(ente__in=enti[:2]).update(performance=50)
    EnteFigure.objects.filter(ente__in=enti[2:]).update(performance=40)
    rows = selectors.ranking(YEAR)
    assert [row.position for row in rows] == [1, 1, 3, 3]


def test_a_write_makes_the_figure_stale_until_recomputed(enti):
    changed = enti[1]
    measurement = Measurement.objects.filter(cycle__ente=changed, value__isnull=False).first()
    measurement.value = measurement.value * 3
    measurement.save()  # bumps the ente's data version
    rows = selectors.ranking(YEAR)
    stale = [row for row in rows if row.ente_id == changed.pk]
    assert stale[0].is_fresh is False
    assert stale[0].value is None and stale[0].position is None
    assert rows[-1].ente_id == changed.pk  # after every ranked ente
    assert [row.position for row in rows[:-1]] == [1, 2, 3]

    assert selectors.stale_performance(YEAR) == [changed.pk]
    assert services.refresh_stale(YEAR) == 1
    row = next(r for r in selectors.ranking(YEAR) if r.ente_id == changed.pk)
    assert row.is_fresh and row.value == _fresh_score(changed)


def test_a_bump_without_data_change_is_enough_to_hide_the_figure(enti):
    versions.bump(enti[0].pk)
    row = next(r for r in selectors.ranking(YEAR) if r.ente_id == enti[0].pk)
    assert not row.is_fresh


def test_payment_figures_follow_the_stored_report(enti):
    ente = enti[2]
    # The report recomputed outside the service (no signal): the copy is now out of date.
    later = timezone.now() + dt.timedelta(minutes=5)
    PaymentReport.objects.filter(ente=ente, year=YEAR).update(computed_at=later)
    row = next(r for r in selectors.ranking(YEAR, selectors.PAYMENTS) if r.ente_id == ente.pk)
    assert not row.is_fresh and row.value is None and row.itp is None
    assert [r.ente_id for r in selectors.unrecorded_reports(YEAR)] == [ente.pk]
    services.refresh_stale(YEAR)
    row = next(r for r in selectors.ranking(YEAR, selectors.PAYMENTS) if r.ente_id == ente.pk)
    assert row.is_fresh

    PaymentReport.objects.filter(ente=ente).delete()
    row = next(r for r in selectors.ranking(YEAR, selectors.PAYMENTS) if r.ente_id == ente.pk)
    assert not row.is_fresh


def test_a_ranking_is_one_query_whatever_the_number_of_enti(db):
    few = _enti(2)
    _with_figures(few)
    with CaptureQueriesContext(connection) as small:
        assert len(selectors.ranking(YEAR)) == 2
    _with_figures(_enti(6, first=3))
    with CaptureQueriesContext(connection) as large:
        assert len(selectors.ranking(YEAR, selectors.PAYMENTS)) == 8
    assert len(small.captured_queries) == len(large.captured_queries) == 1


def test_the_page_costs_the_same_queries_for_few_and_many_enti(db, make_user, enter):
    user = make_user("ict", is_platform_admin=True)
    client = enter(user)
    url = reverse("ranking:ente_ranking") + f"?anno={YEAR}"
    _with_figures(_enti(2))
    client.get(url)  # the first request of a session also saves the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _with_figures(_enti(5, first=3))
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_platform_administrator_sees_every_ente(enti, make_user, enter):
    client = enter(make_user("ict", is_platform_admin=True))
    response = client.get(reverse("ranking:ente_ranking"), {"anno": YEAR})
    text = response.content.decode()
    assert response.status_code == 200
    assert all(ente.name in text for ente in enti)


def test_an_administrator_of_several_enti_sees_only_them(enti, make_user, enter):
    user = make_user("segretario", enti[0], ADMIN)
    user.memberships.create(ente=enti[2], role=ADMIN)
    user.memberships.create(ente=enti[3], role=DIPENDENTE)  # not administered: not shown
    response = enter(user).get(reverse("ranking:ente_ranking"), {"anno": YEAR, "per": "payments"})
    text = response.content.decode()
    assert response.status_code == 200
    assert enti[0].name in text and enti[2].name in text
    assert enti[1].name not in text and enti[3].name not in text


@pytest.mark.parametrize("role", [ADMIN, DIPENDENTE])
def test_an_administrator_of_one_ente_or_a_user_gets_no_ranking(enti, make_user, enter, role):
    user = make_user("uno", enti[0], role)
    user.memberships.create(ente=enti[1], role=DIPENDENTE)
    response = enter(user).get(reverse("ranking:ente_ranking"))
    assert response.status_code == 403


def test_the_page_needs_a_login(client):
    response = client.get(reverse("ranking:ente_ranking"))
    assert response.status_code == 302


def test_the_page_marks_the_stale_enti(enti, make_user, enter):
    versions.bump(enti[0].pk)
    response = enter(make_user("ict", is_platform_admin=True)).get(
        reverse("ranking:ente_ranking"), {"anno": YEAR}
    )
    text = response.content.decode()
    assert "da aggiornare" in text
    assert "1 enti su 4" in text


def test_the_command_writes_csv_and_json(enti):
    out = io.StringIO()
    call_command("ente_ranking", "--year", str(YEAR), stdout=out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    ranked = selectors.ranking(YEAR)
    assert [row["ente"] for row in table] == [row.slug for row in ranked]
    assert table[0]["posizione"] == "1"

    out = io.StringIO()
    call_command(
        "ente_ranking", "--year", str(YEAR), "--by", "payments", "--format", "json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["by"] == "payments"
    assert [row["ente"] for row in data["rows"]] == [
        row.slug for row in selectors.ranking(YEAR, selectors.PAYMENTS)
    ]


def test_the_command_refreshes_the_stale_figures(enti):
    versions.bump(enti[3].pk)
    out, err = io.StringIO(), io.StringIO()
    call_command("ente_ranking", "--year", str(YEAR), "--refresh", stdout=out, stderr=err)
    assert "Ricalcolati 1 punteggi" in err.getvalue()
    assert "false" not in out.getvalue()


def test_the_national_profile_refuses_sqlite(db):
    if connection.vendor != "sqlite":
        pytest.skip("il rifiuto riguarda solo SQLite")
    with pytest.raises(CommandError, match="richiede PostgreSQL"):
        call_command("generate_synthetic", "--profile", "national", "--enti", "2")


def test_the_national_profile_builds_ranked_enti_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("il profilo national gira solo su PostgreSQL (su SQLite lo rifiuta)")
    out = io.StringIO()
    call_command("generate_synthetic", "--profile", "national", "--enti", "6", stdout=out)
    assert "Generati 6 enti" in out.getvalue()
    rows = selectors.ranking(YEAR)
    assert len(rows) == 6 and all(row.is_fresh for row in rows)
    assert all(row.is_fresh for row in selectors.ranking(YEAR, selectors.PAYMENTS))
    with pytest.raises(CommandError, match="esistono già"):
        call_command("generate_synthetic", "--profile", "national", "--enti", "6")
