"""The monitoring report of a window: the state of every objective and indicator at its date,
the deviations with their motivation, the corrective actions and what is still missing.

A closed window is reported from its frozen snapshot (the values and scores as they were when
it closed); an open window from the live scores, marked as provisional.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from documents import formatting as fmt
from documents.builders.common import DocumentUnavailable, new_document, require_approved
from documents.builders.results import Results, add_results, dec, missing_items, trend_chart
from documents.model import BulletList, Column, Document, Paragraph, Table
from measurement import selectors as measurement
from measurement.models import (
    CorrectiveAction,
    Measurement,
    MonitoringWindow,
    WindowSnapshot,
    WindowState,
)
from planning.models import Cycle


def window_results(cycle: Cycle, window: MonitoringWindow) -> tuple[Results, bool]:
    """The results of a window and whether they are frozen (closed window)."""
    snapshot = WindowSnapshot.objects.filter(window=window).first()
    if window.state == WindowState.CLOSED and snapshot is not None:
        data = snapshot.data
        return Results(data, data.get("values", {}).get("measurements", [])), True
    board = measurement.cycle_scores(cycle, window=window)
    values = measurement.values_as_of(cycle, window.period_end)["measurements"]
    return Results(board.to_dict(), values), False


def default_window(cycle: Cycle, today: dt.date | None = None) -> MonitoringWindow | None:
    """The window a report asked without one is about: the latest window that is closed or
    whose period has ended (a closed one from its snapshot, an open one with provisional
    data); None when no window has come yet — the report then gives the state at the end of
    the year, or today while the year runs."""
    today = today or timezone.localdate()
    reached = [
        w
        for w in measurement.windows_of(cycle)
        if w.state == WindowState.CLOSED or w.period_end <= today
    ]
    return reached[-1] if reached else None


def current_results(cycle: Cycle, today: dt.date | None = None) -> tuple[Results, dt.date]:
    """The live results of the year as of today (the year-end reading once the year is over)."""
    today = today or timezone.localdate()
    as_of = min(today, dt.date(cycle.year, 12, 31))
    board = measurement.cycle_scores(cycle, today=today)
    values = measurement.values_as_of(cycle, dt.date(cycle.year, 12, 31))["measurements"]
    return Results(board.to_dict(), values), as_of


def build(cycle: Cycle, window: MonitoringWindow | None) -> Document:
    require_approved(cycle, "Il report di monitoraggio")
    windows = measurement.windows_of(cycle)
    if window is None:
        window = default_window(cycle)
    if window is None:
        return _build_current(cycle, windows)
    results, frozen = window_results(cycle, window)
    when = f"{window.label} ({fmt.date(window.period_end)})"
    state = (
        f"Istantanea congelata alla chiusura della finestra il {fmt.date(window.closed_at)}."
        if frozen
        else "Finestra aperta: dati provvisori, possono ancora cambiare."
    )
    document = new_document(
        cycle,
        "monitoraggio",
        "Report di monitoraggio",
        subtitle=f"{window.label} – piano {cycle.year}",
        cover_lines=[f"Valori e punteggi al {fmt.date(window.period_end)}", state],
        keywords=["monitoraggio", "performance", str(cycle.year)],
        filename_stem=f"monitoraggio-{cycle.year}-{window.key}",
    )
    _body(document, cycle, window, windows, results, when, state)
    return document


def _build_current(cycle: Cycle, windows: list[MonitoringWindow]) -> Document:
    """No window has come yet: the state of the year from the live data."""
    if not windows and not Measurement.objects.filter(cycle=cycle).exists():
        raise DocumentUnavailable(
            f"Il ciclo {cycle.year} non ha finestre di monitoraggio né valori misurati: apri "
            "una finestra e inserisci i valori, poi genera il report."
        )
    results, as_of = current_results(cycle)
    year_over = as_of == dt.date(cycle.year, 12, 31) and timezone.localdate() > as_of
    label = "Situazione a fine anno" if year_over else f"Situazione al {fmt.date(as_of)}"
    state = (
        f"Nessuna finestra di monitoraggio chiusa: {label.lower()}, dai valori registrati "
        "(dati non congelati, possono ancora cambiare)."
    )
    document = new_document(
        cycle,
        "monitoraggio",
        "Report di monitoraggio",
        subtitle=f"{label} – piano {cycle.year}",
        cover_lines=[f"Valori e punteggi al {fmt.date(as_of)}", state],
        keywords=["monitoraggio", "performance", str(cycle.year)],
        filename_stem=f"monitoraggio-{cycle.year}-{as_of.isoformat()}",
    )
    _body(document, cycle, None, windows, results, f"{label} ({fmt.date(as_of)})", state, as_of)
    return document


def _body(document, cycle, window, windows, results, when, state, as_of=None) -> None:
    intro = document.section("Sintesi")
    intro.add(Paragraph(state))
    missing_motivation = add_results(intro, results, when)
    _trend(document, cycle, window, windows, results, as_of)
    _actions(document, cycle, window)
    todo = document.section("Che cosa manca")
    missing = missing_items(results)
    if missing:
        todo.add(
            Paragraph(f"{len(missing)} indicatori senza un valore utile alla data:"),
            BulletList(missing),
        )
    else:
        todo.add(Paragraph("Ogni indicatore misurabile ha un valore alla data."))
    if missing_motivation:
        todo.add(Paragraph("Scostamenti ancora da motivare:"), BulletList(missing_motivation))


def _trend(document, cycle, window, windows, current: Results, as_of=None) -> None:
    until = window.period_end if window is not None else as_of
    earlier = [w for w in windows if w.state == WindowState.CLOSED and w.period_end < until]
    snapshots = {s.window_id: s.data for s in WindowSnapshot.objects.filter(window__in=earlier)}
    columns, series = [], []
    for w in earlier:
        if w.pk in snapshots:
            columns.append(f"{w.label}")
            series.append(snapshots[w.pk])
    columns.append(window.label if window is not None else f"Al {fmt.date(until)}")
    series.append(current.data)
    rows: list[tuple[str, list[Decimal | None]]] = [
        ("Ente", [dec(data.get("ente", {}).get("display_percent")) for data in series])
    ]
    for unit in current.top_units():
        values = []
        for data in series:
            match = next((u for u in data.get("units", []) if u["key"] == unit["key"]), None)
            values.append(dec(match.get("display_percent")) if match else None)
        rows.append((unit["label"], values))
    section = document.section("Andamento nelle finestre di monitoraggio")
    section.add(trend_chart(columns, rows, f"Andamento del raggiungimento – {cycle.year}"))


def _actions(document, cycle, window) -> None:
    from django.db.models import Q

    query = CorrectiveAction.objects.filter(objective__cycle=cycle)
    if window is not None:
        query = query.filter(Q(window__isnull=True) | Q(window=window))
    actions = list(query)
    objectives = {a.objective_id for a in actions}
    from planning.models import OperationalObjective

    titles = dict(OperationalObjective.objects.filter(pk__in=objectives).values_list("pk", "title"))
    section = document.section("Azioni correttive")
    section.add(
        Table(
            f"Azioni correttive – {window.label if window is not None else cycle.year}",
            [
                Column("Obiettivo", width=4),
                Column("Azione correttiva", width=5),
                Column("Entro il", width=1),
                Column("Stato", width=1),
            ],
            [
                [
                    titles.get(a.objective_id, ""),
                    a.description,
                    fmt.date(a.due_date) if a.due_date else "",
                    a.get_status_display(),
                ]
                for a in sorted(actions, key=lambda a: (a.objective_id, a.pk))
            ],
            sheet="Azioni correttive",
            empty_text="Nessuna azione correttiva registrata.",
        )
    )
