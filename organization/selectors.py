"""Reads of the organisation pages, each in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils import timezone

from engine import tree
from organization.models import (
    Absence,
    Assignment,
    AssignmentKind,
    Employment,
    Ente,
    Parameter,
    Person,
    Unit,
)


def _today() -> dt.date:
    return timezone.localdate()


def _current(on: dt.date) -> Q:
    """Rows in force on `on` (open dates count as "always")."""
    started = Q(start_date__isnull=True) | Q(start_date__lte=on)
    not_ended = Q(end_date__isnull=True) | Q(end_date__gte=on)
    return started & not_ended


def current_employments(person_ids, on: dt.date) -> dict[int, Employment]:
    """The employment in force for each person (the latest started, if several): one query."""
    by_person: dict[int, Employment] = {}
    rows = Employment.objects.filter(person_id__in=person_ids).filter(_current(on))
    for employment in rows.order_by("person_id", "start_date", "id"):
        by_person[employment.person_id] = employment  # later starts overwrite earlier ones
    return by_person


@dataclass
class StaffRow:
    assignment: Assignment
    employment: Employment | None

    @property
    def person(self) -> Person:
        return self.assignment.person

    @property
    def is_lent(self) -> bool:
        """Convenzione / comando / accordo: staff of another body working here."""
        return self.assignment.kind in {
            AssignmentKind.CONVENTION,
            AssignmentKind.SECONDMENT,
            AssignmentKind.AGREEMENT,
        }


@dataclass
class UnitNode:
    """One unit of the chart with head counts only: its people are read on demand, a page at a
    time (`unit_staff_page`), so the chart costs the same with 20 or 25,000 people."""

    unit: Unit
    children: list[UnitNode] = field(default_factory=list)
    staff_count: int = 0

    @property
    def people_in_subtree(self) -> int:
        return self.staff_count + sum(child.people_in_subtree for child in self.children)


@dataclass
class OrgChart:
    roots: list[UnitNode]
    unit_count: int
    people_count: int
    lent_count: int
    unassigned_count: int


LENT_KINDS = (AssignmentKind.CONVENTION, AssignmentKind.SECONDMENT, AssignmentKind.AGREEMENT)


def current_assignments(ente: Ente, on: dt.date):
    """The ente's assignments in force on `on`."""
    return Assignment.objects.filter(unit__ente=ente).filter(_current(on))


def org_chart(ente: Ente, *, on: dt.date | None = None) -> OrgChart:
    """The unit tree with head counts of the people assigned today: four queries, and no row
    per person, whatever the ente's size."""
    on = on or _today()
    units = list(Unit.objects.filter(ente=ente).select_related("responsible"))
    current = current_assignments(ente, on)
    per_unit = dict(
        current.order_by().values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    totals = current.aggregate(
        people=Count("person_id", distinct=True),
        lent=Count("person_id", distinct=True, filter=Q(kind__in=LENT_KINDS)),
    )
    unassigned = (
        Person.objects.filter(ente=ente).exclude(pk__in=current.values("person_id")).count()
    )

    nodes = {unit.pk: UnitNode(unit=unit, staff_count=per_unit.get(unit.pk, 0)) for unit in units}
    roots: list[UnitNode] = []
    for unit in units:  # already in display order
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.pk])
    return OrgChart(
        roots=roots,
        unit_count=len(units),
        people_count=totals["people"],
        lent_count=totals["lent"],
        unassigned_count=unassigned,
    )


STAFF_PAGE_SIZE = 50


def unit_staff_page(unit: Unit, page_number, *, on: dt.date | None = None) -> Page:
    """One page of the people assigned to `unit` today (`StaffRow`s, with their employment):
    three queries (count, page, employments) whatever the unit's size."""
    on = on or _today()
    assignments = (
        unit.assignments.filter(_current(on))
        .select_related("person")
        .order_by("order", "person__last_name", "person__first_name", "id")
    )
    page: Page[Any] = Paginator(assignments, STAFF_PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    employments = current_employments([a.person_id for a in rows], on)
    staff: list[Any] = [StaffRow(a, employments.get(a.person_id)) for a in rows]
    page.object_list = staff  # the page's rows, in the same order, with their employment
    return page


@dataclass
class ParameterTable:
    years: list[int]
    rows: list[tuple[Parameter, list]]  # values aligned with `years` (None where missing)


@dataclass
class UnitDetail:
    unit: Unit
    ancestors: list[Unit]
    children: list[Unit]
    activities: list
    parameters: ParameterTable
    current_staff: list[StaffRow]
    past_assignments: list[Assignment]


def _ancestors(unit: Unit) -> list[Unit]:
    """Breadcrumb chain from the root, read in one query over the ente's units."""
    units = Unit.objects.filter(ente_id=unit.ente_id).only("pk", "parent", "name", "peg_code")
    by_pk = {u.pk: u for u in units}
    parent_of = {pk: row.parent_id for pk, row in by_pk.items()}
    return [by_pk[pk] for pk in reversed(tree.ancestors(parent_of, unit.pk))]


def _parameter_table(unit: Unit) -> ParameterTable:
    parameters = list(unit.parameters.prefetch_related("values"))
    years = sorted({value.year for p in parameters for value in p.values.all()})
    rows = []
    for parameter in parameters:
        by_year = {value.year: value for value in parameter.values.all()}
        rows.append((parameter, [by_year.get(year) for year in years]))
    return ParameterTable(years=years, rows=rows)


def unit_detail(unit: Unit, *, on: dt.date | None = None) -> UnitDetail:
    on = on or _today()
    assignments = list(
        unit.assignments.select_related("person").order_by(
            "order", "person__last_name", "person__first_name", "id"
        )
    )
    current = [a for a in assignments if _in_force(a, on)]
    employments = current_employments([a.person_id for a in current], on)
    return UnitDetail(
        unit=unit,
        ancestors=_ancestors(unit),
        children=list(
            unit.children.select_related("responsible").annotate(
                staff_count=Count("assignments", filter=_current_assignment(on), distinct=True)
            )
        ),
        activities=list(unit.activities.all()),
        parameters=_parameter_table(unit),
        current_staff=[StaffRow(a, employments.get(a.person_id)) for a in current],
        past_assignments=[a for a in assignments if not _in_force(a, on)],
    )


def _current_assignment(on: dt.date) -> Q:
    started = Q(assignments__start_date__isnull=True) | Q(assignments__start_date__lte=on)
    not_ended = Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gte=on)
    return started & not_ended


