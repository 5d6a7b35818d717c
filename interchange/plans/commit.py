"""Write a `PlanDraft` into a cycle through the planning services.

Everything valid is written in the caller's transaction; blocked objectives and indicators are
skipped. Rows already in the cycle are found again (by key, by code, or by title and unit) and
updated only where a value differs, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils import timezone

from core.audit import diff, record, snapshot, state_of
from core.exceptions import ServiceError
from core.parsing import free_key
from interchange.plans.draft import DraftIndicator, DraftObjective, DraftPhase, Place, PlanDraft
from interchange.plans.matching import Proposal
from organization.models import Person, Unit, UnitKind
from planning import services as plan
from planning.formulas import validate_formula
from planning.models import (
    Cycle,
    Indicator,
    IndicatorScope,
    ObjectiveKind,
    OperationalObjective,
    Phase,
    StrategicArea,
    StrategicObjective,
    Target,
    WeightGroup,
)
from planning.target_text import fold as _fold


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """`planning.target_text.fold`, remembered: the commit compares the same names many times."""
    return _fold(text)


@dataclass
class CommitResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    changes: dict[str, Any] = field(default_factory=dict)  # keys created, diffs of updates

    def count(self, bucket: str, what: str) -> None:
        table = getattr(self, bucket)
        table[what] = table.get(what, 0) + 1

    def as_data(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _same(instance, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(instance, name)
        if isinstance(current, Decimal) or isinstance(value, Decimal):
            if (current is None) != (value is None):
                return False
            if current is not None and Decimal(current) != Decimal(value):
                return False
        elif hasattr(current, "pk") or hasattr(value, "pk"):
            if getattr(current, "pk", None) != getattr(value, "pk", None):
                return False
        elif (current or "") != (value or "") if isinstance(current, str) else current != value:
            return False
    return True


def phase_values(phase: DraftPhase, order: int) -> dict[str, Any]:
    return {
        "kind": phase.kind,
        "label": phase.label[:30],
        "description": phase.description,
        "planned_text": phase.planned_text[:255],
        "planned_start": phase.planned_start,
        "planned_end": phase.planned_end,
        "responsible_label": phase.responsible_label,
        "order": order,
    }


def indicator_values(indicator: DraftIndicator, phase: Phase | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": indicator.code[:30],
        "name": indicator.name,
        "description": indicator.description,
        "formula": indicator.formula,
        "dimension": indicator.dimension,
        "dimension_label": indicator.dimension_label[:120],
        "unit_of_measure": indicator.unit_of_measure[:40],
        "data_source": indicator.data_source[:400],
        "baseline_value": indicator.baseline_value,
        "baseline_text": indicator.baseline_text[:255],
        "baseline_year": indicator.baseline_year,
        "phase": phase,
        "responsible_label": indicator.responsible_label,
        "formula_expression": (indicator.formula_expression or "").strip(),
        "standard_text": indicator.standard_text,
        "tolerance_text": indicator.tolerance_text,
        "weight": indicator.weight,
    }
    if indicator.polarity:
        values["polarity"] = indicator.polarity
    return values


class DraftCommit:
    def __init__(self, *, user, cycle: Cycle, draft: PlanDraft, choices: dict[str, int | None]):
        self.user = user
        self.cycle = cycle
        self.ente = cycle.ente
        self.draft = draft
        self.choices = choices
        self.result = CommitResult()
        self.units: dict[str, Unit | None] = {}
        self.people = {p.pk: p for p in Person.objects.filter(ente=self.ente)}
        self.unit_rows = {u.pk: u for u in Unit.objects.filter(ente=self.ente)}
        self.claimed: set[tuple[str, int]] = set()  # rows already matched by this import

    def run(self) -> CommitResult:
        for objective in self.draft.valid_objectives():
            self.objective_unit(objective)  # areas before their services, before the groups
        strategics = self.save_strategics()
        groups = self.save_groups()
        existing = list(OperationalObjective.objects.filter(cycle=self.cycle))
        for order, objective in enumerate(self.draft.objectives, start=1):
            if objective.blocked:
                self.result.skipped += 1
                continue
            self.save_objective(objective, order, existing, strategics, groups)
        return self.result

    # -- units and people ------------------------------------------------------------------

    def unit_for(self, label: str, *, kind: str, parent: Unit | None, peg_code: str = ""):
        if not label:
            return None
        if label in self.units:
            return self.units[label]
        chosen = self.choices.get(f"unit:{label}")
        unit = self.unit_rows.get(chosen) if chosen else None
        if unit is None:
            same = [u for u in self.unit_rows.values() if fold(u.name) == fold(label)]
            unit = same[0] if same else self.create_unit(label, kind, parent, peg_code)
        self.units[label] = unit
        return unit

    def create_unit(self, name: str, kind: str, parent: Unit | None, peg_code: str) -> Unit:
        from organization import services as org

        code = peg_code.strip() if peg_code and peg_code.strip("-– ") else ""
        if code and any(u.peg_code == code for u in self.unit_rows.values()):
            code = ""
        data = {"name": name, "kind": kind, "parent": parent, "peg_code": code}
        if self.user is not None:
            unit = org.unit_create(user=self.user, ente=self.ente, data=data)
        else:  # a system import (manage.py import_plan): the command's operator is trusted
            unit = Unit(ente=self.ente, **data)
            unit.key = org.unique_key(Unit.objects.filter(ente=self.ente), name)
            unit.save()
            record(user=None, action="unit.create", obj=unit, changes=diff({}, snapshot(unit)))
        self.unit_rows[unit.pk] = unit
        self.result.count("created", "unità")
        return unit

    def person_for(self, label: str) -> Person | None:
        chosen = self.choices.get(f"person:{label}") if label else None
        return self.people.get(chosen) if chosen else None

    # -- strategic layer and groups --------------------------------------------------------

    def strategic_area(self, name: str, areas: dict[str, StrategicArea]) -> StrategicArea:
        """The cycle's strategic area of that name (accents and case ignored), or a new one."""
        area = areas.get(fold(name))
        if area is None:
            area = plan.strategic_area_create(
                user=self.user, cycle=self.cycle, data={"name": name[:400]}
            )
            areas[fold(name)] = area
            self.result.count("created", "aree strategiche")
        return area

    def save_row(
        self, match, rows: list, key: str, values: dict[str, Any], *, create, update, what
    ):
        """Create the row (keeping the file's key when no other row has it) or update it when
        its values differ; counted as created, updated or unchanged under `what`."""
        if match is None:
            match = create(values)
            if key and key != match.key and not any(r.key == key for r in rows):
                type(match).objects.filter(pk=match.pk).update(key=key)
                match.key = key
            rows.append(match)
            self.result.count("created", what)
        elif not _same(match, values):
            update(match, values)
            self.result.count("updated", what)
        else:
            self.result.count("unchanged", what)
        return match

    def save_strategics(self) -> dict[str, StrategicObjective]:
        rows = list(StrategicObjective.objects.filter(cycle=self.cycle))
        areas = {fold(a.name): a for a in StrategicArea.objects.filter(cycle=self.cycle)}
        saved = {}
        for key, draft in self.draft.strategics.items():
            values: dict[str, Any] = {
                "code": draft.code,
                "title": draft.title,
                "description": draft.description,
                "mission_code": draft.mission_code,
                "mission_name": draft.mission_name[:255],
                "programme_code": draft.programme_code,
                "programme_name": draft.programme_name[:400],
                "units_label": draft.units_label,
                "responsible_label": draft.responsible_label[:400],
                "stakeholders_final": draft.stakeholders_final,
                "stakeholders_intermediate": draft.stakeholders_intermediate,
                "peg_services": draft.peg_services,
                "criticalities": draft.criticalities,
                "expected_impact": draft.expected_impact,
            }
            if draft.area.strip():
                values["area"] = self.strategic_area(draft.area.strip(), areas)
            match = next((r for r in rows if draft.key and r.key == draft.key), None) or next(
                (
                    r
                    for r in rows
                    if fold(r.title) == fold(draft.title) and (r.code or "") == draft.code
                ),
                None,
            )
            saved[key] = self.save_row(
                match,
                rows,
                draft.key,
                values,
                create=lambda data: plan.strategic_objective_create(
                    user=self.user, cycle=self.cycle, data=data
                ),
                update=lambda row, data: plan.strategic_objective_update(
                    user=self.user, strategic=row, data=data
                ),
                what="obiettivi strategici",
            )
        return saved

    def save_groups(self) -> dict[str, WeightGroup]:
        rows = list(WeightGroup.objects.filter(cycle=self.cycle))
        saved = {}
        used = {o.weight_group for o in self.draft.valid_objectives() if o.weight_group}
        for label, draft in self.draft.groups.items():
            if label not in used and not draft.declared:
                continue
            unit = (
                self.unit_for(draft.unit, kind=UnitKind.SERVICE, parent=None)
                if draft.unit
                else None
            )
            values = {
                "label": label[:400],
                "kind": draft.kind,
                "expected_total": draft.expected_total,
                "scheme_share": draft.scheme_share,
                "note": draft.note,
                "years": draft.years,
                "unit": unit,
            }
            person = self.person_for(draft.responsible)
            if person is not None:
                values["responsible"] = person
            match = next((r for r in rows if draft.key and r.key == draft.key), None) or next(
                (r for r in rows if r.label == label[:400]), None
            )
            saved[label] = self.save_row(
                match,
                rows,
                draft.key,
                values,
                create=lambda data: plan.weight_group_create(
                    user=self.user, cycle=self.cycle, data=data
                ),
                update=lambda row, data: plan.weight_group_update(
                    user=self.user, group=row, data=data
                ),
                what="gruppi di pesatura",
            )
        return saved

    # -- objectives ------------------------------------------------------------------------

    def objective_unit(self, objective: DraftObjective) -> Unit | None:
        area = self.unit_for(objective.area, kind=UnitKind.AREA, parent=None)
        if objective.unit:
            return self.unit_for(
                objective.unit, kind=UnitKind.SERVICE, parent=area, peg_code=objective.peg_code
            )
        return area

    def save_objective(self, draft: DraftObjective, order, existing, strategics, groups) -> None:
        unit = self.objective_unit(draft)
        person = self.person_for(draft.responsible)
        by_key = {p.key: p for p in self.people.values()}
        listed = [by_key[k] for k in draft.responsible_keys if k in by_key]
        values = objective_values(draft, unit, strategics, groups)
        match = self.find_objective(draft, unit, existing)
        if match is None:
            values["order"] = order
            data = {**values}
            if listed or person is not None:
                data["responsibles"] = listed or [person]
            match = plan.objective_create(user=self.user, cycle=self.cycle, data=data)
            if draft.key and not any(o.key == draft.key for o in existing):
                OperationalObjective.objects.filter(pk=match.pk).update(key=draft.key)
                match.key = draft.key
            existing.append(match)
            self.claimed.add(("objective", match.pk))
            self.result.count("created", "obiettivi")
        else:
            people = set(match.responsibles.values_list("pk", flat=True))
            wanted = listed or ([person] if person is not None else None)
            wanted_people = {p.pk for p in wanted} if wanted else people
            if not _same(match, values) or people != wanted_people:
                data = {**values}
                if wanted:
                    data["responsibles"] = wanted
                plan.objective_update(user=self.user, objective=match, data=data)
                self.result.count("updated", "obiettivi")
            else:
                self.result.count("unchanged", "obiettivi")
        phases = self.save_phases(match, draft)
        self.save_indicators(match, draft, phases)

    def find_objective(self, draft: DraftObjective, unit, existing) -> OperationalObjective | None:
        found = self._find_objective(draft, unit, existing)
        if found is not None:
            self.claimed.add(("objective", found.pk))
        return found

    def _find_objective(self, draft: DraftObjective, unit, existing):
        free = [row for row in existing if ("objective", row.pk) not in self.claimed]
        if draft.key:
            for row in free:
                if row.key == draft.key:
                    return row
        if draft.code:
            same_code = [r for r in free if r.code == draft.code[:30]]
            if len(same_code) == 1:
                return same_code[0]
        title = fold(draft.title)
        unit_id = unit.pk if unit else None
        for row in free:
            if (
                fold(row.title) == title
                and row.unit_id == unit_id
                and (not draft.code or row.code == draft.code[:30])
            ):
                return row
        return None

    def save_phases(self, objective: OperationalObjective, draft: DraftObjective) -> list[Phase]:
        rows = list(Phase.objects.filter(objective=objective))
        saved = []
        for order, phase in enumerate(draft.phases, start=1):
            values = phase_values(phase, order)
            match = next(
                (
                    r
                    for r in rows
                    if fold(r.description) == fold(phase.description) and r.label == values["label"]
                ),
                None,
            )
            if match is None:
                match = plan.phase_create(user=self.user, objective=objective, data=values)
                self.result.count("created", "fasi")
            elif not _same(match, values):
                plan.phase_update(user=self.user, phase=match, data=values)
                self.result.count("updated", "fasi")
            saved.append(match)
        return saved

    def save_indicators(self, objective, draft: DraftObjective, phases: list[Phase]) -> None:
        rows = list(Indicator.objects.filter(objective=objective).prefetch_related("targets"))
        for indicator in draft.indicators:
            if indicator.blocked:
                self.result.skipped += 1
                continue
            phase = phases[indicator.phase_index] if indicator.phase_index is not None else None
            values = indicator_values(indicator, phase)
            match = self.find_indicator(indicator, rows)
            if match is None:
                data = {
                    **values,
                    "objective": objective,
                    "scope": IndicatorScope.OBJECTIVE,
                    "unit": objective.unit,
                }
                match = plan.indicator_create(user=self.user, cycle=self.cycle, data=data)
                if (
                    indicator.key
                    and not Indicator.objects.filter(cycle=self.cycle, key=indicator.key).exists()
                ):
                    Indicator.objects.filter(pk=match.pk).update(key=indicator.key)
                rows.append(match)
                self.claimed.add(("indicator", match.pk))
                self.result.count("created", "indicatori")
            elif not _same(match, values):
                plan.indicator_update(user=self.user, indicator=match, data=values)
                self.result.count("updated", "indicatori")
            else:
                self.result.count("unchanged", "indicatori")
            self.save_targets(match, indicator)

    def find_indicator(self, draft: DraftIndicator, rows: list[Indicator]) -> Indicator | None:
        free = [row for row in rows if ("indicator", row.pk) not in self.claimed]
        found = next((row for row in free if draft.key and row.key == draft.key), None)
        if found is None:
            name = fold(draft.name)
            found = next((row for row in free if fold(row.name) == name), None)
        if found is not None:
            self.claimed.add(("indicator", found.pk))
        return found

    def save_targets(self, indicator: Indicator, draft: DraftIndicator) -> None:
        current = {t.year: t for t in Target.objects.filter(indicator=indicator)}
        for year, target in sorted(draft.targets.items()):
            data = target.parsed.as_data()
            row = current.get(year)
            if row is not None and _same(row, data):
                continue
            plan.target_set(user=self.user, indicator=indicator, year=year, data=data)
            self.result.count("updated" if row else "created", "target")


