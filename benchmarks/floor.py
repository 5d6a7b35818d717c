"""The floor of `cycle_scores`: the same roll-up over the same data as plain arrays.

The engine scores a cycle with Decimal arithmetic, every rule of the ente's SMVP and an
explanation for each figure. The floor does only the arithmetic of its most common path, over
float arrays prepared beforehand (not timed), so that the benchmark can say how far the whole
computation is from the cost of the maths itself:

* indicator → achievement 0..100 from its latest value and target (ratio to the target in the
  target's direction, a range met or not, a text or date target counted as met when measured);
* objective → weighted mean of its measured indicators (equal weights when none is set);
* unit → weighted mean, by plan weight, of the objectives of the unit and of its sub-units;
* person → weighted mean of the objectives assigned to them;
* ente → mean of the top-level units.

`rollup_python` loops in plain Python; `rollup_numpy` does the same with NumPy when it is
installed (a development dependency). Both return the ente's figure, so that each run's work
cannot be optimised away and the two can be compared with each other.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.achievement import Polarity, TargetKind
from engine.rollup import CycleRecords, IndicatorRecord

_LOWER_KINDS = {TargetKind.LTE, TargetKind.LT, TargetKind.LTE_PREVIOUS, TargetKind.LT_PREVIOUS}
_PREVIOUS_KINDS = {
    TargetKind.GTE_PREVIOUS,
    TargetKind.GT_PREVIOUS,
    TargetKind.LTE_PREVIOUS,
    TargetKind.LT_PREVIOUS,
}


@dataclass(frozen=True)
class FloorArrays:
    """A cycle as parallel lists of floats and indexes (-1: none)."""

    indicator_objective: list[int]  # objective index of each indicator, -1 for ente-level ones
    indicator_weight: list[float]
    indicator_value: list[float]  # NaN when not measured
    indicator_target: list[float]  # NaN when the target is not a number
    indicator_sign: list[int]  # +1 higher is better, -1 lower is better, 0 met when measured
    objective_units: list[tuple[int, ...]]  # units each objective counts in
    objective_weight: list[float]
    unit_parent: list[int]
    top_units: list[int]
    assignment_person: list[int]
    assignment_objective: list[int]
    assignment_weight: list[float]
    persons: int

    @classmethod
    def of(cls, records: CycleRecords) -> FloorArrays:
        objective_index = _index(o.id for o in records.objectives)
        unit_index = _index(u.id for u in records.units)
        person_index = _index(a.person_id for a in records.assignments)
        indicators = [i for i in records.indicators if i.objective_id in objective_index]
        unit_parent = [unit_index.get(u.parent_id, -1) for u in records.units]
        return cls(
            indicator_objective=[objective_index[i.objective_id] for i in indicators],
            indicator_weight=[float(i.weight or 1) for i in indicators],
            indicator_value=[_float(i.measurement.value) for i in indicators],
            indicator_target=[_target_number(i) for i in indicators],
            indicator_sign=[_sign(i) for i in indicators],
            objective_units=[
                tuple(unit_index[u] for u in o.all_unit_ids if u in unit_index)
                for o in records.objectives
            ],
            objective_weight=[float(o.weight or 1) for o in records.objectives],
            unit_parent=unit_parent,
            top_units=[n for n, parent in enumerate(unit_parent) if parent < 0],
            assignment_person=[person_index[a.person_id] for a in records.assignments],
            assignment_objective=[
                objective_index.get(a.objective_id, -1) for a in records.assignments
            ],
            assignment_weight=[float(a.weight or 1) for a in records.assignments],
            persons=len(person_index),
        )


def _index(keys: Any) -> dict[Hashable, int]:
    index: dict[Hashable, int] = {}
    for key in keys:
        index.setdefault(key, len(index))
    return index


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _target_number(indicator: IndicatorRecord) -> float:
    target = indicator.target
    if target.kind in _PREVIOUS_KINDS:
        return _float(target.previous_value)
    return _float(target.value)


def _sign(indicator: IndicatorRecord) -> int:
    target = indicator.target
    if target.kind in _LOWER_KINDS:
        return -1
    if target.kind is TargetKind.VALUE:
        return -1 if target.polarity is Polarity.LOWER else 1
    if target.kind in (TargetKind.GTE, TargetKind.GT, TargetKind.EQ) or target.kind in (
        _PREVIOUS_KINDS
    ):
        return 1
    return 0  # a range, a date or a text: met when measured


def _achievement(value: float, target: float, sign: int) -> float:
    if sign == 0 or target != target or target == 0:
        return 100.0
    ratio = value / target if sign > 0 else (target / value if value else 1.0)
    return 100.0 if ratio >= 1 else (0.0 if ratio <= 0 else 100.0 * ratio)


def rollup_python(a: FloorArrays) -> float:
    """The roll-up in plain Python loops; returns the ente's figure."""
    objectives = len(a.objective_weight)
    sums, weights = [0.0] * objectives, [0.0] * objectives
    for n, objective in enumerate(a.indicator_objective):
        value = a.indicator_value[n]
        if value != value:
            continue
        weight = a.indicator_weight[n]
        sums[objective] += weight * _achievement(value, a.indicator_target[n], a.indicator_sign[n])
        weights[objective] += weight
    percent = [s / w if w else None for s, w in zip(sums, weights, strict=True)]
    unit_sums, unit_weights = [0.0] * len(a.unit_parent), [0.0] * len(a.unit_parent)
    for objective, units in enumerate(a.objective_units):
        score = percent[objective]
        if score is None:
            continue
        weight = a.objective_weight[objective]
        for unit in _with_ancestors(units, a.unit_parent):
            unit_sums[unit] += weight * score
            unit_weights[unit] += weight
    _persons_python(a, percent)
    top = [unit_sums[u] / unit_weights[u] for u in a.top_units if unit_weights[u]]
    return sum(top) / len(top) if top else 0.0


