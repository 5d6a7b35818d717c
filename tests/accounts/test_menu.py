"""The main menu is built from the access modules: each role sees only what it may open."""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from accounts.access import access_for
from performa.menu import ACCOUNT_ENTRIES, ENTRIES, _current, entries_for

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


def _reference_menu(access, path: str, entries) -> list[tuple[str, str, str]]:
    """The menu worked out from scratch, each URL reversed now (what the menu did before its
    URL table was kept per process)."""
    visible = []
    for label, name, rule, nested in entries:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if rule(access):
            visible.append((label, url, nested))
    urls = [url for _, url, _ in visible]
    return [(label, url, _current(path, url, nested, urls)) for label, url, nested in visible]


@pytest.mark.parametrize("role", ["admin", "responsabile", "dipendente", "nucleo", "giunta"])
def test_the_menu_of_each_role_equals_a_fresh_computation(world, role):
    access = access_for(world.users[role], world.ente)
    paths = ["/", reverse("planning:tree"), reverse("measurement:my_deadlines"), "/altrove/"]
    for path in paths:
        for entries in (ENTRIES, ACCOUNT_ENTRIES):
            shown = [(e.label, e.url, e.current) for e in entries_for(access, path, None, entries)]
            assert shown == _reference_menu(access, path, entries), (role, path)


def test_the_menu_follows_the_prefix_the_site_is_mounted_at(world):
    access = access_for(world.users["admin"], world.ente)
    set_script_prefix("/performa/")
    try:
        mounted = entries_for(access, "/performa/")
    finally:
        set_script_prefix("/")
    assert mounted and all(entry.url.startswith("/performa/") for entry in mounted)
    assert not any(entry.url.startswith("/performa/") for entry in entries_for(access, "/"))


def test_the_page_menu_marks_the_entry_of_each_request(enter, world):
    client = enter(world.users["dipendente"], world.ente)
    chart = client.get(reverse("organization:chart")).content.decode()
    tree = client.get(reverse("planning:tree")).content.decode()
    assert 'href="/organizzazione/" aria-current="page"' in chart
    assert 'href="/organizzazione/" aria-current' not in tree
    assert f'href="{reverse("planning:tree")}" aria-current="page"' in tree
