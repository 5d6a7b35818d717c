"""`engine.tree`: the walks up and down a hierarchy every app uses for its units."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine import tree

# 1 ─ 2 ─ 4
#   └ 3
# 5 (its parent 9 is unknown: a root)
UNITS = {1: None, 2: 1, 3: 1, 4: 2, 5: 9}


def test_below_is_the_roots_and_everything_under_them():
    assert set(tree.below(UNITS, [2])) == {2, 4}
    assert set(tree.below(UNITS, [1])) == {1, 2, 3, 4}
    assert set(tree.below(UNITS, [3, 5])) == {3, 5}
    assert tree.below(UNITS, []) == []


def test_ancestors_depth_and_order():
    assert tree.ancestors(UNITS, 4) == [2, 1]
    assert tree.ancestors(UNITS, 1) == []
    assert tree.ancestors(UNITS, 5) == []
    assert [tree.depth(UNITS, node) for node in (1, 2, 4, 5)] == [0, 1, 2, 0]
    assert tree.in_order(UNITS) == [(1, 0), (2, 1), (4, 2), (3, 1), (5, 0)]
    assert tree.in_order(UNITS, without=2) == [(1, 0), (3, 1), (5, 0)]


def test_loops_are_found_and_never_walked_forever():
    looping = {1: 3, 2: 1, 3: 2, 4: None}
    assert tree.loop_in(UNITS) is None
    assert tree.loop_in(looping) in {1, 2, 3}
    assert set(tree.ancestors(looping, 1)) == {2, 3}
    assert set(tree.below(looping, [1])) == {1, 2, 3}
    assert tree.would_loop(UNITS, 1, 4) and tree.would_loop(UNITS, 2, 2)
    assert not tree.would_loop(UNITS, 4, 3)


@st.composite
def forests(draw):
    """Trees over 0..n-1 where each node's parent, if any, has a smaller id."""
    size = draw(st.integers(0, 25))
    parents: dict[int, int | None] = {}
    for node in range(size):
        parents[node] = draw(st.none() | st.integers(0, node - 1)) if node else None
    return parents


@given(forests(), st.data())
def test_below_and_ancestors_agree(parents, data):
    if not parents:
        return
    root = data.draw(st.sampled_from(sorted(parents)))
    under = tree.below(parents, [root])
    assert len(under) == len(set(under))
    for node in parents:
        assert (node in under) == (node == root or root in tree.ancestors(parents, node))
    order = tree.in_order(parents)
    assert sorted(node for node, _ in order) == sorted(parents)
    for node, level in order:
        assert level == tree.depth(parents, node)
    assert tree.loop_in(parents) is None


@given(st.dictionaries(st.integers(0, 12), st.none() | st.integers(0, 12), max_size=13))
def test_below_in_with_children_built_once_is_below(parent_of):
    children = tree.children_of(parent_of)
    for node in parent_of:
        assert tree.below_in(children, [node]) == tree.below(parent_of, [node])
