"""The concurrent load test: main pages served by gunicorn on loopback, under 1, 8 and 32 clients.

`run_load(profiles, ...)` makes sure each profile's synthetic ente exists (as `make bench` does),
starts gunicorn with `deploy/gunicorn.conf.py` on a free port of 127.0.0.1 against the same
database with `PERFORMA_DEBUG=0`, logs in as an administrator of the ente (a session row in the
database, sent as a cookie), and then, page by page and for each count of clients, sends a fixed
number of GET requests from that many threads at once: latency p50/p95/p99, throughput and
errors. The server is stopped with SIGTERM (gunicorn's graceful shutdown) at the end, and
killed only if it does not stop.

The driver is our own (threads and `http.client`, docs/decisions/0008-load-driver.md). It runs on
the same machine as the server, so it takes a little of the CPU it measures.

`write_section(result, markdown)` puts the tables between `MARK_START` and `MARK_END` in
`docs/benchmarks.md`, before the part that `make bench` regenerates, so neither erases the other.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection

from benchmarks import runner
from benchmarks.synthetic import PROFILES
from planning.models import Cycle

CLIENTS = (1, 8, 32)
# The pages of issue 12 §4, by the labels `runner._pages` gives them.
PAGES = (
    "cruscotto dell'ente",
    "albero del piano",
    "scheda individuale",
    "trasparenza: performance",
    "API: obiettivi del ciclo",
)
LONG_LIST = "API: elenco di 500 obiettivi"
LONG_LIST_ROWS = 500
HOST = "127.0.0.1"
# A request that waits behind 31 others for a page of several seconds can take minutes.
CLIENT_TIMEOUT_S = 600.0
READY_TIMEOUT_S = 120.0
MARK_START = "<!-- bench-load -->"
MARK_END = "<!-- /bench-load -->"
BENCH_MARK = "<!-- make bench: da qui in poi il testo è rigenerato -->"


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    public: bool


def targets(cycle: Cycle, only: tuple[str, ...] = ()) -> list[Target]:
    """The measured pages of the cycle's ente, on the rows the single-client benchmark picks."""
    found = {label: Target(label, url, public) for label, url, public in runner._pages(cycle)}
    chosen = [found[label] for label in PAGES if label in found]
    api = found.get("API: obiettivi del ciclo")
    if api is not None:
        chosen.append(Target(LONG_LIST, f"{api.path}?limit={LONG_LIST_ROWS}", False))
    return [t for t in chosen if not only or any(part in t.label for part in only)]


