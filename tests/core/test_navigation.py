"""The breadcrumb tags and the one breadcrumb partial."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError

from core.templatetags.navigation import joined, query_url, trail


def test_trail_pairs_and_skips_empty_levels():
    assert trail("Piano 2024", "/piano/", "", "/x/", "OB1", "") == [("Piano 2024", "/piano/")]
    assert trail("A", "/a/", [("B", "/b/")], "C", "/c/") == [
        ("A", "/a/"),
        ("B", "/b/"),
        ("C", "/c/"),
    ]


def test_trail_refuses_a_label_without_url():
    with pytest.raises(TemplateSyntaxError):
        trail("A", "/a/", "B")
    with pytest.raises(TemplateSyntaxError):
        trail("A", [("B", "/b/")])


def test_joined_and_query_url():
    assert joined("Piano", 2024) == "Piano 2024"
    assert joined("Piano", None) == "Piano"
    assert query_url("/piano/", anno=2024) == "/piano/?anno=2024"
    assert query_url("/piano/?x=1", anno=2024, q="") == "/piano/?x=1&anno=2024"
    assert query_url("/piano/", anno=None) == "/piano/"


def test_partial_renders_links_and_the_current_page():
    html = Template(
        '{% trail "Piano 2024" "/piano/?anno=2024" as crumbs %}'
        '{% include "includes/_breadcrumbs.html" with here="Modifica" %}'
    ).render(Context({}))
    assert '<a href="/piano/?anno=2024">Piano 2024</a>' in html
    assert 'aria-current="page">Modifica</li>' in html
    assert html.count("breadcrumb-item") == 2
