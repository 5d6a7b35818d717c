"""How the export reads and writes its long lists (issue 12: a metropolitan ente in seconds)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db.models.signals import post_init

from appraisal.models import Scheda, SchedaItem, SchedaTransition
from interchange import exporter
from interchange.exporter import dumps, export_cycle, write_cycle
from measurement.models import Measurement
from organization.models import Assignment, Employment, Person
from planning.models import Indicator, OperationalObjective, Phase, Target
from rewards.models import Distribution, DistributionLine

LONG_LISTS = (
    Person,
    Employment,
    Assignment,
    OperationalObjective,
    Phase,
    Indicator,
    Target,
    Measurement,
    Scheda,
    SchedaItem,
    SchedaTransition,
    Distribution,
    DistributionLine,
)


def test_the_long_lists_are_written_without_model_instances(rich_cycle):
    """Building an instance (and the querysets of its prefetched relations) per row was most
    of the time of a large export: the long lists are read as plain values."""
    assert Measurement.objects.filter(cycle=rich_cycle).exists()
    assert Scheda.objects.filter(cycle=rich_cycle).exists()
    assert DistributionLine.objects.filter(distribution__cycle=rich_cycle).exists()
    built: Counter[str] = Counter()

    def count(sender, **kwargs):
        built[sender.__name__] += 1

    post_init.connect(count)
    try:
        text: list[str] = []
        write_cycle(rich_cycle, text.append)
    finally:
        post_init.disconnect(count)
    assert "".join(text) == dumps(export_cycle(rich_cycle))
    assert not {model.__name__ for model in LONG_LISTS} & set(built)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [{}], "d": [[]]},
        'virgolette " barra \\ a capo \n tab \t nulla \x00 \x1f è € 😀 \u2028',
        {'chiave "strana"\n': "valore", "è": ["ü", None, True, False, 0, -12, 10**30]},
        [1.5, 1e300, -0.0, float("inf")],
        {1: "chiave intera", None: "nulla", False: "falso"},
        {"annidato": {"più": {"livelli": [{"x": [1, [2, [3, {}]]]}]}}},
        ("tupla", 1),
    ],
)
def test_the_json_text_is_the_standard_library_s(value):
    for newline in ("\n", "\n    "):
        expected = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", newline)
        assert exporter._json_text(value, newline) == expected


def test_unknown_values_are_refused_as_by_json():
    with pytest.raises(TypeError):
        exporter._json_text({"a": object()}, "\n")
