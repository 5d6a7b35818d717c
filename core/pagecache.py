"""Rendered parts of pages reused until the ente's data change.

The heavy part of a page (the body of the ente dashboard, a page of the API list) depends only
on the ente's data and on the choices in the address; the shell around it (menu, name of the
user, CSRF token) belongs to each request. `cached(ente_id, name, parts, build)` returns what
`build()` returns, computed once per **data version** of the ente (`ScoreVersion.token`,
bumped in the transaction of every write: `measurement.versions`) and per `parts` (cycle,
window, day, page…), and kept in the `pages` cache of the process.

Why this never shows stale content: the token is read *before* the data, so what is stored
under a token is at least as new as the token; a write commits a new token together with its
data, and every later request looks under the new token. Nothing is stored while the current
transaction has written to the ente (its new token is not committed yet), nor for an ente
without a token.

Access is not cached: the caller checks the viewer's access on every request before asking,
and puts in `parts` whatever of the viewer changes the content (nothing, for pages that show
the same to everyone who may open them). The ente is part of every key, so one ente's content
is never found under another's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import caches

CACHE_ALIAS = "pages"
# Raise it when the cached markup or data shape changes, so that no old copy is reused by a
# process that survives a deploy (the locmem cache does not, a shared one would).
FORMAT = 1

T = TypeVar("T")
stats = {"hits": 0, "misses": 0, "uncached": 0}


@dataclass(frozen=True)
class VersionSource:
    """How to read an ente's data version; the version lives in an app above core."""

    token_of: Callable[[int], str | None]  # the committed token, None when the ente has none
    bumped_in_transaction: Callable[[int], bool]  # the current transaction wrote to the ente


# Set by `register_version_source` (measurement does it when the apps are ready). Without a
# source nothing is cached: every call builds.
_source: VersionSource | None = None


def register_version_source(source: VersionSource | None) -> None:
    global _source
    _source = source


def data_version(ente_id: int) -> str | None:
    """The ente's current data token (one small query), or None when it has none."""
    return _source.token_of(ente_id) if _source else None


def key(ente_id: int, token: str, name: str, parts: object) -> str:
    """The cache key: readable prefix, digest of the rest (keys have a length limit)."""
    text = json.dumps([FORMAT, token, parts], default=str, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    return f"performa:{name}:{ente_id}:{digest}"


def cached(ente_id: int, name: str, parts: object, build: Callable[[], T]) -> T:
    """`build()`, reused while the ente's data version and `parts` stay the same."""
    token = data_version(ente_id)
    if token is None or _source is None or _source.bumped_in_transaction(ente_id):
        stats["uncached"] += 1
        return build()
    cache = caches[CACHE_ALIAS]
    entry = key(ente_id, token, name, parts)
    found: T | None = cache.get(entry)
    if found is not None:
        stats["hits"] += 1
        return found
    value = build()
    stats["misses"] += 1
    cache.set(entry, value)
    return value


def clear() -> None:
    """Forget every cached part (tests, benchmarks)."""
    caches[CACHE_ALIAS].clear()
