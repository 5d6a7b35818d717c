"""The Piano della Performance in its three shapes, from the plan of a cycle.

* PIAO ordinario, sottosezione 2.2 «Performance» (DM 132/2022);
* PIAO semplificato (enti with ≤ 50 employees): the same content as the optional 2.2;
* Piano della performance / PDO stand-alone (e.g. a consorzio, or an ente that keeps it apart).

The order follows the real plans (seeds 002, 004, 000): presentation and context, the
organisational-performance rule with the ente-level indicators, the transversal objectives,
then area by area and service by service the centri PEG, the responsabile, each objective with
Missione/Programma, strategic objective, description, result indicators with baseline and the
three years' targets, weight and phases, then the service indicators and parameters.
"""

from __future__ import annotations

from collections import defaultdict

from documents import formatting as fmt
from documents.builders.common import (
    PlanData,
    approval_line,
    load_plan,
    new_document,
    org_chart_table,
    paragraphs,
    plan_years,
    staff_facts,
    staff_section,
    tree_order,
    unit_responsible,
    without_empty_columns,
)
from documents.model import (
    BulletList,
    Column,
    ColumnKind,
    Document,
    Facts,
    Paragraph,
    Section,
    Table,
)
from organization.models import Unit
from planning.models import Cycle, IndicatorScope, OperationalObjective, PiaoTag, PlanDocumentKind

DETAILED_MAX_OBJECTIVES = 300  # beyond this, objectives go in tables (see add_objectives)

SHAPE_ORDINARY = "piao_ordinario"
SHAPE_SIMPLIFIED = "piao_semplificato"
SHAPE_STANDALONE = "piano_autonomo"
SHAPE_LABELS = {
    SHAPE_ORDINARY: "PIAO ordinario – Sottosezione 2.2 «Performance»",
    SHAPE_SIMPLIFIED: (
        "PIAO semplificato (enti fino a 50 dipendenti) – Sottosezione 2.2 «Performance», "
        "facoltativa"
    ),
    SHAPE_STANDALONE: "Piano della performance / Piano dettagliato degli obiettivi",
}
TRANSVERSAL_TAGS = (
    PiaoTag.PAYMENT_TIMES,
    PiaoTag.ACCESSIBILITY,
    PiaoTag.DIGITALISATION,
    PiaoTag.SIMPLIFICATION,
    PiaoTag.EQUAL_OPPORTUNITIES,
    PiaoTag.ANTICORRUPTION,
)


def default_shape(cycle: Cycle) -> str:
    """The shape the ente's data suggests: PIAO by size, otherwise a stand-alone Piano."""
    if cycle.document_kind != PlanDocumentKind.PIAO:
        return SHAPE_STANDALONE
    if cycle.ente.is_small:
        return SHAPE_SIMPLIFIED
    return SHAPE_ORDINARY


def shape_of(cycle: Cycle) -> str:
    from documents.models import CycleDocumentSettings

    chosen = CycleDocumentSettings.objects.filter(cycle=cycle).values_list("plan_shape", flat=True)
    value = chosen.first()
    return value if value in SHAPE_LABELS else default_shape(cycle)


def weight_text(value) -> str:
    return "senza peso" if value is None else fmt.percent(value)


# -- blocks -----------------------------------------------------------------------------------


def _indicator_table(plan: PlanData, objective: OperationalObjective, years: list[int]) -> Table:
    rows = []
    for indicator in plan.by_objective.get(objective.pk, []):
        baseline = indicator.baseline_text or (
            fmt.number(indicator.baseline_value) if indicator.baseline_value is not None else ""
        )
        if baseline and indicator.baseline_year:
            baseline = f"{baseline} ({indicator.baseline_year})"
        rows.append(
            [
                " ".join(p for p in (indicator.code, indicator.name) if p),
                indicator.formula or indicator.description,
                baseline,
                *[plan.target_text(indicator, year) for year in years],
                indicator.weight,
            ]
        )
    return without_empty_columns(
        Table(
            f"Indicatori di risultato – {objective.title[:90]}",
            [
                Column("Indicatore di risultato", width=3),
                Column("Formula / definizione", width=2),
                Column("Valore di partenza", width=1),
                *[Column(f"Target {year}", width=2) for year in years],
                Column("Peso", ColumnKind.PERCENT),
            ],
            rows,
            sheet="Indicatori obiettivi",
            empty_text="Nessun indicatore di risultato.",
        ),
        keep=(0, 3),
    )


