"""Rounding and Italian formatting, and the engine's independence from Django."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal, getcontext, localcontext
from pathlib import Path

import pytest

from engine.numbers import format_number, format_percent, internal, present, to_decimal

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("60.3603603", 2, "60,36"),
        ("60.365", 2, "60,37"),  # half up, not banker's rounding
        ("1700", None, "1.700"),
        ("1700", 2, "1.700,00"),
        ("1234567.5", None, "1.234.567,5"),
        ("67.0000", None, "67"),
        ("-0.004", 2, "0,00"),
        ("-2.5", None, "-2,5"),
        ("0.1234567891", None, "0,123457"),
    ],
)
def test_format_number(value, places, expected):
    assert format_number(D(value), places) == expected


def test_format_percent_and_roundings():
    assert format_percent(D("60.360360")) == "60,36 %"
    assert present(D("0.125")) == D("0.13")
    assert internal(D("2") / D("3")) == D("0.666667")


def test_to_decimal():
    assert to_decimal("60,36") == D("60.36")
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal(7) == D(7)
    with pytest.raises(TypeError):
        to_decimal(True)
    with pytest.raises(ValueError):
        to_decimal("NaN")
    with pytest.raises(ValueError):
        to_decimal("dieci")


def test_results_do_not_depend_on_the_callers_decimal_context():
    from engine.formula import evaluate

    with localcontext() as context:
        context.prec = 3
        assert evaluate("67 / 111 * 100", {}) == D("60.360360")
    assert getcontext().prec == 28


def test_engine_imports_no_django():
    code = (
        "import sys, engine.achievement, engine.config, engine.formula, engine.rollup, "
        "engine.status; "
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'planning', 'organization', 'measurement', 'core', 'performa'}); "
        "print(','.join(leaked))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
