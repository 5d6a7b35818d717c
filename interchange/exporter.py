"""Export a cycle as a canonical `performa-cycle` document (see docs/interchange.md).

Every list is read with one query, or with one query per block of `CHUNK` rows for the
long ones (references become keys through id -> key maps rather than joins), so the number
of queries does not depend on the size of the plan but only on that of its longest lists.
Lists follow `order` then id; lists without an `order` column (people, employments,
absences, targets…) follow creation order, which for an imported plan is the order of the file.

The long lists (people, objectives, indicators, measurements, schede, distributions) are
`Rows`: produced block by block while the document is written by `write_cycle`, so that the
memory needed does not grow with the plan. `export_cycle` gives the same document as a dict.
Their rows and those of their nested lists are plain `values()` dicts (no model instances, no
`prefetch_related`: one query per nested list and block), put in canonical form by a `_Shape`
compiled once per spec and encoded by `_json_text`, which writes what `json.dumps(…, indent=2)`
writes at a fraction of the cost (issue 12: the metropolitan export from 26 s to 5 s of CPU).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from json.encoder import encode_basestring
from typing import Any

from django.db.models import Prefetch

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
from documents.models import ReportValidation
from interchange import spec
from interchange.fields import document_values, plain_fields
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementCorrection,
    MonitoringWindow,
    ObjectiveDelegate,
)
from organization.models import (
    Absence,
    Assignment,
    Employment,
    EvaluationBody,
    EvaluationBodyMember,
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
    OperationalObjective,
    Phase,
    StrategicObjective,
    StrategicObjectiveArea,
    Target,
)
from rewards.models import Distribution, DistributionLine, Fund, IntegrativeContract

IN_ORDER = ("order", "id")
# Rows read per query by the long lists (and held in memory at once).
CHUNK = 2000
DISTRIBUTION_CHUNK = 100
INDENT = "  "


def dumps(data: dict[str, Any]) -> str:
    """The text of a document: two-space indentation, UTF-8 characters, a final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class Rows:
    """A list of the document whose items are produced only while it is written (once)."""

    def __init__(self, items: Iterable[Any]):
        self._items = iter(items)
        self._head: list[Any] = []

    def is_empty(self) -> bool:
        if not self._head:
            for item in self._items:
                self._head.append(item)
                break
        return not self._head

    def __iter__(self) -> Iterator[Any]:
        yield from self._head
        self._head.clear()
        yield from self._items


def export_cycle(cycle: Cycle) -> dict[str, Any]:
    """The canonical document of `cycle`, with its ente, units, people and bodies."""
    return _materialize(_canonical(spec.DOCUMENT, _document(cycle)))


def write_cycle(cycle: Cycle, write: Callable[[str], Any]) -> None:
    """Write the text of `export_cycle(cycle)` (the same bytes as `dumps`) piece by piece."""
    _write_json(_canonical(spec.DOCUMENT, _document(cycle)), write, 0)
    write("\n")


def _canonical(object_spec: spec.ObjectSpec, data: dict[str, Any]) -> dict[str, Any]:
    """`spec.canonical` for a document just built by the exporter (always the current version),
    leaving its `Rows` lazy."""
    if not any(isinstance(value, Rows | dict) for value in data.values()):
        return spec.canonical_object(object_spec, data)
    result: dict[str, Any] = {}
    for fld in object_spec.fields:
        if fld.name not in data:
            continue
        value = data[fld.name]
        if isinstance(value, Rows):
            if value.is_empty():
                value = []
            else:
                assert fld.item is not None
                result[fld.name] = Rows(_canonical_rows(fld.item, value))
                continue
        if fld.normalize is not None and value is not None:
            value = fld.normalize(value)
        if not fld.required and spec.is_default(fld, value):
            continue
        if fld.name in spec.SECTIONS and object_spec is spec.DOCUMENT:
            result[fld.name] = _canonical(spec.SECTIONS[fld.name], value)
        else:
            result[fld.name] = spec.canonical_value(fld, value)
    return result


def _canonical_rows(item_spec: spec.ObjectSpec, rows: Rows) -> Iterator[dict[str, Any]]:
    canonical = _shape(item_spec).canonical
    for item in rows:
        yield canonical(item)


