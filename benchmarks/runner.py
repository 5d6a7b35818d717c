"""The benchmark: what each main page and command costs on a synthetic ente, measured, not asserted.

`run(profiles, ...)` makes sure each profile's synthetic ente is in the database (generating it
with the same seed when missing), then measures:

- `cycle_scores` cold (nothing reused) and warm (the second read of unchanged data), beside the
  floor: the engine's roll-up alone (`engine.rollup.score_cycle`) over the same records;
- each main page, requested through Django's test client by an admin of the ente, a fixed count
  of times: latency p50/p95/p99, size and SQL queries per request;
- `import_cycle` and `export_cycle` of the profile's file, each in a fresh process so that its
  peak resident memory is its own;
- the Piano (PDF, DOCX, XLSX) and the Relazione (PDF) generated as `generate_document` does;
- a year of synthetic invoices (`payments.synthetic`, a count proportional to the objectives)
  imported and turned into the payment indicators as `import_invoices` does.

Document generation and the invoice import run in a transaction rolled back afterwards (their
stored files deleted), so each run measures the same work on the same ente. `postgres_pass`
repeats everything in a child process on PostgreSQL when a server answers.

`report_markdown(result)` writes the table of `docs/benchmarks.md`; `result` is JSON-ready.
Figures depend on the machine: compare ratios, and re-measure on yours.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import Membership, MembershipRole, User
from accounts.services import account_save, membership_save
from appraisal.models import Scheda
from benchmarks.floor import FloorArrays, numpy_floor, rollup_python
from benchmarks.scored import score_schede
from benchmarks.synthetic import PROFILES, build_document
from documents.services import document_generate_now
from engine.rollup import score_cycle
from interchange.importer import import_cycle
from measurement import scoring
from measurement import selectors as measurement
from organization.models import Ente, Unit
from payments import services as payments
from payments import synthetic as invoice_files
from planning.models import Cycle, Indicator, OperationalObjective
from rewards.models import Fund
from rewards.services import distribution_preview

YEAR = 2025
NO_ARGUMENT = {
    "measurement:dashboard_ente",
    "planning:tree",
    "organization:chart",
    "organization:people",
    "appraisal:index",
}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0–1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _timed_both(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of the process: on a shared machine the wall time says as much
    about the neighbours as about the code, the CPU time much less."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


class _Rollback(Exception):
    pass


def _preview_timed(
    fund: Fund, cycle: Cycle, *, scored: bool = False
) -> tuple[float, float, int, int]:
    """Wall and CPU seconds of one premium preview, its lines and the lines paid something,
    rolled back afterwards. With `scored`, the schede get year-end points first (untimed)."""
    try:
        with transaction.atomic():
            if scored:
                score_schede(cycle)
            start, cpu = time.perf_counter(), time.process_time()
            distribution = distribution_preview(user=None, fund=fund, cycle=cycle)
            wall, used = time.perf_counter() - start, time.process_time() - cpu
            lines = distribution.lines.count()
            paid = distribution.lines.filter(total_amount__gt=0).count()
            raise _Rollback
    except _Rollback:
        pass
    return wall, used, lines, paid


def measure_premiums(cycle: Cycle, repeat: int) -> dict[str, Any] | None:
    """The premium preview of the ente's largest fund (as `distribute_premiums --preview`
    computes it), in a transaction rolled back so the database stays as it was: once with the
    schede as generated (drafts without points) and once scored as at the end of the year
    (`benchmarks.scored`), which is the distribution that ranks, bands and pays."""
    funds = list(Fund.objects.filter(ente=cycle.ente, year=cycle.year).order_by("kind"))
    if not funds:
        return None
    fund = max(funds, key=lambda f: f.amount)
    runs = [_preview_timed(fund, cycle) for _ in range(repeat)]
    scored = [_preview_timed(fund, cycle, scored=True) for _ in range(repeat)]
    return {
        "fund": fund.kind,
        "lines": runs[0][2],
        "wall_s": statistics.median(run[0] for run in runs),
        "cpu_s": statistics.median(run[1] for run in runs),
        "scored_paid": scored[0][3],
        "scored_wall_s": statistics.median(run[0] for run in scored),
        "scored_cpu_s": statistics.median(run[1] for run in scored),
    }


DOCUMENTS = (("piano", "pdf"), ("piano", "docx"), ("piano", "xlsx"), ("relazione", "pdf"))
INVOICES_PER_OBJECTIVE = 40  # about 100,000 a year for a città metropolitana of 3,000


def _generate_rolled_back(cycle: Cycle, kind: str, fmt: str) -> dict[str, Any]:
    """One document generated as `generate_document` does; row and file gone afterwards."""
    start, cpu = time.perf_counter(), time.process_time()
    stored = ""
    try:
        with transaction.atomic():
            document = document_generate_now(user=None, cycle=cycle, kind=kind, format=fmt)
            wall, used = time.perf_counter() - start, time.process_time() - cpu
            stored = document.file.name or ""
            row = {"state": document.state, "bytes": document.size, "error": document.error}
            raise _Rollback
    except _Rollback:
        pass
    if stored:
        default_storage.delete(stored)  # the rollback does not reach the media folder
    return {"kind": kind, "format": fmt, "wall_s": wall, "cpu_s": used, **row}


def measure_documents(cycle: Cycle) -> list[dict[str, Any]]:
    """The Piano in every format and the Relazione in PDF. A document the synthetic ente lacks
    data for is still recorded, with the state and message the app gives it."""
    return [_generate_rolled_back(cycle, kind, fmt) for kind, fmt in DOCUMENTS]


def _offices(cycle: Cycle, seed: int) -> dict[str, int]:
    """The ente's units as invoice offices, each with its own mean delay (same seed, same)."""
    rng = random.Random(seed)
    names = (
        Unit.objects.filter(ente=cycle.ente).order_by("order", "id").values_list("name", flat=True)
    )
    return {name: rng.randint(-10, 15) for name in names}


