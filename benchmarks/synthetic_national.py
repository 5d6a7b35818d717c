"""The «national» synthetic profile: thousands of enti of realistic sizes, on PostgreSQL.

An unione's or a province's ICT ranks the enti it serves by organisational performance and by
payment delay (`ranking`); this profile builds what that ranking reads: for every ente its
units, the heads of the units, a cycle with weight groups, objectives, indicators, targets,
four monitoring windows with their values, and a year of invoices with their payments. The
plan of each ente is the one `benchmarks.synthetic.build_document` writes for the ente's size,
so the shapes are the same as the other profiles'; schede, schemes and funds are left out (the
ranking does not read them).

Most Italian comuni are small, so most synthetic enti are: a few units and 5–40 objectives;
a few are large. The same seed always gives the same enti and the same figures.

`import_cycle` costs ~0,25 s per small ente (validation and a few dozen queries each, measured
on this machine): 8.000 enti would take over half an hour. Here the rows of many enti are
written together, one `bulk_create` per model for each batch of enti, converted from the
document with the importer's own field conversion (`interchange.fields.model_values`).
Then the figures are computed by the code that computes them for a real ente: the payment
reports by `payments.services.reports_recompute`, the ente-level scores by
`ranking.services.refresh_performance`.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction

from benchmarks.synthetic import Profile, build_document
from interchange import spec
from interchange.fields import model_values
from measurement.models import Measurement, MonitoringWindow, ScoreVersion
from organization.models import Ente, EnteKind, Person, Unit
from payments.models import Invoice, InvoicePayment, InvoiceStatus
from payments.services import reports_recompute
from planning.models import Cycle, Indicator, OperationalObjective, Target, WeightGroup
from ranking.services import refresh_performance

DEFAULT_COUNT = 8000
SLUG_PREFIX = "nazionale-"
BATCH_ENTI = 250
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SizeClass:
    """A kind of ente and the ranges of its size."""

    name: str
    share: int  # per thousand enti
    kind: str
    areas: tuple[int, int]
    services_per_area: tuple[int, int]
    objectives: tuple[int, int]
    headcount: tuple[int, int]
    invoices: tuple[int, int]


# Roughly the Italian distribution: seven comuni in ten have fewer than 5.000 inhabitants.
SIZE_CLASSES = (
    SizeClass("piccolissimo", 550, EnteKind.COMUNE, (1, 2), (1, 2), (5, 12), (3, 15), (12, 25)),
    SizeClass("piccolo", 300, EnteKind.COMUNE, (2, 3), (1, 2), (12, 25), (15, 50), (25, 50)),
    SizeClass("medio", 120, EnteKind.COMUNE, (3, 5), (2, 3), (25, 40), (50, 200), (50, 120)),
    SizeClass("unione", 25, EnteKind.UNIONE, (5, 8), (2, 3), (40, 80), (150, 400), (200, 400)),
    SizeClass("grande", 5, EnteKind.OTHER, (8, 12), (3, 4), (120, 250), (800, 3000), (500, 900)),
)
PROVINCES = ("BO", "MO", "RE", "PR", "FE", "RA", "FC", "RN", "PC", "MN", "VR", "PD", "AN", "PG")
PREFIXES = ("San", "Castel", "Monte", "Borgo", "Villa", "Ponte", "Rocca", "Torre", "Pieve", "")
ROOTS = (
    "Fiorano",
    "Verdello",
    "Albareto",
    "Campogalli",
    "Querceto",
    "Salicone",
    "Roverella",
    "Pratolino",
    "Olmeda",
    "Canneto",
    "Fontanelle",
    "Cerreto",
    "Mulinello",
    "Ghiaieto",
    "Spineta",
    "Lagoscuro",
)
SUFFIXES = ("", "", "", " sul Po", " di Sopra", " Emilia", " al Monte", " Vecchio", " Terme")
SUPPLIERS = tuple(f"Fornitore sintetico {n} S.r.l." for n in range(1, 41))


def _size_class(rng: random.Random) -> SizeClass:
    draw = rng.randrange(1000)
    for size in SIZE_CLASSES:
        if draw < size.share:
            return size
        draw -= size.share
    return SIZE_CLASSES[-1]


def _name(rng: random.Random, size: SizeClass, number: int) -> str:
    place = f"{rng.choice(PREFIXES)} {rng.choice(ROOTS)}{rng.choice(SUFFIXES)}".strip()
    if size.kind == EnteKind.UNIONE:
        return f"Unione dei comuni di {place} ({number})"
    if size.kind == EnteKind.OTHER:
        return f"Ente di area vasta di {place} ({number})"
    return f"Comune di {place} ({number})"


@dataclass
class EntePlan:
    """One synthetic ente: its ente row, its performa-cycle document and its invoices."""

    number: int
    size: SizeClass
    ente: Ente
    document: dict[str, Any]
    invoices: list[tuple[Invoice, list[InvoicePayment]]]


def _profile(rng: random.Random, size: SizeClass) -> Profile:
    areas = rng.randint(*size.areas)
    services = sum(rng.randint(*size.services_per_area) for _ in range(areas))
    objectives = max(services, rng.randint(*size.objectives))
    indicators = objectives * rng.randint(20, 35) // 10
    return Profile("nazionale", size.name, areas, services, objectives, indicators, 0)


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _invoices(
    rng: random.Random, size: SizeClass, year: int
) -> list[tuple[Invoice, list[InvoicePayment]]]:
    """A year of invoices: each ente pays with its own habit (a mean delay), a few unpaid."""
    habit = rng.choice((-12, -6, -3, 0, 2, 5, 10, 20, 35))
    rows = []
    for n in range(1, rng.randint(*size.invoices) + 1):
        received = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(350))
        taxable = _money(rng.lognormvariate(7, 1.2))
        vat = (taxable * Decimal("0.22")).quantize(CENT, ROUND_HALF_UP)
        supplier = rng.randrange(len(SUPPLIERS))
        invoice = Invoice(
            key=f"{supplier:02d}/{n}/{received.isoformat()}",
            number=str(n),
            issue_date=received - dt.timedelta(days=rng.randint(0, 5)),
            received_date=received,
            supplier_code=f"{10000000000 + supplier * 7919:011d}",
            supplier_name=SUPPLIERS[supplier],
            total=taxable + vat,
            taxable=taxable,
            vat=vat,
            split_payment=True,
            status=InvoiceStatus.RECEIVED,
        )
        payments = []
        paid = received + dt.timedelta(days=max(1, 30 + habit + int(rng.gauss(0, 12))))
        if rng.random() > 0.04 and paid <= dt.date(year, 12, 31):
            invoice.status = InvoiceStatus.PAID
            payments.append(
                InvoicePayment(date=paid, amount=taxable, reference=f"ORD-{year}-{n:05d}")
            )
        rows.append((invoice, payments))
    return rows


def plan_ente(seed: int, number: int, year: int) -> EntePlan:
    """The ente number `number` of the seed: the same arguments, the same ente."""
    rng = random.Random(f"nazionale:{seed}:{number}")
    size = _size_class(rng)
    profile = _profile(rng, size)
    document = build_document(profile, seed=seed * 100_000 + number, year=year)
    ente = Ente(
        slug=f"{SLUG_PREFIX}{number:05d}",
        name=_name(rng, size, number),
        kind=size.kind,
        province=rng.choice(PROVINCES),
        headcount=rng.randint(*size.headcount),
    )
    return EntePlan(number, size, ente, document, _invoices(rng, size, year))


def _skip(*names: str) -> frozenset[str]:
    return frozenset(names)


class _BatchWriter:
    """The rows of a batch of enti, written model by model in dependency order."""

    def __init__(self, plans: list[EntePlan]) -> None:
        self.plans = plans

    def write(self) -> None:
        Ente.objects.bulk_create([p.ente for p in self.plans])
        ScoreVersion.objects.bulk_create(
            [ScoreVersion(ente=p.ente, token=uuid.uuid4().hex) for p in self.plans]
        )
        people = self.people()
        units = self.units(people)
        cycles = self.cycles()
        objectives = self.objectives(cycles, units, people)
        self.indicators_and_values(cycles, units, objectives)
        self.invoices()

    def people(self) -> list[dict[str, Person]]:
        skip = _skip("employments", "assignments", "absences")
        maps = []
        for plan in self.plans:
            maps.append(
                {
                    item["key"]: Person(ente=plan.ente, **model_values(spec.PERSON, item, skip))
                    for item in plan.document["people"]
                }
            )
        Person.objects.bulk_create([p for people in maps for p in people.values()])
        return maps

    def units(self, people: list[dict[str, Person]]) -> list[dict[str, Unit]]:
        skip = _skip("activities", "parameters", "parent", "responsible")
        maps: list[dict[str, Unit]] = [{} for _ in self.plans]
        # Top units first, so that the units below can point at their saved parent.
        for top in (True, False):
            rows = []
            for plan, found, persons in zip(self.plans, maps, people, strict=True):
                for index, item in enumerate(plan.document["units"]):
                    if (item.get("parent") is None) != top:
                        continue
                    unit = Unit(
                        ente=plan.ente,
                        order=index,
                        parent=found.get(item.get("parent") or ""),
                        responsible=persons.get(item.get("responsible") or ""),
                        **model_values(spec.UNIT, item, skip),
                    )
                    found[unit.key] = unit
                    rows.append(unit)
            Unit.objects.bulk_create(rows)
        return maps

    def cycles(self) -> list[Cycle]:
        plain = _skip(*(f.name for f in spec.CYCLE.fields if f.kind == spec.OBJECTS))
        cycles = [
            Cycle(ente=p.ente, **model_values(spec.CYCLE, p.document["cycle"], plain))
            for p in self.plans
        ]
        Cycle.objects.bulk_create(cycles)
        windows = [
            MonitoringWindow(
                cycle=cycle, **model_values(spec.MONITORING_WINDOW, item, _skip("snapshot"))
            )
            for plan, cycle in zip(self.plans, cycles, strict=True)
            for item in plan.document["cycle"]["monitoring_windows"]
        ]
        MonitoringWindow.objects.bulk_create(windows)
        return cycles

    def objectives(
        self, cycles: list[Cycle], units: list[dict[str, Unit]], people: list[dict[str, Person]]
    ) -> list[dict[str, OperationalObjective]]:
        group_maps: list[dict[str, WeightGroup]] = []
        for plan, cycle, found, persons in zip(self.plans, cycles, units, people, strict=True):
            group_maps.append(
                {
                    item["key"]: WeightGroup(
                        cycle=cycle,
                        order=index,
                        unit=found.get(item.get("unit") or ""),
                        responsible=persons.get(item.get("responsible") or ""),
                        **model_values(spec.WEIGHT_GROUP, item, _skip("unit", "responsible")),
                    )
                    for index, item in enumerate(plan.document["cycle"]["weight_groups"])
                }
            )
        WeightGroup.objects.bulk_create([g for groups in group_maps for g in groups.values()])
        skip = _skip(
            "unit", "units", "responsibles", "strategic_objective", "weight_group", "phases"
        )
        maps: list[dict[str, OperationalObjective]] = []
        owners: list[tuple[OperationalObjective, Person]] = []
        through = OperationalObjective.responsibles.through
        for plan, cycle, found, persons, groups in zip(
            self.plans, cycles, units, people, group_maps, strict=True
        ):
            objectives: dict[str, OperationalObjective] = {}
            for index, item in enumerate(plan.document["cycle"]["objectives"]):
                objective = OperationalObjective(
                    cycle=cycle,
                    order=index,
                    unit=found[spec.objective_units(item)[0]],
                    weight_group=groups.get(item.get("weight_group") or ""),
                    **model_values(spec.OBJECTIVE, item, skip),
                )
                objectives[objective.key] = objective
                owners.extend((objective, persons[key]) for key in item.get("responsibles") or [])
            maps.append(objectives)
        OperationalObjective.objects.bulk_create([o for m in maps for o in m.values()])
        through.objects.bulk_create(
            [through(operationalobjective=o, person=p) for o, p in owners], batch_size=2000
        )
        return maps

    def indicators_and_values(
        self,
        cycles: list[Cycle],
        units: list[dict[str, Unit]],
        objectives: list[dict[str, OperationalObjective]],
    ) -> None:
        skip = _skip("group", "objective", "strategic_objective", "phase", "unit", "targets")
        indicators: list[Indicator] = []
        targets: list[Target] = []
        measurements: list[Measurement] = []
        measurement_skip = _skip("indicator", "parameter", "evidence", "corrections")
        for plan, cycle, found, goals in zip(self.plans, cycles, units, objectives, strict=True):
            by_key = {}
            for index, item in enumerate(plan.document["cycle"]["indicators"]):
                indicator = Indicator(
                    cycle=cycle,
                    order=index,
                    objective=goals.get(item.get("objective") or ""),
                    unit=found.get(item.get("unit") or ""),
                    **model_values(spec.INDICATOR, item, skip),
                )
                by_key[indicator.key] = indicator
                indicators.append(indicator)
                targets.extend(
                    Target(indicator=indicator, **model_values(spec.TARGET, target))
                    for target in item.get("targets") or []
                )
            measurements.extend(
                Measurement(
                    cycle=cycle,
                    indicator=by_key[item["indicator"]],
                    **model_values(spec.MEASUREMENT, item, measurement_skip),
                )
                for item in plan.document["cycle"]["measurements"]
            )
        # Django fills the foreign keys of the rows below from the objects just saved.
        Indicator.objects.bulk_create(indicators, batch_size=2000)
        Target.objects.bulk_create(targets, batch_size=2000)
        Measurement.objects.bulk_create(measurements, batch_size=2000)

    def invoices(self) -> None:
        invoices, payments = [], []
        for plan in self.plans:
            for invoice, paid in plan.invoices:
                invoice.ente = plan.ente
                invoices.append(invoice)
                for payment in paid:
                    payment.invoice = invoice
                    payments.append(payment)
        Invoice.objects.bulk_create(invoices, batch_size=2000)
        InvoicePayment.objects.bulk_create(payments, batch_size=2000)


def write_enti(plans: list[EntePlan]) -> None:
    """Write the planned enti (any database: only `generate` insists on PostgreSQL)."""
    with transaction.atomic():
        _BatchWriter(plans).write()


@dataclass
class Timings:
    enti: int = 0
    rows_seconds: float = 0.0
    payments_seconds: float = 0.0
    scores_seconds: float = 0.0
    by_size: dict[str, int] | None = None


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError(
            "Il profilo national (8.000 enti) richiede PostgreSQL: imposta DATABASE_URL su un "
            "database PostgreSQL. Su SQLite usa i profili small, medium o metropolitan."
        )


def generate(
    *,
    seed: int = 1,
    year: int = 2025,
    count: int = DEFAULT_COUNT,
    progress: Callable[[str], None] | None = None,
) -> Timings:
    """Write `count` synthetic enti with their figures; returns how long each step took."""
    require_postgresql()
    if Ente.objects.filter(slug__startswith=SLUG_PREFIX).exists():
        raise RuntimeError(
            "Gli enti sintetici del profilo national esistono già in questo database: "
            "generali in un database vuoto."
        )
    say = progress or (lambda _text: None)
    timings = Timings(by_size={size.name: 0 for size in SIZE_CLASSES})
    ente_ids: list[int] = []
    start = time.perf_counter()
    for first in range(1, count + 1, BATCH_ENTI):
        plans = [
            plan_ente(seed, n, year) for n in range(first, min(count, first + BATCH_ENTI - 1) + 1)
        ]
        write_enti(plans)
        for plan in plans:
            timings.by_size[plan.size.name] += 1  # type: ignore[index]
        ente_ids.extend(p.ente.pk for p in plans)
        say(f"Enti scritti: {len(ente_ids)} di {count}")
    timings.rows_seconds = time.perf_counter() - start
    start = time.perf_counter()
    today = dt.date(year + 1, 1, 31)
    for done, ente in enumerate(Ente.objects.filter(pk__in=ente_ids).order_by("pk"), 1):
        reports_recompute(ente=ente, years=[year], today=today, score_objectives=False)
        if done % 1000 == 0:
            say(f"Indicatori dei pagamenti: {done} di {count}")
    timings.payments_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for offset in range(0, len(ente_ids), 1000):
        refresh_performance(ente_ids[offset : offset + 1000], year)
        say(f"Punteggi degli enti: {min(offset + 1000, count)} di {count}")
    timings.scores_seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would give them later: the planner otherwise
        # estimates a few dozen rows where there are thousands.
        cursor.execute("ANALYZE")
    timings.enti = len(ente_ids)
    return timings
