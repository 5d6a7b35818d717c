"""Import a `performa-cycle` document (see docs/interchange.md).

The document is checked completely before the first write (`validation.document_errors`);
then everything is written inside one transaction, so a refused file leaves no trace.

The long lists (people, objectives, indicators, values, schede, distributions) may be read
from the file one item at a time (interchange.stream): they are written in blocks of `BATCH`
items, and of each written row only its id is kept (key -> id maps), so that the memory of an
import does not grow with the file.

Units and people belong to the ente, not to a cycle: they are matched by key and updated in
place, so that logins linked to a person and the other years of the ente keep pointing at the
same rows. With `replace=True`, the cycle of that year is deleted first and, when the ente
has no other cycle, units, people and evaluation bodies missing from the file are deleted too:
the file then describes the ente completely.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DataError, connection, connections, transaction
from django.db.models import ProtectedError, Q

from appraisal.models import (
    Behaviour,
    Conciliation,
    EvaluationScheme,
    Scheda,
    SchedaItem,
    SchedaTransition,
    SchemeBehaviour,
    SchemeComponent,
    ScoreBand,
)
from core.audit import record
from core.exceptions import ServiceError
from documents.models import ReportValidation
from interchange import spec
from interchange.fields import model_values
from interchange.validation import document_errors
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementCorrection,
    MonitoringWindow,
    ObjectiveDelegate,
    WindowSnapshot,
)
from organization.models import (
    Absence,
    Assignment,
    Employment,
    Ente,
    EvaluationBody,
    EvaluationBodyMember,
    MemberEnte,
    Parameter,
    ParameterValue,
    Person,
    Unit,
    UnitActivity,
)
from planning.models import (
    Cycle,
    Indicator,
    IndicatorGroup,
    ObjectiveUnit,
    ObjectiveVersion,
    OperationalObjective,
    OrganisationalPerformanceLevel,
    Phase,
    PlanRevision,
    StrategicArea,
    StrategicObjective,
    StrategicObjectiveArea,
    Target,
    WeightGroup,
)
from rewards import services as rewards_services
from rewards.models import Distribution, DistributionLine, Fund, IntegrativeContract


class InterchangeError(Exception):
    """The document cannot be imported; `errors` lists every message (with its JSON path)."""

    def __init__(self, errors: Iterable[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def import_cycle(data: dict[str, Any], *, user=None, replace: bool = False) -> Cycle:
    """Create the cycle described by `data` (and its ente, units, people); return it."""
    errors = document_errors(data)
    if errors:
        raise InterchangeError(errors)
    try:
        with transaction.atomic():
            return CycleImport(data, user=user, replace=replace).run()
    except ServiceError as exc:
        # A value the database cannot hold (core.limits), named with its field.
        raise InterchangeError([exc.message]) from exc
    except (DataError, OverflowError) as exc:
        raise InterchangeError([f"Un valore supera i limiti del database ({exc})."]) from exc
    except ProtectedError as exc:
        blocking = sorted({str(obj) for obj in exc.protected_objects})[:5]
        raise InterchangeError(
            [
                "Impossibile sostituire i dati esistenti: altri dati vi fanno riferimento ("
                + "; ".join(blocking)
                + ")"
            ]
        ) from exc


# Rows written per INSERT or UPDATE: the statements stay small on PostgreSQL too, and a
# bulk update (one CASE per column) does not grow with the square of the rows.
BATCH = 500


def _without(*names: str) -> frozenset[str]:
    return frozenset(names)


def blocks(items: Iterable[Any]) -> Iterator[list[Any]]:
    """The items in lists of at most `BATCH`: one block is in memory at a time."""
    block: list[Any] = []
    for item in items:
        block.append(item)
        if len(block) >= BATCH:
            yield block
            block = []
    if block:
        yield block


def _create(model, rows: Iterable[Any]) -> None:
    """Insert the rows one block at a time (see `_insert_rows`)."""
    for block in blocks(rows):
        _insert_rows(model, block)


class CycleImport:
    """One import run. Keeps the key -> row maps that resolve references."""

    def __init__(self, data: dict[str, Any], *, user, replace: bool):
        self.data = data
        self.user = user
        self.replace = replace
        self.units: dict[str, Unit] = {}
        self.people: dict[str, int] = {}  # key -> id
        self.parameters: dict[tuple[str, str], Parameter] = {}

    def run(self) -> Cycle:
        self.ente = self.save_ente()
        prune = self.clear_existing_cycle()
        self.save_people(prune)
        self.save_units(prune)
        self.save_person_details()
        self.save_unit_details()
        self.save_evaluation_bodies(prune)
        self.save_integrative_contracts(prune)
        behaviours = self.save_behaviours(prune)
        cycle = CyclePlanImport(self.data["cycle"], self.ente, self.units, self.people, self.user)
        result = cycle.run()
        monitoring = MonitoringImport(self.data["cycle"], result, cycle, self.parameters)
        monitoring.run()
        appraisal = AppraisalImport(self.data["cycle"], result, cycle, behaviours, self.user)
        appraisal.run()
        record(
            user=self.user,
            action="cycle.import",
            obj=result,
            ente=self.ente,
            changes={
                "replace": self.replace,
                "units": len(self.units),
                "people": len(self.people),
                "objectives": len(cycle.objectives),
                "indicators": cycle.indicator_count,
                "measurements": monitoring.measurement_count,
                "schede": appraisal.scheda_count,
                "distributions": appraisal.distribution_count,
            },
        )
        return result

    # --- ente ---------------------------------------------------------------------------------

    def save_ente(self) -> Ente:
        item = self.data["ente"]
        values = model_values(spec.ENTE, item, _without("slug"))
        # Stored complete (`SmvpSettings.to_dict()`), or empty when they are the defaults.
        values["smvp_settings"] = spec.canonical_smvp(item.get("smvp_settings")) or {}
        ente = Ente.objects.filter(slug=item["slug"]).first() or Ente(slug=item["slug"])
        for name, value in values.items():
            setattr(ente, name, value)
        ente.save()
        # The file is the current description of the ente: its member list replaces ours.
        MemberEnte.objects.filter(ente=ente).delete()
        MemberEnte.objects.bulk_create(
            (
                MemberEnte(ente=ente, order=index, **model_values(spec.MEMBER_ENTE, member))
                for index, member in enumerate(item.get("members") or [])
            ),
            batch_size=BATCH,
        )
        return ente

    def clear_existing_cycle(self) -> bool:
        """Refuse or delete an existing cycle of the year; True when the ente starts afresh."""
        year = self.data["cycle"]["year"]
        existing = Cycle.objects.filter(ente=self.ente, year=year).first()
        if existing is not None and not self.replace:
            raise InterchangeError(
                [
                    f'$.cycle.year: il ciclo {year} dell\'ente "{self.ente.slug}" esiste già; '
                    "per sostituirlo importare con --replace"
                ]
            )
        if existing is not None:
            # A version may point at a revision of the same cycle, a correction at a window
            # (PROTECT): both go anyway.
            ObjectiveVersion.objects.filter(objective__cycle=existing).delete()
            MeasurementCorrection.objects.filter(window__cycle=existing).delete()
            # Distributions and schede point at people, schemes and objectives (PROTECT).
            Distribution.objects.filter(cycle=existing).delete()
            Scheda.objects.filter(cycle=existing).delete()
            existing.delete()
        return self.replace and not Cycle.objects.filter(ente=self.ente).exists()

    # --- people and units ---------------------------------------------------------------------

    def save_people(self, prune: bool) -> None:
        existing = dict(Person.objects.filter(ente=self.ente).values_list("key", "pk"))
        skip = _without("employments", "assignments", "absences")
        fields = [f.name for f in spec.PERSON.fields if f.name not in skip]
        for block in blocks(self.data.get("people") or []):
            # A person already known keeps its row (and what points at it): only the fields
            # of the file are written on it.
            rows = [
                Person(
                    pk=existing.get(item["key"]),
                    ente=self.ente,
                    **model_values(spec.PERSON, item, skip),
                )
                for item in block
            ]
            _save_rows(Person, rows, fields)
            self.people.update((p.key, p.pk) for p in rows)
        if prune:
            Person.objects.filter(ente=self.ente).exclude(key__in=self.people).delete()

    def save_units(self, prune: bool) -> None:
        items = self.data.get("units") or []
        existing = {u.key: u for u in Unit.objects.filter(ente=self.ente)}
        skip = _without("activities", "parameters")
        rows = []
        for index, item in enumerate(items):
            unit = existing.get(item["key"]) or Unit(ente=self.ente)
            for name, value in model_values(spec.UNIT, item, skip).items():
                setattr(unit, name, value)
            unit.order = index
            rows.append(unit)
        fields = [f.name for f in spec.UNIT.fields if f.name not in skip]
        # New units are created first without links: a parent may be new as well.
        _save_rows(
            Unit, rows, [n for n in fields if n not in ("parent", "responsible")] + ["order"]
        )
        self.units = {u.key: u for u in rows}
        for unit, item in zip(rows, items, strict=True):
            unit.parent = self.units.get(item.get("parent"))
            unit.responsible_id = self.people.get(item.get("responsible"))
        Unit.objects.bulk_update(rows, ["parent", "responsible"], batch_size=BATCH)
        if prune:
            Unit.objects.filter(ente=self.ente).exclude(key__in=self.units).delete()
        else:
            self.move_other_units_last(existing, len(rows))

    def move_other_units_last(self, existing: dict[str, Unit], start: int) -> None:
        """Units the file does not list (used by other years) follow the file's units."""
        others = [u for key, u in existing.items() if key not in self.units]
        others.sort(key=lambda unit: (unit.order, unit.pk))
        for offset, unit in enumerate(others):
            unit.order = start + offset
        Unit.objects.bulk_update(others, ["order"], batch_size=BATCH)

    def save_unit_details(self) -> None:
        """Activities and parameter values are replaced; parameters are matched by key and
        updated in place, because the measurements of other years point at them."""
        items = self.data.get("units") or []
        units = list(self.units.values())
        UnitActivity.objects.filter(unit__in=units).delete()
        existing = {(p.unit_id, p.key): p for p in Parameter.objects.filter(unit__in=units)}
        skip = _without("values")
        activities, parameters, value_items = [], [], []
        for item in items:
            unit = self.units[item["key"]]
            for index, activity in enumerate(item.get("activities") or []):
                activities.append(UnitActivity(unit=unit, text=activity, order=index))
            for index, p_item in enumerate(item.get("parameters") or []):
                parameter = existing.pop((unit.pk, p_item["key"]), None) or Parameter(unit=unit)
                for name, value in model_values(spec.PARAMETER, p_item, skip).items():
                    setattr(parameter, name, value)
                parameter.order = index
                parameters.append(parameter)
                value_items.append(p_item.get("values") or [])
        Parameter.objects.filter(pk__in=[p.pk for p in existing.values()]).delete()
        UnitActivity.objects.bulk_create(activities, batch_size=BATCH)
        fields = [f.name for f in spec.PARAMETER.fields if f.name not in skip] + ["order"]
        _save_rows(Parameter, parameters, fields)
        ParameterValue.objects.filter(parameter__in=parameters).delete()
        unit_keys = {unit.pk: key for key, unit in self.units.items()}
        self.parameters = {(unit_keys[p.unit_id], p.key): p for p in parameters}
        ParameterValue.objects.bulk_create(
            (
                ParameterValue(parameter=parameter, **model_values(spec.PARAMETER_VALUE, value))
                for parameter, values in zip(parameters, value_items, strict=True)
                for value in values
            ),
            batch_size=BATCH,
        )

    def save_person_details(self) -> None:
        items = self.data.get("people") or []
        people = list(self.people.values())
        for model in (Employment, Assignment, Absence):
            model.objects.filter(person__in=people).delete()
        employers = self.employers(items)
        order = 0  # a running position keeps, within each unit, the order of the document
        for block in blocks(items):
            employments, assignments, absences = [], [], []
            for item in block:
                person = self.people[item["key"]]
                for e_item in item.get("employments") or []:
                    values = model_values(spec.EMPLOYMENT, e_item)
                    employer = employers.get(values["employer_name"])
                    employments.append(Employment(person_id=person, employer=employer, **values))
                for a_item in item.get("assignments") or []:
                    values = model_values(spec.ASSIGNMENT, a_item)
                    values["unit"] = self.units[a_item["unit"]]
                    assignments.append(Assignment(person_id=person, order=order, **values))
                    order += 1
                for b_item in item.get("absences") or []:
                    values = model_values(spec.ABSENCE, b_item)
                    absences.append(Absence(person_id=person, **values))
            _create(Employment, employments)
            _create(Assignment, assignments)
            _create(Absence, absences)

    def employers(self, items: Iterable[dict[str, Any]]) -> dict[str, Ente]:
        """Employer name -> ente when Performa manages it; "" is the ente itself."""
        names = {
            e.get("employer_name")
            for item in items
            for e in item.get("employments") or []
            if e.get("employer_name")
        }
        found: dict[str, Ente] = {"": self.ente}
        if names:
            for ente in Ente.objects.filter(Q(name__in=names) | Q(short_name__in=names)):
                found.setdefault(ente.name, ente)
                if ente.short_name:
                    found.setdefault(ente.short_name, ente)
        return found

    def save_behaviours(self, prune: bool) -> dict[str, Behaviour]:
        """The dictionary of behaviours belongs to the ente: matched by key and updated in
        place (the schemes of other years point at it); with `prune`, the rest is deleted."""
        items = self.data["ente"].get("behaviours") or []
        existing = {b.key: b for b in Behaviour.objects.filter(ente=self.ente)}
        rows = []
        for index, item in enumerate(items):
            behaviour = existing.pop(item["key"], None) or Behaviour(ente=self.ente)
            for name, value in model_values(spec.BEHAVIOUR, item).items():
                setattr(behaviour, name, value)
            behaviour.levels = [_level(level) for level in item.get("levels") or []]
            behaviour.order = index
            rows.append(behaviour)
        fields = [f.name for f in spec.BEHAVIOUR.fields] + ["order"]
        _save_rows(Behaviour, rows, fields)
        if prune:
            Behaviour.objects.filter(pk__in=[b.pk for b in existing.values()]).delete()
        else:
            others = sorted(existing.values(), key=lambda b: (b.order, b.pk))
            for offset, behaviour in enumerate(others):
                behaviour.order = len(rows) + offset
            Behaviour.objects.bulk_update(others, ["order"], batch_size=BATCH)
        behaviours = {b.key: b for b in rows}
        behaviours.update(existing)
        return behaviours

    def save_integrative_contracts(self, prune: bool) -> None:
        """The contracts of the file (1.2, optional), through the rewards service that checks
        their rules as the page does; a file without them leaves the ente's contracts alone."""
        if "integrative_contracts" not in self.data:
            return
        items = self.data["integrative_contracts"] or []
        if prune:
            IntegrativeContract.objects.filter(ente=self.ente).delete()
        for index, item in enumerate(items):
            try:
                rewards_services.integrative_contract_save(
                    user=None,
                    ente=self.ente,
                    label=item["label"],
                    first_year=item["first_year"],
                    last_year=item.get("last_year"),
                    act_label=item.get("act_label", ""),
                    parameters=item.get("parameters") or {},
                )
            except ServiceError as exc:
                raise ServiceError(f"$.integrative_contracts[{index}]: {exc}") from exc

    def save_evaluation_bodies(self, prune: bool) -> None:
        items = self.data.get("evaluation_bodies") or []
        current = EvaluationBody.objects.filter(ente=self.ente)
        if not prune:
            # Another year of a known ente: only the bodies the file lists are rewritten.
            same = Q(pk__in=[])
            for item in items:
                same |= Q(kind=item["kind"], name=item["name"])
            current = current.filter(same)
        current.delete()
        skip = _without("members")
        bodies = [
            EvaluationBody(ente=self.ente, **model_values(spec.EVALUATION_BODY, item, skip))
            for item in items
        ]
        EvaluationBody.objects.bulk_create(bodies, batch_size=BATCH)
        EvaluationBodyMember.objects.bulk_create(
            (
                EvaluationBodyMember(
                    body=body,
                    order=index,
                    person_id=self.people.get(member.get("person")),
                    **model_values(spec.BODY_MEMBER, member, _without("person")),
                )
                for body, item in zip(bodies, items, strict=True)
                for index, member in enumerate(item.get("members") or [])
            ),
            batch_size=BATCH,
        )


