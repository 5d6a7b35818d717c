"""The REST API lists and downloads generated documents, within the user's ente and rights."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from documents import services


@pytest.fixture
def piano(sorbara):
    return services.document_generate_now(user=None, cycle=sorbara, kind="piano", format="pdf")


def api_for(make_user, ente, role, username):
    client = APIClient()
    client.force_authenticate(make_user(username, ente, role))
    return client


def test_list_detail_and_file(make_user, sorbara, piano):
    client = api_for(make_user, sorbara.ente, "giunta", "api-giunta")
    listing = client.get(f"/api/cicli/{sorbara.pk}/documenti/").json()
    row = listing["results"][0]
    assert row["kind"] == "piano" and row["format"] == "pdf" and row["state"] == "done"
    assert row["fingerprint"] == piano.fingerprint
    detail = client.get(f"/api/documenti/{piano.pk}/").json()
    assert detail["download_url"] == f"/api/documenti/{piano.pk}/file/"
    response = client.get(detail["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"
    filtered = client.get(f"/api/cicli/{sorbara.pk}/documenti/?kind=relazione").json()
    assert filtered["results"] == []


def test_other_ente_and_personal_documents_are_404(make_user, sorbara, casalbuttano, piano):
    outsider = api_for(make_user, casalbuttano.ente, "admin", "api-outsider")
    assert outsider.get(f"/api/documenti/{piano.pk}/").status_code == 404
    assert outsider.get(f"/api/documenti/{piano.pk}/file/").status_code == 404
    premi = services.document_generate_now(user=None, cycle=sorbara, kind="premi", format="xlsx")
    staff = api_for(make_user, sorbara.ente, "dipendente", "api-staff")
    assert staff.get(f"/api/documenti/{premi.pk}/").status_code == 404
    listed = staff.get(f"/api/cicli/{sorbara.pk}/documenti/").json()["results"]
    assert [row["kind"] for row in listed] == ["piano"]
