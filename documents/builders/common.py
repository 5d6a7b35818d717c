"""What every builder shares: the refusal error, the ente's header, the plan in bulk, staff."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from types import SimpleNamespace

from core.exceptions import ServiceError
from documents import formatting as fmt
from documents.model import Column, ColumnKind, Document, Paragraph, Section, Table
from engine import tree
from organization.models import (
    Assignment,
    AssignmentKind,
    Employment,
    Ente,
    MemberEnte,
    Parameter,
    ParameterValue,
    Person,
    Unit,
    UnitActivity,
)
from planning.formatting import target_label
from planning.models import (
    FROZEN_STATES,
    Cycle,
    Indicator,
    IndicatorGroup,
    OperationalObjective,
    Phase,
    StrategicObjective,
    Target,
    WeightGroup,
)


class DocumentUnavailable(ServiceError):
    """The cycle lacks what the document needs; the message says what, in Italian."""

    def __init__(self, message: str):
        super().__init__(message, field="kind", code="unavailable")


def require_approved(cycle: Cycle, what: str) -> None:
    if cycle.state not in FROZEN_STATES:
        raise DocumentUnavailable(
            f"{what} {cycle.year} richiede un piano approvato: il piano è nello stato "
            f"«{cycle.get_state_display().lower()}». Approva il piano, poi genera il documento."
        )


def new_document(cycle: Cycle, kind: str, title: str, **extra) -> Document:
    """A document with the ente's header (name and stemma) already set."""
    from documents.models import EnteBranding  # the builders read it, models import builders

    ente = cycle.ente
    branding = EnteBranding.objects.filter(ente=ente).first()
    stemma, stemma_name = None, ""
    if branding is not None and branding.stemma:
        try:
            with branding.stemma.open("rb") as handle:
                stemma = handle.read()
            stemma_name = branding.stemma.name
        except OSError:
            stemma = None
    return Document(
        kind=kind,
        title=title,
        ente_name=ente.name,
        year=cycle.year,
        stemma=stemma,
        stemma_name=stemma_name,
        author=ente.name,
        **extra,
    )


def paragraphs(text: str) -> list[Paragraph]:
    """A text with blank-line separated paragraphs as paragraph blocks."""
    return [Paragraph(part.strip()) for part in (text or "").split("\n\n") if part.strip()]


def approval_line(cycle: Cycle) -> str:
    if cycle.approval_act_number or cycle.approval_act_date:
        body = cycle.approval_body or cycle.ente.governing_body or "Giunta"
        parts = [f"Approvato con deliberazione {body}"]
        if cycle.approval_act_number:
            parts.append(f"n. {cycle.approval_act_number}")
        if cycle.approval_act_date:
            parts.append(f"del {fmt.date(cycle.approval_act_date)}")
        return " ".join(parts)
    if cycle.approved_at:
        return f"Piano approvato il {fmt.date(cycle.approved_at)}"
    if cycle.state in FROZEN_STATES:
        return "Piano approvato"
    return f"BOZZA – piano non ancora approvato (stato: {cycle.get_state_display().lower()})"


def plan_years(cycle: Cycle) -> list[int]:
    """The three years of the targets: the cycle year and the two after (within the horizon)."""
    last = max(cycle.last_year, cycle.year + 2)
    return list(range(cycle.year, min(last, cycle.year + 2) + 1))


def person_name(person: Person | None) -> str:
    return person.display_name if person is not None else ""


