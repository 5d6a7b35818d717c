from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from planning.models import Cycle, CycleState, OperationalObjective

pytestmark = pytest.mark.django_db


def test_tree_shows_latest_cycle_with_objective_links(plan, enter):
    Cycle.objects.create(
        ente=plan.ente,
        year=2024,
        first_year=2024,
        last_year=2026,
        title="PIAO 2024-2026",
        state=CycleState.APPROVED,
    )
    client = enter(plan.users.comandante, plan.ente)
    response = client.get(reverse("planning:tree"))
    assert response.status_code == 200
    assert response.context["cycle"] == plan.cycle
    detail = reverse("planning:objective_detail", args=[plan.pl_coordination.pk])
    assert f'<a href="{detail}">{plan.pl_coordination.title}</a>' in response.content.decode()


def test_tree_by_year_and_missing_year(plan, enter):
    client = enter(plan.users.giunta, plan.ente)
    assert client.get(reverse("planning:tree"), {"anno": 2025}).status_code == 200
    assert client.get(reverse("planning:tree"), {"anno": 1999}).status_code == 404


def test_tree_htmx_filters_return_only_the_results(plan, enter):
    client = enter(plan.users.dipendente, plan.ente)
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


def test_tree_flags_groups_that_do_not_add_up(plan, enter):
    OperationalObjective.objects.filter(pk=plan.pl_coordination.pk).update(weight=Decimal("65"))
    client = enter(plan.users.admin, plan.ente)
    body = client.get(reverse("planning:tree")).content.decode()
    assert "Il gruppo «Polizia Locale» totalizza 95,00\u00a0% invece di 100,00\u00a0%" in body
    assert "non corretto: mancano 5,00 punti" in body


def test_anonymous_is_sent_to_login(plan, client):
    response = client.get(reverse("planning:tree"))
    assert response.status_code == 302


def test_user_without_role_is_forbidden(plan, enter):
    client = enter(plan.users.outsider, plan.ente)
    assert client.get(reverse("planning:tree")).status_code == 403


def test_detail_shows_edit_link_only_to_who_may_edit(plan, enter):
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
        body = enter(user, plan.ente).get(url).content.decode()
        assert (f'href="{edit}">Modifica obiettivo</a>' in body) is expected, user.username
        assert "Totale del gruppo «Polizia Locale»: 100,00\u00a0% su 100,00\u00a0%" in body


