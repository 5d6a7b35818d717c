"""Give a synthetic ente's schede the figures of a year-end appraisal, for the premium benchmark.

The synthetic file describes a cycle during monitoring: its schede are drafts without points,
so a distribution of its fund would put everyone in «scheda senza punteggio» and never rank,
band or pay anyone. `score_schede` writes, deterministically from the seed, what the end of
the appraisal would leave: points, the band of the scheme they fall in and its premium share,
a few people not admitted or without points, definitive or acknowledged schede; part-time
contracts, hires during the year and protected absences. It writes straight to the tables,
as a fixture does: the benchmark calls it inside the transaction it rolls back.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from appraisal.models import Scheda, SchedaState, ScoreBand
from organization.models import Absence, AbsenceKind, Employment
from planning.models import Cycle

BATCH = 2000


def score_schede(cycle: Cycle, seed: int = 1) -> int:
    """Score every scheda of `cycle` as a closed appraisal would; returns the schede scored."""
    rng = random.Random(seed)
    bands: dict[int, list[ScoreBand]] = {}
    for row in ScoreBand.objects.filter(scheme__cycle=cycle).order_by("min_points"):
        bands.setdefault(row.scheme_id, []).append(row)
    schede = list(Scheda.objects.filter(cycle=cycle).order_by("pk"))
    scored = 0
    for scheda in schede:
        if rng.random() < 0.02:
            continue  # no points yet: counted apart by the distribution
        points = min(Decimal(100), Decimal(rng.randint(3000, 10000)) / 100)
        fitting = bands.get(scheda.scheme_id, ())
        band = next((b for b in fitting if b.min_points <= points <= b.max_points), None)
        scheda.total_points, scheda.band = points, band
        scheda.premium_percent = band.premium_percent if band else None
        scheda.is_negative = bool(band and band.premium_percent == 0)
        scheda.is_eligible = rng.random() >= 0.01
        scheda.eligibility_note = "" if scheda.is_eligible else "In aspettativa per tutto l'anno."
        scheda.state = SchedaState.FINAL if rng.random() < 0.7 else SchedaState.ACKNOWLEDGED
        scored += 1
    fields = ["total_points", "band", "premium_percent", "is_negative", "is_eligible"]
    Scheda.objects.bulk_update(schede, [*fields, "eligibility_note", "state"], batch_size=BATCH)
    _contracts_and_absences(cycle, rng)
    return scored


def _contracts_and_absences(cycle: Cycle, rng: random.Random) -> None:
    employments = list(Employment.objects.filter(person__ente=cycle.ente).order_by("pk"))
    absences = []
    for employment in employments:
        if rng.random() < 0.15:
            employment.part_time_percent = Decimal(rng.choice((50, 60, 70, 80, 83)))
        if rng.random() < 0.08:
            employment.start_date = dt.date(cycle.year, rng.randint(2, 11), 1)
        if rng.random() < 0.2:
            start = dt.date(cycle.year, rng.randint(1, 11), rng.randint(1, 28))
            absences.append(
                Absence(
                    person_id=employment.person_id,
                    kind=rng.choice(AbsenceKind.values),
                    start_date=start,
                    end_date=start + dt.timedelta(days=rng.randint(3, 120)),
                )
            )
    Employment.objects.bulk_update(
        employments, ["part_time_percent", "start_date"], batch_size=BATCH
    )
    Absence.objects.bulk_create(absences, batch_size=BATCH)
