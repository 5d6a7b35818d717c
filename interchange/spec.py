"""The `performa-cycle` format described once, as data.

Every object of the format is an ordered list of fields with their type, default and limits.
Three things are derived from it so they cannot drift apart:

* the JSON Schema in `docs/interchange.schema.json` (`build_schema`, checked by a test);
* the canonical form (`canonical_object`): key order, omitted defaults, plain decimals;
* the generic checks the schema cannot express (`iter_scalars` feeds real dates and the
  number of digits a decimal column can store).

The module is Django-free, so `python -m interchange.spec` rewrites the schema file.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.config import SmvpSettings

FORMAT = "performa-cycle"
VERSION = 1  # the major version: a reader refuses any other
MINOR_VERSION = 2  # 1.1: objectives of several units, strategic objectives of several areas,
# years on weight groups, strict and «anno precedente» target kinds; 1.2: the position
# allowance of an assignment, with its period, and the ente's integrative contracts (optional;
# see docs/interchange.md)
VERSION_TEXT = f"{VERSION}.{MINOR_VERSION}"
# What `version` may say: 1 (a file written before minor versions existed) or "1.N" up to ours.
ACCEPTED_VERSIONS: tuple[int | str, ...] = (
    VERSION,
    *(f"{VERSION}.{minor}" for minor in range(MINOR_VERSION + 1)),
)

KEY_PATTERN = r"^[a-z0-9-]+$"
# Parameter keys are names used in formulas, where a hyphen would read as a minus.
PARAMETER_KEY_PATTERN = r"^[a-z0-9_-]+$"
KEY_MAX_LENGTH = 80
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# A moment: ISO 8601 with seconds and an offset; the canonical form is UTC with "Z".
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
YEAR_MIN, YEAR_MAX = 1900, 2200

# Field kinds.
STRING = "string"  # free text; `max_length` when the column has one
KEY = "key"  # the slug that identifies the object within its list
REF = "ref"  # a key of another list
INTEGER = "integer"
DECIMAL = "decimal"  # a plain decimal written as a JSON string
DATE = "date"
DATETIME = "datetime"  # a moment (closing of a window, approval, correction)
BOOLEAN = "boolean"
ENUM = "enum"
STRING_LIST = "string_list"
INTEGER_LIST = "integer_list"
REF_LIST = "ref_list"
ENUM_LIST = "enum_list"
OBJECT = "object"  # free-form JSON object (kept as-is)
OBJECTS = "objects"  # a list of objects described by `item`
NESTED = "nested"  # one object described by `item`


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    default: Any = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    digits: tuple[int, int] | None = None  # (max_digits, decimal_places) of the column
    minimum: int | None = None
    maximum: int | None = None
    item: ObjectSpec | None = None
    refers_to: str = ""  # what a REF/REF_LIST points at, for documentation only
    pattern: str = KEY_PATTERN  # for KEY fields
    # The canonical form of a value, when it is more than the generic one (None = default).
    normalize: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    fields: tuple[Field, ...]
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})


def _empty_default(kind: str) -> Any:
    if kind in (STRING, ENUM):
        return ""
    if kind == BOOLEAN:
        return False
    if kind in (STRING_LIST, INTEGER_LIST, REF_LIST, ENUM_LIST, OBJECTS):
        return []
    if kind == OBJECT:
        return {}
    return None


def f(name: str, kind: str = STRING, **options: Any) -> Field:
    """A field whose default is the empty value of its kind unless given."""
    if "default" not in options:
        options["default"] = _empty_default(kind)
    return Field(name, kind, **options)


def req(name: str, kind: str = STRING, **options: Any) -> Field:
    return f(name, kind, required=True, **options)


def text(name: str, max_length: int | None = None, **options: Any) -> Field:
    return f(name, STRING, max_length=max_length, **options)


def year(name: str, *, required: bool = False) -> Field:
    return f(name, INTEGER, required=required, minimum=YEAR_MIN, maximum=YEAR_MAX)


def dec(name: str, max_digits: int, places: int, **options: Any) -> Field:
    return f(name, DECIMAL, digits=(max_digits, places), **options)


PERCENT = (5, 2)
AMOUNT = (18, 4)

ENTE_KINDS = ("comune", "unione", "consorzio", "altro")
UNIT_KINDS = ("direzione", "area", "servizio", "ufficio", "altro")
ABSENCE_KINDS = ("maternita", "paternita", "parentale", "malattia", "altro")
CCNL_AREAS = (
    "operatori",
    "operatori_esperti",
    "istruttori",
    "funzionari_eq",
    "dirigenti",
    "segretari",
)
LEGACY_CATEGORIES = ("A", "B", "C", "D")
GENDERS = ("F", "M")
ROLES = ("segretario", "direttore", "dirigente", "eq", "comandante", "dipendente", "esterno")
CONTRACTS = ("indeterminato", "determinato", "altro")
ASSIGNMENT_KINDS = ("ordinaria", "convenzione", "comando", "accordo", "esterno")
BODY_KINDS = ("nucleo", "oiv")
DOCUMENT_KINDS = ("piao", "peg", "piano", "pdo")
CYCLE_STATES = (
    "draft",
    "proposed",
    "approved",
    "monitoring",
    "measurement",
    "evaluation",
    "reporting",
    "validated",
)
ORG_LEVELS = ("ente", "area", "unit")
WEIGHT_GROUP_KINDS = ("servizio", "responsabile", "area", "tempi_pagamento", "altro")
OBJECTIVE_KINDS = ("sviluppo", "mantenimento", "straordinario")
TAGS = (
    "semplificazione",
    "digitalizzazione",
    "accessibilita",
    "pari_opportunita",
    "anticorruzione",
    "tempi_pagamento",
    "pnrr",
)
PHASE_KINDS = ("fase", "azione")
SCOPES = ("ente", "unit", "objective")
DIMENSIONS = (
    "efficacia",
    "efficienza",
    "economicita",
    "qualita",
    "tempestivita",
    "quantita",
    "impatto",
    "stato_risorse",
)
POLARITIES = ("higher", "lower", "range", "milestone", "none")
TARGET_KINDS = (
    "gte",
    "gt",
    "lte",
    "lt",
    "eq",
    "between",
    "gte_previous",
    "gt_previous",
    "lte_previous",
    "lt_previous",
    "by_date",
    "value",
    "text",
)

MEMBER_ENTE = ObjectSpec(
    "member_ente",
    (req("name", max_length=255), text("istat_code", 12)),
)

BEHAVIOUR_LEVEL = ObjectSpec(
    "behaviour_level",
    (dec("score", 7, 2, required=True), req("descriptor")),
)

BEHAVIOUR = ObjectSpec(
    "behaviour",
    (
        req("key", KEY),
        req("name", max_length=255),
        text("description"),
        f("levels", OBJECTS, item=BEHAVIOUR_LEVEL),
        f("is_differentiation_capacity", BOOLEAN),
    ),
)

ENTE = ObjectSpec(
    "ente",
    (
        req("slug", KEY, max_length=60),
        req("name", max_length=255),
        text("short_name", 120),
        req("kind", ENUM, choices=ENTE_KINDS),
        text("ipa_code", 20),
        text("istat_code", 12),
        text("fiscal_code", 16),
        text("province", 2),
        f("headcount", INTEGER, minimum=0),
        text("governing_body", 80, default="Giunta"),
        f("smvp_settings", OBJECT, normalize=lambda value: canonical_smvp(value)),
        text("notes"),
        f("members", OBJECTS, item=MEMBER_ENTE),
        f("behaviours", OBJECTS, item=BEHAVIOUR),
    ),
)

PARAMETER_VALUE = ObjectSpec(
    "parameter_value",
    (
        year("year", required=True),
        f("reference_date", DATE),
        dec("value", *AMOUNT, required=True),
        text("value_text", 60),
    ),
)

PARAMETER = ObjectSpec(
    "parameter",
    (
        req("key", KEY, pattern=PARAMETER_KEY_PATTERN),
        req("name", max_length=400),
        text("group", 255),
        text("unit_of_measure", 40),
        f("values", OBJECTS, item=PARAMETER_VALUE),
    ),
)

UNIT = ObjectSpec(
    "unit",
    (
        req("key", KEY),
        f("parent", REF, refers_to="units"),
        req("kind", ENUM, choices=UNIT_KINDS),
        req("name", max_length=400),
        text("peg_code", 30),
        text("description"),
        f("responsible", REF, refers_to="people"),
        text("responsible_label", 255),
        text("assessore", 255),
        f("activities", STRING_LIST),
        f("parameters", OBJECTS, item=PARAMETER),
    ),
)

EMPLOYMENT = ObjectSpec(
    "employment",
    (
        text("employer_name", 255),
        f("ccnl_area", ENUM, choices=CCNL_AREAS),
        f("legacy_category", ENUM, choices=LEGACY_CATEGORIES),
        text("profile", 160),
        f("role", ENUM, choices=ROLES, default="dipendente"),
        f("contract", ENUM, choices=CONTRACTS, default="indeterminato"),
        dec("part_time_percent", *PERCENT, default="100"),
        dec("hours_per_week", *PERCENT),
        f("start_date", DATE),
        f("end_date", DATE),
    ),
)

ASSIGNMENT = ObjectSpec(
    "assignment",
    (
        req("unit", REF, refers_to="units"),
        f("kind", ENUM, choices=ASSIGNMENT_KINDS, default="ordinaria"),
        text("position", 160),
        text("source_ente_name", 255),
        dec("hours_per_week", *PERCENT),
        dec("share_percent", *PERCENT),
        f("start_date", DATE),
        f("end_date", DATE),
        # 1.2: the annual retribuzione di posizione and the period it is paid for.
        dec("position_allowance", 12, 2),
        f("position_allowance_start", DATE),
        f("position_allowance_end", DATE),
        text("note"),
    ),
)

ABSENCE = ObjectSpec(
    "absence",
    (
        req("kind", ENUM, choices=ABSENCE_KINDS),
        req("start_date", DATE),
        req("end_date", DATE),
        text("note", 255),
    ),
)

PERSON = ObjectSpec(
    "person",
    (
        req("key", KEY),
        req("first_name", max_length=120),
        req("last_name", max_length=120),
        text("title", 40),
        text("fiscal_code", 16),
        text("email", 254),
        f("gender", ENUM, choices=GENDERS),
        f("employments", OBJECTS, item=EMPLOYMENT),
        f("assignments", OBJECTS, item=ASSIGNMENT),
        f("absences", OBJECTS, item=ABSENCE),
    ),
)

BODY_MEMBER = ObjectSpec(
    "evaluation_body_member",
    (
        req("full_name", max_length=255),
        f("person", REF, refers_to="people"),
        f("is_external", BOOLEAN),
        f("is_chair", BOOLEAN),
        text("appointment_act", 255),
    ),
)

EVALUATION_BODY = ObjectSpec(
    "evaluation_body",
    (
        req("kind", ENUM, choices=BODY_KINDS),
        req("name", max_length=255),
        text("appointment_act", 255),
        f("appointment_date", DATE),
        f("start_date", DATE),
        f("end_date", DATE),
        f("members", OBJECTS, item=BODY_MEMBER),
    ),
)

# 1.2, optional: the ente's contratto integrativo and the premium rules it sets for its years
# (tie-break criteria, treatment of the people still tied at the cut-off, …: only the keys the
# contract sets, as `rewards.services.CONTRACT_KEYS`; the others keep the national defaults).
INTEGRATIVE_CONTRACT = ObjectSpec(
    "integrative_contract",
    (
        req("label", max_length=255),
        text("act_label", 255),
        year("first_year", required=True),
        year("last_year"),
        f("parameters", OBJECT),
    ),
)

ORG_LEVEL = ObjectSpec(
    "org_level",
    (
        req("level", ENUM, choices=ORG_LEVELS),
        req("label", max_length=255),
        dec("weight", *PERCENT, required=True),
    ),
)

STRATEGIC_AREA = ObjectSpec(
    "strategic_area",
    (
        req("key", KEY),
        text("code", 30),
        req("name", max_length=400),
        text("description"),
        text("assessore", 255),
    ),
)

STRATEGIC_OBJECTIVE = ObjectSpec(
    "strategic_objective",
    (
        req("key", KEY),
        # Version 1 names one area; 1.1 lists them all in `areas` (`area`, if given, is the
        # first of them). The canonical form writes `areas` only.
        f("area", REF, refers_to="cycle.strategic_areas"),
        f("areas", REF_LIST, refers_to="cycle.strategic_areas"),
        text("code", 30),
        req("title"),
        text("description"),
        text("mission_code", 4),
        text("mission_name", 255),
        text("programme_code", 4),
        text("programme_name", 400),
        f("units", REF_LIST, refers_to="units"),
        text("units_label"),
        text("responsible_label", 400),
        text("stakeholders_final"),
        text("stakeholders_intermediate"),
        text("peg_services"),
        text("criticalities"),
        text("expected_impact"),
        text("assessore", 255),
    ),
)

WEIGHT_GROUP = ObjectSpec(
    "weight_group",
    (
        req("key", KEY),
        req("kind", ENUM, choices=WEIGHT_GROUP_KINDS),
        req("label", max_length=400),
        f("unit", REF, refers_to="units"),
        f("responsible", REF, refers_to="people"),
        dec("expected_total", 6, 2, default="100"),
        dec("scheme_share", *PERCENT),
        text("note"),
        # 1.1: the years of the plan the group belongs to ([] = every year).
        f("years", INTEGER_LIST, minimum=YEAR_MIN, maximum=YEAR_MAX),
    ),
)

PHASE = ObjectSpec(
    "phase",
    (
        f("kind", ENUM, choices=PHASE_KINDS, default="fase"),
        text("label", 30),
        req("description"),
        text("responsible_label"),
        text("planned_text", 255),
        f("planned_start", DATE),
        f("planned_end", DATE),
        text("actual_text"),
        f("actual_end", DATE),
        dec("progress", *PERCENT),
    ),
)

OBJECTIVE = ObjectSpec(
    "objective",
    (
        req("key", KEY),
        text("code", 30),
        text("section", 400),
        req("title"),
        text("description"),
        text("expected_result"),
        f("kind", ENUM, choices=OBJECTIVE_KINDS, default="sviluppo"),
        f("is_transversal", BOOLEAN),
        f("is_payment_time", BOOLEAN),
        f("tags", ENUM_LIST, choices=TAGS),
        # Version 1 names one unit; 1.1 lists them all in `units`, the leading unit first
        # (`unit`, if given, is that first one). The canonical form writes `units` only.
        f("unit", REF, refers_to="units"),
        f("units", REF_LIST, refers_to="units"),
        f("responsibles", REF_LIST, refers_to="people"),
        text("responsible_label"),
        f("strategic_objective", REF, refers_to="cycle.strategic_objectives"),
        f("weight_group", REF, refers_to="cycle.weight_groups"),
        dec("weight", *PERCENT),
        f("years", INTEGER_LIST, minimum=YEAR_MIN, maximum=YEAR_MAX),
        f("deadline", DATE),
        text("deadline_text", 255),
        text("mission_code", 4),
        text("mission_name", 255),
        text("programme_code", 4),
        text("programme_name", 400),
        f("phases", OBJECTS, item=PHASE),
    ),
)

INDICATOR_GROUP = ObjectSpec(
    "indicator_group",
    (
        req("key", KEY),
        req("scope", ENUM, choices=SCOPES),
        f("unit", REF, refers_to="units"),
        f("parent", REF, refers_to="cycle.indicator_groups"),
        text("code", 30),
        req("title", max_length=400),
        text("description"),
        f("columns", STRING_LIST),
    ),
)

TARGET = ObjectSpec(
    "target",
    (
        year("year", required=True),
        req("kind", ENUM, choices=TARGET_KINDS),
        dec("value", *AMOUNT),
        dec("value_to", *AMOUNT),
        f("target_date", DATE),
        text("text"),
    ),
)

INDICATOR = ObjectSpec(
    "indicator",
    (
        req("key", KEY),
        req("scope", ENUM, choices=SCOPES),
        f("group", REF, refers_to="cycle.indicator_groups"),
        f("objective", REF, refers_to="cycle.objectives"),
        f("strategic_objective", REF, refers_to="cycle.strategic_objectives"),
        f("phase", INTEGER, minimum=0),
        f("unit", REF, refers_to="units"),
        text("code", 30),
        req("name"),
        text("description"),
        f("dimension", ENUM, choices=DIMENSIONS),
        text("dimension_label", 120),
        text("formula"),
        # Machine formula over parameter keys and indicator keys ("-" read as "_").
        text("formula_expression"),
        text("unit_of_measure", 40),
        text("data_source", 400),
        f("polarity", ENUM, choices=POLARITIES, default="higher"),
        dec("baseline_value", *AMOUNT),
        text("baseline_text", 255),
        year("baseline_year"),
        text("standard_text"),
        text("tolerance_text"),
        text("responsible_label"),
        dec("weight", *PERCENT),
        f("targets", OBJECTS, item=TARGET),
    ),
)

REVISION = ObjectSpec(
    "revision",
    (
        req("number", INTEGER, minimum=1),
        req("date", DATE),
        req("motivation"),
        text("act_label", 255),
        f("is_open", BOOLEAN),
    ),
)

WINDOW_STATES = ("open", "closed")
PERIOD_KINDS = ("mese", "trimestre", "quadrimestre", "semestre", "anno", "data")
MEASUREMENT_STATES = ("draft", "approved")
CORRECTIVE_STATUSES = ("planned", "done")

MONITORING_WINDOW = ObjectSpec(
    "monitoring_window",
    (
        req("key", KEY),
        req("label", max_length=200),
        req("period_end", DATE),
        f("is_final", BOOLEAN),
        f("state", ENUM, choices=WINDOW_STATES, default="open"),
        f("closed_at", DATETIME),
        # Frozen history: every value and score when the window closed, kept as written.
        f("snapshot", OBJECT, default=None),
    ),
)

MEASURED_PARAMETER = ObjectSpec(
    "measured_parameter",
    (
        req("unit", REF, refers_to="units"),
        req("key", REF, pattern=PARAMETER_KEY_PATTERN, refers_to="units[].parameters"),
    ),
)

EVIDENCE = ObjectSpec(
    "evidence",
    (
        req("original_name", max_length=255),
        req("content_type", max_length=120),
        req("size", INTEGER, minimum=0, maximum=2147483647),
    ),
)

CORRECTION = ObjectSpec(
    "correction",
    (
        req("window", REF, refers_to="cycle.monitoring_windows"),
        dec("old_value", *AMOUNT),
        dec("new_value", *AMOUNT),
        f("old_completed_on", DATE),
        f("new_completed_on", DATE),
        req("reason"),
        req("corrected_at", DATETIME),
    ),
)

MEASUREMENT = ObjectSpec(
    "measurement",
    (
        f("indicator", REF, refers_to="cycle.indicators"),
        f("parameter", NESTED, item=MEASURED_PARAMETER),
        req("period_kind", ENUM, choices=PERIOD_KINDS),
        req("period_start", DATE),
        req("period_end", DATE),
        f("is_cumulative", BOOLEAN, default=True),
        dec("value", *AMOUNT),
        f("completed_on", DATE),
        text("note"),
        text("deviation_note"),
        f("state", ENUM, choices=MEASUREMENT_STATES, default="draft"),
        f("approved_at", DATETIME),
        f("evidence", OBJECTS, item=EVIDENCE),
        f("corrections", OBJECTS, item=CORRECTION),
    ),
)

DELEGATE = ObjectSpec(
    "delegate",
    (
        req("objective", REF, refers_to="cycle.objectives"),
        req("person", REF, refers_to="people"),
    ),
)

CORRECTIVE_ACTION = ObjectSpec(
    "corrective_action",
    (
        req("objective", REF, refers_to="cycle.objectives"),
        f("window", REF, refers_to="cycle.monitoring_windows"),
        req("description"),
        f("due_date", DATE),
        f("status", ENUM, choices=CORRECTIVE_STATUSES, default="planned"),
        req("recorded_at", DATETIME),
    ),
)

EVALUATOR_KINDS = ("nucleo", "segretario", "responsabile")
BEHAVIOUR_CONVERSIONS = ("proportional", "from_minimum")
PREVALENCES = ("largest", "majority")
COMPONENT_KINDS = (
    "unit_performance",
    "ente_performance",
    "individual_objectives",
    "group_objectives",
    "behaviours",
    "other",
)
SCHEDA_STATES = (
    "draft",
    "proposed",
    "interview",
    "delivered",
    "acknowledged",
    "contested",
    "conciliation",
    "final",
)
CONCILIATION_OUTCOMES = ("confirmed", "modified", "withdrawn")
FUND_KINDS = (
    "performance_organizzativa",
    "performance_individuale",
    "risultato_eq",
    "risultato_dirigenti",
)
DISTRIBUTION_STATES = ("preview", "final")
POINTS = (6, 2)
MONEY = (12, 2)
SMALL_INT = {"minimum": 0, "maximum": 32767}

SCHEME_BEHAVIOUR = ObjectSpec(
    "scheme_behaviour",
    (req("behaviour", REF, refers_to="ente.behaviours"), dec("weight", *PERCENT)),
)

SCHEME_COMPONENT = ObjectSpec(
    "scheme_component",
    (
        req("key", KEY),
        req("kind", ENUM, choices=COMPONENT_KINDS),
        req("label", max_length=255),
        dec("weight", *PERCENT, required=True),
        f("presence_sensitive", BOOLEAN),
        f("behaviours", OBJECTS, item=SCHEME_BEHAVIOUR),
    ),
)

SCORE_BAND = ObjectSpec(
    "score_band",
    (
        dec("min_points", *POINTS, required=True),
        dec("max_points", *POINTS, required=True),
        dec("premium_percent", *PERCENT, required=True),
        text("label", 120),
    ),
)

SCHEME = ObjectSpec(
    "scheme",
    (
        req("key", KEY),
        req("name", max_length=255),
        f("roles", ENUM_LIST, choices=ROLES),
        f("categories", ENUM_LIST, choices=CCNL_AREAS + LEGACY_CATEGORIES),
        f("is_managerial", BOOLEAN),
        f("evaluator_kind", ENUM, choices=EVALUATOR_KINDS, default="responsabile"),
        dec("max_points", *POINTS, default="100"),
        f("behaviour_scale_min", INTEGER, default=1, **SMALL_INT),
        f("behaviour_scale_max", INTEGER, default=5, **SMALL_INT),
        dec("negative_threshold", *POINTS),
        f(
            "behaviour_conversion",
            ENUM,
            choices=BEHAVIOUR_CONVERSIONS,
            default="proportional",
        ),
        f("prevalence", ENUM, choices=PREVALENCES, default="largest"),
        f("contest_days", INTEGER, default=15, **SMALL_INT),
        f("self_evaluation", BOOLEAN),
        f("minimum_service_days", INTEGER, default=180, **SMALL_INT),
        f("components", OBJECTS, item=SCHEME_COMPONENT),
        f("bands", OBJECTS, item=SCORE_BAND),
    ),
)

SCHEDA_ITEM = ObjectSpec(
    "scheda_item",
    (
        req("component", REF, refers_to="cycle.schemes[].components"),
        f("behaviour", REF, refers_to="ente.behaviours"),
        f("objective", REF, refers_to="cycle.objectives"),
        dec("raw_score", 7, 2),
        dec("points", 7, 2),
        text("note"),
    ),
)

SCHEDA_TRANSITION = ObjectSpec(
    "scheda_transition",
    (
        f("from_state", ENUM, choices=SCHEDA_STATES),
        req("to_state", ENUM, choices=SCHEDA_STATES),
        f("is_reopening", BOOLEAN),
        text("note"),
        req("at", DATETIME),
    ),
)

CONCILIATION = ObjectSpec(
    "conciliation",
    (
        req("requested_at", DATETIME),
        req("request_text"),
        f("meeting_date", DATE),
        text("meeting_notes"),
        f("outcome", ENUM, choices=CONCILIATION_OUTCOMES),
        text("outcome_text"),
        text("decided_by", 255),
        f("decided_at", DATETIME),
        dec("previous_points", *POINTS),
        dec("new_points", *POINTS),
    ),
)

SCHEDA = ObjectSpec(
    "scheda",
    (
        req("person", REF, refers_to="people"),
        req("scheme", REF, refers_to="cycle.schemes"),
        f("unit", REF, refers_to="units"),
        f("evaluator", REF, refers_to="people"),
        req("evaluator_kind", ENUM, choices=EVALUATOR_KINDS),
        f("state", ENUM, choices=SCHEDA_STATES, default="draft"),
        dec("total_points", *POINTS),
        # Position of the band in the scheme's `bands` (counted from 0).
        f("band", INTEGER, minimum=0),
        dec("premium_percent", *PERCENT),
        f("is_negative", BOOLEAN),
        f("is_eligible", BOOLEAN, default=True),
        text("eligibility_note"),
        text("self_evaluation_text"),
        text("evaluator_notes"),
        f("interview_date", DATE),
        text("interview_notes"),
        f("delivered_at", DATETIME),
        f("acknowledged_at", DATETIME),
        f("finalised_at", DATETIME),
        f("items", OBJECTS, item=SCHEDA_ITEM),
        f("transitions", OBJECTS, item=SCHEDA_TRANSITION),
        f("conciliation", NESTED, item=CONCILIATION),
    ),
)

REPORT_VALIDATION = ObjectSpec(
    "report_validation",
    (
        req("validated_on", DATE),
        req("act_label", max_length=255),
        text("note"),
    ),
)

FUND = ObjectSpec(
    "fund",
    (
        req("kind", ENUM, choices=FUND_KINDS),
        req("label", max_length=255),
        dec("amount", *MONEY, required=True),
        dec("pool_amount", *MONEY),
        text("act_label", 255),
        text("note"),
    ),
)

DISTRIBUTION_LINE = ObjectSpec(
    "distribution_line",
    (
        req("person", REF, refers_to="people"),
        # The person whose scheda of this cycle the line rests on (normally the same person).
        f("scheda", REF, refers_to="cycle.schede[].person"),
        f("is_eligible", BOOLEAN, default=True),
        dec("share", 14, 6, required=True),
        dec("base_amount", *MONEY, required=True),
        dec("bonus_amount", *MONEY, required=True),
        dec("withheld_amount", *MONEY, required=True),
        dec("total_amount", *MONEY, required=True),
        f("explanation", OBJECT),
    ),
)

DISTRIBUTION = ObjectSpec(
    "distribution",
    (
        req("fund", ENUM, choices=FUND_KINDS),
        f("state", ENUM, choices=DISTRIBUTION_STATES, default="preview"),
        f("parameters", OBJECT),
        f("result", OBJECT),
        dec("total_paid", *MONEY, required=True),
        dec("residual", *MONEY, required=True),
        req("created_at", DATETIME),
        f("finalised_at", DATETIME),
        f("lines", OBJECTS, item=DISTRIBUTION_LINE),
    ),
)

CYCLE = ObjectSpec(
    "cycle",
    (
        year("year", required=True),
        year("first_year", required=True),
        year("last_year", required=True),
        f("document_kind", ENUM, choices=DOCUMENT_KINDS, default="piao"),
        req("title", max_length=400),
        text("subtitle", 400),
        f("state", ENUM, choices=CYCLE_STATES, default="draft"),
        text("approval_body", 120),
        text("approval_act_number", 40),
        f("approval_act_date", DATE),
        text("smvp_reference"),
        text("introduction"),
        text("notes"),
        f("org_levels", OBJECTS, item=ORG_LEVEL),
        f("strategic_areas", OBJECTS, item=STRATEGIC_AREA),
        f("strategic_objectives", OBJECTS, item=STRATEGIC_OBJECTIVE),
        f("weight_groups", OBJECTS, item=WEIGHT_GROUP),
        f("objectives", OBJECTS, item=OBJECTIVE),
        f("indicator_groups", OBJECTS, item=INDICATOR_GROUP),
        f("indicators", OBJECTS, item=INDICATOR),
        f("revisions", OBJECTS, item=REVISION),
        f("monitoring_windows", OBJECTS, item=MONITORING_WINDOW),
        f("measurements", OBJECTS, item=MEASUREMENT),
        f("delegates", OBJECTS, item=DELEGATE),
        f("corrective_actions", OBJECTS, item=CORRECTIVE_ACTION),
        f("schemes", OBJECTS, item=SCHEME),
        f("schede", OBJECTS, item=SCHEDA),
        f("report_validation", NESTED, item=REPORT_VALIDATION),
        f("funds", OBJECTS, item=FUND),
        f("distributions", OBJECTS, item=DISTRIBUTION),
    ),
)

DOCUMENT = ObjectSpec(
    "document",
    (
        req("format", ENUM, choices=(FORMAT,)),
        # 1 or "1.N" (see ACCEPTED_VERSIONS); the schema lists the accepted values.
        req("version", STRING),
        req("ente", OBJECT),
        f("units", OBJECTS, item=UNIT),
        f("people", OBJECTS, item=PERSON),
        f("evaluation_bodies", OBJECTS, item=EVALUATION_BODY),
        f("integrative_contracts", OBJECTS, item=INTEGRATIVE_CONTRACT),
        req("cycle", OBJECT),
    ),
)
# `ente` and `cycle` are single objects, not lists: the document spec points at their specs.
SECTIONS: dict[str, ObjectSpec] = {"ente": ENTE, "cycle": CYCLE}


# --- lists that version 1 wrote as a single reference ---------------------------------------


def listed_or_single(item: dict[str, Any], plural: str, single: str) -> list[str]:
    """`units` of an objective (or `areas` of a strategic objective), or the single `unit`
    (`area`) of a version 1 file; the single one comes first when both are given."""
    listed = list(item.get(plural) or [])
    first = item.get(single)
    if first is not None and first not in listed:
        listed.insert(0, first)
    return listed


def objective_units(item: dict[str, Any]) -> list[str]:
    return listed_or_single(item, "units", "unit")


def strategic_areas(item: dict[str, Any]) -> list[str]:
    return listed_or_single(item, "areas", "area")


def _as_lists(document: dict[str, Any]) -> dict[str, Any]:
    """The single `unit`/`area` of version 1 moved into the lists of 1.1."""
    cycle = document.get("cycle")
    if not isinstance(cycle, dict):
        return document
    cycle = dict(cycle)
    for name, plural, single in (
        ("objectives", "units", "unit"),
        ("strategic_objectives", "areas", "area"),
    ):
        rows = []
        for row in cycle.get(name) or []:
            row = dict(row)
            row[plural] = listed_or_single(row, plural, single)
            row.pop(single, None)
            rows.append(row)
        if name in cycle:
            cycle[name] = rows
    return {**document, "cycle": cycle}


# --- canonical form -------------------------------------------------------------------------


def format_decimal(value: Decimal | str) -> str:
    """Plain notation without trailing zeros: '100.00' -> '100', '-9157.80' -> '-9157.8'."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text_value = format(number.normalize(), "f")
    return "0" if text_value in ("-0", "0") else text_value


