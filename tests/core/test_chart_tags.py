"""The charts of the web pages: the documents' SVG, with its own ids on a page of several."""

from __future__ import annotations

import re
from decimal import Decimal

from django.template import Context, Template

PAGE = (
    "{% load charts %}"
    '{% bars "Raggiungimento per area" areas "label" "percent" %}'
    '{% bars "Obiettivi per stato" statuses "label" "count" unit="" %}'
)


def _render() -> str:
    areas = [
        {"label": "Area <amministrativa>", "percent": Decimal("60.36")},
        {"label": "Polizia Locale", "percent": None},
    ]
    statuses = [{"label": "in linea", "count": 3}, {"label": "in ritardo", "count": 1}]
    return Template(PAGE).render(Context({"areas": areas, "statuses": statuses}))


def test_each_chart_has_its_own_title_and_description():
    html = _render()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    labelled = re.findall(r'aria-labelledby="([^"]+)"', html)
    assert len(labelled) == 2
    for names in labelled:
        for name in names.split():
            assert f'id="{name}"' in html
    for url in re.findall(r"url\(#([^)]+)\)", html):
        assert url in ids


def test_values_are_written_and_labels_escaped():
    html = _render()
    assert "60,36 %" in html and "n.d." in html
    assert "Area &lt;amministrativa&gt;" in html and "<amministrativa>" not in html
    assert "Polizia Locale: n.d." in html  # the text alternative names every bar
    assert "in ritardo: 1" in html
