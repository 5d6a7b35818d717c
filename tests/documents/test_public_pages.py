"""«Amministrazione Trasparente > Performance», the published pages: the ente's layout, CSV and
JSON that parse and name nobody. The documents are generated and published once for the module
(every test here only reads them)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from documents import services
from documents.models import PublicSection
from organization.models import EvaluationBodyMember, Person
from tests.documents.conftest import cycle_of


@pytest.fixture(scope="module")
def published(demo_cycles, module_savepoint):
    sorbara = cycle_of(demo_cycles, "sorbara")
    services.document_generate_now(user=None, cycle=sorbara, kind="piano", format="pdf")
    services.document_generate_now(user=None, cycle=sorbara, kind="relazione", format="pdf")
    services.document_generate_now(user=None, cycle=sorbara, kind="validazione", format="pdf")
    for section in PublicSection.values:
        services.publication_publish(user=None, ente=sorbara.ente, year=2024, section=section)
    return sorbara


def names_of(ente) -> set[str]:
    people = {p.first_name for p in Person.objects.filter(ente=ente)} | {
        p.last_name for p in Person.objects.filter(ente=ente)
    }
    people |= set(
        EvaluationBodyMember.objects.filter(body__ente=ente).values_list("full_name", flat=True)
    )
    return {name for name in people if len(name) > 3}


def test_index_and_pages_in_the_entes_layout(published):
    client = Client()
    body = client.get("/trasparenza/unione-sorbara/performance/").content.decode()
    assert "Unione dei Comuni del Sorbara" in body and "it-header-wrapper" in body
    assert "Performa ·" not in body and "ciclo della performance" not in body
    for section in PublicSection.values:
        assert f"/trasparenza/unione-sorbara/performance/2024/{section}/" in body
        page = client.get(f"/trasparenza/unione-sorbara/performance/2024/{section}/")
        assert page.status_code == 200
    relazione = client.get("/trasparenza/unione-sorbara/performance/2024/relazione/")
    assert "/performance/2024/validazione/" in relazione.content.decode()
    pdf = client.get("/trasparenza/unione-sorbara/performance/2024/piano/documento/")
    assert b"".join(pdf.streaming_content)[:5] == b"%PDF-"


@pytest.mark.parametrize("section", PublicSection.values)
def test_open_data_parse_and_name_nobody(published, section):
    client = Client()
    base = f"/trasparenza/unione-sorbara/performance/2024/{section}/"
    payload = client.get(base + "dati.json")
    data = json.loads(payload.content.decode())
    assert data["ente"] == "Unione dei Comuni del Sorbara"
    rows = list(csv.reader(io.StringIO(client.get(base + "dati.csv").content.decode())))
    assert rows[0] == ["tabella", "riga", "colonna", "valore"]
    text = payload.content.decode() + json.dumps(rows, ensure_ascii=False)
    leaked = [name for name in names_of(published.ente) if name in text]
    assert leaked == []
    if section in ("piano", "relazione", "ammontare_premi", "dati_premi"):
        assert data["tabelle"] and len(rows) > 1
    # Italian keys, stable and documented in docs/trasparenza.md (issue 7 item 15).
    assert set(data) == {"ente", "anno", "sotto_sezione", "riferimento", "tabelle"}
    for table in data["tabelle"]:
        assert set(table) == {"titolo", "colonne", "righe"}


def test_premium_page_shows_aggregates(published):
    body = Client().get("/trasparenza/unione-sorbara/performance/2024/dati_premi/").content
    text = body.decode()
    assert "<table" in text and "<caption>" in text
    assert not [name for name in names_of(published.ente) if name in text]


@pytest.fixture(scope="module")
def published_consorzio(demo_cycles, module_savepoint):
    consorzio = cycle_of(demo_cycles, "consorzio")
    for kind in ("piano", "relazione", "validazione"):
        services.document_generate_now(user=None, cycle=consorzio, kind=kind, format="pdf")
    for section in PublicSection.values:
        services.publication_publish(user=None, ente=consorzio.ente, year=2021, section=section)
    return consorzio


def test_the_consorzio_public_pages_serve_its_documents_and_open_data(published_consorzio):
    """The consorzio too (no schede, no funds): every sub-section answers, its documents are
    served, and its CSV and JSON parse and name nobody."""
    client = Client()
    ente = published_consorzio.ente
    base = f"/trasparenza/{ente.slug}/performance/2021/"
    assert ente.name in client.get(f"/trasparenza/{ente.slug}/performance/").content.decode()
    names = names_of(ente)
    assert names
    for section in PublicSection.values:
        assert client.get(f"{base}{section}/").status_code == 200, section
        payload = client.get(f"{base}{section}/dati.json").content.decode()
        data = json.loads(payload)
        assert data["ente"] == ente.name and data["anno"] == 2021, section
        spreadsheet = client.get(f"{base}{section}/dati.csv").content.decode()
        rows = list(csv.reader(io.StringIO(spreadsheet)))
        assert rows[0] == ["tabella", "riga", "colonna", "valore"], section
        text = payload + json.dumps(rows, ensure_ascii=False)
        assert [name for name in names if name in text] == [], section
    for section in ("piano", "relazione"):
        document = client.get(f"{base}{section}/documento/")
        assert b"".join(document.streaming_content)[:5] == b"%PDF-", section