def _save_rows(model, rows: list, fields: list[str]) -> None:
    """Insert the new rows and update the existing ones, in two queries."""
    new = [row for row in rows if row.pk is None]
    old = [row for row in rows if row.pk is not None]
    _insert_rows(model, new)
    if old:
        model.objects.bulk_update(old, [name for name in fields if name != "key"], batch_size=BATCH)


class CyclePlanImport:
    """The `cycle` section: the plan itself, always created afresh."""

    def __init__(self, item: dict[str, Any], ente: Ente, units, people, user):
        self.item = item
        self.ente = ente
        self.units: dict[str, Unit] = units
        self.people: dict[str, int] = people
        self.user = user
        # key -> id of what the long lists created; an objective's phases by position.
        self.objectives: dict[str, int] = {}
        self.phases: dict[str, list[int]] = {}
        self.indicators: dict[str, int] = {}
        self.indicator_count = 0

    def items(self, name: str) -> Iterable[dict[str, Any]]:
        return self.item.get(name) or []

    def run(self) -> Cycle:
        plain = _without(*(f.name for f in spec.CYCLE.fields if f.kind == spec.OBJECTS))
        self.cycle = Cycle.objects.create(
            ente=self.ente, **model_values(spec.CYCLE, self.item, plain)
        )
        OrganisationalPerformanceLevel.objects.bulk_create(
            (
                OrganisationalPerformanceLevel(
                    cycle=self.cycle, order=index, **model_values(spec.ORG_LEVEL, level)
                )
                for index, level in enumerate(self.items("org_levels"))
            ),
            batch_size=BATCH,
        )
        self.save_strategy()
        self.save_weight_groups()
        self.save_objectives()
        self.save_indicator_groups()
        self.save_indicators()
        PlanRevision.objects.bulk_create(
            (
                PlanRevision(
                    cycle=self.cycle,
                    created_by=_user_or_none(self.user),
                    **model_values(spec.REVISION, r),
                )
                for r in self.items("revisions")
            ),
            batch_size=BATCH,
        )
        return self.cycle

    def save_strategy(self) -> None:
        areas = [
            StrategicArea(cycle=self.cycle, order=index, **model_values(spec.STRATEGIC_AREA, item))
            for index, item in enumerate(self.items("strategic_areas"))
        ]
        StrategicArea.objects.bulk_create(areas, batch_size=BATCH)
        self.areas = {a.key: a for a in areas}
        skip = _without("area", "areas", "units")
        items = self.items("strategic_objectives")
        area_keys = [spec.strategic_areas(item) for item in items]
        objectives = [
            StrategicObjective(
                cycle=self.cycle,
                order=index,
                area=self.areas[keys[0]] if keys else None,
                **model_values(spec.STRATEGIC_OBJECTIVE, item, skip),
            )
            for index, (item, keys) in enumerate(zip(items, area_keys, strict=True))
        ]
        StrategicObjective.objects.bulk_create(objectives, batch_size=BATCH)
        self.strategic = {o.key: o for o in objectives}
        StrategicObjectiveArea.objects.bulk_create(
            (
                StrategicObjectiveArea(strategic_objective=objective, area=self.areas[key], order=n)
                for objective, keys in zip(objectives, area_keys, strict=True)
                for n, key in enumerate(keys[1:], start=1)
            ),
            batch_size=BATCH,
        )
        through = StrategicObjective.units.through
        through.objects.bulk_create(
            (
                through(strategicobjective=objective, unit=self.units[key])
                for objective, item in zip(
                    objectives, self.items("strategic_objectives"), strict=True
                )
                for key in item.get("units") or []
            ),
            batch_size=BATCH,
        )

    def save_weight_groups(self) -> None:
        skip = _without("unit", "responsible")
        groups = [
            WeightGroup(
                cycle=self.cycle,
                order=index,
                unit=self.units.get(item.get("unit")),
                responsible_id=self.people.get(item.get("responsible")),
                **model_values(spec.WEIGHT_GROUP, item, skip),
            )
            for index, item in enumerate(self.items("weight_groups"))
        ]
        WeightGroup.objects.bulk_create(groups, batch_size=BATCH)
        self.weight_groups = {g.key: g for g in groups}

    def save_objectives(self) -> None:
        for block in blocks(self.items("objectives")):
            self.save_objective_block(block)

    def save_objective_block(self, items: list[dict[str, Any]]) -> None:
        skip = _without(
            "unit", "units", "responsibles", "strategic_objective", "weight_group", "phases"
        )
        unit_keys = [spec.objective_units(item) for item in items]
        objectives = [
            OperationalObjective(
                cycle=self.cycle,
                order=len(self.objectives) + index,
                unit=self.units[keys[0]] if keys else None,
                strategic_objective=self.strategic.get(item.get("strategic_objective")),
                weight_group=self.weight_groups.get(item.get("weight_group")),
                **model_values(spec.OBJECTIVE, item, skip),
            )
            for index, (item, keys) in enumerate(zip(items, unit_keys, strict=True))
        ]
        _insert_rows(OperationalObjective, objectives)
        self.objectives.update((o.key, o.pk) for o in objectives)
        _create(
            ObjectiveUnit,
            (
                ObjectiveUnit(objective=objective, unit=self.units[key], order=n)
                for objective, keys in zip(objectives, unit_keys, strict=True)
                for n, key in enumerate(keys[1:], start=1)
            ),
        )
        through = OperationalObjective.responsibles.through
        _create(
            through,
            (
                through(operationalobjective=objective, person_id=self.people[key])
                for objective, item in zip(objectives, items, strict=True)
                for key in item.get("responsibles") or []
            ),
        )
        phases = [
            Phase(objective=objective, order=index, **model_values(spec.PHASE, phase))
            for objective, item in zip(objectives, items, strict=True)
            for index, phase in enumerate(item.get("phases") or [])
        ]
        _create(Phase, phases)
        for phase in phases:
            self.phases.setdefault(phase.objective.key, []).append(phase.pk)

    def save_indicator_groups(self) -> None:
        items = self.items("indicator_groups")
        skip = _without("unit", "parent")
        groups = [
            IndicatorGroup(
                cycle=self.cycle,
                order=index,
                unit=self.units.get(item.get("unit")),
                **model_values(spec.INDICATOR_GROUP, item, skip),
            )
            for index, item in enumerate(items)
        ]
        IndicatorGroup.objects.bulk_create(groups, batch_size=BATCH)
        self.groups = {g.key: g for g in groups}
        children = []
        for group, item in zip(groups, items, strict=True):
            if item.get("parent") is not None:
                group.parent = self.groups[item["parent"]]
                children.append(group)
        IndicatorGroup.objects.bulk_update(children, ["parent"], batch_size=BATCH)

    def save_indicators(self) -> None:
        for block in blocks(self.items("indicators")):
            self.save_indicator_block(block)

    def save_indicator_block(self, items: list[dict[str, Any]]) -> None:
        skip = _without("group", "objective", "strategic_objective", "phase", "unit", "targets")
        indicators = []
        for item in items:
            objective_key = item.get("objective")
            phase_index = item.get("phase")
            phase = None if phase_index is None else self.phases[objective_key][phase_index]
            indicators.append(
                Indicator(
                    cycle=self.cycle,
                    order=self.indicator_count + len(indicators),
                    group=self.groups.get(item.get("group")),
                    objective_id=self.objectives.get(objective_key),
                    strategic_objective=self.strategic.get(item.get("strategic_objective")),
                    phase_id=phase,
                    unit=self.units.get(item.get("unit")),
                    **model_values(spec.INDICATOR, item, skip),
                )
            )
        _insert_rows(Indicator, indicators)
        self.indicator_count += len(indicators)
        self.indicators.update((indicator.key, indicator.pk) for indicator in indicators)
        _create(
            Target,
            (
                Target(indicator=indicator, **model_values(spec.TARGET, target))
                for indicator, item in zip(indicators, items, strict=True)
                for target in item.get("targets") or []
            ),
        )


