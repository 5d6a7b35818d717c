"""The demo plans, imported once per test module inside a transaction rolled back at its end.

Each test still runs in its own savepoint (pytest-django's `db`), so what a test writes is
undone; generated files go to a temporary MEDIA_ROOT.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from planning.models import Cycle

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
DEMOS = {
    "sorbara": ("unione-sorbara-2024.json", "unione-sorbara", 2024),
    "consorzio": ("consorzio-socio-assistenziale-2021.json", "consorzio-socio-assistenziale", 2021),
    "casalbuttano": ("unione-casalbuttano-2021.json", "unione-casalbuttano", 2021),
}


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def demo_cycles(django_db_setup, django_db_blocker):
    """{name: cycle id} of the three demo plans, for the whole module."""
    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
        assert "test" in name or "memory" in name, f"non è il database dei test: {name}"
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            ids = {}
            for name, (filename, slug, year) in DEMOS.items():
                call_command("import_cycle", str(DATA / filename), stdout=io.StringIO())
                ids[name] = Cycle.objects.get(ente__slug=slug, year=year).pk
            yield ids
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _cycle(demo_cycles, name):
    return Cycle.objects.select_related("ente").get(pk=demo_cycles[name])


@pytest.fixture
def sorbara(db, demo_cycles):
    return _cycle(demo_cycles, "sorbara")


@pytest.fixture
def consorzio(db, demo_cycles):
    return _cycle(demo_cycles, "consorzio")


@pytest.fixture
def casalbuttano(db, demo_cycles):
    return _cycle(demo_cycles, "casalbuttano")
