"""Fixtures of the transparency tests: the population of the rewards tests."""

from __future__ import annotations

import pytest

from tests.rewards.builders import build_staff_case


@pytest.fixture
def staff_case(make_ente, make_user):
    """Five dipendenti (58, 55, 45, 30, 10 points on 60), approved plan, users by role."""
    return build_staff_case(make_ente, make_user)