def format_datetime(value: dt.datetime | str) -> str:
    """UTC with a final "Z", microseconds only when there are some."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    moment = moment.astimezone(dt.UTC)
    text_value = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text_value += f".{moment.microsecond:06d}"
    return text_value + "Z"


DEFAULT_SMVP = SmvpSettings().to_dict()


def smvp_settings(value: dict[str, Any] | None) -> SmvpSettings:
    """The settings an `smvp_settings` object describes; raises `ConfigError`."""
    return SmvpSettings.from_dict(value or {})


def canonical_smvp(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The complete settings (`SmvpSettings.to_dict()`, keys sorted); None for the defaults,
    which the canonical form leaves out like any other default."""
    data = smvp_settings(value).to_dict()
    return None if data == DEFAULT_SMVP else _sorted_json(data)


def _sorted_json(value: Any) -> Any:
    """Free-form objects get sorted keys, so the output does not depend on the database
    (PostgreSQL `jsonb` does not keep key order)."""
    if isinstance(value, dict):
        return {k: _sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_json(v) for v in value]
    return value


def canonical_value(fld: Field, value: Any) -> Any:
    if value is None:
        return None
    if fld.kind == DECIMAL:
        return format_decimal(value)
    if fld.kind == DATETIME:
        return format_datetime(value)
    if fld.kind == OBJECTS:
        return [canonical_object(fld.item, item) for item in value]
    if fld.kind == NESTED:
        return canonical_object(fld.item, value)
    if fld.kind == OBJECT:
        return _sorted_json(value)
    return value


