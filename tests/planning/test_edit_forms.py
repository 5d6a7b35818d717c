"""The objective edit form after a refused save (issue 13 §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from planning import services
from planning.models import OperationalObjective

pytestmark = pytest.mark.django_db

LONG_TITLE = (
    "Riorganizzazione del servizio di polizia locale con l'istituzione di un ufficio di "
    "coordinamento dei controlli sul territorio e della centrale operativa unica"
)


def _post(client, plan, objective, **changes):
    data = {
        "title": objective.title,
        "kind": objective.kind,
        "unit": plan.verbali.pk,
        "weight_group": plan.pl_group.pk,
        "weight": "60",
    }
    data.update(changes)
    return client.post(reverse("planning:objective_edit", args=[objective.pk]), data)


def _running_total(body: str) -> str:
    start = body.index('id="weight-total"')
    return body[start : body.index("</div>", start)]


def test_weight_of_655_is_refused_saying_it_exceeds_100(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    objective = plan.pl_coordination
    response = _post(client, plan, objective, weight="655")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Il peso indicato, 655, supera 100: un peso va da 0 a 100." in body
    objective.refresh_from_db()
    assert objective.weight != Decimal("655")


def test_running_total_after_a_refused_save_agrees_with_the_error(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    body = _post(client, plan, plan.pl_coordination, weight="655").content.decode()
    total = _running_total(body)
    assert "<strong>corretto</strong>" not in total
    assert "supera 100" in total and "Il totale non lo considera." in total
    assert "non corretto: mancano 70,00 punti" in total


def test_running_total_after_a_refused_save_counts_the_typed_weight(plan, enter):
    """A save refused for another field shows the total of the weight typed, not the stored."""
    client = enter(plan.users.comandante, plan.ente)
    body = _post(client, plan, plan.pl_coordination, weight="65", title="").content.decode()
    assert "is-invalid" in body
    total = _running_total(body)
    assert "95,00\u00a0% su 100,00\u00a0%" in total
    assert "non corretto: mancano 5,00 punti" in total


def test_refused_new_objective_shows_the_total_of_the_chosen_group(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    response = client.post(
        reverse("planning:objective_create", args=[plan.cycle.pk]),
        {"title": "", "kind": plan.pl_coordination.kind, "weight_group": plan.pl_group.pk,
         "weight": "5"},
    )  # fmt: skip
    total = _running_total(response.content.decode())
    assert "Totale del gruppo «Polizia Locale»: 105,00\u00a0% su 100,00\u00a0%" in total
    assert "non corretto: eccedono 5,00 punti" in total


def test_indicator_weight_of_655_is_refused(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    indicator = plan.controls
    response = client.post(
        reverse("planning:indicator_edit", args=[indicator.pk]),
        {"code": indicator.code, "name": indicator.name, "polarity": indicator.polarity,
         "weight": "655"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Il peso dell&#x27;indicatore indicato, 655, supera 100" in response.content.decode()


def test_service_messages_keep_the_whole_title(plan):
    OperationalObjective.objects.filter(pk=plan.pl_coordination.pk).update(title=LONG_TITLE)
    plan.pl_coordination.refresh_from_db()
    with pytest.raises(services.ServiceError) as refused:
        services.objective_update(
            user=plan.users.admin, objective=plan.pl_coordination, data={"weight": "655"}
        )
    assert f"«{LONG_TITLE}»" in refused.value.message
