"""The load test: gunicorn really serves the small synthetic ente to two clients and the table is
written in its own marked section. Times are never asserted, only that they were measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from benchmarks import load

ROOT = Path(settings.BASE_DIR)
HAND_WRITTEN = "# Prestazioni\n\nTesto scritto a mano.\n"


def _manage(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PERFORMA_DEBUG": "0"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_load_command_serves_the_small_ente_with_gunicorn_and_writes_the_table(tmp_path):
    database = tmp_path / "bench.sqlite3"
    migrated = _manage("migrate", "--noinput", database=database)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    markdown = tmp_path / "benchmarks.md"
    markdown.write_text(f"{HAND_WRITTEN}\n{load.BENCH_MARK}\n\n## Ultima esecuzione\n")
    data = tmp_path / "load.json"
    done = _manage(
        "benchmark_load",
        "--profiles=small",
        "--requests=4",
        "--clients=1,2",
        "--workers=1",
        f"--output={markdown}",
        f"--json={data}",
        database=database,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    result = json.loads(data.read_text(encoding="utf-8"))
    rows = result["profiles"]["small"]["rows"]
    pages = [*load.PAGES, load.LONG_LIST]
    assert [(row["page"], row["clients"]) for row in rows] == [
        (page, count) for page in pages for count in (1, 2)
    ]
    assert all(row["requests"] == 4 and row["errors"] == 0 for row in rows), rows
    assert all(row["p50_ms"] > 0 and row["req_per_s"] > 0 and row["bytes"] > 0 for row in rows)
    assert result["workers"] == 1 and len(result["machine"]["load_before"]) == 3

    text = markdown.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN)
    section = text.split(load.MARK_START)[1].split(load.MARK_END)[0]
    assert "| cruscotto dell'ente | 2 |" in section
    assert "| API: elenco di 500 obiettivi | 1 |" in section
    # the section sits before the part `make bench` regenerates, which is left as it was
    assert text.index(load.MARK_END) < text.index(load.BENCH_MARK)
    assert text.endswith(f"{load.BENCH_MARK}\n\n## Ultima esecuzione\n")


def _result(p50: float) -> dict:
    row = {
        "page": "cruscotto dell'ente",
        "url": "/",
        "clients": 8,
        "requests": 10,
        "errors": 1,
        "first_error": "HTTP 503",
        "p50_ms": p50,
        "p95_ms": p50,
        "p99_ms": p50,
        "req_per_s": 12.5,
        "seconds": 0.8,
        "bytes": 2048,
    }
    size = {"units": 1, "objectives": 2, "indicators": 3, "schede": 4}
    machine = {
        "date": "d",
        "commit": "c",
        "database": "sqlite",
        "platform": "x",
        "cpus": 2,
        "python": "3.11",
        "load_before": [1.0, 2.0, 3.0],
        "load_after": None,
    }
    return {
        "machine": machine,
        "workers": 2,
        "requests": 10,
        "profiles": {"medium": {"size": size, "rows": [row]}},
    }


def test_a_second_run_replaces_the_section_in_place(tmp_path):
    markdown = tmp_path / "b.md"
    markdown.write_text(HAND_WRITTEN, encoding="utf-8")
    load.write_section(_result(111.0), markdown)
    markdown.write_text(markdown.read_text(encoding="utf-8") + "\nAggiunto dopo.\n")
    load.write_section(_result(222.0), markdown)
    text = markdown.read_text(encoding="utf-8")
    assert text.count(load.MARK_START) == 1 and "111 ms" not in text
    row = "| cruscotto dell'ente | 8 | 222 ms | 222 ms | 222 ms | 12.5 | 1 (HTTP 503) | 2 |"
    assert row in text
    assert "carico medio (1 / 5 / 15 min) all'inizio 1.00 / 2.00 / 3.00, alla fine –" in text
    assert text.startswith(HAND_WRITTEN) and text.endswith("\nAggiunto dopo.\n")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status = 200 if self.headers.get("Cookie") == "s=1" else 500
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_port():
    server = ThreadingHTTPServer((load.HOST, 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_drive_sends_the_fixed_count_and_counts_the_failed_answers(http_port):
    private = load.Target("privata", "/private", public=False)
    with_cookie = load.drive(http_port, private, "s=1", clients=3, requests=7)
    assert with_cookie["requests"] == 7 and with_cookie["errors"] == 0
    public = load.Target("pubblica", "/private", public=True)  # public: the cookie is not sent
    without = load.drive(http_port, public, "s=1", clients=3, requests=5)
    assert without["requests"] == 5 and without["errors"] == 5
    assert without["first_error"] == "HTTP 500"


@pytest.mark.django_db
def test_an_in_memory_database_is_refused():
    if connection.vendor != "sqlite":
        pytest.skip("the test database is in memory only on SQLite")
    with pytest.raises(CommandError, match="database su file"):
        call_command("benchmark_load", "--profiles=small", "--requests=1")


@pytest.mark.parametrize("clients", ["0", "1,otto", ""])
def test_bad_client_counts_are_refused(clients):
    with pytest.raises(CommandError, match="--clients"):
        call_command("benchmark_load", "--profiles=small", f"--clients={clients}")


def test_the_report_compares_the_rows_with_the_issue_targets():
    result = _result(50.0)
    row = result["profiles"]["medium"]["rows"][0]
    fast = {**row, "clients": 32, "req_per_s": 150.0}
    slow = {**row, "clients": 32, "page": "albero del piano", "p95_ms": 101.0, "req_per_s": 150.0}
    result["profiles"]["medium"]["rows"] = [row, fast, slow]
    text = load.report_markdown(result)
    assert "| medium | cruscotto dell'ente | 32 | p95 ≤ 100 ms, ≥ 100 richieste/s |" in text
    assert "50 ms, 150.0 richieste/s | sì |" in text and "101 ms, 150.0 richieste/s | no |" in text
    assert text.count("| medium |") == 2  # the row at 8 clients has no target