def test_edit_form_weight_input_drives_running_total(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    objective = plan.pl_coordination
    body = client.get(reverse("planning:objective_edit", args=[objective.pk])).content.decode()
    total_url = reverse("planning:objective_weight_total", args=[objective.pk])
    assert 'id="id_weight"' in body
    assert f'hx-get="{total_url}"' in body
    assert 'hx-trigger="input changed delay:300ms, keyup changed delay:300ms"' in body
    assert 'id="weight-total"' in body and 'aria-live="polite"' in body


def test_running_total_uses_typed_weight(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("planning:objective_weight_total", args=[plan.pl_coordination.pk])
    body = client.get(url, {"weight": "65", "weight_group": plan.pl_group.pk}).content.decode()
    assert "Totale del gruppo «Polizia Locale»: 95,00\u00a0% su 100,00\u00a0%" in body
    assert "non corretto: mancano 5,00 punti" in body
    body = client.get(url, {"weight": "70,00", "weight_group": plan.pl_group.pk}).content.decode()
    assert "100,00\u00a0% su 100,00\u00a0%" in body and "corretto" in body
    body = client.get(url, {"weight": "abc"}).content.decode()
    assert "non è un numero" in body


def test_responsabile_saves_new_weight(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
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


def test_other_ente_objective_is_404(plan, enter, make_ente, make_user):
    other = make_ente("altro-ente")
    user = make_user("altro-admin", other, "admin")
    client = enter(user, other)
    for name in ("objective_detail", "objective_edit", "objective_weight_total"):
        response = client.get(reverse(f"planning:{name}", args=[plan.pl_coordination.pk]))
        assert response.status_code == 404, name


# --- roles on pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("admin", 200),
        ("comandante", 200),
        ("ragioniere", 403),
        ("dipendente", 403),
        ("nucleo", 403),
        ("giunta", 403),
    ],
)
def test_edit_pages_by_role(plan, enter, username, status):
    client = enter(getattr(plan.users, username), plan.ente)
    objective = plan.pl_coordination
    for url in (
        reverse("planning:objective_edit", args=[objective.pk]),
        reverse("planning:phase_create", args=[objective.pk]),
        reverse("planning:indicator_create", args=[objective.pk]),
        reverse("planning:indicator_edit", args=[plan.controls.pk]),
    ):
        assert client.get(url).status_code == status, url
    assert client.get(reverse("planning:objective_detail", args=[objective.pk])).status_code == 200


@pytest.mark.parametrize("username", ["comandante", "dipendente", "nucleo", "giunta"])
def test_cycle_actions_need_an_admin(plan, enter, username):
    client = enter(getattr(plan.users, username), plan.ente)
    cycle = plan.cycle.pk
    assert client.post(reverse("planning:cycle_propose", args=[cycle])).status_code == 403
    assert client.get(reverse("planning:cycle_copy", args=[cycle])).status_code == 403
    assert client.get(reverse("planning:cycle_create")).status_code == 403
    assert client.get(reverse("planning:weight_group_create", args=[cycle])).status_code == 403
    body = client.get(reverse("planning:tree")).content.decode()
    assert "Prepara il piano dell'anno successivo" not in body
    assert "Proponi il piano" not in body


def test_missing_ente_redirects_to_choice(plan, client):
    client.force_login(plan.users.admin)
    response = client.get(reverse("planning:tree"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:choose_ente"))


def test_other_ente_ids_are_404_everywhere(plan, enter, make_ente, make_user):
    other = make_ente("altro-ente")
    client = enter(make_user("altro-admin", other, "admin"), other)
    phase = plan.pl_coordination.phases.get()
    for name, pk in [
        ("phase_edit", phase.pk),
        ("indicator_edit", plan.controls.pk),
        ("weight_group_edit", plan.pl_group.pk),
        ("cycle_edit", plan.cycle.pk),
        ("weight_groups", plan.cycle.pk),
        ("cycle_weight_total", plan.cycle.pk),
    ]:
        assert client.get(reverse(f"planning:{name}", args=[pk])).status_code == 404, name
    response = client.post(reverse("planning:objective_delete", args=[plan.pl_payment.pk]))
    assert response.status_code == 404
    assert OperationalObjective.objects.filter(pk=plan.pl_payment.pk).exists()


# --- lifecycle through the pages ---------------------------------------------------------------


def test_propose_refusal_lists_problems(plan, enter):
    OperationalObjective.objects.filter(pk=plan.pl_coordination.pk).update(weight=Decimal("65"))
    client = enter(plan.users.admin, plan.ente)
    response = client.post(reverse("planning:cycle_propose", args=[plan.cycle.pk]), follow=True)
    body = response.content.decode()
    assert "Il gruppo «Polizia Locale» totalizza 95,00\u00a0% invece di 100,00\u00a0%" in body
    assert "Il piano non è stato proposto" in body
    plan.cycle.refresh_from_db()
    assert plan.cycle.state == CycleState.DRAFT


def test_propose_approve_revise_through_pages(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    cycle = plan.cycle
    client.post(reverse("planning:cycle_propose", args=[cycle.pk]))
    cycle.refresh_from_db()
    assert cycle.state == CycleState.PROPOSED
    body = client.get(reverse("planning:tree")).content.decode()
    assert "Approva il piano" in body and "Riporta in bozza" in body

    response = client.post(reverse("planning:cycle_approve", args=[cycle.pk]), {"act_number": ""})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post(
        reverse("planning:cycle_approve", args=[cycle.pk]),
        {"approval_body": "Giunta dell'Unione", "act_number": "5", "act_date": "2025-01-28"},
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == CycleState.APPROVED and cycle.approval_act_number == "5"

    detail = reverse("planning:objective_detail", args=[plan.pl_coordination.pk])
    assert "Modifica obiettivo" not in client.get(detail).content.decode()

    client.post(
        reverse("planning:revision_open", args=[cycle.pk]),
        {"motivation": "Nuove priorità della Giunta", "date": "2025-07-01"},
    )
    body = client.get(detail).content.decode()
    assert "Modifica obiettivo" in body
    # A responsabile cannot edit under a revision.
    comandante = enter(plan.users.comandante, plan.ente)
    edit = reverse("planning:objective_edit", args=[plan.pl_coordination.pk])
    assert comandante.get(edit).status_code == 403

    admin = enter(plan.users.admin, plan.ente)
    admin.post(
        edit,
        {
            "title": plan.pl_coordination.title,
            "kind": "sviluppo",
            "unit": plan.verbali.pk,
            "weight_group": plan.pl_group.pk,
            "weight": "70",
            "description": "Con la revisione",
        },
    )
    body = admin.get(detail).content.decode()
    assert "Nuove priorità della Giunta" in body
    assert "Approvato con delibera n. 5 del 28/01/2025" in body

    revision = cycle.revisions.get()
    admin.post(reverse("planning:revision_close", args=[revision.pk]))
    revision.refresh_from_db()
    assert not revision.is_open


def test_return_to_draft_page(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    client.post(reverse("planning:cycle_propose", args=[plan.cycle.pk]))
    url = reverse("planning:cycle_return", args=[plan.cycle.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "Rivedere i pesi"}).status_code == 302
    plan.cycle.refresh_from_db()
    assert plan.cycle.state == CycleState.DRAFT


def test_prepare_next_year_button_and_copy(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    body = client.get(reverse("planning:tree")).content.decode()
    copy_url = reverse("planning:cycle_copy", args=[plan.cycle.pk])
    assert f'href="{copy_url}">Prepara il piano dell\'anno successivo</a>' in body
    response = client.post(copy_url, {"year": "2025"})
    assert "Esiste già un ciclo 2025" in response.content.decode()
    response = client.post(copy_url, {"year": "2026"}, follow=True)
    assert response.redirect_chain
    body = response.content.decode()
    assert "Titolo del piano: «PIAO 2025-2027» diventa «PIAO 2026-2028»." in body
    assert client.get(reverse("planning:tree")).context["cycle"].year == 2026


# --- forms -------------------------------------------------------------------------------------


def test_service_error_is_shown_on_the_field(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    response = client.post(
        reverse("planning:objective_edit", args=[plan.pl_coordination.pk]),
        {"title": "Titolo", "kind": "sviluppo", "unit": plan.finanze.pk, "weight": "10"},
    )
    # The finance unit is not among the choices of the comandante.
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_unit_error"' in body and 'aria-describedby="id_unit_error"' in body


def test_objective_create_for_new_objective_uses_cycle_total(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    url = reverse("planning:objective_create", args=[plan.cycle.pk])
    body = client.get(url).content.decode()
    assert reverse("planning:cycle_weight_total", args=[plan.cycle.pk]) in body
    total = client.get(
        reverse("planning:cycle_weight_total", args=[plan.cycle.pk]),
        {"weight": "10", "weight_group": plan.pl_group.pk},
    ).content.decode()
    assert "110,00\u00a0% su 100,00\u00a0%" in total and "eccedono 10,00 punti" in total
    response = client.post(url, {"title": "Educazione stradale", "kind": "sviluppo"})
    assert response.status_code == 302
    assert OperationalObjective.objects.filter(title="Educazione stradale").exists()


def test_phase_and_indicator_with_targets_through_pages(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    objective = plan.pl_payment
    response = client.post(
        reverse("planning:phase_create", args=[objective.pk]),
        {"kind": "fase", "description": "Monitoraggio trimestrale", "planned_text": "Annuale"},
    )
    assert response.status_code == 302
    url = reverse("planning:indicator_create", args=[objective.pk])
    data = {"name": "Indicatore di ritardo annuale", "polarity": "lower", "t2025-kind": "lte"}
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Target 2025: per questo tipo di target serve il valore." in body
    assert not objective.indicators.exists()  # nothing half-saved
    data.update({"t2025-value": "0", "t2025-text": "≤ 0 giorni", "t2026-kind": "text"})
    data["t2026-text"] = "Mantenimento"
    assert client.post(url, data).status_code == 302
    indicator = objective.indicators.get()
    assert [(t.year, t.kind) for t in indicator.targets.all()] == [(2025, "lte"), (2026, "text")]
    edit = reverse("planning:indicator_edit", args=[indicator.pk])
    data["t2026-kind"] = ""
    assert client.post(edit, data).status_code == 302
    assert [t.year for t in indicator.targets.all()] == [2025]
    body = client.get(reverse("planning:objective_detail", args=[objective.pk])).content.decode()
    assert "≤ 0 giorni" in body and "Monitoraggio trimestrale" in body


def test_structure_pages_for_admin(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    response = client.post(
        reverse("planning:strategic_area_create", args=[plan.cycle.pk]),
        {"name": "Sicurezza"},
    )
    assert response.status_code == 302
    area = plan.cycle.strategic_areas.get()
    response = client.post(
        reverse("planning:strategic_objective_create", args=[plan.cycle.pk]),
        {"title": "Territorio sicuro", "area": area.pk, "units": [plan.pl.pk]},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("planning:weight_group_create", args=[plan.cycle.pk]),
        {"label": "Tempi di pagamento", "kind": "tempi_pagamento", "expected_total": "30"},
    )
    assert response.status_code == 302
    body = client.get(reverse("planning:weight_groups", args=[plan.cycle.pk])).content.decode()
    assert "Tempi di pagamento" in body and "mancano 30,00 punti" in body
    body = client.get(reverse("planning:tree")).content.decode()
    assert "Obiettivo strategico" in body and "Territorio sicuro" in body


def test_tree_page_queries_do_not_grow(plan, enter, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = enter(plan.users.admin, plan.ente)
    with CaptureQueriesContext(connection) as small:
        first = client.get(reverse("planning:tree"))
    # A count of the queries of an error page would prove nothing: both pages must render.
    assert first.status_code == 200 and "Extra" not in first.content.decode()
    for n in range(10):
        objective = OperationalObjective.objects.create(
            cycle=plan.cycle,
            key=f"extra-{n}",
            title=f"Extra {n}",
            unit=plan.pl,
            weight_group=plan.pl_group,
            weight=Decimal("1"),
        )
        objective.responsibles.add(plan.comandante)
    with django_assert_max_num_queries(len(small)):
        grown = client.get(reverse("planning:tree"))
    assert grown.status_code == 200 and "Extra 9" in grown.content.decode()


def test_responsabile_named_on_a_transversal_objective_keeps_it_unitless(plan, enter):
    transversal = OperationalObjective.objects.create(
        cycle=plan.cycle, key="azioni-positive", title="Piano di azioni positive"
    )
    transversal.responsibles.add(plan.comandante, plan.ragioniere)
    client = enter(plan.users.ragioniere, plan.ente)
    response = client.post(
        reverse("planning:objective_edit", args=[transversal.pk]),
        {
            "title": transversal.title,
            "kind": "sviluppo",
            "responsibles": [plan.comandante.pk, plan.ragioniere.pk],
            "description": "Tutti i Responsabili",
        },
    )
    assert response.status_code == 302
    transversal.refresh_from_db()
    assert transversal.unit is None and transversal.description == "Tutti i Responsabili"


def test_an_approved_plan_without_revisions_does_not_say_it_is_not_approved(plan, enter):
    url = reverse("planning:objective_detail", args=[plan.pl_coordination.pk])
    client = enter(plan.users.admin, plan.ente)
    assert "il piano non è ancora stato approvato" in client.get(url).content.decode()
    Cycle.objects.filter(pk=plan.cycle.pk).update(
        state=CycleState.MEASUREMENT,
        approval_body="Giunta",
        approval_act_number="12",
        approval_act_date=dt.date(2025, 1, 30),
    )
    body = client.get(url).content.decode()
    assert "non è ancora stato approvato" not in body
    assert (
        "Nessuna revisione: l'obiettivo è quello del piano approvato il 30/01/2025 "
        "(Giunta, atto n. 12)." in body
    )
