"""The public page «Dati relativi ai premi» (art. 20 D.Lgs. 33/2013) and its CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from rewards import services
from rewards.models import FundKind
from tests.rewards.builders import validate_report
from tests.rewards.conftest import staff_case as shared_population  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(staff_case):
    validate_report(staff_case.cycle)
    fund = services.fund_create(
        user=staff_case.admin,
        ente=staff_case.ente,
        year=2025,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount=Decimal("10000.00"),
    )
    services.fund_create(
        user=staff_case.admin,
        ente=staff_case.ente,
        year=2025,
        kind=FundKind.ORGANISATIONAL,
        label="Performance organizzativa",
        amount=Decimal("2000.00"),
    )
    distribution = services.distribution_preview(
        user=staff_case.admin, fund=fund, cycle=staff_case.cycle
    )
    services.distribution_finalise(user=staff_case.admin, distribution=distribution)
    return staff_case


def names(case):
    return [s.person.last_name for s in case.schede] + [s.person.first_name for s in case.schede]


def test_public_page_without_login_and_without_names(client, published, settings):
    url = reverse("transparency:premi", args=[published.ente.slug, 2025])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dati relativi ai premi 2025" in body
    assert "stanziati 12.000,00\u00a0€" in body
    # Five dipendenti: a band of two (or one) would tell who is in it (issue 14).
    assert "Valutazione compresa tra 54 e 60 punti: conteggio non mostrato" in body
    assert "Non ancora distribuito" in body
    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 1
    unsuppressed = client.get(url).content.decode()
    assert "Valutazione compresa tra 54 e 60 punti: 2 dipendenti" in unsuppressed
    for name in names(published):
        assert name not in body
    assert reverse("transparency:premi_csv", args=[published.ente.slug, 2025]) in body


def test_csv_is_open_and_without_names(client, published):
    response = client.get(reverse("transparency:premi_csv", args=[published.ente.slug, 2025]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["sezione", "voce", "categoria", "valore"]
    assert [
        "premi stanziati",
        "Performance individuale (fondo risorse decentrate)",
        "dipendenti",
        "10000",
    ] in rows
    for name in names(published):
        assert name not in text


def test_years_page_lists_the_years(client, published):
    response = client.get(reverse("transparency:premi_years", args=[published.ente.slug]))
    assert response.status_code == 200
    assert reverse("transparency:premi", args=[published.ente.slug, 2025]) in (
        response.content.decode()
    )


def test_unknown_ente_or_year_gives_404(client, published):
    assert client.get(reverse("transparency:premi", args=["nessuno", 2025])).status_code == 404
    url = reverse("transparency:premi", args=[published.ente.slug, 1990])
    assert client.get(url).status_code == 404
    csv_url = reverse("transparency:premi_csv", args=[published.ente.slug, 1990])
    assert client.get(csv_url).status_code == 404


def test_logged_in_users_see_the_same_public_page(published, client):
    client.force_login(published.giunta)
    url = reverse("transparency:premi", args=[published.ente.slug, 2025])
    assert client.get(url).status_code == 200
