"""Explanations written when read: the roll-up hands over a function, not the text."""

from __future__ import annotations

from decimal import ROUND_DOWN, Context, Decimal, localcontext

import pytest

from engine.config import MissingPolicy
from engine.explanation import Explanation, written_at_once
from engine.rollup import Item, score_cycle, weighted_mean


def test_a_text_given_as_a_function_is_written_once_when_read():
    calls = []

    def write() -> str:
        calls.append(1)
        return "67 / 111 × 100 = 60,36 %"

    lazy = Explanation("ratio", "Rapporto", write, {"value": Decimal("67")})
    assert calls == []
    assert lazy.text == "67 / 111 × 100 = 60,36 %"
    assert lazy.text == "67 / 111 × 100 = 60,36 %"
    assert calls == [1]
    assert lazy == Explanation("ratio", "Rapporto", "67 / 111 × 100 = 60,36 %", {"value": 67})
    assert lazy.to_dict()["text"] == "67 / 111 × 100 = 60,36 %"


def test_an_explanation_is_read_only_and_followed_by_a_note():
    explanation = Explanation("unit", "Media", "Media: 80 %.")
    with pytest.raises(AttributeError):
        explanation.text = "altro"  # type: ignore[misc]
    noted = explanation.followed_by("Nota.")
    assert noted.text == "Media: 80 %. Nota."
    assert (noted.rule, noted.rule_label, noted.data) == ("unit", "Media", {})
    assert explanation.text == "Media: 80 %."


def test_the_mean_is_explained_with_the_same_words_when_read_later():
    items = [Item("a", Decimal("80"), Decimal("60")), Item("b", None, Decimal("40"))]
    score = weighted_mean(items, MissingPolicy.ZERO, rule="unit", rule_label="Media")
    assert score.percent == Decimal("48.000000")
    assert score.explanation.text == (
        "Media: (80,00 × 60 + 0,00 × 40) / 100 = 48,00\u00a0%. "
        "Criterio per i dati mancanti: "
        f"{MissingPolicy.ZERO.label}. b (dato mancante: vale 0)."
    )


def test_an_explanation_is_copied_and_pickled_with_its_written_text():
    import copy
    import pickle

    lazy = Explanation("unit", "Media", lambda: "Media: 80 %.", {"policy": "exclude"})
    assert copy.deepcopy(lazy) == lazy
    assert pickle.loads(pickle.dumps(lazy)) == lazy
    assert copy.copy(lazy).text == "Media: 80 %."


def test_inside_written_at_once_a_text_is_written_when_the_explanation_is_made():
    calls = []

    def write() -> str:
        calls.append(1)
        return "Media: 80 %."

    with written_at_once():
        explanation = Explanation("unit", "Media", write)
        assert calls == [1]
    later = Explanation("unit", "Media", write)
    assert calls == [1]
    assert explanation == later
    assert calls == [1, 1]


def test_a_whole_cycle_reads_the_same_when_written_later():
    from tests.engine.test_rollup import SEED_002, seed_002_records

    with written_at_once():
        at_once = score_cycle(seed_002_records(), SEED_002)
    later = score_cycle(seed_002_records(), SEED_002)
    levels = (later.indicators, later.objectives, later.units, later.persons, {"": later.ente})
    with localcontext(Context(prec=3, rounding=ROUND_DOWN, traps=[])):
        for scores in levels:
            for score in scores.values():
                assert score.explanation.text  # written here, in a context unlike the engine's
    assert later.to_dict() == at_once.to_dict()