class _Shape:
    """`spec.canonical_object` for one object spec, with the per-field decisions taken once.

    The rows of the long lists come straight from `values()`: dates and moments are still
    `date`/`datetime` and are written here (the same text as `to_json` then `canonical_value`),
    and the keys a spec does not name (ids, foreign key columns) are ignored."""

    def __init__(self, object_spec: spec.ObjectSpec):
        self.fields = [
            (
                fld.name,
                fld.required,
                fld.normalize,
                _default_text(fld),
                _converter(fld),
            )
            for fld in object_spec.fields
        ]

    def canonical(self, data: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, required, normalize, default, convert in self.fields:
            if name not in data:
                continue
            value = data[name]
            if value is not None and normalize is not None:
                value = normalize(value)
            if value is None:  # absent or normalised away: written only when required
                if required:
                    result[name] = None
                continue
            if convert is not None:
                value = convert(value)
            if required or default is _NO_DEFAULT or value != default:
                result[name] = value
        return result


_NO_DEFAULT = object()
_SHAPES: dict[str, _Shape] = {}


def _shape(object_spec: spec.ObjectSpec) -> _Shape:
    shape = _SHAPES.get(object_spec.name)
    if shape is None:
        shape = _SHAPES[object_spec.name] = _Shape(object_spec)
    return shape


def _default_text(fld: spec.Field) -> Any:
    """The default as the converted value compares with it (decimals by their text, which is
    the same for equal numbers)."""
    if fld.default is None:
        return _NO_DEFAULT
    if fld.kind == spec.DECIMAL:
        return spec.format_decimal(fld.default)
    return fld.default


def _date_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _converter(fld: spec.Field) -> Callable[[Any], Any] | None:
    if fld.kind == spec.DECIMAL:
        return spec.format_decimal
    if fld.kind == spec.DATETIME:
        return spec.format_datetime
    if fld.kind == spec.DATE:
        return _date_text
    if fld.kind in (spec.OBJECTS, spec.NESTED):
        assert fld.item is not None
        item_spec = fld.item
        if fld.kind == spec.NESTED:
            return lambda value: _shape(item_spec).canonical(value)
        return lambda value: [_shape(item_spec).canonical(item) for item in value]
    if fld.kind == spec.OBJECT:
        return lambda value: spec.canonical_value(fld, value)
    return None


def _materialize(value: Any) -> Any:
    if isinstance(value, Rows | list):
        return [_materialize(item) for item in value]
    if isinstance(value, dict):
        return {key: _materialize(item) for key, item in value.items()}
    return value


def _lazy(value: Any) -> bool:
    return isinstance(value, Rows) or (
        isinstance(value, dict) and any(_lazy(item) for item in value.values())
    )


def _write_json(value: Any, write: Callable[[str], Any], level: int) -> None:
    """`json.dumps(value, indent=2, ensure_ascii=False)` written piece by piece: the parts
    without `Rows` are encoded whole, the rest walked."""
    if isinstance(value, Rows):
        if value.is_empty():
            write("[]")
            return
        inner = "\n" + INDENT * (level + 1)
        write("[")
        separator = inner
        for item in value:
            write(separator + _json_text(item, inner))
            separator = "," + inner
        write("\n" + INDENT * level + "]")
    elif isinstance(value, dict) and value and _lazy(value):
        inner = "\n" + INDENT * (level + 1)
        write("{")
        separator = inner
        for key, item in value.items():
            write(separator + encode_basestring(key) + ": ")
            _write_json(item, write, level + 1)
            separator = "," + inner
        write("\n" + INDENT * level + "}")
    else:
        write(_json_text(value, "\n" + INDENT * level))


def _json_text(value: Any, newline: str) -> str:
    """The text `json.dumps(value, indent=2, ensure_ascii=False)` gives, its lines after the
    first indented by `newline`. Python's `json` leaves the C encoder aside as soon as there is
    an indentation, and its pure Python one (a generator per container) was most of the time
    of a large export; strings still go through the C `encode_basestring`."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is dict:
        if not value:
            return "{}"
        inner = newline + INDENT
        if not all(type(key) is str for key in value):
            return _fallback(value, newline)
        return (
            "{"
            + inner
            + ("," + inner).join(
                encode_basestring(key) + ": " + _json_text(item, inner)
                for key, item in value.items()
            )
            + newline
            + "}"
        )
    if type(value) is list or type(value) is tuple:
        if not value:
            return "[]"
        inner = newline + INDENT
        return (
            "["
            + inner
            + ("," + inner).join(_json_text(item, inner) for item in value)
            + newline
            + "]"
        )
    return _fallback(value, newline)


def _fallback(value: Any, newline: str) -> str:
    """Anything else (floats, keys that are not strings, subclasses) as `json` writes it."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", newline)


