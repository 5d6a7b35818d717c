"""«Amministrazione Trasparente > Performance»: only what the ente published, audited; CSV and
JSON that parse and name nobody; the ente's name in the header."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from core.exceptions import ServiceError
from core.models import AuditEntry
from documents import services
from documents.models import Publication, PublicSection
from organization.models import EvaluationBodyMember, Person


@pytest.fixture
def published(sorbara):
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


def test_unpublished_or_withdrawn_is_not_served(sorbara):
    client = Client()
    assert client.get("/trasparenza/unione-sorbara/performance/2024/smvp/").status_code == 404
    publication = services.publication_publish(
        user=None, ente=sorbara.ente, year=2024, section="smvp"
    )
    assert client.get("/trasparenza/unione-sorbara/performance/2024/smvp/").status_code == 200
    services.publication_withdraw(user=None, publication=publication)
    assert client.get("/trasparenza/unione-sorbara/performance/2024/smvp/").status_code == 404
    actions = list(
        AuditEntry.objects.filter(object_type="documents.Publication")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["publication.publish", "publication.withdraw"]
    assert Publication.objects.get(pk=publication.pk).withdrawn_at is not None


def test_a_document_must_exist_before_publication(sorbara):
    with pytest.raises(ServiceError, match="genera prima il documento"):
        services.publication_publish(user=None, ente=sorbara.ente, year=2024, section="piano")


def test_only_the_admin_publishes(make_user, sorbara):
    from core.exceptions import AccessDenied

    user = make_user("giunta-x", sorbara.ente, "giunta")
    with pytest.raises(AccessDenied):
        services.publication_publish(user=user, ente=sorbara.ente, year=2024, section="smvp")
