"""The charts of the web pages: `core.charts` (the same SVG as in the documents) from a template.

``{% load charts %}{% bars "Raggiungimento per area" areas "label" "percent" %}`` draws one bar per
row, reading the label and the value by name (attribute or key). The page always keeps the table
with the same figures next to the chart; the SVG carries its own text alternative.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from core.charts import Bar, Series, bar_chart, grouped_bar_chart
from engine.numbers import optional_decimal

register = template.Library()

_ID = re.compile(r'\bid="([\w-]+)"')
_counter = itertools.count(1)


def _unique_ids(svg: str) -> str:
    """Several charts on one page: prefix every id of the SVG (and what points at it), so that
    each chart's title and description stay its own (WCAG 4.1.1, axe duplicate-id-aria)."""
    prefix = f"grafico{next(_counter)}-"
    ids = set(_ID.findall(svg))
    for name in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f'id="{name}"', f'id="{prefix}{name}"')
        svg = svg.replace(f"url(#{name})", f"url(#{prefix}{name})")
    labelled = re.search(r'aria-labelledby="([^"]*)"', svg)
    if labelled:
        names = " ".join(prefix + name for name in labelled.group(1).split())
        svg = svg.replace(labelled.group(0), f'aria-labelledby="{names}"', 1)
    return svg


def _read(row: Any, name: str) -> Any:
    if isinstance(row, dict):
        return row.get(name)
    return getattr(row, name, None)


@register.simple_tag
def bars(
    title: str,
    rows: Iterable[Any],
    label: str,
    value: str,
    unit: str = "%",
    maximum: Any = None,
) -> SafeString:
    items = [Bar(str(_read(row, label)), optional_decimal(_read(row, value))) for row in rows or ()]
    if unit == "%" and maximum is None:
        maximum = Decimal(100)
    # bar_chart escapes every text it writes: the SVG is safe to insert.
    svg = _unique_ids(bar_chart(title, items, unit=unit, maximum=optional_decimal(maximum)))
    return mark_safe(f'<figure class="chart mb-3">{svg}</figure>')


@register.simple_tag
def trend_chart(title: str, columns: Iterable[str], rows: Iterable[Any]) -> SafeString:
    """One group of bars per row (the ente, an area…), one bar per column (each closed
    monitoring window, then now): `rows` carry `label` and `percents` aligned with `columns`."""
    rows = list(rows or ())
    columns = list(columns or ())
    series = [
        Series(column, [optional_decimal(row.percents[index]) for row in rows])
        for index, column in enumerate(columns)
    ]
    svg = grouped_bar_chart(
        title, [str(_read(row, "label")) for row in rows], series, maximum=Decimal(100)
    )
    return mark_safe(f'<figure class="chart mb-3">{_unique_ids(svg)}</figure>')
