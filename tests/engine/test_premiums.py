"""Premiums: fund distribution with differentiation, EQ risultato, payment times, indicators."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.appraisal import ScoreBands
from engine.config import ConfigError
from engine.premiums import (
    CutoffTies,
    Person,
    PositionHolder,
    PremiumLine,
    PremiumParameters,
    QuotaRounding,
    ResultParameters,
    TieBreak,
    check_result_pool,
    distribute_fund,
    distribute_result_pay,
    personnel_indicators,
    personnel_indicators_for,
)
from tests.engine.strategies import decimals

D = Decimal
CENT = D("0.01")
PROPERTY = settings(max_examples=150, deadline=None)

BANDS_60 = ScoreBands.from_dict(
    {
        "maximum": 60,
        "bands": [
            {"from": 54, "to": 60, "percent": 100},
            {"from": 37, "to": 53, "percent": 80},
            {"from": 25, "to": 36, "percent": 50},
            {"from": 19, "to": 24, "percent": 25},
            {"from": 0, "to": 18, "percent": 0},
        ],
    }
)
COEFFICIENTS = {"A": D(1), "B": D("1.1"), "C": D("1.2"), "D": D("1.35")}
NO_QUOTA = PremiumParameters(differentiation_quota=D(0))


# -- examples -------------------------------------------------------------------------------------


def test_the_seed_bands_number_for_number():
    scores = [60, 54, 53, 37, 36, 25, 24, 19, 18, 0]
    people = [Person(index, D(score)) for index, score in enumerate(scores)]
    result = distribute_fund(D(10000), people, NO_QUOTA, BANDS_60)
    assert [line.band_percent for line in result.lines] == [
        D(p) for p in (100, 100, 80, 80, 50, 50, 25, 25, 0, 0)
    ]
    assert [(row.label, row.count, row.premium_percent) for row in result.bands] == [
        ("Valutazione compresa tra 54 e 60 punti", 2, D(100)),
        ("Valutazione compresa tra 37 e 53 punti", 2, D(80)),
        ("Valutazione compresa tra 25 e 36 punti", 2, D(50)),
        ("Valutazione compresa tra 19 e 24 punti", 2, D(25)),
        ("Valutazione fino a 18 punti", 2, D(0)),
    ]
    assert all(row.staff_percent == D(20) for row in result.bands)
    assert [line.negative for line in result.lines][-3:] == [False, True, True]
    assert result.mean_score == D("32.6")


def test_twenty_people_in_the_top_band():
    people = [Person(index, D(54 + index % 7)) for index in range(20)]
    result = distribute_fund(D(20000), people, bands=BANDS_60)
    top = result.bands[0]
    assert (top.count, top.staff_percent, top.premium_percent) == (20, D(100), D(100))
    assert (
        top.text == "Valutazione compresa tra 54 e 60 punti: 20 dipendenti, 100,00\u00a0% "
        "(premio al 100,00\u00a0%)"
    )
    assert [row.count for row in result.bands[1:]] == [0, 0, 0, 0]


def test_small_fund_by_hand():
    people = [
        Person("A", D(58), D(100)),
        Person("B", D(45), D(80), part_time=D(50)),
        Person("C", D(30), D(50)),
    ]
    result = distribute_fund(D(1000), people, PremiumParameters(differentiation_quota=D(10)))
    # q = 10 % of 3 = 0,3 → floor 0 → at least 1: A. P̄ = 1000 / 3; M = 30 % = 100,00.
    # Pool 900 over shares 1 + 0,4 + 0,5 = 1,9: 473,68 / 189,47 / 236,84 (rounded down).
    assert result.differentiation.amount == D("100.00")
    assert result.differentiation.awarded_count == 1
    assert [(line.base, line.maggiorazione, line.total) for line in result.lines] == [
        (D("473.68"), D("100.00"), D("573.68")),
        (D("189.47"), D(0), D("189.47")),
        (D("236.84"), D(0), D("236.84")),
    ]
    assert result.totals.distributed == D("999.99") and result.totals.residual == D("0.01")
    text = result.lines[0].explanation.text
    assert "Premio base = 900,00\u00a0€ × 1,000000 / 1,900000 = 473,68\u00a0€" in text
    assert "Maggiorazione per la posizione n. 1 in graduatoria: 100,00\u00a0€" in text
    assert "P̄ = 1.000,00\u00a0€ / 3 = 333,33\u00a0€" in result.explanation.text
    json.dumps(result.to_dict())


def test_a_premium_line_is_built_by_field_name():
    # Sixteen fields, four of them Decimal zeros in a row: by position they are easily swapped.
    line = distribute_fund(D(1000), [Person("A", D(58), D(100))], PremiumParameters()).lines[0]
    with pytest.raises(TypeError):
        PremiumLine(*(getattr(line, name) for name in line.__dataclass_fields__))  # type: ignore[misc]


def test_part_time_fifty_percent_halves_the_share():
    people = [Person(1, D(40), D(80)), Person(2, D(40), D(80), part_time=D(50))]
    result = distribute_fund(D("900"), people, NO_QUOTA)
    assert result.lines[1].share * 2 == result.lines[0].share
    assert (result.lines[0].total, result.lines[1].total) == (D(600), D(300))
    not_prorated = PremiumParameters(differentiation_quota=D(0), part_time_proportional=False)
    result = distribute_fund(D("900"), people, not_prorated)
    assert result.lines[0].total == result.lines[1].total == D(450)


def test_coefficients_presence_and_protected_leave():
    params = PremiumParameters(differentiation_quota=D(0), coefficients=COEFFICIENTS)
    people = [
        Person(1, D(50), D(100), category="D", service_days=365),
        Person(2, D(50), D(100), category="A", service_days=146, protected_days=73),
    ]
    result = distribute_fund(D("2370"), people, params)
    # Shares 1,35 and 1 × (146 + 73) / 365 = 0,6 → 1,35 + 0,6 = 1,95.
    assert [line.share for line in result.lines] == [D("1.35"), D("0.6")]
    assert [line.total for line in result.lines] == [D("1640.76"), D("729.23")]
    assert "compresi 73 giorni di congedo tutelato" in result.lines[1].explanation.text
    with pytest.raises(ValueError, match="categoria «Z» senza coefficiente"):
        distribute_fund(D(1), [Person(1, D(50), D(100), category="Z")], params)


def test_exclusions_carry_their_reason():
    params = PremiumParameters(differentiation_quota=D(0), min_service_days=90)
    people = [
        Person(1, D(50), service_days=60),
        Person(2, D(50), eligible=False, ineligible_reason="sanzione disciplinare"),
        Person(3, D(10)),
        Person(4, D(50)),
    ]
    result = distribute_fund(D(500), people, params, BANDS_60)
    reasons = [line.reason for line in result.lines]
    assert reasons[0].startswith("servizio di 60 giorni, inferiore al minimo di 90")
    assert reasons[1] == "sanzione disciplinare"
    assert reasons[2] == "valutazione negativa (punteggio 10,00)"
    assert reasons[3] == "" and result.lines[3].total == D(500)
    assert [line.total for line in result.lines[:3]] == [0, 0, 0]


def test_nobody_sharing_leaves_the_whole_fund():
    result = distribute_fund(D("123.45"), [Person(1, D(5))], bands=BANDS_60)
    assert result.totals.distributed == 0 and result.totals.residual == D("123.45")
    assert "il fondo resta interamente residuo" in result.explanation.text


QUARTER = D(25)


def _tied(cutoff, criteria=(TieBreak.SCORE,), quota=QUARTER):
    params = PremiumParameters(differentiation_quota=quota, tie_break=criteria, cutoff_ties=cutoff)
    people = [
        Person("p1", D(58), D(100), absence_days=3, seniority=date(2001, 1, 1)),
        Person("p2", D(58), D(100), absence_days=1, seniority=date(2010, 1, 1)),
        Person("p3", D(58), D(100), absence_days=1, seniority=date(2005, 1, 1)),
        Person("p4", D(40), D(80)),
        Person("p5", D(40), D(80)),
        Person("p6", D(40), D(80)),
        Person("p7", D(30), D(50)),
        Person("p8", D(30), D(50)),
    ]
    return distribute_fund(D(8000), people, params)


def test_tie_break_at_the_cut_off():
    # q = 25 % of 8 = 2: p1, p2, p3 share the top score.
    awarded = {
        "include": _tied(CutoffTies.INCLUDE),
        "exclude": _tied(CutoffTies.EXCLUDE),
        "absences": _tied(CutoffTies.EXCLUDE, (TieBreak.SCORE, TieBreak.ABSENCES)),
        # q = 12,5 % of 8 = 1: p2 and p3 tie on absences; seniority picks p3.
        "one": _tied(CutoffTies.EXCLUDE, (TieBreak.SCORE, TieBreak.ABSENCES), D("12.5")),
        "seniority": _tied(
            CutoffTies.EXCLUDE,
            (TieBreak.SCORE, TieBreak.ABSENCES, TieBreak.SENIORITY),
            D("12.5"),
        ),
        "share": _tied(CutoffTies.SHARE),
    }
    names = {
        key: [line.person_id for line in result.lines if line.maggiorazione]
        for key, result in awarded.items()
    }
    assert names == {
        "include": ["p1", "p2", "p3"],
        "exclude": [],
        "absences": ["p2", "p3"],  # tied with each other, both within the quota
        "one": [],  # p2 and p3 tied at the cut-off, none included
        "seniority": ["p3"],
        "share": ["p1", "p2", "p3"],
    }
    text = awarded["include"].differentiation.explanation.text
    assert "3 dipendenti restano a pari merito dopo tutti i criteri (p1, p2, p3)" in text
    assert "va a 3 dipendenti invece di 2" in text
    assert "va a 0 dipendenti invece di 2" in awarded["exclude"].differentiation.explanation.text
    # Shared: the 2 maggiorazioni of the quota split in three equal parts.
    shared = awarded["share"]
    amounts = {line.maggiorazione for line in shared.lines if line.maggiorazione}
    full = shared.differentiation.amount
    assert amounts == {(full * 2 / 3).quantize(CENT, rounding="ROUND_DOWN")}
    assert shared.totals.distributed + shared.totals.residual == D(8000)
    # The deciding criterion is named in the explanation and on the lines it concerns.
    decided = awarded["seniority"]
    assert decided.differentiation.decided_by is TieBreak.SENIORITY
    assert "ha deciso il criterio «maggiore anzianità»" in decided.differentiation.explanation.text
    assert "anzianità dal 01/01/2005" in decided.line("p3").explanation.text
    assert "ha deciso il criterio" not in decided.line("p7").explanation.text
    assert [line.rank for line in awarded["seniority"].lines][:4] == [3, 2, 1, 4]


def test_quota_rounding():
    people = [Person(index, D(50 - index), D(100)) for index in range(7)]
    counts = {
        rounding: distribute_fund(
            D(7000),
            people,
            PremiumParameters(differentiation_quota=D(30), quota_rounding=rounding),
        ).differentiation.quota_count
        for rounding in QuotaRounding
    }  # 30 % of 7 = 2,1
    assert counts == {QuotaRounding.FLOOR: 2, QuotaRounding.CEIL: 3, QuotaRounding.ROUND: 2}


def test_payment_time_share_is_withheld_from_the_premium():
    params = PremiumParameters(differentiation_quota=D(0))
    people = [Person(1, D(50), D(100), payment_time_missed=True), Person(2, D(50), D(100))]
    result = distribute_fund(D("1000.01"), people, params)
    assert [line.gross for line in result.lines] == [D(500), D(500)]
    assert [line.withheld for line in result.lines] == [D(150), D(0)]
    assert result.totals.withheld == D(150) and result.totals.residual == D("150.01")


def test_eq_pool_insufficient_is_scaled_in_proportion():
    holders = [
        PositionHolder("a", D(10000), D(90), D(100)),
        PositionHolder("b", D(8000), D(70), D(80)),
    ]
    result = distribute_result_pay(D(3000), holders)
    # Theoretical 2.500 + 1.600 = 4.100 > 3.000: × 3000/4100.
    assert [line.theoretical for line in result.lines] == [D(2500), D(1600)]
    assert [line.gross for line in result.lines] == [D("1829.26"), D("1170.73")]
    assert result.totals.residual == D("0.01")
    assert not result.pool_check.respected and result.pool_check.quota == D("14.285714")
    assert "NON rispettata la quota minima del 15,00\u00a0%" in result.explanation.text
    assert "ridotti in proporzione (× 0,731707)" in result.explanation.text
    json.dumps(result.to_dict())


def test_eq_pool_sufficient_pays_the_theoretical_amounts():
    holders = [PositionHolder("a", D(10000), D(90), D(100))]
    result = distribute_result_pay(D(5000), holders)
    assert result.lines[0].total == D(2500) and result.totals.residual == D(2500)
    assert result.pool_check.respected  # 5000 / 15000 = 33,33 %
    whole = distribute_result_pay(D(5000), holders, ResultParameters(distribute_whole_pool=True))
    assert whole.lines[0].total == D(5000)


def test_payment_time_share_withheld_at_thirty_percent():
    holders = [
        PositionHolder("a", D(10000), D(90), D(100)),
        PositionHolder("b", D(8000), D(70), D(80), payment_time_missed=True),
    ]
    result = distribute_result_pay(D(3000), holders)
    line = result.lines[1]
    # 30 % of 1.170,73 = 351,219 → 351,22 (never below 30 %).
    assert (line.withheld, line.total) == (D("351.22"), D("819.51"))
    assert result.totals.withheld == D("351.22")
    assert result.totals.residual == D("351.23")
    stricter = distribute_result_pay(D(3000), holders, ResultParameters(payment_time_share=D(40)))
    assert stricter.lines[1].withheld == D("468.30")
    assert "DL 13/2023 art. 4-bis" in line.explanation.text


def test_pool_check_alone():
    assert check_result_pool(D(15), D(85)).respected
    assert not check_result_pool(D("14.99"), D("85.01")).respected
    assert check_result_pool(D(0), D(0)).quota is None


def test_personnel_indicators_as_in_the_seed():
    indicators = personnel_indicators(
        fund_total=D("100000"),
        personnel_expense=D("1183431.95"),
        variable_part=D("61027.80"),
        staff_count=37,
        incentivised_count=33,
        min_premium=D(30),
        max_premium=D(1000),
        trained_count=30,
    )
    values = {item.code: item.value for item in indicators.all}
    assert values == {
        "incentivazione_complessiva": D("8.45"),
        "capacita_incentivazione": D("1649.4"),
        "selettivita": D("89.189189"),
        "differenziazione": D(3),
        "aggiornamento_professionale": D("81.081081"),
    }
    text = indicators.capacita_incentivazione.explanation.text
    assert text == (
        "Capacità di incentivazione = Fondo decentrato, parte variabile / Totale personale "
        "= 61.027,80\u00a0€ / 37 = 1.649,40\u00a0€."
    )
    text = indicators.differenziazione.explanation.text
    assert "30,00\u00a0€ / 1.000,00\u00a0€ × 100 = 3,00\u00a0%" in text
    json.dumps(indicators.to_dict())


def test_indicators_from_a_distribution_and_zero_denominators():
    people = [Person(1, D(50), D(100)), Person(2, D(50), D(50)), Person(3, D(5), D(0))]
    result = distribute_fund(D(300), people, NO_QUOTA)
    indicators = personnel_indicators_for(
        result, fund_total=D(300), personnel_expense=D(0), variable_part=D(300), trained_count=2
    )
    assert indicators.selettivita.value == D("66.666667")
    assert indicators.differenziazione.value == D(50)  # 100 / 200
    assert indicators.incentivazione_complessiva.value is None
    assert "non calcolabile" in indicators.incentivazione_complessiva.explanation.text


# -- parameters -----------------------------------------------------------------------------------


def test_parameters_round_trip_and_defaults():
    assert PremiumParameters.from_dict(None) == PremiumParameters.from_dict({})
    params = PremiumParameters.from_dict(
        {
            "maggiorazione_percent": 35,
            "differentiation_quota": "12,5",
            "quota_rounding": "ceil",
            "tie_break": ["score", "seniority"],
            "cutoff_ties": "exclude",
            "coefficients": {"A": 1, "B": 1.1},
            "min_service_days": 60,
            "negative_below": 19,
        }
    )
    assert params.coefficients == {"A": D(1), "B": D("1.1")}
    assert PremiumParameters.from_dict(json.loads(json.dumps(params.to_dict()))) == params
    result = ResultParameters.from_dict({"max_result_rate": 30})
    assert ResultParameters.from_dict(result.to_dict()) == result


def test_parameter_errors_name_the_key():
    with pytest.raises(ConfigError) as error:
        PremiumParameters.from_dict(
            {
                "maggiorazione_percent": 25,
                "tie_break": ["absences", "score", "colore"],
                "payment_time_share": 20,
                "coefficients": {"A": 0},
                "extra": 1,
            }
        )
    errors = dict(error.value.errors)
    assert errors["premi.extra"] == "chiave sconosciuta"
    assert errors["premi.tie_break[2]"].startswith("valore «colore» non ammesso")
    with pytest.raises(ConfigError) as error:
        PremiumParameters.from_dict(
            {
                "maggiorazione_percent": 25,
                "tie_break": ["absences", "score"],
                "payment_time_share": 20,
                "coefficients": {"A": 0},
            }
        )
    assert dict(error.value.errors) == {
        "premi.maggiorazione_percent": (
            "deve essere almeno 30 (art. 69 CCNL 2018, art. 81 CCNL 2022)"
        ),
        "premi.tie_break": "il primo criterio deve essere il punteggio (graduatoria SMVP)",
        "premi.coefficients.A": "deve essere maggiore di zero",
        "premi.payment_time_share": "deve essere tra 30 e 100 (DL 13/2023 art. 4-bis)",
    }
    with pytest.raises(ConfigError) as error:
        ResultParameters.from_dict({"minimum_result_quota": 110})
    assert "risultato.minimum_result_quota" in dict(error.value.errors)
    with pytest.raises(ConfigError):
        distribute_fund(D(1), [], PremiumParameters(maggiorazione_percent=D(20)))


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="negativo"):
        distribute_fund(D(-1), [])
    with pytest.raises(ValueError, match="più di una volta"):
        distribute_fund(D(1), [Person(1, D(1), D(1)), Person(1, D(2), D(2))])
    with pytest.raises(ValueError, match="part-time"):
        distribute_fund(D(1), [Person(1, D(1), D(1), part_time=D(0))])
    with pytest.raises(ValueError, match="manca la percentuale della fascia"):
        distribute_fund(D(1), [Person(1, D(1))])
    with pytest.raises(ValueError, match="giorni di servizio"):
        distribute_fund(D(1), [Person(1, D(1), D(1), service_days=300, protected_days=100)])


# -- properties -----------------------------------------------------------------------------------


def people_strategy(max_size=12):
    person = st.builds(
        lambda score, category, part_time, days, absences, eligible, missed, index: Person(
            index,
            score,
            category=category,
            part_time=part_time,
            service_days=days,
            absence_days=absences,
            eligible=eligible,
            ineligible_reason="" if eligible else "escluso dal CCDI",
            payment_time_missed=missed,
        ),
        decimals(0, 60, places=1),
        st.sampled_from(sorted(COEFFICIENTS)),
        st.sampled_from([D(100), D(50), D("83.33"), D(30)]),
        st.integers(0, 365),
        st.integers(0, 40),
        st.sampled_from([True, True, True, False]),  # mostly eligible
        st.booleans(),
        st.integers(),
    )
    return st.lists(person, min_size=0, max_size=max_size).map(
        lambda items: [
            Person(**{**item.__dict__, "id": index, "label": f"P{index}"})
            for index, item in enumerate(items)
        ]
    )


parameters_strategy = st.builds(
    lambda m, q, rounding, cutoff, criteria: PremiumParameters(
        maggiorazione_percent=m,
        differentiation_quota=q,
        quota_rounding=rounding,
        cutoff_ties=cutoff,
        tie_break=criteria,
        coefficients=COEFFICIENTS,
        min_service_days=30,
    ),
    decimals(30, 100, places=0),
    decimals(0, 100, places=0),
    st.sampled_from(list(QuotaRounding)),
    st.sampled_from(list(CutoffTies)),
    st.sampled_from(
        [
            (TieBreak.SCORE,),
            (TieBreak.SCORE, TieBreak.ABSENCES),
            (TieBreak.SCORE, TieBreak.ABSENCES, TieBreak.COEFFICIENT, TieBreak.SENIORITY),
        ]
    ),
)
funds = decimals(0, 200000, places=2)


@PROPERTY
@given(funds, people_strategy(), parameters_strategy)
def test_money_is_never_lost_or_invented(fund, people, params):
    result = distribute_fund(fund, people, params, BANDS_60)
    totals = result.totals
    sharing = sum(1 for line in result.lines if line.eligible and not line.reason)
    assert totals.distributed == sum(line.total for line in result.lines)
    assert totals.distributed + totals.residual == fund
    assert totals.distributed <= fund
    for line in result.lines:
        assert min(line.base, line.maggiorazione, line.withheld, line.total) >= 0
        assert line.total == line.base + line.maggiorazione - line.withheld
        assert line.total.as_tuple().exponent >= -2
    # The guarantee: 0 ≤ residual − withheld < 1 cent × people sharing (all of it if none).
    rounding = totals.residual - totals.withheld
    if sharing:
        assert D(0) <= rounding < CENT * sharing
    else:
        assert totals.residual == fund


@PROPERTY
@given(funds, people_strategy(), parameters_strategy, st.randoms(use_true_random=False))
def test_deterministic_and_permutation_invariant(fund, people, params, random):
    shuffled = list(people)
    random.shuffle(shuffled)
    first = distribute_fund(fund, people, params, BANDS_60)
    again = distribute_fund(fund, people, params, BANDS_60)
    moved = distribute_fund(fund, shuffled, params, BANDS_60)
    assert first.to_dict() == again.to_dict()
    by_id = {line.person_id: line.to_dict() for line in moved.lines}
    assert {line.person_id: line.to_dict() for line in first.lines} == by_id
    assert first.totals == moved.totals


def test_equal_people_get_equal_premiums_whatever_their_ids():
    # The Relazione's case: a tie at the cut-off must not be broken by the database id.
    people = [Person(index, D(40 + index), category="B") for index in range(8)]
    twins = [Person(100, D(58), category="B"), Person(9, D(58), category="B")]
    params = PremiumParameters(differentiation_quota=D(10), coefficients=COEFFICIENTS)
    result = distribute_fund(D(20000), people + twins, params, BANDS_60)
    assert result.line(100).total == result.line(9).total
    assert result.line(100).maggiorazione == result.line(9).maggiorazione > 0


def test_the_id_is_not_a_criterion_of_the_contract():
    with pytest.raises(ConfigError) as refusal:
        PremiumParameters.from_dict({"tie_break": ["score", "id"]})
    assert "premi.tie_break[1]" in dict(refusal.value.errors)


@PROPERTY
@given(funds, people_strategy(), parameters_strategy, st.randoms(use_true_random=False))
def test_the_storage_order_never_changes_anyone_s_premium(fund, people, params, random):
    """Give the same people other ids (as another order of storage would): nobody's premium
    changes, and two people alike in everything but the id receive the same."""
    ids = [person.id for person in people]
    random.shuffle(ids)
    stored_again = [
        Person(**{**person.__dict__, "id": new_id})
        for person, new_id in zip(people, ids, strict=True)
    ]
    first = distribute_fund(fund, people, params, BANDS_60)
    second = distribute_fund(fund, stored_again, params, BANDS_60)
    for before, after in zip(first.lines, second.lines, strict=True):
        assert before.label == after.label
        assert (before.base, before.maggiorazione, before.total) == (
            after.base,
            after.maggiorazione,
            after.total,
        )
        assert before.explanation.text == after.explanation.text


@PROPERTY
@given(funds, people_strategy(8), parameters_strategy, decimals(19, 60, places=0), st.data())
def test_a_higher_band_never_gets_less(fund, people, params, high, data):
    low = data.draw(decimals(19, high, places=0))
    assume(BANDS_60.band_for(low).percent <= BANDS_60.band_for(high).percent)
    twins = [
        Person("alto", high, category="B", service_days=300),
        Person("basso", low, category="B", service_days=300),
    ]
    result = distribute_fund(fund, people + twins, params, BANDS_60)
    assert result.line("alto").total >= result.line("basso").total


@PROPERTY
@given(funds, people_strategy(), parameters_strategy)
def test_the_maggiorazione_is_at_least_m_percent_of_the_average(fund, people, params):
    result = distribute_fund(fund, people, params, BANDS_60)
    diff = result.differentiation
    assume(diff.awarded_count > 0)
    target = fund / diff.positive_count * params.maggiorazione_percent / 100
    fits = target.quantize(CENT, rounding="ROUND_UP") * diff.awarded_count <= fund
    sharing = [line for line in result.lines if not line.reason]
    average_paid = sum(line.gross for line in sharing) / len(sharing)
    awarded = [line for line in sharing if line.top_ranked]
    assert len(awarded) == diff.awarded_count
    # Those tied at the cut-off with CutoffTies.SHARE receive an equal part of what is left.
    parts = {line.maggiorazione for line in awarded if line.maggiorazione != diff.amount}
    assert len(parts) <= 1 and (not parts or diff.shared_count > 0)
    whole = [line for line in awarded if line.maggiorazione == diff.amount]
    assert len(whole) >= diff.awarded_count - diff.shared_count
    if fits:
        assert all(line.maggiorazione >= target for line in whole)
        assert all(
            line.maggiorazione >= average_paid * params.maggiorazione_percent / 100
            for line in whole
        )
    # The maggiorazione goes to the top of the ranking: nobody outside it has a higher score.
    lowest_awarded = min(line.score for line in awarded)
    assert all(line.score <= lowest_awarded for line in sharing if not line.top_ranked)


@PROPERTY
@given(funds, people_strategy(), st.integers(2, 7))
def test_scaling_the_fund_scales_each_premium(fund, people, factor):
    params = PremiumParameters(differentiation_quota=D(0), coefficients=COEFFICIENTS)
    once = distribute_fund(fund, people, params, BANDS_60)
    scaled = distribute_fund(fund * factor, people, params, BANDS_60)
    for small, large in zip(once.lines, scaled.lines, strict=True):
        assert factor * small.base <= large.base < factor * (small.base + CENT)


holders_strategy = st.lists(
    st.builds(
        lambda allowance, band, missed: (allowance, band, missed),
        decimals(0, 22000, places=2),
        st.sampled_from([D(0), D(25), D(50), D(80), D(100)]),
        st.booleans(),
    ),
    max_size=8,
).map(
    lambda rows: [
        PositionHolder(index, allowance, D(50), band, missed)
        for index, (allowance, band, missed) in enumerate(rows)
    ]
)


@PROPERTY
@given(decimals(0, 50000, places=2), holders_strategy, st.booleans())
def test_result_pay_stays_within_the_pool_and_keeps_proportions(pool, holders, whole):
    params = ResultParameters(distribute_whole_pool=whole)
    result = distribute_result_pay(pool, holders, params)
    totals = result.totals
    assert totals.distributed + totals.residual == pool and totals.distributed <= pool
    wanted = sum(line.theoretical for line in result.lines)
    for line in result.lines:
        assert 0 <= line.total <= line.gross
        # theoretical × pool / wanted when scaled, rounded down to the cent.
        exact = line.theoretical * pool / wanted if result.scale != 1 else line.theoretical
        assert exact - CENT < line.gross <= exact
        if line.theoretical and not whole:
            assert line.gross <= line.theoretical
    if wanted > pool or (whole and wanted > 0):
        assert 0 <= totals.residual - totals.withheld < CENT * max(len(holders), 1)


# -- issue 7: the evaluated population and the real reasons ----------------------------------------


def _population_with_exclusions():
    people = [
        Person("a", D(58)),
        Person("b", D(55)),
        Person("c", D(40)),
        Person("neg", D(10)),
        Person("breve", D(57), service_days=79),  # a score, but too little service
        Person("senza", D(0), eligible=False, ineligible_reason="scheda senza punteggio"),
    ]
    params = PremiumParameters(differentiation_quota=D(0), min_service_days=180)
    return distribute_fund(D(9000), people, params, BANDS_60)


def test_band_tables_count_the_evaluated_only():
    result = _population_with_exclusions()
    counts = {band.label: band.count for band in result.bands}
    assert sum(counts.values()) == 4  # a, b, c and the negative one: not «breve», not «senza»
    assert [band.count for band in result.bands if band.lower == D(54)] == [2]
    assert sum(band.staff_percent for band in result.bands) == D(100)
    assert [(item.exclusion.value, item.count) for item in result.exclusions] == [
        ("not_evaluated", 1),
        ("service", 1),
        ("negative", 1),
    ]


def test_each_exclusion_gives_its_own_reason_with_its_number():
    text = _population_with_exclusions().explanation.text
    assert "1 escluso (scheda senza punteggio)" in text
    assert "1 escluso per servizio inferiore al minimo" in text
    assert "1 escluso per valutazione negativa" in text
    assert "esclusi" not in text
    people = [Person(index, D(50), service_days=30) for index in range(2)]
    params = PremiumParameters(min_service_days=180)
    assert "2 esclusi per servizio inferiore al minimo" in (
        distribute_fund(D(100), people, params, BANDS_60).explanation.text
    )


@PROPERTY
@given(st.lists(st.integers(0, 50), min_size=1, max_size=8))
def test_band_shares_add_up_to_a_hundred(counts):
    from engine.premiums import percent_shares

    shares = percent_shares(counts)
    if sum(counts):
        assert sum(shares) == D(100)
        for count, share in zip(counts, shares, strict=True):
            assert abs(share - D(count) * 100 / sum(counts)) < CENT
    else:
        assert set(shares) <= {D(0)}