def measure_invoices(cycle: Cycle, seed: int) -> dict[str, Any]:
    """A year of invoices imported (read, checked, written) and the payment indicators
    computed, as `import_invoices` does; rolled back so the ente stays as it was."""
    count = INVOICES_PER_OBJECTIVE * OperationalObjective.objects.filter(cycle=cycle).count()
    content = invoice_files.to_csv(
        invoice_files.generate(count, cycle.year, seed=seed, offices=_offices(cycle, seed))
    )
    stored = ""
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with transaction.atomic():
            batch = payments.import_invoices(
                user=None, ente=cycle.ente, content=content, filename="fatture-sintetiche.csv"
            )
            wall, used = time.perf_counter() - start, time.process_time() - cpu
            stored, valid = batch.file.name or "", batch.valid_invoices
            raise _Rollback
    except _Rollback:
        pass
    if stored:
        default_storage.delete(stored)
    return {
        "invoices": count,
        "valid": valid,
        "file_mb": len(content) / 2**20,
        "wall_s": wall,
        "cpu_s": used,
    }


def ensure_ente(profile: str, seed: int) -> Cycle:
    """The synthetic ente of `profile`, imported from its generated document when missing."""
    slug = f"sintetico-{profile}-{seed}"
    cycle = Cycle.objects.filter(ente__slug=slug, year=YEAR).select_related("ente").first()
    if cycle is None:
        cycle = import_cycle(build_document(profile, seed=seed, year=YEAR))
    return cycle


def _host() -> str:
    """A host name the settings accept (the test client's «testserver» usually is not)."""
    named = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host not in ("*", "")]
    return named[0] if named else "localhost"


def _admin_client(ente: Ente) -> Client:
    username = f"bench-{ente.slug}"[:150]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
        account_save(user=None, account=user)
    if not Membership.objects.filter(user=user, ente=ente, role=MembershipRole.ADMIN).exists():
        membership_save(
            user=None, membership=Membership(user=user, ente=ente, role=MembershipRole.ADMIN)
        )
    client = Client(HTTP_HOST=_host())
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = ente.pk
    session.save()
    return client


