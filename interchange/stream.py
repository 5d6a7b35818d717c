"""Reading a `performa-cycle` file without holding it in memory.

A metropolitan file (25 MB) read with `json.loads` becomes a few hundred MB of dictionaries,
and the memory of the import grows with the file. Here the file is read once, with ijson's
parser events, to build the *outline*: the document as `json.loads` would return it, except
that the long lists (`LONG_LISTS`: people, objectives, indicators, values, schede,
distributions) are `Streamed` objects that know how many items they hold and read them, one
at a time, at every pass. During the outline pass each item of a long list is written to the
list's spool, a temporary file (marshal, after its length): reading a list back then costs
that list only, where parsing it from the file again read the whole file at each of the ~25
passes of the checks and the import. Validation and import walk them item by item,
so at any moment only one item (or one block of items) is in memory, whatever the size of the
file. The few short lists and the scalars stay in the outline.

A document read with `json.loads` (the upload in the browser, the tests) goes through the same
checks and the same import: for them a long list is a plain list.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

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
    """A long list of a file: iterating it reads its items one at a time.

    The items are read from the list's *spool* (see `read_outline`) when there is one, else
    parsed again from the file."""

    def __init__(self, path: Path, where: tuple[str, ...], count: int, spool: Path | None = None):
        self.path = path
        self.where = where
        self.count = count
        self.spool = spool
        if spool is not None:
            # The spool lives as long as the list (and at most as long as the process).
            weakref.finalize(self, _remove, spool)

    def __iter__(self) -> Iterator[Any]:
        if self.spool is not None:
            with open(self.spool, "rb") as handle:
                for _ in range(self.count):
                    # `marshal.load` on a file reads it a few bytes at a time: each item
                    # is read whole first, after its length.
                    size = int.from_bytes(handle.read(4), "little")
                    yield marshal.loads(handle.read(size))
            return
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


def _spool_file() -> Path:
    """A temporary file for one list (see `Streamed`)."""
    handle, name = tempfile.mkstemp(prefix="performa-import-", suffix=".marshal")
    os.close(handle)
    return Path(name)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def read_outline(path: Path) -> Any:
    """The document of `path` with its long lists left in the file (`Streamed`).

    Raises `ijson.JSONError` on a malformed file, `TooDeep` on one nested beyond the limit,
    `NotStreamable` on one with a repeated key around its long lists.
    """
    long_prefixes = {".".join(where): where for where in LONG_LISTS}
    # The objects that hold long lists: a key repeated there would mix two lists.
    holders: dict[str, set[str]] = {"": set(), "cycle": set()}
    counts: dict[tuple[str, ...], int] = {}
    spools: dict[tuple[str, ...], Path] = {}
    try:
        document = _outline(path, long_prefixes, holders, counts, spools)
    except BaseException:
        for spool in spools.values():
            _remove(spool)
        raise
    for where, count in counts.items():
        _place(document, where, Streamed(path, where, count, spools[where]))
    return document


def _outline(path, long_prefixes, holders, counts, spools) -> Any:
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
                # The list stays empty in the outline; its items go to its spool.
                builder.event("start_array", None)
                spool = spools[long_prefixes[prefix]] = _spool_file()
                with open(spool, "wb") as out:
                    counts[long_prefixes[prefix]] = _spool_list(events, prefix, depth, out)
                builder.event("end_array", None)
                depth -= 1
                continue
            builder.event(event, value)
    return builder.value


def _spool_list(events, prefix: str, depth: int, out: BinaryIO) -> int:
    """Consume the events of the list at `prefix` up to its end, writing each item to `out`
    (marshal: the fastest to read back of the formats that keep int, float and str apart);
    return the item count.

    The depth of the items is checked here too. Only one item is in memory at a time."""
    item = prefix + ".item"
    count = 0
    builder: ObjectBuilder | None = None
    level = depth  # the depth of the list itself: an item ends when we are back at it
    for inner_prefix, event, value in events:
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise TooDeep
        elif event in ("end_map", "end_array"):
            if event == "end_array" and inner_prefix == prefix:
                return count
            depth -= 1
        if builder is None:
            if inner_prefix != item or event not in _VALUE_STARTS:
                continue  # pragma: no cover - every event in the list belongs to an item
            count += 1
            builder = ObjectBuilder()
        builder.event(event, value)
        if depth == level:
            data = marshal.dumps(builder.value)
            out.write(len(data).to_bytes(4, "little"))
            out.write(data)
            builder = None
    raise ijson.IncompleteJSONError("incomplete JSON")  # the parser reports it first


def _place(document: Any, where: tuple[str, ...], value: Streamed) -> None:
    node = document
    for name in where[:-1]:
        node = node[name]
    node[where[-1]] = value
