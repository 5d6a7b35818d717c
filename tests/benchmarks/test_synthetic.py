"""The synthetic enti: deterministic, of the stated size, valid performa-cycle documents."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from benchmarks.synthetic import PROFILES, build_document
from interchange.validation import document_errors
from measurement.selectors import cycle_scores
from planning.models import Cycle, Indicator, OperationalObjective


def test_same_profile_and_seed_give_the_same_document():
    assert build_document("small", seed=7) == build_document("small", seed=7)
    assert build_document("small", seed=7) != build_document("small", seed=8)


@pytest.mark.parametrize("name", ["small", "medium"])
def test_sizes_follow_the_profile(name):
    profile = PROFILES[name]
    document = build_document(name)
    cycle = document["cycle"]
    kinds = Counter(unit["kind"] for unit in document["units"])
    assert kinds == {"area": profile.areas, "servizio": profile.services}
    assert len(cycle["objectives"]) == profile.objectives
    assert len(cycle["indicators"]) == profile.indicators
    assert len(document["people"]) == profile.people
    assert len(cycle["schede"]) == profile.people
    assert len(cycle["measurements"]) == 4 * profile.indicators  # one per window


def test_metropolitan_profile_is_the_size_the_issue_states():
    profile = PROFILES["metropolitan"]
    assert (profile.areas, profile.services) == (25, 300)
    assert (profile.objectives, profile.indicators, profile.people) == (3000, 12000, 25000)


def test_weights_of_each_group_total_100_and_target_kinds_are_mixed():
    cycle = build_document("medium", seed=3)["cycle"]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for objective in cycle["objectives"]:
        totals[objective["weight_group"]] += Decimal(objective["weight"])
    assert set(totals.values()) == {Decimal(100)}
    assert {group["key"] for group in cycle["weight_groups"]} == set(totals)
    kinds = {target["kind"] for ind in cycle["indicators"] for target in ind["targets"]}
    assert {"gte", "lte", "between", "by_date", "text"} <= kinds


def test_the_document_is_valid_and_names_are_not_repeated():
    document = build_document("medium")
    assert document_errors(document) == []
    keys = [person["key"] for person in document["people"]]
    assert len(keys) == len(set(keys))
    names = [(p["first_name"], p["last_name"]) for p in document["people"]]
    assert len(names) == len(set(names))


@pytest.mark.django_db
def test_command_imports_a_small_ente_that_scores(tmp_path):
    out = tmp_path / "small.json"
    call_command("generate_synthetic", "--profile", "small", "--seed", "2", "--output", str(out))
    assert out.stat().st_size > 0
    cycle = Cycle.objects.get(ente__slug="sintetico-small-2", year=2025)
    assert OperationalObjective.objects.filter(cycle=cycle).count() == 18
    assert Indicator.objects.filter(cycle=cycle).count() == 45
    board = cycle_scores(cycle)
    assert board.ente_score.percent is not None
    assert len(board.objectives) == 18


@pytest.mark.django_db
def test_command_refuses_no_load_without_output():
    with pytest.raises(CommandError, match="--output"):
        call_command("generate_synthetic", "--profile", "small", "--no-load")