def is_default(fld: Field, value: Any) -> bool:
    if value is None:
        return True
    if fld.default is None:
        return False
    if fld.kind == DECIMAL:
        return Decimal(value) == Decimal(fld.default)
    return value == fld.default


def canonical_object(spec: ObjectSpec, data: dict[str, Any]) -> dict[str, Any]:
    """The object with keys in the documented order and every default left out.

    Required fields are always written, even when equal to an empty value.
    """
    result: dict[str, Any] = {}
    for fld in spec.fields:
        if fld.name not in data:
            continue
        value = data[fld.name]
        if fld.normalize is not None and value is not None:
            value = fld.normalize(value)
        if not fld.required and is_default(fld, value):
            continue
        if fld.name in SECTIONS and spec is DOCUMENT:
            result[fld.name] = canonical_object(SECTIONS[fld.name], value)
        else:
            result[fld.name] = canonical_value(fld, value)
    return result


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a (schema-valid) document: the current minor version, with the
    lists of 1.1 in place of version 1's single references."""
    data = _as_lists(document)
    data["version"] = VERSION_TEXT
    return canonical_object(DOCUMENT, data)


def value_or_default(fld: Field, data: dict[str, Any]) -> Any:
    value = data.get(fld.name)
    return fld.default if value is None else value


