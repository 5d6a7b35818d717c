"""Hypothesis strategies and settings shared by the engine tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Fast enough for the whole engine suite to stay well under 20 s.
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decimals(low: int | str = -1000, high: int | str = 1000, places: int = 2) -> st.SearchStrategy:
    """Decimals with `places` places in [low, high], drawn as scaled integers (much faster than
    st.decimals, and shrinking towards small round numbers all the same)."""
    scale = 10**places
    return st.integers(int(Decimal(low) * scale), int(Decimal(high) * scale)).map(
        lambda units: Decimal(units).scaleb(-places)
    )


percents = decimals(0, 150)
weights = decimals("0.01", 1000)
caps = decimals(100, 200, places=0)
