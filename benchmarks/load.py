"""The concurrent load test: main pages served by gunicorn on loopback, under 1, 8 and 32 clients.

`run_load(profiles, ...)` makes sure each profile's synthetic ente exists (as `make bench` does),
starts gunicorn with `deploy/gunicorn.conf.py` on a free port of 127.0.0.1 against the same
database with `PERFORMA_DEBUG=0`, logs in as an administrator of the ente (a session row in the
database, sent as a cookie), and then, page by page and for each count of clients, sends a fixed
number of GET requests from that many threads at once, each sending its next request as soon
as it has the answer (closed loop): latency p50/p95/p99, throughput and errors. Then each page
is asked again in the paced mode (open loop, `pace`): 32 clients together send at a fixed rate
whatever the answers, latency counted from the time each request was due; issue 12 §5
(«p95 ≤ 100 ms at ≥ 100 req/s with 32 clients») is judged on that run. The server is stopped
with SIGTERM (gunicorn's graceful shutdown) at the end, and killed only if it does not stop.

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
from dataclasses import asdict, dataclass
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
# The paced (open-loop) run: the rate asked by default is 10% above the ≥ 100 req/s of issue
# 12 §5, since what is compared with the target is the rate obtained (requests / duration).
PACED_CLIENTS = 32
PACED_RATE = 110.0
PACED_START_S = 0.05  # the threads are started before the first request is due
LATE_S = 0.010
# The paced run's clock and wait (a test puts a simulated clock in their place).
clock: Callable[[], float] = time.perf_counter
sleep: Callable[[float], None] = time.sleep
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


@dataclass
class _Schedule:
    """The shared state of a paced run: request `i` is due at `start + i / rate`."""

    start: float
    rate: float
    left: Iterator[int]
    lock: threading.Lock
    times: list[float]
    failures: list[str]
    late: list[int]

    def next_due(self) -> float | None:
        with self.lock:
            index = next(self.left, None)
        return None if index is None else self.start + index / self.rate

    def record(self, elapsed: float, failure: str, late: bool) -> None:
        with self.lock:
            self.times.append(elapsed)
            if failure:
                self.failures.append(failure)
            if late:
                self.late.append(1)


def _paced_client(port: int, path: str, cookie: str, schedule: _Schedule) -> None:
    while (due := schedule.next_due()) is not None:
        wait = due - clock()
        if wait > 0:
            sleep(wait)
        try:
            failure = _failure(fetch(port, path, cookie)[0])
        except OSError as error:
            failure = f"{type(error).__name__}: {error}"
        # From the time the request was due, not from when a client was free to send it: a
        # request that waited for a client has waited for the server all the same.
        schedule.record(clock() - due, failure, late=-wait > LATE_S)


def pace(
    port: int, target: Target, cookie: str, clients: int, requests: int, rate: float
) -> dict[str, Any]:
    """Open loop: `requests` GETs sent at `rate` per second in all, whatever the answers,
    by `clients` threads (each takes the next request due and waits for its time). When every
    client is waiting for an answer, the next request leaves late and its wait counts in its
    latency; `late` counts the requests that left more than `LATE_S` after their time."""
    schedule = _Schedule(
        start=clock() + PACED_START_S,
        rate=rate,
        left=iter(range(requests)),
        lock=threading.Lock(),
        times=[],
        failures=[],
        late=[],
    )
    path, cookie = target.path, "" if target.public else cookie
    threads = [
        threading.Thread(target=_paced_client, args=(port, path, cookie, schedule), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = clock() - schedule.start
    row = _row(target, clients, schedule.times, schedule.failures, wall)
    return {**row, "mode": "paced", "rate": rate, "late": len(schedule.late)}


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


@dataclass(frozen=True)
class Paced:
    """The paced run of each page: `requests` GETs at `rate` per second from `clients`."""

    clients: int = PACED_CLIENTS
    rate: float = PACED_RATE
    requests: int = 0  # 0: as many as the closed-loop runs


def measure_profile(
    cycle: Cycle,
    *,
    requests: int,
    clients: tuple[int, ...],
    workers: int,
    only: tuple[str, ...],
    log: Callable[[str], None],
    paced: Paced | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(closed-loop rows, paced rows) of the cycle's pages."""
    cookie = session_cookie(cycle)
    rows, paced_rows = [], []
    with gunicorn(workers) as (port, server_log):
        for target in targets(cycle, only):
            size = warm_up(port, target, cookie, workers, server_log)
            for count in clients:
                log(f"  {target.label}: {count} client, {requests} richieste")
                row = drive(port, target, cookie, count, requests)
                rows.append({**row, "bytes": size})
            if paced is not None:
                total = paced.requests or requests
                log(
                    f"  {target.label}: {paced.clients} client a {paced.rate:g} richieste/s,"
                    f" {total} richieste"
                )
                row = pace(port, target, cookie, paced.clients, total, paced.rate)
                paced_rows.append({**row, "bytes": size})
    return rows, paced_rows


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
    paced: Paced | None = None,
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
        rows, paced_rows = measure_profile(
            cycle,
            requests=requests,
            clients=clients,
            workers=workers,
            only=only,
            log=log,
            paced=paced,
        )
        results[name] = {"size": runner._size(cycle), "rows": rows, "paced": paced_rows}
    machine["load_after"] = _load_average()
    return {
        "machine": machine,
        "workers": workers,
        "requests": requests,
        "paced": None if paced is None else asdict(paced),
        "profiles": results,
    }


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
        "- lettura, a ciclo chiuso (la prima tabella di ogni profilo): ogni client manda la"
        " richiesta successiva appena riceve la risposta, quindi il server è sempre pieno e la"
        " latenza media è circa client / throughput (legge di Little): misura il throughput"
        " massimo, ma p95 ≤ 100 ms con 32 client richiederebbe almeno 320 richieste/s",
        "- lettura, a ritmo fisso (la seconda tabella): i client insieme mandano le richieste a"
        " un ritmo dato, una ogni 1/ritmo secondi, senza aspettare le risposte (carico aperto,"
        " come utenti che arrivano indipendenti); la latenza si conta dal momento in cui la"
        " richiesta era dovuta, quindi comprende l'attesa di un client libero; «in ritardo» sono"
        " le richieste partite più di 10 ms dopo il loro momento (tutti i client aspettavano"
        " una risposta); «ottenute» = richieste / durata. È questa la misura dell'obiettivo"
        " «p95 ≤ 100 ms a ≥ 100 richieste/s con 32 client»: il ritmo chiesto è un po' più alto"
        " perché si confronta quello ottenuto",
        *_paced_text(result),
    ]