# --- walking a document ---------------------------------------------------------------------

Path = tuple[str | int, ...]


def iter_scalars(spec: ObjectSpec, data: dict[str, Any], path: Path) -> Iterator[tuple]:
    """(path, field, value) for every present scalar of `data` and of its nested objects."""
    for fld in spec.fields:
        value = data.get(fld.name)
        if value is None:
            continue
        here = (*path, fld.name)
        if spec is DOCUMENT and fld.name in SECTIONS:
            yield from iter_scalars(SECTIONS[fld.name], value, here)
        elif fld.kind == OBJECTS:
            for index, item in enumerate(value):
                yield from iter_scalars(fld.item, item, (*here, index))
        elif fld.kind == NESTED:
            yield from iter_scalars(fld.item, value, here)
        else:
            yield here, fld, value


def parse_decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):
        return None


# --- JSON Schema ----------------------------------------------------------------------------


def _scalar_schema(fld: Field) -> dict[str, Any]:
    nullable = not fld.required
    kind = fld.kind
    if kind == STRING:
        schema: dict[str, Any] = {"type": "string"}
        if fld.required:
            schema["minLength"] = 1
        if fld.max_length:
            schema["maxLength"] = fld.max_length
        return schema
    if kind in (KEY, REF):
        schema = {
            "type": ["string", "null"] if nullable else "string",
            "pattern": fld.pattern,
            "maxLength": fld.max_length or KEY_MAX_LENGTH,
        }
        return schema
    if kind == INTEGER:
        schema = {"type": ["integer", "null"] if nullable else "integer"}
        if fld.minimum is not None:
            schema["minimum"] = fld.minimum
        if fld.maximum is not None:
            schema["maximum"] = fld.maximum
        return schema
    if kind == DECIMAL:
        return {"type": ["string", "null"] if nullable else "string", "pattern": DECIMAL_PATTERN}
    if kind == DATE:
        return {"type": ["string", "null"] if nullable else "string", "pattern": DATE_PATTERN}
    if kind == DATETIME:
        return {
            "type": ["string", "null"] if nullable else "string",
            "pattern": DATETIME_PATTERN,
        }
    if kind == BOOLEAN:
        return {"type": "boolean"}
    if kind == ENUM:
        choices = list(fld.choices)
        if not fld.required and fld.default == "":
            choices.append("")
        return {"type": "string", "enum": choices}
    if kind == STRING_LIST:
        return {"type": "array", "items": {"type": "string"}}
    if kind == INTEGER_LIST:
        item = {"type": "integer", "minimum": fld.minimum, "maximum": fld.maximum}
        return {"type": "array", "items": item}
    if kind == REF_LIST:
        item = {"type": "string", "pattern": KEY_PATTERN, "maxLength": KEY_MAX_LENGTH}
        return {"type": "array", "items": item}
    if kind == ENUM_LIST:
        return {
            "type": "array",
            "items": {"type": "string", "enum": list(fld.choices)},
            "uniqueItems": True,
        }
    if kind == OBJECT:
        return {"type": ["object", "null"] if fld.default is None else "object"}
    raise ValueError(f"unknown field kind {kind!r}")


