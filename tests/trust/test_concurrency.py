"""Concurrent writes through the whole stack, with real threads, on SQLite and PostgreSQL.

Each case runs tests/trust/concurrency_probe.py in a subprocess against a database of its own:
a SQLite *file* (the in-memory test database would serialise everything and prove nothing) and,
when the suite itself runs on PostgreSQL, a fresh PostgreSQL database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

PROBE = Path(__file__).with_name("concurrency_probe.py")
CLIENTS = 8
ROUNDS = 4


def _run_probe(database_url: str, tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PERFORMA_MEDIA_ROOT": str(tmp_path / "media"),
        "PROBE_CLIENTS": str(CLIENTS),
        "PROBE_ROUNDS": str(ROUNDS),
    }
    done = subprocess.run(
        [sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_url() -> str | None:
    if connection.vendor != "postgresql":
        return None
    params = connection.settings_dict
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    user = params.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'probe.sqlite3'}"
        return
    server = _postgres_url()
    if server is None:
        pytest.skip("la suite gira su SQLite: il caso PostgreSQL gira nel passaggio PostgreSQL")
    import psycopg

    name = f"performa_probe_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_concurrent_writes_are_never_lost_nor_refused_with_a_500(database_url, tmp_path):
    report = _run_probe(database_url, tmp_path)
    if report["vendor"] == "sqlite":
        assert report["journal_mode"] == "wal"

    # Different objects: every save lands, however many clients write at once.
    distinct = report["distinct"]
    assert distinct["outcomes"] == {"saved": CLIENTS * ROUNDS}, distinct
    assert distinct["kept"] == CLIENTS

    # The same object opened by everyone: one save wins, the others are told who changed it.
    same = report["same"]
    assert same["outcomes"] == {"saved": 1, "conflict": CLIENTS - 1}, same
    assert same["stored"].startswith("Versione del client ")

    # A write that still cannot proceed gets «riprova» (503), and nothing is half-written.
    blocked = report["blocked"]
    assert blocked["outcomes"] == {"busy": 1}, blocked
    assert blocked["stored"] != "Mai salvato"