def _document(cycle: Cycle) -> dict[str, Any]:
    ente = cycle.ente
    person_keys = dict(Person.objects.filter(ente=ente).values_list("id", "key"))
    units = list(
        Unit.objects.filter(ente=ente)
        .order_by(*IN_ORDER)
        .prefetch_related(
            Prefetch("activities", queryset=UnitActivity.objects.order_by(*IN_ORDER)),
            Prefetch(
                "parameters",
                queryset=Parameter.objects.order_by(*IN_ORDER).prefetch_related(
                    Prefetch("values", queryset=ParameterValue.objects.order_by("id"))
                ),
            ),
        )
    )
    unit_keys = {u.id: u.key for u in units}
    parameter_keys = {
        parameter.id: {"unit": unit.key, "key": parameter.key}
        for unit in units
        for parameter in unit.parameters.all()
    }
    document = {
        "format": spec.FORMAT,
        "version": spec.VERSION_TEXT,
        "ente": _ente(ente),
        "units": [_unit(u, unit_keys, person_keys) for u in parents_first(units)],
        "people": Rows(_people(ente, unit_keys)),
        "evaluation_bodies": _evaluation_bodies(ente, person_keys),
        "integrative_contracts": [
            document_values(spec.INTEGRATIVE_CONTRACT, contract)
            for contract in IntegrativeContract.objects.filter(ente=ente).order_by("first_year")
        ],
        "cycle": CyclePlanExport(cycle, unit_keys, person_keys, parameter_keys).document(),
    }
    return document


def parents_first(rows: list, parent_attr: str = "parent_id") -> list:
    """Keep the given order, but hold each row back until its parent has been written."""
    placed: set[int] = set()
    waiting: dict[int, list] = defaultdict(list)
    ids = {row.id for row in rows}
    result: list = []

    def place(row) -> None:
        result.append(row)
        placed.add(row.id)
        for child in waiting.pop(row.id, []):
            place(child)

    for row in rows:
        parent = getattr(row, parent_attr)
        if parent is None or parent in placed or parent not in ids:
            place(row)
        else:
            waiting[parent].append(row)
    return result


def _ente(ente) -> dict[str, Any]:
    data = document_values(spec.ENTE, ente, frozenset({"members"}))
    data["members"] = [
        document_values(spec.MEMBER_ENTE, member) for member in ente.members.order_by(*IN_ORDER)
    ]
    data["behaviours"] = [
        {
            **document_values(spec.BEHAVIOUR, b),
            "levels": [
                {"score": spec.format_decimal(str(level["score"])), **_rest(level, "score")}
                for level in b.levels or []
            ],
        }
        for b in Behaviour.objects.filter(ente=ente).order_by(*IN_ORDER)
    ]
    return data