def _with_ancestors(units: Sequence[int], parent: list[int]) -> set[int]:
    seen: set[int] = set()
    for unit in units:
        while unit >= 0 and unit not in seen:
            seen.add(unit)
            unit = parent[unit]
    return seen


def _persons_python(a: FloorArrays, percent: list[float | None]) -> list[float | None]:
    sums, weights = [0.0] * a.persons, [0.0] * a.persons
    for person, objective, weight in zip(
        a.assignment_person, a.assignment_objective, a.assignment_weight, strict=True
    ):
        score = percent[objective] if objective >= 0 else None
        if score is not None:
            sums[person] += weight * score
            weights[person] += weight
    return [s / w if w else None for s, w in zip(sums, weights, strict=True)]


class NumpyFloor:
    """The same roll-up vectorised; the index arrays are built once, outside the timing."""

    def __init__(self, a: FloorArrays):
        import numpy as np

        self.np = np
        self.objectives = len(a.objective_weight)
        self.units = len(a.unit_parent)
        self.ind_objective = np.array(a.indicator_objective, dtype=np.int64)
        self.ind_weight = np.array(a.indicator_weight)
        self.ind_value = np.array(a.indicator_value)
        self.ind_target = np.array(a.indicator_target)
        self.ind_sign = np.array(a.indicator_sign)
        pairs = [
            (objective, unit)
            for objective, units in enumerate(a.objective_units)
            for unit in _with_ancestors(units, a.unit_parent)
        ]
        self.pair_objective = np.array([p[0] for p in pairs], dtype=np.int64)
        self.pair_unit = np.array([p[1] for p in pairs], dtype=np.int64)
        self.objective_weight = np.array(a.objective_weight)
        self.top = np.array(a.top_units, dtype=np.int64)
        self.person = np.array(a.assignment_person, dtype=np.int64)
        self.person_objective = np.array(a.assignment_objective, dtype=np.int64)
        self.person_weight = np.array(a.assignment_weight)
        self.persons = a.persons

    def rollup(self) -> float:
        np = self.np
        measured = ~np.isnan(self.ind_value)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(
                self.ind_sign >= 0,
                self.ind_value / self.ind_target,
                self.ind_target / self.ind_value,
            )
        plain = (self.ind_sign == 0) | np.isnan(self.ind_target) | (self.ind_target == 0)
        achievement = np.where(plain, 100.0, 100.0 * np.clip(np.nan_to_num(ratio), 0.0, 1.0))
        weight = np.where(measured, self.ind_weight, 0.0)
        sums = np.bincount(
            self.ind_objective, weights=weight * achievement, minlength=self.objectives
        )
        weights = np.bincount(self.ind_objective, weights=weight, minlength=self.objectives)
        scored = weights > 0
        percent = np.divide(sums, weights, out=np.zeros(sums.shape), where=scored)
        pair_weight = self.objective_weight[self.pair_objective] * scored[self.pair_objective]
        unit_sums = np.bincount(
            self.pair_unit, weights=pair_weight * percent[self.pair_objective], minlength=self.units
        )
        unit_weights = np.bincount(self.pair_unit, weights=pair_weight, minlength=self.units)
        self._persons(percent, scored)
        top_weights = unit_weights[self.top]
        top = unit_sums[self.top][top_weights > 0] / top_weights[top_weights > 0]
        return float(top.mean()) if top.size else 0.0

    def _persons(self, percent, scored):
        np = self.np
        valid = self.person_objective >= 0
        objective = np.where(valid, self.person_objective, 0)
        weight = self.person_weight * valid * scored[objective]
        sums = np.bincount(self.person, weights=weight * percent[objective], minlength=self.persons)
        weights = np.bincount(self.person, weights=weight, minlength=self.persons)
        return np.divide(sums, weights, out=np.zeros(sums.shape), where=weights > 0)


def numpy_floor(a: FloorArrays) -> NumpyFloor | None:
    """The vectorised floor, or None when NumPy is not installed."""
    try:
        return NumpyFloor(a)
    except ImportError:
        return None
