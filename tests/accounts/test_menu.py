"""The main menu is built from the access modules: each role sees only what it may open."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.access import access_for
from performa.menu import ACCOUNT_ENTRIES, entries_for

pytestmark = pytest.mark.django_db


def _labels(world, role: str, path: str = "/") -> list[str]:
    """The entries of the main menu and of the account menu of the slim header."""
    access = access_for(world.users[role], world.ente)
    entries = entries_for(access, path) + entries_for(access, path, entries=ACCOUNT_ENTRIES)
    return [entry.label for entry in entries]


def test_dipendente_sees_no_rewards_payments_or_people(world):
    labels = _labels(world, "dipendente")
    assert "Piano" in labels and "Le mie scadenze" in labels
    assert not {"Premi", "Pagamenti", "Persone e ruoli", "Token API"} & set(labels)


def test_giunta_sees_rewards_but_has_no_deadlines(world):
    labels = _labels(world, "giunta")
    assert "Premi" in labels and "Pagamenti" in labels
    assert "Le mie scadenze" not in labels and "Persone e ruoli" not in labels


def test_responsabile_reads_payments_not_rewards(world):
    labels = _labels(world, "responsabile")
    assert "Pagamenti" in labels and "Premi" not in labels


def test_admin_and_platform_admin_see_people_and_tokens(world):
    for role in ("admin", "platform"):
        labels = _labels(world, role)
        assert {"Premi", "Pagamenti", "Token API", "Persone e ruoli"} <= set(labels), role


def test_current_entry_is_marked_and_a_longer_entry_owns_its_pages(world):
    access = access_for(world.users["dipendente"], world.ente)
    deadlines = reverse("measurement:my_deadlines")
    entries = {entry.label: entry for entry in entries_for(access, deadlines)}
    assert entries["Le mie scadenze"].current == "page"
    assert entries["Monitoraggio"].current == ""
    below = reverse("measurement:home") + "finestre/"
    entries = {entry.label: entry for entry in entries_for(access, below)}
    assert entries["Monitoraggio"].current == "true"
    assert entries["Cosa devo fare"].current == ""


def test_the_page_renders_the_menu_of_the_role(enter, world):
    body = enter(world.users["dipendente"], world.ente).get(reverse("organization:chart"))
    html = body.content.decode()
    nav = html[html.index('aria-label="Menu principale"') :]
    assert reverse("rewards:fund_list") not in nav
    assert re.search(r'href="/organizzazione/" aria-current="page"', nav)
    body = enter(world.users["nucleo"], world.ente).get(reverse("organization:chart"))
    assert reverse("rewards:fund_list") in body.content.decode()


def test_page_chrome_skip_links_have_targets_and_fonts_are_served(enter, world):
    html = enter(world.users["admin"], world.ente).get(reverse("organization:chart")).content
    html = html.decode()
    for target in re.findall(r'class="visually-hidden-focusable" href="#([\w-]+)"', html):
        assert f'id="{target}"' in html, target
    assert "css/fonts.css" in html and "favicon.svg" in html
    assert 'id="nav-principale"' in html and 'aria-label="Apri il menu"' in html


def test_no_menu_without_an_ente(enter, world):
    html = enter(world.users["admin"]).get(reverse("accounts:choose_ente")).content.decode()
    assert 'aria-label="Menu principale"' not in html
    assert "Vai al menu" not in html


def test_only_the_administrator_is_offered_the_plan_import(world):
    assert "Importa il piano" in _labels(world, "admin")
    for role in ("dipendente", "responsabile", "giunta"):
        assert "Importa il piano" not in _labels(world, role), role