def _pages(cycle: Cycle) -> list[tuple[str, str, bool]]:
    """(label, url, anonymous) of the pages measured, on rows picked the same way each run."""
    ente = cycle.ente
    area = Unit.objects.filter(ente=ente, parent__isnull=True).order_by("order", "id").first()
    objective = OperationalObjective.objects.filter(cycle=cycle).order_by("order", "id").first()
    indicator = Indicator.objects.filter(cycle=cycle).order_by("order", "id").first()
    scheda = Scheda.objects.filter(cycle=cycle).order_by("id").first()
    named = [
        ("cruscotto dell'ente", "measurement:dashboard_ente", None, False),
        ("cruscotto di un'area", "measurement:dashboard_unit", area, False),
        ("albero del piano", "planning:tree", None, False),
        ("organigramma", "organization:chart", None, False),
        ("elenco delle persone", "organization:people", None, False),
        ("valutazione (indice)", "appraisal:index", None, False),
        ("trasparenza: performance", "transparency:performance", ente.slug, True),
        ("trasparenza: premi (art. 20)", "transparency:premi", (ente.slug, cycle.year), True),
        ("API: obiettivi del ciclo", "api:objectives", cycle, False),
        ("dettaglio obiettivo (piano)", "planning:objective_detail", objective, False),
        ("monitoraggio di un obiettivo", "measurement:objective", objective, False),
        ("monitoraggio di un indicatore", "measurement:indicator", indicator, False),
        ("scheda individuale", "appraisal:scheda_detail", scheda, False),
    ]
    pages = []
    for label, name, arg, public in named:
        if arg is None and name not in NO_ARGUMENT:
            continue  # the ente has no such row
        if arg is None:
            args = []
        elif isinstance(arg, tuple):
            args = list(arg)
        else:
            args = [arg if isinstance(arg, str) else arg.pk]
        pages.append((label, reverse(name, args=args), public))
    return pages


