"""Charts on the Nucleo's overview and on the Giunta's «Sintesi delle valutazioni»: each an SVG
with its text alternative, next to the table with the same figures."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.appraisal.test_views import score

pytestmark = pytest.mark.django_db


def _charts(body: str) -> list[str]:
    return re.findall(r'<figure class="chart mb-3">(.*?)</figure>', body, flags=re.S)


def _desc(svg: str) -> str:
    return re.search(r"<desc[^>]*>(.*?)</desc>", svg, flags=re.S).group(1)


def test_nucleo_overview_draws_states_and_bands(org, schede, enter):
    score(org, schede["agente"], org.users.comandante)
    body = enter(org.users.nucleo, org.ente).get(reverse("appraisal:nucleo_overview")).content
    body = body.decode()
    charts = _charts(body)
    assert len(charts) == 3
    for svg in charts:
        assert 'role="img"' in svg and "aria-labelledby" in svg
    states, bands, trend = (_desc(svg) for svg in charts)
    # The ente's achievement across the monitoring windows, with its table.
    assert trend.startswith("Raggiungimento a ogni finestra chiusa e oggi.")
    assert f"{org.ente.name}: Situazione attuale" in trend
    assert "<caption>Raggiungimento a ogni finestra chiusa e nella situazione attuale" in body
    assert states.startswith("Schede per stato.")
    assert bands.startswith("Schede per fascia di punteggio.")
    assert "Personale dei livelli: 37–53 punti: 1;" in bands
    assert "Personale dei livelli: 54–60 punti: 0;" in bands
    # The same figures as a table, and the way to the achievement charts of the dashboard.
    assert "<caption>Schede del 2025 per fascia di punteggio</caption>" in body
    assert reverse("measurement:dashboard_ente") in body
    # Two charts, two sets of ids: no duplicate id on the page.
    ids = re.findall(r'id="([^"]+)"', body)
    assert len(ids) == len(set(ids))


def test_giunta_summary_draws_bands_without_names(org, schede, enter):
    score(org, schede["agente"], org.users.comandante)
    body = enter(org.users.giunta, org.ente).get(reverse("appraisal:aggregates")).content.decode()
    charts = _charts(body)
    descriptions = [_desc(svg) for svg in charts]
    assert any(d.startswith("Schede per stato.") for d in descriptions)
    assert any(d.startswith("Raggiungimento a ogni finestra chiusa e oggi.") for d in descriptions)
    for person in vars(org.people).values():
        assert person.last_name not in body
