"""The floor of `cycle_scores` computes what it claims, in Python and in NumPy alike."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from benchmarks.floor import FloorArrays, numpy_floor, rollup_python
from engine.achievement import Measurement, Target, TargetKind
from engine.rollup import (
    AssignmentRecord,
    CycleRecords,
    IndicatorRecord,
    ObjectiveRecord,
    UnitRecord,
)


def _indicator(n, objective, kind, target, value, weight=None):
    return IndicatorRecord(
        id=n,
        objective_id=objective,
        target=Target(kind=kind, value=None if target is None else Decimal(target)),
        measurement=Measurement(value=None if value is None else Decimal(value)),
        weight=None if weight is None else Decimal(weight),
    )


def test_a_hand_computed_plan():
    # Area 1 with service 2. Objective A (service, weight 60): 50 of 100 (50 %) and «≤ 10» at
    # 20 (50 %), so 50. Objective B (area, weight 40): 30 of 20, capped at 100. The area counts
    # both: (60 × 50 + 40 × 100) / 100 = 70; area 3 has nothing measured and is left out.
    records = CycleRecords(
        indicators=[
            _indicator(1, "A", TargetKind.GTE, 100, 50),
            _indicator(2, "A", TargetKind.LTE, 10, 20),
            _indicator(3, "B", TargetKind.GTE, 20, 30),
            _indicator(4, "C", TargetKind.GTE, 20, None),
        ],
        objectives=[
            ObjectiveRecord(id="A", unit_id=2, weight=Decimal(60)),
            ObjectiveRecord(id="B", unit_id=1, weight=Decimal(40)),
            ObjectiveRecord(id="C", unit_id=3, weight=Decimal(10)),
        ],
        units=[UnitRecord(id=1), UnitRecord(id=2, parent_id=1), UnitRecord(id=3)],
        assignments=[AssignmentRecord(person_id="p", objective_id="A")],
    )
    arrays = FloorArrays.of(records)
    assert rollup_python(arrays) == 70.0
    vectorised = numpy_floor(arrays)
    assert vectorised is not None and math.isclose(vectorised.rollup(), 70.0)


_kinds = st.sampled_from([TargetKind.GTE, TargetKind.LTE, TargetKind.VALUE, TargetKind.TEXT])
_numbers = st.one_of(st.none(), st.integers(min_value=0, max_value=500))


@st.composite
def _plans(draw):
    units = draw(st.integers(min_value=1, max_value=6))
    unit_records = [
        UnitRecord(id=n, parent_id=draw(st.one_of(st.none(), st.integers(0, n - 1))) if n else None)
        for n in range(units)
    ]
    objectives = draw(st.integers(min_value=1, max_value=8))
    objective_records = [
        ObjectiveRecord(
            id=n,
            unit_id=draw(st.integers(0, units - 1)),
            weight=draw(st.one_of(st.none(), st.integers(1, 50).map(Decimal))),
        )
        for n in range(objectives)
    ]
    indicators = [
        _indicator(
            n,
            draw(st.integers(0, objectives - 1)),
            draw(_kinds),
            draw(_numbers),
            draw(_numbers),
            draw(st.one_of(st.none(), st.integers(1, 9))),
        )
        for n in range(draw(st.integers(min_value=0, max_value=20)))
    ]
    assignments = [
        AssignmentRecord(
            person_id=draw(st.integers(0, 3)), objective_id=draw(st.integers(0, objectives - 1))
        )
        for _ in range(draw(st.integers(min_value=0, max_value=6)))
    ]
    return CycleRecords(
        indicators=indicators,
        objectives=objective_records,
        units=unit_records,
        assignments=assignments,
    )


@given(_plans())
def test_numpy_and_plain_python_agree(records):
    arrays = FloorArrays.of(records)
    expected = rollup_python(arrays)
    assert 0.0 <= expected <= 100.0
    vectorised = numpy_floor(arrays)
    assert vectorised is not None
    assert math.isclose(vectorised.rollup(), expected, rel_tol=1e-9, abs_tol=1e-9)
