"""The deadlines of «Cosa devo fare» as an iCalendar file (RFC 5545), one all-day event each.

Plain text building, no Django: the view passes the tasks, the ente's name and the absolute URL
of each task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from desk.selectors import Task

PRODID = "-//Performa//Cosa devo fare//IT"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets; the following ones start with a space (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0]] + [f" {part}" for part in out[1:]]


def calendar(
    tasks: Iterable[tuple[Task, str]], *, ente_name: str, ente_key: str, stamp: dt.datetime
) -> str:
    """`tasks`: (task, absolute URL) pairs; only the tasks with a deadline become events."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(f'Performa – {ente_name}')}",
    ]
    stamp_text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for task, url in tasks:
        if task.due is None:
            continue
        digest = hashlib.sha256(f"{ente_key}|{task.title}|{task.due}".encode()).hexdigest()
        end = task.due + dt.timedelta(days=1)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{digest[:32]}@performa",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{task.due:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end:%Y%m%d}",
            f"SUMMARY:{_escape(task.title)}",
            f"DESCRIPTION:{_escape(task.detail)}",
            f"URL:{url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{part}\r\n" for line in lines for part in _fold(line))
