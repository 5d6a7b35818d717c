from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from planning.models import Cycle, CycleState, OperationalObjective

pytestmark = pytest.mark.django_db


def test_tree_shows_latest_cycle_with_objective_links(plan, login):
    Cycle.objects.create(
        ente=plan.ente,
        year=2024,
        first_year=2024,
        last_year=2026,
        title="PIAO 2024-2026",
        state=CycleState.APPROVED,
    )
    client = login(plan.users.comandante, plan.ente)
    response = client.get(reverse("planning:tree"))
    assert response.status_code == 200
    assert response.context["cycle"] == plan.cycle
    detail = reverse("planning:objective_detail", args=[plan.pl_coordination.pk])
    assert f'<a href="{detail}">{plan.pl_coordination.title}</a>' in response.content.decode()


def test_tree_by_year_and_missing_year(plan, login):
    client = login(plan.users.giunta, plan.ente)
    assert client.get(reverse("planning:tree"), {"anno": 2025}).status_code == 200
    assert client.get(reverse("planning:tree"), {"anno": 1999}).status_code == 404


def test_tree_htmx_filters_return_only_the_results(plan, login):
    client = login(plan.users.dipendente, plan.ente)
    response = client.get(
        reverse("planning:tree"),
        {"anno": 2025, "q": "coordinamento"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="plan-results",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert plan.pl_coordination.title in body
    assert plan.fin_budget.title not in body
    assert "1 obiettivo operativo corrisponde ai filtri." in body


def test_tree_flags_groups_that_do_not_add_up(plan, login):
    OperationalObjective.objects.filter(pk=plan.pl_coordination.pk).update(weight=Decimal("65"))
    client = login(plan.users.admin, plan.ente)
    body = client.get(reverse("planning:tree")).content.decode()
    assert "Il gruppo «Polizia Locale» totalizza 95,00% invece di 100,00%" in body
    assert "non corretto: mancano 5,00 punti" in body


def test_anonymous_is_sent_to_login(plan, client):
    response = client.get(reverse("planning:tree"))
    assert response.status_code == 302


def test_user_without_role_is_forbidden(plan, login):
    client = login(plan.users.outsider, plan.ente)
    assert client.get(reverse("planning:tree")).status_code == 403


def test_detail_shows_edit_link_only_to_who_may_edit(plan, login):
    url = reverse("planning:objective_detail", args=[plan.pl_coordination.pk])
    edit = reverse("planning:objective_edit", args=[plan.pl_coordination.pk])
    for user, expected in [
        (plan.users.comandante, True),
        (plan.users.admin, True),
        (plan.users.ragioniere, False),
        (plan.users.dipendente, False),
        (plan.users.nucleo, False),
        (plan.users.giunta, False),
    ]:
        body = login(user, plan.ente).get(url).content.decode()
        assert (f'href="{edit}">Modifica obiettivo</a>' in body) is expected, user.username
        assert "Totale del gruppo «Polizia Locale»: 100,00% su 100,00%" in body


def test_edit_form_weight_input_drives_running_total(plan, login):
    client = login(plan.users.comandante, plan.ente)
    objective = plan.pl_coordination
    body = client.get(reverse("planning:objective_edit", args=[objective.pk])).content.decode()
    total_url = reverse("planning:objective_weight_total", args=[objective.pk])
    assert 'id="id_weight"' in body
    assert f'hx-get="{total_url}"' in body
    assert 'hx-trigger="input changed delay:300ms, keyup changed delay:300ms"' in body
    assert 'id="weight-total"' in body and 'aria-live="polite"' in body


def test_running_total_uses_typed_weight(plan, login):
    client = login(plan.users.comandante, plan.ente)
    url = reverse("planning:objective_weight_total", args=[plan.pl_coordination.pk])
    body = client.get(url, {"weight": "65", "weight_group": plan.pl_group.pk}).content.decode()
    assert "Totale del gruppo «Polizia Locale»: 95,00% su 100,00%" in body
    assert "non corretto: mancano 5,00 punti" in body
    body = client.get(url, {"weight": "70,00", "weight_group": plan.pl_group.pk}).content.decode()
    assert "100,00% su 100,00%" in body and "corretto" in body
    body = client.get(url, {"weight": "abc"}).content.decode()
    assert "non è un numero" in body


def test_responsabile_saves_new_weight(plan, login):
    client = login(plan.users.comandante, plan.ente)
    objective = plan.pl_coordination
    response = client.post(
        reverse("planning:objective_edit", args=[objective.pk]),
        {
            "title": objective.title,
            "kind": objective.kind,
            "unit": plan.verbali.pk,
            "weight_group": plan.pl_group.pk,
            "weight": "60",
        },
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.weight == Decimal("60")


def test_other_ente_objective_is_404(plan, login, make_ente, make_user):
    other = make_ente("altro-ente")
    user = make_user("altro-admin", other, "admin")
    client = login(user, other)
    for name in ("objective_detail", "objective_edit", "objective_weight_total"):
        response = client.get(reverse(f"planning:{name}", args=[plan.pl_coordination.pk]))
        assert response.status_code == 404, name
