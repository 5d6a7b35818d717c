"""The "come è calcolato" attached to every result of the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.numbers import jsonable


@dataclass(frozen=True)
class Explanation:
    """How a number was obtained.

    `rule` is a stable code (for programs), `rule_label` its Italian name, `text` the inputs and
    the arithmetic in Italian ("67 / 111 × 100 = 60,36 %"), `data` the same facts as structured
    values so the UI can lay them out and JSON can carry them (see `to_dict`).
    """

    rule: str
    rule_label: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_label": self.rule_label,
            "text": self.text,
            "data": jsonable(dict(self.data)),
        }
