"""«Amministrazione Trasparente > Pagamenti dell'amministrazione»: aggregates, CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from payments import services
from tests.payments.conftest import SMALL, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(case, monkeypatch):
    services.import_invoices(
        user=case.admin, ente=case.ente, content=SMALL, filename="f.csv", today=TODAY
    )
    # The public page publishes the quarters that have ended by «today».
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return case


def test_the_public_page_needs_no_login_and_shows_only_aggregates(published, client):
    slug = published.ente.slug
    html = client.get(reverse("transparency:payments", args=[slug])).content.decode()
    assert "Pagamenti dell'amministrazione" in html
    assert "1° trimestre 2024" in html and "4° trimestre 2024" in html
    assert "-1,25" in html and "6,67" in html and "1,21" in html  # Q1, Q2, year
    assert "Imprese creditrici" in html
    for private in ("Alfa", "Beta", "Gamma", "F-1", "01234567890", "Fabbri"):
        assert private not in html
    assert "valori ufficiali sono quelli elaborati dalla PCC" in html


def test_the_csv_is_open_data_with_plain_numbers(published, client):
    slug = published.ente.slug
    response = client.get(reverse("transparency:payments_csv", args=[slug, 2024]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["voce", "periodo", "dal", "al", "valore", "unita_di_misura"]
    assert rows[1] == [
        "indicatore di tempestività dei pagamenti",
        "1° trimestre 2024",
        "2024-01-01",
        "2024-03-31",
        "-1.25",  # a number, not a text made inert
        "giorni",
    ]
    annual = [row for row in rows if row[1] == "anno 2024"]
    assert annual[0][4] == "1.206897"
    assert rows[-3:] == [
        ["debito commerciale residuo", "al 31/12/2024", "", "2024-12-31", "1000", "euro"],
        ["di cui scaduto", "al 31/12/2024", "", "2024-12-31", "1000", "euro"],
        ["imprese creditrici", "al 31/12/2024", "", "2024-12-31", "1", "numero"],
    ]


def test_the_json_carries_the_same_figures(published, client):
    slug = published.ente.slug
    data = json.loads(client.get(reverse("transparency:payments_json", args=[slug, 2024])).content)
    assert data["anno"] == 2024
    assert [q["indicatore_tempestivita_giorni"] for q in data["trimestri"]] == [
        "-1.25",
        "6.666667",
        None,
        None,
    ]
    assert data["annuale"]["importo_pagato_euro"] == "5800"
    assert data["debito"] == {
        "data_riferimento": "2024-12-31",
        "debito_commerciale_residuo_euro": "1000",
        "di_cui_scaduto_euro": "1000",
        "imprese_creditrici": 1,
    }


def test_a_quarter_is_published_once_it_is_over(published, client, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2024, 7, 10))
    slug = published.ente.slug
    data = json.loads(client.get(reverse("transparency:payments_json", args=[slug, 2024])).content)
    assert [q["periodo"] for q in data["trimestri"]] == ["1° trimestre 2024", "2° trimestre 2024"]
    assert data["annuale"] is None and data["debito"] is None


def test_unknown_ente_or_year_gives_404(published, client):
    assert client.get(reverse("transparency:payments", args=["nessuno"])).status_code == 404
    slug = published.ente.slug
    assert client.get(reverse("transparency:payments_year", args=[slug, 1990])).status_code == 404
    empty = client.get(reverse("transparency:payments", args=[published.other.slug]))
    assert "non ha ancora pubblicato" in empty.content.decode()