def _object_schema(spec: ObjectSpec) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for fld in spec.fields:
        if fld.kind == OBJECTS:
            properties[fld.name] = {"type": "array", "items": {"$ref": f"#/$defs/{fld.item.name}"}}
        elif fld.kind == NESTED:
            reference = {"$ref": f"#/$defs/{fld.item.name}"}
            properties[fld.name] = (
                reference if fld.required else {"anyOf": [reference, {"type": "null"}]}
            )
        elif spec is DOCUMENT and fld.name in SECTIONS:
            properties[fld.name] = {"$ref": f"#/$defs/{SECTIONS[fld.name].name}"}
        else:
            properties[fld.name] = _scalar_schema(fld)
    schema: dict[str, Any] = {"type": "object"}
    required = [fld.name for fld in spec.fields if fld.required]
    if required:
        schema["required"] = required
    schema["properties"] = properties
    schema["additionalProperties"] = False
    return schema


def _collect_specs(spec: ObjectSpec, found: dict[str, ObjectSpec]) -> None:
    for fld in spec.fields:
        child = fld.item or (SECTIONS.get(fld.name) if spec is DOCUMENT else None)
        if child is not None and child.name not in found:
            found[child.name] = child
            _collect_specs(child, found)


def build_schema() -> dict[str, Any]:
    specs: dict[str, ObjectSpec] = {}
    _collect_specs(DOCUMENT, specs)
    document = _object_schema(DOCUMENT)
    document["properties"]["format"] = {"const": FORMAT}
    # A minor version written as a JSON number (1.1) is accepted like its text ("1.1").
    numbers = [float(text) for text in ACCEPTED_VERSIONS if isinstance(text, str)]
    document["properties"]["version"] = {
        "enum": [*ACCEPTED_VERSIONS, *(n for n in numbers if n != VERSION)]
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:performa:performa-cycle:1",
        "title": f"Performa – ciclo della performance (performa-cycle, versione {VERSION_TEXT})",
        "description": (
            "Un ciclo (un anno) di un ente: organizzazione, persone, obiettivi, fasi, "
            "indicatori e target, finestre di monitoraggio e misurazioni, modelli di scheda, "
            "schede di valutazione, fondi e distribuzione dei premi. "
            "Vedi docs/interchange.md."
        ),
        **document,
        "$defs": {name: _object_schema(spec) for name, spec in specs.items()},
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
