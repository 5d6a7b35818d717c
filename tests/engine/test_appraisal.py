"""Individual evaluation: schemes, schede, bands, protected leave and conciliation."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.appraisal import (
    AppraisalScheme,
    Behaviour,
    Component,
    ComponentKind,
    Conversion,
    Presence,
    Prevalence,
    RatingScale,
    Role,
    Scheda,
    ScoreBand,
    ScoreBands,
    check_bands,
    check_scheme,
    conciliate,
    neutralise_protected_leave,
    score_scheda,
)
from engine.config import ConfigError
from tests.engine.strategies import decimals

D = Decimal
PROPERTY = settings(max_examples=150, deadline=None)

# The seed's table on a 60-point scale: 54–60 → 100 %, 37–53 → 80 %, 25–36 → 50 %,
# 19–24 → 25 %, up to 18 → 0 % (and negative).
BANDS_60 = {
    "maximum": 60,
    "negative_below": 19,
    "bands": [
        {"from": 54, "to": 60, "percent": 100},
        {"from": 37, "to": 53, "percent": 80},
        {"from": 25, "to": 36, "percent": 50},
        {"from": 19, "to": 24, "percent": 25},
        {"from": 0, "to": 18, "percent": 0},
    ],
}

EQ_SCHEME = {
    "role": "eq",
    "max_points": 60,
    "scale": {"min": 1, "max": 5, "step": 1},
    "components": [
        {"code": "struttura", "kind": "unit_performance", "weight": 50},
        {"code": "obiettivi", "kind": "objectives", "weight": 20},
        {
            "code": "comportamenti",
            "kind": "behaviours",
            "weight": 30,
            "behaviours": [
                {
                    "code": "differenziazione",
                    "label": "Capacità di differenziare i giudizi",
                    "differentiation": True,
                },
                {"code": "squadra", "label": "Lavoro di squadra"},
            ],
        },
    ],
    "bands": {k: v for k, v in BANDS_60.items() if k != "maximum"},
}


def errors_of(factory, data) -> dict[str, str]:
    with pytest.raises(ConfigError) as error:
        factory(data)
    return dict(error.value.errors)


# -- bands ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "percent", "negative"),
    [
        ("60", 100, False),
        ("54", 100, False),
        ("53.5", 80, False),  # between two bands: the lower one
        ("53", 80, False),
        ("37", 80, False),
        ("36", 50, False),
        ("25", 50, False),
        ("24", 25, False),
        ("19", 25, False),
        ("18.99", 0, True),
        ("18", 0, True),
        ("0", 0, True),
    ],
)
def test_seed_bands_on_a_60_point_scale(score, percent, negative):
    bands = ScoreBands.from_dict(BANDS_60)
    result = bands.classify(D(score))
    assert result.percent == D(percent)
    assert result.negative is negative
    assert ("negativa: punteggio inferiore a 19" in result.explanation.text) is negative


def test_band_names_and_explanation():
    bands = ScoreBands.from_dict(BANDS_60)
    assert [band.name for band in reversed(bands.bands)] == [
        "Valutazione compresa tra 54 e 60 punti",
        "Valutazione compresa tra 37 e 53 punti",
        "Valutazione compresa tra 25 e 36 punti",
        "Valutazione compresa tra 19 e 24 punti",
        "Valutazione fino a 18 punti",
    ]
    text = bands.classify(D("53.5")).explanation.text
    assert "Punteggio 53,50 su 60: Valutazione compresa tra 37 e 53 punti" in text
    assert "premio al 80,00\u00a0%" in text and "cade tra due fasce" in text


def test_negative_threshold_defaults_to_the_first_paying_band():
    data = {k: v for k, v in BANDS_60.items() if k != "negative_below"}
    bands = ScoreBands.from_dict(data)
    assert bands.negative_threshold == D(19)
    assert bands.is_negative(D("18.5")) and not bands.is_negative(D(19))


def test_band_table_round_trip():
    bands = ScoreBands.from_dict(BANDS_60)
    assert ScoreBands.from_dict(json.loads(json.dumps(bands.to_dict()))) == bands


def test_band_table_errors_name_the_key():
    def bands(*rows, **extra):
        return {
            "maximum": 60,
            **extra,
            "bands": [dict(zip(("from", "to", "percent"), r, strict=True)) for r in rows],
        }

    assert errors_of(ScoreBands.from_dict, bands((30, 60, 100), (0, 35, 0))) == {
        "fasce.bands[1]": "si sovrappone alla fascia 0–35"
    }
    assert errors_of(ScoreBands.from_dict, bands((40, 60, 100), (0, 30, 0))) == {
        "fasce.bands[1]": "lascia scoperti i punteggi tra 30 e 40"
    }
    assert errors_of(ScoreBands.from_dict, bands((30, 60, 100), (5, 29, 0))) == {
        "fasce.bands": "la fascia più bassa deve partire da 0"
    }
    assert errors_of(ScoreBands.from_dict, bands((30, 59, 100), (0, 29, 0))) == {
        "fasce.bands": "la fascia più alta deve arrivare a 60"
    }
    assert errors_of(ScoreBands.from_dict, bands((30, 60, 50), (0, 29, 80))) == {
        "fasce.bands[1].percent": "non può essere inferiore a quella della fascia 0–29"
    }
    assert errors_of(ScoreBands.from_dict, bands((0, 60, 120))) == {
        "fasce.bands[0].percent": "deve essere un numero tra 0 e 100"
    }
    assert errors_of(ScoreBands.from_dict, bands((0, 60, 100), negative_below=70)) == {
        "fasce.negative_below": "deve essere un numero tra 0 e 60"
    }
    assert errors_of(ScoreBands.from_dict, {"maximum": 60, "bands": []}) == {
        "fasce.bands": "serve almeno una fascia"
    }
    assert "fasce.colore" in errors_of(ScoreBands.from_dict, {**BANDS_60, "colore": 1})


def test_a_wider_resolution_accepts_decimal_gaps():
    rows = [{"from": "0", "to": "59.9", "percent": 0}, {"from": "60", "to": "100", "percent": 100}]
    assert check_bands(ScoreBands.from_dict({"bands": rows, "resolution": "0.1"})) == []
    with pytest.raises(ConfigError):
        ScoreBands.from_dict({"bands": rows, "resolution": "0.05"})


def test_scores_outside_the_band_scale_are_refused():
    bands = ScoreBands.from_dict(BANDS_60)
    with pytest.raises(ValueError, match="fuori dalla scala 0–60"):
        bands.classify(D("60.5"))


# -- schemes --------------------------------------------------------------------------------------


def test_eq_scheme_round_trip():
    scheme = AppraisalScheme.from_dict(EQ_SCHEME)
    assert scheme.role is Role.EQ and scheme.max_points == D(60)
    assert scheme.bands is not None and scheme.bands.maximum == D(60)
    assert AppraisalScheme.from_dict(json.loads(json.dumps(scheme.to_dict()))) == scheme


def test_weights_must_total_100():
    data = {
        "components": [
            {"code": "o", "kind": "objectives", "weight": 60},
            {"code": "x", "kind": "other", "weight": 30},
        ]
    }
    assert errors_of(AppraisalScheme.from_dict, data) == {
        "scheda.components": "la somma dei pesi deve essere 100 (ora è 90)"
    }


def _eq(weights, prevalence="largest", differentiation=True):
    unit, objectives, behaviours = weights
    return {
        **EQ_SCHEME,
        "prevalence": prevalence,
        "components": [
            {"code": "struttura", "kind": "unit_performance", "weight": unit},
            {"code": "obiettivi", "kind": "objectives", "weight": objectives},
            {
                "code": "comportamenti",
                "kind": "behaviours",
                "weight": behaviours,
                "behaviours": [{"code": "d", "differentiation": differentiation}],
            },
        ],
    }


def test_managers_need_the_prevailing_unit_performance():
    assert AppraisalScheme.from_dict(_eq((40, 30, 30))).role is Role.EQ
    message = errors_of(AppraisalScheme.from_dict, _eq((40, 40, 20)))["scheda.components"]
    assert "peso prevalente (peso maggiore di ogni altra componente" in message
    assert "ora pesa 40" in message
    # "majority": strictly more than 50.
    assert (
        AppraisalScheme.from_dict(_eq((51, 29, 20), "majority")).prevalence is Prevalence.MAJORITY
    )
    message = errors_of(AppraisalScheme.from_dict, _eq((50, 30, 20), "majority"))
    assert "peso superiore al 50 %" in message["scheda.components"]


def test_managers_need_the_differentiation_behaviour_and_the_unit_component():
    message = errors_of(AppraisalScheme.from_dict, _eq((50, 20, 30), differentiation=False))
    assert "capacità di differenziare i giudizi" in message["scheda.components"]
    data = {
        "role": "dirigente",
        "components": [{"code": "o", "kind": "objectives", "weight": 100}],
    }
    errors = pytest.raises(ConfigError, AppraisalScheme.from_dict, data).value.errors
    assert [key for key, _ in errors] == ["scheda.components", "scheda.components"]
    assert "struttura di diretta responsabilità» (art. 9 c.1 lett. a" in errors[0][1]
    assert "differenziare i giudizi» dei collaboratori (art. 9 c.1 lett. d" in errors[1][1]


def test_staff_schemes_need_neither():
    data = {
        "components": [
            {"code": "o", "kind": "objectives", "weight": 40},
            {"code": "c", "kind": "behaviours", "weight": 60, "behaviours": [{"code": "b"}]},
        ]
    }
    assert AppraisalScheme.from_dict(data).role is Role.STAFF


def test_structural_scheme_errors():
    data = {
        "role": "capo",
        "scale": {"min": 5, "max": 1},
        "components": [
            {"code": "o", "kind": "objectives", "weight": 50, "behaviours": [{"code": "b"}]},
            {"code": "o", "kind": "behaviours", "weight": 50},
        ],
    }
    errors = errors_of(AppraisalScheme.from_dict, data)
    assert errors["scheda.role"].startswith("valore «capo» non ammesso")
    data["role"] = "staff"
    errors = errors_of(AppraisalScheme.from_dict, data)
    assert errors == {
        "scheda.scale": "serve 0 ≤ minimo < massimo",
        "scheda.components[0].behaviours": "solo una componente «behaviours» ha comportamenti",
        "scheda.components[1].code": "«o» compare più di una volta",
        "scheda.components[1].behaviours": "serve almeno un comportamento",
    }
    assert errors_of(AppraisalScheme.from_dict, {}) == {"scheda.components": "valore obbligatorio"}


def test_bands_must_match_the_scheme_scale():
    data = {**EQ_SCHEME, "bands": BANDS_60, "max_points": 100}
    errors = errors_of(AppraisalScheme.from_dict, data)
    assert errors["scheda.bands.maximum"] == (
        "deve coincidere con il punteggio massimo della scheda (100)"
    )


# -- scoring --------------------------------------------------------------------------------------


def test_eq_scheda_by_hand():
    scheme = AppraisalScheme.from_dict(EQ_SCHEME)
    result = score_scheda(
        scheme,
        Scheda(7, {"struttura": D(90), "obiettivi": D(100)}, {"differenziazione": 4, "squadra": 5}),
    )
    # 50 % of 60 = 30 points × 90 % = 27; 12 × 100 % = 12; 18 × (4/5 + 5/5)/2 = 18 × 90 % = 16,2.
    assert [c.points for c in result.components] == [D(27), D(12), D("16.2")]
    assert result.points == D("55.2") and result.percent == D(92)
    assert result.band is not None and result.band.percent == D(100)
    assert result.negative is False
    assert "27,00 + 12,00 + 16,20 = 55,20 punti su 60 (92,00\u00a0%)" in result.explanation.text
    json.dumps(result.to_dict())


def test_conversion_from_the_minimum():
    scheme = AppraisalScheme(
        (Component("c", ComponentKind.BEHAVIOURS, D(100), behaviours=(Behaviour("b"),)),),
        scale=RatingScale(D(1), D(4), D(1)),
        conversion=Conversion.FROM_MINIMUM,
    )
    assert score_scheda(scheme, Scheda(1, ratings={"b": 1})).points == D(0)
    assert score_scheda(scheme, Scheda(1, ratings={"b": 2})).percent == D("33.333333")
    proportional = AppraisalScheme(scheme.components, scale=scheme.scale)
    assert score_scheda(proportional, Scheda(1, ratings={"b": 1})).percent == D(25)


def test_behaviour_weights_are_relative():
    behaviours = (Behaviour("a", weight=D(3)), Behaviour("b", weight=D(1)))
    scheme = AppraisalScheme(
        (Component("c", ComponentKind.BEHAVIOURS, D(100), behaviours=behaviours),),
        scale=RatingScale(D(1), D(10), None),
    )
    # (3 × 80 + 1 × 40) / 4 = 70.
    assert score_scheda(scheme, Scheda(1, ratings={"a": 8, "b": D("4")})).percent == D(70)


@pytest.mark.parametrize(
    ("values", "ratings", "message"),
    [
        (
            {"struttura": 90, "obiettivi": 100},
            {"differenziazione": 6, "squadra": 5},
            "fuori dalla scala 1–5",
        ),
        (
            {"struttura": 90, "obiettivi": 100},
            {"differenziazione": "3.5", "squadra": 5},
            "a passi di 1",
        ),
        ({"struttura": 90, "obiettivi": 100}, {"squadra": 5}, "manca il voto"),
        ({"struttura": 90}, {"differenziazione": 3, "squadra": 5}, "manca il valore"),
        ({"struttura": 101, "obiettivi": 1}, {"differenziazione": 3, "squadra": 5}, "tra 0 e 100"),
        (
            {"struttura": 90, "obiettivi": 1, "x": 1},
            {"differenziazione": 3, "squadra": 5},
            "«x» assente",
        ),
    ],
)
def test_incomplete_or_out_of_scale_schede_are_refused(values, ratings, message):
    scheme = AppraisalScheme.from_dict(EQ_SCHEME)
    with pytest.raises(ValueError, match=message):
        score_scheda(scheme, Scheda("r", values, ratings, label="Rossi"))


def test_invalid_schemes_are_refused_when_scoring():
    scheme = AppraisalScheme((Component("o", ComponentKind.OBJECTIVES, D(90)),))
    assert check_scheme(scheme) == [
        ("scheda.components", "la somma dei pesi deve essere 100 (ora è 90)")
    ]
    with pytest.raises(ConfigError):
        score_scheda(scheme, Scheda(1, {"o": D(50)}))


ratings = st.integers(1, 5)


@PROPERTY
@given(decimals(0, 100), decimals(0, 100), ratings, ratings, ratings)
def test_scores_stay_on_the_scale_and_grow_with_ratings(unit, objectives, first, second, bump):
    scheme = AppraisalScheme.from_dict(EQ_SCHEME)
    values = {"struttura": unit, "obiettivi": objectives}
    low = score_scheda(scheme, Scheda(1, values, {"differenziazione": first, "squadra": second}))
    higher = max(first, bump)
    high = score_scheda(scheme, Scheda(1, values, {"differenziazione": higher, "squadra": second}))
    assert D(0) <= low.points <= D(60)
    assert high.points >= low.points
    assert low.points == sum(c.points for c in low.components)


# -- protected leave ------------------------------------------------------------------------------


def test_protected_leave_by_hand():
    # 365 days, 20 ordinary absences, 100 days of maternity leave.
    result = neutralise_protected_leave(D(100), Presence(365, 20, 100))
    assert result.ratio_excluding_leave == D("0.924528")  # 245 / 265
    assert result.ratio_as_worked == D("0.945205")  # 345 / 365
    assert result.ratio == D("0.945205") and result.percent == D("94.520500")
    assert "100 giorni di congedo tutelato" in result.explanation.text
    without_absences = neutralise_protected_leave(D(80), Presence(365, 0, 200))
    assert without_absences.ratio == 1 and without_absences.percent == D(80)
    all_leave = neutralise_protected_leave(D(100), Presence(200, 0, 200))
    assert all_leave.percent == D(100)


def test_presence_is_checked():
    for presence in (Presence(0), Presence(10, 6, 5), Presence(10, -1), Presence(10, True)):
        with pytest.raises(ValueError, match="presenza"):
            neutralise_protected_leave(D(100), presence)


@PROPERTY
@given(st.integers(1, 366), st.data(), decimals(0, 100))
def test_protected_leave_never_lowers_a_score(period, data, percent):
    absences = data.draw(st.integers(0, period))
    leave = data.draw(st.integers(0, period - absences))
    with_leave = neutralise_protected_leave(percent, Presence(period, absences, leave)).percent
    worked = neutralise_protected_leave(percent, Presence(period, absences, 0)).percent
    as_absence = neutralise_protected_leave(percent, Presence(period, absences + leave, 0)).percent
    assert with_leave >= worked >= as_absence
    assert with_leave <= percent


def test_presence_components_in_a_scheda():
    scheme = AppraisalScheme(
        (
            Component("p", ComponentKind.PRESENCE, D(20)),
            Component("o", ComponentKind.OBJECTIVES, D(80), presence_sensitive=True),
        )
    )
    scheda = Scheda(1, {"o": D(50)}, presence=Presence(100, 10, 50))
    result = score_scheda(scheme, scheda)
    # ratio max(40/50, 90/100) = 0,9 → presence 90 % × 20 = 18; objectives 45 % × 80 = 36.
    assert [c.points for c in result.components] == [D(18), D(36)]
    with pytest.raises(ValueError, match="servono i giorni"):
        score_scheda(scheme, Scheda(1, {"o": D(50)}))


# -- conciliation ---------------------------------------------------------------------------------


def test_conciliation_explains_the_revision():
    scheme = AppraisalScheme.from_dict(EQ_SCHEME)
    values = {"struttura": D(90), "obiettivi": D(100)}
    before = Scheda(3, values, {"differenziazione": 2, "squadra": 2}, label="Bianchi")
    after = Scheda(3, values, {"differenziazione": 4, "squadra": 2}, label="Bianchi")
    outcome = conciliate(scheme, before, after, "Colloquio del 12/03: rivista la differenziazione.")
    assert outcome.original.points == D("46.2") and outcome.revised.points == D("49.8")
    assert outcome.change == D("3.6")
    text = outcome.explanation.text
    assert "da 46,20 a 49,80 punti (Comportamenti organizzativi da 7,20 a 10,80)" in text
    assert "Fascia: da «Valutazione compresa tra 37 e 53 punti»" not in text  # same band
    assert text.endswith("Motivazione: Colloquio del 12/03: rivista la differenziazione.")
    with pytest.raises(ValueError, match="motivazione"):
        conciliate(scheme, before, after, "  ")
    with pytest.raises(ValueError, match="persone diverse"):
        conciliate(scheme, before, Scheda(4, values, after.ratings), "x")


def test_score_band_labels_can_be_custom():
    assert ScoreBand(D(0), D(10), D(0), "Inadeguata").name == "Inadeguata"
