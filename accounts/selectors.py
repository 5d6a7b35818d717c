"""Reads of the accounts pages: the ente choice list and the ente overview.

Each function runs a fixed number of queries, whatever the size of the ente.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.access import EnteAccess
from accounts.models import Membership, MembershipRole, User
from core.models import AuditEntry
from organization.access import enti_for
from organization.models import Ente, EvaluationBody, MemberEnte, Person, Unit
from planning.models import (
    WEIGHT_TOLERANCE,
    Cycle,
    Indicator,
    OperationalObjective,
    WeightGroup,
)


@dataclass
class EnteChoice:
    ente: Ente
    roles: list[str]


def ente_choices(user) -> list[EnteChoice]:
    """The enti the user may enter with the labels of their roles there (two queries)."""
    enti = enti_for(user)
    roles: dict[int, list[str]] = defaultdict(list)
    labels = dict(MembershipRole.choices)
    for ente_id, role in Membership.objects.filter(user=user).values_list("ente_id", "role"):
        roles[ente_id].append(labels.get(role, role))
    return [EnteChoice(ente=ente, roles=sorted(roles.get(ente.pk, []))) for ente in enti]


@dataclass
class CycleSummary:
    cycle: Cycle
    units: int
    people: int
    objectives: int
    indicators: int
    weight_groups: int
    weight_groups_off: int


@dataclass
class EnteOverview:
    ente: Ente
    unit_count: int
    people_count: int
    members: list[MemberEnte]
    bodies: list[EvaluationBody]
    cycles: list[CycleSummary]
    roles: list[str] = field(default_factory=list)
    is_platform_admin: bool = False


def _count(queryset, column: str = "pk", *, distinct: bool = False) -> Coalesce:
    """A correlated COUNT per cycle, so the cycle list stays one query."""
    counted = (
        queryset.order_by().values("cycle").annotate(n=Count(column, distinct=distinct)).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _cycles_with_counts(ente: Ente) -> list[Any]:  # Cycle rows with the n_* annotations
    objectives = OperationalObjective.objects.filter(cycle=OuterRef("pk"))
    return list(
        Cycle.objects.filter(ente=ente)
        .annotate(
            n_objectives=_count(objectives),
            n_units=_count(objectives.filter(unit__isnull=False), "unit", distinct=True),
            n_people=_responsible_count(),
            n_indicators=_count(Indicator.objects.filter(cycle=OuterRef("pk"))),
            n_weight_groups=_count(WeightGroup.objects.filter(cycle=OuterRef("pk"))),
        )
        .order_by("-year")
    )


def _responsible_count() -> Coalesce:
    """Distinct people named responsible of at least one objective of the cycle."""
    through = OperationalObjective.responsibles.through
    counted = (
        through.objects.filter(operationalobjective__cycle=OuterRef("pk"))
        .order_by()
        .values("operationalobjective__cycle")
        .annotate(n=Count("person", distinct=True))
        .values("n")  # type: ignore[misc]  # django-stubs does not see the annotation
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _weight_groups_off(ente: Ente) -> dict[int, int]:
    """Per cycle, how many weight groups miss their expected total by more than the tolerance."""
    off: dict[int, int] = defaultdict(int)
    rows = (
        WeightGroup.objects.filter(cycle__ente=ente)
        .annotate(total=Coalesce(Sum("objectives__weight"), Decimal("0")))
        .values_list("cycle_id", "expected_total", "total")
    )
    for cycle_id, expected, total in rows:
        if abs(Decimal(total) - expected) > WEIGHT_TOLERANCE:
            off[cycle_id] += 1
    return off


def ente_overview(ente: Ente, access: EnteAccess) -> EnteOverview:
    """Everything the overview page shows, in seven queries."""
    off = _weight_groups_off(ente)
    cycles = [
        CycleSummary(
            cycle=cycle,
            units=cycle.n_units,
            people=cycle.n_people,
            objectives=cycle.n_objectives,
            indicators=cycle.n_indicators,
            weight_groups=cycle.n_weight_groups,
            weight_groups_off=off.get(cycle.pk, 0),
        )
        for cycle in _cycles_with_counts(ente)
    ]
    labels = dict(MembershipRole.choices)
    return EnteOverview(
        ente=ente,
        unit_count=Unit.objects.filter(ente=ente).count(),
        people_count=Person.objects.filter(ente=ente).count(),
        members=list(MemberEnte.objects.filter(ente=ente)),
        bodies=list(EvaluationBody.objects.filter(ente=ente).prefetch_related("members")),
        cycles=cycles,
        roles=sorted(labels.get(role, role) for role in access.roles),
        is_platform_admin=access.is_platform_admin,
    )


@dataclass
class AccountRow:
    account: Any  # accounts.User
    memberships: list[Membership]

    @property
    def role_labels(self) -> list[str]:
        return [membership.get_role_display() for membership in self.memberships]


def _accounts(ente: Ente):
    here = Membership.objects.filter(ente=ente).select_related("person").order_by("role")
    return (
        User.objects.filter(memberships__ente=ente)
        .distinct()
        .order_by("last_name", "first_name", "username")
        .prefetch_related(Prefetch("memberships", queryset=here, to_attr="roles_here"))
    )


def people_of(ente: Ente) -> list[AccountRow]:
    """The accounts holding a role in `ente`, with those roles only (two queries)."""
    return [AccountRow(account, list(account.roles_here)) for account in _accounts(ente)]


def account_of(ente: Ente, pk: int) -> AccountRow | None:
    """One account with its roles in `ente`; None when it has none there (another ente's id)."""
    account = _accounts(ente).filter(pk=pk).first()
    return AccountRow(account, list(account.roles_here)) if account is not None else None


ACTIVITY_LIMIT = 300


@dataclass
class ActivityChoices:
    people: list[Any]  # the accounts that acted in the ente, for the filter
    object_types: list[str]


def activity_choices(ente: Ente) -> ActivityChoices:
    """What the filters of «Registro delle attività» offer (two queries)."""
    rows = AuditEntry.objects.filter(ente=ente)
    actor_ids = rows.exclude(user=None).values("user_id")
    people = list(User.objects.filter(pk__in=actor_ids).order_by("last_name", "username"))
    types = sorted(set(rows.order_by().values_list("object_type", flat=True).distinct()))
    return ActivityChoices(people=people, object_types=types)


def activity(
    ente: Ente,
    *,
    user_id: int | None = None,
    object_type: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[list[Any], bool]:
    """The audit rows of `ente`, newest first, filtered; at most ACTIVITY_LIMIT, and whether
    more were left out (one query)."""
    rows = AuditEntry.objects.filter(ente=ente).select_related("user")
    if user_id:
        rows = rows.filter(user_id=user_id)
    if object_type:
        rows = rows.filter(object_type=object_type)
    if since:
        rows = rows.filter(created_at__date__gte=since)
    if until:
        rows = rows.filter(created_at__date__lte=until)
    entries = list(rows.order_by("-created_at", "-id")[: ACTIVITY_LIMIT + 1])
    for entry in entries:
        entry.change_rows = change_rows(entry.changes)  # type: ignore[attr-defined]  # for the page
    return entries[:ACTIVITY_LIMIT], len(entries) > ACTIVITY_LIMIT


def change_rows(changes: Any) -> list[tuple[str, Any, Any]]:
    """An audit row's changes as (field, before, after). Most services record
    `{field: [before, after]}`, but summaries (a bulk import, a distribution) record other
    shapes: those are shown as the value after, never dropped and never unpacked blindly."""
    if not changes:
        return []
    if not isinstance(changes, dict):
        return [("", None, changes)]
    rows = []
    for name, value in changes.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append((str(name), value[0], value[1]))
        else:
            rows.append((str(name), None, value))
    return rows
