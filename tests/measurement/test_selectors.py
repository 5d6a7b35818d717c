from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from measurement import selectors
from measurement.models import MonitoringWindow, WindowState
from organization.models import Unit, UnitKind
from planning import formulas
from planning.models import (
    Indicator,
    IndicatorScope,
    OperationalObjective,
    Phase,
    TargetKind,
)

from .conftest import add_indicator, store

pytestmark = pytest.mark.django_db

D = Decimal


def test_scores_match_the_hand_computed_values(final_values):
    plan = final_values
    board = selectors.cycle_scores(plan.cycle)

    assert board.indicator(plan.pl_days.pk).achievement.percent == D("100")
    assert board.indicator(plan.controls.pk).achievement.percent == D("80")
    assert board.indicator(plan.squads.pk).achievement.percent == D("100")
    assert board.indicator(plan.fin_days.pk).achievement.percent == D("83.333333")
    # Weighted mean of the objective's indicators: (80 × 60 + 100 × 40) / 100.
    assert board.objective(plan.pl_coordination.pk).score.percent == D("88")
    assert board.objective(plan.budget.pk).score.percent == D("100")
    # Units roll up their own objectives and those of the units below them, by plan weight.
    assert board.unit(plan.verbali.pk).score.percent == D("88")
    assert board.unit(plan.pl.pk).score.percent == D("91.6")  # (100 × 30 + 88 × 70) / 100
    assert board.unit(plan.finanze.pk).score.percent == D("95")  # (83,333333 × 30 + 7000) / 100
    assert board.unit(plan.sismica.pk) is None  # no objectives: not part of the roll-up
    # Ente: 50 % ente-level indicators (90) + 50 % mean of the top-level units (93,3).
    assert board.ente_score.percent == D("91.65")
    assert board.person(plan.comandante.pk).score.percent == D("91.6")
    assert board.person(plan.ragioniere.pk).score.percent == D("95")


def test_computed_indicator_takes_its_value_from_the_parameters(plan):
    board = selectors.cycle_scores(plan.cycle)
    entry = board.indicator(plan.deposits.pk)

    assert entry.is_computed
    assert entry.value == D("60.360360")
    assert entry.formula.arithmetic == "67 / 111 × 100 = 60,36"
    assert {item.name: item.value for item in entry.formula.inputs} == {
        "depositi_istruiti": D("67"),
        "depositi_ricevuti_controllo": D("111"),
    }
    assert entry.achievement.percent == D("100")  # within the 60–70 range
    assert "67 / 111 × 100 = 60,36" in entry.explanation.text
    assert "valore annuale 2025" in entry.explanation.text


def test_computed_indicator_prefers_measurements_of_the_same_period(plan):
    june = dt.date(2025, 6, 30)
    store(parameter=plan.handled, cycle=plan.cycle, day=june, value="30")
    store(parameter=plan.received, cycle=plan.cycle, day=june, value="60")
    store(parameter=plan.handled, cycle=plan.cycle, day=dt.date(2025, 9, 30), value="45")

    entry = selectors.cycle_scores(plan.cycle).indicator(plan.deposits.pk)

    # At 30/09 only one input has a value; the received count of 30/09 falls back to the
    # yearly value 111: 45 / 111. The period chosen is the latest one.
    assert entry.period_end == dt.date(2025, 9, 30)
    assert entry.value == D("40.540541")
    window = MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=june
    )
    at_june = selectors.cycle_scores(plan.cycle, window=window).indicator(plan.deposits.pk)
    assert at_june.value == D("50")
    assert at_june.formula.period_end == june


def test_computed_indicator_with_a_missing_input_explains_what_is_missing(plan):
    plan.deposits.formula_expression = "depositi_istruiti / depositi_mancanti * 100"
    plan.deposits.save()

    entry = selectors.cycle_scores(plan.cycle).indicator(plan.deposits.pk)

    assert entry.value is None
    assert entry.achievement.percent is None
    assert "nome sconosciuto «depositi_mancanti»" in entry.explanation.text


def test_computed_indicator_inside_an_objective_rolls_up(plan):
    plan.deposits.objective = plan.budget
    plan.deposits.weight = D("50")
    plan.deposits.save()
    plan.budget_done.weight = D("50")
    plan.budget_done.save()
    store(plan.budget_done, cycle=plan.cycle, day=dt.date(2025, 12, 31), completed_on=None)

    board = selectors.cycle_scores(plan.cycle, today=dt.date(2026, 2, 1))

    # After the year: budget not approved by 31/12 → 0; deposits in range → 100; (0 + 100) / 2.
    assert board.objective(plan.budget.pk).score.percent == D("50")


