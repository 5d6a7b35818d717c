"""«Cosa devo fare»: the user's own list of what is due, from the ente's real data.

Each role finds the tasks of its part of the cycle, with the deadline and the page where the task
is done:

* responsabile: values to enter (their own and their delegates'), values of their units to
  approve, schede of their staff to write, colloqui to hold, schede to deliver;
* dipendente: the values delegated to them, their scheda to read and sign or contest, with the
  deadline;
* Nucleo: the schede the Nucleo evaluates, the contested schede, the Relazione to validate;
* Segretario (admin): the cycle's next step and what blocks it (weight groups that do not add
  up, values missing at the monitoring window, schede not concluded before the distribution);
* Giunta: the plan that awaits its approval.

Reads only, in a fixed number of queries: at most `MAX_CYCLES` open cycles are followed, the
monitoring tasks only for the most recent cycle being monitored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode

from accounts.access import ADMIN, GIUNTA, NUCLEO, RESPONSABILE, EnteAccess
from appraisal.models import EvaluatorKind, Scheda, SchedaState
from appraisal.services import contest_deadline
from documents.models import ReportValidation
from engine.numbers import format_date
from measurement import access as measurement_rules
from measurement import selectors as measurement_selectors
from measurement.models import Measurement, MeasurementState, MonitoringWindow, WindowState
from organization.models import Ente
from planning.models import WEIGHT_TOLERANCE, Cycle, CycleState, WeightGroup
from rewards.models import Distribution, DistributionState

MAX_CYCLES = 3
PLANNED = frozenset({CycleState.DRAFT})
MONITORED = frozenset({CycleState.APPROVED, CycleState.MONITORING, CycleState.MEASUREMENT})
EVALUATED = frozenset({CycleState.MEASUREMENT, CycleState.EVALUATION, CycleState.REPORTING})
# What the evaluator does next with a scheda, by its state.
EVALUATOR_STEPS = {
    SchedaState.DRAFT: ("scheda da compilare e proporre", "schede da compilare e proporre"),
    SchedaState.PROPOSED: ("colloquio da svolgere", "colloqui da svolgere"),
    SchedaState.INTERVIEW: ("scheda da consegnare", "schede da consegnare"),
}
CONCLUDED = frozenset({SchedaState.ACKNOWLEDGED, SchedaState.FINAL})


@dataclass(frozen=True)
class Task:
    """One thing to do: what, where, by when."""

    title: str
    url: str
    detail: str = ""
    due: dt.date | None = None
    overdue: bool = False
    count: int = 1
    # A step of the cycle that cannot go on until this is solved (the Segretario's view).
    blocking: bool = False


@dataclass
class Section:
    title: str
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Desk:
    ente: Ente
    cycles: list[Cycle]
    sections: list[Section]

    @property
    def tasks(self) -> list[Task]:
        return [task for section in self.sections for task in section.tasks]

    @property
    def has_deadlines(self) -> bool:
        return any(task.due is not None for task in self.tasks)

    @property
    def total(self) -> int:
        """How many tasks are on the list (the count shown in the menu)."""
        return len(self.tasks)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _url(name: str, *args: int, **query: str | int | None) -> str:
    url = reverse(name, args=args)
    present = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(present)}" if present else url


def open_cycles(ente: Ente) -> list[Cycle]:
    """The ente's cycles still under way, most recent first (one query)."""
    return list(
        Cycle.objects.filter(ente=ente)
        .exclude(state=CycleState.VALIDATED)
        .order_by("-year")[:MAX_CYCLES]
    )


def _first(cycles: Iterable[Cycle], states: frozenset[str]) -> Cycle | None:
    return next((cycle for cycle in cycles if cycle.state in states), None)


# ---------------------------------------------------------------------------------------------
# Values: to enter, to approve, missing at the window
# ---------------------------------------------------------------------------------------------


