"""The JSON Schema file agrees with the format description and with the models."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator

from interchange import spec
from measurement import models as meas
from organization import models as org
from planning import models as plan
from tests.interchange.documents import rich_document

SCHEMA_FILE = settings.BASE_DIR / "docs" / "interchange.schema.json"


def test_schema_file_is_generated_from_the_spec():
    # Regenerate with: .venv/bin/python -m interchange.spec > docs/interchange.schema.json
    assert SCHEMA_FILE.read_text(encoding="utf-8") == spec.schema_text()


def test_schema_is_valid_and_accepts_the_rich_document():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(rich_document())) == []


def test_every_object_refuses_unknown_fields():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    objects = [schema, *schema["$defs"].values()]
    assert all(o["additionalProperties"] is False for o in objects)


MODELS = [
    (spec.ENTE, org.Ente),
    (spec.MEMBER_ENTE, org.MemberEnte),
    (spec.UNIT, org.Unit),
    (spec.PARAMETER, org.Parameter),
    (spec.PARAMETER_VALUE, org.ParameterValue),
    (spec.PERSON, org.Person),
    (spec.EMPLOYMENT, org.Employment),
    (spec.ASSIGNMENT, org.Assignment),
    (spec.ABSENCE, org.Absence),
    (spec.EVALUATION_BODY, org.EvaluationBody),
    (spec.BODY_MEMBER, org.EvaluationBodyMember),
    (spec.CYCLE, plan.Cycle),
    (spec.ORG_LEVEL, plan.OrganisationalPerformanceLevel),
    (spec.STRATEGIC_AREA, plan.StrategicArea),
    (spec.STRATEGIC_OBJECTIVE, plan.StrategicObjective),
    (spec.WEIGHT_GROUP, plan.WeightGroup),
    (spec.OBJECTIVE, plan.OperationalObjective),
    (spec.PHASE, plan.Phase),
    (spec.INDICATOR_GROUP, plan.IndicatorGroup),
    (spec.INDICATOR, plan.Indicator),
    (spec.TARGET, plan.Target),
    (spec.REVISION, plan.PlanRevision),
    (spec.MONITORING_WINDOW, meas.MonitoringWindow),
    (spec.MEASUREMENT, meas.Measurement),
    (spec.EVIDENCE, meas.Evidence),
    (spec.CORRECTION, meas.MeasurementCorrection),
    (spec.DELEGATE, meas.ObjectiveDelegate),
    (spec.CORRECTIVE_ACTION, meas.CorrectiveAction),
]


@pytest.mark.parametrize(("object_spec", "model"), MODELS, ids=lambda v: getattr(v, "name", ""))
def test_limits_match_the_model_columns(object_spec, model):
    """A value the schema accepts must fit its column (PostgreSQL enforces lengths)."""
    for fld in object_spec.fields:
        if fld.kind in (spec.OBJECTS, spec.REF_LIST) or fld.name == "activities":
            continue
        column = model._meta.get_field(fld.name)
        if fld.kind in (spec.STRING, spec.KEY, spec.REF) and column.max_length:
            assert (fld.max_length or spec.KEY_MAX_LENGTH) == column.max_length, fld.name
        if fld.kind == spec.DECIMAL:
            assert fld.digits == (column.max_digits, column.decimal_places), fld.name
        if fld.kind == spec.ENUM and column.choices:
            allowed = {value for value, _ in column.choices if value}
            assert set(fld.choices) == allowed, fld.name


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("11.1100", "11.11"),
        ("100.00", "100"),
        ("-9157.8000", "-9157.8"),
        ("0.000", "0"),
        ("2633", "2633"),
    ],
)
def test_decimals_are_written_plainly(value, text):
    assert spec.format_decimal(Decimal(value)) == text