def test_values_are_taken_as_of_the_window(final_values):
    plan = final_values
    june = dt.date(2025, 6, 30)
    store(plan.controls, cycle=plan.cycle, day=june, value="12")
    window = MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="Monitoraggio al 30 giugno", period_end=june
    )

    board = selectors.cycle_scores(plan.cycle, window=window)

    assert board.as_of == june
    assert board.indicator(plan.controls.pk).value == D("12")
    assert board.indicator(plan.controls.pk).achievement.percent == D("40")
    assert board.indicator(plan.pl_days.pk).value is None
    # The objective of the payment times has no value yet at 30/06: left out.
    assert board.objective(plan.pl_payment.pk).score.percent is None


def test_status_of_objectives(final_values):
    plan = final_values
    board = selectors.cycle_scores(plan.cycle, today=dt.date(2025, 12, 31))

    assert board.objective(plan.budget.pk).status.status == "achieved"
    assert board.objective(plan.pl_coordination.pk).status.label in {
        "in linea",
        "a rischio",
        "in ritardo",
    }
    counts = board.status_counts()
    assert sum(counts.values()) == 4
    assert counts["achieved"] == 2  # pl-tempi-pagamento and bilancio


def test_to_dict_is_json_with_explanations(final_values):
    board = selectors.cycle_scores(final_values.cycle)

    data = json.loads(json.dumps(board.to_dict()))

    assert data["ente"]["slug"] == "unione-sorbara"
    assert data["ente"]["display_percent"] == "91.65"
    assert "Composizione dell'ente" in data["ente"]["explanation"]["rule_label"]
    indicators = {row["key"]: row for row in data["indicators"]}
    assert indicators["controlli-edilizi"]["display_percent"] == "80.00"
    assert "24 / 30 × 100 = 80,00\u00a0%" in indicators["controlli-edilizi"]["explanation"]["text"]
    assert indicators["indicatore-depositi"]["formula"]["arithmetic"] == "67 / 111 × 100 = 60,36"
    objectives = {row["key"]: row for row in data["objectives"]}
    assert objectives["pl-coordinamento"]["unit"] == "ufficio-verbali"
    assert objectives["pl-coordinamento"]["status"]["label"]
    assert [row["key"] for row in data["units"]] == [
        "polizia-locale",
        "ufficio-verbali",
        "finanze",
    ]


def test_rows_cover_every_level(final_values):
    rows = selectors.cycle_scores(final_values.cycle).rows()

    assert set(rows[0]) == set(selectors.ROW_FIELDS)
    levels = [row["level"] for row in rows]
    assert levels.count("ente") == 1
    assert levels.count("unit") == 3
    assert levels.count("objective") == 4
    assert levels.count("indicator") == 7
    by_key = {row["key"]: row for row in rows}
    assert by_key["unione-sorbara"]["percent"] == "91.65"
    assert by_key["fin-tempi-pagamento"]["percent"] == "83.33"
    assert by_key["indicatore-depositi"]["value"] == "60.36036"


def test_without_org_levels_the_ente_is_the_mean_of_its_units(final_values):
    final_values.cycle.org_levels.all().delete()

    board = selectors.cycle_scores(final_values.cycle)

    assert board.ente_score.percent == D("93.3")


def _grow(plan, size: int) -> None:
    """`size` more services, each with two objectives, a phase, indicators and values."""
    for n in range(size):
        unit = Unit.objects.create(
            ente=plan.ente,
            key=f"servizio-{n}",
            kind=UnitKind.SERVICE,
            name=f"Servizio {n}",
            parent=plan.pl,
            responsible=plan.comandante,
        )
        for m in range(2):
            objective = OperationalObjective.objects.create(
                cycle=plan.cycle,
                key=f"ob-{n}-{m}",
                title=f"Obiettivo {n}.{m}",
                unit=unit,
                weight=D("50"),
            )
            objective.responsibles.add(plan.ragioniere)
            Phase.objects.create(objective=objective, description="Fase", progress=D("40"))
            indicator = add_indicator(
                plan.cycle, f"ind-{n}-{m}", target_kind=TargetKind.GTE, value="10",
                objective=objective,
            )  # fmt: skip
            store(indicator, cycle=plan.cycle, day=dt.date(2025, 6, 30), value=str(n + m))
        add_indicator(
            plan.cycle, f"tab-{n}", target_kind=TargetKind.TEXT, scope=IndicatorScope.UNIT,
            unit=unit,
        )  # fmt: skip


def _count_queries(function) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_scores_take_a_constant_number_of_queries(final_values, django_assert_num_queries):
    plan = final_values
    _grow(plan, 3)
    cycle = type(plan.cycle).objects.get(pk=plan.cycle.pk)
    small = _count_queries(lambda: selectors.cycle_scores(cycle))
    for n in range(3, 9):  # three times as many services
        _grow_one_more(plan, n)
    cycle = type(plan.cycle).objects.get(pk=plan.cycle.pk)
    with django_assert_num_queries(small):
        board = selectors.cycle_scores(cycle)
    assert len(board.objectives) == 4 + 2 * 9


