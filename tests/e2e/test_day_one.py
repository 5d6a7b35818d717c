"""End to end, day one of each demo role: login → «Cosa devo fare» → the first task, on a
1366 px and a 390 px screen, with axe-core run on every page visited (no serious or critical
violation), the Bootstrap Italia font really loaded and the mobile menu usable.

Screenshots of every step go to test-results/day-one/ (kept as CI artefacts).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

PASSWORD = "performa-demo"
ROLES = [
    "segretario.sorbara",
    "comandante.sorbara",
    "agente.sorbara",
    "nucleo.sorbara",  # two enti: the choice page comes first
    "giunta.sorbara",
]
SCREENS = {"desktop": (1366, 900), "mobile": (390, 844)}
SHOTS = ARTIFACTS / "day-one"


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accedi/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(lambda url: "/accedi/" not in url)
    if "/enti/" in page.url:
        page.get_by_role("button", name="Entra in Unione dei Comuni del Sorbara").click()
        page.wait_for_url(lambda url: "/enti/" not in url)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("username", ROLES)
def test_day_one(live_server, demo, browser, username, screen):
    width, height = SCREENS[screen]
    context = browser.new_context(
        locale="it-IT", timezone_id="Europe/Rome", viewport={"width": width, "height": height}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    fonts: list[str] = []
    page.on("response", lambda r: "Titillium" in r.url and r.ok and fonts.append(r.url))
    try:
        _login(page, live_server.url, username)
        assert page.url.rstrip("/") == live_server.url.rstrip("/")
        assert page.get_by_role("heading", level=1).inner_text() == "Cosa devo fare"
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.fonts.check('16px \"Titillium Web\"')")
        assert fonts, "nessun file del carattere Titillium Web richiesto"
        _shot(page, f"{username}-{screen}-home")
        assert _serious(page) == []

        menu = page.get_by_role("navigation", name="Menu principale")
        plan_link = menu.get_by_role("link", name="Piano", exact=True)
        if screen == "mobile":
            assert not plan_link.is_visible()
            page.get_by_role("button", name="Apri il menu").click()
            plan_link.wait_for(state="visible")
            page.wait_for_timeout(400)  # the menu slides in
            _shot(page, f"{username}-{screen}-menu")
            page.get_by_role("button", name="Chiudi il menu").click()
            plan_link.wait_for(state="hidden")
        else:
            assert plan_link.is_visible()

        tasks = page.locator("main .card-title a")
        if tasks.count():
            title = tasks.first.inner_text()
            tasks.first.click()
            page.wait_for_load_state()
            assert page.locator("h1").count() >= 1, title
            assert "Errore" not in page.title(), title
            _shot(page, f"{username}-{screen}-first-task")
            assert _serious(page) == [], title
    finally:
        context.close()
