"""Profile `compute_cycle_scores` (cold) and the engine alone on a synthetic ente.

    DATABASE_URL=sqlite:///var/b.sqlite3 PERFORMA_DEBUG=0 \
        .venv/bin/python scripts/bench_cold_scores.py [ente-slug] [--profile] [--repeat N]

Prints the median CPU time of N cold computations and of the engine's roll-up over the same records;
with --profile, the 25 most expensive functions of one cold computation (cumulative time).
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
from engine.rollup import score_cycle  # noqa: E402
from measurement import selectors  # noqa: E402
from planning.models import Cycle  # noqa: E402


def _timed(fn) -> float:
    """CPU seconds of the process: on a machine shared with other work, wall time says more
    about the neighbours than about the code (the report gives both)."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    _walls.append(time.perf_counter() - start)
    return time.process_time() - cpu


_walls: list[float] = []


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
    runs = [round(c, 2) for c in cold]
    wall = statistics.median(_walls[:repeat])
    print(f"{slug}: cold {statistics.median(cold) * 1000:.0f} ms CPU {runs}, wall {wall:.2f} s")
    print(f"{slug}: engine alone {statistics.median(engine) * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main(sys.argv[1:])
