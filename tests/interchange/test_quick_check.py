"""The compiled schema check says "valid" exactly when jsonschema does (issue 15)."""

from __future__ import annotations

import copy

import pytest

from interchange import validation
from tests.interchange.documents import rich_document


def _broken(change) -> dict:
    document = copy.deepcopy(rich_document())
    change(document)
    return document


def _set(path, value):
    def change(document):
        node = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def _drop(path):
    def change(document):
        node = document
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return change


CHANGES = [
    _set(("cycle", "year"), "2024"),  # type
    _set(("cycle", "year"), True),  # a boolean is not an integer
    _set(("cycle", "year"), 2024.5),
    _set(("cycle", "objectives", 0, "key"), "Con Spazi"),  # pattern
    _set(("cycle", "objectives", 0, "title"), ""),  # minLength
    _set(("cycle", "objectives", 0, "key"), "x" * 5000),  # maxLength
    _set(("cycle", "objectives", 0, "campo"), 1),  # additionalProperties
    _drop(("cycle", "objectives", 0, "key")),  # required
    _set(("cycle", "indicators", 0, "scope"), "altro"),  # enum
    _set(("cycle", "measurements", 0, "indicator"), None),
    _set(("people",), {}),  # array expected
    _set(("cycle", "objectives", 0, "phases"), [1]),  # items
]


def test_the_compiled_check_accepts_the_valid_document():
    assert validation.quick_check() is not None
    assert validation.quick_check()(rich_document()) is True


@pytest.mark.parametrize("change", CHANGES)
def test_the_compiled_check_agrees_with_jsonschema(change):
    document = _broken(change)
    expected = validation.validator().is_valid(document)
    assert validation.quick_check()(document) is expected
    if not expected:
        assert validation.schema_errors(document)


def test_a_float_integer_is_accepted_by_both():
    document = _broken(_set(("cycle", "year"), 2024.0))
    assert validation.validator().is_valid(document)
    assert validation.quick_check()(document) is True
