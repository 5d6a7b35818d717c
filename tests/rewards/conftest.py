"""Fixtures of the rewards tests: an ente with an approved plan, schede and users by role."""

from __future__ import annotations

import pytest

from rewards import services
from rewards.models import FundKind
from tests.rewards.builders import YEAR, build_staff_case


@pytest.fixture
def staff_case(make_ente, make_user):
    """Five dipendenti (58, 55, 45, 30, 10 points on 60), approved plan, users by role."""
    return build_staff_case(make_ente, make_user)


@pytest.fixture
def fund(staff_case):
    """A 1.000 € individual performance fund of the staff case's year (test_views.py keeps a
    larger one of its own)."""
    return services.fund_create(
        user=None,
        ente=staff_case.ente,
        year=YEAR,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount="1000",
    )
