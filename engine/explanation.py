"""The "come è calcolato" attached to every result of the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from engine.numbers import jsonable

# The text of an explanation, or how to write it: a large ente has ~20,000 explanations and a
# page shows a few, so the roll-up hands over a function and the text is written when read.
Text = str | Callable[[], str]

# Inside `written_at_once()` a text given as a function is written when the explanation is made.
_AT_ONCE: ContextVar[bool] = ContextVar("explanations_written_at_once", default=False)


@contextmanager
def written_at_once() -> Iterator[None]:
    """Write every explanation made inside the block at once, in the computation's own Decimal
    context, as the engine wrote them before it wrote them when read: what the tests compare
    the texts written later with (they must be the same)."""
    token = _AT_ONCE.set(True)
    try:
        yield
    finally:
        _AT_ONCE.reset(token)


class Explanation:
    """How a number was obtained.

    `rule` is a stable code (for programs), `rule_label` its Italian name, `text` the inputs and
    the arithmetic in Italian ("67 / 111 × 100 = 60,36 %"), `data` the same facts as structured
    values so the UI can lay them out and JSON can carry them (see `to_dict`).

    `text` may be given as a function without arguments: it is called the first time the text is
    read, and its result kept (at once inside `written_at_once()`). The function must depend
    only on values that do not change afterwards, and set its own Decimal context.
    Explanations are values: read-only, equal when their rule, text and data are equal.
    """

    __slots__ = ("rule", "rule_label", "_text", "data")

    rule: str
    rule_label: str
    _text: Text
    data: Mapping[str, Any]

    def __init__(
        self, rule: str, rule_label: str, text: Text, data: Mapping[str, Any] | None = None
    ):
        if callable(text) and _AT_ONCE.get():
            text = text()
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "rule_label", rule_label)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "data", {} if data is None else data)

    @property
    def text(self) -> str:
        text = self._text
        if callable(text):
            text = text()
            object.__setattr__(self, "_text", text)
        return str(text)

    def followed_by(self, note: str) -> Explanation:
        """The same explanation with `note` after its text (written when read)."""
        return Explanation(self.rule, self.rule_label, lambda: f"{self.text} {note}", self.data)

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles carry the written text (a function may not be picklable).
        return (Explanation, (self.rule, self.rule_label, self.text, self.data))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Explanation is read-only ({name})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Explanation):
            return NotImplemented
        return (self.rule, self.rule_label, self.text, self.data) == (
            other.rule,
            other.rule_label,
            other.text,
            other.data,
        )

    __hash__ = None  # type: ignore[assignment]  # data is a mapping: as the dataclass it was

    def __repr__(self) -> str:
        return (
            f"Explanation(rule={self.rule!r}, rule_label={self.rule_label!r}, "
            f"text={self.text!r}, data={self.data!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_label": self.rule_label,
            "text": self.text,
            "data": jsonable(dict(self.data)),
        }
