"""Sottosezione 2.2 for the Portale PIAO: objectives and indicators in the portal's field order.

The portal has no import: the office copies the rows in. Its indicator record is: dimension and
sub-dimension, formula, weight, polarity, baseline, data source, and the targets of the year,
year+1, year+2 each as an operator («Uguale a», «Maggiore o uguale a», «Maggiore di», «Minore o
uguale a», «Minore di») plus a value. The portal has no range: a range target becomes two
rows (≥ lower, ≤ upper); a date, a descriptive or a relative target has no operator and its text
goes in the value, as the notes sheet explains.
"""

from __future__ import annotations

from documents.builders.common import load_plan, new_document, plan_years
from documents.model import Column, ColumnKind, Document, Paragraph, Table
from planning.models import Cycle, Dimension, Polarity, Target, TargetKind

OPERATORS = {
    TargetKind.GTE: "Maggiore o uguale a",
    TargetKind.GT: "Maggiore di",
    TargetKind.LTE: "Minore o uguale a",
    TargetKind.LT: "Minore di",
    TargetKind.EQ: "Uguale a",
    TargetKind.VALUE: "Uguale a",
}
PORTAL_DIMENSIONS = {
    Dimension.EFFECTIVENESS: ("Efficacia", "quantitativa fruita"),
    Dimension.QUALITY: ("Efficacia", "qualitativa erogata"),
    Dimension.QUANTITY: ("Efficacia", "quantitativa fruita"),
    Dimension.IMPACT: ("Efficacia", "qualitativa percepita"),
    Dimension.EFFICIENCY: ("Efficienza", "gestionale"),
    Dimension.ECONOMY: ("Efficienza", "finanziaria"),
    Dimension.RESOURCES: ("Efficienza", "finanziaria"),
    Dimension.TIMELINESS: ("Efficienza", "temporale"),
}
POLARITY = {
    Polarity.HIGHER_BETTER: "+",
    Polarity.LOWER_BETTER: "-",
    Polarity.RANGE: "+",
    Polarity.MILESTONE: "+",
}
NOTES = [
    "Un foglio per la copia nel Portale PIAO (sottosezione 2.2), con le colonne nell'ordine dei "
    "campi del portale. Il portale non ha un'importazione: le righe si copiano a mano.",
    "Operatore del target: «Uguale a», «Maggiore o uguale a», «Maggiore di», «Minore o uguale "
    "a», «Minore di», come nel portale.",
    "Target a intervallo («compreso tra 700 e 800»): il portale non ha intervalli, quindi "
    "l'indicatore occupa due righe, una con «Maggiore o uguale a» il minimo e una con «Minore o "
    "uguale a» il massimo.",
    "Target stretti: «superiore al 53 %» diventa «Maggiore di» 53 e «inferiore al 45 %» "
    "«Minore di» 45 (il valore uguale alla soglia non raggiunge il target).",
    "Target descrittivi, a data («entro il 31/03/2024») o relativi all'anno precedente: "
    "l'operatore resta vuoto e il testo del target va nel campo valore, come scritto nel piano.",
    "Dimensione e sotto-dimensione: le dimensioni del piano sono ricondotte a quelle del portale "
    "(Efficacia: quantitativa fruita, qualitativa erogata, qualitativa percepita; Efficienza: "
    "finanziaria, gestionale, produttiva, temporale).",
]


def target_cells(target: Target | None) -> list[tuple[str, object]]:
    """(operator, value) pairs of a target: one pair, two for a range, ("", text) otherwise."""
    if target is None:
        return [("", "")]
    if target.kind in OPERATORS and target.value is not None:
        return [(OPERATORS[target.kind], target.value)]
    if target.kind == TargetKind.BETWEEN and target.value is not None:
        return [
            ("Maggiore o uguale a", target.value),
            ("Minore o uguale a", target.value_to if target.value_to is not None else ""),
        ]
    from planning.formatting import target_label

    return [("", target_label(target))]


def _year_label(index: int, year: int) -> str:
    return f"N ({year})" if index == 0 else f"N+{index} ({year})"


def build(cycle: Cycle) -> Document:
    plan = load_plan(cycle)
    years = plan_years(cycle)
    while len(years) < 3:
        years.append(years[-1] + 1)
    rows = []
    for objective in plan.objectives:
        indicators = plan.by_objective.get(objective.pk, [])
        unit = plan.units_by_id.get(objective.unit_id)
        base = [
            objective.code or objective.key,
            "Performance organizzativa" if objective.is_transversal else "Obiettivo di performance",
            objective.title,
            plan.responsible_text(objective),
            unit.name if unit else "Tutte le aree",
            objective.weight,
        ]
        if not indicators:
            rows.append([*base, "", "", "", "", None, "", "", "", *([""] * 6)])
            continue
        for indicator in indicators:
            dimension, sub = PORTAL_DIMENSIONS.get(
                indicator.dimension, (indicator.dimension_label or "", "")
            )
            per_year = [
                target_cells(plan.targets.get(indicator.pk, {}).get(year)) for year in years
            ]
            lines = max(len(cells) for cells in per_year)
            baseline = indicator.baseline_text or (
                indicator.baseline_value if indicator.baseline_value is not None else ""
            )
            for line in range(lines):
                targets = []
                for cells in per_year:
                    operator, value = cells[min(line, len(cells) - 1)] if cells else ("", "")
                    targets.extend([operator, value])
                rows.append(
                    [
                        *base,
                        indicator.name,
                        dimension,
                        sub,
                        indicator.formula or indicator.description,
                        indicator.weight,
                        POLARITY.get(indicator.polarity, ""),
                        baseline,
                        indicator.data_source,
                        *targets,
                    ]
                )
    document = new_document(
        cycle,
        "portale",
        "Sottosezione 2.2 per il Portale PIAO",
        subtitle=f"Obiettivi e indicatori {cycle.horizon_label}",
        filename_stem=f"portale-piao-{cycle.year}",
        with_toc=False,
    )
    section = document.section("Obiettivi e indicatori")
    section.add(
        Table(
            "Obiettivi e indicatori nell'ordine dei campi del Portale PIAO",
            [
                Column("Codice", width=1),
                Column("Tipologia", width=2),
                Column("Denominazione obiettivo", width=4),
                Column("Responsabile amministrativo", width=2),
                Column("Struttura", width=2),
                Column("Peso obiettivo", ColumnKind.PERCENT),
                Column("Indicatore", width=4),
                Column("Dimensione", width=1),
                Column("Sotto-dimensione", width=1),
                Column("Formula", width=3),
                Column("Peso indicatore", ColumnKind.PERCENT),
                Column("Polarità", width=1),
                Column("Baseline", width=1),
                Column("Fonte dati", width=2),
                *[
                    column
                    for index, year in enumerate(years[:3])
                    for column in (
                        Column(
                            f"Target anno {'N' if not index else f'N+{index}'} ({year}): operatore"
                        ),
                        Column(
                            f"Target anno {'N' if not index else f'N+{index}'} ({year}): valore"
                        ),
                    )
                ],
            ],
            rows,
            sheet="Portale PIAO 2.2",
        )
    )
    notes = document.section("Note per la compilazione")
    notes.add(*[Paragraph(text) for text in NOTES])
    notes.add(
        Table(
            "Note per la compilazione",
            [Column("Nota", width=8)],
            [[text] for text in NOTES],
            sheet="Note",
        )
    )
    return document
