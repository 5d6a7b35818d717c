"""The Italian number parser and formatter, the roundings, and the engine's independence from
Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from decimal import Decimal, getcontext, localcontext
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.numbers import (
    NBSP,
    NumberError,
    format_euro,
    format_number,
    format_percent,
    internal,
    machine_decimal,
    parse_number,
    present,
    to_decimal,
)

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
    assert format_percent(D("60.360360")) == f"60,36{NBSP}%"
    assert format_percent(D("80")) == format_percent(D("80.00")) == f"80,00{NBSP}%"
    assert present(D("0.125")) == D("0.13")
    assert internal(D("2") / D("3")) == D("0.666667")


def test_format_euro_keeps_the_symbol_with_its_number():
    assert format_euro(D("48000")) == f"48.000,00{NBSP}€"
    assert format_euro(D("-0.004")) == f"0,00{NBSP}€"
    assert format_euro(D("1234.565")) == f"1.234,57{NBSP}€"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.700", "1700"),
        ("1.234.567", "1234567"),
        ("11,11", "11.11"),
        ("11,11 %", "11.11"),
        (f"11,11{NBSP}%", "11.11"),
        ("11,11%", "11.11"),
        ("1.234,56", "1234.56"),
        (f"1.234,56{NBSP}€", "1234.56"),
        ("€ 12", "12"),
        ("-0,5", "-0.5"),
        ("−3", "-3"),  # the typographic minus
        ("+4,25", "4.25"),
        (",5", "0.5"),
        ("  42  ", "42"),
        ("1 234", "1234"),
        ("1\u202f234\u202f567,5", "1234567.5"),
        ("007", "7"),
        ("-0", "0"),
        # A lone dot that cannot group thousands has one reading only: the decimal point.
        ("11.11", "11.11"),
        ("0.125", "0.125"),
        ("1.7", "1.7"),
        ("1234.567", "1234.567"),
        (".5", "0.5"),
    ],
)
def test_parse_number_reads_italian_numbers(text, expected):
    assert parse_number(text) == D(expected)


def test_parse_number_keeps_the_places_typed():
    assert str(parse_number("2,50")) == "2.50"
    assert str(parse_number("1.700")) == "1700"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,234.56", "la virgola separa i decimali"),
        ("1,2,3", "una sola volta"),
        ("1.2.3", "gruppi di tre cifre"),
        ("1.23,5", "gruppi di tre cifre"),
        ("12.34.567", "gruppi di tre cifre"),
        ("0.123.456", "gruppi di tre cifre"),
        ("5.", "gruppi di tre cifre"),
        ("1,", "gruppi di tre cifre"),
        ("١٢٣", "usa le cifre da 0 a 9"),
        ("1e309", "non è un numero"),
        ("NaN", "non è un numero"),
        ("Infinity", "non è un numero"),
        ("dieci", "non è un numero"),
        ("1 23", "non è un numero"),
        ("12 34 567", "non è un numero"),
        ("+-5", "non è un numero"),
        ("", "manca il numero"),
        (" % ", "manca il numero"),
        ("9" * 19, "troppe cifre"),
        ("0," + "1" * 11, "troppe cifre"),
        ("1" * 65, "troppo lungo"),
    ],
)
def test_parse_number_refuses_what_it_would_have_to_guess(text, reason):
    with pytest.raises(NumberError, match=reason):
        parse_number(text)


amounts = st.decimals(
    min_value=D("-999999999999999999"),
    max_value=D("999999999999999999"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)


@given(amounts, st.sampled_from([None, 0, 2, 4]))
def test_format_then_parse_is_the_identity(value, places):
    written = format_number(value, places)
    expected = value if places is None else D(written.replace(".", "").replace(",", "."))
    assert parse_number(written) == expected
    if places is None:
        assert parse_number(written) == internal(value)


@given(amounts)
def test_percent_and_euro_read_back(value):
    assert parse_number(format_percent(value)) == present(value)
    assert parse_number(format_euro(value)) == present(value)


@given(amounts)
def test_machine_decimal_reads_what_jsonable_writes(value):
    from engine.numbers import jsonable

    assert machine_decimal(jsonable(value)) == internal(value)


def test_machine_decimal_is_strict():
    assert machine_decimal("1.700") == D("1.7")  # a program's «1.700» is one point seven
    assert machine_decimal("-0.125") == D("-0.125")
    assert machine_decimal(3) == D(3)
    for text in ("1,5", "1.234,5", "1e3", " 1", "NaN", "+1", ".5"):
        with pytest.raises(ValueError):
            machine_decimal(text)


def test_to_decimal():
    assert to_decimal("60,36") == D("60.36")
    assert to_decimal("1.700") == D(1700)
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
    modules = sorted(f"engine.{info.name}" for info in pkgutil.iter_modules(engine.__path__))
    assert {"engine.appraisal", "engine.premiums", "engine.rollup"} <= set(modules)
    code = (
        f"import sys, {', '.join(modules)}; "
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'rest_framework', 'core', 'performa', 'accounts', 'organization', "
        "'planning', 'measurement', 'appraisal', 'rewards', 'payments', 'documents', "
        "'transparency', 'interchange', 'api', 'demo'}); "
        "print(','.join(leaked))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_json_decimal_reads_machine_numbers_and_a_decimal_comma():
    from engine.numbers import json_decimal

    assert json_decimal("1.700") == D("1.7")
    assert json_decimal("2,5") == D("2.5")
    assert json_decimal("1.234,5") == D("1234.5")
    assert json_decimal(2.5) == D("2.5")
    for bad in ("1,2.3", "abc", "1e5", True):
        with pytest.raises((TypeError, ValueError)):
            json_decimal(bad)


@given(
    st.integers(-(10**20), 10**20),
    st.integers(-12, 12),
)
def test_the_quick_plain_text_is_the_normalized_one(digits, exponent):
    from engine.numbers import _plain, _plain_general

    value = Decimal(digits).scaleb(exponent)
    assert _plain(value) == _plain_general(value)


def test_optional_decimal_reads_stored_figures_and_leaves_the_unreadable_out():
    from decimal import Decimal

    from engine.numbers import optional_decimal

    assert optional_decimal(None) is None and optional_decimal("") is None
    assert optional_decimal("12.5") == Decimal("12.5")  # the dot of a stored figure
    assert optional_decimal(3) == Decimal(3) and optional_decimal(0.1) == Decimal("0.1")
    assert optional_decimal(Decimal("66.67")) == Decimal("66.67")
    for unreadable in ("1.700,5", "abc", "NaN", float("inf"), True, [1]):
        assert optional_decimal(unreadable) is None