class MonitoringImport:
    """Windows (with their frozen snapshots), values, evidence metadata, corrections,
    delegates and corrective actions of the cycle just created."""

    def __init__(self, item: dict[str, Any], cycle: Cycle, plan: CyclePlanImport, parameters):
        self.item = item
        self.cycle = cycle
        self.plan = plan
        self.parameters: dict[tuple[str, str], Parameter] = parameters
        self.measurement_count = 0

    def items(self, name: str) -> Iterable[dict[str, Any]]:
        return self.item.get(name) or []

    def run(self) -> None:
        self.save_windows()
        self.save_measurements()
        self.save_delegates()
        self.save_corrective_actions()

    def save_windows(self) -> None:
        items = self.items("monitoring_windows")
        windows = [
            MonitoringWindow(
                cycle=self.cycle, **model_values(spec.MONITORING_WINDOW, w, _without("snapshot"))
            )
            for w in items
        ]
        MonitoringWindow.objects.bulk_create(windows, batch_size=BATCH)
        self.windows = {w.key: w for w in windows}
        WindowSnapshot.objects.bulk_create(
            (
                WindowSnapshot(window=window, data=item["snapshot"])
                for window, item in zip(windows, items, strict=True)
                if item.get("snapshot") is not None
            ),
            batch_size=BATCH,
        )

    def save_measurements(self) -> None:
        for block in blocks(self.items("measurements")):
            self.save_measurement_block(block)

    def save_measurement_block(self, items: list[dict[str, Any]]) -> None:
        indicators = self.plan.indicators
        skip = _without("indicator", "parameter", "evidence", "corrections")
        measurements = []
        for item in items:
            parameter = item.get("parameter")
            measurements.append(
                Measurement(
                    cycle=self.cycle,
                    indicator_id=indicators.get(item.get("indicator")),
                    parameter=(
                        None
                        if parameter is None
                        else self.parameters[(parameter["unit"], parameter["key"])]
                    ),
                    **model_values(spec.MEASUREMENT, item, skip),
                )
            )
        _insert_rows(Measurement, measurements)
        self.measurement_count += len(measurements)
        # The file describes evidence, not the files themselves: the rows have no file.
        _create(
            Evidence,
            (
                Evidence(measurement=measurement, file="", **model_values(spec.EVIDENCE, e))
                for measurement, item in zip(measurements, items, strict=True)
                for e in item.get("evidence") or []
            ),
        )
        corrections, moments = [], []
        for measurement, item in zip(measurements, items, strict=True):
            for c_item in item.get("corrections") or []:
                values = model_values(spec.CORRECTION, c_item, _without("window"))
                moments.append(values.pop("corrected_at"))
                corrections.append(
                    MeasurementCorrection(
                        measurement=measurement, window=self.windows[c_item["window"]], **values
                    )
                )
        _create_with_moments(MeasurementCorrection, corrections, "corrected_at", moments)

    def save_delegates(self) -> None:
        ObjectiveDelegate.objects.bulk_create(
            (
                ObjectiveDelegate(
                    objective_id=self.plan.objectives[item["objective"]],
                    person_id=self.plan.people[item["person"]],
                )
                for item in self.items("delegates")
            ),
            batch_size=BATCH,
        )

    def save_corrective_actions(self) -> None:
        actions, moments = [], []
        skip = _without("objective", "window")
        for item in self.items("corrective_actions"):
            values = model_values(spec.CORRECTIVE_ACTION, item, skip)
            moments.append(values.pop("recorded_at"))
            actions.append(
                CorrectiveAction(
                    objective_id=self.plan.objectives[item["objective"]],
                    window=self.windows.get(item.get("window")),
                    **values,
                )
            )
        _create_with_moments(CorrectiveAction, actions, "recorded_at", moments)


