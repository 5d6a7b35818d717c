"""Funds, previews, finalisation gates and the money invariants of the rewards services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.models import ComponentKind, SchedaItem, SchedaState, SchemeComponent
from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry
from organization.models import Role, Unit, UnitKind
from planning.models import CycleState, OperationalObjective
from rewards import services
from rewards.models import Distribution, DistributionLine, DistributionState, Fund, FundKind
from tests.rewards.builders import (
    YEAR,
    make_cycle,
    make_member,
    make_scheme,
    validate_report,
)


def individual_fund(case, amount="1000.00", user=None):
    return services.fund_create(
        user=user if user is not None else case.admin,
        ente=case.ente,
        year=YEAR,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount=amount,
    )


def money(line_values):
    return [Decimal(value) for value in line_values]


# -- funds ---------------------------------------------------------------------------------------


def test_negative_fund_is_refused_and_nothing_is_written(staff_case):
    with pytest.raises(ServiceError) as error:
        individual_fund(staff_case, amount="-0.01")
    assert error.value.message == "L'importo del fondo non può essere negativo."
    assert error.value.field == "amount"
    assert not Fund.objects.exists()
    assert not AuditEntry.objects.filter(action="fund.create").exists()


def test_negative_fund_is_refused_by_the_database_too(staff_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.create(
            ente=staff_case.ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="x", amount=-1
        )


def test_fund_create_records_audit_and_refuses_a_second_of_the_same_kind(staff_case):
    fund = individual_fund(staff_case, amount="1.234,5".replace(".", "").replace(",", "."))
    assert fund.amount == Decimal("1234.50")
    entry = AuditEntry.objects.get(action="fund.create")
    assert entry.changes["amount"] == "1234.50"
    with pytest.raises(ServiceError, match="Esiste già il fondo"):
        individual_fund(staff_case)


def test_fund_amount_with_more_than_cents_is_refused(staff_case):
    # «10.001» would be ten thousand and one: dot = thousands (engine.numbers.parse_number).
    with pytest.raises(ServiceError, match="al massimo due decimali"):
        individual_fund(staff_case, amount="10,001")


def test_only_admins_manage_funds(staff_case):
    with pytest.raises(AccessDenied):
        individual_fund(staff_case, user=staff_case.dipendente)
    with pytest.raises(AccessDenied):
        individual_fund(staff_case, user=staff_case.nucleo)


def test_pool_below_the_result_fund_is_refused(staff_case):
    with pytest.raises(ServiceError, match="non può essere inferiore") as error:
        services.fund_create(
            user=None,
            ente=staff_case.ente,
            year=YEAR,
            kind=FundKind.EQ_RESULT,
            label="Risultato EQ",
            amount="4000",
            pool_amount="3000",
        )
    assert error.value.field == "pool_amount"


def test_fund_update_changes_and_audits_but_not_after_a_final_distribution(staff_case):
    fund = individual_fund(staff_case)
    services.fund_update(user=staff_case.admin, fund=fund, data={"amount": "1200", "note": "n"})
    fund.refresh_from_db()
    assert fund.amount == Decimal("1200.00")
    assert AuditEntry.objects.get(action="fund.update").changes["amount"] == [
        "1000.00",
        "1200.00",
    ]
    validate_report(staff_case.cycle)
    preview = services.distribution_preview(
        user=staff_case.admin, fund=fund, cycle=staff_case.cycle, parameters={}
    )
    services.distribution_finalise(user=staff_case.admin, distribution=preview)
    with pytest.raises(ServiceError, match="non si modificano più"):
        services.fund_update(user=staff_case.admin, fund=fund, data={"amount": "1"})
    services.fund_update(user=staff_case.admin, fund=fund, data={"note": "solo nota"})
    fund.refresh_from_db()
    assert fund.amount == Decimal("1200.00")


# -- parameters ----------------------------------------------------------------------------------


def test_default_parameters_are_valid_and_follow_the_ccnl_minimums(staff_case):
    fund = individual_fund(staff_case)
    defaults = services.distribution_parameters_default(fund)
    assert set(defaults) == set(services.PARAMETER_LABELS)
    cleaned = services.distribution_parameters_validate(defaults)
    assert cleaned["maggiorazione_percent"] == Decimal("30")
    assert cleaned["payment_time_share_percent"] == Decimal("30")
    assert cleaned["eq_result_min_percent"] == Decimal("15")
    assert cleaned["differentiation_share_percent"] == Decimal("10")


def test_parameter_errors_are_all_reported_in_italian(staff_case):
    data = services.distribution_parameters_default(individual_fund(staff_case))
    data.update(
        maggiorazione_percent="20",
        payment_time_share_percent=10,
        tie_break=["absences", "luck"],
        category_coefficients={"istruttori": 0, "Z": 1},
        eq_result_min_percent="10",
    )
    with pytest.raises(services.ParameterError) as error:
        services.distribution_parameters_validate(data)
    errors = error.value.errors
    assert set(errors) == {
        "maggiorazione_percent",
        "payment_time_share_percent",
        "tie_break",
        "category_coefficients",
        "eq_result_min_percent",
    }
    assert "almeno il 30" in errors["maggiorazione_percent"]
    assert "DL 13/2023" in errors["payment_time_share_percent"]
    assert "luck" in errors["tie_break"] and "punteggio" in errors["tie_break"]
    assert "«Z»" in errors["category_coefficients"]
    assert "Maggiorazione del premio" in error.value.message


# -- preview: the hand-computed cases ------------------------------------------------------------


def test_preview_reproduces_the_hand_computed_staff_case(staff_case):
    """Fund 1.000,00 €; bands 100/100/80/50 %, one negative evaluation.

    N = 4 positive; quota 10 % of 4 = 0,4 → at least 1; P̄ = 1.000 / 4 = 250,00 €;
    maggiorazione 30 % = 75,00 € to the first (58 points). Rest 925,00 € by shares
    1 + 1 + 0,8 + 0,5 = 3,3: 280,30 / 280,30 / 224,24 / 140,15 (cents down).
    Paid 355,30 + 280,30 + 224,24 + 140,15 = 999,99 €, residual 0,01 €.
    """
    fund = individual_fund(staff_case)
    distribution = services.distribution_preview(
        user=staff_case.admin, fund=fund, cycle=staff_case.cycle, parameters={}
    )
    lines = {
        line.person.key: line
        for line in DistributionLine.objects.filter(distribution=distribution).select_related(
            "person"
        )
    }
    assert [lines[k].base_amount for k in sorted(lines)] == money(
        ["280.30", "280.30", "224.24", "140.15", "0.00"]
    )
    assert lines["anna-bianchi"].bonus_amount == Decimal("75.00")
    assert lines["anna-bianchi"].total_amount == Decimal("355.30")
    assert lines["elena-fabbri"].total_amount == Decimal("0")
    assert not lines["elena-fabbri"].is_eligible
    assert "valutazione negativa" in lines["elena-fabbri"].explanation["reason"]
    assert distribution.total_paid == Decimal("999.99")
    assert distribution.residual == Decimal("0.01")
    assert distribution.state == DistributionState.PREVIEW
    assert distribution.parameters["maggiorazione_percent"] == "30"
    assert AuditEntry.objects.filter(action="distribution.preview").count() == 1


def test_part_time_and_days_of_service_weigh_the_share(make_ente):
    """Fund 900,00 €, no maggiorazione: full time 1; part-time 50 % 0,5; hired on 1 July
    184/365 = 0,504110. Σ = 2,004110 → 449,07 / 224,53 / 226,38 €, residual 0,02 €."""
    ente = make_ente("unione-tempi")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    make_member(ente, cycle, scheme, "intero", 58)
    make_member(ente, cycle, scheme, "meta", 58, part_time="50")
    make_member(ente, cycle, scheme, "luglio", 58, start=dt.date(YEAR, 7, 1))
    fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="F", amount="900"
    )
    distribution = services.distribution_preview(
        user=None, fund=fund, cycle=cycle, parameters={"differentiation_share_percent": 0}
    )
    totals = {line.person.key: line.total_amount for line in distribution.lines.all()}
    assert totals == {
        "intero": Decimal("449.07"),
        "meta": Decimal("224.53"),
        "luglio": Decimal("226.38"),
    }
    assert distribution.residual == Decimal("0.02")
    luglio = distribution.lines.get(person__key="luglio")
    assert luglio.explanation["service_days"] == 184


def test_category_coefficients_change_the_shares(make_ente):
    ente = make_ente("ente-coeff")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    make_member(ente, cycle, scheme, "istruttore", 58)
    make_member(ente, cycle, scheme, "funzionario", 58, area="funzionari_eq")
    fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="F", amount="300"
    )
    distribution = services.distribution_preview(
        user=None,
        fund=fund,
        cycle=cycle,
        parameters={
            "differentiation_share_percent": 0,
            "category_coefficients": {"funzionari_eq": "2"},
        },
    )
    totals = {line.person.key: line.total_amount for line in distribution.lines.all()}
    assert totals == {"istruttore": Decimal("100.00"), "funzionario": Decimal("200.00")}


def _eq_case(ente, *, payment_score=None):
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle, managerial=True)
    first = make_member(ente, cycle, scheme, "eq-ragioneria", 58, role=Role.EQ)
    make_member(ente, cycle, scheme, "eq-tecnico", 45, role=Role.EQ)
    unit = Unit.objects.create(
        ente=ente, key="ragioneria", kind=UnitKind.AREA, name="Ragioneria", responsible=first.person
    )
    objective = OperationalObjective.objects.create(
        cycle=cycle,
        key="tempi-pagamento",
        code="TP",
        title="Rispetto dei tempi di pagamento",
        unit=unit,
        is_payment_time=True,
        weight=Decimal("30"),
    )
    if payment_score is not None:
        component = SchemeComponent.objects.create(
            scheme=scheme,
            key="obiettivi",
            kind=ComponentKind.INDIVIDUAL_OBJECTIVES,
            label="Obiettivi",
            weight=Decimal("100"),
        )
        SchedaItem.objects.create(
            scheda=first,
            component=component,
            objective=objective,
            raw_score=Decimal(payment_score),
        )
    fund = services.fund_create(
        user=None,
        ente=ente,
        year=YEAR,
        kind=FundKind.EQ_RESULT,
        label="Risultato EQ",
        amount="4000",
        pool_amount="22000",
    )
    return cycle, fund


EQ_PARAMETERS = {"position_allowances": {"eq-ragioneria": "10000", "eq-tecnico": "8000"}}


def test_eq_result_pay_withholds_the_payment_time_share(make_ente):
    """10.000 × 25 % × 100 % = 2.500 and 8.000 × 25 % × 80 % = 1.600: 4.100 > 4.000, scaled by
    4.000 / 4.100 → 2.439,02 and 1.560,97. The Ragioneria EQ missed the payment-time objective
    (80 % < 100 %): 30 % of 2.439,02 = 731,71 withheld → 1.707,31. Paid 3.268,28, residual
    731,72 (731,71 withheld + 0,01 rounding)."""
    ente = make_ente("ente-eq")
    cycle, fund = _eq_case(ente, payment_score="80")
    distribution = services.distribution_preview(
        user=None, fund=fund, cycle=cycle, parameters=EQ_PARAMETERS
    )
    lines = {line.person.key: line for line in distribution.lines.all()}
    ragioneria = lines["eq-ragioneria"]
    assert ragioneria.base_amount == Decimal("2439.02")
    assert ragioneria.withheld_amount == Decimal("731.71")
    assert ragioneria.total_amount == Decimal("1707.31")
    assert ragioneria.explanation["payment_time"]["missed"] is True
    assert lines["eq-tecnico"].total_amount == Decimal("1560.97")
    assert lines["eq-tecnico"].explanation["payment_time"] is None
    assert distribution.total_paid == Decimal("3268.28")
    assert distribution.residual == Decimal("731.72")
    assert distribution.result["pool_check"]["respected"] is True


def test_achieved_payment_time_objective_keeps_the_whole_result_pay(make_ente):
    ente = make_ente("ente-eq-ok")
    cycle, fund = _eq_case(ente, payment_score="100")
    distribution = services.distribution_preview(
        user=None, fund=fund, cycle=cycle, parameters=EQ_PARAMETERS
    )
    line = distribution.lines.get(person__key="eq-ragioneria")
    assert line.withheld_amount == Decimal("0")
    assert line.total_amount == Decimal("2439.02")


def test_unmeasured_payment_time_objective_is_withheld_with_a_warning(make_ente):
    ente = make_ente("ente-eq-nd")
    cycle, fund = _eq_case(ente)
    distribution = services.distribution_preview(
        user=None, fund=fund, cycle=cycle, parameters=EQ_PARAMETERS
    )
    assert distribution.lines.get(person__key="eq-ragioneria").withheld_amount == Decimal("731.71")
    assert any("non ha un grado di raggiungimento" in w for w in distribution.result["warnings"])


def test_eq_preview_lists_every_missing_position_allowance(make_ente):
    ente = make_ente("ente-eq-missing")
    cycle, fund = _eq_case(ente)
    with pytest.raises(ServiceError) as error:
        services.distribution_preview(user=None, fund=fund, cycle=cycle, parameters={})
    assert "eq-ragioneria" in error.value.message and "eq-tecnico" in error.value.message
    assert not Distribution.objects.exists()


def test_staff_funds_take_only_non_managerial_schede(make_ente):
    ente = make_ente("ente-misto")
    cycle = make_cycle(ente)
    staff = make_scheme(cycle)
    managers = make_scheme(cycle, managerial=True)
    make_member(ente, cycle, staff, "dipendente", 58)
    make_member(ente, cycle, managers, "responsabile", 58, role=Role.EQ)
    make_member(ente, cycle, managers, "dirigente", 58, role=Role.DIRIGENTE)
    fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="F", amount="100"
    )
    distribution = services.distribution_preview(user=None, fund=fund, cycle=cycle)
    assert [line.person.key for line in distribution.lines.all()] == ["dipendente"]
    managers_fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.MANAGER_RESULT, label="D", amount="100"
    )
    distribution = services.distribution_preview(
        user=None,
        fund=managers_fund,
        cycle=cycle,
        parameters={"position_allowances": {"dirigente": "40000"}},
    )
    assert [line.person.key for line in distribution.lines.all()] == ["dirigente"]


def test_preview_refuses_a_cycle_of_another_year(staff_case):
    fund = individual_fund(staff_case)
    other = make_cycle(staff_case.ente, year=YEAR + 1)
    with pytest.raises(ServiceError, match="dell'anno"):
        services.distribution_preview(user=None, fund=fund, cycle=other)


# -- finalisation gates --------------------------------------------------------------------------


def test_finalisation_lists_every_missing_condition(staff_case):
    cycle = staff_case.cycle
    cycle.state, cycle.approved_at = CycleState.DRAFT, None
    cycle.save()
    staff_case.schede[1].state = SchedaState.DELIVERED
    staff_case.schede[1].save()
    staff_case.schede[3].state = SchedaState.CONTESTED
    staff_case.schede[3].save()
    fund = individual_fund(staff_case)
    preview = services.distribution_preview(
        user=staff_case.admin, fund=fund, cycle=cycle, parameters={}
    )
    with pytest.raises(ServiceError) as error:
        services.distribution_finalise(user=staff_case.admin, distribution=preview)
    message = error.value.message
    assert "non è approvato" in message and "art. 10 c.5" in message
    assert "non è validata dal Nucleo" in message and "art. 14 c.6" in message
    assert "non ancora definitive (2)" in message
    assert "Conti Bruno (consegnata)" in message
    assert "Esposito Dario (contestata)" in message
    preview.refresh_from_db()
    assert preview.state == DistributionState.PREVIEW
    assert preview.finalised_at is None
    assert not AuditEntry.objects.filter(action="distribution.finalise").exists()


def test_finalisation_after_approval_and_validation_and_only_once(staff_case):
    fund = individual_fund(staff_case)
    validate_report(staff_case.cycle)
    first = services.distribution_preview(
        user=staff_case.admin, fund=fund, cycle=staff_case.cycle, parameters={}
    )
    what_if = services.distribution_preview(
        user=staff_case.admin,
        fund=fund,
        cycle=staff_case.cycle,
        parameters={"differentiation_share_percent": 50},
    )
    assert what_if.lines.filter(bonus_amount__gt=0).count() == 2  # 50 % of 4 positively evaluated
    final = services.distribution_finalise(user=staff_case.admin, distribution=first)
    assert final.state == DistributionState.FINAL
    assert final.finalised_by == staff_case.admin
    assert final.finalised_at is not None
    assert AuditEntry.objects.filter(action="distribution.finalise").count() == 1
    with pytest.raises(ServiceError) as error:
        services.distribution_finalise(user=staff_case.admin, distribution=what_if)
    assert "ha già una distribuzione definitiva" in error.value.message
    assert "ne è ammessa una sola" in error.value.message
    what_if.refresh_from_db()
    assert what_if.state == DistributionState.PREVIEW


def test_the_database_refuses_a_second_final_distribution(staff_case):
    fund = individual_fund(staff_case)
    validate_report(staff_case.cycle)
    first = services.distribution_preview(user=None, fund=fund, cycle=staff_case.cycle)
    second = services.distribution_preview(user=None, fund=fund, cycle=staff_case.cycle)
    services.distribution_finalise(user=None, distribution=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Distribution.objects.filter(pk=second.pk).update(state=DistributionState.FINAL)


def test_a_preview_older_than_the_schede_cannot_be_finalised(staff_case):
    fund = individual_fund(staff_case)
    validate_report(staff_case.cycle)
    preview = services.distribution_preview(user=None, fund=fund, cycle=staff_case.cycle)
    Distribution.objects.filter(pk=preview.pk).update(
        created_at=preview.created_at - dt.timedelta(hours=1)
    )
    staff_case.schede[0].evaluator_notes = "rivista"
    staff_case.schede[0].save()
    preview.refresh_from_db()
    problems = services.finalisation_problems(preview)
    assert any("cambiate dopo l'anteprima" in p for p in problems)


def test_eq_finalisation_needs_the_minimum_result_quota(make_ente):
    ente = make_ente("ente-eq-quota")
    cycle, fund = _eq_case(ente, payment_score="100")
    fund.pool_amount = Decimal("40000")  # 4.000 / 40.000 = 10 % < 15 %
    fund.save()
    validate_report(cycle)
    preview = services.distribution_preview(
        user=None, fund=fund, cycle=cycle, parameters=EQ_PARAMETERS
    )
    problems = services.finalisation_problems(preview)
    assert len(problems) == 1 and "quota minima" in problems[0]


def test_only_admins_finalise(staff_case):
    fund = individual_fund(staff_case)
    validate_report(staff_case.cycle)
    preview = services.distribution_preview(user=None, fund=fund, cycle=staff_case.cycle)
    with pytest.raises(AccessDenied):
        services.distribution_finalise(user=staff_case.nucleo, distribution=preview)


# -- the money invariant, on random small populations ---------------------------------------------


PEOPLE = st.lists(
    st.tuples(
        st.integers(0, 60),  # points
        st.sampled_from(["100", "50", "83.33"]),  # part-time
        st.integers(1, 365),  # first day of service
        st.booleans(),  # eligible
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=PEOPLE,
    cents=st.integers(0, 5_000_000),
    share=st.integers(0, 100),
    maggiorazione=st.integers(30, 100),
)
def test_paid_never_exceeds_the_fund_and_residual_is_exact(people, cents, share, maggiorazione):
    from organization.models import Ente, EnteKind

    with transaction.atomic():
        ente = Ente.objects.create(slug="ente-proprieta", name="Ente", kind=EnteKind.COMUNE)
        cycle = make_cycle(ente)
        scheme = make_scheme(cycle)
        for index, (points, part_time, first_day, eligible) in enumerate(people):
            make_member(
                ente,
                cycle,
                scheme,
                f"persona-{index}",
                points,
                part_time=part_time,
                start=dt.date(YEAR, 1, 1) + dt.timedelta(days=first_day - 1),
                eligible=eligible,
            )
        amount = Decimal(cents).scaleb(-2)
        fund = services.fund_create(
            user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="F", amount=amount
        )
        distribution = services.distribution_preview(
            user=None,
            fund=fund,
            cycle=cycle,
            parameters={
                "differentiation_share_percent": share,
                "maggiorazione_percent": maggiorazione,
            },
        )
        totals = [line.total_amount for line in distribution.lines.all()]
        assert sum(totals, Decimal(0)) == distribution.total_paid
        assert Decimal(0) <= distribution.total_paid <= amount
        assert distribution.total_paid + distribution.residual == amount
        assert all(total >= 0 and total == total.quantize(Decimal("0.01")) for total in totals)
        sharing = sum(1 for line in distribution.lines.all() if line.total_amount > 0)
        if sharing:  # each share is rounded down by less than a cent (plus the maggiorazione)
            assert distribution.residual < Decimal("0.01") * (len(totals) + 1)
        transaction.set_rollback(True)


def test_a_negative_eq_evaluation_gets_no_result_pay(make_ente):
    ente = make_ente("ente-eq-negativo")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle, managerial=True)
    make_member(ente, cycle, scheme, "eq-bravo", 58, role=Role.EQ)
    make_member(ente, cycle, scheme, "eq-negativo", 12, role=Role.EQ)
    fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.EQ_RESULT, label="EQ", amount="5000"
    )
    distribution = services.distribution_preview(
        user=None,
        fund=fund,
        cycle=cycle,
        parameters={"position_allowances": {"eq-bravo": "10000", "eq-negativo": "10000"}},
    )
    negative = distribution.lines.get(person__key="eq-negativo")
    assert negative.total_amount == Decimal("0")
    assert not negative.is_eligible
    assert negative.explanation["reason"] == "valutazione negativa, punteggio 12"
    assert distribution.lines.get(person__key="eq-bravo").total_amount == Decimal("2500.00")
    assert distribution.residual == Decimal("2500.00")


def test_the_organisational_fund_has_no_maggiorazione_by_default(staff_case):
    fund = services.fund_create(
        user=None,
        ente=staff_case.ente,
        year=YEAR,
        kind=FundKind.ORGANISATIONAL,
        label="Performance organizzativa",
        amount="330",
    )
    distribution = services.distribution_preview(user=None, fund=fund, cycle=staff_case.cycle)
    assert not distribution.lines.filter(bonus_amount__gt=0).exists()
    # shares 1 + 1 + 0,8 + 0,5 = 3,3 → 100 / 100 / 80 / 50
    assert sorted(line.total_amount for line in distribution.lines.all()) == money(
        ["0", "50.00", "80.00", "100.00", "100.00"]
    )
    assert distribution.residual == Decimal("0")


def test_access_rules(staff_case):
    from accounts.access import access_for
    from rewards import access

    admin = access_for(staff_case.admin, staff_case.ente)
    nucleo = access_for(staff_case.nucleo, staff_case.ente)
    giunta = access_for(staff_case.giunta, staff_case.ente)
    dipendente = access_for(staff_case.dipendente, staff_case.ente)
    assert access.can_manage_funds(admin)
    assert not access.can_manage_funds(nucleo)
    assert access.can_read_distribution(admin) and access.can_read_distribution(nucleo)
    assert not access.can_read_distribution(giunta)
    assert access.can_read_aggregates(giunta)
    assert not access.can_read_aggregates(dipendente)