def _value_tasks(cycle: Cycle, person_ids: frozenset[int], today: dt.date) -> list[Task]:
    """The values the user's staff person must enter (as owner or delegate)."""
    items = [
        item
        for item in measurement_selectors.pending_all(cycle, today)
        if (item.owner_ids | item.delegate_ids) & person_ids
    ]
    url = _url("measurement:my_deadlines", anno=cycle.year)
    tasks = []
    late = [item for item in items if item.overdue]
    if late:
        since = min(item.period_end for item in late)
        tasks.append(
            Task(
                title=f"{_plural(len(late), 'valore in ritardo', 'valori in ritardo')} da inserire",
                detail=f"Piano {cycle.year}: attesi dal {format_date(since)}.",
                url=url,
                due=since,
                overdue=True,
                count=len(late),
            )
        )
    coming = [item for item in items if not item.overdue]
    if coming:
        due = min(item.period_end for item in coming)
        tasks.append(
            Task(
                title=f"Inserisci {_plural(len(coming), 'valore', 'valori')}",
                detail=f"Piano {cycle.year}: entro il {format_date(due)}.",
                url=url,
                due=due,
                count=len(coming),
            )
        )
    return tasks


def _approval_tasks(user, ente: Ente, cycles: list[Cycle]) -> list[Task]:
    """Values entered by others that the user may approve (the rules of measurement.access)."""
    if not cycles:
        return []
    ma = measurement_rules.measurement_access(user, ente)
    drafts = [
        measurement
        for measurement in Measurement.objects.filter(
            cycle__in=cycles, state=MeasurementState.DRAFT
        )
        .exclude(entered_by=user)
        .select_related("cycle", "parameter", "indicator__objective", "indicator__group")
        .order_by("period_end", "pk")
        if measurement_rules.can_approve(ma, measurement)
    ]
    if not drafts:
        return []
    first = drafts[0]
    if first.indicator_id is not None and all(m.indicator_id == first.indicator_id for m in drafts):
        url = _url("measurement:indicator", first.indicator_id)
    else:
        url = _url("measurement:home", anno=first.cycle.year)
    return [
        Task(
            title=f"Approva {_plural(len(drafts), 'valore inserito', 'valori inseriti')}",
            detail=f"Il più vecchio si riferisce al {format_date(first.period_end)}.",
            url=url,
            count=len(drafts),
        )
    ]


def _window_tasks(cycle: Cycle, today: dt.date) -> list[Task]:
    """The Segretario's view of monitoring: values still missing at the open window."""
    window = (
        MonitoringWindow.objects.filter(cycle=cycle, state=WindowState.OPEN)
        .order_by("period_end")
        .first()
    )
    if window is None:
        return []
    missing = len(measurement_selectors.coverage(cycle, window).missing)
    if not missing:
        return [
            Task(
                title=f"Chiudi la finestra del {format_date(window.period_end)}",
                detail=f"Piano {cycle.year}: tutti i valori sono inseriti.",
                url=_url("measurement:home", anno=cycle.year),
                due=window.period_end,
            )
        ]
    return [
        Task(
            title=(
                f"{_plural(missing, 'valore mancante', 'valori mancanti')} alla finestra "
                f"del {format_date(window.period_end)}"
            ),
            detail=f"Piano {cycle.year}: la finestra si chiude quando i valori sono inseriti.",
            url=_url("measurement:home", anno=cycle.year),
            due=window.period_end,
            overdue=window.period_end < today,
            count=missing,
            blocking=True,
        )
    ]


# ---------------------------------------------------------------------------------------------
# Schede
# ---------------------------------------------------------------------------------------------


def _schede(cycles: list[Cycle]) -> list[Scheda]:
    if not cycles:
        return []
    return list(
        Scheda.objects.filter(cycle__in=cycles)
        .select_related("cycle", "scheme")
        .only(
            "pk",
            "state",
            "person_id",
            "evaluator_id",
            "evaluator_kind",
            "is_eligible",
            "delivered_at",
            "cycle__year",
            "cycle__state",
            "cycle__ente_id",
            "scheme__contest_days",
        )
    )


