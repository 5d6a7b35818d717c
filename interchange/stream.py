"""Reading a `performa-cycle` file without holding it in memory.

A metropolitan file (25 MB) read with `json.loads` becomes a few hundred MB of dictionaries,
and the memory of the import grows with the file. Here the file is read once, with ijson's
parser events, to build the *outline*: the document as `json.loads` would return it, except
that the long lists (`LONG_LISTS`: people, objectives, indicators, values, schede,
distributions) are `Streamed` objects that know how many items they hold and parse them from
the file again, one at a time, at every pass. Validation and import walk them item by item,
so at any moment only one item (or one block of items) is in memory, whatever the size of the
file. The few short lists and the scalars stay in the outline.

A document read with `json.loads` (the upload in the browser, the tests) goes through the same
checks and the same import: for them a long list is a plain list.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson
from ijson.common import ObjectBuilder

from core.limits import MAX_JSON_DEPTH

# The lists that grow with the size of the ente, as paths from the root of the document.
LONG_LISTS: tuple[tuple[str, ...], ...] = (
    ("people",),
    ("cycle", "objectives"),
    ("cycle", "indicators"),
    ("cycle", "measurements"),
    ("cycle", "schede"),
    ("cycle", "distributions"),
)

# A value starts at these events (a scalar is one event by itself).
_VALUE_STARTS = frozenset({"start_map", "start_array", "string", "number", "boolean", "null"})


class TooDeep(Exception):
    """The document nests deeper than `MAX_JSON_DEPTH` (see core.limits)."""


class NotStreamable(Exception):
    """A key repeated around the long lists: `json.loads` keeps the last one, and a
    `Streamed` list could not tell the two apart, so such a file is read whole."""


class Streamed:
    """A long list of a file: iterating it parses its items from the file, one at a time."""

    def __init__(self, path: Path, where: tuple[str, ...], count: int):
        self.path = path
        self.where = where
        self.count = count

    def __iter__(self) -> Iterator[Any]:
        prefix = ".".join((*self.where, "item"))
        with open(self.path, "rb") as handle:
            # use_float: numbers come back as `json.loads` gives them (int or float).
            yield from ijson.items(handle, prefix, use_float=True)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __repr__(self) -> str:
        return f"<Streamed {'.'.join(self.where)}: {self.count} elementi da {self.path}>"


def read_outline(path: Path) -> Any:
    """The document of `path` with its long lists left in the file (`Streamed`).

    Raises `ijson.JSONError` on a malformed file, `TooDeep` on one nested beyond the limit,
    `NotStreamable` on one with a repeated key around its long lists.
    """
    long_prefixes = {".".join(where): where for where in LONG_LISTS}
    # The objects that hold long lists: a key repeated there would mix two lists.
    holders: dict[str, set[str]] = {"": set(), "cycle": set()}
    counts: dict[tuple[str, ...], int] = {}
    builder = ObjectBuilder()
    depth = 0
    with open(path, "rb") as handle:
        events = ijson.parse(handle, use_float=True)
        for prefix, event, value in events:
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    raise TooDeep
            elif event in ("end_map", "end_array"):
                depth -= 1
            elif event == "map_key" and prefix in holders:
                if value in holders[prefix]:
                    raise NotStreamable(value)
                holders[prefix].add(value)
            if event == "start_array" and prefix in long_prefixes:
                # Only the count is kept; the list stays empty in the outline.
                builder.event("start_array", None)
                counts[long_prefixes[prefix]] = _skip_list(events, prefix, depth)
                builder.event("end_array", None)
                depth -= 1
                continue
            builder.event(event, value)
    document = builder.value
    for where, count in counts.items():
        _place(document, where, Streamed(path, where, count))
    return document


def _skip_list(events, prefix: str, depth: int) -> int:
    """Consume the events of the list at `prefix` up to its end; return its item count.

    The depth of the items is checked here too: the items are parsed again later."""
    item = prefix + ".item"
    count = 0
    for inner_prefix, event, _ in events:
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise TooDeep
        elif event in ("end_map", "end_array"):
            if event == "end_array" and inner_prefix == prefix:
                return count
            depth -= 1
        if inner_prefix == item and event in _VALUE_STARTS:
            count += 1
    raise ijson.IncompleteJSONError("incomplete JSON")  # the parser reports it first


def _place(document: Any, where: tuple[str, ...], value: Streamed) -> None:
    node = document
    for name in where[:-1]:
        node = node[name]
    node[where[-1]] = value