def _phase_table(plan: PlanData, objective: OperationalObjective) -> Table | None:
    phases = plan.phases.get(objective.pk, [])
    if not phases:
        return None
    return Table(
        f"Fasi e tempi – {objective.title[:90]}",
        [
            Column("Fase / azione", width=1),
            Column("Descrizione", width=5),
            Column("Responsabile", width=2),
            Column("Tempi", width=2),
        ],
        [
            [
                phase.label or phase.get_kind_display(),
                phase.description,
                phase.responsible_label,
                phase.planned_text or (fmt.date(phase.planned_end) if phase.planned_end else ""),
            ]
            for phase in phases
        ],
        sheet="Fasi",
    )


def objective_blocks(plan: PlanData, objective: OperationalObjective, years: list[int]):
    strategic = plan.strategic.get(objective.strategic_objective_id)
    group = plan.groups.get(objective.weight_group_id)
    pairs = []
    if objective.section:
        pairs.append(("Sezione", objective.section))
    if objective.code:
        pairs.append(("Codice", objective.code))
    mission = objective.mission_label or (strategic.mission_label if strategic else "")
    if mission:
        pairs.append(("Missione / Programma", mission))
    if strategic is not None:
        pairs.append(("Obiettivo strategico", str(strategic)))
        if strategic.area is not None:
            pairs.append(("Area strategica", strategic.area.name))
    pairs.append(("Responsabile", plan.responsible_text(objective) or "—"))
    pairs.append(("Peso", weight_text(objective.weight)))
    if group is not None:
        pairs.append(("Gruppo di pesatura", group.label))
    pairs.append(("Tipo", objective.get_kind_display()))
    if objective.deadline_text or objective.deadline:
        pairs.append(("Scadenza", objective.deadline_text or fmt.date(objective.deadline)))
    tags = [PiaoTag(tag).label for tag in objective.tags if tag in PiaoTag.values]
    if tags:
        pairs.append(("Ambiti PIAO", ", ".join(tags)))
    blocks: list = [Facts(pairs)]
    if objective.description:
        blocks.extend(paragraphs(objective.description))
    if objective.expected_result:
        blocks.append(Paragraph(f"Risultato atteso: {objective.expected_result}"))
    blocks.append(_indicator_table(plan, objective, years))
    phases = _phase_table(plan, objective)
    if phases is not None:
        blocks.append(phases)
    return blocks


def _group_table(plan: PlanData, group) -> Table:
    columns = group.columns or ["Dimensione", "Denominazione", "Formula", "Standard"]
    indicators = plan.by_group.get(group.pk, [])
    standard = [
        Column("Dimensione", width=2),
        Column("Denominazione indicatore", width=4),
        Column("Formula", width=4),
        Column("Standard / target", width=2),
    ]
    rows = [
        [
            ind.dimension_label or ind.get_dimension_display(),
            " ".join(p for p in (ind.code, ind.name) if p),
            ind.formula or ind.description,
            ind.standard_text or plan.target_text(ind, plan.cycle.year),
        ]
        for ind in indicators
    ]
    table = Table(
        f"{group.title} ({', '.join(columns[:4])})" if not group.title else group.title,
        standard,
        rows,
        sheet="Indicatori servizi",
        note=group.description,
        empty_text="Nessun indicatore in questa tabella.",
    )
    return table


def _parameter_table(plan: PlanData, unit: Unit) -> Table | None:
    parameters = plan.parameters.get(unit.pk, [])
    if not parameters:
        return None
    years = sorted({y for p in parameters for y in plan.parameter_values.get(p.pk, {})})
    rows = []
    for parameter in parameters:
        values = plan.parameter_values.get(parameter.pk, {})
        rows.append(
            [
                str(parameter),
                parameter.unit_of_measure,
                *[
                    (values[y].value_text or values[y].value) if y in values else None
                    for y in years
                ],
            ]
        )
    return Table(
        f"Parametri – {unit.name}",
        [
            Column("Parametro", width=4),
            Column("Unità", width=1),
            *[Column(str(y), ColumnKind.NUMBER) for y in years],
        ],
        rows,
        sheet="Parametri",
    )


# -- the document -----------------------------------------------------------------------------