def _grow_one_more(plan, n):
    unit = Unit.objects.create(
        ente=plan.ente, key=f"servizio-{n}", kind=UnitKind.SERVICE, name=f"Servizio {n}",
        parent=plan.finanze,
    )  # fmt: skip
    for m in range(2):
        objective = OperationalObjective.objects.create(
            cycle=plan.cycle, key=f"ob-{n}-{m}", title=f"Obiettivo {n}.{m}", unit=unit,
            weight=D("50"),
        )  # fmt: skip
        objective.responsibles.add(plan.comandante)
        Phase.objects.create(objective=objective, description="Fase")
        indicator = add_indicator(
            plan.cycle, f"ind-{n}-{m}", target_kind=TargetKind.GTE, value="10",
            objective=objective,
        )  # fmt: skip
        store(indicator, cycle=plan.cycle, day=dt.date(2025, 9, 30), value="7")


def test_pending_lists_and_coverage_take_a_constant_number_of_queries(
    final_values, django_assert_num_queries
):
    plan = final_values
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=dt.date(2025, 6, 30)
    )
    today = dt.date(2025, 7, 10)
    _grow(plan, 2)
    small_pending = _count_queries(lambda: selectors.pending_all(plan.cycle, today))
    small_coverage = _count_queries(lambda: selectors.coverage(plan.cycle))
    for n in range(2, 8):
        _grow_one_more(plan, n)
    with django_assert_num_queries(small_pending):
        selectors.pending_all(plan.cycle, today)
    with django_assert_num_queries(small_coverage):
        selectors.coverage(plan.cycle)


def test_pending_updates_of_a_person_overdue_first(plan):
    june = MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=dt.date(2025, 6, 30)
    )
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="settembre", label="30 settembre", period_end=dt.date(2025, 9, 30)
    )
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="finale", label="Finale", period_end=dt.date(2025, 12, 31),
        is_final=True,
    )  # fmt: skip
    store(plan.controls, cycle=plan.cycle, day=dt.date(2025, 6, 30), value="10")

    items = selectors.pending_updates(plan.cycle, plan.comandante, dt.date(2025, 9, 20))

    described = [(item.indicator.key, item.period_end, item.overdue) for item in items]
    assert described == [
        ("tempi-pagamento-pl", dt.date(2025, 6, 30), True),
        ("nuclei", dt.date(2025, 6, 30), True),
        ("tempi-pagamento-pl", dt.date(2025, 9, 30), False),
        ("controlli-edilizi", dt.date(2025, 9, 30), False),
        ("nuclei", dt.date(2025, 9, 30), False),
    ]
    assert items[0].window == june
    # The sismica lead must update the parameters used by the computed indicator.
    sismica = selectors.pending_updates(plan.cycle, plan.sismico, dt.date(2025, 9, 20))
    assert {item.parameter.key for item in sismica} == {
        "depositi_istruiti",
        "depositi_ricevuti_controllo",
    }
    assert all(item.indicator is None for item in sismica)


def test_closed_windows_expect_nothing_and_delegates_see_their_objectives(plan):
    from measurement.models import ObjectiveDelegate

    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=dt.date(2025, 6, 30),
        state=WindowState.CLOSED,
    )  # fmt: skip
    ObjectiveDelegate.objects.create(objective=plan.pl_coordination, person=plan.agente)

    assert selectors.pending_updates(plan.cycle, plan.comandante, dt.date(2025, 7, 1)) == []
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="settembre", label="30 settembre", period_end=dt.date(2025, 9, 30)
    )
    items = selectors.pending_updates(plan.cycle, plan.agente, dt.date(2025, 9, 20))
    assert {item.indicator.key for item in items} == {"controlli-edilizi", "nuclei"}


def test_without_windows_the_year_end_is_expected(plan):
    assert selectors.pending_updates(plan.cycle, plan.ragioniere, dt.date(2025, 6, 1)) == []
    items = selectors.pending_updates(plan.cycle, plan.ragioniere, dt.date(2025, 12, 20))
    assert [item.indicator.key for item in items] == ["tempi-pagamento-sf", "bilancio-approvato"]
    assert not any(item.overdue for item in items)


