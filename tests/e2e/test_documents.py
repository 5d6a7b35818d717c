"""End to end, in a real browser: the Segretario generates the Piano from the «Documenti»
area, watches the progress bar and downloads the PDF; then downloads a table of another page
as XLSX with the «Scarica» buttons every table gets."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.management import call_command

from documents.models import GeneratedDocument
from documents.services import document_generate

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", verbosity=0)


def test_generate_download_and_table_xlsx(live_server, demo, page):
    page.goto(f"{live_server.url}/accedi/")
    page.fill("#id_username", "segretario.sorbara")
    page.fill("#id_password", "performa-demo")
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(lambda url: "/accedi/" not in url)

    page.goto(f"{live_server.url}/documenti/?anno=2024")
    page.get_by_role("button", name="Genera PDF – Piano della performance").click()
    bar = page.get_by_role("progressbar")
    bar.wait_for()
    document = GeneratedDocument.objects.get(kind="piano", format="pdf")
    document_generate(document.pk)  # the worker's job
    link = page.get_by_role("link", name="Scarica PDF")
    link.wait_for(timeout=15_000)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "piano-2024.pdf"

    page.goto(f"{live_server.url}/premi/?anno=2024")
    first = page.locator("form.table-download").first
    first.wait_for()
    with page.expect_download() as download:
        first.get_by_role("button", name="XLSX").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    # Playwright stores the download without an extension, which openpyxl refuses by name.
    with open(download.value.path(), "rb") as stream:
        book = openpyxl.load_workbook(stream)
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row >= 2
