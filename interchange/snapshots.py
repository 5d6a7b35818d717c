"""Write into a document the snapshots its closed windows lack, by replaying its history.

A closed window's `snapshot` is frozen history and the import keeps it as written. A document
prepared outside Performa (the demo files, a migration from another system) may hold closed
windows without one: `freeze_snapshots` computes them exactly as closing the window in Performa
would (`measurement.services.window_close`), then the file carries them and
export(import(file)) == file holds byte for byte.

The replay, inside a transaction that is always rolled back:

1. the document is imported with those windows still open and without corrections, every
   corrected value set back to what it was before its first correction;
2. in the order of time, each window is closed (its snapshot is computed from the values of that
   moment) and each correction applies its new value;
3. the snapshots are copied into the document, which is returned in canonical form.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.db import transaction

from interchange import spec
from interchange.importer import InterchangeError, import_cycle
from interchange.validation import document_errors
from measurement.models import Measurement, MonitoringWindow, WindowSnapshot
from measurement.services import window_close


class _Rollback(Exception):
    pass


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _subject(item: dict[str, Any]):
    parameter = item.get("parameter")
    if parameter is not None:
        return ("parameter", parameter["unit"], parameter["key"], item["period_end"])
    return ("indicator", item["indicator"], item["period_end"])


def freeze_snapshots(document: dict[str, Any]) -> dict[str, Any]:
    """The canonical document with a snapshot in every closed window."""
    errors = document_errors(document)
    if errors:
        raise InterchangeError(errors)
    cycle_item = document["cycle"]
    windows = cycle_item.get("monitoring_windows") or []
    to_freeze = [w for w in windows if w.get("state") == "closed" and w.get("snapshot") is None]
    if not to_freeze:
        return spec.canonical(document)

    working = copy.deepcopy(document)
    events: list[tuple[dt.datetime, int, str, Any]] = []
    frozen_keys = {w["key"] for w in to_freeze}
    for window in working["cycle"]["monitoring_windows"]:
        if window["key"] in frozen_keys:
            events.append((_moment(window["closed_at"]), 1, "close", window["key"]))
            window["state"] = "open"
            window.pop("closed_at", None)
    for item in working["cycle"].get("measurements") or []:
        corrections = item.pop("corrections", None) or []
        ordered = sorted(corrections, key=lambda c: _moment(c["corrected_at"]))
        if ordered:
            # Before its first correction the value was the old one.
            item["value"] = ordered[0].get("old_value")
            item["completed_on"] = ordered[0].get("old_completed_on")
        for correction in ordered:
            events.append((_moment(correction["corrected_at"]), 0, "correct", (item, correction)))
    events.sort(key=lambda event: (event[0], event[1]))

    snapshots: dict[str, Any] = {}
    try:
        with transaction.atomic():
            cycle = import_cycle(working, replace=True)
            _replay(cycle, events, snapshots)
            raise _Rollback
    except _Rollback:
        pass

    result = copy.deepcopy(document)
    for window in result["cycle"]["monitoring_windows"]:
        if window["key"] in snapshots:
            window["snapshot"] = snapshots[window["key"]]
    return spec.canonical(result)


def _replay(cycle, events, snapshots: dict[str, Any]) -> None:
    windows = {w.key: w for w in MonitoringWindow.objects.filter(cycle=cycle)}
    measurements = {}
    for row in Measurement.objects.filter(cycle=cycle).select_related(
        "indicator", "parameter__unit"
    ):
        if row.parameter_id:
            key = ("parameter", row.parameter.unit.key, row.parameter.key, str(row.period_end))
        else:
            key = ("indicator", row.indicator.key, str(row.period_end))
        measurements[key] = row
    for moment, _, kind, payload in events:
        if kind == "close":
            snapshot = window_close(user=None, window=windows[payload])
            # As the database gives it back, like an export would.
            snapshots[payload] = WindowSnapshot.objects.get(pk=snapshot.pk).data
            MonitoringWindow.objects.filter(pk=windows[payload].pk).update(closed_at=moment)
        else:
            item, correction = payload
            row = measurements[_subject(item)]
            row.value = correction.get("new_value")
            row.completed_on = correction.get("new_completed_on")
            row.version += 1
            row.save(update_fields=["value", "completed_on", "version"])