def _evaluator_tasks(schede: list[Scheda], url: str) -> list[Task]:
    """Steps of the schede the user (or the Nucleo) evaluates, one task per step."""
    by_step = Counter((scheda.cycle.year, scheda.state) for scheda in schede)
    tasks = []
    for (year, state), count in sorted(by_step.items(), key=lambda row: (-row[0][0], row[0][1])):
        if state not in EVALUATOR_STEPS:
            continue
        one, many = EVALUATOR_STEPS[SchedaState(state)]
        tasks.append(
            Task(
                title=f"{_plural(count, one, many)}".capitalize(),
                detail=f"Valutazione {year}.",
                url=f"{url}?{urlencode({'anno': year})}",
                count=count,
            )
        )
    return tasks


def _own_scheda_tasks(schede: list[Scheda], person_ids: frozenset[int]) -> list[Task]:
    tasks = []
    for scheda in schede:
        if scheda.person_id not in person_ids or scheda.state != SchedaState.DELIVERED:
            continue
        deadline = contest_deadline(scheda)
        detail = "Leggi la scheda, poi firma la presa visione o contestala"
        detail += f" entro il {format_date(deadline)}." if deadline else "."
        tasks.append(
            Task(
                title=f"La tua scheda di valutazione {scheda.cycle.year} è stata consegnata",
                detail=detail,
                url=_url("appraisal:my_scheda", anno=scheda.cycle.year),
                due=deadline,
            )
        )
    return tasks


def _contested_tasks(schede: list[Scheda]) -> list[Task]:
    contested = Counter(
        scheda.cycle.year
        for scheda in schede
        if scheda.state in (SchedaState.CONTESTED, SchedaState.CONCILIATION)
    )
    return [
        Task(
            title=f"{_plural(count, 'scheda contestata', 'schede contestate')} da conciliare",
            detail=f"Valutazione {year}.",
            url=_url("appraisal:nucleo_overview", anno=year),
            count=count,
        )
        for year, count in sorted(contested.items(), reverse=True)
    ]


# ---------------------------------------------------------------------------------------------
# The cycle's next step (Segretario, Giunta, Nucleo)
# ---------------------------------------------------------------------------------------------


def _weight_groups_off(cycle: Cycle) -> int:
    rows = (
        WeightGroup.objects.filter(cycle=cycle)
        .annotate(total=Coalesce(Sum("objectives__weight"), Decimal("0")))
        .values_list("expected_total", "total")
    )
    return sum(1 for expected, total in rows if abs(Decimal(total) - expected) > WEIGHT_TOLERANCE)


def _plan_tasks(cycle: Cycle) -> list[Task]:
    """A draft plan: propose it, unless its weight groups do not add up."""
    off = _weight_groups_off(cycle)
    if off:
        return [
            Task(
                title=_plural(
                    off, "gruppo di pesatura non quadra", "gruppi di pesatura non quadrano"
                ),
                detail=f"Piano {cycle.year}: il piano si propone quando ogni gruppo è al totale.",
                url=_url("planning:weight_groups", cycle.pk),
                count=off,
                blocking=True,
            )
        ]
    return [
        Task(
            title=f"Proponi il piano {cycle.year} alla Giunta",
            detail="I gruppi di pesatura quadrano.",
            url=_url("planning:tree", anno=cycle.year),
        )
    ]


def _distribution_tasks(cycles: list[Cycle], schede: list[Scheda]) -> list[Task]:
    """Cycles under evaluation without a final distribution: how many schede still block it."""
    if not cycles:
        return []
    final = set(
        Distribution.objects.filter(cycle__in=cycles, state=DistributionState.FINAL).values_list(
            "cycle_id", flat=True
        )
    )
    open_schede = Counter(
        scheda.cycle_id for scheda in schede if scheda.is_eligible and scheda.state not in CONCLUDED
    )
    tasks = []
    for cycle in cycles:
        if cycle.pk in final or cycle.state not in EVALUATED - {CycleState.MEASUREMENT}:
            continue
        count = open_schede.get(cycle.pk, 0)
        if count:
            tasks.append(
                Task(
                    title=(
                        f"Distribuzione non definitiva: {_plural(count, 'scheda', 'schede')} "
                        f"non {'conclusa' if count == 1 else 'concluse'}"
                    ),
                    detail=f"Valutazione {cycle.year}.",
                    url=_url("appraisal:nucleo_overview", anno=cycle.year),
                    count=count,
                    blocking=True,
                )
            )
        else:
            tasks.append(
                Task(
                    title=f"Rendi definitiva la distribuzione dei premi {cycle.year}",
                    detail="Tutte le schede sono concluse.",
                    url=_url("rewards:fund_list", anno=cycle.year),
                )
            )
    return tasks


