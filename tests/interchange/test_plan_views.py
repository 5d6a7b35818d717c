"""The import pages: upload, preview with row errors and matches, commit; the template; the
performa-cycle file uploaded and downloaded in the browser."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import MembershipRole
from interchange.exporter import export_cycle
from interchange.models import PlanImport
from planning.models import Cycle, OperationalObjective
from tests.interchange import plan_files as pf


@pytest.fixture
def admin_client(client, make_ente, make_user):
    ente = make_ente("comune-prova")
    user = make_user("segretario", ente, MembershipRole.ADMIN)
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = ente.pk
    session.save()
    client.ente = ente
    return client


def test_upload_preview_and_commit(admin_client, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("errori.xlsx", pf.errors_xlsx())
    response = admin_client.post(
        reverse("interchange:plan_upload"), {"year": "2024", "file": upload}
    )
    item = PlanImport.objects.get()
    assert response.status_code == 302
    page = admin_client.get(reverse("interchange:plan_preview", args=[item.pk]))
    text = page.content.decode()
    assert "riga 2, colonna Peso: «trenta» non è un numero." in text
    assert "Colore preferito" in text and "da verificare" in text
    # Map the unknown column, then commit.
    admin_client.post(
        reverse("interchange:plan_preview", args=[item.pk]),
        {"save_mapping": "1", "col:Colore preferito": "ignora"},
    )
    page = admin_client.get(reverse("interchange:plan_preview", args=[item.pk]))
    assert "Colonne non riconosciute" not in page.content.decode()
    status = reverse("interchange:plan_status", args=[item.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse("interchange:plan_preview", args=[item.pk]),
            {"commit": "1", "match:unit:Anagrafe": "new"},
        )
    assert response.status_code == 302
    # Queued for the worker: the page shows the progress and polls it; nothing written yet.
    item.refresh_from_db()
    assert item.state == PlanImport.State.QUEUED and item.request["choices"] == {
        "unit:Anagrafe": "new"
    }
    waiting = admin_client.get(status, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in waiting and 'role="progressbar"' in waiting
    page = admin_client.get(reverse("interchange:plan_preview", args=[item.pk])).content.decode()
    assert "In attesa di importazione" in page and 'name="commit"' not in page
    assert not Cycle.objects.filter(ente=admin_client.ente).exists()
    for callback in callbacks:  # the worker takes the task
        callback()
    done = admin_client.get(status).content.decode()
    assert "Importato" in done and "hx-trigger" not in done
    assert "Piano importato: " in done and "Vai al piano 2024" in done
    cycle = Cycle.objects.get(ente=admin_client.ente, year=2024)
    assert set(
        OperationalObjective.objects.filter(cycle=cycle).values_list("title", flat=True)
    ) == {
        "Stato civile",
        "Elettorale",
    }
    assert PlanImport.objects.get().state == PlanImport.State.COMMITTED


def test_template_download(admin_client):
    response = admin_client.get(reverse("interchange:plan_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_other_roles_cannot_import(client, make_ente, make_user):
    ente = make_ente("comune-b")
    user = make_user("dipendente", ente, MembershipRole.DIPENDENTE)
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = ente.pk
    session.save()
    assert client.get(reverse("interchange:plan_upload")).status_code == 403


def test_cycle_file_upload_shows_json_paths_and_download(admin_client, rich_cycle):
    ente = admin_client.ente
    bad = {"format": "performa-cycle", "version": 1, "ente": {"slug": ente.slug}, "cycle": {}}
    response = admin_client.post(
        reverse("interchange:cycle_file"),
        {"file": SimpleUploadedFile("c.json", json.dumps(bad).encode())},
    )
    assert "$." in response.content.decode()
    assert not Cycle.objects.filter(ente=ente).exists()
    # Another ente's file is refused; its cycle cannot be downloaded from here.
    other = export_cycle(rich_cycle)
    response = admin_client.post(
        reverse("interchange:cycle_file"),
        {"file": SimpleUploadedFile("c.json", json.dumps(other).encode())},
    )
    assert "$.ente.slug" in response.content.decode()
    assert (
        admin_client.get(reverse("interchange:cycle_download", args=[rich_cycle.pk])).status_code
        == 404
    )


def test_the_planning_pages_lead_the_administrator_to_the_import(admin_client, make_user):
    upload = reverse("interchange:plan_upload")
    empty = admin_client.get(reverse("planning:tree")).content.decode()
    assert f'href="{upload}"' in empty  # no plan yet: import it, or create the first cycle
    assert f'href="{upload}"' in admin_client.get(reverse("planning:cycle_list")).content.decode()
    Cycle.objects.create(ente=admin_client.ente, year=2025, first_year=2025, last_year=2027)
    page = admin_client.get(reverse("planning:tree") + "?anno=2025").content.decode()
    assert f'href="{upload}?anno=2025"' in page
    form = admin_client.get(upload + "?anno=2025").content.decode()
    assert 'value="2025"' in form
    assert f'href="{reverse("interchange:cycle_file")}"' in form
    # Someone who cannot import is not shown the way to it.
    reader = make_user("lettore", admin_client.ente, MembershipRole.DIPENDENTE)
    admin_client.force_login(reader)
    session = admin_client.session
    session[SESSION_KEY] = admin_client.ente.pk
    session.save()
    page = admin_client.get(reverse("planning:tree") + "?anno=2025")
    assert page.status_code == 200 and "Piano della performance 2025" in page.content.decode()
    assert upload not in page.content.decode()


def test_a_refused_background_import_says_why_and_writes_nothing(admin_client):
    from interchange.plans import services

    item = PlanImport.objects.create(
        ente=admin_client.ente,
        year=2024,
        file_name="errori.xlsx",
        file_kind="xlsx",
        checksum="0" * 64,
        size=1,
        content=b"non un file xlsx",
    )
    services.plan_import_enqueue(user=None, plan_import=item)
    services.plan_import_run(user=None, plan_import=item)
    item.refresh_from_db()
    assert item.state == PlanImport.State.FAILED
    assert "non si può leggere come XLSX" in item.message
    assert not Cycle.objects.filter(ente=admin_client.ente).exists()
    page = admin_client.get(reverse("interchange:plan_status", args=[item.pk])).content.decode()
    assert "Non riuscito" in page and "alert-danger" in page and "hx-trigger" not in page


def test_an_approved_plan_is_refused_before_queueing(admin_client):
    from planning.models import CycleState

    Cycle.objects.create(
        ente=admin_client.ente,
        year=2024,
        first_year=2024,
        last_year=2026,
        state=CycleState.APPROVED,
    )
    upload = SimpleUploadedFile("piano.xlsx", pf.seed002_xlsx())
    admin_client.post(reverse("interchange:plan_upload"), {"year": "2024", "file": upload})
    item = PlanImport.objects.get()
    response = admin_client.post(
        reverse("interchange:plan_preview", args=[item.pk]), {"commit": "1"}, follow=True
    )
    text = response.content.decode()
    assert "è approvato e un" in text and "importazione non lo sovrascrive" in text
    item.refresh_from_db()
    assert item.state == PlanImport.State.PREVIEW
