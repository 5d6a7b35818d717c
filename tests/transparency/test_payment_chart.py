"""The public «Pagamenti dell'amministrazione» page shows the ritardo annuale as the chart of
the Relazione, with the table behind it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents.builders.payment_times import delay_chart
from payments import services
from payments.selectors import document_figures
from tests.payments.conftest import SMALL, TODAY
from tests.payments.conftest import case as payments_case  # noqa: F401

pytestmark = pytest.mark.django_db


def test_public_page_shows_the_delay_chart_and_its_table(payments_case, client, monkeypatch):  # noqa: F811
    ente = payments_case.ente
    url = reverse("transparency:payments", args=[ente.slug])
    assert "Ritardo annuale dei pagamenti" not in client.get(url).content.decode()
    services.import_invoices(
        user=payments_case.admin, ente=ente, content=SMALL, filename="f.csv", today=TODAY
    )
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    chart = delay_chart(document_figures(ente, 2024))
    for page in (url, reverse("transparency:payments_year", args=[ente.slug, 2024])):
        html = client.get(page).content.decode()
        assert chart.svg in html  # the very drawing of the Relazione
        assert f"<caption>{chart.table.caption}</caption>" in html
        assert "Ritardo annuale (giorni)" in html