def _report_tasks(cycles: list[Cycle], *, validate: bool) -> list[Task]:
    reporting = [cycle for cycle in cycles if cycle.state == CycleState.REPORTING]
    if not reporting:
        return []
    validated = set(
        ReportValidation.objects.filter(cycle__in=reporting).values_list("cycle_id", flat=True)
    )
    return [
        Task(
            title=(
                f"Valida la Relazione sulla performance {cycle.year}"
                if validate
                else f"La Relazione {cycle.year} attende la validazione del Nucleo"
            ),
            detail="Il Nucleo registra la validazione con il suo documento.",
            url=_url("documents:report_validate", cycle.pk),
        )
        for cycle in reporting
        if cycle.pk not in validated
    ]


def _approval_of_plan(cycles: list[Cycle], *, approve: bool) -> list[Task]:
    return [
        Task(
            title=(
                f"Approva il piano {cycle.year}"
                if approve
                else f"Il piano {cycle.year} attende l'approvazione della Giunta"
            ),
            detail="Il piano è stato proposto: leggilo e approvalo con la delibera.",
            url=_url("planning:tree", anno=cycle.year),
        )
        for cycle in cycles
        if cycle.state == CycleState.PROPOSED
    ]


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


def desk_for(user, access: EnteAccess, today: dt.date) -> Desk:
    """The user's «Cosa devo fare» in `access.ente`, by role."""
    ente = access.ente
    cycles = open_cycles(ente)
    persons = access.person_ids
    monitored = _first(cycles, MONITORED)
    evaluated = [cycle for cycle in cycles if cycle.state in EVALUATED]
    schede = _schede(evaluated)
    sections: list[Section] = []

    mine = Section("Le mie attività")
    if persons and monitored is not None:
        mine.tasks += _value_tasks(monitored, persons, today)
    mine.tasks += _own_scheda_tasks(schede, persons)
    sections.append(mine)

    if RESPONSABILE in access.roles or access.is_admin:
        team = Section("Per le mie unità e il mio personale")
        if monitored is not None:
            team.tasks += _approval_tasks(user, ente, [monitored])
        evaluating = [s for s in schede if s.evaluator_id is not None and s.evaluator_id in persons]
        team.tasks += _evaluator_tasks(evaluating, reverse("appraisal:evaluator_list"))
        sections.append(team)

    if NUCLEO in access.roles:
        nucleo = Section("Nucleo di Valutazione")
        by_nucleo = [
            s for s in schede if s.evaluator_kind == EvaluatorKind.NUCLEO and s.evaluator_id is None
        ]
        nucleo.tasks += _evaluator_tasks(by_nucleo, reverse("appraisal:evaluator_list"))
        nucleo.tasks += _contested_tasks(schede)
        nucleo.tasks += _report_tasks(cycles, validate=True)
        sections.append(nucleo)

    if access.has(ADMIN):
        cycle_section = Section("Il ciclo: il prossimo passo e cosa lo blocca")
        for cycle in cycles:
            if cycle.state in PLANNED:
                cycle_section.tasks += _plan_tasks(cycle)
        cycle_section.tasks += _approval_of_plan(cycles, approve=False)
        if monitored is not None:
            cycle_section.tasks += _window_tasks(monitored, today)
        cycle_section.tasks += _distribution_tasks(evaluated, schede)
        if NUCLEO not in access.roles:
            cycle_section.tasks += _report_tasks(cycles, validate=False)
        sections.append(cycle_section)

    if GIUNTA in access.roles:
        sections.append(Section("Giunta", _approval_of_plan(cycles, approve=True)))

    return Desk(ente=ente, cycles=cycles, sections=[s for s in sections if s.tasks])
