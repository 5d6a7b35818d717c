"""core.pagecache reads the data version through the source an upper app registers."""

from __future__ import annotations

import pytest

from core import pagecache


@pytest.fixture
def source():
    kept = pagecache._source
    yield
    pagecache.register_version_source(kept)
    pagecache.clear()


def test_without_a_version_source_every_call_builds(source):
    pagecache.register_version_source(None)
    built = []
    for _ in range(2):
        pagecache.cached(1, "prova", {}, lambda: built.append(1) or "pagina")
    assert built == [1, 1]


def test_a_registered_source_keys_the_copies_by_its_token(source):
    tokens = {"now": "a"}
    pagecache.register_version_source(
        pagecache.VersionSource(lambda ente_id: tokens["now"], lambda ente_id: False)
    )
    pagecache.clear()
    built = []

    def page():
        built.append(tokens["now"])
        return f"pagina {tokens['now']}"

    assert pagecache.cached(1, "prova", {}, page) == "pagina a"
    assert pagecache.cached(1, "prova", {}, page) == "pagina a"
    tokens["now"] = "b"  # a write gave the ente a new version
    assert pagecache.cached(1, "prova", {}, page) == "pagina b"
    assert built == ["a", "b"]


def test_measurement_registers_the_ente_s_score_version():
    from measurement import versions

    assert pagecache._source is not None
    assert pagecache._source.token_of is versions.token_of
