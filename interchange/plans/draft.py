"""The plan as read from a file, before it is written: plain data the preview shows.

Nothing here touches the database. Every part remembers where it was read (table and row), so
that a problem can be shown «riga 14, colonna Peso» and the commit can skip what is blocked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from planning.target_text import ParsedTarget

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Place:
    location: str  # «foglio Obiettivi», «tabella 3», «file CSV»
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        parts = [self.location] if self.location else []
        if self.row is not None:
            parts.append(f"riga {self.row}")
        if self.column:
            parts.append(f"colonna {self.column}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    severity: str
    place: Place
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


@dataclass(frozen=True)
class Inference:
    place: Place
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


@dataclass
class DraftTarget:
    year: int
    parsed: ParsedTarget
    place: Place


@dataclass
class DraftIndicator:
    name: str
    place: Place
    key: str = ""
    code: str = ""
    description: str = ""
    formula: str = ""
    dimension: str = ""
    dimension_label: str = ""
    unit_of_measure: str = ""
    data_source: str = ""
    polarity: str = ""
    baseline_value: Decimal | None = None
    baseline_text: str = ""
    baseline_year: int | None = None
    responsible_label: str = ""
    formula_expression: str = ""
    standard_text: str = ""
    tolerance_text: str = ""
    weight: Decimal | None = None
    phase_index: int | None = None  # the action this indicator measures
    targets: dict[int, DraftTarget] = field(default_factory=dict)
    blocked: bool = False


@dataclass
class DraftPhase:
    description: str
    place: Place
    kind: str = "fase"
    label: str = ""
    planned_text: str = ""
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    responsible_label: str = ""


@dataclass
class DraftObjective:
    title: str
    place: Place
    key: str = ""
    code: str = ""
    section: str = ""
    description: str = ""
    expected_result: str = ""
    kind: str = ""
    is_transversal: bool = False
    is_payment_time: bool = False
    area: str = ""
    unit: str = ""
    peg_code: str = ""
    responsible: str = ""
    mission_code: str = ""
    mission_name: str = ""
    programme_code: str = ""
    programme_name: str = ""
    strategic: str = ""  # key in PlanDraft.strategics
    weight: Decimal | None = None
    weight_group: str = ""  # label in PlanDraft.groups
    deadline: dt.date | None = None
    deadline_text: str = ""
    years: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    responsible_keys: list[str] = field(default_factory=list)
    indicators: list[DraftIndicator] = field(default_factory=list)
    phases: list[DraftPhase] = field(default_factory=list)
    blocked: bool = False

    @property
    def unit_label(self) -> str:
        return self.unit or self.area


@dataclass
class DraftStrategic:
    title: str
    place: Place
    key: str = ""
    code: str = ""
    area: str = ""
    description: str = ""
    mission_code: str = ""
    mission_name: str = ""
    programme_code: str = ""
    programme_name: str = ""
    units_label: str = ""
    responsible_label: str = ""
    stakeholders_final: str = ""
    stakeholders_intermediate: str = ""
    peg_services: str = ""
    criticalities: str = ""
    expected_impact: str = ""


@dataclass
class DraftGroup:
    label: str
    kind: str
    expected_total: Decimal = Decimal("100")
    key: str = ""
    unit: str = ""
    responsible: str = ""
    scheme_share: Decimal | None = None
    note: str = ""
    years: list[int] = field(default_factory=list)
    declared: bool = False  # read from a «Gruppi di pesatura» table rather than inferred


@dataclass
class ColumnInfo:
    location: str
    header: str
    header_key: str
    field: str | None
    year: int | None
    source: str
    samples: list[str] = field(default_factory=list)


@dataclass
class PlanDraft:
    year: int
    first_year: int
    last_year: int
    objectives: list[DraftObjective] = field(default_factory=list)
    strategics: dict[str, DraftStrategic] = field(default_factory=dict)
    groups: dict[str, DraftGroup] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    inferences: list[Inference] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)  # tables and text not imported

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def unknown_columns(self) -> list[ColumnInfo]:
        return [c for c in self.columns if c.field is None]

    def valid_objectives(self) -> list[DraftObjective]:
        return [o for o in self.objectives if not o.blocked]

    def weight_totals(self) -> dict[str, Decimal]:
        """The weights of the valid objectives added up by group label, in one pass."""
        totals: dict[str, Decimal] = {}
        for objective in self.objectives:
            if objective.blocked or objective.weight is None or not objective.weight_group:
                continue
            label = objective.weight_group
            totals[label] = totals.get(label, Decimal("0")) + objective.weight
        return totals

    def group_totals(self) -> list[tuple[DraftGroup, Decimal, bool]]:
        """Each group with its total and whether it reaches its expected total (±0,05)."""
        result = []
        totals = self.weight_totals()
        for group in self.groups.values():
            total = totals.get(group.label, Decimal("0"))
            result.append((group, total, abs(total - group.expected_total) <= Decimal("0.05")))
        return result
