"""End to end, day one of an ente in the browser: the Segretario imports the staff from the
payroll's CSV (preview, import, the same file again changes nothing), invites a new
responsabile who chooses the password from the e-mail link and finds their own «Cosa devo
fare»; the plan tree folds and its long selects filter as one types.

Debian's chromium, driven by Playwright (fixtures in conftest.py), against pytest-django's live
server with the demo loaded; axe-core on the new pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.management import call_command

from organization.models import Person

pytestmark = pytest.mark.e2e

PASSWORD = "performa-demo"
DEMO = Path(__file__).resolve().parents[2] / "demo" / "data" / "unione-sorbara-2024.json"


@pytest.fixture
def demo(transactional_db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("load_demo", verbosity=0)


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _login(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accedi/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(lambda url: "/accedi/" not in url)


def _payroll_csv(path: Path) -> Path:
    """The Sorbara staff as the payroll program exports it, plus one person hired today."""
    people = json.loads(DEMO.read_text())["people"]
    lines = ["Matricola;Cognome;Nome;Cat.;Profilo;% Part-time;Servizio"]
    for number, person in enumerate(people, start=1):
        job = person["employments"][0]
        percent = job.get("part_time_percent", "100").replace(".", ",")
        lines.append(
            f"{number:05d};{person['last_name'].upper()};{person['first_name'].upper()};"
            f"{job.get('legacy_category') or job['ccnl_area']};{job['profile']};{percent};"
        )
    lines.append("09999;BERTOLANI;MIRIAM;C;Istruttore amministrativo;100;PE01")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def test_payroll_import_in_the_browser(live_server, demo, page, tmp_path):
    payroll = _payroll_csv(tmp_path / "anagrafica-paghe.csv")
    _login(page, live_server.url, "segretario.sorbara")
    page.get_by_role("link", name="Importa il personale").first.click()
    assert _serious(page) == []
    page.set_input_files("#id_file", str(payroll))
    page.get_by_role("button", name="Carica e mostra l'anteprima").click()

    summary = page.locator("main p").filter(has_text="nuove persone").first.inner_text()
    assert "1 nuove persone, 22 da aggiornare, 0 invariate, 0 da correggere" in summary
    rows = page.locator("#payroll-rows")
    assert "Matricola: — → 00001" in rows.inner_text()
    assert _serious(page) == []
    page.get_by_role("button", name="Importa 23 righe").click()
    page.get_by_text("1 nuove persone, 22 aggiornate, 0 invariate").wait_for()
    miriam = Person.objects.get(ente__slug="unione-sorbara", payroll_number="09999")
    assert miriam.assignments.get().unit.peg_code == "PE01"

    # The same file again: nothing to do, and the page says so.
    page.goto(f"{live_server.url}/organizzazione/persone/importa/")
    page.set_input_files("#id_file", str(payroll))
    page.get_by_role("button", name="Carica e mostra l'anteprima").click()
    page.get_by_text("Nessuna modifica: l'anagrafica di Performa è già come nel file.").wait_for()


def test_an_invited_responsabile_sets_the_password_and_sees_their_tasks(live_server, demo, page):
    person = Person.objects.get(ente__slug="unione-sorbara", key="resp-area-finanziaria")
    _login(page, live_server.url, "segretario.sorbara")
    page.get_by_role("link", name="Persone e ruoli").first.click()
    page.get_by_role("link", name="Invita una persona").click()
    page.fill("#id_first_name", person.first_name)
    page.fill("#id_last_name", person.last_name)
    page.fill("#id_email", "ragioneria@sorbara.example.it")
    page.fill("#id_username", "ragioneria.sorbara")
    page.select_option("#id_role", "responsabile")
    # The list of staff is long: its search box keeps the matching names only.
    search = page.locator("#id_person-cerca")
    search.fill(person.last_name.lower())
    options = page.locator("#id_person option")
    assert 1 <= options.count() <= 2  # the empty choice and the person
    page.select_option("#id_person", str(person.pk))
    assert _serious(page) == []
    page.get_by_role("button", name="Invia l'invito").click()
    page.get_by_text("Invito inviato a ragioneria@sorbara.example.it").wait_for()

    [invitation] = mail.outbox
    link = re.search(r"https?://\S+/password/\S+/", invitation.body).group(0)
    page.get_by_role("button", name="Esci").click()
    page.goto(link)
    page.fill("#id_new_password1", "Bilancio-Sorbara-2024")
    page.fill("#id_new_password2", "Bilancio-Sorbara-2024")
    page.get_by_role("button", name="Salva la password").click()
    page.wait_for_url(lambda url: "/password/impostata/" in url)

    _login(page, live_server.url, "ragioneria.sorbara", "Bilancio-Sorbara-2024")
    assert page.get_by_role("heading", level=1).inner_text() == "Cosa devo fare"
    # Their own list: the tasks of the person they were linked to (in the demo's phase none
    # awaits a responsabile, and the page says so), under their own name.
    slim_header = page.locator(".it-header-slim-right-zone").inner_text()
    assert f"{person.first_name} {person.last_name}" in slim_header
    own = (
        page.locator("main .card-title a").count()
        + page.get_by_text("Nessuna attività in sospeso").count()
    )
    assert own >= 1
    assert _serious(page) == []


def test_the_plan_tree_folds_and_its_selects_filter(live_server, demo, page):
    _login(page, live_server.url, "comandante.sorbara")
    page.goto(f"{live_server.url}/piano/")
    branches = page.locator("#plan-results details.plan-branch")
    assert branches.count() >= 2
    page.get_by_role("button", name="Comprimi tutto").click()
    assert page.locator("#plan-results details.plan-branch[open]").count() == 0
    page.get_by_role("button", name="Espandi tutto").click()
    assert page.locator("#plan-results details.plan-branch[open]").count() == branches.count()

    before = page.locator("#f-responsabile option").count()
    page.locator("#f-responsabile-cerca").fill("malvasi")
    after = page.locator("#f-responsabile option")
    assert after.count() == 2 and before > 2  # «Tutti» and Ettore Malvasi
    assert "Malvasi" in after.nth(1).inner_text()
    # Typing in the box is no filter: the address keeps no search of the select.
    assert "malvasi" not in page.url
    page.select_option("#f-responsabile", index=1)
    page.wait_for_url(lambda url: "responsabile=" in url)
    assert _serious(page) == []
