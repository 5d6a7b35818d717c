"""Hypothesis strategies and settings shared by the engine tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Fast enough for the whole engine suite to stay well under 20 s.
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decimals(low: int | str = -1000, high: int | str = 1000, places: int = 2) -> st.SearchStrategy:
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False
    )


percents = decimals(0, 150)
weights = decimals("0.01", 1000)
caps = decimals(100, 200, places=0)