def session_cookie(cycle: Cycle) -> str:
    """`name=value` of a session cookie of an administrator of the cycle's ente."""
    client = runner._admin_client(cycle.ente)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def check_database() -> None:
    """The server is another process: it must reach the same database, so not one in memory."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        raise RuntimeError(
            "La prova di carico richiede un database su file o su server (DATABASE_URL): "
            "gunicorn non vede un database SQLite in memoria."
        )


def _server_env(port: int, workers: int) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        {
            "PERFORMA_BIND": f"{HOST}:{port}",
            "PERFORMA_DEBUG": "0",
            "PERFORMA_WEB_WORKERS": str(workers),
            # A worker restarted mid-run would lose its score boards and time a cold page.
            "PERFORMA_WEB_MAX_REQUESTS": "0",
            "PERFORMA_ALLOWED_HOSTS": HOST,
            "PERFORMA_SSL_REDIRECT": "0",
            "DJANGO_SETTINGS_MODULE": "performa.settings",
        }
    )
    return env


def _answers(port: int) -> bool:
    try:
        status, _ = fetch(port, "/", "", timeout=5.0)
    except OSError:
        return False
    return status < 500


def _log_tail(log: IO[bytes]) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-3000:].decode("utf-8", "replace")


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn è terminato all'avvio:\n{_log_tail(log)}")
        if _answers(port):
            return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn non risponde dopo {READY_TIMEOUT_S:.0f} s:\n{_log_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: gunicorn lets the workers finish their request (graceful_timeout 30 s)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def gunicorn(workers: int) -> Iterator[tuple[int, IO[bytes]]]:
    """A gunicorn of `workers` processes on a free loopback port: (port, its log file)."""
    port = free_port()
    config = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
    command = [sys.executable, "-m", "gunicorn", "--config", str(config), "performa.wsgi"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=_server_env(port, workers),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(process, port, log)
            yield port, log
        finally:
            _stop(process)


def fetch(port: int, path: str, cookie: str, timeout: float = CLIENT_TIMEOUT_S) -> tuple[int, int]:
    """GET `path` on a new connection (gunicorn's sync workers close it after each answer):
    (status, bytes of the body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def _failure(status: int) -> str:
    return "" if status == 200 else f"HTTP {status}"


def drive(port: int, target: Target, cookie: str, clients: int, requests: int) -> dict[str, Any]:
    """`requests` GETs of the page shared out among `clients` threads sending at once."""
    cookie = "" if target.public else cookie
    left = iter(range(requests))
    lock = threading.Lock()
    times: list[float] = []
    failures: list[str] = []

    def client() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            start = time.perf_counter()
            try:
                failure = _failure(fetch(port, target.path, cookie)[0])
            except OSError as error:
                failure = f"{type(error).__name__}: {error}"
            elapsed = time.perf_counter() - start
            with lock:
                times.append(elapsed)
                if failure:
                    failures.append(failure)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return _row(target, clients, times, failures, wall)


def _row(
    target: Target, clients: int, times: list[float], failures: list[str], wall: float
) -> dict[str, Any]:
    return {
        "page": target.label,
        "url": target.path,
        "clients": clients,
        "requests": len(times),
        "errors": len(failures),
        "first_error": failures[0] if failures else "",
        "p50_ms": 1000 * runner.percentile(times, 0.50),
        "p95_ms": 1000 * runner.percentile(times, 0.95),
        "p99_ms": 1000 * runner.percentile(times, 0.99),
        "req_per_s": len(times) / wall if wall else 0.0,
        "seconds": wall,
    }


def warm_up(port: int, target: Target, cookie: str, workers: int, log: IO[bytes]) -> int:
    """One request, then two per worker, `workers` at a time, so that each process has compiled
    its templates and read the score board before timing; a page that does not answer 200 stops
    the run. Returns the size of the page in bytes."""
    status, size = fetch(port, target.path, "" if target.public else cookie)
    if status == 200:
        status = 0 if drive(port, target, cookie, workers, 2 * workers)["errors"] else 200
    if status != 200:
        raise RuntimeError(f"{target.label} ({target.path}): risposta {status}\n{_log_tail(log)}")
    return size


def measure_profile(
    cycle: Cycle,
    *,
    requests: int,
    clients: tuple[int, ...],
    workers: int,
    only: tuple[str, ...],
    log: Callable[[str], None],
) -> list[dict[str, Any]]:
    cookie = session_cookie(cycle)
    rows = []
    with gunicorn(workers) as (port, server_log):
        for target in targets(cycle, only):
            size = warm_up(port, target, cookie, workers, server_log)
            for count in clients:
                log(f"  {target.label}: {count} client, {requests} richieste")
                row = drive(port, target, cookie, count, requests)
                rows.append({**row, "bytes": size})
    return rows


def _load_average() -> list[float] | None:
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def run_load(
    profiles: list[str],
    *,
    seed: int = 1,
    requests: int = 100,
    clients: tuple[int, ...] = CLIENTS,
    workers: int = 2,
    only: tuple[str, ...] = (),
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    check_database()
    machine = {**runner.machine(), "load_before": _load_average()}
    results: dict[str, Any] = {}
    for name in profiles:
        if name not in PROFILES:
            raise ValueError(f"Profilo sconosciuto: {name}")
        log(f"[{name}] ente sintetico")
        cycle = runner.ensure_ente(name, seed)
        log(f"[{name}] carico: gunicorn con {workers} processi")
        rows = measure_profile(
            cycle, requests=requests, clients=clients, workers=workers, only=only, log=log
        )
        results[name] = {"size": runner._size(cycle), "rows": rows}
    machine["load_after"] = _load_average()
    return {"machine": machine, "workers": workers, "requests": requests, "profiles": results}


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def _load_text(values: list[float] | None) -> str:
    return "–" if not values else " / ".join(f"{v:.2f}" for v in values)


def _header(result: dict[str, Any]) -> list[str]:
    m = result["machine"]
    return [
        "## Carico concorrente (`make bench-load`)",
        "",
        f"- data: {m['date']}; commit `{m['commit']}`; database: {m['database']}",
        f"- macchina: {m['platform']}, {m['cpus']} CPU, Python {m['python']}; carico medio"
        f" (1 / 5 / 15 min) all'inizio {_load_text(m.get('load_before'))}, alla fine"
        f" {_load_text(m.get('load_after'))}",
        f"- server: gunicorn (`deploy/gunicorn.conf.py`) con {result['workers']} processi sync"
        " su 127.0.0.1, `PERFORMA_DEBUG=0`; client: thread con `http.client` sulla stessa"
        f" macchina, {result['requests']} richieste GET per pagina e per numero di client"
        " (dopo due richieste di riscaldamento per processo); latenza dall'invio alla fine"
        " della risposta, throughput = richieste / durata",
        "- lettura: ogni client manda la richiesta successiva appena riceve la risposta, quindi"
        " la latenza media è circa client / throughput (legge di Little); p95 ≤ 100 ms con 32"
        " client richiede almeno 320 richieste/s, su 2 CPU condivise con altri processi",
    ]


def _profile_lines(name: str, entry: dict[str, Any]) -> list[str]:
    size = entry["size"]
    lines = [
        "",
        f"### {name} ({size['units']} unità, {size['objectives']} obiettivi,"
        f" {size['indicators']} indicatori, {size['schede']} schede)",
        "",
        "| pagina | client | p50 | p95 | p99 | richieste/s | errori | KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in entry["rows"]:
        errors = str(row["errors"]) + (f" ({row['first_error']})" if row["errors"] else "")
        lines.append(
            runner._row(
                [
                    row["page"],
                    str(row["clients"]),
                    f"{row['p50_ms']:.0f} ms",
                    f"{row['p95_ms']:.0f} ms",
                    f"{row['p99_ms']:.0f} ms",
                    f"{row['req_per_s']:.1f}",
                    errors,
                    f"{row['bytes'] / 1024:.0f}",
                ]
            )
        )
    return lines


# Issue 12 §5: (profile, pages or None for all, clients, p95 at most in ms, req/s at least).
TARGETS = (
    ("medium", None, 32, 100.0, 100.0),
    ("metropolitan", ("cruscotto dell'ente", "albero del piano"), 8, 150.0, None),
)


def _target_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for profile, pages, clients, p95, rate in TARGETS:
        rows = result["profiles"].get(profile, {}).get("rows", [])
        for row in rows:
            if row["clients"] != clients or (pages and row["page"] not in pages):
                continue
            met = row["p95_ms"] <= p95 and (rate is None or row["req_per_s"] >= rate)
            wanted = f"p95 ≤ {p95:.0f} ms" + (f", ≥ {rate:.0f} richieste/s" if rate else "")
            reached = f"{row['p95_ms']:.0f} ms, {row['req_per_s']:.1f} richieste/s"
            cells = [profile, row["page"], str(clients), wanted, reached, "sì" if met else "no"]
            lines.append(runner._row(cells))
    if not lines:
        return []
    head = ["profilo", "pagina", "client", "obiettivo", "misurato", "raggiunto"]
    return [
        "",
        "### Obiettivi dell'issue 12 §5",
        "",
        runner._row(head),
        "|---|---|---:|---|---|---|",
        *lines,
    ]


def report_markdown(result: dict[str, Any]) -> str:
    lines = _header(result)
    for name, entry in result["profiles"].items():
        lines += _profile_lines(name, entry)
    lines += _target_lines(result)
    return "\n".join(lines) + "\n"


def write_section(result: dict[str, Any], markdown: Path) -> None:
    """Replace the marked section of `markdown`, or add it before the part `make bench`
    regenerates (after it, the next `make bench` would erase it), or at the end."""
    section = f"{MARK_START}\n\n{report_markdown(result)}\n{MARK_END}\n"
    text = markdown.read_text(encoding="utf-8") if markdown.exists() else "# Prestazioni\n"
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1].lstrip("\n")
        text = f"{before}{section}" + (f"\n{after}" if after else "")
    elif BENCH_MARK in text:
        before, after = text.split(BENCH_MARK, 1)
        text = f"{before.rstrip()}\n\n{section}\n{BENCH_MARK}{after}"
    else:
        text = f"{text.rstrip()}\n\n{section}"
    markdown.write_text(text, encoding="utf-8")
