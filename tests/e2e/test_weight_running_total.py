"""End to end, in a real browser: a responsabile edits a weight of the draft plan and the
running total of the weight group follows while typing, before anything is saved.

Debian's chromium, driven by Playwright (fixtures in conftest.py), against pytest-django's live
server with the demo loaded.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e

USERNAME = "comandante.sorbara"
PASSWORD = "performa-demo"
OBJECTIVE_TITLE = re.compile(r"ufficio di coordinamento", re.IGNORECASE)
# A decimal written the Italian way ("1.234,50"); years and counts in labels have no comma.
ITALIAN_DECIMAL = re.compile(r"\d{1,3}(?:\.\d{3})*,\d+")


def _first_decimal(text: str) -> Decimal:
    """The first Italian decimal in `text`: "Totale del gruppo «… 2024»: 70,00% su 70,00%" → 70."""
    match = ITALIAN_DECIMAL.search(text)
    if match is None:
        raise AssertionError(f"Nessun numero nel testo {text!r}")
    return Decimal(match.group(0).replace(".", "").replace(",", "."))


def _input_number(value: str) -> Decimal:
    """The value of a number input: "70", "70.00" or, when localised, "70,00"."""
    return Decimal(value.strip().replace(",", "."))


def _italian(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


@pytest.fixture
def demo(transactional_db):
    """The demo enti and logins, loaded before the browser starts."""
    call_command("load_demo", verbosity=0)


def test_weight_edit_updates_the_running_total(live_server, demo, page):
    page.goto(f"{live_server.url}/accedi/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(lambda url: "/accedi/" not in url)

    page.goto(f"{live_server.url}/piano/")
    page.get_by_role("link", name=OBJECTIVE_TITLE).first.click()
    page.get_by_role("link", name="Modifica obiettivo").click()

    weight = page.locator("#id_weight")
    total = page.locator("#weight-total")
    old_weight = _input_number(weight.input_value())
    old_total = _first_decimal(total.inner_text())
    new_weight = old_weight - 10
    expected = _italian(old_total - old_weight + new_weight)
    assert expected not in total.inner_text()

    weight.fill(f"{new_weight.normalize():f}")

    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector).textContent.includes(text)",
        arg=["#weight-total", expected],
    )
    assert expected in total.inner_text()