def build(cycle: Cycle) -> Document:
    plan = load_plan(cycle)
    shape = shape_of(cycle)
    years = plan_years(cycle)
    title = cycle.title or "Piano della performance"
    document = new_document(
        cycle,
        "piano",
        title,
        subtitle=cycle.subtitle or SHAPE_LABELS[shape],
        cover_lines=[
            SHAPE_LABELS[shape],
            f"Triennio {cycle.horizon_label} – annualità {cycle.year}",
            approval_line(cycle),
        ],
        keywords=["Piano della performance", "PIAO", str(cycle.year)],
        filename_stem=f"piano-{cycle.year}",
    )
    _presentation(document, plan, shape)
    _organisational(document, plan, years)
    _transversal(document, plan, years)
    _areas(document, plan, years)
    _weights(document, plan)
    return document


def _presentation(document: Document, plan: PlanData, shape: str) -> None:
    cycle = plan.cycle
    section = document.section("Presentazione e contesto")
    intro = paragraphs(cycle.introduction)
    if shape == SHAPE_SIMPLIFIED:
        section.add(
            Paragraph(
                "L'ente ha non più di 50 dipendenti: adotta il PIAO in forma semplificata (DM "
                "132/2022, art. 6) e redige comunque la sottosezione Performance, facoltativa, "
                "perché resta la base della valutazione e dei premi."
            )
        )
    elif shape == SHAPE_STANDALONE:
        section.add(
            Paragraph(
                f"Il presente {PlanDocumentKind(cycle.document_kind).label.lower()} individua "
                "gli obiettivi, gli indicatori e i target su cui si misura e si valuta la "
                "performance organizzativa e individuale."
            )
        )
    section.add(*intro)
    if cycle.smvp_reference:
        section.add(Paragraph(f"Sistema di misurazione e valutazione: {cycle.smvp_reference}"))
    facts = staff_facts(cycle.ente, cycle.year)
    staff_section(section.section("Il personale e l'organizzazione"), facts, cycle.year)
    section.children[-1].add(org_chart_table(plan))


def _organisational(document: Document, plan: PlanData, years: list[int]) -> None:
    cycle = plan.cycle
    section = document.section("La performance organizzativa")
    levels = list(cycle.org_levels.all())
    if levels:
        section.add(
            Paragraph(
                "La performance organizzativa è misurata e valutata ai livelli seguenti, con "
                "questi pesi:"
            ),
            Table(
                "Livelli di performance organizzativa",
                [
                    Column("Livello di performance organizzativa", width=4),
                    Column("Percentuale", ColumnKind.PERCENT),
                ],
                [[level.label, level.weight] for level in levels],
                sheet="Livelli",
            ),
        )
    for group in plan.indicator_groups:
        if (
            group.scope == IndicatorScope.ENTE
            and group.parent_id is None
            or (group.scope == IndicatorScope.UNIT and group.unit_id is None)
        ):
            _indicator_group(section, plan, group, years)


def _indicator_group(section: Section, plan: PlanData, group, years: list[int]) -> None:
    child = section.section(group.title)
    if group.description:
        child.add(*paragraphs(group.description))
    groups = [group, *[g for g in plan.indicator_groups if g.parent_id == group.pk]]
    for current in groups:
        indicators = plan.by_group.get(current.pk, [])
        if not indicators:
            continue
        child.add(
            Table(
                current.title if current is not group else f"{group.title}: indicatori e target",
                [
                    Column("Indicatore", width=3),
                    Column("Definizione", width=4),
                    *[Column(f"Target {year}", width=2) for year in years],
                ],
                [
                    [
                        " ".join(p for p in (ind.code, ind.name) if p),
                        ind.description or ind.formula,
                        *[plan.target_text(ind, year) or ind.standard_text for year in years],
                    ]
                    for ind in indicators
                ],
                sheet="Indicatori di ente",
                note=current.description if current is not group else "",
            )
        )


def _is_transversal(objective: OperationalObjective) -> bool:
    return objective.is_transversal or objective.unit_id is None


