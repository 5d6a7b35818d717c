"""The «Documenti» area: pages, HTMX generation with progress, downloads, access."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.middleware import SESSION_KEY
from accounts.models import Membership
from appraisal.models import Scheda
from documents import services
from documents.models import GeneratedDocument, ReportValidation, ValidationRefusal


def client_for(make_user, cycle, role, person=None, username=None):
    user = make_user(username or f"u-{role}-{cycle.ente.slug}", cycle.ente, role, person=person)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = cycle.ente.pk
    session.save()
    return client


@pytest.fixture
def admin(make_user, sorbara):
    return client_for(make_user, sorbara, "admin")


def test_index_lists_every_document_with_its_state(admin):
    response = admin.get("/documenti/?anno=2024")
    assert response.status_code == 200
    body = response.content.decode()
    for label in (
        "Piano della performance",
        "Report di monitoraggio",
        "Relazione sulla performance",
        "Documento di validazione",
        "Portale PIAO",
        "mai generato",
    ):
        assert label in body
    assert 'hx-post="/documenti/genera/"' in body


def test_generate_with_htmx_shows_progress_then_download(admin, sorbara):
    response = admin.post(
        "/documenti/genera/",
        {"anno": "2024", "kind": "piano", "format": "xlsx"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="progressbar"' in body and 'hx-trigger="every 1s"' in body
    document = GeneratedDocument.objects.get(cycle=sorbara, kind="piano", format="xlsx")
    services.document_generate(document.pk)  # what the worker does
    progress = admin.get(f"/documenti/generazioni/{document.pk}/").content.decode()
    assert "Scarica XLSX" in progress and "every 1s" not in progress
    download = admin.get(f"/documenti/generazioni/{document.pk}/scarica/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:2] == b"PK"
    fresh = admin.get(f"/documenti/generazioni/{document.pk}/stato/").content.decode()
    assert "aggiornato" in fresh and "non aggiornato" not in fresh
    history = admin.get("/documenti/storia/?anno=2024").content.decode()
    assert document.fingerprint[:12] in history


def test_missing_data_error_is_shown(make_user, consorzio):
    client = client_for(make_user, consorzio, "admin")
    response = client.post(
        "/documenti/genera/",
        {"anno": "2021", "kind": "relazione", "format": "pdf"},
        HTTP_HX_REQUEST="true",
    )
    document = GeneratedDocument.objects.get(cycle=consorzio, kind="relazione")
    services.document_generate(document.pk)
    body = client.get(f"/documenti/generazioni/{document.pk}/").content.decode()
    assert response.status_code == 200
    assert "nessun valore misurato" in body and 'role="alert"' in body


def test_another_entes_document_is_404(make_user, sorbara, casalbuttano):
    document = services.document_generate_now(user=None, cycle=sorbara, kind="piano", format="xlsx")
    other = client_for(make_user, casalbuttano, "admin")
    for url in (
        f"/documenti/generazioni/{document.pk}/",
        f"/documenti/generazioni/{document.pk}/scarica/",
    ):
        assert other.get(url).status_code == 404


def test_a_scheda_is_only_for_its_readers(make_user, sorbara):
    schede = list(Scheda.objects.filter(cycle=sorbara).select_related("person")[:2])
    own, other = schede[0], schede[1]
    client = client_for(make_user, sorbara, "dipendente", person=own.person)
    ok = client.post(
        "/documenti/genera/",
        {"anno": "2024", "kind": "scheda", "format": "pdf", "person": own.person.pk},
    )
    assert ok.status_code == 302
    denied = client.post(
        "/documenti/genera/",
        {"anno": "2024", "kind": "scheda", "format": "pdf", "person": other.person.pk},
    )
    assert denied.status_code == 302
    assert not GeneratedDocument.objects.filter(person=other.person).exists()
    names = client.post("/documenti/genera/", {"anno": "2024", "kind": "premi", "format": "pdf"})
    assert names.status_code == 302
    assert not GeneratedDocument.objects.filter(kind="premi").exists()


def test_nucleo_records_non_valida_and_the_gate_stays_closed(make_user, consorzio):
    from planning.models import CycleState

    consorzio.state = CycleState.REPORTING
    consorzio.save()
    nucleo = client_for(make_user, consorzio, "nucleo")
    response = nucleo.post(
        "/documenti/validazione/?anno=2021",
        {
            "anno": "2021",
            "outcome": "non_valida",
            "decided_on": "2022-06-20",
            "act_label": "Verbale n. 2/2022",
            "reasons": "Scostamenti non motivati.",
        },
    )
    assert response.status_code == 302
    assert ValidationRefusal.objects.filter(cycle=consorzio).exists()
    assert not ReportValidation.objects.filter(cycle=consorzio).exists()
    empty = nucleo.post(
        "/documenti/validazione/?anno=2021",
        {
            "anno": "2021",
            "outcome": "non_valida",
            "decided_on": "2022-06-20",
            "act_label": "Verbale n. 3/2022",
            "reasons": "",
        },
    )
    assert "motivazioni" in empty.content.decode()


def test_stemma_upload_goes_into_the_documents(admin, sorbara):
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
        b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    admin.post(
        "/documenti/impostazioni/",
        {"anno": "2024", "stemma": SimpleUploadedFile("stemma.png", png, content_type="image/png")},
    )
    from documents.builders import build
    from documents.writers.pdf import render_pdf

    model = build("smvp", sorbara)
    assert model.stemma == png
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(render_pdf(model)))
    assert any("/XObject" in (page.get("/Resources") or {}) for page in reader.pages)
    bad = admin.post(
        "/documenti/impostazioni/",
        {
            "anno": "2024",
            "stemma": SimpleUploadedFile("stemma.png", b"nope", content_type="image/png"),
        },
        follow=True,
    )
    assert "Il file non è un" in bad.content.decode()


def test_menu_has_documenti(admin):
    body = admin.get("/documenti/").content.decode()
    assert ">Documenti</span>" in body


def test_roles_without_membership_are_refused(sorbara):
    client = Client()
    assert client.get("/documenti/").status_code == 302  # to the login
    assert Membership.objects.count() >= 0