def test_coverage_counts_updated_subjects_and_silent_owners(plan):
    june = MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=dt.date(2025, 6, 30)
    )
    store(plan.controls, cycle=plan.cycle, day=dt.date(2025, 6, 30), value="10")
    store(plan.staff_cost, cycle=plan.cycle, day=dt.date(2025, 3, 31), value="40")
    store(plan.fin_days, cycle=plan.cycle, day=dt.date(2025, 9, 30), value="20")

    result = selectors.coverage(plan.cycle, window=june)

    # Measurable: 6 indicators by hand + 2 parameters of the formula; 2 updated by 30/06.
    assert (result.measurable, result.updated) == (8, 2)
    assert result.share == D("25")
    assert result.display_share == "25,00\u00a0%"
    assert [person.key for person in result.never_updated] == ["resp-sismica"]
    assert selectors.coverage(plan.cycle).updated == 3


def test_trend_reads_snapshots_and_the_current_scores(final_values):
    from measurement import services

    plan = final_values
    window = services.window_create(
        user=None, cycle=plan.cycle, label="Monitoraggio al 30 settembre",
        period_end=dt.date(2025, 9, 30),
    )  # fmt: skip
    store(plan.controls, cycle=plan.cycle, day=dt.date(2025, 9, 30), value="15")
    services.window_close(user=None, window=window)

    result = selectors.trend(plan.cycle, today=dt.date(2025, 12, 31))

    assert result.columns == ("Monitoraggio al 30 settembre (30/09/2025)", "Situazione attuale")
    rows = {(row.level, row.key): row for row in result.rows}
    # At 30/09: controls 15/30 → 50 × 60, squads due 30/06 and not yet done → 0 × 40.
    assert rows[("objective", "pl-coordinamento")].percents == (D("30.00"), D("88.00"))
    assert rows[("ente", "unione-sorbara")].percents[-1] == D("91.65")


def test_formula_names_and_validation(plan):
    names = formulas.formula_names_available(plan.cycle)
    assert {"depositi_istruiti", "depositi_ricevuti_controllo", "controlli_edilizi"} <= names

    assert (
        formulas.validate_formula(
            plan.cycle, "depositi_istruiti / depositi_ricevuti_controllo * 100"
        )
        == []
    )
    assert formulas.validate_formula(plan.cycle, "depositi_istruiti / depositi_fantasma") == [
        "Nome sconosciuto «depositi_fantasma»: non è un parametro dell'ente né un indicatore "
        "del piano 2025."
    ]
    assert formulas.validate_formula(plan.cycle, "depositi_istruiti / 0") == [
        "Formula non valida: Divisione per zero alla posizione 19."
    ]
    assert formulas.validate_formula(plan.cycle, "depositi_istruiti / (") == [
        "Formula non valida: Formula incompleta alla posizione 22."
    ]
    # a / (b − c) is not a division by zero for every value.
    assert (
        formulas.validate_formula(
            plan.cycle, "controlli_edilizi / (depositi_istruiti - depositi_ricevuti_controllo)"
        )
        == []
    )
    own = formulas.validate_formula(plan.cycle, "indicatore_depositi * 2", indicator=plan.deposits)
    assert own == ["La formula non può usare l'indicatore stesso («indicatore_depositi»)."]


def test_formula_loops_are_refused(plan):
    plan.controls.formula_expression = "indicatore_depositi + 1"
    plan.controls.save()

    messages = formulas.validate_formula(
        plan.cycle, "controlli_edilizi * 2", indicator=plan.deposits
    )

    assert messages == [
        "Le formule si richiamano in cerchio: indicatore_depositi → controlli_edilizi → "
        "indicatore_depositi."
    ]


def test_an_objectives_records_take_a_constant_number_of_queries(plan):
    objective = plan.pl_coordination
    before = _count_queries(lambda: selectors.objective_records(objective))
    for n in range(4):
        extra = add_indicator(
            plan.cycle, f"extra-{n}", target_kind=TargetKind.GTE, value="10",
            objective=objective,
        )  # fmt: skip
        store(extra, cycle=plan.cycle, day=dt.date(2025, 3, 31), value="5")
        store(extra, cycle=plan.cycle, day=dt.date(2025, 6, 30), value="7")
    records = _count_queries(lambda: selectors.objective_records(objective))
    assert records == before
    latest = selectors.objective_records(objective).latest
    assert [latest[i.pk].value for i in Indicator.objects.filter(key__startswith="extra-")] == [
        Decimal(7)
    ] * 4


def test_an_indicators_values_come_in_period_order_with_their_indicator(plan):
    indicator = add_indicator(
        plan.cycle, "ordine", target_kind=TargetKind.GTE, value="10",
        objective=plan.pl_coordination,
    )  # fmt: skip
    store(indicator, cycle=plan.cycle, day=dt.date(2025, 6, 30), value="7")
    store(indicator, cycle=plan.cycle, day=dt.date(2025, 3, 31), value="5")
    values = selectors.indicator_values(indicator)
    assert [v.value for v in values] == [Decimal(5), Decimal(7)]
    assert all(v.indicator is indicator for v in values)
