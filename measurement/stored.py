"""Scores computed once per change: the score board of a cycle, reused until its data change.

`cycle_scores(cycle, window=..., today=...)` (what `measurement.selectors.cycle_scores` calls)
reads the ente's data version (`ScoreVersion.token`, one query) and returns the board computed
for that version, computing it with `selectors.compute_cycle_scores` only the first time. Every
write the scores depend on gives the ente a new token in its own transaction
(`measurement.versions`), so a stale board is never returned: a board is found only under the
token of the data it was computed from.

The boards live in the memory of the process (a few, the most recently used; each worker keeps
its own): nothing is shared between processes but the token, which is in the database. A board
is not stored while the current transaction has written to the ente (its token is not yet
committed and more writes may follow), nor when the ente has no token.

Boards are shared by the requests that read them: callers must treat them as read-only.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.utils import timezone

from measurement import versions
from measurement.models import MonitoringWindow, ScoreVersion
from measurement.selectors import ScoreBoard, compute_cycle_scores
from planning.models import Cycle

DEFAULT_SIZE = 4  # a metropolitan board holds ~90 MB

_boards: OrderedDict[tuple[Any, ...], ScoreBoard] = OrderedDict()
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


def _size() -> int:
    return int(getattr(settings, "PERFORMA_SCORE_BOARDS", DEFAULT_SIZE))


def token_of(ente_id: int) -> str | None:
    return ScoreVersion.objects.filter(ente_id=ente_id).values_list("token", flat=True).first()


def cycle_scores(
    cycle: Cycle, *, window: MonitoringWindow | None = None, today: dt.date | None = None
) -> ScoreBoard:
    """The cycle's score board as of the window (or today), computed once per data version."""
    size = _size()
    token = token_of(cycle.ente_id) if size > 0 else None
    if token is None or versions.bumped_in_transaction(cycle.ente_id):
        return compute_cycle_scores(cycle, window=window, today=today)
    # Without a window the reading depends on the day; with one, on the window only.
    day = None if window is not None else (today or timezone.localdate())
    key = (cycle.ente_id, token, cycle.pk, window.pk if window is not None else None, day)
    with _lock:
        board = _boards.get(key)
        if board is not None:
            _boards.move_to_end(key)
            stats["hits"] += 1
            return board
    board = compute_cycle_scores(cycle, window=window, today=today)
    with _lock:
        stats["misses"] += 1
        _boards[key] = board
        _boards.move_to_end(key)
        while len(_boards) > size:
            _boards.popitem(last=False)
    return board


def forget() -> None:
    """Drop every stored board (tests, benchmarks)."""
    with _lock:
        _boards.clear()
