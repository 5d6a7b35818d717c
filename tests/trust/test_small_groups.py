"""Aggregates shown to who may not read individual schede hide groups smaller than 3."""

from __future__ import annotations

import html
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import User
from appraisal.selectors import Aggregates, BandCount, aggregates
from core.privacy import shown_aggregates, suppress_group
from organization.models import Ente
from planning.models import Cycle


def _band(scheme, count):
    return BandCount(scheme, "", Decimal(0), Decimal(100), Decimal(100), count)


def _aggregates(bands, negatives=0, scored=10):
    return Aggregates(
        total=scored, scored=scored, eligible=scored, negatives=negatives,
        mean_points=Decimal(80), mean_percent=Decimal(80), bands=bands, progress=[],
    )  # fmt: skip


def test_a_small_cell_withholds_its_whole_group():
    assert suppress_group([2, 0, 0], limit=3).counts == [None, None, None]
    assert suppress_group([3, 0, 5], limit=3).counts == [3, 0, 5]
    assert suppress_group([1, 4], limit=1).counts == [1, 4]  # threshold 1 disables it


def test_roles_without_access_to_schede_see_only_safe_groups(settings):
    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 3
    data = _aggregates([_band("Dipendenti", 5), _band("Dipendenti", 4), _band("EQ", 2)], 1, 11)
    shown = shown_aggregates(data, sees_individuals=False)
    assert [row.count for row in shown.bands] == [5, 4, None]
    assert shown.suppressed_schemes == ["EQ"]
    assert shown.negatives is None and "meno di 3 schede" in shown.reason
    full = shown_aggregates(data, sees_individuals=True)
    assert [row.count for row in full.bands] == [5, 4, 2] and full.negatives == 1


def test_a_mean_of_too_few_schede_is_withheld():
    shown = shown_aggregates(_aggregates([_band("EQ", 2)], scored=2), sees_individuals=False)
    assert shown.mean_withheld


@pytest.fixture
def sorbara(db):
    call_command("load_demo", stdout=io.StringIO())
    return Ente.objects.get(slug="unione-sorbara")


def _page(username, ente, cycle):
    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.session
    session[SESSION_KEY] = ente.pk
    session.save()
    url = reverse("appraisal:aggregates") + f"?anno={cycle.year}"
    return html.unescape(client.get(url).content.decode())


def test_the_summary_page_states_what_it_withheld_and_why(sorbara):
    cycle = Cycle.objects.filter(ente=sorbara, schede__isnull=False).distinct().first()
    data = aggregates(cycle)
    small = any(0 < band.count < 3 for band in data.bands)
    giunta = _page("giunta.sorbara", sorbara, cycle)
    segretario = _page("segretario.sorbara", sorbara, cycle)
    assert ("Conteggi non mostrati" in giunta) is small
    assert "Conteggi non mostrati" not in segretario
    if not small:
        pytest.skip("nessun gruppo piccolo nei dati demo")


def test_the_api_suppresses_small_groups_too(sorbara, settings):
    from api.write_views import schede_aggregates

    cycle = Cycle.objects.filter(ente=sorbara, schede__isnull=False).distinct().first()
    body = schede_aggregates(cycle)
    for group in body["schemes"]:
        counts = [band["count"] for band in group["bands"]]
        assert group["suppressed"] == (None in counts)
        assert not any(c is not None and 0 < c < 3 for c in counts)
