"""Time (or profile) the premium distribution preview of every fund of a synthetic ente.

    DATABASE_URL=sqlite:///var/b.sqlite3 PERFORMA_DEBUG=0 \
        .venv/bin/python scripts/bench_premiums.py [ente-slug] [--profile] [--repeat N] [--scored]

Each preview runs `rewards.services.distribution_preview` as `distribute_premiums --preview`
does, inside a transaction that is rolled back, so the database is left as it was. Prints the
median CPU and wall time per fund and the number of lines; with --profile, the costliest functions.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performa.settings")

import django

django.setup()

from benchmarks.runner import _preview_timed as _preview  # noqa: E402
from planning.models import Cycle  # noqa: E402
from rewards.models import Fund  # noqa: E402


def main(argv: list[str]) -> None:
    slug = next((a for a in argv if not a.startswith("--") and not a.isdigit()), None)
    slug = slug or "sintetico-metropolitan-1"
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 1
    cycle = Cycle.objects.select_related("ente").get(ente__slug=slug, year=2025)
    funds = list(Fund.objects.filter(ente=cycle.ente, year=cycle.year).order_by("kind"))
    if "--profile" in argv:
        profile = cProfile.Profile()
        for fund in funds:
            profile.runcall(_preview, fund, cycle, scored="--scored" in argv)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)
        return
    scored = "--scored" in argv  # the schede with year-end points (benchmarks.scored)
    for fund in funds:
        runs = [_preview(fund, cycle, scored=scored) for _ in range(repeat)]
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        paid = runs[0][3]
        print(
            f"{slug} {fund.kind}: {runs[0][2]} lines ({paid} paid), "
            f"{cpu:.2f} s CPU, {wall:.2f} s wall"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