@dataclass
class PlanData:
    """The whole plan of a cycle, loaded in a constant number of queries."""

    cycle: Cycle
    units: list[Unit]
    persons: dict[int, Person]
    objectives: list[OperationalObjective]
    strategic: dict[int, StrategicObjective]
    groups: dict[int, WeightGroup]
    responsibles: dict[int, list[int]]
    indicators: list[Indicator]
    indicator_groups: list[IndicatorGroup]
    targets: dict[int, dict[int, SimpleNamespace]]  # indicator pk → year → target row
    phases: dict[int, list[Phase]]
    activities: dict[int, list[UnitActivity]]
    parameters: dict[int, list[Parameter]]
    parameter_values: dict[int, dict[int, ParameterValue]]
    by_objective: dict[int, list[Indicator]] = field(default_factory=dict)
    by_group: dict[int, list[Indicator]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_objective: dict[int, list[Indicator]] = defaultdict(list)
        by_group: dict[int, list[Indicator]] = defaultdict(list)
        for indicator in self.indicators:
            if indicator.objective_id is not None:
                by_objective[indicator.objective_id].append(indicator)
            if indicator.group_id is not None:
                by_group[indicator.group_id].append(indicator)
        self.by_objective = dict(by_objective)
        self.by_group = dict(by_group)

    @cached_property
    def units_by_id(self) -> dict[int, Unit]:
        return {unit.pk: unit for unit in self.units}

    def target_text(self, indicator: Indicator, year: int) -> str:
        return target_label(self.targets.get(indicator.pk, {}).get(year))

    def responsible_text(self, objective: OperationalObjective) -> str:
        if objective.responsible_label:
            return objective.responsible_label
        names = [
            person_name(self.persons.get(pk)) for pk in self.responsibles.get(objective.pk, [])
        ]
        if names:
            return ", ".join(name for name in names if name)
        unit = self.units_by_id.get(objective.unit_id)
        return unit_responsible(unit, self.persons) if unit else ""


def unit_responsible(unit: Unit, persons: dict[int, Person]) -> str:
    if unit.responsible_label:
        return unit.responsible_label
    return person_name(persons.get(unit.responsible_id)) if unit.responsible_id else ""


TARGET_FIELDS = ("indicator_id", "year", "kind", "value", "value_to", "target_date", "text")


def load_plan(cycle: Cycle) -> PlanData:
    ente = cycle.ente
    units = list(Unit.objects.filter(ente=ente).order_by("order", "id"))
    persons = {p.pk: p for p in Person.objects.filter(ente=ente)}
    objectives = list(OperationalObjective.objects.filter(cycle=cycle).order_by("order", "id"))
    strategic = {
        s.pk: s for s in StrategicObjective.objects.filter(cycle=cycle).select_related("area")
    }
    groups = {g.pk: g for g in WeightGroup.objects.filter(cycle=cycle)}
    responsibles: dict[int, list[int]] = defaultdict(list)
    through = OperationalObjective.responsibles.through
    for objective_id, person_id in (
        through.objects.filter(operationalobjective__cycle=cycle)
        .order_by("id")
        .values_list("operationalobjective_id", "person_id")
    ):
        responsibles[objective_id].append(person_id)
    indicators = list(Indicator.objects.filter(cycle=cycle).order_by("order", "id"))
    indicator_groups = list(IndicatorGroup.objects.filter(cycle=cycle).order_by("order", "id"))
    # Plain records, not model instances: a plan of 3,000 objectives has 9,000 targets.
    targets: dict[int, dict[int, SimpleNamespace]] = defaultdict(dict)
    for row in Target.objects.filter(indicator__cycle=cycle).values(*TARGET_FIELDS):
        targets[row["indicator_id"]][row["year"]] = SimpleNamespace(**row)
    phases: dict[int, list[Phase]] = defaultdict(list)
    for phase in Phase.objects.filter(objective__cycle=cycle).order_by("objective", "order", "id"):
        phases[phase.objective_id].append(phase)
    activities: dict[int, list[UnitActivity]] = defaultdict(list)
    for activity in UnitActivity.objects.filter(unit__ente=ente).order_by("unit", "order", "id"):
        activities[activity.unit_id].append(activity)
    parameters: dict[int, list[Parameter]] = defaultdict(list)
    for parameter in Parameter.objects.filter(unit__ente=ente).order_by("unit", "order", "id"):
        parameters[parameter.unit_id].append(parameter)
    values: dict[int, dict[int, ParameterValue]] = defaultdict(dict)
    for value in ParameterValue.objects.filter(parameter__unit__ente=ente):
        values[value.parameter_id][value.year] = value
    return PlanData(
        cycle=cycle,
        units=units,
        persons=persons,
        objectives=objectives,
        strategic=strategic,
        groups=groups,
        responsibles=dict(responsibles),
        indicators=indicators,
        indicator_groups=indicator_groups,
        targets=dict(targets),
        phases=dict(phases),
        activities=dict(activities),
        parameters=dict(parameters),
        parameter_values=dict(values),
    )


# -- staff ------------------------------------------------------------------------------------


@dataclass
class StaffFacts:
    """Who works for the ente in the year: own staff by category, area and gender; convention."""

    own: int
    part_time: int
    by_category: list[tuple[str, int]]
    by_area: list[tuple[str, int]]
    by_gender: list[tuple[str, int]]
    by_category_gender: list[tuple[str, int, int, int]]  # category, F, M, not stated
    borrowed: list[tuple[str, str, str, str]]  # person, unit, kind + source, hours
    members: list[str]


GENDER_LABELS = {"F": "Donne", "M": "Uomini", "": "Non indicato"}


def _in_year(start: dt.date | None, end: dt.date | None, year: int) -> bool:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (start is None or start <= last) and (end is None or end >= first)


def staff_facts(ente: Ente, year: int) -> StaffFacts:
    """Employments with this ente in `year` (or with no employer recorded, for own staff)."""
    employments = [
        e
        for e in Employment.objects.filter(person__ente=ente).select_related("person")
        if _in_year(e.start_date, e.end_date, year)
        and (e.employer_id == ente.pk or (e.employer_id is None and not e.employer_name))
    ]
    own: dict[int, Employment] = {}
    for employment in employments:
        own.setdefault(employment.person_id, employment)
    assignments = [
        a
        for a in Assignment.objects.filter(unit__ente=ente).select_related("person", "unit")
        if _in_year(a.start_date, a.end_date, year)
    ]
    units = {u.pk: u for u in Unit.objects.filter(ente=ente)}

    parents = {pk: row.parent_id for pk, row in units.items()}

    def top(unit: Unit) -> Unit:
        return units[next(reversed(tree.ancestors(parents, unit.pk)), unit.pk)]

    area_of: dict[int, str] = {}
    for assignment in assignments:
        if assignment.person_id in own and assignment.person_id not in area_of:
            area_of[assignment.person_id] = top(assignment.unit).name
    categories = Counter(e.category_label or "Non indicata" for e in own.values())
    areas = Counter(area_of.get(pid, "Non assegnato") for pid in own)
    genders = Counter(getattr(e.person, "gender", "") or "" for e in own.values())
    grid: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for employment in own.values():
        gender = getattr(employment.person, "gender", "") or ""
        grid[employment.category_label or "Non indicata"][{"F": 0, "M": 1}.get(gender, 2)] += 1
    borrowed_kinds = {
        AssignmentKind.CONVENTION,
        AssignmentKind.SECONDMENT,
        AssignmentKind.AGREEMENT,
        AssignmentKind.EXTERNAL,
    }
    borrowed = [
        (
            a.position or "Personale",
            a.unit.name,
            f"{a.get_kind_display()}" + (f" da {a.source_ente_name}" if a.source_ente_name else ""),
            f"{fmt.number(a.hours_per_week)} h/settimana" if a.hours_per_week else "",
        )
        for a in assignments
        if a.kind in borrowed_kinds
    ]
    members = list(MemberEnte.objects.filter(ente=ente).values_list("name", flat=True))
    return StaffFacts(
        own=len(own),
        part_time=sum(1 for e in own.values() if e.is_part_time),
        by_category=sorted(categories.items()),
        by_area=sorted(areas.items()),
        by_gender=[(GENDER_LABELS[g], n) for g, n in sorted(genders.items(), reverse=True)],
        by_category_gender=[(c, *grid[c]) for c in sorted(grid)],
        borrowed=borrowed,
        members=members,
    )


def staff_section(section: Section, facts: StaffFacts, year: int) -> None:
    """Staff numbers by category and area, members, staff in convenzione (no names)."""
    section.add(
        Paragraph(
            f"Personale dipendente dell'ente nel {year}: {facts.own} unità, di cui "
            f"{facts.part_time} a tempo parziale."
        ),
        Table(
            f"Personale dipendente {year} per categoria",
            [Column("Area / categoria", width=3), Column("Dipendenti", ColumnKind.INTEGER)],
            [[label, count] for label, count in facts.by_category],
            sheet="Personale per categoria",
            empty_text="Nessun rapporto di lavoro registrato per l'anno.",
        ),
        Table(
            f"Personale dipendente {year} per area",
            [Column("Area / struttura", width=3), Column("Dipendenti", ColumnKind.INTEGER)],
            [[label, count] for label, count in facts.by_area],
            sheet="Personale per area",
            empty_text="Nessuna assegnazione registrata per l'anno.",
        ),
    )
    if facts.members:
        section.add(
            Table(
                "Enti aderenti",
                [Column("Ente", width=3)],
                [[name] for name in facts.members],
                sheet="Enti aderenti",
            )
        )
    if facts.borrowed:
        section.add(
            Table(
                f"Personale utilizzato in convenzione, in comando o per accordo ({year})",
                [
                    Column("Ruolo", width=2),
                    Column("Servizio", width=3),
                    Column("Titolo", width=3),
                    Column("Impegno", width=2),
                ],
                [list(row) for row in facts.borrowed],
                sheet="Personale in convenzione",
            )
        )


def org_chart_table(plan: PlanData) -> Table:
    by_id = plan.units_by_id
    depth: dict[int, int] = {}
    for unit in plan.units:
        level, node, seen = 0, unit, set()
        while node.parent_id in by_id and node.pk not in seen:
            seen.add(node.pk)
            level += 1
            node = by_id[node.parent_id]
        depth[unit.pk] = level
    ordered = tree_order(plan.units)
    return Table(
        "Organigramma: aree, servizi e centri PEG",
        [
            Column("Struttura", width=4),
            Column("Tipo", width=1),
            Column("Centro PEG", width=1),
            Column("Responsabile", width=3),
        ],
        [
            [
                "    " * depth[u.pk] + ("– " if depth[u.pk] else "") + u.name,
                u.get_kind_display(),
                u.peg_code,
                unit_responsible(u, plan.persons),
            ]
            for u in ordered
        ],
        sheet="Organigramma",
    )


def tree_order(units: list[Unit]) -> list[Unit]:
    """Units depth-first, each followed by the units below it, in plan order (`engine.tree`)."""
    by_id = {unit.pk: unit for unit in units}
    parent_of = {unit.pk: unit.parent_id for unit in units}
    return [by_id[pk] for pk, _ in tree.in_order(parent_of)]


def percent_or_none(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def without_empty_columns(table: Table, keep: tuple[int, ...] = (0,)) -> Table:
    """The table without the columns that are empty in every row (`keep` always stays)."""
    if not table.rows:
        return table
    used = [
        index
        for index in range(len(table.columns))
        if index in keep or any(row[index] not in (None, "") for row in table.rows)
    ]
    if len(used) == len(table.columns):
        return table
    table.columns = [table.columns[i] for i in used]
    table.rows = [[row[i] for i in used] for row in table.rows]
    return table
