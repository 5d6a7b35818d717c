"""The monitoring report of a window: the state of every objective and indicator at its date,
the deviations with their motivation, the corrective actions and what is still missing.

A closed window is reported from its frozen snapshot (the values and scores as they were when
it closed); an open window from the live scores, marked as provisional.
"""

from __future__ import annotations

from decimal import Decimal

from documents import formatting as fmt
from documents.builders.common import DocumentUnavailable, new_document, require_approved
from documents.builders.results import Results, add_results, dec, missing_items, trend_chart
from documents.model import BulletList, Column, Document, Paragraph, Table
from measurement import selectors as measurement
from measurement.models import CorrectiveAction, MonitoringWindow, WindowSnapshot, WindowState
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


def build(cycle: Cycle, window: MonitoringWindow | None) -> Document:
    require_approved(cycle, "Il report di monitoraggio")
    windows = measurement.windows_of(cycle)
    if window is None:
        closed = [w for w in windows if w.state == WindowState.CLOSED]
        if not windows:
            raise DocumentUnavailable(
                f"Il ciclo {cycle.year} non ha finestre di monitoraggio: apri una finestra e "
                "inserisci i valori, poi genera il report."
            )
        if not closed:
            raise DocumentUnavailable(
                f"Nessuna finestra di monitoraggio chiusa nel {cycle.year}: indica la finestra "
                "(anche aperta, con dati provvisori) o chiudi una finestra."
            )
        window = closed[-1]
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
    intro = document.section("Sintesi")
    intro.add(Paragraph(state))
    missing_motivation = add_results(intro, results, when)
    _trend(document, cycle, window, windows, results)
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
    return document


def _trend(document, cycle, window, windows, current: Results) -> None:
    earlier = [
        w for w in windows if w.state == WindowState.CLOSED and w.period_end < window.period_end
    ]
    snapshots = {s.window_id: s.data for s in WindowSnapshot.objects.filter(window__in=earlier)}
    columns, series = [], []
    for w in earlier:
        if w.pk in snapshots:
            columns.append(f"{w.label}")
            series.append(snapshots[w.pk])
    columns.append(window.label)
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

    actions = list(
        CorrectiveAction.objects.filter(objective__cycle=cycle).filter(
            Q(window__isnull=True) | Q(window=window)
        )
    )
    objectives = {a.objective_id for a in actions}
    from planning.models import OperationalObjective

    titles = dict(OperationalObjective.objects.filter(pk__in=objectives).values_list("pk", "title"))
    section = document.section("Azioni correttive")
    section.add(
        Table(
            f"Azioni correttive – {window.label}",
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
