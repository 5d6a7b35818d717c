"""The demo plans, imported once for the whole package inside a transaction rolled back at its
end, and the files generated once per module where several tests only read them.

Each test still runs in its own savepoint (pytest-django's `db`), so what a test writes is
undone; a module fixture that writes (`module_savepoint`) does so in a savepoint of its own,
rolled back when the module ends. Generated files go to a temporary MEDIA_ROOT of the package.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from planning.models import Cycle

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
DEMOS = {
    "sorbara": ("unione-sorbara-2024.json", "unione-sorbara", 2024),
    "consorzio": ("consorzio-socio-assistenziale-2021.json", "consorzio-socio-assistenziale", 2021),
    "casalbuttano": ("unione-casalbuttano-2021.json", "unione-casalbuttano", 2021),
}


@pytest.fixture(scope="package", autouse=True)
def _media(tmp_path_factory):
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(scope="package")
def demo_cycles(django_db_setup, django_db_blocker):
    """{name: cycle id} of the three demo plans, for the whole package."""
    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
        assert "test" in name or "memory" in name, f"non è il database dei test: {name}"
        with rolled_back():
            ids = {}
            for name, (filename, slug, year) in DEMOS.items():
                call_command("import_cycle", str(DATA / filename), stdout=io.StringIO())
                ids[name] = Cycle.objects.get(ente__slug=slug, year=year).pk
            yield ids


@contextmanager
def rolled_back():
    """A transaction (or a savepoint inside one) whose writes are undone at the end."""
    atomic = transaction.atomic()
    atomic.__enter__()
    try:
        yield
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_savepoint(demo_cycles, django_db_blocker):
    """Database access for a module fixture; what it writes is undone when the module ends."""
    with django_db_blocker.unblock(), rolled_back():
        yield


def cycle_of(demo_cycles, name):
    return Cycle.objects.select_related("ente").get(pk=demo_cycles[name])


@pytest.fixture
def sorbara(db, demo_cycles):
    return cycle_of(demo_cycles, "sorbara")


@pytest.fixture
def consorzio(db, demo_cycles):
    return cycle_of(demo_cycles, "consorzio")


@pytest.fixture
def casalbuttano(db, demo_cycles):
    return cycle_of(demo_cycles, "casalbuttano")


@dataclass
class RenderedPiano:
    """The Sorbara Piano rendered once for the package: its PDF, the text of each PDF page
    and its DOCX (the tests that read them never write)."""

    pdf: bytes
    pages: list[str]
    docx: bytes


@pytest.fixture(scope="package")
def sorbara_piano(demo_cycles, django_db_blocker) -> RenderedPiano:
    import pypdf

    from documents.builders import build
    from documents.writers.docx import render_docx
    from documents.writers.pdf import render_pdf

    with django_db_blocker.unblock():
        model = build("piano", cycle_of(demo_cycles, "sorbara"))
    pdf = render_pdf(model)
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    return RenderedPiano(pdf=pdf, pages=pages, docx=render_docx(model))
