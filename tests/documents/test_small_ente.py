"""«Ente.is_small»: the simplified PIAO is for enti with at most 50 employees, 50 included
(DM 132/2022 art. 6), and the Piano's default shape follows the same rule."""

from __future__ import annotations

import pytest

from documents.builders import piano
from planning.models import Cycle, CycleState, PlanDocumentKind


@pytest.mark.parametrize(
    ("headcount", "small", "shape"),
    [
        (49, True, piano.SHAPE_SIMPLIFIED),
        (50, True, piano.SHAPE_SIMPLIFIED),
        (51, False, piano.SHAPE_ORDINARY),
        (None, False, piano.SHAPE_ORDINARY),
    ],
)
def test_threshold_includes_50(make_ente, headcount, small, shape):
    ente = make_ente("comune-soglia", headcount=headcount)
    assert ente.is_small is small
    cycle = Cycle.objects.create(
        ente=ente,
        year=2025,
        first_year=2025,
        last_year=2027,
        title="Piano 2025-2027",
        state=CycleState.APPROVED,
        document_kind=PlanDocumentKind.PIAO,
    )
    assert piano.default_shape(cycle) == shape
