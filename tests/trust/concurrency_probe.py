"""Concurrent writes with real threads against a real database file or server.

Run by tests/trust/test_concurrency.py in a subprocess, with DATABASE_URL naming an empty
database: the probe migrates it, builds a small ente, then sends concurrent requests through
the whole Django stack (middleware, views, services), each thread with its own connection, and
prints what happened as JSON on its last line. It is not collected by pytest (no `test_` name).

Scenarios:
- `distinct`: every client saves a different objective, several times, all at once;
- `same`: every client opened the same objective's form, then all save at once;
- `blocked`: another connection holds the write lock longer than the busy timeout.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "trust"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performa.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from formdata import form_fields  # noqa: E402

from accounts.middleware import SESSION_KEY  # noqa: E402
from accounts.models import Membership, MembershipRole, User  # noqa: E402
from organization.models import Ente, EnteKind, Unit, UnitKind  # noqa: E402
from planning.models import Cycle, OperationalObjective  # noqa: E402

CLIENTS = int(os.environ.get("PROBE_CLIENTS", "8"))
ROUNDS = int(os.environ.get("PROBE_ROUNDS", "4"))
CONFLICT_TEXT = "modificato da"
BUSY_TEXT = "riprova"


def build() -> tuple[User, list[OperationalObjective]]:
    ente = Ente.objects.create(slug="probe", name="Comune della prova", kind=EnteKind.COMUNE)
    unit = Unit.objects.create(ente=ente, key="pl", kind=UnitKind.AREA, name="Polizia Locale")
    cycle = Cycle.objects.create(ente=ente, year=2025, first_year=2025, last_year=2027)
    user = User.objects.create_user("segretario", password="x", first_name="Sara")
    Membership.objects.create(user=user, ente=ente, role=MembershipRole.ADMIN)
    objectives = [
        OperationalObjective.objects.create(
            cycle=cycle, key=f"ob{n}", code=f"OB{n}", title=f"Obiettivo {n}", unit=unit
        )
        for n in range(CLIENTS + 1)
    ]
    return user, objectives


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = user.memberships.first().ente_id
    session.save()
    return client


def edit_url(objective: OperationalObjective) -> str:
    return f"/piano/obiettivi/{objective.pk}/modifica/"


def outcome(response) -> str:
    body = response.content.decode("utf-8", "replace")
    if response.status_code == 302:
        return "saved"
    if response.status_code == 503 and BUSY_TEXT in body:
        return "busy"
    if response.status_code == 200 and CONFLICT_TEXT in body:
        return "conflict"
    return f"http-{response.status_code}"


def run_threads(work, count: int) -> list[str]:
    results: list[str] = []
    lock = threading.Lock()

    def target(index: int) -> None:
        try:
            for item in work(index):
                with lock:
                    results.append(item)
        except Exception as error:  # reported, so the test shows it instead of hanging
            with lock:
                results.append(f"error-{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def distinct(user, objectives) -> dict:
    start = threading.Barrier(CLIENTS)

    def work(index):
        client = client_for(user)
        objective = objectives[index]
        start.wait()
        for round_ in range(ROUNDS):
            data = form_fields(client.get(edit_url(objective)).content.decode())
            data["title"] = f"Obiettivo {index}, giro {round_}"
            yield outcome(client.post(edit_url(objective), data))

    results = run_threads(work, CLIENTS)
    titles = {
        o.pk: o.title
        for o in OperationalObjective.objects.filter(pk__in=[o.pk for o in objectives])
    }
    kept = sum(
        titles[o.pk] == f"Obiettivo {n}, giro {ROUNDS - 1}"
        for n, o in enumerate(objectives[:CLIENTS])
    )
    return {"outcomes": dict(Counter(results)), "kept": kept}


def same(user, objectives) -> dict:
    objective = objectives[-1]
    opened = threading.Barrier(CLIENTS)

    def work(index):
        client = client_for(user)
        data = form_fields(client.get(edit_url(objective)).content.decode())
        data["title"] = f"Versione del client {index}"
        opened.wait()  # everyone has read the same state before anyone saves
        yield outcome(client.post(edit_url(objective), data))

    results = run_threads(work, CLIENTS)
    stored = OperationalObjective.objects.get(pk=objective.pk).title
    return {"outcomes": dict(Counter(results)), "stored": stored}


def blocked(user, objectives) -> dict:
    """Hold the write lock from another connection longer than the (shortened) busy timeout."""
    objective = objectives[0]
    client = client_for(user)
    data = form_fields(client.get(edit_url(objective)).content.decode())
    data["title"] = "Mai salvato"
    settings = connections.settings["default"]
    options = settings.setdefault("OPTIONS", {})
    holder = connections.create_connection("default")
    holder.ensure_connection()
    raw = holder.connection
    if connection.vendor == "sqlite":
        options["timeout"] = 0.3
        raw.isolation_level = None
        raw.execute("BEGIN IMMEDIATE")
    else:
        options["options"] = "-c lock_timeout=300"
        raw.autocommit = False
        raw.execute("SELECT id FROM planning_operationalobjective FOR UPDATE")
    try:
        results = run_threads(lambda _: [outcome(client.post(edit_url(objective), data))], 1)
    finally:
        raw.rollback()
        holder.close()
    stored = OperationalObjective.objects.get(pk=objective.pk).title
    return {"outcomes": dict(Counter(results)), "stored": stored}


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    user, objectives = build()
    report = {
        "vendor": connection.vendor,
        "journal_mode": None,
        "distinct": distinct(user, objectives),
        "same": same(user, objectives),
        "blocked": blocked(user, objectives),
    }
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            report["journal_mode"] = cursor.fetchone()[0]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