def _transversal(document: Document, plan: PlanData, years: list[int]) -> None:
    section = document.section("Obiettivi trasversali")
    section.add(
        Paragraph(
            "Obiettivi che riguardano tutte le aree o l'ente nel suo complesso, e gli ambiti "
            "trasversali del PIAO: tempi di pagamento, accessibilità e digitalizzazione, "
            "semplificazione, pari opportunità."
        )
    )
    rows = []
    for objective in plan.objectives:
        tags = [PiaoTag(t).label for t in objective.tags if t in PiaoTag.values]
        if objective.is_payment_time and PiaoTag.PAYMENT_TIMES.label not in tags:
            tags.insert(0, PiaoTag.PAYMENT_TIMES.label)
        if _is_transversal(objective) or tags:
            unit = plan.units_by_id.get(objective.unit_id)
            rows.append(
                [
                    objective.title,
                    ", ".join(tags) or "Trasversale a tutte le aree",
                    unit.name if unit else "Tutte le aree",
                    objective.weight,
                ]
            )
    section.add(
        Table(
            "Obiettivi trasversali e ambiti del PIAO",
            [
                Column("Obiettivo", width=5),
                Column("Ambito", width=2),
                Column("Struttura", width=3),
                Column("Peso", ColumnKind.PERCENT),
            ],
            rows,
            sheet="Obiettivi trasversali",
            empty_text="Nessun obiettivo trasversale nel piano.",
        )
    )
    add_objectives(section, plan, [o for o in plan.objectives if _is_transversal(o)], years)


def add_objectives(section: Section, plan: PlanData, objectives, years: list[int]) -> None:
    """Each objective in its own sub-section (the seeds' layout); for a plan of more than
    `DETAILED_MAX_OBJECTIVES` objectives, three tables per structure instead (objectives,
    indicators with their targets, phases), which hold the same data in far fewer pages."""
    if not objectives:
        return
    if len(plan.objectives) <= DETAILED_MAX_OBJECTIVES:
        for objective in objectives:
            child = section.section(objective_heading(objective))
            child.add(*objective_blocks(plan, objective, years))
        return
    section.add(compact_objectives(plan, objectives), compact_indicators(plan, objectives, years))
    phases = compact_phases(plan, objectives)
    if phases.rows:
        section.add(phases)


def compact_objectives(plan: PlanData, objectives) -> Table:
    rows = []
    for objective in objectives:
        strategic = plan.strategic.get(objective.strategic_objective_id)
        rows.append(
            [
                objective.code,
                objective.title,
                objective.mission_label or (strategic.mission_label if strategic else ""),
                str(strategic) if strategic else "",
                plan.responsible_text(objective),
                objective.weight,
                objective.deadline_text
                or (fmt.date(objective.deadline) if objective.deadline else ""),
            ]
        )
    return without_empty_columns(
        Table(
            "Obiettivi",
            [
                Column("Codice", width=1),
                Column("Obiettivo", width=5),
                Column("Missione / Programma", width=2),
                Column("Obiettivo strategico", width=2),
                Column("Responsabile", width=2),
                Column("Peso", ColumnKind.PERCENT),
                Column("Scadenza", width=1),
            ],
            rows,
            sheet="Obiettivi",
        ),
        keep=(1, 5),
    )


def compact_indicators(plan: PlanData, objectives, years: list[int]) -> Table:
    rows = []
    for objective in objectives:
        for indicator in plan.by_objective.get(objective.pk, []):
            baseline = indicator.baseline_text or (
                fmt.number(indicator.baseline_value) if indicator.baseline_value is not None else ""
            )
            rows.append(
                [
                    objective.code or objective.title[:60],
                    indicator.name,
                    baseline,
                    *[plan.target_text(indicator, year) for year in years],
                ]
            )
    return Table(
        "Indicatori di risultato e target del triennio",
        [
            Column("Obiettivo", width=1),
            Column("Indicatore di risultato", width=4),
            Column("Valore di partenza", width=1),
            *[Column(f"Target {year}", width=1) for year in years],
        ],
        rows,
        sheet="Indicatori obiettivi",
        empty_text="Nessun indicatore di risultato.",
    )


def compact_phases(plan: PlanData, objectives) -> Table:
    return Table(
        "Fasi e tempi",
        [Column("Obiettivo", width=1), Column("Fase", width=5), Column("Tempi", width=1)],
        [
            [
                objective.code or objective.title[:60],
                " ".join(p for p in (phase.label, phase.description) if p),
                phase.planned_text or (fmt.date(phase.planned_end) if phase.planned_end else ""),
            ]
            for objective in objectives
            for phase in plan.phases.get(objective.pk, [])
        ],
        sheet="Fasi",
    )


def objective_heading(objective: OperationalObjective) -> str:
    if objective.code:
        return f"{objective.code} – {objective.title}"
    return f"Obiettivo: {objective.title}"


