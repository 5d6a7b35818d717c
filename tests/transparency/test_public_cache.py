"""The public premium pages read the art. 20 aggregates computed once per version of the data,
not every distribution line at each request, and send cache headers (issue 15)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rewards import aggregates, services
from rewards.models import DistributionLine, FundKind
from tests.rewards.builders import make_member, validate_report
from tests.rewards.conftest import staff_case as shared_population  # noqa: F401
from transparency import selectors
from transparency.caching import PUBLIC_MAX_AGE

pytestmark = pytest.mark.django_db


def _fund(case, kind, amount):
    return services.fund_create(
        user=case.admin, ente=case.ente, year=2025, kind=kind, label=str(kind), amount=amount
    )


def _finalise(case, fund):
    distribution = services.distribution_preview(user=case.admin, fund=fund, cycle=case.cycle)
    services.distribution_finalise(user=case.admin, distribution=distribution)
    return distribution


def _published(case, extra_people=0):
    for number in range(extra_people):
        make_member(case.ente, case.cycle, case.scheme, f"extra-{number:03d}", 40 + number % 20)
    validate_report(case.cycle)
    individual = _fund(case, FundKind.INDIVIDUAL, Decimal("10000.00"))
    _finalise(case, individual)
    return case


def _premi_url(case):
    return reverse("transparency:premi", args=[case.ente.slug, 2025])


def test_the_lines_are_read_once_per_version(staff_case, django_assert_max_num_queries):
    case = _published(staff_case)
    first = selectors.art20_tables(case.ente, 2025)
    # funds, final distributions, the summary of their lines: no line is loaded again
    with django_assert_max_num_queries(3) as captured:
        again = selectors.art20_tables(case.ente, 2025)
    assert again == first
    assert not any("explanation" in query["sql"] for query in captured.captured_queries)


def test_a_new_final_distribution_gives_new_tables(staff_case):
    case = _published(staff_case)
    before = selectors.art20_tables(case.ente, 2025)
    version = selectors.art20_version(case.ente, 2025)
    organisational = _fund(case, FundKind.ORGANISATIONAL, Decimal("2000.00"))
    assert selectors.art20_version(case.ente, 2025) != version  # a fund more
    _finalise(case, organisational)
    after = selectors.art20_tables(case.ente, 2025)
    assert Decimal(after["amounts"]["distributed"]) > Decimal(before["amounts"]["distributed"])


def test_the_stored_tables_are_the_computed_ones(staff_case):
    case = _published(staff_case)
    selectors.art20_tables(case.ente, 2025)  # now stored
    source = aggregates._Source.read(case.ente, 2025)
    computed = aggregates._compute_tables(case.ente, 2025, source)
    stored = selectors.art20_tables(case.ente, 2025, sees_individuals=True)
    assert stored["categories"] == [
        aggregates.shown_category(category, 0) for category in computed["categories"]
    ]
    assert stored["amounts"] == computed["amounts"]


def test_small_groups_are_still_withheld(staff_case, settings):
    case = _published(staff_case)
    public = selectors.art20_tables(case.ente, 2025)
    staff = public["categories"][1]
    assert staff["suppressed"] and all(band["count"] is None for band in staff["bands"])
    insiders = selectors.art20_tables(case.ente, 2025, sees_individuals=True)
    assert not insiders["categories"][1]["suppressed"]
    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 1
    assert not selectors.art20_tables(case.ente, 2025)["categories"][1]["suppressed"]
    # the stored copy was not changed by what a reader was shown
    assert (
        selectors.art20_tables(case.ente, 2025, sees_individuals=False)["categories"][1]["bands"]
        == insiders["categories"][1]["bands"]
    )


def test_the_page_costs_the_same_with_more_people(
    make_ente, make_user, client, settings, django_assert_max_num_queries
):
    from tests.rewards.builders import build_staff_case

    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 1
    small = _published(build_staff_case(make_ente, make_user))
    client.get(_premi_url(small))
    with django_assert_max_num_queries(12) as captured:
        small_body = client.get(_premi_url(small)).content.decode()
    small_queries = len(captured)
    large = _published(_second_case(make_ente, make_user), extra_people=40)
    assert DistributionLine.objects.filter(distribution__fund__ente=large.ente).count() == 45
    client.get(_premi_url(large))
    with django_assert_max_num_queries(small_queries):
        large_body = client.get(_premi_url(large)).content.decode()
    assert abs(len(large_body) - len(small_body)) < 600  # digits and bands, not lines


def _second_case(make_ente, make_user):
    from types import SimpleNamespace

    from accounts.access import ADMIN
    from tests.rewards.builders import make_cycle, make_scheme

    ente = make_ente("comune-grande", name="Comune di Grandiano")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    schede = [
        make_member(ente, cycle, scheme, f"base-{n}", points)
        for n, points in enumerate((58, 55, 45, 30, 10))
    ]
    admin = make_user("admin-grande", ente, ADMIN)
    return SimpleNamespace(ente=ente, cycle=cycle, scheme=scheme, schede=schede, admin=admin)


def test_cache_headers_and_not_modified(staff_case, client):
    case = _published(staff_case)
    url = _premi_url(case)
    response = client.get(url)
    assert response.status_code == 200
    assert f"max-age={PUBLIC_MAX_AGE}" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert "public" in again["Cache-Control"]
    csv = reverse("transparency:premi_csv", args=[case.ente.slug, 2025])
    assert "public" in client.get(csv)["Cache-Control"]
    _finalise(case, _fund(case, FundKind.ORGANISATIONAL, Decimal("2000.00")))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_signed_in_reader_gets_a_private_copy(staff_case, client, enter):
    case = _published(staff_case)
    anonymous = client.get(_premi_url(case))["ETag"]
    signed_in = enter(case.admin, case.ente).get(_premi_url(case))
    assert "private" in signed_in["Cache-Control"] and "public" not in signed_in["Cache-Control"]
    assert signed_in["ETag"] != anonymous


def test_missing_pages_are_not_cached(client):
    response = client.get(reverse("transparency:premi", args=["nessun-ente", 2025]))
    assert response.status_code == 404 and "public" not in response.get("Cache-Control", "")


def test_the_performance_index_has_an_etag(staff_case, client):
    url = reverse("transparency:performance", args=[staff_case.ente.slug])
    response = client.get(url)
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_a_premium_section_follows_the_distributions_and_the_withdrawals(staff_case, client):
    from documents import services as documents
    from documents.models import PublicSection

    case = _published(staff_case)
    publication = documents.publication_publish(
        user=case.admin, ente=case.ente, year=2025, section=PublicSection.DATI_PREMI
    )
    url = reverse(
        "transparency:performance_section",
        args=[case.ente.slug, 2025, PublicSection.DATI_PREMI],
    )
    index = reverse("transparency:performance", args=[case.ente.slug])
    first, listed = client.get(url), client.get(index)
    assert first.status_code == 200 and "public" in first["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    _finalise(case, _fund(case, FundKind.ORGANISATIONAL, Decimal("2000.00")))
    second = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    documents.publication_withdraw(user=case.admin, publication=publication)
    assert client.get(url, headers={"If-None-Match": second["ETag"]}).status_code == 404
    assert client.get(index, headers={"If-None-Match": listed["ETag"]}).status_code == 200


def _kept_copy_case(staff_case):
    from documents import services as documents
    from documents.models import PublicSection

    case = _published(staff_case)
    publication = documents.publication_publish(
        user=case.admin, ente=case.ente, year=2025, section=PublicSection.DATI_PREMI
    )
    section = reverse(
        "transparency:performance_section",
        args=[case.ente.slug, 2025, PublicSection.DATI_PREMI],
    )
    return case, publication, section


def test_an_anonymous_reader_gets_the_kept_copy_of_an_unchanged_page(staff_case, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case, _publication, section = _kept_copy_case(staff_case)
    index = reverse("transparency:performance", args=[case.ente.slug])
    for url in (index, section, f"{section}dati.csv", f"{section}dati.json"):
        with CaptureQueriesContext(connection) as first_queries:
            first = client.get(url)
        assert first.status_code == 200, url
        with CaptureQueriesContext(connection) as again_queries:
            again = client.get(url)
        assert again.status_code == 200 and again.content == first.content, url
        assert again["Content-Type"] == first["Content-Type"] and again["ETag"] == first["ETag"]
        # the ETag's queries only: the view did not run
        assert len(again_queries) < len(first_queries), url


def test_a_withdrawal_or_a_new_distribution_makes_the_next_copy_fresh(staff_case, client):
    from documents import services as documents

    case, publication, section = _kept_copy_case(staff_case)
    index = reverse("transparency:performance", args=[case.ente.slug])
    first, listed = client.get(section), client.get(index)
    _finalise(case, _fund(case, FundKind.ORGANISATIONAL, Decimal("2000.00")))
    second = client.get(section)
    assert second["ETag"] != first["ETag"] and second.content != first.content
    documents.publication_withdraw(user=case.admin, publication=publication)
    assert client.get(section).status_code == 404
    after = client.get(index)
    assert after["ETag"] != listed["ETag"] and after.content != listed.content


def test_a_signed_in_reader_never_gets_the_anonymous_copy(staff_case, client, enter):
    case, _publication, section = _kept_copy_case(staff_case)
    anonymous = client.get(section)
    signed_in = enter(case.admin, case.ente).get(section)
    assert signed_in.status_code == 200 and signed_in["ETag"] != anonymous["ETag"]
    assert "private" in signed_in["Cache-Control"]
