"""Results of a cycle as document blocks, from the score board's JSON.

Both the monitoring report and the Relazione read the same plain data: the dict of
`measurement.selectors.cycle_scores(...).to_dict()` (or the frozen `WindowSnapshot.data` of a
closed window, which is that dict taken when the window closed) and the values of the period
(`values_as_of`). So every figure printed is the one the application computed, and a closed
window's report never changes afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.charts import Bar, Series, bar_chart, grouped_bar_chart
from documents import formatting as fmt
from documents.model import Chart, Column, ColumnKind, Paragraph, Section, Table
from engine.status import ObjectiveStatus

STATUS_ORDER = [status.value for status in ObjectiveStatus]
STATUS_LABELS = {status.value: status.label for status in ObjectiveStatus}
OUTCOME_LABELS = {"scored": "misurato", "not_measurable": "non misurabile", "missing": "mancante"}


def dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@dataclass
class Results:
    """The board dict with the lookups the sections need."""

    data: dict[str, Any]
    values: list[dict[str, Any]]

    def __post_init__(self) -> None:
        self._units = {u["key"]: u["label"] for u in self.units}
        self._objectives = {o["key"]: o["label"] for o in self.objectives}
        self._latest: dict[str, dict] = {}
        for row in self.values:  # ordered by period_end: the last one wins
            if row.get("subject") == "indicator":
                self._latest[row.get("key")] = row

    @property
    def units(self) -> list[dict]:
        return self.data.get("units", [])

    @property
    def objectives(self) -> list[dict]:
        return self.data.get("objectives", [])

    @property
    def indicators(self) -> list[dict]:
        return self.data.get("indicators", [])

    @property
    def ente_percent(self) -> Decimal | None:
        return dec(self.data.get("ente", {}).get("display_percent"))

    def unit_label(self, key: str | None) -> str:
        return self._units.get(key, "") if key else ""

    def objective_label(self, key: str | None) -> str:
        return self._objectives.get(key, "") if key else ""

    def top_units(self) -> list[dict]:
        return [unit for unit in self.units if unit.get("parent") is None]

    def latest_value(self, indicator_key: str) -> dict | None:
        return self._latest.get(indicator_key)

    def status_counts(self) -> list[tuple[str, int]]:
        counts = Counter(o.get("status", {}).get("status") for o in self.objectives)
        return [(STATUS_LABELS[s], counts.get(s, 0)) for s in STATUS_ORDER]


def area_chart(results: Results, title: str) -> Chart:
    units = results.top_units()
    bars = [Bar(u["label"], dec(u.get("display_percent"))) for u in units]
    table = Table(
        title,
        [Column("Area / struttura", width=4), Column("Raggiungimento", ColumnKind.PERCENT)],
        [[u["label"], dec(u.get("display_percent"))] for u in units],
        sheet="Raggiungimento per area",
    )
    svg = bar_chart(title, bars, unit="%", maximum=Decimal(100))
    alt = "; ".join(f"{b.label}: {fmt.percent(b.value)}" for b in bars) or "nessun dato"
    return Chart(title, svg, f"Grafico a barre. {alt}.", table)


def status_chart(results: Results, title: str) -> Chart:
    counts = results.status_counts()
    bars = [Bar(label, Decimal(count)) for label, count in counts]
    table = Table(
        title,
        [Column("Stato", width=3), Column("Obiettivi", ColumnKind.INTEGER)],
        [[label, count] for label, count in counts],
        sheet="Obiettivi per stato",
    )
    top = max((count for _, count in counts), default=1) or 1
    svg = bar_chart(title, bars, unit="", maximum=Decimal(top))
    alt = "; ".join(f"{label}: {count}" for label, count in counts)
    return Chart(title, svg, f"Grafico a barre. {alt}.", table)


def trend_chart(columns: list[str], rows: list[tuple[str, list[Decimal | None]]], title: str):
    table = Table(
        title,
        [Column("Struttura", width=4), *[Column(c, ColumnKind.PERCENT) for c in columns]],
        [[label, *values] for label, values in rows],
        sheet="Andamento",
    )
    series = [Series(column, [values[i] for _, values in rows]) for i, column in enumerate(columns)]
    svg = grouped_bar_chart(title, [label for label, _ in rows], series, maximum=Decimal(100))
    parts = [
        f"{label}: "
        + ", ".join(f"{c} {fmt.percent(v)}" for c, v in zip(columns, values, strict=False))
        for label, values in rows
    ]
    return Chart(title, svg, "Grafico a barre raggruppate. " + "; ".join(parts) + ".", table)


def objectives_table(results: Results, caption: str) -> Table:
    return Table(
        caption,
        [
            Column("Obiettivo", width=5),
            Column("Struttura", width=3),
            Column("Peso", ColumnKind.PERCENT),
            Column("Stato", width=1),
            Column("Raggiungimento", ColumnKind.PERCENT),
        ],
        [
            [
                " ".join(p for p in (o.get("code"), o["label"]) if p),
                results.unit_label(o.get("unit")) or "Ente",
                dec(o.get("weight")),
                o.get("status", {}).get("label", ""),
                dec(o.get("display_percent")),
            ]
            for o in results.objectives
        ],
        sheet="Obiettivi",
    )


def indicators_table(results: Results, caption: str) -> Table:
    rows = []
    for ind in results.indicators:
        value = results.latest_value(ind["key"])
        rows.append(
            [
                ind["label"],
                results.objective_label(ind.get("objective")) or "Ente / servizio",
                ind.get("target") or "",
                _value_text(ind),
                dec(ind.get("display_percent")),
                OUTCOME_LABELS.get(ind.get("outcome"), ""),
                (value or {}).get("deviation_note", "") or (value or {}).get("note", ""),
            ]
        )
    return Table(
        caption,
        [
            Column("Indicatore", width=4),
            Column("Obiettivo", width=3),
            Column("Target", width=2),
            Column("Consuntivo", width=1),
            Column("Raggiungimento", ColumnKind.PERCENT),
            Column("Esito", width=1),
            Column("Motivazione / note", width=3),
        ],
        rows,
        sheet="Indicatori",
    )


def _value_text(indicator: dict) -> str:
    if indicator.get("value") is not None:
        text = fmt.number(Decimal(indicator["value"]))
        unit = indicator.get("unit_of_measure") or ""
        return f"{text} {unit}".strip()
    if indicator.get("completed_on"):
        day = dt.date.fromisoformat(indicator["completed_on"])
        return f"concluso il {fmt.date(day)}"
    return ""


def deviations(results: Results) -> tuple[list[list], list[str]]:
    """Indicators scored below 100 %: (rows with their motivation, labels without one)."""
    rows, missing = [], []
    for ind in results.indicators:
        percent = dec(ind.get("display_percent"))
        if ind.get("outcome") != "scored" or percent is None or percent >= 100:
            continue
        value = results.latest_value(ind["key"]) or {}
        motivation = value.get("deviation_note", "")
        if not motivation:
            missing.append(ind["label"])
        rows.append(
            [
                ind["label"],
                ind.get("target") or "",
                _value_text(ind),
                percent,
                motivation or "MOTIVAZIONE MANCANTE",
            ]
        )
    return rows, missing


def deviations_table(results: Results, caption: str) -> tuple[Table, list[str]]:
    rows, missing = deviations(results)
    table = Table(
        caption,
        [
            Column("Indicatore", width=4),
            Column("Target", width=2),
            Column("Consuntivo", width=1),
            Column("Raggiungimento", ColumnKind.PERCENT),
            Column("Motivazione dello scostamento", width=4),
        ],
        rows,
        sheet="Scostamenti",
        empty_text="Nessuno scostamento: ogni indicatore misurato ha raggiunto il target.",
    )
    return table, missing


def missing_items(results: Results) -> list[str]:
    return [ind["label"] for ind in results.indicators if ind.get("outcome") == "missing"]


def summary_paragraph(results: Results, when: str) -> Paragraph:
    counts = dict(results.status_counts())
    total = len(results.objectives)
    parts = ", ".join(f"{count} {label}" for label, count in counts.items() if count)
    return Paragraph(
        f"{when}: performance organizzativa dell'ente {fmt.percent(results.ente_percent)}; "
        f"{total} obiettivi ({parts or 'nessuno'})."
    )


def add_results(section: Section, results: Results, when: str) -> list[str]:
    """The common result blocks; returns the indicators off target without a motivation."""
    section.add(summary_paragraph(results, when))
    section.add(area_chart(results, f"Raggiungimento per area – {when}"))
    section.add(status_chart(results, f"Obiettivi per stato – {when}"))
    objectives = section.section("Stato degli obiettivi")
    objectives.add(objectives_table(results, f"Obiettivi: stato e raggiungimento – {when}"))
    table, missing = deviations_table(results, f"Scostamenti e loro motivazione – {when}")
    deviation = section.section("Scostamenti e motivazioni")
    deviation.add(table)
    if missing:
        deviation.add(
            Paragraph(
                f"{len(missing)} scostamenti sono privi di motivazione: vanno motivati prima "
                "della validazione."
            )
        )
    indicators = section.section("Indicatori")
    indicators.add(indicators_table(results, f"Indicatori: target, consuntivo, esito – {when}"))
    return missing
