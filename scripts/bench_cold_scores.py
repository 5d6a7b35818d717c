"""Profile `compute_cycle_scores` (cold) and the engine alone on a synthetic ente.

    DATABASE_URL=sqlite:///var/b.sqlite3 PERFORMA_DEBUG=0 \
        .venv/bin/python scripts/bench_cold_scores.py [ente-slug] [--profile] [--repeat N]

Prints the median and the lowest CPU time (and the median wall time) of N cold computations and
of the engine's roll-up over the same records, both with the cycle collector paused as
`compute_cycle_scores` pauses it, and the ratio of the cold median to the issue's floor (the
same roll-up in plain Python, 15 ms on the metropolitan ente); with --profile, the 25 most
expensive functions of one cold computation (cumulative time) and the 15 of their own time.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performa.settings")

import django

django.setup()

from benchmarks.runner import _engine_input  # noqa: E402
from core.collector import collector_paused  # noqa: E402
from engine.rollup import score_cycle  # noqa: E402
from measurement import selectors  # noqa: E402
from planning.models import Cycle  # noqa: E402

# The floor for the metropolitan ente: the same roll-up over plain arrays in Python.
FLOOR_S = 0.015


def _timed(fn) -> tuple[float, float]:
    """CPU and wall seconds: on a machine shared with other work, wall time says more about the
    neighbours than about the code (the report gives both)."""
    start, cpu = time.perf_counter(), time.process_time()
    with collector_paused():
        fn()
    return time.process_time() - cpu, time.perf_counter() - start


def _summary(label: str, runs: list[tuple[float, float]]) -> str:
    cpu = [run[0] for run in runs]
    wall = statistics.median(run[1] for run in runs)
    return (
        f"{label} {statistics.median(cpu) * 1000:.0f} ms CPU (lowest {min(cpu) * 1000:.0f}, "
        f"runs {[round(c * 1000) for c in cpu]}), wall {wall * 1000:.0f} ms"
    )


def main(argv: list[str]) -> None:
    slug = next((a for a in argv if not a.startswith("--") and not a.isdigit()), None)
    slug = slug or "sintetico-metropolitan-1"
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    cycle = Cycle.objects.select_related("ente").get(ente__slug=slug, year=2025)
    if "--profile" in argv:
        profile = cProfile.Profile()
        profile.runcall(selectors.compute_cycle_scores, cycle)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
        return
    cold = [_timed(lambda: selectors.compute_cycle_scores(cycle)) for _ in range(repeat)]
    records, settings = _engine_input(cycle)
    engine = [_timed(lambda: score_cycle(records, settings)) for _ in range(repeat)]
    ratio = statistics.median(run[0] for run in cold) / FLOOR_S
    print(f"{slug}: {_summary('cold', cold)}; ×{ratio:.0f} the floor of 15 ms")
    print(f"{slug}: {_summary('engine alone', engine)}")


if __name__ == "__main__":
    main(sys.argv[1:])
