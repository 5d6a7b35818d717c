"""The import template: an XLSX documented in itself, empty or filled with a cycle's plan.

Sheets: «Istruzioni» (every column explained), «Obiettivi strategici», «Gruppi di pesatura»
and «Obiettivi» (one row per indicator or phase; the objective's columns are repeated on each
of its rows). The «Chiave» columns carry Performa's keys, so a plan exported, edited and
imported again updates the same objectives. Written with openpyxl: headers bold and frozen,
texts that start with = + - @ stored as text, never as formulas.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from interchange.plans import headers as hd
from planning.models import Cycle, Indicator, OperationalObjective, PiaoTag, StrategicObjective

STRATEGIC_COLUMNS = [
    ("key", "Chiave"),
    ("strategic_code", "Codice obiettivo strategico"),
    ("strategic_objective", "Obiettivo strategico"),
    ("strategic_area", "Area strategica"),
    ("strategic_description", "Descrizione obiettivo strategico"),
    ("mission", "Missione"),
    ("programme", "Programma"),
    ("units_label", "Unità coinvolte"),
    ("responsible", "Responsabile"),
    ("stakeholders_final", "Stakeholder finali"),
    ("stakeholders_intermediate", "Stakeholder intermedi"),
    ("peg_services", "Servizi PEG coinvolti"),
    ("criticalities", "Criticità da presidiare"),
    ("expected_impact", "Impatto atteso"),
]
GROUP_COLUMNS = [
    ("key", "Chiave"),
    ("weight_group", "Gruppo di pesatura"),
    ("group_kind", "Tipo di gruppo"),
    ("expected_total", "Totale atteso"),
    ("scheme_share", "Quota nella scheda"),
    ("unit", "Servizio"),
    ("responsible", "Responsabile"),
    ("group_note", "Note del gruppo"),
    ("group_years", "Anni del gruppo"),
]
OBJECTIVE_COLUMNS = [
    ("key", "Chiave"),
    ("objective_code", "Codice obiettivo"),
    ("area", "Area"),
    ("unit", "Servizio"),
    ("peg_code", "Centro di costo"),
    ("responsible", "Responsabile"),
    ("responsible_keys", "Chiavi dei responsabili"),
    ("mission", "Missione"),
    ("programme", "Programma"),
    ("strategic_objective", "Obiettivo strategico"),
    ("section", "Sezione"),
    ("objective", "Obiettivo operativo"),
    ("kind", "Tipo"),
    ("description", "Descrizione"),
    ("expected_result", "Risultato atteso"),
    ("transversal", "Trasversale"),
    ("payment_time", "Tempi di pagamento"),
    ("tags", "Ambiti PIAO"),
    ("weight_group", "Gruppo di pesatura"),
    ("weight", "Peso"),
    ("deadline", "Scadenza"),
    ("deadline_text", "Scadenza come scritta"),
    ("years", "Anni"),
    ("phase_kind", "Tipo di fase"),
    ("phase_label", "Etichetta fase"),
    ("phase", "Fase"),
    ("phase_timing", "Tempi"),
    ("phase_start", "Inizio fase"),
    ("phase_end", "Fine fase"),
    ("phase_responsible", "Responsabile della fase"),
    ("indicator_key", "Chiave indicatore"),
    ("indicator_code", "Codice indicatore"),
    ("indicator", "Indicatore"),
    ("indicator_description", "Descrizione indicatore"),
    ("indicator_responsible", "Responsabile dell'indicatore"),
    ("formula", "Formula"),
    ("formula_expression", "Formula di calcolo automatico"),
    ("dimension", "Dimensione"),
    ("dimension_label", "Dimensione come scritta"),
    ("unit_of_measure", "Unità di misura"),
    ("data_source", "Fonte dei dati"),
    ("polarity", "Polarità"),
    ("baseline", "Baseline"),
    ("baseline_year", "Anno della baseline"),
    ("indicator_standard", "Standard dell'indicatore"),
    ("tolerance", "Tolleranza"),
    ("indicator_weight", "Peso dell'indicatore"),
]

HELP = {
    "key": "Chiave di Performa: lasciala com'è per aggiornare la riga, vuota per una nuova.",
    "objective": "Titolo dell'obiettivo. Le righe successive con lo stesso titolo (o vuoto) "
    "aggiungono indicatori e fasi allo stesso obiettivo.",
    "area": "Area o settore. Scritta una volta vale per le righe sotto; «-» per nessuna.",
    "unit": "Servizio o unità organizzativa; abbinata per nome alle unità dell'ente.",
    "weight": "Peso in percentuale: 30, 30 %, 11,11 o 0,1111 (frazione).",
    "target": "Target dell'anno: «≥ 30», «compreso tra 700 e 800», «60÷70%», «= 100%», "
    "«≥ anno precedente», «entro il 31/03/2024», oppure un testo descrittivo.",
    "kind": "sviluppo, mantenimento o straordinario (anche S / M).",
    "transversal": "sì o no.",
    "payment_time": "sì per l'obiettivo sui tempi di pagamento (DL 13/2023).",
    "tags": "semplificazione, digitalizzazione, accessibilità, pari opportunità, ...",
    "years": "Anni del triennio a cui l'obiettivo appartiene, es. 2024, 2025; «tutti» per ogni "
    "anno del piano; vuoto: l'anno del piano importato.",
    "responsible": "Nome del responsabile come scritto nel piano; abbinato per nome al personale. "
    "Scritto una volta vale per le righe sotto; «-» per nessuno.",
    "phase_start": "Data di inizio prevista della fase (gg/mm/aaaa).",
    "phase_end": "Data di fine prevista della fase (gg/mm/aaaa); vuota: dedotta dai «Tempi».",
    "dimension": "efficacia, efficienza, economicità, qualità, tempestività, ...",
    "dimension_label": "La dimensione con le parole del piano, se diverse (es. «Tempestività "
    "Efficienza»).",
    "indicator_weight": "Peso dell'indicatore nell'obiettivo, in percentuale.",
    "group_years": "Anni a cui vale il gruppo, es. 2024, 2025; vuoto: ogni anno del piano.",
    "responsible_keys": "Chiavi delle persone responsabili, separate da virgole.",
}


def _cell(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        normal = value.normalize()
        return int(normal) if normal == normal.to_integral() else float(normal)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _sheet(book: Workbook, title: str, columns: list[str], rows: list[list]):
    sheet = book.create_sheet(title)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                cell.data_type = "s"  # a target «= 100%» or a note «- ...» is text
    sheet.freeze_panes = "A2"
    for index, _ in enumerate(columns, start=1):
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = 24
    return sheet


def _instructions(book: Workbook, years: list[int]) -> None:
    sheet = book.active
    sheet.title = "Istruzioni"
    sheet.append(["Colonna", "Foglio", "Cosa scrivere"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for title, columns in (
        ("Obiettivi", OBJECTIVE_COLUMNS),
        ("Obiettivi strategici", STRATEGIC_COLUMNS),
        ("Gruppi di pesatura", GROUP_COLUMNS),
    ):
        for name, header in columns:
            sheet.append([header, title, HELP.get(name, hd.field_label(name))])
        if title == "Obiettivi":
            for year in years:
                sheet.append([f"Target {year}", title, HELP["target"]])
            for year in years:
                sheet.append(
                    [
                        f"Target strutturato {year}",
                        title,
                        "Scritta da Performa solo quando il testo del target, riletto, darebbe un "
                        "altro valore (es. «gte 80»): lasciala com'è o vuota.",
                    ]
                )
    sheet.append([])
    sheet.append(
        [
            "Note",
            "",
            "Le intestazioni si riconoscono anche nelle varianti usuali (es. «Peso %», "
            "«Valore atteso 2025», «Centro di costo»); una colonna sconosciuta si associa a un "
            "campo nell'anteprima. Le righe vuote e le intestazioni ripetute sono ignorate.",
        ]
    )
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 100
    sheet.freeze_panes = "A2"


def template_bytes(cycle: Cycle | None = None, *, year: int | None = None) -> bytes:
    """The template, empty (for `year`) or with the plan of `cycle`."""
    if cycle is not None:
        years = list(range(cycle.first_year, cycle.last_year + 1))
    else:
        base = year or 2025
        years = [base, base + 1, base + 2]
    book = Workbook()
    _instructions(book, years)
    strategic_rows, group_rows, objective_rows = ([], [], []) if cycle is None else _plan(cycle)
    _sheet(book, "Obiettivi strategici", [h for _, h in STRATEGIC_COLUMNS], strategic_rows)
    _sheet(book, "Gruppi di pesatura", [h for _, h in GROUP_COLUMNS], group_rows)
    headers = [h for _, h in OBJECTIVE_COLUMNS] + [f"Target {y}" for y in years]
    headers += [f"Target strutturato {y}" for y in years]
    _sheet(book, "Obiettivi", headers, [r + [None] * 0 for r in objective_rows])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _mission(code: str, name: str) -> str:
    return f"{code} {name}".strip() if code else name


def _unit_columns(unit) -> tuple[str, str]:
    if unit is None:
        return "-", "-"
    if unit.parent is not None:
        return unit.parent.name, unit.name
    if unit.kind == "area":
        return unit.name, "-"
    return "-", unit.name


def _plan(cycle: Cycle):
    strategic_rows = []
    for so in StrategicObjective.objects.filter(cycle=cycle).select_related("area"):
        strategic_rows.append(
            [
                so.key,
                so.code,
                so.title,
                so.area.name if so.area else "",
                so.description,
                _mission(so.mission_code, so.mission_name),
                _mission(so.programme_code, so.programme_name),
                so.units_label,
                so.responsible_label,
                so.stakeholders_final,
                so.stakeholders_intermediate,
                so.peg_services,
                so.criticalities,
                so.expected_impact,
            ]
        )
    group_rows = []
    for group in cycle.weight_groups.select_related("unit", "responsible"):
        group_rows.append(
            [
                group.key,
                group.label,
                group.kind,
                group.expected_total,
                group.scheme_share,
                group.unit.name if group.unit else "",
                str(group.responsible) if group.responsible else "",
                group.note,
                ", ".join(str(y) for y in group.years),
            ]
        )
    years = list(range(cycle.first_year, cycle.last_year + 1))
    objectives = (
        OperationalObjective.objects.filter(cycle=cycle)
        .select_related("unit__parent", "weight_group", "strategic_objective")
        .prefetch_related("phases", "responsibles")
        .order_by("order", "id")
    )
    indicators: dict[int, list[Indicator]] = {}
    for indicator in (
        Indicator.objects.filter(cycle=cycle, objective__isnull=False)
        .select_related("phase")
        .prefetch_related("targets")
        .order_by("order", "id")
    ):
        indicators.setdefault(indicator.objective_id, []).append(indicator)
    tag_labels = dict(PiaoTag.choices)
    rows = []
    for objective in objectives:
        area, unit = _unit_columns(objective.unit)
        base = [
            objective.key,
            objective.code,
            area,
            unit,
            objective.unit.peg_code if objective.unit else "",
            objective.responsible_label or "-",
            ", ".join(sorted(p.key for p in objective.responsibles.all())),
            _mission(objective.mission_code, objective.mission_name),
            _mission(objective.programme_code, objective.programme_name),
            objective.strategic_objective.title if objective.strategic_objective else "-",
            objective.section or "-",
            objective.title,
            objective.kind,
            objective.description,
            objective.expected_result,
            "sì" if objective.is_transversal else "no",
            "sì" if objective.is_payment_time else "no",
            ", ".join(tag_labels.get(t, t) for t in objective.tags),
            objective.weight_group.label if objective.weight_group else "",
            objective.weight,
            objective.deadline,
            objective.deadline_text,
            ", ".join(str(y) for y in objective.years) or "tutti",
        ]
        phases = list(objective.phases.all())
        own = indicators.get(objective.pk, [])
        # An indicator of an action goes on the action's row (that is how it reads back),
        # and both keep their order.
        pairs: list[tuple] = []
        pending = list(phases)
        for indicator in own:
            phase = next((p for p in pending if p.pk == indicator.phase_id), None)
            if phase is not None:
                while pending and pending[0] is not phase:
                    pairs.append((pending.pop(0), None))
                pending.pop(0)
            pairs.append((phase, indicator))
        pairs += [(phase, None) for phase in pending]
        if not pairs:
            pairs = [(None, None)]
        for phase, indicator in pairs:
            row = list(base)
            row += (
                [
                    phase.kind,
                    phase.label,
                    phase.description,
                    phase.planned_text,
                    phase.planned_start,
                    phase.planned_end,
                    phase.responsible_label,
                ]
                if phase
                else [None] * 7
            )
            if indicator is not None:
                targets = {t.year: t for t in indicator.targets.all()}
                row += [
                    indicator.key,
                    indicator.code,
                    indicator.name,
                    indicator.description,
                    indicator.responsible_label,
                    indicator.formula,
                    indicator.formula_expression,
                    indicator.get_dimension_display() if indicator.dimension else "",
                    indicator.dimension_label,
                    indicator.unit_of_measure,
                    indicator.data_source,
                    indicator.polarity,
                    indicator.baseline_text or indicator.baseline_value,
                    indicator.baseline_year,
                    indicator.standard_text,
                    indicator.tolerance_text,
                    indicator.weight,
                ]
                row += [_target_text(targets.get(y)) for y in years]
                row += [_structured(targets.get(y)) for y in years]
            else:
                row += [None] * (17 + 2 * len(years))
            rows.append(row)
    return strategic_rows, group_rows, rows


def _structured(target) -> str | None:
    """The exact reading of a target, written only where its text would read otherwise."""
    from planning.target_text import parse_target

    if target is None:
        return None
    parsed = parse_target(target.text) if target.text else None
    same = parsed is not None and (
        parsed.kind == target.kind
        and parsed.value == target.value
        and parsed.value_to == target.value_to
        and parsed.target_date == target.target_date
    )
    if same:
        return None
    if target.kind == "by_date" and target.target_date:
        return f"by_date {target.target_date.isoformat()}"
    numbers = [str(v.normalize()) for v in (target.value, target.value_to) if v is not None]
    return " ".join([target.kind, *numbers])


def _target_text(target) -> str | None:
    from planning.formatting import target_label

    return target_label(target) if target is not None else None