def measure_pages(cycle: Cycle, requests: int, only: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Each page (or those whose label contains one of `only`) `requests` times."""
    client = _admin_client(cycle.ente)
    anonymous = Client(HTTP_HOST=_host())
    rows = []
    for label, url, public in _pages(cycle):
        if only and not any(part in label for part in only):
            continue
        browser = anonymous if public else client
        first = browser.get(url)  # warm-up: templates compiled, caches filled as in use
        if first.status_code != 200:
            raise RuntimeError(f"{label} ({url}): risposta {first.status_code}")
        times, queries = [], 0
        for _ in range(requests):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = browser.get(url)
                times.append(time.perf_counter() - start)
            queries = len(captured.captured_queries)
        rows.append(
            {
                "page": label,
                "url": url,
                "status": response.status_code,
                "bytes": len(response.content),
                "queries": queries,
                "requests": requests,
                "p50_ms": 1000 * percentile(times, 0.50),
                "p95_ms": 1000 * percentile(times, 0.95),
                "p99_ms": 1000 * percentile(times, 0.99),
                "req_per_s": len(times) / sum(times),
            }
        )
    return rows


def measure_scores(cycle: Cycle, repeat: int) -> dict[str, Any]:
    """`cycle_scores` cold and warm, and the engine's roll-up alone over the same records."""
    cold, warm = [], []
    for _ in range(repeat):
        cold.append(_timed_both(lambda: measurement.compute_cycle_scores(cycle)))
        measurement.cycle_scores(cycle)
        warm.append(_timed(lambda: measurement.cycle_scores(cycle)))
    records, settings_ = _engine_input(cycle)
    floor = [_timed_both(lambda: score_cycle(records, settings_)) for _ in range(repeat)]
    cold_s, floor_s = statistics.median(c[0] for c in cold), statistics.median(f[0] for f in floor)
    return {
        "cold_s": cold_s,
        "cold_cpu_s": statistics.median(c[1] for c in cold),
        "warm_s": statistics.median(warm),
        "engine_floor_s": floor_s,
        "engine_floor_cpu_s": statistics.median(f[1] for f in floor),
        "ratio_to_floor": cold_s / floor_s if floor_s else None,
        **_array_floors(records, repeat, cold_s),
        "repeat": repeat,
    }


def _array_floors(records, repeat: int, cold_s: float) -> dict[str, float | None]:
    """The roll-up over plain arrays (benchmarks.floor), in Python and, if installed, NumPy."""
    arrays = FloorArrays.of(records)
    python_s = statistics.median(_timed(lambda: rollup_python(arrays)) for _ in range(repeat))
    vectorised = numpy_floor(arrays)
    numpy_s = (
        statistics.median(_timed(vectorised.rollup) for _ in range(repeat)) if vectorised else None
    )
    return {
        "python_floor_s": python_s,
        "numpy_floor_s": numpy_s,
        "ratio_to_python_floor": cold_s / python_s if python_s else None,
    }


def _engine_input(cycle: Cycle):
    """The engine's records of the cycle, built as `cycle_scores` builds them."""
    reading = measurement._Reading.of(cycle, None, dt.date.today())
    plan = measurement._load(cycle, reading.cutoff)
    settings_ = scoring.ente_settings(cycle.ente.smvp_settings, list(cycle.org_levels.all()))
    indicators = measurement._indicators(plan, reading, settings_)
    relevant = measurement._relevant_units(plan)
    return replace(measurement._structure(plan, relevant), indicators=indicators.records), settings_


_CHILD = """
import os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performa.settings")
django.setup()
from django.core.management import call_command
start = time.perf_counter()
call_command(*sys.argv[1:])
elapsed = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # the peak of this process's own memory: ru_maxrss also counts the parent's, see below
    with open("/proc/self/status", encoding="ascii") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print("BENCH", elapsed, peak_kb)
"""


def _child(*args: str) -> dict[str, float]:
    """Run a management command in a fresh process: its wall time and peak resident memory.

    The peak is the child's `VmHWM` (Linux), not `ru_maxrss`: subprocess starts the child with
    vfork, and Linux carries the parent's high-water mark into the child's `ru_maxrss` at exec,
    so with a large parent every child would report the parent's peak.
    """
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            _, elapsed, rss = line.split()
            return {"seconds": float(elapsed), "peak_mb": int(rss) / 1024}
    raise RuntimeError(f"{args[0]} non riuscito: {done.stderr[-2000:]}")


def measure_interchange(cycle: Cycle, workdir: Path) -> dict[str, Any]:
    """Export the cycle to a file, then import that file again in place of the cycle."""
    path = workdir / f"{cycle.ente.slug}.json"
    export = _child("export_cycle", str(path), "--ente", cycle.ente.slug, "--year", str(cycle.year))
    imported = _child("import_cycle", str(path), "--replace")
    return {"export": export, "import": imported, "file_mb": path.stat().st_size / 2**20}


def _size(cycle: Cycle) -> dict[str, int]:
    return {
        "units": Unit.objects.filter(ente=cycle.ente).count(),
        "objectives": OperationalObjective.objects.filter(cycle=cycle).count(),
        "indicators": Indicator.objects.filter(cycle=cycle).count(),
        "schede": Scheda.objects.filter(cycle=cycle).count(),
    }


def run(
    profiles: list[str],
    *,
    seed: int = 1,
    requests: int = 10,
    repeat: int = 3,
    interchange: bool = True,
    documents: bool = True,
    invoices: bool = True,
    pages: tuple[str, ...] = (),
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in profiles:
            if name not in PROFILES:
                raise ValueError(f"Profilo sconosciuto: {name}")
            log(f"[{name}] ente sintetico")
            cycle = ensure_ente(name, seed)
            entry: dict[str, Any] = {"size": _size(cycle)}
            log(f"[{name}] cycle_scores")
            entry["scores"] = measure_scores(cycle, repeat)
            log(f"[{name}] distribuzione dei premi (anteprima)")
            entry["premiums"] = measure_premiums(cycle, repeat=1)
            log(f"[{name}] pagine")
            entry["pages"] = measure_pages(cycle, requests, pages)
            if interchange:
                log(f"[{name}] export_cycle / import_cycle")
                entry["interchange"] = measure_interchange(cycle, Path(tmp))
                cycle = ensure_ente(name, seed)  # the import replaced the cycle
            if documents:
                log(f"[{name}] documenti (Piano, Relazione)")
                entry["documents"] = measure_documents(cycle)
            if invoices:
                log(f"[{name}] fatture: importazione e indicatori")
                entry["invoices"] = measure_invoices(cycle, seed)
            results[name] = entry
    return {"machine": machine(), "profiles": results}


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "?",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "database": connection.vendor,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "peak_mb_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# ---------------------------------------------------------------------------------------------
# The PostgreSQL pass
# ---------------------------------------------------------------------------------------------


def prepare_postgres(url: str) -> str | None:
    """None when the server of `url` answers and its database exists (created if missing, as
    .ci/run does); otherwise why the pass is skipped, in Italian."""
    import dj_database_url
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    config = dj_database_url.parse(url)
    if config.get("ENGINE") != "django.db.backends.postgresql":
        return f"«{url}» non è un indirizzo PostgreSQL"
    host, port = config.get("HOST") or "localhost", config.get("PORT") or 5432
    server = make_conninfo(
        host=host,
        port=port,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",  # the database itself may not exist yet
        connect_timeout=5,
    )
    where = f"{host}:{port}"
    try:
        with psycopg.connect(server, autocommit=True) as admin:
            name = config["NAME"]
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if found is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        return f"nessun server PostgreSQL risponde su {where} ({type(exc).__name__})"
    return None


def _manage(args: list[str], url: str) -> None:
    """`manage.py ARGS` in a child process on the database of `url` (settings read it at start)."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, check=True)


def postgres_pass(url: str, benchmark_args: list[str], log: Callable[[str], None]) -> dict:
    """The same measurements on PostgreSQL: migrate, then `benchmark` in a child process. The
    result, or {"skipped": why} when no server answers."""
    reason = prepare_postgres(url)
    if reason is not None:
        log(f"PostgreSQL saltato: {reason}.")
        return {"skipped": reason}
    log(f"PostgreSQL: {url}")
    _manage(["migrate", "--noinput", "--verbosity", "0"], url)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "postgresql.json"
        _manage(
            [
                "benchmark",
                *benchmark_args,
                f"--output={Path(tmp) / 'postgresql.md'}",
                f"--json={data}",
            ],
            url,
        )
        return json.loads(data.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:,.1f} ms".replace(",", " ")


def _wall_cpu(wall: float | None, cpu: float | None) -> str:
    return "–" if wall is None else f"{_ms(wall)} (CPU {_ms(cpu)})"


def _times(ratio: float | None) -> str:
    return "" if ratio is None else f"×{ratio:.1f}"


def _growth(small: float | None, large: float | None, size_ratio: float) -> str:
    """How a figure grows from the first profile to the last, beside how the ente grows."""
    if not small or large is None:
        return ""
    ratio = large / small
    if ratio < 2:
        shape = "costante"
    elif ratio <= 1.5 * size_ratio:
        shape = "lineare o meno"
    else:
        shape = "più che lineare"
    return f"×{ratio:.1f} ({shape})"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _page_cells(row: dict[str, Any] | None) -> str:
    if row is None:
        return "–"
    return f"{row['p50_ms']:.0f} / {row['p95_ms']:.0f} / {row['p99_ms']:.0f} ms"


def _documents_lines(profiles: dict[str, Any], names: list[str]) -> list[str]:
    measured = [n for n in names if profiles[n].get("documents")]
    if not measured:
        return []
    lines = ["", "### Documenti (generati come `generate_document`, poi annullati)", ""]
    lines += [_row(["documento", *measured, "esito"]), "|---|" + "---:|" * len(measured) + "---|"]
    by_name = {n: {(d["kind"], d["format"]): d for d in profiles[n]["documents"]} for n in measured}
    for kind, fmt in DOCUMENTS:
        rows = [by_name[n].get((kind, fmt)) for n in measured]
        cells = [
            "–" if d is None else f"{d['wall_s']:.2f} s, {d['bytes'] / 1024:.0f} KB" for d in rows
        ]
        outcomes = {
            f"{n}: {d['state']}" + (f" ({d['error']})" if d["error"] else "")
            for n, d in zip(measured, rows, strict=True)
            if d is not None and d["state"] != "done"
        }
        lines.append(
            _row(
                [
                    f"{kind.capitalize()} {fmt.upper()}",
                    *cells,
                    "; ".join(sorted(outcomes)) or "generato",
                ]
            )
        )
    return lines


def _invoices_lines(profiles: dict[str, Any], names: list[str]) -> list[str]:
    measured = [(n, profiles[n]["invoices"]) for n in names if profiles[n].get("invoices")]
    if not measured:
        return []
    lines = ["", "### Fatture: importazione di un anno e calcolo degli indicatori (annullati)", ""]
    lines += [_row(["profilo", "fatture", "valide", "file", "tempo reale", "CPU"])]
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, x in measured:
        cells = [str(x["invoices"]), str(x["valid"]), f"{x['file_mb']:.1f} MB"]
        lines.append(_row([name, *cells, f"{x['wall_s']:.2f} s", f"{x['cpu_s']:.2f} s"]))
    return lines


def _other_databases(result: dict[str, Any]) -> list[str]:
    """The PostgreSQL pass: its own section, or the reason it did not run."""
    other = result.get("postgresql")
    if other is None:
        return []
    if "skipped" in other:
        return ["", f"PostgreSQL non misurato: {other['skipped']}."]
    return ["", report_markdown(other, title="## La stessa esecuzione su PostgreSQL").rstrip()]


def report_markdown(
    result: dict[str, Any], title: str = "## Ultima esecuzione di `make bench`"
) -> str:
    """The benchmark's tables in Markdown (figures with a dot for decimals, as measured)."""
    m = result["machine"]
    profiles = result["profiles"]
    names = list(profiles)
    first, last = names[0], names[-1]
    several = len(names) > 1
    size_ratio = profiles[last]["size"]["objectives"] / max(
        1, profiles[first]["size"]["objectives"]
    )
    load = m.get("load_average")
    lines = [
        title,
        "",
        f"- data: {m['date']}; commit `{m['commit']}`; database: {m['database']}",
        f"- macchina: {m['platform']}, {m['cpus']} CPU, Python {m['python']}"
        + (f", carico medio all'avvio {load:.2f}" if load is not None else ""),
        "- pagine richieste in sequenza da un solo client (test client di Django, senza server"
        " né DEBUG): latenza p50 / p95 / p99, query SQL e dimensione di una risposta",
        "",
        "| ente | unità | obiettivi | indicatori | schede |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in names:
        size = profiles[name]["size"]
        counts = [str(size[key]) for key in ("units", "objectives", "indicators", "schede")]
        lines.append(_row([name, *counts]))
    growth_head = [f"crescita {first}→{last}"] if several else []
    lines += ["", "### `cycle_scores`", "", _row(["misura", *names, *growth_head])]
    lines.append("|---|" + "---:|" * len(names) + ("---|" if several else ""))
    for key, label in (
        ("cold_s", "a freddo (calcolo completo)"),
        ("cold_cpu_s", "a freddo, CPU del processo"),
        ("warm_s", "a caldo (dati invariati)"),
        ("engine_floor_s", "solo motore (`score_cycle`)"),
        ("engine_floor_cpu_s", "solo motore, CPU del processo"),
        ("python_floor_s", "pavimento: lo stesso roll-up su array, Python puro"),
        ("numpy_floor_s", "pavimento: lo stesso roll-up su array, NumPy"),
    ):
        if any(key not in profiles[n]["scores"] for n in names):
            continue  # a report of an older run
        cells = [_ms(profiles[n]["scores"][key]) for n in names]
        if several:
            first_s, last_s = profiles[first]["scores"][key], profiles[last]["scores"][key]
            cells.append(_growth(first_s, last_s, size_ratio))
        lines.append(_row([label, *cells]))
    for key, label in (
        ("ratio_to_floor", "a freddo / solo motore"),
        ("ratio_to_python_floor", "a freddo / pavimento in Python puro (obiettivo: ≤ ×20)"),
    ):
        ratios = [_times(profiles[n]["scores"].get(key)) for n in names]
        lines.append(_row([label, *ratios, *([""] if several else [])]))
    premiums = [(n, profiles[n].get("premiums")) for n in names if profiles[n].get("premiums")]
    if premiums:
        lines += ["", "### Distribuzione dei premi (anteprima, annullata dopo la misura)", ""]
        lines += [
            "Schede come generate (bozze senza punti: tutte «senza punteggio») e schede con i"
            " punti di fine anno (`benchmarks.scored`: fasce, esclusi, part-time, assunzioni,"
            " assenze), che sono la distribuzione che ordina, assegna le fasce e paga.",
            "",
            _row(
                [
                    "profilo",
                    "fondo",
                    "righe",
                    "schede come generate",
                    "schede con punti",
                    "righe pagate (con punti)",
                ]
            ),
            "|---|---|---:|---:|---:|---:|",
        ]
        for name, p in premiums:
            cells = [name, p["fund"], str(p["lines"]), _wall_cpu(p["wall_s"], p["cpu_s"])]
            cells.append(_wall_cpu(p.get("scored_wall_s"), p.get("scored_cpu_s")))
            cells.append(str(p.get("scored_paid", "–")))
            lines.append(_row(cells))
    lines += ["", "### Pagine", ""]
    header = ["pagina", *(f"{n} p50 / p95 / p99" for n in names), "query", "KB"]
    header += [f"crescita p50 {first}→{last}"] if several else []
    lines += [_row(header), "|---|" + "---:|" * (len(names) + 2) + ("---|" if several else "")]
    by_page = {n: {row["page"]: row for row in profiles[n]["pages"]} for n in names}
    for row in profiles[last]["pages"]:
        page = row["page"]
        present = [by_page[n][page] for n in names if page in by_page[n]]
        cells = [page, *(_page_cells(by_page[n].get(page)) for n in names)]
        cells.append(" / ".join(str(r["queries"]) for r in present))
        cells.append(" / ".join(f"{r['bytes'] / 1024:.0f}" for r in present))
        if several:
            base = by_page[first].get(page)
            cells.append(_growth(base["p50_ms"], row["p50_ms"], size_ratio) if base else "")
        lines.append(_row(cells))
    exchanged = [(n, profiles[n]["interchange"]) for n in names if profiles[n].get("interchange")]
    if exchanged:
        lines += ["", "### Scambio dati (ciascuno in un processo a sé: memoria di picco)", ""]
        lines += [_row(["profilo", "file", "export_cycle", "import_cycle"]), "|---|---:|---:|---:|"]
        for name, x in exchanged:
            export, imported = x["export"], x["import"]
            lines.append(
                _row(
                    [
                        name,
                        f"{x['file_mb']:.1f} MB",
                        f"{export['seconds']:.1f} s, {export['peak_mb']:.0f} MB",
                        f"{imported['seconds']:.1f} s, {imported['peak_mb']:.0f} MB",
                    ]
                )
            )
    lines += _documents_lines(profiles, names) + _invoices_lines(profiles, names)
    lines += _other_databases(result)
    return "\n".join(lines) + "\n"


def write_report(result: dict[str, Any], markdown: Path, data: Path | None = None) -> None:
    """Replace the generated section of `markdown` (from its marker on) with the new tables."""
    marker = "<!-- make bench: da qui in poi il testo è rigenerato -->"
    text = markdown.read_text(encoding="utf-8") if markdown.exists() else ""
    head = text.split(marker)[0].rstrip() if text else "# Prestazioni"
    markdown.write_text(f"{head}\n\n{marker}\n\n{report_markdown(result)}", encoding="utf-8")
    if data is not None:
        data.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
