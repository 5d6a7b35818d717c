"""In a real browser, the pieces that HTMX loads on demand (issue 15): a unit's staff opened from
the organisation chart, the people list filtered as one types, the delegate picker of an
objective, the branches of a large plan tree and its unit menu searched on the server (issue 12);
axe-core finds no serious or critical violation once they are loaded."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.access import ADMIN
from measurement.models import ObjectiveDelegate
from organization.models import Assignment, Person, Unit, UnitKind
from planning import selectors
from planning.models import Cycle, CycleState, OperationalObjective

pytestmark = pytest.mark.e2e

PASSWORD = "prova-Performa-1"


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accedi/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(lambda url: "/accedi/" not in url)


@pytest.fixture
def plan(transactional_db, make_ente, make_user):
    """An ente with an area, an office below it and a finance unit; an objective of the office."""
    ente = make_ente("unione-prova", name="Unione di Prova")
    area = Unit.objects.create(ente=ente, key="pl", kind=UnitKind.AREA, name="Polizia Locale")
    office = Unit.objects.create(
        ente=ente, key="verbali", kind=UnitKind.OFFICE, name="Ufficio verbali", parent=area
    )
    Unit.objects.create(ente=ente, key="finanze", kind=UnitKind.AREA, name="Servizio finanziario")
    cycle = Cycle.objects.create(
        ente=ente, year=2025, first_year=2025, last_year=2027, title="PIAO 2025-2027",
        state=CycleState.APPROVED,
    )  # fmt: skip
    objective = OperationalObjective.objects.create(
        cycle=cycle, key="coordinamento", title="Coordinamento", unit=office, weight=100
    )
    make_user("segretario", ente, ADMIN)
    return objective


def _staff(unit, key, first, last) -> Person:
    person = Person.objects.create(ente=unit.ente, key=key, first_name=first, last_name=last)
    Assignment.objects.create(person=person, unit=unit)
    return person


def test_staff_people_and_delegates_on_demand(live_server, plan, page):
    office = plan.unit
    _staff(office, "mario-rossi", "Mario", "Rossi")
    _staff(office, "maria-rosa", "Maria", "Rosa")
    _staff(Unit.objects.get(key="finanze"), "ugo-rossini", "Ugo", "Rossini")
    _login(page, live_server.url, "segretario")

    page.goto(f"{live_server.url}/organizzazione/")
    assert page.get_by_text("Rossi").count() == 0  # people come on demand
    page.get_by_text("Personale di Ufficio verbali (2)").click()
    page.locator(f"#personale-{office.pk}").get_by_text("Mario Rossi").wait_for()
    assert _serious(page) == []

    page.goto(f"{live_server.url}/organizzazione/persone/")
    page.fill("#f-q", "rossini")
    page.wait_for_url(lambda url: "q=rossini" in url)
    page.locator("#elenco-persone").get_by_text("1 persona trovata").wait_for()
    assert page.locator("#elenco-persone tbody tr").count() == 1
    assert _serious(page) == []

    page.goto(f"{live_server.url}/monitoraggio/obiettivi/{plan.pk}/")
    page.fill("#id_person", "ros")
    results = page.locator("#delegati-trovati")
    results.get_by_role("button", name="Delega Mario Rossi").wait_for()
    assert results.get_by_role("button").count() == 2  # not the Rossini of the finance unit
    assert _serious(page) == []
    results.get_by_role("button", name="Delega Mario Rossi").click()
    page.wait_for_load_state()
    page.get_by_text("è ora delegato").wait_for()
    assert ObjectiveDelegate.objects.get().person.key == "mario-rossi"


def test_a_large_plan_tree_loads_its_branches_on_demand(live_server, plan, page, monkeypatch):
    monkeypatch.setattr(selectors, "TREE_INLINE_LIMIT", 1)  # «large» from two objectives
    OperationalObjective.objects.create(
        cycle=plan.cycle, key="bilancio", title="Bilancio di previsione",
        unit=Unit.objects.get(key="finanze"), weight=100,
    )  # fmt: skip
    _login(page, live_server.url, "segretario")
    page.goto(f"{live_server.url}/piano/")
    assert page.get_by_text("Bilancio di previsione").count() == 0  # objectives come on demand
    page.get_by_role("button", name="Espandi tutto").click()
    branch = page.locator(f"#ramo-unita-{plan.unit.pk}")
    branch.get_by_role("link", name="Coordinamento").wait_for()
    page.get_by_role("link", name="Bilancio di previsione").wait_for()
    assert _serious(page) == []


def test_a_large_plan_tree_opens_its_areas_then_their_branches(
    live_server, plan, page, monkeypatch
):
    # «Large» from two objectives, by area from two unit branches: the first level is the chart's.
    monkeypatch.setattr(selectors, "TREE_INLINE_LIMIT", 1)
    monkeypatch.setattr(selectors, "TREE_BRANCH_LIMIT", 1)
    OperationalObjective.objects.create(
        cycle=plan.cycle, key="bilancio", title="Bilancio di previsione",
        unit=Unit.objects.get(key="finanze"), weight=100,
    )  # fmt: skip
    _login(page, live_server.url, "segretario")
    page.goto(f"{live_server.url}/piano/")
    tree = page.locator("#plan-results")
    assert tree.get_by_text("Ufficio verbali").count() == 0  # the units come with their area
    area = tree.locator("summary", has_text="Polizia Locale")
    area.focus()
    page.keyboard.press("Enter")  # a summary opens from the keyboard
    office = tree.locator("summary", has_text="Polizia Locale › Ufficio verbali")
    office.wait_for()
    assert tree.get_by_text("Coordinamento").count() == 0
    office.click()
    page.locator(f"#ramo-unita-{plan.unit.pk}").get_by_role("link", name="Coordinamento").wait_for()
    assert tree.get_by_text("Bilancio di previsione").count() == 0  # its area still closed
    # «Espandi tutto» opens what is on the page: the other area, then its branch.
    page.get_by_role("button", name="Espandi tutto").click()
    tree.locator("summary", has_text="Servizio finanziario (1 obiettivo)").wait_for()
    page.get_by_role("button", name="Espandi tutto").click()
    page.get_by_role("link", name="Bilancio di previsione").wait_for()
    assert _serious(page) == []


def test_a_large_entes_unit_menu_searches_on_the_server(live_server, plan, page, monkeypatch):
    monkeypatch.setattr(selectors, "PICKER_LIMIT", 2)  # three units: the menu lists the areas
    _login(page, live_server.url, "segretario")
    page.goto(f"{live_server.url}/piano/")
    menu = page.locator("#f-servizio option")
    assert [menu.nth(n).inner_text() for n in range(menu.count())] == [
        "Tutti", "Polizia Locale", "Servizio finanziario"
    ]  # fmt: skip
    page.locator("#f-servizio-cerca").fill("verbali")
    page.locator("#f-servizio option", has_text="Ufficio verbali").wait_for(state="attached")
    assert menu.count() == 2  # «Tutti» and the one match, asked of the server
    page.get_by_text("1 voce trovata").wait_for(state="attached")
    assert "verbali" not in page.url  # the search box is no filter of the tree
    page.select_option("#f-servizio", label="Polizia Locale › Ufficio verbali")
    page.wait_for_url(lambda url: f"servizio={plan.unit.pk}" in url)
    results = page.locator("#plan-results")
    results.get_by_text("1 obiettivo operativo corrisponde ai filtri").wait_for()
    page.locator("#f-servizio-cerca").fill("")
    page.locator("#f-servizio option", has_text="Servizio finanziario").wait_for(state="attached")
    assert menu.count() == 4  # the areas again, with the choice
    assert _serious(page) == []