# ---------------------------------------------------------------------------------------------
# The bulk path: a draft cycle
# ---------------------------------------------------------------------------------------------


class BulkCommit(DraftCommit):
    """The commit of a draft cycle, with a number of queries that does not grow with the rows.

    Objectives, their responsabili, phases, indicators and targets are compared in memory with
    what the cycle holds (read once), cleaned by the planning services' own rules, and written
    with `bulk_create`/`bulk_update` in batches. They are not audited one by one: the import's
    summary row (`plan.import`) lists the keys created and, for each updated row, its
    before/after diff. Units, strategic objectives and weight groups — as many as the plan's
    structure, not its rows — still go through their services, with their own audit rows.
    A frozen cycle under revision does not come here: each objective needs its version.
    """

    BATCH = 500

    def __init__(self, *, user, cycle: Cycle, draft: PlanDraft, choices: dict[str, int | None]):
        super().__init__(user=user, cycle=cycle, draft=draft, choices=choices)
        self.objective_rows = list(OperationalObjective.objects.filter(cycle=cycle))
        through = OperationalObjective.responsibles.through
        self.people_of: dict[int, set[int]] = {}
        for objective_id, person_id in through.objects.filter(
            operationalobjective__cycle=cycle
        ).values_list("operationalobjective_id", "person_id"):
            self.people_of.setdefault(objective_id, set()).add(person_id)
        self.phase_rows: dict[int, list[Phase]] = {}
        for phase in Phase.objects.filter(objective__cycle=cycle).order_by("order", "pk"):
            self.phase_rows.setdefault(phase.objective_id, []).append(phase)
        self.indicator_rows: dict[int, list[Indicator]] = {}
        indicators = list(Indicator.objects.filter(cycle=cycle).order_by("order", "pk"))
        for indicator in indicators:
            if indicator.objective_id:
                self.indicator_rows.setdefault(indicator.objective_id, []).append(indicator)
        self.indicator_keys = {i.key for i in indicators}
        self.indicator_order = max((i.order for i in indicators), default=0)
        self.objective_keys = {o.key for o in self.objective_rows}
        self.by_key = {row.key: row for row in self.objective_rows}
        self.by_code: dict[str, list[OperationalObjective]] = {}
        self.by_title: dict[tuple[str, int | None], list[OperationalObjective]] = {}
        for row in self.objective_rows:
            self.by_code.setdefault(row.code, []).append(row)
            self.by_title.setdefault((fold(row.title), row.unit_id), []).append(row)
        self.target_rows = {
            (t.indicator_id, t.year): t for t in Target.objects.filter(indicator__cycle=cycle)
        }
        self.created_keys: dict[str, list[str]] = {}
        self.updated_diffs: dict[str, dict[str, Any]] = {}

    # -- bookkeeping -----------------------------------------------------------------------

    def created(self, what: str, label: str) -> None:
        self.result.count("created", what)
        self.created_keys.setdefault(what, []).append(label)

    def updated(self, what: str, label: str, changes: dict[str, Any]) -> None:
        self.result.count("updated", what)
        self.updated_diffs.setdefault(what, {})[label] = changes

    @staticmethod
    def cleaned(place: Place, clean, *args) -> dict[str, Any]:
        """The planning services' own cleaning, its message prefixed with the file's place."""
        try:
            return clean(*args)
        except ServiceError as exc:
            raise ServiceError(f"{place}: {exc.message}", field=exc.field) from exc

    def write(self, model, new: list, changed: list, fields: set[str]) -> None:
        if new:
            model.objects.bulk_create(new, batch_size=self.BATCH)
        if changed and fields:
            model.objects.bulk_update(changed, sorted(fields), batch_size=self.BATCH)

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> CommitResult:
        for objective in self.draft.valid_objectives():
            self.objective_unit(objective)
        strategics = self.save_strategics()
        groups = self.save_groups()
        staged = self.stage_objectives(strategics, groups)
        phases = self.stage_phases(staged)
        indicators = self.stage_indicators(phases)
        self.stage_targets(indicators)
        self.check_formulas([row for row, _ in indicators])
        self.result.changes = {"created": self.created_keys, "updated": self.updated_diffs}
        return self.result

    def stage_objectives(
        self, strategics: dict[str, StrategicObjective], groups: dict[str, WeightGroup]
    ) -> list[tuple[DraftObjective, OperationalObjective]]:
        staged: list[tuple[DraftObjective, OperationalObjective]] = []
        new: list[OperationalObjective] = []
        changed: list[OperationalObjective] = []
        fields: set[str] = set()
        people: dict[int, list[Person]] = {}  # index in `staged` → wanted responsabili
        now = timezone.now()
        for order, draft in enumerate(self.draft.objectives, start=1):
            if draft.blocked:
                self.result.skipped += 1
                continue
            unit = self.objective_unit(draft)
            person = self.person_for(draft.responsible)
            by_key = {p.key: p for p in self.people.values()}
            listed = [by_key[k] for k in draft.responsible_keys if k in by_key]
            wanted = listed or ([person] if person is not None else [])
            values = objective_values(draft, unit, strategics, groups)
            match = self.find_objective(draft, unit, self.objective_rows)
            if match is None:
                values["order"] = order
                values = plan._pick(values, plan.OBJECTIVE_FIELDS)
                clean = self.cleaned(draft.place, plan._clean_objective, values, self.cycle, "")
                key = draft.key if draft.key and draft.key not in self.objective_keys else ""
                key = key or free_key(self.objective_keys, clean["title"], fallback="obiettivo")
                self.objective_keys.add(key)
                row = OperationalObjective(cycle=self.cycle, key=key)
                plan._apply(row, clean)
                self.payment_share(draft, row)
                new.append(row)  # not among the rows to match: a second row is a second objective
                self.created("obiettivi", key)
            else:
                clean = self.cleaned(
                    draft.place, plan._clean_objective, values, self.cycle, match.title
                )
                before = state_of(match)
                plan._apply(match, clean)
                self.payment_share(draft, match)
                changes = diff(before, state_of(match))
                current = self.people_of.get(match.pk, set())
                if wanted and {p.pk for p in wanted} != current:
                    changes["responsibles"] = [sorted(current), sorted(p.pk for p in wanted)]
                if changes:
                    match.updated_at = now
                    fields.update(name for name in changes if name != "responsibles")
                    changed.append(match)
                    self.updated("obiettivi", match.key, changes)
                else:
                    self.result.count("unchanged", "obiettivi")
                row = match
            if wanted:
                people[len(staged)] = wanted
            staged.append((draft, row))
        self.write(OperationalObjective, new, changed, fields | {"updated_at"} if fields else set())
        self.write_responsibles(staged, people)
        return staged

    def _find_objective(self, draft: DraftObjective, unit, _existing):
        """The same rules as the per-row path (key, a unique code, title and unit), through
        indexes built once instead of a scan of every row for every row."""

        def free(row: OperationalObjective) -> bool:
            return ("objective", row.pk) not in self.claimed

        found = self.by_key.get(draft.key) if draft.key else None
        if found is not None and free(found):
            return found
        code = draft.code[:30]
        if code:
            same_code = [r for r in self.by_code.get(code, []) if free(r)]
            if len(same_code) == 1:
                return same_code[0]
        unit_id = unit.pk if unit else None
        for row in self.by_title.get((fold(draft.title), unit_id), []):
            if free(row) and (not code or row.code == code):
                return row
        return None

    def payment_share(self, draft: DraftObjective, row: OperationalObjective) -> None:
        row.cycle = self.cycle
        self.cleaned(draft.place, plan._check_payment_time_share, row)

    def write_responsibles(self, staged, people: dict[int, list[Person]]) -> None:
        through = OperationalObjective.responsibles.through
        stale: list[int] = []
        links = []
        for index, wanted in people.items():
            row = staged[index][1]
            current = self.people_of.get(row.pk, set())
            if {p.pk for p in wanted} == current:
                continue
            if current:
                stale.append(row.pk)
            links += [through(operationalobjective_id=row.pk, person_id=p.pk) for p in wanted]
        if stale:
            through.objects.filter(operationalobjective_id__in=stale).delete()
        if links:
            through.objects.bulk_create(links, batch_size=self.BATCH)

    def stage_phases(self, staged) -> list[tuple[DraftObjective, OperationalObjective, list]]:
        result = []
        new: list[Phase] = []
        changed: list[Phase] = []
        fields: set[str] = set()
        for draft, objective in staged:
            rows = list(self.phase_rows.get(objective.pk, []))
            saved = []
            for order, phase in enumerate(draft.phases, start=1):
                values = phase_values(phase, order)
                clean = self.cleaned(phase.place, plan._clean_phase, values)
                match = next(
                    (
                        r
                        for r in rows
                        if fold(r.description) == fold(phase.description)
                        and r.label == values["label"]
                    ),
                    None,
                )
                if match is None:
                    match = Phase(objective=objective)
                    plan._apply(match, clean)
                    new.append(match)
                    self.created("fasi", f"{objective.key}: {phase.description[:60]}")
                else:
                    rows.remove(match)
                    before = state_of(match)
                    plan._apply(match, clean)
                    changes = diff(before, state_of(match))
                    if changes:
                        fields.update(changes)
                        changed.append(match)
                        self.updated("fasi", f"{objective.key}#{match.pk}", changes)
                saved.append(match)
            result.append((draft, objective, saved))
        self.write(Phase, new, changed, fields)
        return result

    def stage_indicators(self, staged_phases) -> list[tuple[Indicator, DraftIndicator]]:
        result = []
        new: list[Indicator] = []
        changed: list[Indicator] = []
        fields: set[str] = set()
        for draft, objective, phases in staged_phases:
            rows = self.indicator_rows.setdefault(objective.pk, [])
            for indicator in draft.indicators:
                if indicator.blocked:
                    self.result.skipped += 1
                    continue
                phase = phases[indicator.phase_index] if indicator.phase_index is not None else None
                values = indicator_values(indicator, phase)
                values["objective"] = objective
                match = self.find_indicator(indicator, rows)
                if match is None:
                    values.update(scope=IndicatorScope.OBJECTIVE, unit=objective.unit)
                    values = plan._pick(values, plan.INDICATOR_FIELDS)
                    clean = self.cleaned(indicator.place, plan._clean_indicator, values, self.cycle)
                    self.indicator_order += 1
                    clean["order"] = self.indicator_order
                    key = indicator.key if indicator.key not in self.indicator_keys else ""
                    key = key or free_key(
                        self.indicator_keys, clean.get("code") or clean["name"], fallback="ind"
                    )
                    self.indicator_keys.add(key)
                    match = Indicator(cycle=self.cycle, key=key)
                    plan._apply(match, clean)
                    new.append(match)
                    rows.append(match)
                    self.claimed.add(("indicator", id(match)))
                    self.created("indicatori", key)
                else:
                    values = plan._pick(values, plan.INDICATOR_FIELDS)
                    clean = self.cleaned(indicator.place, plan._clean_indicator, values, self.cycle)
                    before = state_of(match)
                    plan._apply(match, clean)
                    changes = diff(before, state_of(match))
                    if changes:
                        fields.update(changes)
                        changed.append(match)
                        self.updated("indicatori", match.key, changes)
                    else:
                        self.result.count("unchanged", "indicatori")
                result.append((match, indicator))
        self.write(Indicator, new, changed, fields)
        return result

    def find_indicator(self, draft: DraftIndicator, rows: list[Indicator]) -> Indicator | None:
        def free(row: Indicator) -> bool:
            return ("indicator", row.pk if row.pk else id(row)) not in self.claimed

        candidates = [row for row in rows if free(row)]
        found = next((row for row in candidates if draft.key and row.key == draft.key), None)
        if found is None:
            name = fold(draft.name)
            found = next((row for row in candidates if fold(row.name) == name), None)
        if found is not None:
            self.claimed.add(("indicator", found.pk if found.pk else id(found)))
        return found

    def stage_targets(self, indicators: list[tuple[Indicator, DraftIndicator]]) -> None:
        new: list[Target] = []
        changed: list[Target] = []
        fields: set[str] = set()
        first, last = self.cycle.first_year, self.cycle.last_year
        for row, indicator in indicators:
            for year, target in sorted(indicator.targets.items()):
                if not first <= year <= last:
                    raise ServiceError(
                        f"{target.place}: l'anno {year} è fuori dal triennio "
                        f"{self.cycle.horizon_label} del piano.",
                        field="year",
                    )
                data = dict(target.parsed.as_data())
                clean = self.cleaned(target.place, plan._clean_target, data, year)
                values = {name: clean.get(name) for name in plan.TARGET_FIELDS}
                current = self.target_rows.get((row.pk, year))
                if current is None:
                    current = Target(indicator=row, year=year)
                    plan._apply(current, values)
                    new.append(current)
                    self.created("target", f"{row.key} {year}")
                    continue
                before = state_of(current)
                plan._apply(current, values)
                changes = diff(before, state_of(current))
                if changes:
                    fields.update(changes)
                    changed.append(current)
                    self.updated("target", f"{row.key} {year}", changes)
        self.write(Target, new, changed, fields)

    def check_formulas(self, rows: list[Indicator]) -> None:
        """Computed indicators, once every indicator of the file exists: their formulas may
        name each other whatever the order of the rows."""
        for row in rows:
            if not row.formula_expression:
                continue
            messages = validate_formula(self.cycle, row.formula_expression, indicator=row)
            if messages:
                raise ServiceError(
                    f"Indicatore «{row.name[:80]}»: " + " ".join(messages),
                    field="formula_expression",
                )


