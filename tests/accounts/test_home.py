"""The ente overview page («Panoramica dell'ente», linked from the home page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.access import access_for
from accounts.selectors import ente_overview
from organization.models import Ente, EnteKind
from planning.models import OperationalObjective, WeightGroup

pytestmark = pytest.mark.django_db


def _overview(enter, world, role: str) -> str:
    return enter(world.users[role], world.ente).get(reverse("accounts:overview")).content.decode()


ROLES = ["admin", "responsabile", "dipendente", "nucleo", "giunta", "platform"]


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("desk:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_without_chosen_ente_goes_to_choice(enter, world):
    response = enter(world.users["admin"]).get(reverse("desk:home"))
    assert response.status_code == 302 and response.url == reverse("accounts:choose_ente")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_overview(enter, world, role):
    response = enter(world.users[role], world.ente).get(reverse("accounts:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.ente.name in body
    assert "Unione di comuni" in body
    assert "Comune di Alfa" in body and "Comune di Beta" in body
    assert "Nucleo di Valutazione dell&#x27;Unione" in body and "Carla Esterni" in body
    assert reverse("organization:chart") in body


def test_small_ente_note(enter, world):
    body = _overview(enter, world, "admin")
    assert "fino a 50 dipendenti: PIAO semplificato".lower() in body.lower()  # 50 included
    assert "5 dipendenti" in body
    world.ente.headcount = 50
    world.ente.save()
    body = _overview(enter, world, "admin")
    assert "PIAO semplificato" in body
    world.ente.headcount = 120
    world.ente.save()
    body = _overview(enter, world, "admin")
    assert "PIAO semplificato" not in body
    assert "120 dipendenti" in body


def test_roles_are_listed(enter, world):
    body = _overview(enter, world, "nucleo")
    assert "Componente del Nucleo di Valutazione / OIV" in body
    body = enter(world.users["platform"], world.ente).get(reverse("accounts:overview")).content
    assert "Amministratore di piattaforma" in body.decode()


def test_cycle_counts(world):
    overview = ente_overview(world.ente, access_for(world.users["admin"], world.ente))
    assert [row.cycle.year for row in overview.cycles] == [2024, 2023]
    latest, previous = overview.cycles
    assert (latest.objectives, latest.indicators, latest.units, latest.people) == (3, 3, 2, 1)
    assert (latest.weight_groups, latest.weight_groups_off) == (2, 1)
    assert (previous.objectives, previous.weight_groups, previous.weight_groups_off) == (0, 0, 0)
    assert overview.unit_count == 3 and overview.people_count == 3


def test_weight_tolerance_is_five_hundredths(world):
    access = access_for(world.users["admin"], world.ente)
    bad = WeightGroup.objects.get(cycle=world.cycle, key="ag")
    objective = OperationalObjective.objects.get(weight_group=bad)
    objective.weight = "99.95"
    objective.save()
    assert ente_overview(world.ente, access).cycles[0].weight_groups_off == 0
    objective.weight = "99.94"
    objective.save()
    assert ente_overview(world.ente, access).cycles[0].weight_groups_off == 1


def test_group_without_objectives_counts_as_not_reaching(world):
    WeightGroup.objects.create(cycle=world.cycle, key="vuoto", kind="altro", label="Vuoto")
    access = access_for(world.users["admin"], world.ente)
    assert ente_overview(world.ente, access).cycles[0].weight_groups_off == 2


def test_overview_shows_state_and_unbalanced_groups(enter, world):
    body = _overview(enter, world, "admin")
    assert "Bozza" in body and "Validato" in body
    assert "1 su 2" in body
    assert body.index("2024") < body.index("2023")


def test_overview_query_count_does_not_grow(enter, world, django_assert_num_queries):
    client = enter(world.users["admin"], world.ente)
    with django_assert_num_queries(11):
        client.get(reverse("accounts:overview"))
    # Ten more cycles with plans do not add queries.
    for year in range(2010, 2020):
        cycle = world.cycle.__class__.objects.create(
            ente=world.ente, year=year, first_year=year, last_year=year + 2, title=f"Piano {year}"
        )
        group = WeightGroup.objects.create(cycle=cycle, key="g", kind="altro", label="G")
        OperationalObjective.objects.create(
            cycle=cycle, key="o", title="O", unit=world.service, weight_group=group, weight=50
        )
    with django_assert_num_queries(11):
        response = client.get(reverse("accounts:overview"))
    assert response.content.decode().count("1 su 1") == 10


def test_other_ente_data_never_shown(enter, world):
    Ente.objects.filter(pk=world.other.pk).update(kind=EnteKind.CONSORZIO)
    body = _overview(enter, world, "admin")
    assert world.other.name not in body
