"""Roll-ups: weighted means, missing data, objectives, units, persons and the ente."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.achievement import Measurement, Target, TargetKind
from engine.config import (
    CompositionSource,
    EnteComponent,
    MissingPolicy,
    ObjectiveAggregation,
    SmvpSettings,
)
from engine.rollup import (
    AssignmentRecord,
    CycleRecords,
    IndicatorRecord,
    Item,
    ObjectiveRecord,
    PhaseRecord,
    UnitRecord,
    all_targets,
    score_cycle,
    score_objective,
    weighted_mean,
)
from tests.engine.strategies import PROPERTY, decimals, percents, weights

D = Decimal
EXCLUDE, ZERO_POLICY = MissingPolicy.EXCLUDE, MissingPolicy.ZERO


def quantized(value: Decimal) -> Decimal:
    return value.quantize(D("0.000001"), rounding=ROUND_HALF_UP)


def items(*pairs) -> list[Item]:
    return [
        Item(index, None if p is None else D(p), None if w is None else D(w))
        for index, (p, w) in enumerate(pairs)
    ]


# -- weighted mean: examples ----------------------------------------------------------------------


def test_weighted_mean_by_plan_weights():
    score = weighted_mean(items(("100", "30"), ("60.36", "70")), EXCLUDE)
    assert score.percent == D("72.252000")
    assert score.display_percent == D("72.25")
    assert "(100,00 × 30 + 60,36 × 70) / 100 = 72,25\u00a0%" in score.explanation.text


def test_no_weights_means_equal_weights_and_says_so():
    score = weighted_mean(items(("90", None), ("60", None), ("100", None)), EXCLUDE)
    assert score.percent == D("83.333333")
    assert score.explanation.data["equal_weights"] is True
    assert "pesi uguali" in score.explanation.text


def test_unweighted_items_next_to_weighted_ones_are_left_out():
    score = weighted_mean(items(("100", "70"), ("0", None)), EXCLUDE)
    assert score.percent == 100
    assert "senza peso: escluso" in score.explanation.text


def test_missing_data_excluded_and_reweighted():
    score = weighted_mean(items(("80", "50"), (None, "30"), ("40", "20")), EXCLUDE)
    assert score.percent == D("68.571429")  # (80 × 50 + 40 × 20) / 70
    assert "esclusi e i pesi ridistribuiti" in score.explanation.text
    assert [c.counted for c in score.contributions] == [True, False, True]


def test_missing_data_counted_as_zero():
    score = weighted_mean(items(("80", "50"), (None, "30"), ("40", "20")), ZERO_POLICY)
    assert score.percent == 48  # (80 × 50 + 0 × 30 + 40 × 20) / 100
    assert "valgono 0 %" in score.explanation.text


def test_nothing_to_average():
    assert weighted_mean([], EXCLUDE).percent is None
    assert weighted_mean(items((None, "10")), EXCLUDE).percent is None
    assert weighted_mean(items((None, "10")), ZERO_POLICY).percent == 0


def test_negative_weight_is_refused():
    with pytest.raises(ValueError, match="peso negativo"):
        weighted_mean(items(("50", "-1")), EXCLUDE)


def test_all_targets_must_be_met():
    assert all_targets(items(("100", None), ("120", None)), EXCLUDE).percent == 100
    unmet = all_targets(items(("100", None), ("99.99", None)), EXCLUDE)
    assert unmet.percent == 0
    assert "non raggiunti" in unmet.explanation.text
    assert all_targets(items(("100", None), (None, None)), EXCLUDE).percent == 100
    assert all_targets(items(("100", None), (None, None)), ZERO_POLICY).percent == 0
    assert all_targets([], EXCLUDE).percent is None


def test_objective_by_phases_and_fallback_when_nothing_is_measurable():
    phases = items(("100", "1"), ("50", "3"))
    by_phases = score_objective([], phases, ObjectiveAggregation.PHASES, EXCLUDE)
    assert by_phases.percent == D("62.5")
    fallback = score_objective([None], phases, ObjectiveAggregation.WEIGHTED_MEAN, EXCLUDE)
    assert fallback.percent == D("62.5")
    assert "si usa l'avanzamento delle fasi" in fallback.explanation.text
    nothing = score_objective([None], [], ObjectiveAggregation.WEIGHTED_MEAN, EXCLUDE)
    assert nothing.percent is None


# -- weighted mean: properties --------------------------------------------------------------------

weighted_items = st.lists(st.tuples(percents, weights), min_size=1, max_size=12)
maybe_missing_items = st.lists(
    st.tuples(st.none() | percents, st.none() | weights), min_size=1, max_size=12
)


def as_items(pairs) -> list[Item]:
    return [Item(index, percent, weight) for index, (percent, weight) in enumerate(pairs)]


@PROPERTY
@given(weighted_items)
def test_mean_lies_between_the_smallest_and_largest_achievement(pairs):
    score = weighted_mean(as_items(pairs), EXCLUDE)
    assert min(p for p, _ in pairs) <= score.percent <= max(p for p, _ in pairs)


@PROPERTY
@given(maybe_missing_items, decimals("0.01", 100), st.randoms(use_true_random=False))
def test_mean_is_invariant_to_weight_scale_and_order(pairs, factor, random):
    original = weighted_mean(as_items(pairs), EXCLUDE)
    assert weighted_mean(as_items(pairs), EXCLUDE) == original  # deterministic
    scaled = [(p, None if w is None else w * factor) for p, w in pairs]
    random.shuffle(scaled)
    assert weighted_mean(as_items(scaled), EXCLUDE).percent == original.percent


@PROPERTY
@given(maybe_missing_items)
def test_excluding_missing_data_equals_the_mean_over_present_items(pairs):
    # Plan weights decide the shares: equal only when no item has a weight, 0 for an item
    # without one; then the missing items drop out and the others are re-weighted.
    equal = not any(weight for _, weight in pairs)
    present_items = [(p, D(1) if equal else (w or D(0))) for p, w in pairs if p is not None]
    total = sum((w for _, w in present_items), D(0))
    expected = None
    if total:
        expected = quantized(sum((p * w for p, w in present_items), D(0)) / total)
    assert weighted_mean(as_items(pairs), EXCLUDE).percent == expected


@PROPERTY
@given(maybe_missing_items)
def test_counting_missing_as_zero_never_scores_more(pairs):
    excluded = weighted_mean(as_items(pairs), EXCLUDE).percent
    zeroed = weighted_mean(as_items(pairs), ZERO_POLICY).percent
    if excluded is not None and zeroed is not None:
        assert zeroed <= excluded


# -- the whole cycle ------------------------------------------------------------------------------


def between(low, high, value) -> tuple[Target, Measurement]:
    return Target(TargetKind.BETWEEN, D(low), D(high)), Measurement(D(value))


def seed_002_records() -> CycleRecords:
    """A slice of seed 002 (Unione del Sorbara): ente indicators, two areas, one responsabile."""
    return CycleRecords(
        indicators=[
            IndicatorRecord(
                "rigidita",
                None,
                Target(TargetKind.LTE, D(45)),
                Measurement(D(40)),
                label="Rigidità",
            ),
            IndicatorRecord(
                "riscossione",
                None,
                Target(TargetKind.GTE, D(53)),
                Measurement(D(50)),
                label="Capacità di riscossione",
            ),
            IndicatorRecord(
                "questionario",
                None,
                Target(TargetKind.TEXT, text="questionario"),
                label="Formazione",
            ),
            IndicatorRecord("depositi", "o-depositi", *between(60, 70, "60.36"), label="Depositi"),
            IndicatorRecord(
                "autorizzazioni",
                "o-autorizzazioni",
                Target(TargetKind.EQ, D(100)),
                Measurement(D(90)),
                label="Autorizzazioni",
            ),
            IndicatorRecord("pratiche", "o-suap", *between(700, 800, "650"), label="Pratiche"),
            IndicatorRecord("regolamento", "o-suap", Target(TargetKind.TEXT), label="Regolamento"),
        ],
        objectives=[
            ObjectiveRecord("o-depositi", "sismica", D(50), label="Depositi"),
            ObjectiveRecord("o-autorizzazioni", "sismica", D(50), label="Autorizzazioni"),
            ObjectiveRecord("o-suap", "suap", D(50), label="SUAP"),
            ObjectiveRecord("o-pagamenti", "suap", D(30), label="Tempi di pagamento"),
            ObjectiveRecord("o-controllo", "suap", None, label="Controllo di gestione"),
        ],
        phases=[
            PhaseRecord("f1", "o-pagamenti", D(100)),
            PhaseRecord("f2", "o-pagamenti", D(60)),
        ],
        units=[
            UnitRecord("area-tecnica", label="Area tecnica"),
            UnitRecord("sismica", "area-tecnica", label="Sismica"),
            UnitRecord("suap", label="SUAP"),
        ],
        assignments=[
            AssignmentRecord("responsabile-suap", "o-pagamenti", D(30)),
            AssignmentRecord("responsabile-suap", "o-suap", D(70)),
        ],
    )


SEED_002 = SmvpSettings(
    ente_composition=(
        EnteComponent(CompositionSource.ENTE_INDICATORS, D(50)),
        EnteComponent(CompositionSource.UNITS, D(50)),
    )
)


def test_seed_002_cycle():
    scores = score_cycle(seed_002_records(), SEED_002)

    assert scores.indicators["depositi"].percent == 100
    assert scores.indicators["questionario"].percent is None
    assert scores.objectives["o-depositi"].percent == 100
    assert scores.objectives["o-autorizzazioni"].percent == 90
    assert scores.objectives["o-suap"].percent == D("92.857143")
    assert "1 indicatori descrittivi" in scores.objectives["o-suap"].explanation.text
    assert scores.objectives["o-pagamenti"].percent == 80  # by its phases
    assert scores.objectives["o-controllo"].percent is None

    assert scores.units["sismica"].percent == 95
    assert scores.units["area-tecnica"].percent == 95  # through its service
    # SUAP: (92,857143 × 50 + 80 × 30) / 80; the unweighted objective is left out
    assert scores.units["suap"].percent == D("88.035714")
    assert scores.persons["responsabile-suap"].percent == D("89.000000")

    # every level is kept at 6 places, half up, before the next one averages it
    riscossione = quantized(D(50) / D(53) * 100)
    assert scores.indicators["riscossione"].percent == riscossione
    ente_indicators = quantized((D(100) + riscossione) / 2)  # ≤ 45 met; 50 / 53
    areas = quantized((D(95) + D("88.035714")) / 2)
    assert scores.ente.percent == quantized((ente_indicators + areas) / 2) == D("94.343835")
    assert scores.ente.explanation.rule_label == "Composizione dell'ente"
    assert "[Indicatori di ente]" in scores.ente.explanation.text


def test_cycle_scores_are_json_ready():
    payload = json.loads(json.dumps(score_cycle(seed_002_records(), SEED_002).to_dict()))
    assert payload["objectives"]["o-suap"]["display_percent"] == "92.86"
    assert payload["ente"]["explanation"]["data"]["parts"]["units"]["percent"]


def test_ente_part_without_data_follows_the_missing_policy():
    records = CycleRecords(
        objectives=[ObjectiveRecord("o", "u", D(100))],
        indicators=[IndicatorRecord("i", "o", Target(TargetKind.GTE, D(10)), Measurement(D(8)))],
    )
    excluded = score_cycle(records, SEED_002)
    assert excluded.ente.percent == 80
    zeroed = score_cycle(
        records, SmvpSettings(ente_composition=SEED_002.ente_composition, missing="zero")
    )
    assert zeroed.ente.percent == 40


def test_objective_aggregation_can_be_set_per_objective():
    records = CycleRecords(
        objectives=[ObjectiveRecord("o", None, aggregation=ObjectiveAggregation.ALL_TARGETS)],
        indicators=[
            IndicatorRecord("a", "o", Target(TargetKind.GTE, D(10)), Measurement(D(10))),
            IndicatorRecord("b", "o", Target(TargetKind.GTE, D(10)), Measurement(D(9))),
        ],
    )
    assert score_cycle(records).objectives["o"].percent == 0
    assert score_cycle(records, SmvpSettings()).indicators["b"].percent == 90


def test_cyclic_unit_hierarchy_is_refused():
    records = CycleRecords(units=[UnitRecord("a", "b"), UnitRecord("b", "a")])
    with pytest.raises(ValueError, match="ciclo"):
        score_cycle(records)


@settings(max_examples=25, deadline=None)  # shuffles of one fixed cycle: few suffice
@given(st.randoms(use_true_random=False))
def test_cycle_does_not_depend_on_the_order_of_the_rows(random):
    records = seed_002_records()
    shuffled = CycleRecords(
        **{name: random.sample(list(rows), len(rows)) for name, rows in vars(records).items()}
    )
    first, second = score_cycle(records, SEED_002), score_cycle(shuffled, SEED_002)
    for level in ("indicators", "objectives", "units", "persons"):
        assert {k: v.percent for k, v in getattr(first, level).items()} == {
            k: v.percent for k, v in getattr(second, level).items()
        }
    assert first.ente.percent == second.ente.percent


def test_rows_pointing_to_unknown_objectives_are_refused():
    orphan_indicator = CycleRecords(
        indicators=[IndicatorRecord("i", "o-x", Target(TargetKind.GTE, D(1)), Measurement(D(1)))]
    )
    with pytest.raises(ValueError, match="indicatore «i»: obiettivo «o-x» assente"):
        score_cycle(orphan_indicator)
    orphan_assignment = CycleRecords(assignments=[AssignmentRecord("rossi", "o-x")])
    with pytest.raises(ValueError, match="assegnazione «rossi»"):
        score_cycle(orphan_assignment)
