"""The target parser shared by the plan import and any free-text target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planning.target_text import parse_italian_number, parse_target


@pytest.mark.parametrize(
    ("text", "kind", "value", "value_to"),
    [
        ("≥ 30", "gte", "30", None),
        ("nr. controlli ≥ 30", "gte", "30", None),
        (">=50%", "gte", "50", None),
        ("Superiore al 53%", "gt", "53", None),
        ("maggiore di 10", "gt", "10", None),
        ("> 5", "gt", "5", None),
        ("non inferiore al 90%", "gte", "90", None),
        ("almeno 12", "gte", "12", None),
        ("≥ 3.000", "gte", "3000", None),
        ("≤ 8 gg", "lte", "8", None),
        ("Inferiore al 45%", "lt", "45", None),
        ("minore di 3", "lt", "3", None),
        ("< 8", "lt", "8", None),
        ("non superiore al 45%", "lte", "45", None),
        ("al massimo 20", "lte", "20", None),
        ("N. interventi oltre al nido ≥ 60", "gte", "60", None),
        ("inoltre 5 controlli", "text", None, None),
        ("= 100%", "eq", "100", None),
        ("compreso tra 700 e 800", "between", "700", "800"),
        ("compreso nell'intervallo 700 - 800", "between", "700", "800"),
        ("60÷70%", "between", "60", "70"),
        ("≥ 2022/23", "gte_previous", None, None),
        ("≥ anno precedente", "gte_previous", None, None),
        ("superiore all'anno precedente", "gt_previous", None, None),
        ("inferiore all'anno precedente", "lt_previous", None, None),
        ("non superiore all'anno precedente", "lte_previous", None, None),
        ("non oltre il 2025/26", "lte_previous", None, None),
        ("pari o superiore al valore dell'anno precedente", "gte_previous", None, None),
        ("n. progetti al 31.12.2024 / n. progetti attivati = ≥ al 20%", "gte", "20", None),
        ("1.700", "value", "1700", None),
        ("1 giorno", "text", None, None),
        ("certificazione annuale", "text", None, None),
    ],
)
def test_shapes(text, kind, value, value_to):
    parsed = parse_target(text)
    assert parsed.kind == kind
    assert parsed.value == (Decimal(value) if value else None)
    assert parsed.value_to == (Decimal(value_to) if value_to else None)
    assert parsed.text == text  # always kept as written


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("entro il 31.03.2024", dt.date(2024, 3, 31)),
        ("Report entro il 10/11/2024", dt.date(2024, 11, 10)),
        ("entro 31 dicembre 2024", dt.date(2024, 12, 31)),
        ("31/12/2024", dt.date(2024, 12, 31)),
    ],
)
def test_dates(text, date):
    parsed = parse_target(text)
    assert (parsed.kind, parsed.target_date) == ("by_date", date)


def test_a_date_inside_a_sentence_is_not_a_deadline():
    assert parse_target("fissato in n. 24 persone al 31.12.2024").kind == "text"


@pytest.mark.parametrize("text", ["", "---", "--", "n.d."])
def test_no_target(text):
    assert parse_target(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.700", "1700"),
        ("11,11", "11.11"),
        ("11.11", "11.11"),
        ("0,1111", "0.1111"),
        ("1.700,5", "1700.5"),
        ("30 %", "30"),
    ],
)
def test_italian_numbers(text, value):
    assert parse_italian_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["trenta", "1,700.5", "1.2.3", "", "1e3", "5,", "1. 700"])
def test_refused_numbers(text):
    with pytest.raises(ValueError):
        parse_italian_number(text)


def test_targets_read_numbers_as_every_other_page_does():
    # The same reader as the forms and services (`engine.numbers.parse_number`): a typographic
    # minus is a minus, and the message says why a number is refused.
    assert parse_italian_number("\u22125") == Decimal(-5)
    with pytest.raises(ValueError, match="separa i decimali"):
        parse_italian_number("1,700.5")
