"""Fixtures of the transparency tests: the population of the rewards tests."""

from __future__ import annotations

import pytest

from core import pagecache
from tests.rewards.builders import build_staff_case


@pytest.fixture(autouse=True)
def _no_kept_pages():
    """The anonymous copies of the public pages (`transparency.caching`) live in the process:
    no test reads what another one kept."""
    pagecache.clear()
    yield
    pagecache.clear()


@pytest.fixture
def staff_case(make_ente, make_user):
    """Five dipendenti (58, 55, 45, 30, 10 points on 60), approved plan, users by role."""
    return build_staff_case(make_ente, make_user)
