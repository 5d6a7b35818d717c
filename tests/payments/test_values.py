"""The cell parsers of the import: their fast paths read what the general ones read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.numbers import format_number, parse_number
from payments.values import parse_amount, parse_date

amounts = st.decimals(min_value="-9999999.99", max_value="9999999.99", places=2).map(Decimal)
padding = st.sampled_from(["", " ", "  ", "\t"])


@given(amounts, padding, padding, st.booleans())
def test_an_italian_amount_in_a_cell_reads_as_the_shared_parser_reads_it(
    amount, before, after, thousands
):
    text = format_number(amount, 2)
    if not thousands:
        text = text.replace(".", "")
    cell = before + text + after
    assert parse_amount(cell) == amount == parse_number(text)
    assert parse_amount(cell).as_tuple().exponent == -2  # always to the cent


@given(amounts)
def test_an_amount_from_a_spreadsheet_cell_or_as_text_reads_the_same(amount):
    assert parse_amount(format_number(amount, 2)) == parse_amount(amount)
    assert parse_amount(float(amount)) == amount


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), padding)
def test_a_date_in_a_cell_reads_as_the_date_itself(day, before):
    for text in (day.strftime("%d/%m/%Y"), day.isoformat(), day.strftime("%d-%m-%Y")):
        assert parse_date(before + text + " ") == day
    assert parse_date(day) == day
    assert parse_date(dt.datetime(day.year, day.month, day.day, 12, 30)) == day
