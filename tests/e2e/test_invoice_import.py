"""End to end, in a real browser: the Segretario imports a file of invoices through the wizard
(upload, columns, preview with the bad row, import) and reads the figures on the dashboard.

Debian's chromium, driven by Playwright (fixtures in conftest.py), against pytest-django's live
server with the demo loaded; background tasks run at once.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e

ROWS = (
    "Identificativo SDI;Numero fattura;Data ricezione;Partita IVA;Fornitore;"
    "Importo totale documento;Imponibile;Split payment;Ufficio;Data pagamento;Importo pagato\r\n"
    "9900000001;E2E-1;01/03/2024;IT00000099001;Fornitore di prova;1.220,00;1.000,00;sì;RA01;"
    "10/04/2024;1.000,00\r\n"
    "9900000002;E2E-2;31/02/2024;IT00000099001;Fornitore di prova;100,00;100,00;no;RA01;;\r\n"
)


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("load_demo", verbosity=0)


def test_the_import_wizard_in_the_browser(live_server, demo, page, tmp_path):
    invoices = tmp_path / "fatture.csv"
    invoices.write_bytes(ROWS.encode("cp1252"))
    page.goto(f"{live_server.url}/accedi/")
    page.fill("#id_username", "segretario.sorbara")
    page.fill("#id_password", "performa-demo")
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(lambda url: "/accedi/" not in url)

    page.get_by_role("link", name="Pagamenti").first.click()
    page.get_by_role("link", name="Importa fatture").click()
    page.set_input_files("#id_file", str(invoices))
    page.get_by_role("button", name="Carica e riconosci le colonne").click()
    assert page.locator("#id_received_date").input_value() == "Data ricezione"
    page.get_by_role("button", name="Analizza il file").click()

    page.locator("caption", has_text="Anteprima delle prime 1 fatture valide").wait_for()
    assert "31/02/2024" in page.locator("table").first.inner_text()
    page.get_by_role("button", name="Importa 1 fatture").click()
    page.get_by_text("1 fatture nuove, 0 aggiornate").wait_for()

    page.get_by_role("link", name="Vai al cruscotto").click()
    assert "Tempi di pagamento" in page.locator("h1").inner_text()
    page.get_by_text("Andamento dell'ITP per trimestre").wait_for()
