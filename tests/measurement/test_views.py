"""The monitoring pages: who sees and does what, previews, conflicts, bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.access import ADMIN
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementState,
    MonitoringWindow,
    ObjectiveDelegate,
    WindowState,
)
from organization.models import Assignment
from planning.models import Cycle, CycleState, Indicator, IndicatorScope, OperationalObjective
from tests.measurement.conftest import store
from tests.measurement.ui_fixtures import grow, window

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 30)


def read_pages(plan) -> list[str]:
    return [
        reverse("measurement:home"),
        reverse("measurement:my_deadlines"),
        reverse("measurement:indicator", args=[plan.controls.pk]),
        reverse("measurement:indicator", args=[plan.deposits.pk]),
        reverse("measurement:parameters", args=[plan.sismica.pk]),
        reverse("measurement:objective", args=[plan.pl_coordination.pk]),
        reverse("measurement:dashboard_ente"),
        reverse("measurement:dashboard_unit", args=[plan.pl.pk]),
        reverse("measurement:smvp_settings"),
    ]


@pytest.mark.parametrize("role", ["admin", "comandante", "agente", "nucleo", "giunta"])
def test_every_role_reads_the_pages(plan, enter, role):
    client = enter(getattr(plan.users, role), plan.ente)
    for url in read_pages(plan):
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login(plan, client):
    for url in read_pages(plan):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accedi/" in response["Location"]


def test_user_without_role_is_forbidden(plan, enter):
    client = enter(plan.users.outsider, plan.ente)
    assert client.get(reverse("measurement:home")).status_code == 403


def test_ids_of_another_ente_give_404(plan, enter, make_ente, make_user):
    other = make_ente("altro-ente")
    other_cycle = Cycle.objects.create(
        ente=other, year=2025, first_year=2025, last_year=2027, title="Altro",
        state=CycleState.APPROVED,
    )  # fmt: skip
    objective = OperationalObjective.objects.create(cycle=other_cycle, key="o", title="Altro")
    indicator = Indicator.objects.create(
        cycle=other_cycle, key="i", scope=IndicatorScope.OBJECTIVE, objective=objective, name="I"
    )
    value = store(indicator, cycle=other_cycle, day=JUNE, value="3")
    other_window = MonitoringWindow.objects.create(
        cycle=other_cycle, key="w", label="W", period_end=JUNE
    )
    make_user("admin-altro", other, ADMIN)
    client = enter(plan.users.admin, plan.ente)
    gets = [
        reverse("measurement:indicator", args=[indicator.pk]),
        reverse("measurement:indicator_preview", args=[indicator.pk]),
        reverse("measurement:objective", args=[objective.pk]),
        reverse("measurement:measurement_correct", args=[value.pk]),
        reverse("measurement:window_close", args=[other_window.pk]),
        reverse("measurement:dashboard_unit", args=[9_999_999]),
        reverse("measurement:dashboard_person", args=[9_999_999]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("measurement:measurement_approve", args=[value.pk]),
        reverse("measurement:window_create", args=[other_cycle.pk]),
        reverse("measurement:corrective_action_add", args=[objective.pk]),
    ]
    for url in posts:
        assert client.post(url, {}).status_code == 404, url
    assert Measurement.objects.get(pk=value.pk).state == "draft"


def test_roles_that_cannot_write_get_403(plan, enter):
    giunta = enter(plan.users.giunta, plan.ente)
    url = reverse("measurement:indicator", args=[plan.controls.pk])
    data = {"period_kind": "semestre", "period_end": "2025-06-30", "value": "31"}
    assert giunta.post(url, data).status_code == 403
    assert not Measurement.objects.exists()

    comandante = enter(plan.users.comandante, plan.ente)
    assert (
        comandante.post(
            reverse("measurement:window_create", args=[plan.cycle.pk]),
            {"label": "Al 30 giugno", "period_end": "2025-06-30"},
        ).status_code
        == 403
    )
    assert (
        comandante.post(reverse("measurement:reminders_send", args=[plan.cycle.pk])).status_code
        == 403
    )
    assert comandante.post(reverse("measurement:smvp_settings"), {}).status_code == 403
    # The comandante does not lead the Servizio finanziario.
    assert (
        comandante.post(
            reverse("measurement:indicator", args=[plan.fin_days.pk]),
            {"period_kind": "semestre", "period_end": "2025-06-30", "value": "20"},
        ).status_code
        == 403
    )
    assert (
        comandante.get(
            reverse("measurement:dashboard_person", args=[plan.ragioniere.pk])
        ).status_code
        == 403
    )
    assert not MonitoringWindow.objects.exists()


def test_owner_saves_a_value_and_the_responsabile_approves(plan, enter):
    agente_value = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:indicator", args=[plan.controls.pk])
    response = agente_value.post(
        url,
        {"period_kind": "semestre", "period_end": "2025-06-30", "value": "31",
         "expected_version": "0", "is_cumulative": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    saved = Measurement.objects.get(indicator=plan.controls)
    assert saved.value == Decimal("31") and saved.period_start == dt.date(2025, 1, 1)
    # The comandante entered it: the admin approves.
    admin = enter(plan.users.admin, plan.ente)
    page = admin.get(url).content.decode()
    assert reverse("measurement:measurement_approve", args=[saved.pk]) in page
    admin.post(reverse("measurement:measurement_approve", args=[saved.pk]))
    assert Measurement.objects.get(pk=saved.pk).state == "approved"


def test_preview_shows_the_achievement_of_the_typed_value(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:indicator_preview", args=[plan.controls.pk])
    response = client.get(url, {"value": "24", "period_end": "2025-06-30"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "Raggiungimento con il valore indicato: 80,00\u00a0%" in body
    assert "24 / 30 × 100" in body
    assert "(obbligatoria: il valore è sotto il target)" in body
    met = client.get(url, {"value": "1.700"}).content.decode()
    assert "100,00\u00a0%" in met and "target raggiunto" in met
    assert "obbligatoria" not in met
    wrong = client.get(url, {"value": "tanti"}).content.decode()
    assert "non è un numero" in wrong


def test_preview_refuses_percentages_over_100(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    url = reverse("measurement:indicator_preview", args=[plan.staff_cost.pk])
    body = client.get(url, {"value": "120"}).content.decode()
    assert "non è una percentuale valida" in body


def test_off_target_value_without_deviation_note_is_refused(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:indicator", args=[plan.controls.pk])
    data = {"period_kind": "semestre", "period_end": "2025-06-30", "value": "24",
            "expected_version": "0"}  # fmt: skip
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "scrivi la motivazione dello scostamento" in body
    assert 'aria-invalid="true"' in body
    assert not Measurement.objects.exists()
    data["deviation_note"] = "Due agenti in malattia per tre mesi."
    assert client.post(url, data).status_code == 302
    assert Measurement.objects.get().deviation_note == "Due agenti in malattia per tre mesi."


def test_bad_input_gets_an_italian_message(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    url = reverse("measurement:indicator", args=[plan.controls.pk])
    base = {"period_kind": "semestre", "expected_version": "0"}
    body = client.post(url, {**base, "period_end": "2025-06-30", "value": "abc"}).content
    assert "non è un numero" in body.decode()
    body = client.post(url, {**base, "period_end": "2024-06-30", "value": "31"}).content
    assert "fuori dall&#x27;anno del ciclo 2025" in body.decode()
    staff = reverse("measurement:indicator", args=[plan.staff_cost.pk])
    body = client.post(staff, {**base, "period_end": "2025-06-30", "value": "130"}).content
    assert "non è una percentuale valida" in body.decode()
    assert not Measurement.objects.exists()


def test_second_writer_is_told_and_sees_the_current_value(plan, enter):
    store(plan.controls, cycle=plan.cycle, day=JUNE, value="28", entered_by=plan.users.admin,
          deviation_note="In corso")  # fmt: skip
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:indicator", args=[plan.controls.pk])
    data = {"period_kind": "semestre", "period_end": "2025-06-30", "value": "35",
            "expected_version": "0"}  # fmt: skip
    body = client.post(url, data).content.decode()
    assert "Il valore è stato modificato da segretario" in body
    assert "Valore attuale: <strong>28</strong>" in body
    assert Measurement.objects.get().value == Decimal("28")
    # The form now carries the stored version: saving again is a deliberate overwrite.
    assert 'name="expected_version" value="1"' in body
    data["expected_version"] = "1"
    assert client.post(url, data).status_code == 302
    assert Measurement.objects.get().value == Decimal("35")


def test_closing_a_window_asks_confirmation_then_freezes_values(plan, enter):
    june = window(plan, JUNE)
    store(plan.controls, cycle=plan.cycle, day=JUNE, value="31")
    client = enter(plan.users.admin, plan.ente)
    confirm = client.get(reverse("measurement:window_close", args=[june.pk])).content.decode()
    assert "Operazione irreversibile" in confirm
    client.post(reverse("measurement:window_close", args=[june.pk]))
    june.refresh_from_db()
    assert june.state == WindowState.CLOSED
    url = reverse("measurement:indicator", args=[plan.controls.pk])
    body = client.post(
        url,
        {"period_kind": "semestre", "period_end": "2025-06-30", "value": "33",
         "expected_version": "1"},
    ).content.decode()  # fmt: skip
    assert "già chiusa: per cambiare il valore registra una correzione motivata" in body
    value = Measurement.objects.get()
    correct = reverse("measurement:measurement_correct", args=[value.pk])
    assert correct in client.get(url).content.decode()
    refused = client.post(correct, {"value": "33", "reason": ""}).content.decode()
    assert 'id="id_reason_error"' in refused and "Campo obbligatorio" in refused
    client.post(correct, {"value": "33", "reason": "Conteggio rifatto sul registro."})
    value.refresh_from_db()
    assert value.value == Decimal("33")
    assert value.corrections.get().reason == "Conteggio rifatto sul registro."
    snapshot_page = client.get(
        reverse("measurement:dashboard_ente"), {"finestra": june.key}
    ).content.decode()
    assert "Situazione congelata alla chiusura" in snapshot_page


def test_my_deadlines_lists_overdue_first_and_saves_inline(plan, enter):
    window(plan, JUNE)
    client = enter(plan.users.comandante, plan.ente)
    page = client.get(reverse("measurement:my_deadlines"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Controlli edilizi" in body and "In ritardo" in body
    assert "Tempi pagamento sf" not in body  # not the comandante's
    prefix = f"i{plan.controls.pk}-20250630"
    response = client.post(
        reverse("measurement:deadline_save"),
        {"indicator": plan.controls.pk, "period_end": "2025-06-30",
         f"{prefix}-value": "30", f"{prefix}-expected_version": "0"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "Salvato: valore 30" in fragment and "raggiungimento 100,00\u00a0%" in fragment
    assert Measurement.objects.get().period_kind == "data"


def test_parameters_are_saved_inline(plan, enter):
    client = enter(plan.users.sismico, plan.ente)
    page = client.get(reverse("measurement:parameters", args=[plan.sismica.pk])).content.decode()
    assert "già istruiti" in page
    prefix = f"p{plan.handled.pk}-20251231"
    response = client.post(
        reverse("measurement:parameter_save", args=[plan.handled.pk]),
        {"cycle": plan.cycle.pk, "period_end": "2025-12-31",
         f"{prefix}-value": "70", f"{prefix}-expected_version": "0"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert "Salvato" in response.content.decode()
    assert Measurement.objects.get(parameter=plan.handled).value == Decimal("70")
    other = enter(plan.users.comandante, plan.ente)
    assert (
        other.post(
            reverse("measurement:parameter_save", args=[plan.handled.pk]),
            {"cycle": plan.cycle.pk, "period_end": "2025-12-31", f"{prefix}-value": "1"},
        ).status_code
        == 403
    )


def test_computed_indicator_explains_its_formula(plan, enter):
    client = enter(plan.users.giunta, plan.ente)
    body = client.get(reverse("measurement:indicator", args=[plan.deposits.pk])).content.decode()
    assert "depositi_istruiti / depositi_ricevuti_controllo * 100" in body
    assert "67 / 111 × 100 = 60,36" in body
    assert "Come è calcolato" in body
    assert "Inserisci o aggiorna un valore" not in body


def test_objective_page_records_actions_and_delegates(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:objective", args=[plan.pl_coordination.pk])
    client.post(
        reverse("measurement:corrective_action_add", args=[plan.pl_coordination.pk]),
        {"description": "Turni aggiuntivi nel weekend", "due_date": "2025-09-30"},
    )
    action = CorrectiveAction.objects.get()
    assert "Turni aggiuntivi nel weekend" in client.get(url).content.decode()
    client.post(reverse("measurement:corrective_action_done", args=[action.pk]))
    assert CorrectiveAction.objects.get().status == "done"
    Assignment.objects.create(person=plan.agente, unit=plan.verbali)
    client.post(
        reverse("measurement:delegate_add", args=[plan.pl_coordination.pk]),
        {"person": "Gialli Paolo"},
    )
    delegate = ObjectiveDelegate.objects.get()
    giunta = enter(plan.users.giunta, plan.ente)
    assert (
        giunta.post(reverse("measurement:delegate_remove", args=[delegate.pk])).status_code == 403
    )
    assert (
        giunta.post(
            reverse("measurement:corrective_action_add", args=[plan.pl_coordination.pk]),
            {"description": "x"},
        ).status_code
        == 403
    )


def test_phase_progress_refuses_more_than_100(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:phase_progress", args=[plan.phase.pk])
    body = client.post(url, {"progress": "120"}).content.decode()
    assert "deve essere tra 0 e 100" in body
    assert (
        client.post(url, {"progress": "60,5", "actual_text": "Avviati 2 nuclei"}).status_code == 302
    )
    plan.phase.refresh_from_db()
    assert plan.phase.progress == Decimal("60.5")


def test_evidence_upload_download_and_type_check(plan, enter, media):
    value = store(plan.controls, cycle=plan.cycle, day=JUNE, value="31")
    client = enter(plan.users.comandante, plan.ente)
    upload = reverse("measurement:evidence_add", args=[value.pk])
    client.post(upload, {"file": SimpleUploadedFile("verbale.pdf", b"%PDF-1.4 prova")})
    evidence = Evidence.objects.get()
    download = client.get(reverse("measurement:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    response = client.post(upload, {"file": SimpleUploadedFile("script.exe", b"MZ")}, follow=True)
    assert "non è di un tipo ammesso" in response.content.decode()
    assert Evidence.objects.count() == 1


def test_smvp_settings_are_validated_by_the_service(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    url = reverse("measurement:smvp_settings")
    page = client.get(url).content.decode()
    assert "Lineare tra baseline e target" in page
    data = {
        "method": "ratio",
        "tolerance": "5",
        "tolerance_kind": "percent",
        "minimum": "0",
        "cap": "250",
        "objective_aggregation": "weighted_mean",
        "missing": "exclude",
    }
    body = client.post(url, data).content.decode()
    assert "smvp.cap: deve essere un numero tra 100 e 200" in body
    data["cap"] = "120"
    assert client.post(url, data).status_code == 302
    plan.ente.refresh_from_db()
    assert plan.ente.smvp_settings["indicator"]["method"] == "ratio"
    assert plan.ente.smvp_settings["cap"] == "120"


def test_ente_dashboard_draws_the_charts_next_to_their_tables(plan, enter, final_values):
    client = enter(plan.users.nucleo, plan.ente)
    body = client.get(reverse("measurement:dashboard_ente")).content.decode()
    assert body.count('<figure class="chart') == 3
    assert '<title id="grafico' in body and "Raggiungimento per area</title>" in body
    # The trend across the monitoring windows, beside its table: the ente and each area, now.
    assert "Raggiungimento a ogni finestra chiusa e oggi</title>" in body
    assert "<caption>Raggiungimento a ogni finestra chiusa e nella situazione attuale" in body
    assert "Obiettivi operativi dell'ente per stato</title>" in body
    assert "<caption>Raggiungimento per area" in body  # the table stays


def test_dashboards_show_bars_as_text_and_tables(plan, enter, final_values):
    client = enter(plan.users.nucleo, plan.ente)
    body = client.get(reverse("measurement:dashboard_ente")).content.decode()
    assert 'role="img"' in body and "raggiungimento" in body
    assert "<caption>Obiettivi operativi dell'ente per stato</caption>" in body
    assert "Come è calcolato" in body
    assert "Andamento tra i monitoraggi" in body
    person = client.get(
        reverse("measurement:dashboard_person", args=[plan.ragioniere.pk])
    ).content.decode()
    assert "Bilancio" in person


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "page", ["dashboard_ente", "dashboard_unit", "dashboard_person", "objective", "home"]
)
def test_dashboard_queries_do_not_grow_with_the_plan(
    plan, enter, page, django_assert_max_num_queries
):
    window(plan, JUNE)
    client = enter(plan.users.admin, plan.ente)
    args = {
        "dashboard_unit": [plan.pl.pk],
        "dashboard_person": [plan.comandante.pk],
        "objective": [plan.pl_coordination.pk],
    }.get(page, [])
    url = reverse(f"measurement:{page}", args=args)
    small = _count(client, url)
    grow(plan, 12)
    with django_assert_max_num_queries(small):
        client.get(url)
    assert small < 60


def test_my_deadlines_shows_the_target_and_the_previous_value(plan, enter):
    store(plan.pl_days, cycle=plan.cycle, day=dt.date(2025, 3, 31), value="12",
          state=MeasurementState.APPROVED)  # fmt: skip
    window(plan, dt.date(2025, 3, 31), "Monitoraggio al 31 marzo", state=WindowState.CLOSED)
    window(plan, JUNE)
    body = enter(plan.users.comandante, plan.ente).get(reverse("measurement:my_deadlines"))
    card = body.content.decode()
    card = card[card.index(f'id="deadline-i{plan.pl_days.pk}-20250630"') :]
    card = card[: card.index("<form")]
    assert "Target 2025: <strong>target di tempi-pagamento-pl</strong>" in card
    assert "valore precedente: <strong>12</strong> al 31/03/2025" in card
