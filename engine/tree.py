"""Walks of a hierarchy given as `{node: parent}`: the units of an ente, the weight groups.

Every place that goes down a tree (the units a responsabile leads, the objectives below a unit)
or up it (the breadcrumb of a unit, the first responsabile above a person, a move that would
make the tree circular) uses these, so the rules are written once:

* a parent that is not a key of the mapping ends the walk upwards (the node is a root);
* each node is visited once, so a malformed tree with a loop never makes a walk endless;
  `loop_in` finds such a loop, for the code that must refuse it.

Nodes are any hashable ids; the order of the mapping is the order of the children.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def children_of(parent_of: Mapping[K, K | None]) -> dict[K, list[K]]:
    """The children of each node that has some, in the order of `parent_of`."""
    children: dict[K, list[K]] = {}
    for node, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(node)
    return children


def below(parent_of: Mapping[K, K | None], roots: Iterable[K]) -> list[K]:
    """The roots and every node under them, each once, depth first (last child first)."""
    return below_in(children_of(parent_of), roots)


def below_in(children: Mapping[K, list[K]], roots: Iterable[K]) -> list[K]:
    """`below` over the children of each node (`children_of`), for a caller walking down from
    many nodes of the same tree: building the children once keeps that linear."""
    found: list[K] = []
    seen: set[K] = set()
    pending = list(roots)
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        found.append(node)
        pending.extend(children.get(node, []))
    return found


def in_order(parent_of: Mapping[K, K | None], *, without: K | None = None) -> list[tuple[K, int]]:
    """Every node reachable from a root with its depth, parents before children and siblings in
    the order of `parent_of` (the order of an indented list); `without` leaves out a node and
    all that is under it."""
    children = children_of(parent_of)
    roots = [
        node for node, parent in parent_of.items() if parent is None or parent not in parent_of
    ]
    found: list[tuple[K, int]] = []
    seen: set[K] = set()
    pending = [(node, 0) for node in reversed(roots)]
    while pending:
        node, level = pending.pop()
        if node == without or node in seen:
            continue
        seen.add(node)
        found.append((node, level))
        pending.extend((child, level + 1) for child in reversed(children.get(node, [])))
    return found


def ancestors(parent_of: Mapping[K, K | None], node: K) -> list[K]:
    """The nodes above `node`, its parent first and the root last (`node` itself never)."""
    chain: list[K] = []
    seen = {node}
    parent = parent_of.get(node)
    while parent is not None and parent in parent_of and parent not in seen:
        chain.append(parent)
        seen.add(parent)
        parent = parent_of[parent]
    return chain


def depth(parent_of: Mapping[K, K | None], node: K) -> int:
    """How many nodes stand above `node` (0 for a root)."""
    return len(ancestors(parent_of, node))


def loop_in(parent_of: Mapping[K, K | None]) -> K | None:
    """A node that is its own ancestor (the tree has a loop), or None for a proper tree."""
    for start in parent_of:
        seen: set[K] = set()
        node: K | None = start
        while node is not None and node in parent_of:
            if node in seen:
                return node
            seen.add(node)
            node = parent_of[node]
    return None


def would_loop(parent_of: Mapping[K, K | None], node: K, new_parent: K) -> bool:
    """Whether putting `node` under `new_parent` makes a loop: the parent is the node itself
    or one of the nodes under it."""
    return new_parent == node or node in ancestors(parent_of, new_parent)
