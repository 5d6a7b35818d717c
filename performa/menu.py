"""The main menu of an ente, built from the access modules of the apps.

A user sees only the entries they may open: each entry names the rule of its app's `access.py`
(the same function the view asks), so the menu and the views cannot disagree. The menu sits at
the top of the layers because it points at every app.

`main_menu` is a context processor: templates find `main_menu` (the phases of the cycle, a list
of `MenuEntry`, rendered by `templates/includes/menu_links.html` in the bar that becomes the
mobile menu) and `account_menu` (the user's and the administrator's pages, in the slim header).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from accounts import access as base
from accounts.access import EnteAccess, access_for
from measurement import access as measurement_rules
from payments import access as payments_rules
from rewards import access as rewards_rules


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    # "page" on the entry's own page, "true" below it, "" elsewhere (for aria-current).
    current: str = ""
    count: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.current)


def _everyone(access: EnteAccess) -> bool:
    return access.has(*base.PLAN_READERS)


def _administrator(access: EnteAccess) -> bool:
    # The rule of the interchange views (`require_access(..., ADMIN)`): only the ente
    # administrator brings a plan or a cycle file in.
    return access.is_admin


def _platform(access: EnteAccess) -> bool:
    return access.is_platform_admin


# (label, URL name, rule, whether the pages below the URL belong to the entry)
ENTRIES: tuple[tuple[str, str, Callable[[EnteAccess], bool], bool], ...] = (
    ("Cosa devo fare", "desk:home", _everyone, False),
    ("Organizzazione", "organization:chart", _everyone, True),
    ("Piano", "planning:tree", _everyone, True),
    ("Monitoraggio", "measurement:home", _everyone, True),
    ("Le mie scadenze", "measurement:my_deadlines", measurement_rules.has_own_deadlines, True),
    ("Valutazione", "appraisal:index", _everyone, True),
    ("Premi", "rewards:fund_list", rewards_rules.can_read_aggregates, True),
    ("Pagamenti", "payments:dashboard", payments_rules.can_read, True),
    ("Documenti", "documents:index", _everyone, True),
)
# The pages of the account and of the ente's administration, in the slim header.
ACCOUNT_ENTRIES: tuple[tuple[str, str, Callable[[EnteAccess], bool], bool], ...] = (
    ("Persone e ruoli", "accounts:people", base.can_manage_people, True),
    ("Registro delle attività", "accounts:activity", base.can_manage_people, True),
    ("Importa il piano", "interchange:plan_upload", _administrator, True),
    ("Importa il personale", "organization:payroll_upload", _administrator, True),
    ("Token API", "integrations:tokens", base.can_manage_people, True),
    ("Il mio account", "accounts:my_account", _everyone, False),
    ("Enti ospitati", "organization:ente_list", _platform, True),
    ("I miei dati", "operations:my_data", _everyone, False),
)


def _entry_urls() -> dict[str, str | None]:
    """The URLs of the menu entries, from the table of the process (see `_urls`)."""
    return _urls(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())


@lru_cache(maxsize=16)
def _urls(urlconf: str, _script_prefix: str, _language: str | None) -> dict[str, str | None]:
    """The URL of every entry, reversed once per process and URL configuration: the entries
    take no argument, so their URLs change only with the URL conf, the prefix the server is
    mounted at and the language (the key of this cache: `reverse` reads the last two itself).
    None for an app not installed."""
    return {name: _reverse(name, urlconf) for _, name, _, _ in ENTRIES + ACCOUNT_ENTRIES}


def _reverse(name: str, urlconf: str | None = None) -> str | None:
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def _forget_urls(*, setting: str, **_kwargs) -> None:
    # Tests that swap the URL conf get the entries of the new one.
    if setting == "ROOT_URLCONF":
        _urls.cache_clear()


setting_changed.connect(_forget_urls, dispatch_uid="performa.menu.forget_urls")


def _current(path: str, url: str, nested: bool, other_urls: list[str]) -> str:
    if path == url:
        return "page"
    if not nested or url == "/" or not path.startswith(url):
        return ""
    # A longer entry owns its own pages («Le mie scadenze» below «Monitoraggio»).
    if any(len(other) > len(url) and path.startswith(other) for other in other_urls):
        return ""
    return "true"


def entries_for(
    access: EnteAccess,
    path: str,
    counts: dict[str, int] | None = None,
    entries: tuple[tuple[str, str, Callable[[EnteAccess], bool], bool], ...] = ENTRIES,
) -> list[MenuEntry]:
    """The menu entries `access` may open, the one of `path` marked as current."""
    known = _entry_urls()
    visible = [
        (label, name, url, nested)
        for label, name, rule, nested in entries
        if (url := known[name] if name in known else _reverse(name)) is not None and rule(access)
    ]
    urls = [url for _, _, url, _ in visible]
    counts = counts or {}
    return [
        MenuEntry(
            label=label,
            url=url,
            current=_current(path, url, nested, urls),
            count=counts.get(name),
        )
        for label, name, url, nested in visible
    ]


def main_menu(request) -> dict:
    """Context processor: the menu of the chosen ente (empty outside an ente)."""
    ente = getattr(request, "ente", None)
    user = getattr(request, "user", None)
    empty: dict = {"main_menu": [], "account_menu": []}
    if ente is None or user is None or not user.is_authenticated:
        return empty
    access = getattr(request, "ente_access", None)
    if access is None or access.ente.pk != ente.pk:
        access = access_for(user, ente)
    if access is None:
        return empty
    counts = getattr(request, "menu_counts", None)
    return {
        "main_menu": entries_for(access, request.path, counts),
        "account_menu": entries_for(access, request.path, entries=ACCOUNT_ENTRIES),
    }
