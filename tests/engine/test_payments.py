"""Payment indicators: hand-computed cases and properties (ITP, ritardo, stock, tests, FGDC)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.config import ConfigError
from engine.payments import (
    DebtMethod,
    EvaluationTable,
    Invoice,
    InvoiceStatus,
    Nature,
    ObjectiveRule,
    Payment,
    PaymentRules,
    Suspension,
    SuspensionCause,
    annual_delay,
    debt_stock,
    debt_tests,
    delay_days,
    due_date,
    evaluate_table,
    fgdc,
    heaviest_invoices,
    objective_achievement,
    pay_in_full,
    period_indicators,
    received_in_year,
    suspended_days,
    year_indicators,
)
from tests.engine.strategies import decimals

D = Decimal
day = dt.date
# Invoice sets are larger than the other engine inputs: fewer examples keep the suite quick.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def invoice(key, received, total, taxable=None, **fields) -> Invoice:
    total = D(total)
    taxable = total if taxable is None else D(taxable)
    return Invoice(
        key=key,
        received=received,
        total=total,
        taxable=taxable,
        vat=total - taxable,
        supplier=fields.pop("supplier", f"IT{key}"),
        **fields,
    )


def paid(*pairs) -> tuple[Payment, ...]:
    return tuple(Payment(date, D(amount)) for date, amount in pairs)


# The worked example: every figure below is computed by hand in the comments.
A = invoice(  # due 09/02 (receipt + 30), split payment: owes the taxable 1.000; 10 days late
    "A",
    day(2024, 1, 10),
    "1220",
    "1000",
    split_payment=True,
    payments=paid((day(2024, 2, 19), "1000")),
)
B = invoice(  # due 02/03 as communicated; partial payments −1 and +30 days
    "B",
    day(2024, 2, 1),
    "500",
    due=day(2024, 3, 2),
    payments=paid((day(2024, 3, 1), "200"), (day(2024, 4, 1), "300")),
)
C = invoice(  # due 31/03, suspended 10 days for a dispute, paid 20/04: 20 − 10 = 10 days
    "C",
    day(2024, 3, 1),
    "976",
    "800",
    split_payment=True,
    suspensions=(Suspension(day(2024, 3, 10), day(2024, 3, 19), SuspensionCause.DISPUTE),),
    payments=paid((day(2024, 4, 20), "800")),
)
D_ = invoice(  # received and due in 2023, paid 14/01/2024: 30 days; ITP 2024 yes, ritardo no
    "D", day(2023, 11, 15), "300", due=day(2023, 12, 15), payments=paid((day(2024, 1, 14), "300"))
)
E = invoice(  # received in 2023, due 19/01/2024, paid 09/01/2024: −10 days
    "E", day(2023, 12, 20), "400", payments=paid((day(2024, 1, 9), "400"))
)
F = invoice(  # due 09/01/2025, paid 20/12/2024: −20 days, in the ritardo of 2024
    "F", day(2024, 12, 10), "600", payments=paid((day(2024, 12, 20), "600"))
)
G = invoice(  # due 31/10/2024, unpaid: 61 days at 31/12; owes the total 1.220 (no split)
    "G", day(2024, 10, 1), "1220", "1000"
)
H = invoice("H", day(2024, 12, 15), "244", "200")  # unpaid, due 14/01/2025: not yet due
I_ = invoice("I", day(2024, 5, 1), "5000", status=InvoiceStatus.NON_COMMERCIAL)
J = invoice("J", day(2024, 6, 1), "700", status=InvoiceStatus.NOT_PAYABLE)
K = invoice(
    "K",
    day(2024, 7, 1),
    "900",
    status=InvoiceStatus.SUSPENDED,
    suspension_cause=SuspensionCause.DISPUTE,
)
L = invoice(  # capital account, due 01/10, 2.000 paid 10 days late, 3.000 unpaid: 91 days
    "L",
    day(2024, 9, 1),
    "5000",
    due=day(2024, 10, 1),
    nature=Nature.CAPITAL,
    payments=paid((day(2024, 10, 11), "2000")),
)
EXAMPLE = [A, B, C, D_, E, F, G, H, I_, J, K, L]
YEAR_END = day(2024, 12, 31)


def test_due_date_from_receipt_and_term():
    assert due_date(A) == day(2024, 2, 9)
    assert due_date(A, 60) == day(2024, 3, 10)
    assert due_date(B) == day(2024, 3, 2)  # communicated


def test_delay_net_of_suspended_days():
    assert suspended_days(C, day(2024, 4, 20)) == 10
    assert delay_days(C, day(2024, 4, 20)) == 10
    # Overlapping periods count once; days before the receipt do not count.
    twice = replace(
        C,
        suspensions=(
            Suspension(day(2024, 2, 20), day(2024, 3, 15)),
            Suspension(day(2024, 3, 10), day(2024, 3, 19)),
        ),
    )
    assert suspended_days(twice, day(2024, 4, 20)) == 19  # 01/03 … 19/03


def test_annual_itp_by_hand():
    result = period_indicators(EXAMPLE, day(2024, 1, 1), YEAR_END)
    # 10×1000 − 1×200 + 30×300 + 10×800 + 30×300 − 10×400 − 20×600 + 10×2000 = 39.800
    assert result.weighted_days == D(39800)
    assert result.paid_amount == D(5600)
    assert result.itp == D("7.107143")  # 39.800 / 5.600
    assert result.payments == 8 and result.invoices == 7
    assert result.late_payments == 5
    assert result.late_amount == D(4400)  # 1000 + 300 + 800 + 300 + 2000
    # (10×1000 + 30×300 + 10×800 + 30×300 + 10×2000) / 4.400 = 56.000 / 4.400
    assert result.late_mean_delay == D("12.727273")
    assert "39.800,00" in result.explanation.text and "7,11 giorni" in result.explanation.text


def test_quarterly_itp_by_hand():
    result = year_indicators(EXAMPLE, 2024)
    assert [q.itp for q in result.quarters] == [
        D("7.789474"),  # (10.000 − 200 + 9.000 − 4.000) / 1.900
        D("15.454545"),  # (9.000 + 8.000) / 1.100
        None,  # nothing paid in the third quarter
        D("3.076923"),  # (−12.000 + 20.000) / 2.600
    ]
    assert result.annual.itp == D("7.107143")
    assert "Nessun pagamento" in result.quarters[2].explanation.text


def test_payment_time_from_receipt():
    result = period_indicators([A], day(2024, 1, 1), YEAR_END)
    assert result.payment_time == D(40)  # 10/01 → 19/02


def test_non_commercial_payments_are_left_out_of_the_itp():
    other = invoice(
        "X",
        day(2024, 1, 1),
        "999",
        status=InvoiceStatus.NON_COMMERCIAL,
        payments=paid((day(2024, 6, 1), "999")),
    )
    assert period_indicators([A, other], day(2024, 1, 1), YEAR_END).itp == D(10)


def test_annual_delay_by_hand():
    result = annual_delay(EXAMPLE, 2024, YEAR_END)
    # Paid: A 10.000, B −200 and 9.000, C 8.000, E −4.000, F −12.000, L 20.000;
    # unpaid at 31/12: L 3.000 × 91 = 273.000, G 1.220 × 61 = 74.420. D is due in 2023, H not
    # yet due, I/J out of scope, K suspended.
    assert result.numerator == D(378220)
    assert result.denominator == D(9520)
    assert result.value == D("39.728992")
    assert result.days == 40
    assert result.is_estimate and result.unpaid_terms == 2
    assert result.unpaid_amount == D(4220)
    assert {t.invoice.key for t in result.terms} == {"A", "B", "C", "E", "F", "G", "L"}
    assert "Stima" in result.explanation.text


def test_annual_delay_at_an_earlier_reference_date():
    # At 30/11 G is 30 days late and L 60; the payments are the same.
    result = annual_delay(EXAMPLE, 2024, day(2024, 11, 30))
    terms = {(t.invoice.key, t.paid_on): t.days for t in result.terms}
    assert terms[("G", None)] == 30
    assert terms[("L", None)] == 60
    assert ("F", day(2024, 12, 20)) not in terms  # paid after the reference date


def test_annual_delay_without_unpaid_invoices_is_not_an_estimate():
    result = annual_delay([A, B, E], 2024, YEAR_END)
    assert not result.is_estimate
    # (10.000 − 200 + 9.000 − 4.000) / 1.900
    assert result.value == D("7.789474") and result.days == 8


def test_debt_stock_by_hand():
    stock = debt_stock(EXAMPLE, YEAR_END)
    # G 1.000 (net of VAT), H 200, L 3/5 of 5.000; I, J, K excluded; the rest paid.
    assert stock.stock == D(4200)
    assert stock.overdue == D(4000)  # G and L; H is not yet due
    assert stock.capital == D(3000)
    assert stock.creditors == 3 and stock.invoices == 3
    assert stock.excluded == {
        "non_commerciale": D(5000),
        "non_liquidabile": D(700),
        "sospesa": D(900),
    }


def test_stock_of_the_previous_year_counts_the_invoices_paid_later():
    stock = debt_stock(EXAMPLE, day(2023, 12, 31))
    assert stock.stock == D(700)  # D and E, both paid in 2024
    assert stock.overdue == D(300)  # D was due on 15/12/2023


def test_split_payment_stock_is_the_unpaid_share_of_the_taxable():
    half = invoice(
        "S",
        day(2024, 11, 1),
        "1220",
        "1000",
        split_payment=True,
        payments=paid((day(2024, 12, 1), "400")),
    )
    assert debt_stock([half], YEAR_END).stock == D(600)
    no_split = replace(half, split_payment=False, payments=paid((day(2024, 12, 1), "610")))
    assert debt_stock([no_split], YEAR_END).stock == D(500)  # half of 1.220 paid


def test_received_in_year_excludes_the_same_invoices_as_the_stock():
    assert received_in_year(EXAMPLE, 2024) == D(9100)  # A B C F G H L, net of VAT


def test_debt_tests_and_fgdc_by_hand():
    tests = debt_tests(2024, D(4200), D(4000), D(9100), previous_stock=D(700))
    assert tests.ratio == D(600)
    assert tests.incidence == D("43.956044")
    assert tests.reduction_ok is False and tests.incidence_ok is False and not tests.passed
    result = fgdc(delay_days_value=40, tests=tests, appropriation=D("250000"))
    assert result.rate == D(5) and result.amount == D("12500.00")
    assert "5\u00a0%" in result.explanation.text


@pytest.mark.parametrize(
    ("days", "rate"),
    [(-5, 0), (0, 0), (1, 1), (10, 1), (11, 2), (30, 2), (31, 3), (60, 3), (61, 5), (400, 5)],
)
def test_fgdc_bands(days, rate):
    passed = debt_tests(2024, D(80), D(0), D(1000), previous_stock=D(100))
    assert passed.passed
    result = fgdc(delay_days_value=days, tests=passed, appropriation=D(1000))
    assert result.rate == D(rate)
    assert result.amount == D(rate) * 10
    assert result.due is (rate > 0)


def test_fgdc_when_data_were_not_published():
    passed = debt_tests(2024, D(80), D(0), D(1000), previous_stock=D(100))
    assert fgdc(delay_days_value=0, tests=passed, data_published=False).rate == D(5)


def test_either_debt_test_is_enough():
    reduced = debt_tests(2024, D(90), D(90), D(1000), previous_stock=D(100))
    assert reduced.reduction_ok and not reduced.incidence_ok and reduced.passed
    low_overdue = debt_tests(2024, D(200), D(50), D(1000), previous_stock=D(100))
    assert low_overdue.incidence == D(5) and low_overdue.passed
    zero_before = debt_tests(2024, D(10), D(10), D(100), previous_stock=D(0))
    assert zero_before.ratio is None and zero_before.reduction_ok is False


def test_evaluation_table_of_the_consorzio():
    table = EvaluationTable()
    full = evaluate_table(table, incidence=D(3), ratio=D(120), delay=D(-2))
    assert full.points == D(10) and full.percent == D(100)
    # Both debt indicators off: the better of 5/43,96 and 90/600 → 0,15 × 10 = 1,5 points.
    # Delay 40 days: 10 × (1 − 40/60) = 3,333333. Mean 2,416667 of 10.
    off = evaluate_table(table, incidence=D("43.956044"), ratio=D(600), delay=D(40))
    assert off.debt_points == D("1.500000")
    assert off.delay_points == D("3.333333")
    assert off.points == D("2.416667") and off.percent == D("24.166670")
    linear = replace(table, debt_method=DebtMethod.LINEAR, debt_zero_at_points=D(50))
    # incidence 7 %, 2 points over the limit: 1 − 2/50 = 0,96 → 9,6 points
    assert evaluate_table(linear, incidence=D(7), ratio=None, delay=None).debt_points == D("9.6")


def test_objective_binary_and_proportional():
    late = annual_delay(EXAMPLE, 2024, YEAR_END)
    binary = objective_achievement(PaymentRules(), late)
    assert binary.percent == D(0) and binary.achieved is False
    assert "non raggiunto" in binary.explanation.text
    proportional = objective_achievement(
        PaymentRules(objective_rule=ObjectiveRule.PROPORTIONAL, proportional_zero_days=60), late
    )
    assert proportional.percent == D("33.333333")  # 100 × (1 − 40/60)
    on_time = objective_achievement(PaymentRules(), annual_delay([A, E, F], 2024, YEAR_END))
    # (10.000 − 4.000 − 12.000) / 2.000 = −3 days
    assert on_time.percent == D(100) and on_time.achieved


def test_objective_with_the_evaluation_table():
    late = annual_delay(EXAMPLE, 2024, YEAR_END)
    tests = debt_tests(2024, D(4200), D(4000), D(9100), previous_stock=D(700))
    rules = PaymentRules(objective_rule=ObjectiveRule.EVALUATION_TABLE)
    assert objective_achievement(rules, late, tests).percent == D("24.166670")


def test_objective_without_invoices():
    result = objective_achievement(PaymentRules(), annual_delay([], 2024, YEAR_END))
    assert result.percent is None and "non si calcola" in result.explanation.text


def test_heaviest_invoices():
    rows = heaviest_invoices(annual_delay(EXAMPLE, 2024, YEAR_END), limit=3)
    assert [row.invoice.key for row in rows] == ["L", "G", "A"]
    # L: 20.000 + 273.000 = 293.000 of 394.220 positive (A 10.000, B 8.800, C 8.000, G, L)
    assert rows[0].weight == D(293000)
    assert rows[0].share == D("74.323982")
    assert rows[0].unpaid and not rows[2].unpaid


def test_what_if_paying_the_late_invoices_by_year_end():
    before = annual_delay(EXAMPLE, 2024, YEAR_END)
    simulated = pay_in_full(EXAMPLE, ["G", "L"], day(2024, 12, 31))
    after = annual_delay(simulated, 2024, YEAR_END)
    assert after.value == before.value  # paid on the reference date: the same delay, now certain
    assert not after.is_estimate
    assert debt_stock(simulated, YEAR_END).stock == D(200)  # only H is left
    earlier = annual_delay(pay_in_full(EXAMPLE, ["G", "L"], day(2024, 11, 30)), 2024, YEAR_END)
    assert earlier.value < before.value


def test_rules_round_trip_and_errors():
    rules = PaymentRules(term_days=60, objective_rule=ObjectiveRule.PROPORTIONAL)
    assert PaymentRules.from_dict(rules.to_dict()) == rules
    assert PaymentRules.from_dict({}) == PaymentRules()
    with pytest.raises(ConfigError) as error:
        PaymentRules.from_dict({"term_days": 45, "objective_rule": "x", "tipo": 1})
    keys = {key for key, _ in error.value.errors}
    assert keys == {"pagamenti.term_days", "pagamenti.objective_rule", "pagamenti.tipo"}
    assert "231/2002" in str(error.value)


# -- properties --------------------------------------------------------------------------------

START = day(2023, 10, 1)
amounts = decimals("0.01", "50000")
offsets = st.integers(0, 450)


@st.composite
def invoices(draw, key: str = "X"):
    received = START + dt.timedelta(days=draw(offsets))
    total = draw(amounts)
    vat_rate = draw(st.sampled_from([D(0), D("0.1"), D("0.22")]))
    taxable = (total / (1 + vat_rate)).quantize(D("0.01"))
    split = draw(st.booleans())
    due = draw(st.none() | st.integers(0, 90).map(lambda n: received + dt.timedelta(days=n)))
    owed = taxable if split else total
    payments = []
    left = owed
    for _ in range(draw(st.integers(0, 3))):
        if left <= 0:
            break
        amount = min(left, draw(amounts))
        payments.append(Payment(received + dt.timedelta(days=draw(st.integers(0, 200))), amount))
        left -= amount
    suspensions = []
    if draw(st.booleans()):
        start = received + dt.timedelta(days=draw(st.integers(0, 60)))
        end = start + dt.timedelta(days=draw(st.integers(0, 40)))
        suspensions.append(Suspension(start, end, draw(st.sampled_from(list(SuspensionCause)))))
    status = draw(st.sampled_from(list(InvoiceStatus)))
    return Invoice(
        key=key,
        received=received,
        total=total,
        taxable=taxable,
        vat=total - taxable,
        split_payment=split,
        due=due,
        status=status,
        suspension_cause=SuspensionCause.DISPUTE if status is InvoiceStatus.SUSPENDED else None,
        suspensions=tuple(suspensions),
        payments=tuple(payments),
        nature=draw(st.sampled_from(list(Nature))),
        supplier=draw(st.sampled_from(["IT1", "IT2", "IT3"])),
    )


invoice_sets = st.lists(st.integers(0, 10**6), min_size=1, max_size=8, unique=True).flatmap(
    lambda keys: st.tuples(*(invoices(str(k)) for k in keys)).map(list)
)
YEAR = 2024
Y_START, Y_END = day(YEAR, 1, 1), day(YEAR, 12, 31)


def _split(invoices_: list[Invoice], index: int, part: Decimal) -> list[Invoice]:
    """Split payment `index` of the first invoice that has one into two on the same date."""
    result = list(invoices_)
    for position, item in enumerate(result):
        if len(item.payments) > index:
            payment = item.payments[index]
            first = (payment.amount * part).quantize(D("0.01"))
            assume(D(0) < first < payment.amount)
            pieces = (Payment(payment.date, first), Payment(payment.date, payment.amount - first))
            payments = item.payments[:index] + pieces + item.payments[index + 1 :]
            result[position] = replace(item, payments=payments)
            return result
    assume(False)
    return result


@PROPERTY
@given(invoice_sets, st.integers(0, 2), decimals("0.05", "0.95"))
def test_itp_and_delay_are_invariant_to_splitting_a_payment(items, index, part):
    split = _split(items, index, part)
    assert (
        period_indicators(split, Y_START, Y_END).itp == period_indicators(items, Y_START, Y_END).itp
    )
    assert annual_delay(split, YEAR, Y_END).value == annual_delay(items, YEAR, Y_END).value


@PROPERTY
@given(invoice_sets, st.integers(1, 120))
def test_moving_a_payment_earlier_never_raises_the_itp(items, shift):
    first = next((i for i, item in enumerate(items) if item.payments), None)
    assume(first is not None)
    payment = items[first].payments[0]
    moved = Payment(payment.date - dt.timedelta(days=shift), payment.amount)
    # Both dates inside the same period, so the same payments are counted.
    assume(payment.date.year == YEAR and moved.date.year == YEAR)
    changed = list(items)
    changed[first] = replace(items[first], payments=(moved, *items[first].payments[1:]))
    before = period_indicators(items, Y_START, Y_END).itp
    after = period_indicators(changed, Y_START, Y_END).itp
    assume(before is not None)  # a non-commercial invoice has no ITP
    assert after <= before


@PROPERTY
@given(invoices(), st.integers(0, 400), st.integers(0, 400))
def test_delay_never_decreases_with_time(item, first, second):
    early, late = sorted((START + dt.timedelta(days=first), START + dt.timedelta(days=second)))
    assert delay_days(item, early) <= delay_days(item, late)


@PROPERTY
@given(invoice_sets)
def test_stock_bounds(items):
    stock = debt_stock(items, Y_END)
    assert 0 <= stock.overdue <= stock.stock
    assert stock.capital <= stock.stock
    assert stock.stock <= sum((i.taxable for i in items), D(0))
    assert stock.creditors <= stock.invoices


@PROPERTY
@given(invoice_sets, st.integers(0, 365))
def test_paying_in_full_never_raises_the_stock(items, offset):
    when = Y_START + dt.timedelta(days=offset)
    keys = [item.key for item in items[::2]]
    before = debt_stock(items, Y_END).stock
    after = debt_stock(pay_in_full(items, keys, when), Y_END).stock
    assert after <= before


@PROPERTY
@given(st.integers(-100, 400), st.integers(-100, 400))
def test_fgdc_rate_never_falls_as_the_delay_grows(first, second):
    low, high = sorted((first, second))
    passed = debt_tests(YEAR, D(1), D(0), D(100), previous_stock=D(100))
    assert (
        fgdc(delay_days_value=low, tests=passed).rate
        <= fgdc(delay_days_value=high, tests=passed).rate
    )


@PROPERTY
@given(
    st.none() | decimals(0, 300),
    st.none() | decimals(0, 1000),
    st.none() | decimals(-60, 400),
)
def test_evaluation_stays_between_zero_and_full_marks(incidence, ratio, delay):
    result = evaluate_table(EvaluationTable(), incidence=incidence, ratio=ratio, delay=delay)
    assert 0 <= result.percent <= 100
    assert 0 <= result.points <= result.max_points


@PROPERTY
@given(invoice_sets)
def test_the_delay_and_its_heaviest_invoices_sum_the_weights_of_their_terms(items):
    from engine.payments import delay_terms

    delay = annual_delay(items, YEAR, Y_END)
    terms = delay_terms(items, YEAR, Y_END, PaymentRules())
    assert delay.terms == tuple(terms)
    assert delay.numerator == sum((t.weight for t in terms), D(0))
    assert delay.denominator == sum((t.amount for t in terms), D(0))
    by_key: dict[str, tuple[Decimal, Decimal, bool]] = {}
    for t in terms:
        weight, amount, unpaid = by_key.get(t.invoice.key, (D(0), D(0), False))
        by_key[t.invoice.key] = (weight + t.weight, amount + t.amount, unpaid or t.paid_on is None)
    late = {key: sums for key, sums in by_key.items() if sums[0] > 0}
    rows = heaviest_invoices(delay, limit=len(items))
    assert {r.invoice.key: (r.weight, r.amount, r.unpaid) for r in rows} == late
    assert [r.weight for r in rows] == sorted((r.weight for r in rows), reverse=True)
