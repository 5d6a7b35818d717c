"""Pages of payment timeliness: access, the import wizard, dashboard, what-if, FGDC, stock."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments import services
from payments.models import (
    BatchState,
    DebtSnapshot,
    ImportBatch,
    Invoice,
    PaymentReport,
    PaymentSettings,
)
from tests.payments.conftest import SMALL, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(case):
    services.import_invoices(
        user=case.admin, ente=case.ente, content=SMALL, filename="fatture.csv", today=TODAY
    )
    return case


PAGES = ["payments:dashboard", "payments:invoices", "payments:rules"]


def test_anonymous_users_go_to_the_login(client):
    response = client.get(reverse("payments:dashboard"))
    assert response.status_code == 302 and "accedi" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_a_dipendente_may_not_open_the_payment_pages(imported, enter, name):
    client = enter(imported.dipendente, imported.ente)
    assert client.get(reverse(name)).status_code == 403


def test_the_wizard_from_upload_to_import(case, enter, django_capture_on_commit_callbacks):
    client = enter(case.admin, case.ente)
    page = client.get(reverse("payments:import_start"))
    assert page.status_code == 200 and "Colonne riconosciute" in page.content.decode()
    upload = SimpleUploadedFile("fatture.csv", SMALL, content_type="text/csv")
    response = client.post(
        reverse("payments:import_start"), {"file": upload, "source_name": "Contabilità"}
    )
    batch = ImportBatch.objects.get(ente=case.ente)
    assert response["Location"] == reverse("payments:import_mapping", args=[batch.pk])
    mapping_page = client.get(response["Location"]).content.decode()
    assert '<option value="Data scadenza" selected>' in mapping_page
    data = {name: header for name, header in batch.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:import_mapping", args=[batch.pk]), data)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == BatchState.ANALYSED  # the task ran at once in the tests
    detail = client.get(reverse("payments:import_detail", args=[batch.pk])).content.decode()
    assert "Anteprima delle prime 6 fatture valide" in detail
    assert "Importa 6 fatture" in detail
    assert not Invoice.objects.filter(ente=case.ente).exists()  # nothing written yet
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == BatchState.DONE and batch.created_count == 6
    partial = client.get(
        reverse("payments:import_detail", args=[batch.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "6 fatture nuove" in partial and "hx-trigger" not in partial


def test_the_progress_partial_polls_while_the_import_runs(case, enter):
    client = enter(case.admin, case.ente)
    batch = services.batch_create(user=case.admin, ente=case.ente, content=SMALL, filename="f.csv")
    ImportBatch.objects.filter(pk=batch.pk).update(
        state=BatchState.IMPORTING, total_rows=200, processed_rows=50
    )
    html = client.get(
        reverse("payments:import_detail", args=[batch.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="25"' in html
    assert 'role="progressbar"' in html


def test_a_mapping_without_the_total_is_refused_on_the_page(case, enter):
    client = enter(case.admin, case.ente)
    batch = services.batch_create(user=case.admin, ente=case.ente, content=SMALL, filename="f.csv")
    data = {name: header for name, header in batch.mapping.items() if name != "total"}
    response = client.post(reverse("payments:import_mapping", args=[batch.pk]), data)
    assert response.status_code == 200
    assert "importo totale del documento" in response.content.decode()


def test_only_the_admin_imports(imported, enter):
    for user in (imported.nucleo, imported.giunta, imported.responsabile):
        client = enter(user, imported.ente)
        assert client.get(reverse("payments:import_start")).status_code == 403


def test_another_entes_batch_gives_404(imported, enter, make_user):
    client = enter(imported.outsider, imported.other)
    batch = ImportBatch.objects.get(ente=imported.ente)
    assert client.get(reverse("payments:import_detail", args=[batch.pk])).status_code == 404
    invoice = Invoice.objects.filter(ente=imported.ente).first()
    assert client.get(reverse("payments:invoice", args=[invoice.pk])).status_code == 404


def test_the_dashboard_shows_the_figures_with_their_calculation(imported, enter):
    client = enter(imported.nucleo, imported.ente)
    html = client.get(reverse("payments:dashboard") + "?anno=2024").content.decode()
    assert "Tempi di pagamento 2024" in html
    assert "1,21 giorni" in html  # annual ITP 1,206897
    assert "Come è calcolato" in html
    assert "Piattaforma dei Crediti Commerciali" in html
    assert "1.000,00\u00a0€" in html  # the stock at 31/12
    assert "Polizia Locale" in html and "Ragioneria" in html
    assert "Andamento dell'ITP per trimestre" in html and "<svg" in html
    assert client.get(reverse("payments:dashboard") + "?anno=1999").status_code == 404


def test_a_responsabile_sees_only_the_units_they_lead(imported, enter):
    client = enter(imported.responsabile, imported.ente)
    html = client.get(reverse("payments:dashboard") + "?anno=2024").content.decode()
    assert "Polizia Locale" in html and "Presidio Nord" in html
    assert "Ragioneria" not in html
    assert "Sintesi dell'ente" not in html
    ragioneria = imported.ragioneria.pk
    assert client.get(reverse("payments:unit", args=[ragioneria])).status_code == 403
    assert client.get(reverse("payments:unit", args=[imported.polizia.pk])).status_code == 200
    listing = client.get(reverse("payments:invoices")).content.decode()
    assert "F-1" in listing and "B-7" not in listing
    other = Invoice.objects.get(sdi_id="1003")
    assert client.get(reverse("payments:invoice", args=[other.pk])).status_code == 403
    assert client.get(reverse("payments:fgdc")).status_code == 403


def test_the_invoice_list_filters_and_the_detail(imported, enter):
    client = enter(imported.admin, imported.ente)
    html = client.get(reverse("payments:invoices") + "?da_pagare=1").content.decode()
    assert "G-1" in html and "F-1" not in html
    html = client.get(reverse("payments:invoices") + "?q=beta").content.decode()
    assert "B-7" in html and "B-9" in html and "G-1" not in html
    suspended = Invoice.objects.get(sdi_id="1004")
    detail = client.get(reverse("payments:invoice", args=[suspended.pk])).content.decode()
    assert "spostata al 10/04/2024" in detail  # 31/03 + 10 days of dispute
    assert "Contestazione o contenzioso" in detail


def test_what_if_paying_the_late_invoice(imported, enter):
    client = enter(imported.admin, imported.ente)
    page = client.get(reverse("payments:what_if") + "?anno=2024").content.decode()
    late = Invoice.objects.get(sdi_id="1005")
    assert f'value="{late.pk}"' in page
    response = client.post(
        reverse("payments:what_if") + "?anno=2024", {"invoices": [late.pk], "day": "2024-12-01"}
    )
    html = response.content.decode()
    assert "Esito: 1 fattura pagata il 01/12/2024" in html
    # Paid on its due date: the ritardo falls to (7.000 + 0) / 7.020, and the stock to zero.
    assert "1,00 giorni" in html
    assert "0,00\u00a0€" in html
    assert Invoice.objects.get(pk=late.pk).payments.count() == 0  # nothing was written


def test_fgdc_amount_on_the_appropriation(imported, enter):
    client = enter(imported.giunta, imported.ente)
    html = client.get(
        reverse("payments:fgdc"),
        {"anno": "2024", "appropriation": "250.000,00", "data_published": "on", "calcola": "1"},
    ).content.decode()
    assert "Fondo 2025: 5 % = 12.500,00\u00a0€" in html.replace("\u00a0%", " %")
    bad = client.get(
        reverse("payments:fgdc"), {"anno": "2024", "appropriation": "tanti", "calcola": "1"}
    ).content.decode()
    assert "non è un numero" in bad


def test_freeze_the_stock(imported, enter):
    client = enter(imported.admin, imported.ente)
    snapshot = DebtSnapshot.objects.get(ente=imported.ente, reference_date="2024-12-31")
    html = client.get(reverse("payments:stock")).content.decode()
    assert "Modificabile" in html
    client.post(reverse("payments:stock_freeze", args=[snapshot.pk]), {"congela": "1"})
    snapshot.refresh_from_db()
    assert snapshot.is_frozen
    nucleo = enter(imported.nucleo, imported.ente)
    assert nucleo.post(reverse("payments:stock_freeze", args=[snapshot.pk])).status_code == 403


def test_the_rules_form_saves_and_the_nucleo_only_reads(
    imported, enter, django_capture_on_commit_callbacks
):
    client = enter(imported.admin, imported.ente)
    page = client.get(reverse("payments:rules")).content.decode()
    assert "circolare RGS-DFP" in page
    data = {
        "term_days": "60",
        "deduct_causes": ["contenzioso"],
        "unpaid_reference": "year_end",
        "round_delay": "on",
        "objective_rule": "proportional",
        "objective_scope": "ente",
        "objective_target_days": "0",
        "proportional_zero_days": "30",
        "max_points": "10",
        "incidence_target": "5",
        "reduction_target": "90",
        "debt_method": "ratio",
        "debt_zero_at_points": "50",
        "delay_zero_days": "60",
        "debt_weight": "50",
        "delay_weight": "50",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("payments:rules"), data).status_code == 302
    rules = PaymentSettings.objects.get(ente=imported.ente).rules
    # The figures were recomputed in the background with the new term.
    report = PaymentReport.objects.get(ente=imported.ente, year=2024)
    assert report.data["rules"]["term_days"] == 60
    assert rules["term_days"] == 60 and rules["objective_rule"] == "proportional"
    assert rules["deduct_causes"] == ["contenzioso"]
    nucleo = enter(imported.nucleo, imported.ente)
    assert nucleo.get(reverse("payments:rules")).status_code == 200
    assert nucleo.post(reverse("payments:rules"), data).status_code == 403


def test_the_menu_shows_pagamenti_to_readers_only(imported, enter):
    html = enter(imported.nucleo, imported.ente).get(reverse("accounts:home")).content.decode()
    assert reverse("payments:dashboard") in html
    html = enter(imported.dipendente, imported.ente).get(reverse("accounts:home")).content.decode()
    assert reverse("payments:dashboard") not in html