def _level(item: dict[str, Any]) -> dict[str, Any]:
    """A level as `appraisal.services` stores it: an integral score as a number."""
    score = spec.parse_decimal(item["score"])
    integral = score == score.to_integral_value()
    plain: int | str = int(score) if integral else spec.format_decimal(score)
    return {"score": plain, "descriptor": item["descriptor"]}


class AppraisalImport:
    """Schemes, schede (items, transitions, conciliation), the validation of the Relazione,
    the funds of the cycle's year and the distributions."""

    def __init__(self, item, cycle: Cycle, plan: CyclePlanImport, behaviours, user):
        self.item = item
        self.cycle = cycle
        self.plan = plan
        self.behaviours: dict[str, Behaviour] = behaviours
        self.user = user
        self.scheda_count = 0
        self.distribution_count = 0
        self.schede: dict[str, int] = {}  # person key -> id

    def items(self, name: str) -> Iterable[dict[str, Any]]:
        return self.item.get(name) or []

    def run(self) -> None:
        self.save_schemes()
        self.save_schede()
        validation = self.item.get("report_validation")
        if validation is not None:
            ReportValidation.objects.create(
                cycle=self.cycle,
                recorded_by=_user_or_none(self.user),
                **model_values(spec.REPORT_VALIDATION, validation),
            )
        self.save_funds()
        self.save_distributions()

    def save_schemes(self) -> None:
        items = self.items("schemes")
        skip = _without("components", "bands")
        schemes = [
            EvaluationScheme(cycle=self.cycle, order=index, **model_values(spec.SCHEME, s, skip))
            for index, s in enumerate(items)
        ]
        EvaluationScheme.objects.bulk_create(schemes, batch_size=BATCH)
        self.schemes = {s.key: s for s in schemes}
        self.components: dict[tuple[str, str], SchemeComponent] = {}
        self.bands: dict[str, list[ScoreBand]] = {}
        components, links, bands = [], [], []
        for scheme, item in zip(schemes, items, strict=True):
            for index, c_item in enumerate(item.get("components") or []):
                component = SchemeComponent(
                    scheme=scheme,
                    order=index,
                    **model_values(spec.SCHEME_COMPONENT, c_item, _without("behaviours")),
                )
                components.append(component)
                self.components[(scheme.key, component.key)] = component
                for b_index, b_item in enumerate(c_item.get("behaviours") or []):
                    links.append(
                        SchemeBehaviour(
                            component=component,
                            behaviour=self.behaviours[b_item["behaviour"]],
                            order=b_index,
                            **model_values(spec.SCHEME_BEHAVIOUR, b_item, _without("behaviour")),
                        )
                    )
            self.bands[scheme.key] = [
                ScoreBand(scheme=scheme, order=index, **model_values(spec.SCORE_BAND, b))
                for index, b in enumerate(item.get("bands") or [])
            ]
            bands.extend(self.bands[scheme.key])
        SchemeComponent.objects.bulk_create(components, batch_size=BATCH)
        SchemeBehaviour.objects.bulk_create(links, batch_size=BATCH)
        ScoreBand.objects.bulk_create(bands, batch_size=BATCH)

    def save_schede(self) -> None:
        for block in blocks(self.items("schede")):
            schede = self.create_schede(block)
            self.save_scheda_details(schede, block)

    def create_schede(self, items: list[dict[str, Any]]) -> list[Scheda]:
        people, units = self.plan.people, self.plan.units
        skip = _without("items", "transitions", "conciliation", "band")
        schede = []
        for item in items:
            band = item.get("band")
            schede.append(
                Scheda(
                    cycle=self.cycle,
                    person_id=people[item["person"]],
                    scheme=self.schemes[item["scheme"]],
                    unit=units.get(item.get("unit")),
                    evaluator_id=people.get(item.get("evaluator")),
                    band=None if band is None else self.bands[item["scheme"]][band],
                    **model_values(spec.SCHEDA, item, skip),
                )
            )
        _insert_rows(Scheda, schede)
        self.scheda_count += len(schede)
        self.schede.update(
            (item["person"], scheda.pk) for scheda, item in zip(schede, items, strict=True)
        )
        return schede

    def save_scheda_details(self, schede: list[Scheda], items: list[dict[str, Any]]) -> None:
        scheda_items, transitions, moments, conciliations = [], [], [], []
        objectives = self.plan.objectives
        item_skip = _without("component", "behaviour", "objective")
        for scheda, item in zip(schede, items, strict=True):
            for i_item in item.get("items") or []:
                scheda_items.append(
                    SchedaItem(
                        scheda=scheda,
                        component=self.components[(item["scheme"], i_item["component"])],
                        behaviour=self.behaviours.get(i_item.get("behaviour")),
                        objective_id=objectives.get(i_item.get("objective")),
                        **model_values(spec.SCHEDA_ITEM, i_item, item_skip),
                    )
                )
            for t_item in item.get("transitions") or []:
                values = model_values(spec.SCHEDA_TRANSITION, t_item)
                moments.append(values.pop("at"))
                transitions.append(SchedaTransition(scheda=scheda, **values))
            conciliation = item.get("conciliation")
            if conciliation is not None:
                conciliations.append(
                    Conciliation(scheda=scheda, **model_values(spec.CONCILIATION, conciliation))
                )
        _create(SchedaItem, scheda_items)
        _create_with_moments(SchedaTransition, transitions, "at", moments)
        _create(Conciliation, conciliations)

    def save_funds(self) -> None:
        """The funds of the cycle's year are replaced by those of the file."""
        old = Fund.objects.filter(ente=self.cycle.ente, year=self.cycle.year)
        Distribution.objects.filter(fund__in=old).delete()
        old.delete()
        funds = [
            Fund(ente=self.cycle.ente, year=self.cycle.year, **model_values(spec.FUND, item))
            for item in self.items("funds")
        ]
        Fund.objects.bulk_create(funds, batch_size=BATCH)
        self.funds = {fund.kind: fund for fund in funds}

    def save_distributions(self) -> None:
        for block in blocks(self.items("distributions")):
            distributions, moments = [], []
            for item in block:
                values = model_values(spec.DISTRIBUTION, item, _without("fund"))
                moments.append(values.pop("created_at"))
                distributions.append(
                    Distribution(
                        fund=self.funds[item["fund"]],
                        cycle=self.cycle,
                        created_by=_user_or_none(self.user),
                        **values,
                    )
                )
            _create_with_moments(Distribution, distributions, "created_at", moments)
            self.distribution_count += len(distributions)
            skip = _without("person", "scheda")
            _create(
                DistributionLine,
                (
                    DistributionLine(
                        distribution=distribution,
                        person_id=self.plan.people[line["person"]],
                        scheda_id=self.schede.get(line.get("scheda")),
                        **model_values(spec.DISTRIBUTION_LINE, line, skip),
                    )
                    for distribution, item in zip(distributions, block, strict=True)
                    for line in item.get("lines") or []
                ),
            )