def _areas(document: Document, plan: PlanData, years: list[int]) -> None:
    by_id = plan.units_by_id
    objectives_of: dict[int, list[OperationalObjective]] = defaultdict(list)
    for objective in plan.objectives:
        if not _is_transversal(objective):
            objectives_of[objective.unit_id].append(objective)
    groups_of: dict[int, list] = defaultdict(list)
    for group in plan.indicator_groups:
        if group.unit_id is not None and group.parent_id is None:
            groups_of[group.unit_id].append(group)
    ordered = tree_order(plan.units)
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for unit in ordered:
        children[unit.parent_id if unit.parent_id in by_id else None].append(unit)

    def has_content(unit: Unit) -> bool:
        if objectives_of.get(unit.pk) or groups_of.get(unit.pk) or plan.parameters.get(unit.pk):
            return True
        return any(has_content(child) for child in children.get(unit.pk, []))

    part = document.section("Obiettivi per area e servizio")
    part.add(
        Paragraph(
            "Per ciascuna area: i servizi con il centro PEG e il responsabile, poi per ciascun "
            "servizio gli obiettivi con gli indicatori di risultato, i target del triennio, il "
            "peso e le fasi, e gli indicatori di servizio."
        )
    )
    for area in children[None]:
        if has_content(area):
            _unit_section(part, plan, area, children, objectives_of, groups_of, years, True)


def _unit_section(parent, plan, unit, children, objectives_of, groups_of, years, is_area):
    section = parent.section(unit.name)
    pairs = []
    if unit.peg_code:
        pairs.append(("Centro PEG / centro di costo", unit.peg_code))
    responsible = unit_responsible(unit, plan.persons)
    if responsible:
        pairs.append(("Responsabile", responsible))
    if unit.assessore:
        pairs.append(("Assessore di riferimento", unit.assessore))
    if pairs:
        section.add(Facts(pairs))
    if unit.description:
        section.add(*paragraphs(unit.description))
    subunits = children.get(unit.pk, [])
    if is_area and subunits:
        section.add(
            Table(
                f"{unit.name}: servizi e centri PEG",
                [
                    Column("Centro PEG", width=1),
                    Column("Descrizione", width=4),
                    Column("Responsabile", width=3),
                ],
                [[unit.peg_code or "—", unit.name, responsible]]
                + [
                    [u.peg_code or "—", u.name, unit_responsible(u, plan.persons)] for u in subunits
                ],
                sheet="Centri PEG",
            )
        )
    activities = plan.activities.get(unit.pk, [])
    if activities:
        section.add(Paragraph("Attività:", emphasis=True), BulletList([a.text for a in activities]))
    add_objectives(section, plan, objectives_of.get(unit.pk, []), years)
    for group in groups_of.get(unit.pk, []):
        section.add(_group_table(plan, group))
        for sub in [g for g in plan.indicator_groups if g.parent_id == group.pk]:
            section.add(_group_table(plan, sub))
    parameters = _parameter_table(plan, unit)
    if parameters is not None:
        section.add(parameters)
    for sub in subunits:
        if (
            objectives_of.get(sub.pk)
            or groups_of.get(sub.pk)
            or plan.parameters.get(sub.pk)
            or children.get(sub.pk)
        ):
            _unit_section(section, plan, sub, children, objectives_of, groups_of, years, False)


def _weights(document: Document, plan: PlanData) -> None:
    from planning.selectors import weight_totals

    totals = weight_totals(plan.cycle)
    if not plan.groups:
        return
    section = document.section("Pesatura degli obiettivi")
    rows = []
    for group in sorted(plan.groups.values(), key=lambda g: (g.order, g.pk)):
        total = totals.get(group.pk)
        rows.append(
            [
                group.label,
                group.get_kind_display(),
                group.expected_total,
                total.total if total else None,
                group.scheme_share,
                total.verdict if total else "",
            ]
        )
    section.add(
        Table(
            "Gruppi di pesatura: totale atteso e totale dei pesi",
            [
                Column("Gruppo", width=4),
                Column("Tipo", width=2),
                Column("Totale atteso", ColumnKind.PERCENT),
                Column("Totale dei pesi", ColumnKind.PERCENT),
                Column("Quota nella scheda", ColumnKind.PERCENT),
                Column("Esito", width=1),
            ],
            rows,
            sheet="Pesatura",
        )
    )
