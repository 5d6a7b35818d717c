"""From the blocks of a file to a `PlanDraft`: headers, carried values, objectives, problems.

The same rules read a spreadsheet and a Word document:

* a table's header row is the first row with at least two recognised headers, one of them an
  objective, description, indicator, weight, phase or target column;
* a header repeated further down (a new page, a pasted block) and blank rows are skipped;
* area, service, responsabile, Missione/Programma and strategic objective written once apply to
  the rows below until another value appears (merged cells arrive filled the same way);
* a line of text, or a row with a single cell, that reads «Area …», «Servizio …», «MISSIONE 12
  … PROGRAMMA 2 …», «OBIETTIVO STRATEGICO: …» or «OBIETTIVO: …» sets that context for the
  tables that follow;
* rows whose objective cell is empty or merged continue the objective above (its further
  indicators and phases).

Problems that make a value unusable (a weight that is not a number) are errors and block their
objective or indicator; problems of the plan itself (a weight group that does not add up) are
warnings: the plan is kept as written and flagged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from interchange.plans import headers as hd
from interchange.plans.draft import (
    ERROR,
    WARNING,
    ColumnInfo,
    DraftGroup,
    DraftIndicator,
    DraftObjective,
    DraftPhase,
    DraftStrategic,
    DraftTarget,
    Inference,
    Place,
    PlanDraft,
    Problem,
)
from interchange.plans.readers import Cell, Heading, Row, SourceDocument, Table
from planning.models import Dimension, ObjectiveKind, PiaoTag, Polarity, TargetKind, WeightGroupKind
from planning.target_text import (
    MONTHS,
    ParsedTarget,
    fold,
    parse_date_text,
    parse_italian_number,
    parse_target,
)

# «-» in a carried column: none on this row, and nothing carried from above or from the
# strategic objective.
DASHES = {"-", "—", "–"}
# «tutti» in the «Anni» column: every year of the plan (an objective without years of its own).
EVERY_YEAR = {"tutti", "tutti gli anni", "ogni anno"}
_YEARS = re.compile(r"(?:19|20)\d{2}")

ANCHORS = {
    "objective",
    "description",
    "indicator",
    "weight",
    "phase",
    "target",
    "weight_group",
    "strategic_objective",
}
HUNDRED = Decimal("100")

_AREA = re.compile(r"^(?:area|settore)\b\s*[:–-]?\s*(?P<name>.+)$", re.IGNORECASE)
_UNIT = re.compile(r"^servizio\b\s*[:–-]?\s*(?P<name>.+)$", re.IGNORECASE)
_MISSION = re.compile(
    r"missione\s*(?:n\.?\s*)?(?P<mc>\d{1,2})\s*[:.–-]?\s*(?P<mn>.*?)"
    r"(?:\s*[-–]?\s*programma\s*(?:n\.?\s*)?(?P<pc>\d{1,2})\s*[:.–-]?\s*(?P<pn>.*))?$",
    re.IGNORECASE,
)
_PROGRAMME = re.compile(r"^programma\s*(?:n\.?\s*)?(?P<pc>\d{1,2})\s*[:.–-]?\s*(?P<pn>.*)$", re.I)
_STRATEGIC = re.compile(
    r"^obiettivo\s+strategico\s*(?:n\.?\s*(?P<code>[\w.]+))?\s*[:–-]\s*(?P<title>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_OBJECTIVE = re.compile(
    r"^obiettivo(?:\s+operativo)?\s*(?:n\.?\s*(?P<code>[\w.]+))?\s*[:–-]\s*(?P<title>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_SECTION = re.compile(r"^obiettiv[oi]\s+operativ[oi]\b", re.IGNORECASE)
_STOP = re.compile(r"^(indicatori|parametri)\b\s*$", re.IGNORECASE)
_RESULTS = re.compile(r"^indicatori\s+di\s+risultato\b", re.IGNORECASE)
_ACTION = re.compile(r"^\s*(?P<label>[a-z]\)|\d{1,2}[.)])\s+(?P<text>.+)$", re.DOTALL)
_PAYMENT = re.compile(r"tempi\s+di\s+pagamento", re.IGNORECASE)

KV_LABELS = {
    "area strategica": "area",
    "unita organizzativa": "units_label",
    "unita organizzative": "units_label",
    "responsabile": "responsible_label",
    "responsabili": "responsible_label",
    "stakeholder finali": "stakeholders_final",
    "stakeholder intermedi": "stakeholders_intermediate",
    "servizi peg coinvolti": "peg_services",
    "criticita da presidiare": "criticalities",
    "impatto atteso": "expected_impact",
    "descrizione": "description",
}

KIND_WORDS = {
    "sviluppo": ObjectiveKind.DEVELOPMENT,
    "s": ObjectiveKind.DEVELOPMENT,
    "strategico": ObjectiveKind.DEVELOPMENT,
    "innovazione": ObjectiveKind.DEVELOPMENT,
    "miglioramento": ObjectiveKind.DEVELOPMENT,
    "mantenimento": ObjectiveKind.MAINTENANCE,
    "m": ObjectiveKind.MAINTENANCE,
    "ordinario": ObjectiveKind.MAINTENANCE,
    "straordinario": ObjectiveKind.EXTRAORDINARY,
    "attivita straordinaria": ObjectiveKind.EXTRAORDINARY,
}
YES = {"si", "sì", "x", "1", "vero", "true", "yes", "s"}
NO = {"no", "0", "falso", "false", "n", ""}


@dataclass
class Context:
    """What headings and carried cells say about the rows that follow."""

    values: dict[str, str] = field(default_factory=dict)
    origins: dict[str, int | None] = field(default_factory=dict)
    pending_title: str = ""
    pending_code: str = ""
    pending_heading: str = ""
    strategic: str = ""


class DraftBuilder:
    def __init__(
        self,
        *,
        year: int,
        first_year: int | None = None,
        last_year: int | None = None,
        mapping: dict[str, str] | None = None,
        saved_mapping: dict[str, str] | None = None,
    ):
        first = first_year or year
        last = last_year or max(year, first + 2)
        self.draft = PlanDraft(year=year, first_year=first, last_year=last)
        self.mapping = {hd.header_key(k): v for k, v in (mapping or {}).items()}
        self.saved = dict(saved_mapping or {})
        self.context = Context()
        self.fraction_weights = False
        self._raw_weights: list[tuple[DraftObjective, str, Place]] = []

    # -- entry point -----------------------------------------------------------------------

    def build(self, document: SourceDocument) -> PlanDraft:
        for block in document.blocks:
            if isinstance(block, Heading):
                self.heading(block.text, Place(block.location))
            else:
                self.table(block)
        self.finish_weights()
        self.infer_groups()
        self.check_groups()
        return self.draft

    # -- problems --------------------------------------------------------------------------

    def error(self, place: Place, message: str) -> None:
        self.draft.problems.append(Problem(ERROR, place, message))

    def warn(self, place: Place, message: str) -> None:
        self.draft.problems.append(Problem(WARNING, place, message))

    def infer(self, place: Place, message: str) -> None:
        self.draft.inferences.append(Inference(place, message))

    # -- headings --------------------------------------------------------------------------

    def heading(self, text: str, place: Place) -> bool:
        """Apply a heading; False when the text says nothing the import uses."""
        line = re.sub(r"[*#_]+", "", text).strip()
        ctx = self.context
        if not line:
            return False
        if match := _STRATEGIC.match(line):
            key = self.strategic(match["title"].strip(), match["code"] or "", place)
            ctx.strategic = key
            ctx.pending_title = ""
            return True
        if match := _OBJECTIVE.match(line):
            ctx.pending_title = match["title"].strip()
            ctx.pending_code = match["code"] or ""
            return True
        if _SECTION.match(line):
            ctx.values["section"] = line
            ctx.origins["section"] = place.row
            ctx.pending_title = ""
            ctx.pending_heading = ""
            return True
        if match := _MISSION.search(line):
            self._set_mission(match["mc"], match["mn"], match["pc"], match["pn"], place)
            return True
        if match := _PROGRAMME.match(line):
            self._set_mission(None, None, match["pc"], match["pn"], place)
            return True
        if match := _AREA.match(line):
            self._reset_below("area")
            ctx.values["area"] = line
            ctx.origins["area"] = place.row
            return True
        if match := _UNIT.match(line):
            self._reset_below("unit")
            ctx.values["unit"] = line
            ctx.origins["unit"] = place.row
            return True
        if _RESULTS.match(line):
            ctx.pending_heading = ""
            return True
        if _STOP.match(line):
            ctx.pending_title = ""
            ctx.pending_heading = ""
            self.current = None
            return True
        # An unlabelled heading right before a table may be the objective's title
        # («OBIETTIVO OPERATIVO SPECIFICO DEL RESPONSABILE» → «RISPETTO DEI TEMPI DI PAGAMENTO»).
        ctx.pending_heading = line
        return False

    def _reset_below(self, level: str) -> None:
        ctx = self.context
        order = ["area", "unit", "peg_code", "responsible", "section"]
        for name in order[order.index(level) :]:
            ctx.values.pop(name, None)
        ctx.strategic = ""
        ctx.pending_title = ""
        for name in ("mission_code", "mission_name", "programme_code", "programme_name"):
            ctx.values.pop(name, None)

    def _set_mission(self, mc, mn, pc, pn, place: Place) -> None:
        ctx = self.context
        if mc:
            ctx.values["mission_code"] = mc
            ctx.values["mission_name"] = _clean_name(mn or "")
            ctx.values.pop("programme_code", None)
            ctx.values.pop("programme_name", None)
            ctx.strategic = ""
        if pc:
            ctx.values["programme_code"] = pc
            ctx.values["programme_name"] = _clean_name(pn or "")
            ctx.strategic = ""

    def strategic(self, title: str, code: str, place: Place, **extra) -> str:
        ctx = self.context
        folded = fold(title)
        for key, existing in self.draft.strategics.items():
            if fold(existing.title) == folded and (not code or existing.code == code):
                return key
        key = f"s{len(self.draft.strategics) + 1}"
        self.draft.strategics[key] = DraftStrategic(
            title=title,
            place=place,
            code=code,
            mission_code=ctx.values.get("mission_code", ""),
            mission_name=ctx.values.get("mission_name", ""),
            programme_code=ctx.values.get("programme_code", ""),
            programme_name=ctx.values.get("programme_name", ""),
            units_label=ctx.values.get("unit", "") or ctx.values.get("area", ""),
            **extra,
        )
        return key

    # -- tables ----------------------------------------------------------------------------

    current: DraftObjective | None = None

    def table(self, table: Table) -> None:
        if fold(table.name) == "istruzioni":
            return  # the template's own documentation
        rows = [row for row in table.rows if row.filled]
        if not rows:
            return
        if self.key_value_table(table, rows):
            return
        header_index = self.find_header(rows)
        if header_index is None:
            self.loose_rows(table, rows)
            return
        header = rows[header_index]
        columns = self.columns(table, header, rows[header_index + 1 :])
        fields = {c.field for c in columns.values()}
        if "group_kind" in fields or "expected_total" in fields:
            self.groups_table(table, header, columns, rows[header_index + 1 :])
            return
        if "strategic_objective" in fields and not fields & {"objective", "indicator", "weight"}:
            self.strategic_table(table, header, columns, rows[header_index + 1 :])
            return
        self.objective_rows(table, header, columns, rows[header_index + 1 :])

    def find_header(self, rows: list[Row]) -> int | None:
        for index, row in enumerate(rows[:40]):
            found = [self.field_for(row.cell(i).text)[0] for i in row.filled]
            recognised = [name for name in found if name and name != hd.IGNORE]
            if len(recognised) >= 2 and set(recognised) & ANCHORS:
                return index
        return None

    def field_for(self, header: str) -> tuple[str | None, int | None, str]:
        key = hd.header_key(header)
        base, year = hd.split_year(header)
        for source, table in (("explicit", self.mapping), ("saved", self.saved)):
            for candidate in (key, base):
                if candidate in table:
                    value = table[candidate] or hd.IGNORE
                    return value, year, source
        name, year = hd.recognise(header)
        return name, year, "auto"

    def columns(self, table: Table, header: Row, body: list[Row]) -> dict[int, hd.Column]:
        result: dict[int, hd.Column] = {}
        for index in header.filled:
            text = header.cell(index).text
            name, year, source = self.field_for(text)
            result[index] = hd.Column(index, text, name, year, source)
        names = {c.field for c in result.values()}
        # «Descrizione» of an indicator table (seed 004) describes the indicator.
        indicator_table = (
            "indicator" in names
            and "objective" not in names
            and "weight" not in names
            and names & {"unit_of_measure", "target", "baseline"}
        )
        for index, column in list(result.items()):
            if indicator_table and column.field == "description" and column.source == "auto":
                result[index] = hd.Column(index, column.header, "indicator_description", None)
        for column in result.values():
            samples = [row.cell(column.index).text[:60] for row in body[:3]]
            self.draft.columns.append(
                ColumnInfo(
                    location=table.location,
                    header=column.header,
                    header_key=hd.header_key(column.header),
                    field=column.field,
                    year=column.year,
                    source=column.source,
                    samples=[s for s in samples if s],
                )
            )
            if column.field is None:
                self.warn(
                    Place(table.location, header.number, column.header),
                    "colonna non riconosciuta: ignorata finché non la associ a un campo.",
                )
        return result

    def key_value_table(self, table: Table, rows: list[Row]) -> bool:
        """A two-column table of labels and values describing the strategic objective."""
        pairs = []
        for row in rows:
            filled = row.filled
            if len(filled) < 2:
                continue
            label = hd.header_key(row.cell(filled[0]).text)
            if label not in KV_LABELS:
                return False
            pairs.append((KV_LABELS[label], " ".join(row.cell(i).text for i in filled[1:]), row))
        if not pairs or len(pairs) < len(rows) * 0.6:
            return False
        ctx = self.context
        if not ctx.strategic:
            self.draft.unrecognised.append(
                f"{table.location}: tabella descrittiva senza un obiettivo strategico che la "
                "preceda; non importata."
            )
            return True
        strategic = self.draft.strategics[ctx.strategic]
        for name, value, _row in pairs:
            setattr(strategic, name, value)
        return True

    def loose_rows(self, table: Table, rows: list[Row]) -> None:
        """A table without a header: its single-cell rows may still be headings."""
        used = False
        for row in rows:
            if len(row.filled) == 1:
                used |= self.heading(
                    row.cell(row.filled[0]).text, Place(table.location, row.number)
                )
        if not used:
            first = " | ".join(rows[0].cell(i).text[:40] for i in rows[0].filled[:4])
            self.draft.unrecognised.append(
                f"{table.location}: nessuna intestazione riconosciuta (prima riga: «{first}»); "
                "tabella non importata."
            )

    # -- objective rows --------------------------------------------------------------------

    def objective_rows(
        self, table: Table, header: Row, columns: dict[int, hd.Column], body: list[Row]
    ) -> None:
        header_keys = [hd.header_key(header.cell(i).text) for i in header.filled]
        has_title = any(c.field == "objective" for c in columns.values())
        table_objective: DraftObjective | None = None
        names = {c.field for c in columns.values()}
        pending = self.context.pending_title or self.context.pending_heading
        if (
            not has_title
            and self.current is not None
            and not pending
            and not names
            & {
                "description",
                "weight",
                "phase",
            }
        ):
            # An indicator table under its objective («Indicatori di risultato», seed 004).
            table_objective = self.current
        elif not has_title:
            self.current = None
        for row in body:
            keys = [hd.header_key(row.cell(i).text) for i in row.filled]
            if keys and sum(k in header_keys for k in keys) >= max(2, len(header_keys) * 0.6):
                self.infer(Place(table.location, row.number), "intestazione ripetuta, ignorata.")
                continue
            if len(row.filled) == 1 and len(columns) > 2:
                text = row.cell(row.filled[0]).text
                if self.heading(text, Place(table.location, row.number)):
                    self.current = None
                    table_objective = None
                    continue
            values = self.row_values(table, row, columns)
            if not has_title and table_objective is not None:
                self.continue_untitled(table_objective, values, table, row)
                continue
            objective = self.row_objective(values, table, row, has_title)
            if objective is None:
                continue
            if not has_title:
                table_objective = objective
        self.context.pending_title = ""
        self.context.pending_heading = ""

    def row_values(self, table: Table, row: Row, columns: dict[int, hd.Column]) -> dict:
        """Field → (text, cell, column) for the row, carried values filled in."""
        values: dict[str, list] = {}
        ctx = self.context
        for index, column in columns.items():
            if column.field in (None, hd.IGNORE):
                continue
            cell = row.cell(index)
            values.setdefault(column.field, []).append((cell, column))
        for name in hd.CARRIED:
            cells = values.get(name)
            if cells and cells[0][0].text in DASHES:
                ctx.values.pop(name, None)  # «-»: none here, and nothing carried from above
                if name == "strategic_objective":
                    ctx.strategic = ""
                continue
            if cells and not cells[0][0].empty:
                cell, column = cells[0]
                if name == "area" and ctx.values.get("area") != cell.text:
                    self._reset_below("area")
                if name == "unit" and ctx.values.get("unit") != cell.text:
                    ctx.values.pop("peg_code", None)
                ctx.values[name] = cell.text
                ctx.origins[name] = cell.merged_from or row.number
                if name == "strategic_objective":
                    ctx.strategic = self.strategic(cell.text, "", Place(table.location, row.number))
                if cell.merged_from and cell.merged_from != row.number:
                    self.infer(
                        Place(table.location, row.number, column.header),
                        f"{hd.field_label(name).lower()} dalla cella unita della riga "
                        f"{cell.merged_from}.",
                    )
            elif name in ctx.values and (cells or name in {"area", "unit"}):
                origin = ctx.origins.get(name)
                if cells and origin:
                    self.infer(
                        Place(table.location, row.number, cells[0][1].header),
                        f"{hd.field_label(name).lower()} ripresa dalla riga {origin}.",
                    )
        return values

    def row_objective(self, values, table: Table, row: Row, has_title: bool):
        ctx = self.context
        title_cell = _first(values, "objective")
        code = _text(values, "objective_code")
        key = _text(values, "key")
        place = Place(table.location, row.number)
        if title_cell is not None and not title_cell.empty:
            title = title_cell.text
            continues = (
                self.current is not None
                and (title_cell.merged_from is not None or fold(title) == fold(self.current.title))
                and (not code or code == self.current.code)
                and (not key or key == self.current.key)
            )
        elif has_title and self.current is not None:
            title, continues = self.current.title, True
        else:
            title = ctx.pending_title or ctx.pending_heading
            code = code or ctx.pending_code
            continues = False
            if not title:
                description = _text(values, "description")
                if not description:
                    self.error(place, "manca il titolo dell'obiettivo: riga non importata.")
                    return None
                title = description
                self.infer(place, "titolo dell'obiettivo preso dalla descrizione.")
            elif not has_title:
                self.infer(place, f"titolo dell'obiettivo dall'intestazione «{title[:60]}».")
            ctx.pending_title = ""
            ctx.pending_heading = ""
        if continues and self.current is not None:
            self.more_of(self.current, values, table, row)
            return self.current
        objective = self.new_objective(title, code, values, table, row)
        self.current = objective
        return objective

    def new_objective(self, title, code, values, table: Table, row: Row) -> DraftObjective:
        ctx = self.context
        place = Place(table.location, row.number)
        objective = DraftObjective(
            title=title,
            place=place,
            key=_text(values, "key"),
            code=code or "",
            section=_own_text(values, "section") or ctx.values.get("section", ""),
            description=_text(values, "description"),
            expected_result=_text(values, "expected_result"),
            area=ctx.values.get("area", ""),
            unit=ctx.values.get("unit", ""),
            peg_code=ctx.values.get("peg_code", ""),
            responsible=ctx.values.get("responsible", ""),
            strategic=ctx.strategic,
            weight_group=_text(values, "weight_group"),
        )
        self._mission_of(objective, values, place)
        strategic = self.draft.strategics.get(ctx.strategic)
        if strategic is not None:
            _inherit_from_strategic(objective, strategic, values)
        self._kind_of(objective, values, place)
        objective.is_transversal = self._flag(values, "transversal", place)
        payment = _first(values, "payment_time")
        if payment is not None and not payment.empty:
            objective.is_payment_time = self._flag(values, "payment_time", place)
        elif _PAYMENT.search(title):
            objective.is_payment_time = True
            self.infer(place, "obiettivo sui tempi di pagamento riconosciuto dal titolo.")
        self._weight_of(objective, values, table, row)
        self._deadline_of(objective, values, table, row)
        self._years_of(objective, values, table, row)
        self._tags_of(objective, values, place)
        keys = _text(values, "responsible_keys")
        objective.responsible_keys = [k.strip() for k in re.split(r"[,;\s]+", keys) if k.strip()]
        stakeholders = _text(values, "stakeholders")
        if stakeholders:
            if strategic is not None and not strategic.stakeholders_final:
                strategic.stakeholders_final = stakeholders
            else:
                objective.description = (
                    f"{objective.description}\nStakeholder: {stakeholders}".strip()
                )
                self.infer(place, "stakeholder riportati nella descrizione dell'obiettivo.")
        self.draft.objectives.append(objective)
        self.more_of(objective, values, table, row, first=True)
        return objective

    def continue_untitled(self, objective: DraftObjective, values, table: Table, row: Row):
        """Further rows of a table under an «OBIETTIVO:» heading: its actions a), b), c)."""
        description = _text(values, "description")
        place = Place(table.location, row.number)
        if description:
            if not objective.phases and objective.description:
                self._as_action(objective, objective.description, objective.place)
                objective.description = ""
            self._as_action(objective, description, place)
        self.more_of(objective, values, table, row)

    def _as_action(self, objective: DraftObjective, text: str, place: Place) -> None:
        match = _ACTION.match(text)
        label, body = (match["label"], match["text"].strip()) if match else ("", text)
        objective.phases.append(DraftPhase(body, place, kind="azione", label=label))
        for indicator in objective.indicators:
            if indicator.place.row == place.row and indicator.phase_index is None:
                indicator.phase_index = len(objective.phases) - 1

    def more_of(self, objective, values, table: Table, row: Row, *, first: bool = False):
        """Indicators and phases of a row (the objective's first row or one that continues it)."""
        place = Place(table.location, row.number)
        if not first:
            cell = _first(values, "weight")
            if cell is not None and not cell.empty and cell.merged_from is None:
                if objective.weight is None:
                    self._weight_of(objective, values, table, row)
                elif cell.text != _plain_number(objective.weight) and not objective.blocked:
                    self.warn(
                        Place(table.location, row.number, _first_column(values, "weight").header),
                        f"peso «{cell.text}» su una riga che continua l'obiettivo «"
                        f"{objective.title[:60]}»: ignorato, vale il peso della sua prima riga.",
                    )
        phase_text = _text(values, "phase")
        if phase_text:
            timing = _text(values, "phase_timing")
            match = _ACTION.match(phase_text)
            label = _text(values, "phase_label") or (match["label"] if match else "")
            body = (
                match["text"].strip() if match and not _text(values, "phase_label") else phase_text
            )
            kind = "azione" if fold(_text(values, "phase_kind")) == "azione" else "fase"
            if not (objective.phases and objective.phases[-1].description == body):
                start = self._date_of(values, "phase_start", table, row)
                end = self._date_of(values, "phase_end", table, row)
                if _first(values, "phase_end") is None:
                    end = timing_end(timing, self.draft.year)
                objective.phases.append(
                    DraftPhase(
                        body,
                        place,
                        kind=kind,
                        label=label,
                        planned_text=timing,
                        planned_start=start,
                        planned_end=end,
                        responsible_label=_text(values, "phase_responsible"),
                    )
                )
        indicator_cell = _first(values, "indicator")
        if indicator_cell is not None and not indicator_cell.empty:
            self.indicator(objective, indicator_cell, values, table, row)

    def indicator(self, objective, cell: Cell, values, table: Table, row: Row) -> None:
        place = Place(table.location, row.number)
        name = cell.text
        last = objective.indicators[-1] if objective.indicators else None
        key = _text(values, "indicator_key")
        if (
            last is not None
            and (cell.merged_from is not None or last.name == name)
            and (not key or key == last.key)
        ):
            self.targets(last, values, table, row)
            return
        indicator = DraftIndicator(
            name=name,
            place=place,
            key=key,
            code=_text(values, "indicator_code"),
            description=_text(values, "indicator_description"),
            formula=_text(values, "formula"),
            unit_of_measure=_text(values, "unit_of_measure"),
            data_source=_text(values, "data_source"),
            responsible_label=_text(values, "indicator_responsible"),
            formula_expression=_text(values, "formula_expression"),
            standard_text=_text(values, "indicator_standard"),
            tolerance_text=_text(values, "tolerance"),
        )
        if objective.phases and objective.phases[-1].place.row == row.number:
            indicator.phase_index = len(objective.phases) - 1
        dimension = _text(values, "dimension")
        if dimension:
            indicator.dimension_label = dimension
            indicator.dimension = DIMENSIONS.get(fold(dimension), "")
        if _first(values, "dimension_label") is not None:  # the label as the plan writes it
            indicator.dimension_label = _text(values, "dimension_label")
        self._indicator_weight(indicator, values, table, row)
        polarity = _text(values, "polarity")
        if polarity:
            indicator.polarity = POLARITIES.get(fold(polarity), "")
            if not indicator.polarity:
                self.warn(place, f"polarità «{polarity}» non prevista: si usa quella predefinita.")
        objective.indicators.append(indicator)
        self.baseline(indicator, values, table, row)
        self.targets(indicator, values, table, row, indicator_header=cell)

    def _indicator_weight(self, indicator: DraftIndicator, values, table: Table, row: Row):
        cell = _first(values, "indicator_weight")
        if cell is None or cell.empty:
            return
        try:
            weight = (
                cell.value if isinstance(cell.value, Decimal) else parse_italian_number(cell.text)
            )
        except ValueError:
            weight = None
        if weight is None or not Decimal("0") <= weight <= HUNDRED:
            column = _first_column(values, "indicator_weight")
            self.error(
                Place(table.location, row.number, column.header),
                f"«{cell.text}» non è un peso tra 0 e 100: l'indicatore non è importato.",
            )
            indicator.blocked = True
            return
        indicator.weight = weight

    def _date_of(self, values, name: str, table: Table, row: Row) -> dt.date | None:
        cell = _first(values, name)
        if cell is None or cell.empty:
            return None
        if isinstance(cell.value, dt.date):
            return cell.value
        found = parse_date_text(cell.text)
        if found is None:
            column = _first_column(values, name)
            self.warn(
                Place(table.location, row.number, column.header),
                f"«{cell.text}» non è una data (gg/mm/aaaa): lasciata vuota.",
            )
        return found

    def baseline(self, indicator: DraftIndicator, values, table: Table, row: Row) -> None:
        for cell, column in values.get("baseline", []):
            if cell.empty:
                continue
            text = cell.text
            indicator.baseline_text = text
            year = _text(values, "baseline_year")
            indicator.baseline_year = column.year or (int(year) if year.isdigit() else None)
            try:
                indicator.baseline_value = (
                    cell.value
                    if isinstance(cell.value, Decimal)
                    else parse_italian_number(text.rstrip("%"))
                )
            except ValueError:
                indicator.baseline_value = None

    def targets(self, indicator, values, table: Table, row: Row, *, indicator_header=None):
        draft = self.draft
        year_text = _text(values, "year")
        row_year = None
        if year_text:
            try:
                row_year = int(parse_italian_number(year_text))
            except ValueError:
                self.error(
                    Place(table.location, row.number, "Anno"), f"«{year_text}» non è un anno."
                )
                indicator.blocked = True
        found = False
        for cell, column in values.get("target", []):
            if cell.empty:
                continue
            found = True
            self._target(indicator, cell, column.year or row_year or draft.year, table, row, column)
        for cell, column in values.get("target_structured", []):
            if not cell.empty:
                self._structured(indicator, cell, column.year or row_year or draft.year, table, row)
        if not found and indicator_header is not None:
            # «INDICATORE DI RISULTATO 2024»: the text is both the indicator and its target.
            column = _first_column(values, "indicator")
            if column is not None and column.year:
                self._target(indicator, indicator_header, column.year, table, row, column)

    def _target(self, indicator, cell: Cell, year: int, table: Table, row: Row, column) -> None:
        place = Place(table.location, row.number, column.header)
        draft = self.draft
        text = cell.text
        if isinstance(cell.value, Decimal):
            parsed = parse_target(_plain_number(cell.value))
        elif isinstance(cell.value, dt.date):
            parsed = parse_target(f"entro il {text}")
        else:
            parsed = parse_target(text)
        if parsed is None:
            return
        if not draft.first_year <= year <= draft.last_year:
            self.error(
                place,
                f"target per il {year}, fuori dal triennio {draft.first_year}-"
                f"{draft.last_year} del piano: indicatore non importato.",
            )
            indicator.blocked = True
            return
        if parsed.is_percent and not indicator.unit_of_measure:
            indicator.unit_of_measure = "%"
        previous = indicator.targets.get(year)
        if previous is not None and previous.parsed.text != parsed.text:
            self.warn(place, f"secondo target per il {year}: tenuto il primo.")
            return
        indicator.targets[year] = DraftTarget(year, parsed, place)
        if parsed.kind == "text" and len(text) < 40:
            self.infer(place, f"target «{text}» tenuto come descrittivo.")

    def _structured(self, indicator, cell: Cell, year: int, table: Table, row: Row) -> None:
        """«gte 80», «between 700 800», «by_date 2024-12-31»: the template's exact reading of
        a target whose text alone would read otherwise."""
        place = Place(table.location, row.number, f"Target strutturato {year}")
        parts = cell.text.split()
        kind, numbers = parts[0].lower(), parts[1:]
        existing = indicator.targets.get(year)
        text = existing.parsed.text if existing else ""
        try:
            if kind == "by_date":
                data = ParsedTarget(kind, target_date=dt.date.fromisoformat(numbers[0]), text=text)
            else:
                values = [Decimal(n) for n in numbers]
                data = ParsedTarget(
                    kind,
                    value=values[0] if values else None,
                    value_to=values[1] if len(values) > 1 else None,
                    text=text,
                )
        except (ValueError, IndexError, ArithmeticError):
            self.error(place, f"«{cell.text}» non è un target strutturato valido.")
            indicator.blocked = True
            return
        if kind not in TargetKindValues:
            self.error(place, f"tipo di target «{kind}» non previsto.")
            indicator.blocked = True
            return
        indicator.targets[year] = DraftTarget(year, data, place)

    # -- objective fields ------------------------------------------------------------------

    def _mission_of(self, objective, values, place: Place) -> None:
        ctx = self.context
        for name, code_field, name_field in (
            ("mission", "mission_code", "mission_name"),
            ("programme", "programme_code", "programme_name"),
        ):
            text = _text(values, name)
            if text:
                match = re.match(
                    r"^(?:missione|programma)?\s*(?:n\.?\s*)?(\d{1,2})\s*[:.–-]?\s*(.*)$",
                    text,
                    re.I,
                )
                if match:
                    setattr(objective, code_field, match.group(1))
                    setattr(objective, name_field, _clean_name(match.group(2)))
                else:
                    setattr(objective, name_field, text)
            else:
                setattr(objective, code_field, ctx.values.get(code_field, ""))
                setattr(objective, name_field, ctx.values.get(name_field, ""))

    def _kind_of(self, objective, values, place: Place) -> None:
        text = _text(values, "kind")
        if not text:
            return
        kind = KIND_WORDS.get(fold(text).strip(" ."))
        if kind is None:
            column = _first_column(values, "kind")
            self.error(
                Place(place.location, place.row, column.header if column else "Tipo"),
                f"«{text}» non è un tipo di obiettivo previsto (sviluppo, mantenimento, "
                "straordinario; S/M).",
            )
            objective.blocked = True
            return
        objective.kind = kind
        if fold(text) == "strategico":
            self.infer(place, "tipo «strategico» letto come obiettivo di sviluppo.")

    def _flag(self, values, name: str, place: Place) -> bool:
        text = fold(_text(values, name))
        if text in YES:
            return True
        if text in NO:
            return False
        column = _first_column(values, name)
        self.warn(
            Place(place.location, place.row, column.header if column else name),
            f"«{text}» non è né sì né no: letto come no.",
        )
        return False

    def _weight_of(self, objective, values, table: Table, row: Row) -> None:
        cell = _first(values, "weight")
        if cell is None or cell.empty:
            return
        column = _first_column(values, "weight")
        place = Place(table.location, row.number, column.header)
        if isinstance(cell.value, Decimal):
            objective.weight = cell.value
            self._raw_weights.append((objective, _plain_number(cell.value), place))
            return
        text = cell.text
        try:
            value = parse_italian_number(text)
        except ValueError:
            self.error(place, f"«{text}» non è un numero.")
            objective.blocked = True
            return
        objective.weight = value
        if "%" not in text:
            self._raw_weights.append((objective, text, place))

    def finish_weights(self) -> None:
        """Weights written as fractions («0,1111») are percentages × 100 when all are ≤ 1."""
        plain = [(o, raw, place) for o, raw, place in self._raw_weights if o.weight is not None]
        if (
            plain
            and all(o.weight <= 1 for o, _, _ in plain)
            and any(o.weight < 1 for o, _, _ in plain)
        ):
            for objective, raw, place in plain:
                objective.weight = objective.weight * HUNDRED
                self.infer(
                    place, f"peso «{raw}» letto come frazione: {_it(objective.weight)}\u00a0%."
                )
        for objective in self.draft.objectives:
            if objective.weight is None:
                continue
            place = Place(objective.place.location, objective.place.row, "Peso")
            if not Decimal("0") <= objective.weight <= HUNDRED:
                self.error(place, f"il peso {_it(objective.weight)} non è compreso tra 0 e 100.")
                objective.blocked = True
            elif objective.weight != objective.weight.quantize(Decimal("0.01")):
                rounded = objective.weight.quantize(Decimal("0.01"))
                self.infer(place, f"peso {_it(objective.weight)} arrotondato a {_it(rounded)}.")
                objective.weight = rounded

    def _deadline_of(self, objective, values, table: Table, row: Row) -> None:
        cell = _first(values, "deadline")
        written = _text(values, "deadline_text")
        if cell is None or cell.empty:
            objective.deadline_text = written
            return
        if isinstance(cell.value, dt.date):
            objective.deadline = cell.value
            objective.deadline_text = written or cell.text
            return
        text = cell.text
        objective.deadline_text = text
        objective.deadline = parse_date_text(text) or timing_end(text, self.draft.year)
        if objective.deadline is None:
            column = _first_column(values, "deadline")
            self.warn(
                Place(table.location, row.number, column.header),
                f"scadenza «{text}» senza una data riconoscibile: tenuta come testo.",
            )

    def _tags_of(self, objective, values, place: Place) -> None:
        text = _text(values, "tags")
        for word in (w.strip() for w in re.split(r"[,;\n]+", text)):
            if not word:
                continue
            tag = TAGS.get(fold(word))
            if tag is None:
                self.warn(place, f"ambito PIAO «{word}» non previsto: ignorato.")
            elif tag not in objective.tags:
                objective.tags.append(tag)

    def _years_of(self, objective, values, table: Table, row: Row) -> None:
        draft = self.draft
        text = _text(values, "years")
        if not text:
            objective.years = [draft.year]
            return
        if fold(text) in EVERY_YEAR:
            objective.years = []
            return
        years = sorted({int(y) for y in re.findall(r"(?:19|20)\d{2}", text)})
        outside = [y for y in years if not draft.first_year <= y <= draft.last_year]
        if not years or outside:
            column = _first_column(values, "years")
            self.error(
                Place(table.location, row.number, column.header),
                f"anni «{text}» fuori dal triennio {draft.first_year}-{draft.last_year}.",
            )
            objective.blocked = True
            return
        objective.years = years

    # -- other tables ----------------------------------------------------------------------

    def groups_table(self, table, header, columns, body) -> None:
        draft = self.draft
        for row in body:
            values = self.row_values(table, row, columns)
            label = _text(values, "weight_group")
            if not label:
                continue
            place = Place(table.location, row.number)
            kind = fold(_text(values, "group_kind"))
            kind_value = GROUP_KINDS.get(kind, WeightGroupKind.OTHER)
            group = DraftGroup(
                label=label,
                kind=kind_value,
                key=_text(values, "key"),
                unit=_text(values, "unit"),
                responsible=_text(values, "responsible"),
                note=_text(values, "group_note"),
                years=sorted({int(y) for y in _YEARS.findall(_text(values, "group_years"))}),
                declared=True,
            )
            outside = [y for y in group.years if not draft.first_year <= y <= draft.last_year]
            if outside:
                column = _first_column(values, "group_years")
                self.error(
                    Place(table.location, row.number, column.header),
                    f"anni del gruppo fuori dal triennio {draft.first_year}-{draft.last_year}: "
                    "il gruppo vale per ogni anno del piano.",
                )
                group.years = []
            for name in ("expected_total", "scheme_share"):
                text = _text(values, name)
                if not text:
                    continue
                try:
                    setattr(group, name, parse_italian_number(text))
                except ValueError:
                    column = _first_column(values, name)
                    self.error(
                        Place(table.location, row.number, column.header),
                        f"«{text}» non è un numero.",
                    )
            self.draft.groups[label] = group
            del place

    def strategic_table(self, table, header, columns, body) -> None:
        for row in body:
            values = self.row_values(table, row, columns)
            title = _text(values, "strategic_objective")
            if not title:
                continue
            key = self.context.strategic
            strategic = self.draft.strategics[key]
            strategic.code = _text(values, "strategic_code") or strategic.code
            strategic.area = _text(values, "strategic_area")
            strategic.description = _text(values, "strategic_description")
            strategic.responsible_label = _text(values, "responsible")
            strategic.units_label = _text(values, "units_label")
            for name in (
                "stakeholders_final",
                "stakeholders_intermediate",
                "peg_services",
                "criticalities",
                "expected_impact",
            ):
                setattr(strategic, name, _text(values, name))
            for name in ("mission", "programme"):
                text = _text(values, name)
                match = re.match(r"^(\d{1,2})\s*[:.–-]?\s*(.*)$", text)
                if match:
                    setattr(strategic, f"{name}_code", match.group(1))
                    setattr(strategic, f"{name}_name", _clean_name(match.group(2)))
            strategic.key = _text(values, "key")
            self.context.strategic = ""

    # -- weight groups ---------------------------------------------------------------------

    def infer_groups(self) -> None:
        draft = self.draft
        for objective in draft.objectives:
            if objective.weight is None or objective.blocked:
                continue
            if objective.weight_group:
                if objective.weight_group not in draft.groups:
                    draft.groups[objective.weight_group] = DraftGroup(
                        label=objective.weight_group,
                        kind=WeightGroupKind.PAYMENT_TIME
                        if objective.is_payment_time
                        else WeightGroupKind.OTHER,
                        unit=objective.unit_label,
                    )
                continue
            scope = objective.unit or objective.area or objective.responsible or "Piano"
            if objective.is_payment_time:
                label = f"{scope} – Rispetto dei tempi di pagamento"
                kind = WeightGroupKind.PAYMENT_TIME
            else:
                label = f"{scope} – Obiettivi"
                kind = (
                    WeightGroupKind.SERVICE
                    if objective.unit
                    else (WeightGroupKind.AREA if objective.area else WeightGroupKind.RESPONSIBLE)
                )
            objective.weight_group = label
            if label not in draft.groups:
                draft.groups[label] = DraftGroup(
                    label=label,
                    kind=kind,
                    unit=objective.unit_label,
                    responsible=objective.responsible,
                )
                self.infer(objective.place, f"gruppo di pesatura «{label}» dedotto.")
        self.infer_group_totals()

    def infer_group_totals(self) -> None:
        """The expected total of inferred groups: the payment share as written; the others 100,
        or what is left beside the payment share when that is what the weights add up to."""
        draft = self.draft
        totals = draft.weight_totals()
        for group in draft.groups.values():
            if group.declared:
                continue
            total = totals.get(group.label, Decimal("0"))
            if group.kind == WeightGroupKind.PAYMENT_TIME:
                group.expected_total = total or group.expected_total
                group.scheme_share = total or None
                continue
            payment = next(
                (
                    other
                    for other in draft.groups.values()
                    if other.kind == WeightGroupKind.PAYMENT_TIME and other.unit == group.unit
                ),
                None,
            )
            share = totals.get(payment.label, Decimal("0")) if payment else Decimal("0")
            if payment and share and abs(total - (HUNDRED - share)) <= Decimal("0.05"):
                group.expected_total = HUNDRED - share
                group.scheme_share = HUNDRED - share
                self.infer(
                    Place(""),
                    f"gruppo «{group.label}»: totale atteso {_it(HUNDRED - share)}\u00a0%, "
                    "accanto al "
                    f"{_it(share)}\u00a0% dei tempi di pagamento.",
                )

    def check_groups(self) -> None:
        for group, total, ok in self.draft.group_totals():
            if not ok:
                self.warn(
                    Place(""),
                    f"il gruppo di pesatura «{group.label}» somma {_it(total)}\u00a0% invece di "
                    f"{_it(group.expected_total)}\u00a0%: tenuto come scritto e segnalato.",
                )


DIMENSIONS = {fold(label): value for value, label in Dimension.choices}
DIMENSIONS.update({"economicita": Dimension.ECONOMY, "tempestivita": Dimension.TIMELINESS})
TargetKindValues = set(TargetKind.values)
TAGS = {fold(label): value for value, label in PiaoTag.choices}
TAGS.update({value: value for value in PiaoTag.values})
POLARITIES = {fold(label): value for value, label in Polarity.choices}
POLARITIES.update({value: value for value in Polarity.values})
GROUP_KINDS = {fold(label): value for value, label in WeightGroupKind.choices}
GROUP_KINDS.update({value: value for value in WeightGroupKind.values})


def timing_end(text: str, year: int) -> dt.date | None:
    """«febbraio» → 28/02, «Annuale» or «dicembre» → 31/12 of the plan's year; dates as such."""
    folded = fold(text)
    if not folded:
        return None
    date = parse_date_text(text)
    if date is not None:
        return date
    if folded in {"annuale", "anno", "intero anno", "tutto l'anno"}:
        return dt.date(year, 12, 31)
    months = [MONTHS[word] for word in re.findall(r"[a-z]+", folded) if word in MONTHS]
    if months:
        month = months[-1]
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return None


def _first(values, name: str) -> Cell | None:
    cells = values.get(name)
    return cells[0][0] if cells else None


def _first_column(values, name: str):
    cells = values.get(name)
    return cells[0][1] if cells else None


def _text(values, name: str) -> str:
    cell = _first(values, name)
    return cell.text if cell is not None else ""


def _own_text(values, name: str) -> str:
    """The row's own text of a carried column, «-» (none) read as empty."""
    text = _text(values, name)
    return "" if text in DASHES else text


def _clean_name(text: str) -> str:
    return (text or "").strip(" :-–.").strip()


def _plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _it(value: Decimal) -> str:
    from planning.formatting import number_it

    return number_it(value)


def build_draft(document: SourceDocument, **options) -> PlanDraft:
    return DraftBuilder(**options).build(document)


def _inherit_from_strategic(objective: DraftObjective, strategic, values) -> None:
    """An objective without responsible or unit takes those of its strategic objective,
    unless the file wrote a dash there (none, on purpose)."""
    none_written = {
        name for name in ("responsible", "unit", "area") if _text(values, name) in DASHES
    }
    if (
        not objective.responsible
        and strategic.responsible_label
        and "responsible" not in none_written
    ):
        objective.responsible = strategic.responsible_label
    if (
        not objective.unit
        and not objective.area
        and strategic.units_label
        and not none_written & {"unit", "area"}
    ):
        objective.unit = strategic.units_label.splitlines()[0]