def _paced_text(result: dict[str, Any]) -> list[str]:
    paced = result.get("paced")
    if not paced:
        return ["- a ritmo fisso: non misurato in questa esecuzione"]
    requests = paced["requests"] or result["requests"]
    return [
        f"- a ritmo fisso: {paced['clients']} client, {paced['rate']:g} richieste/s chieste,"
        f" {requests} richieste per pagina"
    ]


def _paced_lines(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    lines = [
        "",
        "A ritmo fisso:",
        "",
        "| pagina | client | richieste/s chieste | ottenute | p50 | p95 | p99 | in ritardo"
        " | errori |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        errors = str(row["errors"]) + (f" ({row['first_error']})" if row["errors"] else "")
        cells = [
            row["page"],
            str(row["clients"]),
            f"{row['rate']:g}",
            f"{row['req_per_s']:.1f}",
            f"{row['p50_ms']:.0f} ms",
            f"{row['p95_ms']:.0f} ms",
            f"{row['p99_ms']:.0f} ms",
            str(row["late"]),
            errors,
        ]
        lines.append(runner._row(cells))
    return lines


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
    return lines + _paced_lines(entry.get("paced", []))


# Issue 12 §5: (profile, pages or None for all, clients, p95 at most in ms, req/s at least,
# measured paced when a paced run was made).
TARGETS = (
    ("medium", None, 32, 100.0, 100.0, True),
    ("metropolitan", ("cruscotto dell'ente", "albero del piano"), 8, 150.0, None, False),
)


def _closed_text(row: dict[str, Any]) -> str:
    return f"{row['p95_ms']:.0f} ms, {row['req_per_s']:.1f} richieste/s"


def _target_rows(entry: dict[str, Any], clients: int, paced: bool) -> list[tuple[dict, str]]:
    """(row judged, text of what was measured): the paced rows when the target wants them and
    they were measured, each shown beside the closed-loop row of its page and clients;
    otherwise the closed-loop rows."""
    closed = [row for row in entry.get("rows", []) if row["clients"] == clients]
    measured = [row for row in entry.get("paced", []) if row["clients"] == clients]
    if not (paced and measured):
        return [(row, _closed_text(row)) for row in closed]
    loop = {row["page"]: row for row in closed}
    judged = []
    for row in measured:
        text = f"a ritmo fisso ({row['rate']:g}/s chieste): {_closed_text(row)}"
        if row["page"] in loop:
            text += f"; a ciclo chiuso: {_closed_text(loop[row['page']])}"
        judged.append((row, text))
    return judged


def _target_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for profile, pages, clients, p95, rate, paced in TARGETS:
        entry = result["profiles"].get(profile, {})
        for row, reached in _target_rows(entry, clients, paced):
            if pages and row["page"] not in pages:
                continue
            met = row["p95_ms"] <= p95 and (rate is None or row["req_per_s"] >= rate)
            wanted = f"p95 ≤ {p95:.0f} ms" + (f", ≥ {rate:.0f} richieste/s" if rate else "")
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