def _create_with_moments(model, rows: list, name: str, moments: list) -> None:
    """Insert rows whose `name` column is `auto_now_add` with the file's moments in it.

    `bulk_create` always writes the current time into such a column; correcting it afterwards
    took one UPDATE per batch (a CASE per row: 25,000 scheda transitions cost more than their
    insert). A raw insert, the one `loaddata` uses, writes the values as they are, so the
    moment goes in with the row. None of these models has another column filled at save.
    """
    for row, moment in zip(rows, moments, strict=True):
        setattr(row, name, moment)
    _insert_rows(model, rows, raw=True)


def _insert_rows(model, rows: list, *, raw: bool = False) -> None:
    """Insert `rows` and set their ids, as `bulk_create` does, in multi-row INSERTs.

    Each value goes through the field's `pre_save` (skipped when `raw`, as for `loaddata`)
    and `get_db_prep_save`, the two steps `bulk_create` takes, so the stored values are the
    same; what is left out is the compilation of the statement, which for the big tables of
    a metropolitan file cost more than the database: here the SQL of a block is built once
    per model and block size.
    """
    if not rows:
        return
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    if not _plain_insert_possible(fields):
        _django_insert(model, rows, fields, raw)
        return
    # The wrapper itself, not the `connection` proxy: each value would look it up again.
    db = connections[DEFAULT_DB_ALIAS]
    size = min(BATCH, db.ops.bulk_batch_size(fields, rows) or BATCH)
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        params: list[Any] = []
        for row in batch:
            row._prepare_related_fields_for_save(operation_name="bulk_create")
            for field in fields:
                value = getattr(row, field.attname) if raw else field.pre_save(row, True)
                params.append(field.get_db_prep_save(value, db))
        with db.cursor() as cursor:
            cursor.execute(_insert_sql(db, model, len(batch)), params)
            ids = cursor.fetchall()
        for row, (pk,) in zip(batch, ids, strict=True):
            setattr(row, meta.pk.attname, pk)
            row._state.adding = False
            row._state.db = db.alias