def _rest(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


def _unit(unit: Unit, unit_keys: dict[int, str], person_keys: dict[int, str]) -> dict[str, Any]:
    data = document_values(spec.UNIT, unit, frozenset({"activities"}))
    data["parent"] = unit_keys.get(unit.parent_id)
    data["responsible"] = person_keys.get(unit.responsible_id)
    data["activities"] = [activity.text for activity in unit.activities.all()]
    data["parameters"] = [
        {
            **document_values(spec.PARAMETER, parameter),
            "values": [document_values(spec.PARAMETER_VALUE, v) for v in parameter.values.all()],
        }
        for parameter in unit.parameters.all()
    ]
    return data


def _people(ente, unit_keys: dict[int, str]) -> Iterator[dict[str, Any]]:
    rows = Person.objects.filter(ente=ente).order_by("id").values("id", *_names(spec.PERSON))
    for block in _streamed(rows):
        ids = [row["id"] for row in block]
        employments = _children(Employment, "person_id", ids, ("id",), _names(spec.EMPLOYMENT))
        assignments = _children(
            Assignment, "person_id", ids, IN_ORDER, _names(spec.ASSIGNMENT, "unit_id")
        )
        absences = _children(Absence, "person_id", ids, ("id",), _names(spec.ABSENCE))
        for row in block:
            person = row["id"]
            for assignment in assignments[person]:
                assignment["unit"] = unit_keys[assignment["unit_id"]]
            row["employments"] = employments[person]
            row["assignments"] = assignments[person]
            row["absences"] = absences[person]
            yield row


def _evaluation_bodies(ente, person_keys: dict[int, str]) -> list[dict[str, Any]]:
    bodies = EvaluationBody.objects.filter(ente=ente).order_by("id")
    bodies = bodies.prefetch_related(
        Prefetch("members", queryset=EvaluationBodyMember.objects.order_by(*IN_ORDER))
    )
    return [
        {
            **document_values(spec.EVALUATION_BODY, body),
            "members": [
                {**document_values(spec.BODY_MEMBER, m), "person": person_keys.get(m.person_id)}
                for m in body.members.all()
            ],
        }
        for body in bodies
    ]


def _pairs(
    through, owner: str, target: str, owners: Iterable[int], order: tuple[str, ...] = ("id",)
) -> dict[int, list[int]]:
    """Many-to-many links in the order they were made (the order of the file), or by `order`
    for the links that keep their own position."""
    links: dict[int, list[int]] = defaultdict(list)
    rows = through.objects.filter(**{f"{owner}__in": list(owners)}).order_by(*order)
    for owner_id, target_id in rows.values_list(owner, target):
        links[owner_id].append(target_id)
    return links


def _names(
    object_spec: spec.ObjectSpec, *extra: str, skip: frozenset[str] = frozenset()
) -> list[str]:
    """The columns `values()` reads for the plain fields of `object_spec` (same names), but
    those in `skip`, whose value is not the column's."""
    return [fld.name for fld in plain_fields(object_spec, skip)] + list(extra)


def _blocks(rows: Iterable[Any], size: int | None = None) -> Iterator[list[Any]]:
    """The rows of a query in blocks of `size` (CHUNK) rows, read as they are needed."""
    iterator = iter(rows)
    while block := list(islice(iterator, size or CHUNK)):
        yield block


def _children(
    model, owner: str, owner_ids: list[int], order: tuple[str, ...], names: list[str]
) -> dict[int, list[dict[str, Any]]]:
    """The rows of `model` that belong to a block of owners, by owner, in `order`: one query
    per block, and plain dicts rather than instances (most of the time of the export went into
    building instances and the querysets of `prefetch_related`)."""
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = model.objects.filter(**{f"{owner}__in": owner_ids}).order_by(*order)
    for row in rows.values(owner, *names):
        grouped[row[owner]].append(row)
    return grouped


def _streamed(rows, size: int | None = None) -> Iterator[list[dict[str, Any]]]:
    return _blocks(rows.iterator(chunk_size=size or CHUNK), size)


class CyclePlanExport:
    """The `cycle` section."""

    def __init__(
        self,
        cycle: Cycle,
        unit_keys: dict[int, str],
        person_keys: dict[int, str],
        parameter_keys: dict[int, dict[str, str]],
    ):
        self.cycle = cycle
        self.unit_keys = unit_keys
        self.person_keys = person_keys
        self.parameter_keys = parameter_keys

    def document(self) -> dict[str, Any]:
        cycle = self.cycle
        data = document_values(spec.CYCLE, cycle)
        data["org_levels"] = [
            document_values(spec.ORG_LEVEL, level) for level in cycle.org_levels.order_by(*IN_ORDER)
        ]
        areas = list(cycle.strategic_areas.order_by(*IN_ORDER))
        area_keys = {a.id: a.key for a in areas}
        data["strategic_areas"] = [document_values(spec.STRATEGIC_AREA, a) for a in areas]
        data["strategic_objectives"] = self.strategic_objectives(area_keys)
        groups = list(cycle.weight_groups.order_by(*IN_ORDER))
        group_keys = {g.id: g.key for g in groups}
        data["weight_groups"] = [
            {
                **document_values(spec.WEIGHT_GROUP, g),
                "unit": self.unit_keys.get(g.unit_id),
                "responsible": self.person_keys.get(g.responsible_id),
            }
            for g in groups
        ]
        data["objectives"] = self.objectives(group_keys)
        data["indicator_groups"] = self.indicator_groups()
        data["indicators"] = self.indicators()
        data["revisions"] = [
            document_values(spec.REVISION, r) for r in cycle.revisions.order_by("id")
        ]
        data["monitoring_windows"] = self.monitoring_windows()
        data["measurements"] = self.measurements()
        data["delegates"] = [
            {
                "objective": self.objective_keys[d.objective_id],
                "person": self.person_keys[d.person_id],
            }
            for d in ObjectiveDelegate.objects.filter(objective__cycle=cycle).order_by("id")
        ]
        actions = CorrectiveAction.objects.filter(objective__cycle=cycle).order_by("id")
        data["corrective_actions"] = [
            {
                **document_values(spec.CORRECTIVE_ACTION, a),
                "objective": self.objective_keys[a.objective_id],
                "window": self.window_keys.get(a.window_id),
            }
            for a in actions
        ]
        AppraisalExport(self).fill(data)
        return data

    def monitoring_windows(self) -> list[dict[str, Any]]:
        """In date order (the validator asks the same of a file); the snapshot as stored."""
        windows = list(
            MonitoringWindow.objects.filter(cycle=self.cycle)
            .order_by("period_end", "id")
            .select_related("snapshot")
        )
        self.window_keys = {w.id: w.key for w in windows}
        result = []
        for window in windows:
            data = document_values(spec.MONITORING_WINDOW, window, frozenset({"snapshot"}))
            snapshot = getattr(window, "snapshot", None)
            data["snapshot"] = None if snapshot is None else snapshot.data
            result.append(data)
        return result

    def measurements(self) -> Rows:
        """In the order they were made (the order of the file, for an imported cycle)."""
        return Rows(self._measurements())

    def _measurements(self) -> Iterator[dict[str, Any]]:
        rows = Measurement.objects.filter(cycle=self.cycle).order_by("id")
        rows = rows.values("id", "indicator_id", "parameter_id", *_names(spec.MEASUREMENT))
        for block in _streamed(rows):
            ids = [row["id"] for row in block]
            evidence = _children(Evidence, "measurement_id", ids, ("id",), _names(spec.EVIDENCE))
            corrections = _children(
                MeasurementCorrection,
                "measurement_id",
                ids,
                ("id",),
                _names(spec.CORRECTION, "window_id"),
            )
            for row in block:
                measurement = row["id"]
                for correction in corrections[measurement]:
                    correction["window"] = self.window_keys[correction["window_id"]]
                row["indicator"] = self.indicator_keys.get(row["indicator_id"])
                row["parameter"] = self.parameter_keys.get(row["parameter_id"])
                row["evidence"] = evidence[measurement]
                row["corrections"] = corrections[measurement]
                yield row

    def strategic_objectives(self, area_keys: dict[int, str]) -> list[dict[str, Any]]:
        objectives = list(self.cycle.strategic_objectives.order_by(*IN_ORDER))
        self.strategic_keys = {o.id: o.key for o in objectives}
        units = _pairs(
            StrategicObjective.units.through,
            "strategicobjective_id",
            "unit_id",
            self.strategic_keys,
        )
        areas = _pairs(
            StrategicObjectiveArea,
            "strategic_objective_id",
            "area_id",
            self.strategic_keys,
            ("order", "id"),
        )
        return [
            {
                **document_values(spec.STRATEGIC_OBJECTIVE, o),
                "areas": [area_keys[a] for a in [o.area_id, *areas[o.id]] if a is not None],
                "units": [self.unit_keys[u] for u in units[o.id]],
            }
            for o in objectives
        ]

    def objectives(self, group_keys: dict[int, str]) -> Rows:
        self.objective_keys = dict(self.cycle.operational_objectives.values_list("id", "key"))
        # Indicators name a phase by its position within its objective.
        self.phase_positions: dict[int, tuple[int, int]] = {}
        counts: dict[int, int] = defaultdict(int)
        phases = Phase.objects.filter(objective__cycle=self.cycle).order_by(*IN_ORDER)
        for phase_id, objective_id in phases.values_list("id", "objective_id"):
            self.phase_positions[phase_id] = (objective_id, counts[objective_id])
            counts[objective_id] += 1
        responsibles = _pairs(
            OperationalObjective.responsibles.through,
            "operationalobjective_id",
            "person_id",
            self.objective_keys,
        )
        units = _pairs(
            ObjectiveUnit, "objective_id", "unit_id", self.objective_keys, ("order", "id")
        )
        return Rows(self._objectives(group_keys, units, responsibles))

    def _objectives(
        self,
        group_keys: dict[int, str],
        units: dict[int, list[int]],
        responsibles: dict[int, list[int]],
    ) -> Iterator[dict[str, Any]]:
        rows = self.cycle.operational_objectives.order_by(*IN_ORDER).values(
            "id", "unit_id", "strategic_objective_id", "weight_group_id", *_names(spec.OBJECTIVE)
        )
        unit_keys, person_keys = self.unit_keys, self.person_keys
        for block in _streamed(rows):
            ids = [row["id"] for row in block]
            phases = _children(Phase, "objective_id", ids, IN_ORDER, _names(spec.PHASE))
            for row in block:
                objective = row["id"]
                listed = [row["unit_id"], *units[objective]]
                row["units"] = [unit_keys[u] for u in listed if u is not None]
                row["responsibles"] = [person_keys[p] for p in responsibles[objective]]
                row["strategic_objective"] = self.strategic_keys.get(row["strategic_objective_id"])
                row["weight_group"] = group_keys.get(row["weight_group_id"])
                row["phases"] = phases[objective]
                yield row

    def indicator_groups(self) -> list[dict[str, Any]]:
        groups = list(IndicatorGroup.objects.filter(cycle=self.cycle).order_by(*IN_ORDER))
        self.group_keys = {g.id: g.key for g in groups}
        return [
            {
                **document_values(spec.INDICATOR_GROUP, g),
                "unit": self.unit_keys.get(g.unit_id),
                "parent": self.group_keys.get(g.parent_id),
            }
            for g in parents_first(groups)
        ]

    def indicators(self) -> Rows:
        indicators = Indicator.objects.filter(cycle=self.cycle).order_by(*IN_ORDER)
        self.indicator_keys = dict(indicators.values_list("id", "key"))
        return Rows(self._indicators(indicators))

    def _indicators(self, indicators) -> Iterator[dict[str, Any]]:
        references = ("group_id", "objective_id", "strategic_objective_id", "unit_id", "phase_id")
        names = _names(spec.INDICATOR, skip=frozenset({"phase"}))
        for block in _streamed(indicators.values("id", *references, *names)):
            ids = [row["id"] for row in block]
            targets = _children(Target, "indicator_id", ids, ("id",), _names(spec.TARGET))
            for row in block:
                self.indicator(row)
                row["targets"] = targets[row["id"]]
                yield row

    def indicator(self, row: dict[str, Any]) -> None:
        row["group"] = self.group_keys.get(row["group_id"])
        row["objective"] = self.objective_keys.get(row["objective_id"])
        row["strategic_objective"] = self.strategic_keys.get(row["strategic_objective_id"])
        row["unit"] = self.unit_keys.get(row["unit_id"])
        position = self.phase_positions.get(row["phase_id"])
        # A phase of another objective cannot be written as an index of this one.
        if position is not None and position[0] == row["objective_id"]:
            row["phase"] = position[1]


class AppraisalExport:
    """Schemes, schede, the validation of the Relazione, funds and distributions."""

    def __init__(self, plan: CyclePlanExport):
        self.plan = plan
        self.cycle = plan.cycle

    def fill(self, data: dict[str, Any]) -> None:
        self.behaviour_keys = dict(
            Behaviour.objects.filter(ente=self.cycle.ente).values_list("id", "key")
        )
        data["schemes"] = self.schemes()
        data["schede"] = self.schede()
        validation = ReportValidation.objects.filter(cycle=self.cycle).first()
        data["report_validation"] = (
            None if validation is None else document_values(spec.REPORT_VALIDATION, validation)
        )
        funds = list(Fund.objects.filter(ente=self.cycle.ente, year=self.cycle.year).order_by("id"))
        data["funds"] = [document_values(spec.FUND, fund) for fund in funds]
        data["distributions"] = self.distributions()

    def schemes(self) -> list[dict[str, Any]]:
        schemes = (
            EvaluationScheme.objects.filter(cycle=self.cycle)
            .order_by(*IN_ORDER)
            .prefetch_related(
                Prefetch(
                    "components",
                    queryset=SchemeComponent.objects.order_by(*IN_ORDER).prefetch_related(
                        Prefetch("behaviours", queryset=SchemeBehaviour.objects.order_by(*IN_ORDER))
                    ),
                ),
                Prefetch("bands", queryset=ScoreBand.objects.order_by(*IN_ORDER)),
            )
        )
        self.scheme_keys: dict[int, str] = {}
        self.component_keys: dict[int, str] = {}
        self.band_positions: dict[int, int] = {}
        result = []
        for scheme in schemes:
            self.scheme_keys[scheme.id] = scheme.key
            components = []
            for component in scheme.components.all():
                self.component_keys[component.id] = component.key
                components.append(
                    {
                        **document_values(spec.SCHEME_COMPONENT, component),
                        "behaviours": [
                            {
                                "behaviour": self.behaviour_keys[sb.behaviour_id],
                                "weight": sb.weight,
                            }
                            for sb in component.behaviours.all()
                        ],
                    }
                )
            bands = list(scheme.bands.all())
            self.band_positions.update({band.id: index for index, band in enumerate(bands)})
            result.append(
                {
                    **document_values(spec.SCHEME, scheme),
                    "components": components,
                    "bands": [document_values(spec.SCORE_BAND, band) for band in bands],
                }
            )
        return result

    def schede(self) -> Rows:
        people = self.plan.person_keys
        self.scheda_people = {
            scheda_id: people[person_id]
            for scheda_id, person_id in Scheda.objects.filter(cycle=self.cycle).values_list(
                "id", "person_id"
            )
        }
        return Rows(self._schede())

    def _schede(self) -> Iterator[dict[str, Any]]:
        references = ("person_id", "scheme_id", "unit_id", "evaluator_id", "band_id")
        rows = Scheda.objects.filter(cycle=self.cycle).order_by("id")
        for block in _streamed(
            rows.values("id", *references, *_names(spec.SCHEDA, skip=frozenset({"band"})))
        ):
            ids = [row["id"] for row in block]
            items = _children(
                SchedaItem,
                "scheda_id",
                ids,
                ("id",),
                _names(spec.SCHEDA_ITEM, "component_id", "behaviour_id", "objective_id"),
            )
            transitions = _children(
                SchedaTransition, "scheda_id", ids, ("id",), _names(spec.SCHEDA_TRANSITION)
            )
            conciliations = _children(
                Conciliation, "scheda_id", ids, ("id",), _names(spec.CONCILIATION)
            )
            for row in block:
                scheda = row["id"]
                self.scheda(row, items[scheda])
                row["transitions"] = transitions[scheda]
                found = conciliations.get(scheda)
                row["conciliation"] = found[0] if found else None
                yield row

    def scheda(self, row: dict[str, Any], items: list[dict[str, Any]]) -> None:
        people = self.plan.person_keys
        row["person"] = people[row["person_id"]]
        row["scheme"] = self.scheme_keys[row["scheme_id"]]
        row["unit"] = self.plan.unit_keys.get(row["unit_id"])
        row["evaluator"] = people.get(row["evaluator_id"])
        row["band"] = self.band_positions.get(row["band_id"])
        for item in items:
            item["component"] = self.component_keys[item["component_id"]]
            item["behaviour"] = self.behaviour_keys.get(item["behaviour_id"])
            item["objective"] = self.plan.objective_keys.get(item["objective_id"])
        row["items"] = items

    def distributions(self) -> Rows:
        return Rows(self._distributions())

    def _distributions(self) -> Iterator[dict[str, Any]]:
        rows = Distribution.objects.filter(cycle=self.cycle).order_by("id")
        rows = rows.values("id", "fund__kind", *_names(spec.DISTRIBUTION, skip=frozenset({"fund"})))
        people = self.plan.person_keys
        # Blocks of few distributions: each one has a line per person.
        for block in _streamed(rows, DISTRIBUTION_CHUNK):
            ids = [row["id"] for row in block]
            lines = _children(
                DistributionLine,
                "distribution_id",
                ids,
                ("id",),
                _names(spec.DISTRIBUTION_LINE, "person_id", "scheda_id"),
            )
            for row in block:
                for line in lines[row["id"]]:
                    line["person"] = people[line["person_id"]]
                    line["scheda"] = self.scheda_people.get(line["scheda_id"])
                row["fund"] = row["fund__kind"]
                row["lines"] = lines[row["id"]]
                yield row
