"""Issue 9, «Done when»: from the Sorbara and the consorzio demos every document kind comes out
of the «Documenti» area in every format (generate, the worker's task, download), each file is
what its format promises, and the text of every Piano, monitoring report and Relazione in PDF
and DOCX holds every objective title of the plan (the Piano also each weight and target).

The files are generated once for the module through the UI and read by every test.
"""

from __future__ import annotations

import io

import docx
import openpyxl
import pypdf
import pytest
from django.test import Client

from accounts.middleware import SESSION_KEY
from accounts.models import Membership, User
from documents import services
from documents.builders import FORMATS, NEEDS_PERSON, NEEDS_WINDOW
from documents.models import GeneratedDocument
from measurement.models import MonitoringWindow
from organization.models import Person
from planning.models import OperationalObjective
from tests.documents.conftest import cycle_of
from tests.documents.test_content import docx_text, expected, pdf_text, squeeze

DEMOS = {"sorbara": 2024, "consorzio": 2021}


def _admin_client(cycle) -> Client:
    user = User.objects.create_user(username=f"doc-admin-{cycle.ente.slug}", password="x-Prova-1")
    Membership.objects.create(user=user, ente=cycle.ente, role="admin")
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = cycle.ente.pk
    session.save()
    return client


def _generate_in_the_ui(client, cycle, kind, fmt) -> bytes:
    data = {"anno": str(cycle.year), "kind": kind, "format": fmt}
    if kind in NEEDS_WINDOW:
        window = MonitoringWindow.objects.filter(cycle=cycle).order_by("period_end").last()
        data["window"] = str(window.pk)
    if kind in NEEDS_PERSON:
        person = (
            Person.objects.filter(ente=cycle.ente, schede__cycle=cycle).first()
            or Person.objects.filter(ente=cycle.ente).first()
        )
        data["person"] = str(person.pk)
    response = client.post("/documenti/genera/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, (kind, fmt)
    document = GeneratedDocument.objects.filter(cycle=cycle, kind=kind, format=fmt).latest("pk")
    done = services.document_generate(document.pk)  # what the worker does
    assert done.is_done, (cycle.ente.slug, kind, fmt, done.error)
    download = client.get(f"/documenti/generazioni/{document.pk}/scarica/")
    assert download.status_code == 200, (kind, fmt)
    return b"".join(download.streaming_content)


@pytest.fixture(scope="module")
def files(demo_cycles, module_savepoint):
    """{(demo, kind, format): bytes downloaded from the UI} for every kind and format."""
    found = {}
    for name in DEMOS:
        cycle = cycle_of(demo_cycles, name)
        client = _admin_client(cycle)
        for kind, formats in FORMATS.items():
            for fmt in formats:
                found[(name, kind, fmt)] = _generate_in_the_ui(client, cycle, kind, fmt)
    return found


def test_every_kind_in_every_format_from_both_demos(files):
    assert {(n, k, f) for n in DEMOS for k in FORMATS for f in FORMATS[k]} == set(files)
    for (name, kind, fmt), content in files.items():
        where = (name, kind, fmt)
        if fmt == "pdf":
            reader = pypdf.PdfReader(io.BytesIO(content))
            assert len(reader.pages) >= 1, where
            xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
            assert "pdfaid" in xmp and "pdfuaid" in xmp, where
            assert "/StructTreeRoot" in reader.trailer["/Root"], where
            assert reader.pages[0].extract_text().strip(), where
        elif fmt == "docx":
            document = docx.Document(io.BytesIO(content))
            assert any(p.style.name == "Title" for p in document.paragraphs), where
            assert docx_text(content), where
        else:
            book = openpyxl.load_workbook(io.BytesIO(content))
            assert book.sheetnames[0] == "Indice", where
            # One sheet per table; a document without tables (the one-page validation) has
            # only its index, which still names the ente and the document.
            index = " ".join(str(c.value) for row in book["Indice"].iter_rows() for c in row)
            assert "Indice" in book.sheetnames and len(index) > 20, where


@pytest.mark.parametrize("name", list(DEMOS))
def test_piano_from_the_ui_holds_every_title_weight_and_target(files, name, demo_cycles, db):
    items = expected(cycle_of(demo_cycles, name))
    assert len(items) > 10
    pdf, docx_file = files[(name, "piano", "pdf")], files[(name, "piano", "docx")]
    for text in (pdf_text(pdf), docx_text(docx_file)):
        assert [item for item in items if squeeze(item) not in text] == []


@pytest.mark.parametrize("kind", ["monitoraggio", "relazione"])
@pytest.mark.parametrize("name", list(DEMOS))
def test_report_and_relazione_name_every_objective(files, name, kind, demo_cycles, db):
    cycle = cycle_of(demo_cycles, name)
    titles = list(OperationalObjective.objects.filter(cycle=cycle).values_list("title", flat=True))
    assert len(titles) > 5
    for text in (pdf_text(files[(name, kind, "pdf")]), docx_text(files[(name, kind, "docx")])):
        assert [title for title in titles if squeeze(title) not in text] == []