def _plain_insert_possible(fields: list) -> bool:
    """A multi-row INSERT … RETURNING with plain placeholders (SQLite ≥ 3.35); a field with
    its own placeholder (none of Performa's) would need Django's compiler.

    On PostgreSQL `bulk_create` already sends one array per column (`INSERT … SELECT * FROM
    UNNEST(…)`), which costs less than this statement's one placeholder per value (measured on
    the metropolitan file: 25.6 s of CPU against 36.7 s), so it keeps Django's insert."""
    return (
        connection.vendor != "postgresql"
        and connection.features.can_return_rows_from_bulk_insert
        and not any(hasattr(field, "get_placeholder") for field in fields)
    )


def _django_insert(model, rows: list, fields: list, raw: bool) -> None:
    if not raw:
        model.objects.bulk_create(rows, batch_size=BATCH)
        return
    returning = model._meta.db_returning_fields
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        returned = model._base_manager._insert(
            batch, fields=fields, returning_fields=returning, raw=True
        )
        for row, values in zip(batch, returned or [], strict=False):
            for field, value in zip(returning, values, strict=True):
                setattr(row, field.attname, value)
        for row in batch:
            row._state.adding = False
            row._state.db = connection.alias


# (connection vendor, model label, rows) -> SQL: a block of 500 rows is the usual case.
_INSERT_SQL: dict[tuple[str, str, int], str] = {}


def _insert_sql(db, model, count: int) -> str:
    cache_key = (db.vendor, model._meta.label, count)
    sql = _INSERT_SQL.get(cache_key)
    if sql is None:
        meta = model._meta
        quote = db.ops.quote_name
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        columns = ", ".join(quote(f.column) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        returning, _ = db.ops.return_insert_columns([meta.pk])
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
        sql += ", ".join([row] * count) + " " + returning
        _INSERT_SQL[cache_key] = sql
    return sql


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None
