"""Helpers of the page tests: enlarge a plan for query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from measurement.models import Measurement, MonitoringWindow, PeriodKind
from planning.models import Indicator, IndicatorScope, OperationalObjective, Phase, Target


def grow(plan, count: int) -> None:
    """Add `count` objectives, each with two indicators, a phase and a value, to the plan."""
    cycle = plan.cycle
    for n in range(count):
        objective = OperationalObjective.objects.create(
            cycle=cycle,
            key=f"extra-{n}",
            title=f"Obiettivo aggiuntivo {n}",
            unit=plan.verbali if n % 2 else plan.finanze,
            weight=Decimal("10"),
            order=100 + n,
        )
        objective.responsibles.add(plan.comandante if n % 2 else plan.ragioniere)
        Phase.objects.create(
            objective=objective,
            description=f"Fase {n}",
            planned_end=dt.date(cycle.year, 10, 31),
            progress=Decimal("40"),
        )
        for k in range(2):
            indicator = Indicator.objects.create(
                cycle=cycle,
                key=f"extra-{n}-{k}",
                scope=IndicatorScope.OBJECTIVE,
                objective=objective,
                name=f"Indicatore {n}.{k}",
            )
            Target.objects.create(
                indicator=indicator, year=cycle.year, kind="gte", value=Decimal("10")
            )
            Measurement.objects.create(
                cycle=cycle,
                indicator=indicator,
                period_kind=PeriodKind.POINT,
                period_start=dt.date(cycle.year, 6, 30),
                period_end=dt.date(cycle.year, 6, 30),
                value=Decimal(n + k),
            )


def window(plan, day: dt.date, label: str = "Monitoraggio al 30 giugno", **fields):
    key = fields.pop("key", f"w-{day:%Y%m%d}")
    return MonitoringWindow.objects.create(
        cycle=plan.cycle, key=key, label=label, period_end=day, **fields
    )
