"""SMVP settings: defaults, round trip through JSON, validation messages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.config import (
    Band,
    CompositionSource,
    ConfigError,
    DelayBand,
    EnteComponent,
    IndicatorRule,
    LatePolicy,
    MissingPolicy,
    ObjectiveAggregation,
    ScoringMethod,
    SmvpSettings,
    StatusThresholds,
    ToleranceKind,
)
from tests.engine.strategies import PROPERTY, caps, decimals

D = Decimal


def errors_of(data) -> dict[str, str]:
    with pytest.raises(ConfigError) as error:
        SmvpSettings.from_dict(data)
    return dict(error.value.errors)


def test_defaults():
    settings = SmvpSettings.from_dict({})
    assert settings == SmvpSettings.from_dict(None) == SmvpSettings()
    assert settings.cap == 100
    assert settings.indicator.method is ScoringMethod.LINEAR
    assert settings.missing is MissingPolicy.EXCLUDE
    assert settings.ente_composition == (EnteComponent(CompositionSource.UNITS, D(100)),)


def test_seed_002_settings_from_json():
    text = """{
        "cap": 120,
        "missing": "zero",
        "objective_aggregation": "all_targets",
        "indicator": {"method": "bands", "tolerance": "2,5", "tolerance_kind": "absolute",
                      "bands": [{"from": 95, "score": 100}, {"from": 60, "score": 50}],
                      "late_policy": "bands", "late_bands": [{"max_days": 15, "score": 80}]},
        "status": {"at_risk_gap": 5, "late_gap": 15.5},
        "ente_composition": [{"source": "ente_indicators", "weight": 50},
                             {"source": "units", "weight": 50}]
    }"""
    settings = SmvpSettings.from_dict(json.loads(text))
    assert settings.cap == D(120)
    assert settings.missing is MissingPolicy.ZERO
    assert settings.objective_aggregation is ObjectiveAggregation.ALL_TARGETS
    assert settings.indicator.tolerance == D("2.5")
    assert settings.indicator.tolerance_kind is ToleranceKind.ABSOLUTE
    assert settings.indicator.bands == (Band(D(60), D(50)), Band(D(95), D(100)))  # sorted
    assert settings.indicator.late_bands == (DelayBand(15, D(80)),)
    assert settings.status.late_gap == D("15.5")  # a JSON float, read exactly
    assert [part.source for part in settings.ente_composition] == [
        CompositionSource.ENTE_INDICATORS,
        CompositionSource.UNITS,
    ]


def test_round_trip_through_json():
    settings = SmvpSettings(
        indicator=IndicatorRule(
            method=ScoringMethod.BANDS,
            bands=(Band(D("59.5"), D(40)), Band(D(80), D("80.5"))),
            late_policy=LatePolicy.LINEAR,
            late_days_to_zero=60,
        ),
        cap=D(150),
        status=StatusThresholds(achieved=D(95), due_soon_days=7),
    )
    stored = json.loads(json.dumps(settings.to_dict()))
    assert SmvpSettings.from_dict(stored) == settings


@PROPERTY
@given(
    caps,
    decimals(0, 50),
    decimals(0, 100),
    st.sampled_from(list(MissingPolicy)),
    st.sampled_from(list(ObjectiveAggregation)),
)
def test_any_valid_settings_survive_the_round_trip(cap, tolerance, minimum, missing, aggregation):
    settings = SmvpSettings(
        indicator=IndicatorRule(tolerance=tolerance, minimum=minimum),
        cap=cap,
        missing=missing,
        objective_aggregation=aggregation,
    )
    assert SmvpSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings


def test_cap_out_of_range_names_the_key():
    assert errors_of({"cap": 300}) == {"smvp.cap": "deve essere un numero tra 100 e 200"}
    assert errors_of({"cap": "molto"}) == {"smvp.cap": "deve essere un numero tra 100 e 200"}
    assert "smvp.cap" in str(pytest.raises(ConfigError, SmvpSettings.from_dict, {"cap": 99}).value)


def test_every_error_is_reported_at_once():
    errors = errors_of(
        {
            "colore": "blu",
            "missing": "ignora",
            "indicator": {"method": "bands", "bands": [{"from": "a", "score": 300}]},
            "status": {"at_risk_gap": 30, "late_gap": 20, "due_soon_days": 1.5},
            "ente_composition": [{"source": "units", "weight": 0}, {"source": "units"}],
        }
    )
    assert errors == {
        "smvp.colore": "chiave sconosciuta",
        "smvp.missing": "valore «ignora» non ammesso (ammessi: exclude, zero)",
        "smvp.indicator.bands[0].from": "deve essere un numero",
        "smvp.indicator.bands[0].score": "deve essere un numero tra 0 e 200",
        "smvp.indicator.bands": "servono le fasce quando il metodo è «bands»",
        "smvp.status.due_soon_days": "deve essere un numero intero tra 0 e 366",
        "smvp.status.late_gap": "deve essere maggiore o uguale a «at_risk_gap»",
        "smvp.ente_composition[1].weight": "valore obbligatorio",
        "smvp.ente_composition": "la somma dei pesi deve essere maggiore di zero",
    }


def test_structural_errors():
    assert errors_of([1, 2]) == {"smvp": "deve essere un oggetto (chiave: valore)"}
    assert errors_of({"ente_composition": "units"}) == {
        "smvp.ente_composition": "deve essere un elenco"
    }
    assert errors_of({"ente_composition": []}) == {
        "smvp.ente_composition": "serve almeno una componente"
    }
    assert errors_of(
        {"indicator": {"bands": [{"from": 1, "score": 1}, {"from": 1, "score": 2}]}}
    ) == {"smvp.indicator.bands": "due fasce hanno lo stesso limite inferiore"}
    assert errors_of({"cap": True}) == {"smvp.cap": "deve essere un numero tra 100 e 200"}
    assert errors_of({"ente_composition": [{"source": "units", "weight": 50}] * 2}) == {
        "smvp.ente_composition[1].source": "«units» compare più di una volta"
    }


def test_indicator_rule_alone_for_per_indicator_overrides():
    rule = IndicatorRule.from_dict({"method": "binary"}, path="indicatore.regola")
    assert rule.method is ScoringMethod.BINARY
    with pytest.raises(ConfigError, match="indicatore.regola.minimum"):
        IndicatorRule.from_dict({"minimum": -1}, path="indicatore.regola")


def test_enum_fields_accept_their_values():
    assert IndicatorRule(method="ratio").method is ScoringMethod.RATIO
    with pytest.raises(ValueError):
        IndicatorRule(method="magic")