def commit_draft(
    *, user, cycle: Cycle, draft: PlanDraft, proposals: list[Proposal], choices
) -> CommitResult:
    """Write the draft: in bulk into a draft cycle, through the services (one version per
    objective) into a frozen cycle under revision."""
    kind = DraftCommit if cycle.is_frozen else BulkCommit
    return kind(user=user, cycle=cycle, draft=draft, choices=choices).run()


def objective_values(draft: DraftObjective, unit, strategics, groups) -> dict[str, Any]:
    """The fields of an operational objective as the import writes them (row by row or in bulk)."""
    return {
        "code": draft.code[:30],
        "section": draft.section[:400],
        "title": draft.title,
        "description": draft.description,
        "expected_result": draft.expected_result,
        "kind": draft.kind or ObjectiveKind.DEVELOPMENT,
        "is_transversal": draft.is_transversal,
        "is_payment_time": draft.is_payment_time,
        "unit": unit,
        "responsible_label": draft.responsible,
        "strategic_objective": strategics.get(draft.strategic),
        "weight_group": groups.get(draft.weight_group) if draft.weight is not None else None,
        "weight": draft.weight,
        "years": draft.years,
        "tags": draft.tags,
        "deadline": draft.deadline,
        "deadline_text": draft.deadline_text[:255],
        "mission_code": draft.mission_code[:4],
        "mission_name": draft.mission_name[:255],
        "programme_code": draft.programme_code[:4],
        "programme_name": draft.programme_name[:400],
    }