def _in_force(row, on: dt.date) -> bool:
    return (row.start_date is None or row.start_date <= on) and (
        row.end_date is None or row.end_date >= on
    )


@dataclass
class PersonDetail:
    person: Person
    employments: list[Employment]
    assignments: list[Assignment]
    units_led: list[Unit]
    absences: list[Absence] | None  # None: the viewer may not see them
    show_personal_data: bool


def person_detail(person: Person, *, show_personal_data: bool) -> PersonDetail:
    return PersonDetail(
        person=person,
        employments=list(person.employments.all()),
        assignments=list(person.assignments.select_related("unit").order_by("-start_date", "id")),
        units_led=list(person.units_led.all()),
        absences=list(person.absences.all()) if show_personal_data else None,
        show_personal_data=show_personal_data,
    )


PEOPLE_PAGE_SIZE = 50
ASSIGNED, UNASSIGNED = "in-servizio", "senza-assegnazione"


@dataclass(frozen=True)
class PeopleFilters:
    """What the people list is filtered by, as read from the URL (so a filtered page can be
    bookmarked and shared)."""

    text: str = ""
    unit: int | None = None  # the unit and every unit below it
    assignment: str = ""  # ASSIGNED, UNASSIGNED or "" (everyone)

    @property
    def active(self) -> bool:
        return bool(self.text or self.unit or self.assignment)


def unit_and_below(ente: Ente, unit_pk: int) -> list[int]:
    """The pk of a unit of `ente` and of every unit under it (none for another ente's unit)."""
    parent_of = dict(Unit.objects.filter(ente=ente).values_list("pk", "parent_id"))
    return tree.below(parent_of, [unit_pk]) if unit_pk in parent_of else []


def people_queryset(ente: Ente, filters: PeopleFilters, *, on: dt.date | None = None):
    """The ente's people matching `filters`, by name."""
    on = on or _today()
    people = Person.objects.filter(ente=ente)
    for word in filters.text.split():
        people = people.filter(
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(email__icontains=word)
            | Q(key__icontains=word)
        )
    current = current_assignments(ente, on)
    if filters.unit:
        units = unit_and_below(ente, filters.unit)
        people = people.filter(pk__in=current.filter(unit_id__in=units).values("person_id"))
    if filters.assignment == ASSIGNED:
        people = people.filter(pk__in=current.values("person_id"))
    elif filters.assignment == UNASSIGNED:
        people = people.exclude(pk__in=current.values("person_id"))
    return people.order_by("last_name", "first_name", "id")


def people_page(ente: Ente, filters: PeopleFilters, page_number, *, on=None) -> Page:
    """One page of `people_queryset`, each person with `unit_count` (the units they work in
    today): a count, the page and the units of its people, whatever the ente's size. The units
    are counted for the page only, so that the database never groups the whole staff."""
    on = on or _today()
    page = Paginator(people_queryset(ente, filters, on=on), PEOPLE_PAGE_SIZE).get_page(page_number)
    people = list(page.object_list)
    counts = dict(
        Assignment.objects.filter(person_id__in=[person.pk for person in people])
        .filter(_current(on))
        .order_by()
        .values("person_id")
        .annotate(n=Count("unit_id", distinct=True))
        .values_list("person_id", "n")
    )
    for person in people:
        person.unit_count = counts.get(person.pk, 0)
    page.object_list = people
    return page


def unit_choices_by_depth(
    ente: Ente, *, without_subtree: int | None = None
) -> list[tuple[int, str]]:
    """(pk, label) of the ente's units in tree order, indented by depth, for select boxes.

    `without_subtree` leaves out a unit and everything below it: the choices for its new
    parent (picking one of them would make the tree circular).
    """
    units = {
        u.pk: u for u in Unit.objects.filter(ente=ente).only("pk", "parent", "name", "peg_code")
    }
    parent_of = {pk: unit.parent_id for pk, unit in units.items()}
    return [
        (pk, f"{'— ' * depth}{units[pk]}")
        for pk, depth in tree.in_order(parent_of, without=without_subtree)
    ]
