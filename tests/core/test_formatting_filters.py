"""The template builtins of Italian numbers: one formatter on every page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.template import Context, Template

from engine.numbers import NBSP


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_every_template_has_the_filters_without_loading_them():
    out = render(
        "{{ a|num }}|{{ a|num2 }}|{{ b|percent }}|{{ c|euro }}|{{ d|date_it }}|"
        "{{ b|percent_short }}",
        a=Decimal("1700"),
        b=Decimal("80"),
        c=Decimal("48000"),
        d=dt.date(2024, 3, 31),
    )
    assert out == f"1.700|1.700,00|80,00{NBSP}%|48.000,00{NBSP}€|31/03/2024|80{NBSP}%"


def test_json_strings_are_program_numbers():
    # «1.125» from to_dict() is one point one two five, not one thousand one hundred…
    assert render("{{ v|num }}", v="1.125") == "1,125"
    assert render("{{ v|percent }}", v="60.36") == f"60,36{NBSP}%"
    assert render("{{ v|date_it }}", v="2024-12-31") == "31/12/2024"


def test_missing_values():
    assert render("{{ v|num }}", v=None) == ""
    assert render("{{ v|num|default:'—' }}", v="") == "—"
    assert render("{{ v|percent }}|{{ v|euro }}|{{ v|num2 }}", v=None) == "—|—|—"
    assert render("{{ v|euro }}", v="non un numero") == "—"
    assert render("{{ m|get_item:'a' }}", m={"a": 1}) == "1"
