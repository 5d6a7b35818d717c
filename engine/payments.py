"""Payment timeliness from the invoices: ITP, indicatore di ritardo, debt stock, FGDC.

Plain functions over plain data (frozen dataclasses of `date` and `Decimal`), no Django. Every
result carries its `Explanation` («come è calcolato»). The definitions follow the Piattaforma dei
Crediti Commerciali (PCC) and the norms cited next to each function; Performa's figures are for
monitoring, the official ones are those PCC publishes.

Vocabulary
----------
* **Due date** (`due_date`): the date communicated with the invoice, otherwise the receipt date
  plus the ente's term (30 days by default, 60 where the contracts allow it: art. 4 D.Lgs.
  231/2002).
* **Suspended days**: the days an invoice was not payable (contestazione/contenzioso, verifica di
  conformità, adempimenti normativi). They do not count as delay: the due date moves forward by
  them (DPCM 22/9/2014 art. 9 c.5). Overlapping periods count once.
* **Delay of a payment**: payment date − due date − suspended days between receipt and payment;
  negative when the invoice was paid early.
* **Amount owed to the supplier**: the taxable amount when the invoice is in split payment (the
  ente pays the VAT to the Erario), the total otherwise. Payments are compared with it to know
  the share still unpaid; the debt stock is that share of the taxable amount (net of VAT).

Indicators
----------
* `period_indicators`: ITP of a quarter or a year (DPCM 22/9/2014 art. 9), with the average
  payment time, the average delay of the late payments and the amount paid after the due date.
  One term per payment, so partial payments weigh by what was paid when.
* `annual_delay`: the indicatore di ritardo annuale (L. 145/2018 c. 859 lett. b, c. 861) on the
  invoices due in the year plus those paid in the year before their due date; invoices due and
  still unpaid count with their delay at a reference date (a parameter) and make the figure an
  estimate.
* `debt_stock`: the commercial debt still unpaid at a date, net of VAT, without the invoices
  suspended for dispute or conformity check, not payable or non-commercial; with the overdue
  part and the number of creditors (art. 33 D.Lgs. 33/2013).
* `debt_tests`: the 10 % reduction and the 5 % overdue incidence tests of c. 859 lett. a.
* `fgdc`: the rate of the fondo di garanzia debiti commerciali (c. 862) and its amount.
* `evaluate_table`: the evaluation table of the consorzio's SMVP (seed 004), configurable.
* `objective_achievement`: the degree of achievement of the payment-time objective of a
  responsabile (DL 13/2023 art. 4-bis), by the rule the SMVP chooses.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from engine.config import Reader
from engine.explanation import Explanation
from engine.numbers import (
    HUNDRED,
    NBSP,
    ZERO,
    arithmetic,
    format_date,
    format_euro,
    format_number,
    format_percent,
    internal,
)

CENT = Decimal("0.01")
DEFAULT_TERM_DAYS = 30
ALLOWED_TERM_DAYS = (30, 60)
ROOT = "pagamenti"


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _invoices(count: int) -> str:
    return _n(count, "fattura", "fatture")


def _days_text(value: Decimal) -> str:
    return f"{format_number(value, 2)} giorni"


# -- the invoice -----------------------------------------------------------------------------------


class InvoiceStatus(StrEnum):
    RECEIVED = "ricevuta"
    BOOKED = "contabilizzata"
    SUSPENDED = "sospesa"
    NOT_PAYABLE = "non_liquidabile"
    NON_COMMERCIAL = "non_commerciale"
    PAID = "pagata"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    InvoiceStatus.RECEIVED: "Ricevuta",
    InvoiceStatus.BOOKED: "Contabilizzata",
    InvoiceStatus.SUSPENDED: "Sospesa",
    InvoiceStatus.NOT_PAYABLE: "Non liquidabile",
    InvoiceStatus.NON_COMMERCIAL: "Debito non commerciale",
    InvoiceStatus.PAID: "Pagata",
}


class SuspensionCause(StrEnum):
    DISPUTE = "contenzioso"  # contestazione o contenzioso
    CONFORMITY = "verifica_conformita"
    COMPLIANCE = "adempimenti_normativi"  # DURC, verifiche fiscali…

    @property
    def label(self) -> str:
        return CAUSE_LABELS[self]


CAUSE_LABELS = {
    SuspensionCause.DISPUTE: "Contestazione o contenzioso",
    SuspensionCause.CONFORMITY: "Verifica di conformità",
    SuspensionCause.COMPLIANCE: "Adempimenti normativi",
}

# The suspensions that take an invoice out of the debt stock (L. 145/2018 c. 859, PCC).
STOCK_EXCLUDING_CAUSES = frozenset({SuspensionCause.DISPUTE, SuspensionCause.CONFORMITY})


class Nature(StrEnum):
    CURRENT = "corrente"
    CAPITAL = "capitale"

    @property
    def label(self) -> str:
        return "Spesa corrente" if self is Nature.CURRENT else "Spesa in conto capitale"


@dataclass(frozen=True, slots=True)
class Payment:
    """One ordinativo di pagamento: the date it reached the tesoriere and its amount."""

    date: dt.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Suspension:
    """A period (both ends included) in which the invoice was not payable; `end` None: ongoing."""

    start: dt.date
    end: dt.date | None
    cause: SuspensionCause = SuspensionCause.DISPUTE

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice (or equivalent payment request) of a commercial transaction.

    `key` identifies it within the ente (the SDI identifier, or supplier + number + date).
    `unit` is the key of the unit that manages it, `supplier` the VAT number or fiscal code of
    the creditor. `due` is the due date communicated, if any. `status` is the current one; the
    suspension that makes an invoice «sospesa» is in `suspensions` when its dates are known,
    otherwise `suspension_cause` says why it is suspended now.
    """

    key: str
    received: dt.date
    total: Decimal
    taxable: Decimal
    vat: Decimal = ZERO
    split_payment: bool = False
    due: dt.date | None = None
    issued: dt.date | None = None
    status: InvoiceStatus = InvoiceStatus.RECEIVED
    suspension_cause: SuspensionCause | None = None
    suspensions: tuple[Suspension, ...] = ()
    payments: tuple[Payment, ...] = ()
    nature: Nature = Nature.CURRENT
    unit: str | None = None
    supplier: str = ""
    label: str = ""

    @property
    def is_commercial(self) -> bool:
        return self.status is not InvoiceStatus.NON_COMMERCIAL

    @property
    def owed(self) -> Decimal:
        """What the ente owes the supplier: the taxable amount in split payment, else the total."""
        return self.taxable if self.split_payment else self.total


# -- dates, suspensions, delays --------------------------------------------------------------------


def due_date(invoice: Invoice, term_days: int = DEFAULT_TERM_DAYS) -> dt.date:
    """The due date communicated, or the receipt date plus the term (art. 4 D.Lgs. 231/2002)."""
    if invoice.due is not None:
        return invoice.due
    return invoice.received + dt.timedelta(days=term_days)


def _merged(periods: Iterable[tuple[dt.date, dt.date | None]]) -> list[tuple[dt.date, dt.date]]:
    """Half-open [start, stop) intervals, merged; an open end becomes `date.max`."""
    spans = []
    for start, end in periods:
        stop = dt.date.max if end is None or end >= dt.date.max else end + dt.timedelta(days=1)
        spans.append((start, stop))
    spans.sort()
    merged: list[tuple[dt.date, dt.date]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def suspended_days(
    invoice: Invoice, until: dt.date, causes: frozenset[SuspensionCause] | None = None
) -> int:
    """Days of suspension between the receipt (included) and `until` (excluded), counted once."""
    if not invoice.suspensions:
        return 0
    periods = ((s.start, s.end) for s in invoice.suspensions if causes is None or s.cause in causes)
    total = 0
    for start, stop in _merged(periods):
        low = max(start, invoice.received)
        high = min(stop, until)
        if high > low:
            total += (high - low).days
    return total


def suspended_at(invoice: Invoice, day: dt.date) -> SuspensionCause | None:
    """The cause for which the invoice is suspended on `day`, or None.

    With no recorded period, an invoice whose current status is «sospesa» counts as suspended
    for the cause it declares (the dates are unknown, so no day is subtracted from its delay).
    """
    if day < invoice.received:
        return None
    for period in invoice.suspensions:
        if period.covers(day):
            return period.cause
    if not invoice.suspensions and invoice.status is InvoiceStatus.SUSPENDED:
        return invoice.suspension_cause or SuspensionCause.DISPUTE
    return None


def delay_days(
    invoice: Invoice,
    day: dt.date,
    term_days: int = DEFAULT_TERM_DAYS,
    causes: frozenset[SuspensionCause] | None = None,
) -> int:
    """Days from the due date to `day`, net of the suspended days before `day` (may be < 0)."""
    return (day - due_date(invoice, term_days)).days - suspended_days(invoice, day, causes)


def shifted_due_date(
    invoice: Invoice,
    day: dt.date,
    term_days: int = DEFAULT_TERM_DAYS,
    causes: frozenset[SuspensionCause] | None = None,
) -> dt.date:
    """The due date moved forward by the days of suspension known on `day`."""
    return due_date(invoice, term_days) + dt.timedelta(days=suspended_days(invoice, day, causes))


def paid_until(invoice: Invoice, day: dt.date) -> Decimal:
    """What was paid with payments dated up to `day` (included)."""
    return sum((p.amount for p in invoice.payments if p.date <= day), ZERO)


def unpaid_share(invoice: Invoice, day: dt.date) -> Decimal:
    """The fraction (0–1) of what is owed that is still unpaid at the end of `day`."""
    owed = invoice.owed
    if owed <= ZERO:
        return ZERO
    paid = paid_until(invoice, day)
    if paid >= owed:
        return ZERO
    return (owed - paid) / owed


def unpaid_owed(invoice: Invoice, day: dt.date) -> Decimal:
    """The amount still owed to the supplier at the end of `day`."""
    return max(ZERO, invoice.owed - paid_until(invoice, day))


def unpaid_net_of_vat(invoice: Invoice, day: dt.date) -> Decimal:
    """The unpaid share of the taxable amount: the invoice's part of the debt stock."""
    with arithmetic():
        return (invoice.taxable * unpaid_share(invoice, day)).quantize(CENT, ROUND_HALF_UP)


# -- the rules of the ente -------------------------------------------------------------------------


class ObjectiveRule(StrEnum):
    BINARY = "binary"  # ritardo within the target → 100 %, otherwise 0 % (circolare RGS-DFP 1/2024)
    PROPORTIONAL = "proportional"  # falls linearly with the days beyond the target
    EVALUATION_TABLE = "evaluation_table"  # the combined table of seed 004

    @property
    def label(self) -> str:
        return {
            ObjectiveRule.BINARY: "Raggiunto o non raggiunto (circolare RGS-DFP n. 1/2024)",
            ObjectiveRule.PROPORTIONAL: "Proporzionale ai giorni di ritardo",
            ObjectiveRule.EVALUATION_TABLE: "Tabella di valutazione (stock, riduzione, ritardo)",
        }[self]


class ObjectiveScope(StrEnum):
    UNIT = "unit"  # the invoices of the responsabile's units
    ENTE = "ente"  # the indicator of the whole ente

    @property
    def label(self) -> str:
        return {
            ObjectiveScope.UNIT: "Fatture delle strutture del responsabile",
            ObjectiveScope.ENTE: "Indicatore dell'ente nel suo complesso",
        }[self]


class DebtMethod(StrEnum):
    RATIO = "ratio"  # target / measured, the better of the two indicators
    LINEAR = "linear"  # falls linearly with the deviation, to zero at `zero_at_points`


class UnpaidReference(StrEnum):
    COMPUTATION_DATE = "computation_date"
    YEAR_END = "year_end"

    @property
    def label(self) -> str:
        return {
            UnpaidReference.COMPUTATION_DATE: "Data del calcolo",
            UnpaidReference.YEAR_END: "31 dicembre dell'anno",
        }[self]


@dataclass(frozen=True)
class EvaluationTable:
    """The evaluation table of the consorzio's SMVP (seed 004), with its parameters.

    Debt: incidence of the overdue stock ≤ `incidence_target` % or stock ≤ `reduction_target` %
    of the previous year's → full marks; otherwise proportional to the deviation. Delay: ≤
    `delay_target` days → full marks, otherwise falling linearly to zero at `delay_zero_days`
    beyond the target. The two parts are weighted `debt_weight` and `delay_weight`.
    """

    max_points: Decimal = Decimal(10)
    incidence_target: Decimal = Decimal(5)
    reduction_target: Decimal = Decimal(90)
    debt_method: DebtMethod = DebtMethod.RATIO
    debt_zero_at_points: Decimal = Decimal(50)
    delay_target: Decimal = ZERO
    delay_zero_days: int = 60
    debt_weight: Decimal = Decimal(50)
    delay_weight: Decimal = Decimal(50)


@dataclass(frozen=True)
class PaymentRules:
    """The ente's payment-time rules (part of its SMVP), stored as JSON by the payments app."""

    term_days: int = DEFAULT_TERM_DAYS
    deduct_causes: frozenset[SuspensionCause] = frozenset(SuspensionCause)
    unpaid_reference: UnpaidReference = UnpaidReference.COMPUTATION_DATE
    round_delay: bool = True  # compare whole days (PCC publishes whole days)
    objective_rule: ObjectiveRule = ObjectiveRule.BINARY
    objective_scope: ObjectiveScope = ObjectiveScope.UNIT
    objective_target_days: Decimal = ZERO
    proportional_zero_days: int = 30
    evaluation: EvaluationTable = field(default_factory=EvaluationTable)

    @classmethod
    def from_dict(cls, data: Any) -> PaymentRules:
        reader = _RulesReader()
        rules = reader.rules(data)
        reader.raise_if_errors()
        return rules

    def to_dict(self) -> dict[str, Any]:
        table = self.evaluation
        return {
            "term_days": self.term_days,
            "deduct_causes": sorted(cause.value for cause in self.deduct_causes),
            "unpaid_reference": self.unpaid_reference.value,
            "round_delay": self.round_delay,
            "objective_rule": self.objective_rule.value,
            "objective_scope": self.objective_scope.value,
            "objective_target_days": str(self.objective_target_days),
            "proportional_zero_days": self.proportional_zero_days,
            "evaluation": {
                "max_points": str(table.max_points),
                "incidence_target": str(table.incidence_target),
                "reduction_target": str(table.reduction_target),
                "debt_method": table.debt_method.value,
                "debt_zero_at_points": str(table.debt_zero_at_points),
                "delay_target": str(table.delay_target),
                "delay_zero_days": table.delay_zero_days,
                "debt_weight": str(table.debt_weight),
                "delay_weight": str(table.delay_weight),
            },
        }


RULE_KEYS = frozenset(
    {
        "term_days",
        "deduct_causes",
        "unpaid_reference",
        "round_delay",
        "objective_rule",
        "objective_scope",
        "objective_target_days",
        "proportional_zero_days",
        "evaluation",
    }
)
TABLE_KEYS = frozenset(
    {
        "max_points",
        "incidence_target",
        "reduction_target",
        "debt_method",
        "debt_zero_at_points",
        "delay_target",
        "delay_zero_days",
        "debt_weight",
        "delay_weight",
    }
)


class _RulesReader(Reader):
    def rules(self, data: Any) -> PaymentRules:
        defaults = PaymentRules()
        if data is None:
            return defaults
        items = self.mapping(data, ROOT, RULE_KEYS)
        if items is None:
            return defaults
        term = self.integer(items, "term_days", ROOT, defaults.term_days, 1, 366)
        if term not in ALLOWED_TERM_DAYS:
            self.error(
                f"{ROOT}.term_days",
                "deve essere 30 o 60 giorni (art. 4 D.Lgs. 231/2002)",
            )
            term = defaults.term_days
        round_delay = items.get("round_delay", defaults.round_delay)
        if not isinstance(round_delay, bool):
            self.error(f"{ROOT}.round_delay", "deve essere vero o falso")
            round_delay = defaults.round_delay
        return PaymentRules(
            term_days=term,
            deduct_causes=self.causes(items),
            unpaid_reference=self.choice(
                items, "unpaid_reference", ROOT, UnpaidReference, defaults
            ),
            round_delay=round_delay,
            objective_rule=self.choice(items, "objective_rule", ROOT, ObjectiveRule, defaults),
            objective_scope=self.choice(items, "objective_scope", ROOT, ObjectiveScope, defaults),
            objective_target_days=self.number(
                items,
                "objective_target_days",
                ROOT,
                defaults.objective_target_days,
                Decimal(-365),
                ZERO,
            ),
            proportional_zero_days=self.integer(
                items, "proportional_zero_days", ROOT, defaults.proportional_zero_days, 1, 3660
            ),
            evaluation=self.table(items.get("evaluation")),
        )

    def causes(self, items: Mapping[str, Any]) -> frozenset[SuspensionCause]:
        default = PaymentRules().deduct_causes
        raw = items.get("deduct_causes")
        if raw is None:
            return default
        if not isinstance(raw, list | tuple):
            self.error(f"{ROOT}.deduct_causes", "deve essere un elenco")
            return default
        causes = set()
        for value in raw:
            try:
                causes.add(SuspensionCause(value))
            except ValueError:
                allowed = ", ".join(c.value for c in SuspensionCause)
                self.error(
                    f"{ROOT}.deduct_causes", f"valore «{value}» non ammesso (ammessi: {allowed})"
                )
        return frozenset(causes)

    def table(self, data: Any) -> EvaluationTable:
        defaults = EvaluationTable()
        path = f"{ROOT}.evaluation"
        if data is None:
            return defaults
        items = self.mapping(data, path, TABLE_KEYS)
        if items is None:
            return defaults
        big = Decimal(1000)
        table = EvaluationTable(
            max_points=self.number(items, "max_points", path, defaults.max_points, CENT, big),
            incidence_target=self.number(
                items, "incidence_target", path, defaults.incidence_target, ZERO, HUNDRED
            ),
            reduction_target=self.number(
                items, "reduction_target", path, defaults.reduction_target, ZERO, HUNDRED
            ),
            debt_method=self.choice(items, "debt_method", path, DebtMethod, defaults),
            debt_zero_at_points=self.number(
                items, "debt_zero_at_points", path, defaults.debt_zero_at_points, CENT, big
            ),
            delay_target=self.number(
                items, "delay_target", path, defaults.delay_target, Decimal(-365), Decimal(365)
            ),
            delay_zero_days=self.integer(
                items, "delay_zero_days", path, defaults.delay_zero_days, 1, 3660
            ),
            debt_weight=self.number(items, "debt_weight", path, defaults.debt_weight, ZERO, big),
            delay_weight=self.number(items, "delay_weight", path, defaults.delay_weight, ZERO, big),
        )
        if table.debt_weight + table.delay_weight == ZERO:
            self.error(f"{path}.debt_weight", "la somma dei due pesi deve essere maggiore di zero")
        return table


# -- ITP and the figures of a period ---------------------------------------------------------------


@dataclass(frozen=True)
class PeriodIndicators:
    """ITP and companions over the payments made from `start` to `end` (both included)."""

    start: dt.date
    end: dt.date
    payments: int
    invoices: int
    paid_amount: Decimal
    weighted_days: Decimal  # Σ days × amount (numerator of the ITP)
    itp: Decimal | None  # None when nothing was paid
    payment_time: Decimal | None  # Σ (payment − receipt) × amount / Σ amount
    late_payments: int
    late_amount: Decimal  # importo dei pagamenti effettuati dopo la scadenza (art. 9 c.8)
    late_mean_delay: Decimal | None  # weighted mean delay of the late payments only
    explanation: Explanation


class _ItpSums:
    """The running sums of one period's ITP."""

    __slots__ = ("count", "keys", "paid", "weighted", "since_receipt", "late_count")
    __slots__ += ("late_amount", "late_weighted", "suspended")

    def __init__(self) -> None:
        self.count = 0
        self.keys: set[str] = set()
        self.paid = ZERO
        self.weighted = ZERO
        self.since_receipt = ZERO
        self.late_count = 0
        self.late_amount = ZERO
        self.late_weighted = ZERO
        self.suspended = 0

    def add(self, invoice: Invoice, payment: Payment, days: int, suspended: int) -> None:
        amount = payment.amount
        self.count += 1
        self.keys.add(invoice.key)
        self.paid += amount
        self.weighted += days * amount
        self.since_receipt += (payment.date - invoice.received).days * amount
        self.suspended += suspended
        if days > 0:
            self.late_count += 1
            self.late_amount += amount
            self.late_weighted += days * amount


def _payment_delay(
    invoice: Invoice, payment: Payment, due: dt.date, rules: PaymentRules
) -> tuple[int, int]:
    """(delay, suspended days) of one payment; `due` is the invoice's due date."""
    if not invoice.suspensions:
        return (payment.date - due).days, 0
    suspended = suspended_days(invoice, payment.date, rules.deduct_causes)
    return (payment.date - due).days - suspended, suspended


def _collect_itp(
    invoices: Iterable[Invoice], periods: Sequence[tuple[dt.date, dt.date]], rules: PaymentRules
) -> list[_ItpSums]:
    """One pass over the invoices, adding each payment to every period that contains it."""
    sums = [_ItpSums() for _ in periods]
    low = min(start for start, _ in periods)
    high = max(end for _, end in periods)
    term = dt.timedelta(days=rules.term_days)
    with arithmetic():
        for invoice in invoices:
            if not invoice.payments or invoice.status is InvoiceStatus.NON_COMMERCIAL:
                continue
            due = None
            for payment in invoice.payments:
                if not low <= payment.date <= high:
                    continue
                if due is None:
                    due = invoice.due if invoice.due is not None else invoice.received + term
                days, suspended = _payment_delay(invoice, payment, due, rules)
                for index, (start, end) in enumerate(periods):
                    if start <= payment.date <= end:
                        sums[index].add(invoice, payment, days, suspended)
    return sums


def _period_result(
    sums: _ItpSums, start: dt.date, end: dt.date, rules: PaymentRules
) -> PeriodIndicators:
    count, paid, weighted = sums.count, sums.paid, sums.weighted
    late_count, late_amount = sums.late_count, sums.late_amount
    with arithmetic():
        itp = internal(weighted / paid) if paid else None
        payment_time = internal(sums.since_receipt / paid) if paid else None
        late_mean = internal(sums.late_weighted / late_amount) if late_amount else None
    invoice_count = len(sums.keys)
    text = _itp_text(sums, start, end, itp, payment_time, late_mean)
    return PeriodIndicators(
        start=start,
        end=end,
        payments=count,
        invoices=invoice_count,
        paid_amount=paid,
        weighted_days=weighted,
        itp=itp,
        payment_time=payment_time,
        late_payments=late_count,
        late_amount=late_amount,
        late_mean_delay=late_mean,
        explanation=Explanation(
            rule="itp",
            rule_label="Indicatore di tempestività dei pagamenti",
            text=text,
            data={
                "start": start,
                "end": end,
                "payments": count,
                "invoices": invoice_count,
                "numerator": weighted,
                "denominator": paid,
                "itp": itp,
                "payment_time": payment_time,
                "suspended_days": sums.suspended,
                "late_payments": late_count,
                "late_amount": late_amount,
                "late_mean_delay": late_mean,
                "term_days": rules.term_days,
            },
        ),
    )


def _itp_text(
    sums: _ItpSums,
    start: dt.date,
    end: dt.date,
    itp: Decimal | None,
    payment_time: Decimal | None,
    late_mean: Decimal | None,
) -> str:
    """The ITP of one period explained: the weighted days over the amount paid, and the late."""
    count, paid, weighted = sums.count, sums.paid, sums.weighted
    late_count, late_amount = sums.late_count, sums.late_amount
    invoice_count = len(sums.keys)
    period = f"dal {format_date(start)} al {format_date(end)}"
    if itp is None:
        return f"Nessun pagamento di fatture commerciali {period}: l'indicatore non si calcola."
    return (
        "Indicatore di tempestività dei pagamenti (DPCM 22/9/2014 art. 9): per ciascuno dei "
        f"{_n(count, 'pagamento', 'pagamenti')} {period} (su {_invoices(invoice_count)}), "
        "giorni tra la scadenza e la data dell'ordinativo, al netto dei giorni di sospensione"
        f" ({sums.suspended} in tutto), moltiplicati per l'importo pagato; somma "
        f"{format_number(weighted, 2)} diviso il totale pagato {format_euro(paid)} = "
        f"{_days_text(itp)}"
        + (" (negativo: pagamenti in media prima della scadenza)." if itp < 0 else ".")
        + f" Tempo medio di pagamento dalla ricezione: {_days_text(payment_time)}."
        + (
            f" Pagati dopo la scadenza: {_n(late_count, 'pagamento', 'pagamenti')} per "
            f"{format_euro(late_amount)},"
            f" ritardo medio ponderato {_days_text(late_mean)}."
            if late_count
            else " Nessun pagamento dopo la scadenza."
        )
    )


def period_indicators(
    invoices: Iterable[Invoice],
    start: dt.date,
    end: dt.date,
    rules: PaymentRules | None = None,
) -> PeriodIndicators:
    """ITP (DPCM 22/9/2014 art. 9) of the payments made in [start, end], one term per payment."""
    rules = rules or PaymentRules()
    (sums,) = _collect_itp(invoices, [(start, end)], rules)
    return _period_result(sums, start, end, rules)


def quarters(year: int) -> list[tuple[dt.date, dt.date]]:
    return [
        (dt.date(year, 1, 1), dt.date(year, 3, 31)),
        (dt.date(year, 4, 1), dt.date(year, 6, 30)),
        (dt.date(year, 7, 1), dt.date(year, 9, 30)),
        (dt.date(year, 10, 1), dt.date(year, 12, 31)),
    ]


@dataclass(frozen=True)
class YearIndicators:
    year: int
    quarters: tuple[PeriodIndicators, ...]
    annual: PeriodIndicators


def year_indicators(
    invoices: Sequence[Invoice], year: int, rules: PaymentRules | None = None
) -> YearIndicators:
    """The four quarterly ITP and the annual one (art. 33 D.Lgs. 33/2013)."""
    rules = rules or PaymentRules()
    periods = [*quarters(year), (dt.date(year, 1, 1), dt.date(year, 12, 31))]
    sums = _collect_itp(invoices, periods, rules)
    results = [
        _period_result(part, s, e, rules) for part, (s, e) in zip(sums, periods, strict=True)
    ]
    return YearIndicators(year=year, quarters=tuple(results[:4]), annual=results[4])


# -- the indicatore di ritardo annuale -------------------------------------------------------------


class DelayTerm(NamedTuple):
    """One term of the ritardo: a payment, or the unpaid remainder at the reference date."""

    invoice: Invoice
    amount: Decimal
    days: int
    paid_on: dt.date | None  # None: still unpaid at the reference date

    @property
    def weight(self) -> Decimal:
        return self.days * self.amount


@dataclass(frozen=True)
class AnnualDelay:
    year: int
    reference_date: dt.date
    value: Decimal | None  # weighted mean delay in days (None: no term)
    days: int | None  # the value rounded to whole days
    numerator: Decimal
    denominator: Decimal
    terms: tuple[DelayTerm, ...]
    unpaid_terms: int
    unpaid_amount: Decimal
    is_estimate: bool
    explanation: Explanation

    def compared_value(self, rules: PaymentRules) -> Decimal | None:
        """The value the tests compare: whole days when the rules say so."""
        if self.value is None:
            return None
        return Decimal(self.days) if rules.round_delay else self.value


def _round_days(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def delay_terms(
    invoices: Iterable[Invoice], year: int, reference: dt.date, rules: PaymentRules
) -> list[DelayTerm]:
    """The terms of the ritardo of `year` known at `reference`.

    Perimeter (RGS, L. 145/2018 c. 859 lett. b and c. 861): the invoices due in the year (due
    date moved by the suspensions), with every payment made by the reference date and, while
    unpaid and overdue, their remainder delayed to the reference date; plus the payments made in
    the year before the due date of invoices due later. Non-commercial and not payable invoices
    are out, and so is the remainder of an invoice suspended at the reference date.
    """
    terms: list[DelayTerm] = []
    causes = rules.deduct_causes
    term = dt.timedelta(days=rules.term_days)
    for invoice in invoices:
        status = invoice.status
        if status is InvoiceStatus.NON_COMMERCIAL or status is InvoiceStatus.NOT_PAYABLE:
            continue
        if invoice.received > reference:
            continue
        base_due = invoice.due if invoice.due is not None else invoice.received + term
        if invoice.suspensions:
            due = base_due + dt.timedelta(days=suspended_days(invoice, reference, causes))
        else:
            due = base_due
        due_in_year = due.year == year
        if not due_in_year and not any(p.date.year == year for p in invoice.payments):
            continue
        paid = ZERO
        for payment in invoice.payments:
            if payment.date > reference:
                continue
            paid += payment.amount
            if due_in_year or (payment.date.year == year and payment.date < due):
                if invoice.suspensions:
                    days = delay_days(invoice, payment.date, rules.term_days, causes)
                else:
                    days = (payment.date - base_due).days
                terms.append(DelayTerm(invoice, payment.amount, days, payment.date))
        if not due_in_year or reference <= due:
            continue
        remainder = invoice.owed - paid
        if remainder > ZERO and suspended_at(invoice, reference) is None:
            days = delay_days(invoice, reference, rules.term_days, causes)
            if days > 0:
                terms.append(DelayTerm(invoice, remainder, days, None))
    return terms


def annual_delay(
    invoices: Iterable[Invoice],
    year: int,
    reference: dt.date,
    rules: PaymentRules | None = None,
) -> AnnualDelay:
    """The indicatore di ritardo annuale of `year`, with unpaid invoices delayed to `reference`."""
    rules = rules or PaymentRules()
    terms = delay_terms(invoices, year, reference, rules)
    with arithmetic():
        # Σ weight and Σ amount over plain lists: a year may have 200.000 terms
        numerator = sum([t.days * t.amount for t in terms], ZERO)
        denominator = sum([t.amount for t in terms], ZERO)
        value = internal(numerator / denominator) if denominator else None
    unpaid = [t for t in terms if t.paid_on is None]
    unpaid_amount = sum((t.amount for t in unpaid), ZERO)
    days = _round_days(value) if value is not None else None
    is_estimate = bool(unpaid)
    text = _annual_delay_text(
        year, reference, len(terms), unpaid_amount, len(unpaid), numerator, denominator, value
    )
    return AnnualDelay(
        year=year,
        reference_date=reference,
        value=value,
        days=days,
        numerator=numerator,
        denominator=denominator,
        terms=tuple(terms),
        unpaid_terms=len(unpaid),
        unpaid_amount=unpaid_amount,
        is_estimate=is_estimate,
        explanation=Explanation(
            rule="annual_delay",
            rule_label="Indicatore di ritardo annuale dei pagamenti",
            text=text,
            data={
                "year": year,
                "reference_date": reference,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "days": days,
                "terms": len(terms),
                "unpaid_terms": len(unpaid),
                "unpaid_amount": unpaid_amount,
                "is_estimate": is_estimate,
                "term_days": rules.term_days,
            },
        ),
    )


def _annual_delay_text(
    year: int,
    reference: dt.date,
    term_count: int,
    unpaid_amount: Decimal,
    unpaid_count: int,
    numerator: Decimal,
    denominator: Decimal,
    value: Decimal | None,
) -> str:
    """The annual delay explained: which invoices count, Σ days × amount over Σ amounts."""
    days = _round_days(value) if value is not None else None
    if value is None:
        return (
            f"Nessuna fattura scaduta nel {year} né pagata nel {year} prima della scadenza: "
            "l'indicatore di ritardo non si calcola."
        )
    paid_terms = term_count - unpaid_count
    return (
        f"Indicatore di ritardo annuale {year} (L. 145/2018 c. 859 lett. b e c. 861): "
        f"fatture scadute nel {year} e fatture pagate nel {year} prima della scadenza; "
        f"{_n(paid_terms, 'pagamento', 'pagamenti')}"
        + (
            f" e {_n(unpaid_count, 'fattura scaduta', 'fatture scadute')} non ancora "
            f"{'pagata' if unpaid_count == 1 else 'pagate'} al "
            f"{format_date(reference)} (per {format_euro(unpaid_amount)}, con il ritardo "
            "maturato a quella data)"
            if unpaid_count
            else ""
        )
        + f". Σ giorni di ritardo × importo = {format_number(numerator, 2)}; Σ importi = "
        f"{format_euro(denominator)}; ritardo = {format_number(numerator, 2)} / "
        f"{format_number(denominator, 2)} = {_days_text(value)}, arrotondato {days} giorni."
        + (
            " Stima: le fatture non pagate pesano con il ritardo alla data di riferimento, "
            "finché la PCC non pubblica il proprio valore."
            if unpaid_count
            else ""
        )
    )


@dataclass(frozen=True)
class Contribution:
    """How much one invoice weighs on the ritardo."""

    invoice: Invoice
    weight: Decimal  # Σ days × amount of its terms
    amount: Decimal
    days: Decimal  # its own weighted delay
    share: Decimal  # % of the positive weight of all late invoices
    unpaid: bool


def heaviest_invoices(delay: AnnualDelay, limit: int = 20) -> list[Contribution]:
    """The late invoices that weigh most on the ritardo, heaviest first."""
    sums: dict[str, list] = {}  # key → [invoice, weight, amount, unpaid]
    get = sums.get
    with arithmetic():
        for invoice, amount, days, paid_on in delay.terms:
            weight = days * amount  # `DelayTerm.weight`, without the property call
            row = get(invoice.key)
            if row is None:
                sums[invoice.key] = [invoice, weight, amount, paid_on is None]
            else:
                row[1] += weight
                row[2] += amount
                row[3] = row[3] or paid_on is None
        rows = [row for row in sums.values() if row[1] > ZERO]
        positive = sum((row[1] for row in rows), ZERO)
        top = heapq.nsmallest(limit, rows, key=lambda row: (-row[1], row[0].key))
        return [
            Contribution(
                invoice=invoice,
                weight=weight,
                amount=amount,
                days=internal(weight / amount) if amount else ZERO,
                share=internal(weight / positive * HUNDRED),
                unpaid=unpaid,
            )
            for invoice, weight, amount, unpaid in top
        ]


# -- debt stock and its tests ----------------------------------------------------------------------


class StockExclusion(StrEnum):
    NON_COMMERCIAL = "non_commerciale"
    NOT_PAYABLE = "non_liquidabile"
    SUSPENDED = "sospesa"

    @property
    def label(self) -> str:
        return {
            StockExclusion.NON_COMMERCIAL: "debiti non commerciali",
            StockExclusion.NOT_PAYABLE: "fatture non liquidabili",
            StockExclusion.SUSPENDED: "fatture sospese per contenzioso o verifica di conformità",
        }[self]


def stock_exclusion(invoice: Invoice, day: dt.date) -> StockExclusion | None:
    """Why the invoice is left out of the debt stock on `day`, or None (PCC rules)."""
    if invoice.status is InvoiceStatus.NON_COMMERCIAL:
        return StockExclusion.NON_COMMERCIAL
    if invoice.status is InvoiceStatus.NOT_PAYABLE:
        return StockExclusion.NOT_PAYABLE
    if suspended_at(invoice, day) in STOCK_EXCLUDING_CAUSES:
        return StockExclusion.SUSPENDED
    return None


@dataclass(frozen=True)
class DebtStock:
    reference_date: dt.date
    stock: Decimal  # net of VAT
    overdue: Decimal  # the part already past its (shifted) due date
    invoices: int
    overdue_invoices: int
    creditors: int
    capital: Decimal  # of which in conto capitale
    excluded: Mapping[str, Decimal]  # unpaid net of VAT left out, by reason
    explanation: Explanation


def debt_stock(
    invoices: Iterable[Invoice], day: dt.date, rules: PaymentRules | None = None
) -> DebtStock:
    """The commercial debt still unpaid at the end of `day`, net of VAT (c. 859 lett. a)."""
    rules = rules or PaymentRules()
    stock = overdue = capital = ZERO
    count = overdue_count = 0
    creditors: set[str] = set()
    excluded = {reason.value: ZERO for reason in StockExclusion}
    with arithmetic():
        for invoice in invoices:
            amount = _unpaid_taxable(invoice, day)
            if amount <= ZERO:
                continue
            reason = stock_exclusion(invoice, day)
            if reason is not None:
                excluded[reason.value] += amount
                continue
            stock += amount
            count += 1
            creditors.add(invoice.supplier or invoice.key)
            if invoice.nature is Nature.CAPITAL:
                capital += amount
            if _overdue_at(invoice, day, rules):
                overdue += amount
                overdue_count += 1
    left_out = _left_out_text(excluded)
    text = (
        f"Stock del debito commerciale al {format_date(day)}: importi non ancora pagati al netto "
        f"dell'IVA di {_invoices(count)} ricevute entro quella data = {format_euro(stock)}"
        f" (di cui in conto capitale {format_euro(capital)}), verso "
        f"{_n(len(creditors), 'creditore', 'creditori')}; "
        f"scaduto {format_euro(overdue)} su {_invoices(overdue_count)}. "
        + (f"Esclusi: {left_out}." if left_out else "Nessuna fattura esclusa.")
    )
    return DebtStock(
        reference_date=day,
        stock=stock,
        overdue=overdue,
        invoices=count,
        overdue_invoices=overdue_count,
        creditors=len(creditors),
        capital=capital,
        excluded=excluded,
        explanation=Explanation(
            rule="debt_stock",
            rule_label="Stock del debito commerciale residuo",
            text=text,
            data={
                "reference_date": day,
                "stock": stock,
                "overdue": overdue,
                "invoices": count,
                "overdue_invoices": overdue_count,
                "creditors": len(creditors),
                "capital": capital,
                "excluded": dict(excluded),
            },
        ),
    )


def _unpaid_taxable(invoice: Invoice, day: dt.date) -> Decimal:
    """The taxable part of what is still owed on `invoice` at the end of `day` (0 if nothing):
    the owed amount left unpaid, in proportion net of VAT, to the cent."""
    if invoice.received > day:
        return ZERO
    owed = invoice.owed
    paid = ZERO
    for payment in invoice.payments:
        if payment.date <= day:
            paid += payment.amount
    if paid >= owed or owed <= ZERO:
        return ZERO
    return (invoice.taxable * (owed - paid) / owed).quantize(CENT, ROUND_HALF_UP)


def _overdue_at(invoice: Invoice, day: dt.date, rules: PaymentRules) -> bool:
    """Whether `invoice` is past its due date on `day`, net of its suspensions if any."""
    if invoice.suspensions:
        return delay_days(invoice, day, rules.term_days, rules.deduct_causes) > 0
    term = dt.timedelta(days=rules.term_days)
    return day > (invoice.due if invoice.due is not None else invoice.received + term)


def _left_out_text(excluded: Mapping[str, Decimal]) -> str:
    """The excluded amounts by reason, those not nil, in the order of the reasons."""
    return ", ".join(
        f"{StockExclusion(key).label} {format_euro(value)}"
        for key, value in excluded.items()
        if value
    )


def received_in_year(invoices: Iterable[Invoice], year: int) -> Decimal:
    """Taxable amount of the commercial invoices received in `year`, with the stock exclusions
    as they stand at 31/12 (denominator of the 5 % test)."""
    year_end = dt.date(year, 12, 31)
    return sum(
        (
            invoice.taxable
            for invoice in invoices
            if invoice.received.year == year and stock_exclusion(invoice, year_end) is None
        ),
        ZERO,
    )


@dataclass(frozen=True)
class DebtTests:
    year: int
    stock: Decimal
    previous_stock: Decimal | None
    overdue: Decimal
    received: Decimal
    ratio: Decimal | None  # stock / previous stock × 100
    reduction_ok: bool | None  # None: previous stock unknown
    incidence: Decimal | None  # overdue / received × 100
    incidence_ok: bool | None
    passed: bool  # c. 859 lett. a: either test passes
    explanation: Explanation


REDUCTION_LIMIT = Decimal(90)
INCIDENCE_LIMIT = Decimal(5)


def debt_tests(
    year: int,
    stock: Decimal,
    overdue: Decimal,
    received: Decimal,
    previous_stock: Decimal | None,
) -> DebtTests:
    """The two tests of L. 145/2018 c. 859 lett. a on the stock at 31/12 of `year`.

    Reduction: the stock is at most 90 % of the previous year's (a fall of at least 10 %).
    Incidence: the overdue stock is at most 5 % of the invoices received in the year. Passing
    either is enough.
    """
    with arithmetic():
        ratio, reduction_ok = _reduction(stock, previous_stock)
        incidence, incidence_ok = _incidence(overdue, received)
    passed = bool(reduction_ok) or bool(incidence_ok)
    parts = [
        _reduction_text(stock, previous_stock, ratio, reduction_ok),
        _incidence_text(overdue, received, incidence, incidence_ok),
    ]
    text = (
        f"Stock del debito al 31/12/{year} (L. 145/2018 c. 859 lett. a): "
        + "; ".join(parts)
        + (". Almeno una verifica è rispettata." if passed else ". Nessuna verifica è rispettata.")
    )
    return DebtTests(
        year=year,
        stock=stock,
        previous_stock=previous_stock,
        overdue=overdue,
        received=received,
        ratio=ratio,
        reduction_ok=reduction_ok,
        incidence=incidence,
        incidence_ok=incidence_ok,
        passed=passed,
        explanation=Explanation(
            rule="debt_tests",
            rule_label="Riduzione dello stock e incidenza dello scaduto",
            text=text,
            data={
                "year": year,
                "stock": stock,
                "previous_stock": previous_stock,
                "overdue": overdue,
                "received": received,
                "ratio": ratio,
                "reduction_ok": reduction_ok,
                "incidence": incidence,
                "incidence_ok": incidence_ok,
                "passed": passed,
            },
        ),
    )


# -- FGDC ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fgdc:
    due: bool
    rate: Decimal  # percent
    amount: Decimal | None  # None when no appropriation was given
    explanation: Explanation


FGDC_BANDS = ((60, Decimal(5)), (30, Decimal(3)), (10, Decimal(2)), (0, Decimal(1)))


def _reduction(
    stock: Decimal, previous_stock: Decimal | None
) -> tuple[Decimal | None, bool | None]:
    """Stock / previous stock × 100 and whether it is within the limit (None: not known)."""
    if previous_stock is None:
        return None, None
    if previous_stock > ZERO:
        ratio = internal(stock / previous_stock * HUNDRED)
        return ratio, ratio <= REDUCTION_LIMIT
    return None, stock <= ZERO


def _incidence(overdue: Decimal, received: Decimal) -> tuple[Decimal | None, bool]:
    """Overdue / received × 100 and whether it is within the limit."""
    if received > ZERO:
        incidence = internal(overdue / received * HUNDRED)
        return incidence, incidence <= INCIDENCE_LIMIT
    return None, overdue <= ZERO


def _reduction_text(
    stock: Decimal, previous_stock: Decimal | None, ratio: Decimal | None, ok: bool | None
) -> str:
    if previous_stock is None:
        return "stock dell'anno precedente non disponibile: verifica della riduzione non eseguita"
    if ratio is None:
        return f"stock precedente nullo, stock {format_euro(stock)}: riduzione " + (
            "rispettata" if ok else "non rispettata"
        )
    return (
        f"riduzione: {format_euro(stock)} / {format_euro(previous_stock)} × 100 = "
        f"{format_percent(ratio)} (limite {format_percent(REDUCTION_LIMIT)}): "
        + ("rispettata" if ok else "non rispettata")
    )


def _incidence_text(
    overdue: Decimal, received: Decimal, incidence: Decimal | None, ok: bool
) -> str:
    if incidence is None:
        return "nessuna fattura ricevuta nell'anno: incidenza " + (
            "rispettata" if ok else "non rispettata"
        )
    return (
        f"incidenza dello scaduto: {format_euro(overdue)} / {format_euro(received)} "
        f"ricevuti nell'anno × 100 = {format_percent(incidence)} (limite "
        f"{format_percent(INCIDENCE_LIMIT)}): " + ("rispettata" if ok else "non rispettata")
    )


def fgdc(
    *,
    delay_days_value: int | None,
    tests: DebtTests | None,
    appropriation: Decimal | None = None,
    data_published: bool = True,
) -> Fgdc:
    """The fondo di garanzia debiti commerciali (L. 145/2018 c. 862, c. 868).

    5 % of the appropriations for goods and services when the debt tests fail, the ritardo is
    over 60 days, or the debt data were not published/transmitted; 3 % for 31–60 days, 2 % for
    11–30, 1 % for 1–10 (whole days). `appropriation` is the year's stanziamento for beni e
    servizi net of what is financed by entrate vincolate, entered by the user.
    """
    reasons = []
    rate = ZERO
    if not data_published:
        rate = Decimal(5)
        reasons.append("dati sul debito non pubblicati o non trasmessi alla PCC (c. 868): 5\u00a0%")
    if tests is not None and not tests.passed:
        rate = Decimal(5)
        reasons.append(
            "stock del debito non ridotto del 10\u00a0% e scaduto oltre il 5\u00a0%: 5\u00a0%"
        )
    if delay_days_value is not None and delay_days_value > 0:
        for threshold, band_rate in FGDC_BANDS:
            if delay_days_value > threshold:
                if band_rate > rate:
                    rate = band_rate
                reasons.append(
                    f"ritardo annuale di {delay_days_value} giorni: "
                    f"{format_number(band_rate)}{NBSP}%"
                )
                break
    amount = None
    if appropriation is not None:
        with arithmetic():
            amount = (appropriation * rate / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    due = rate > ZERO
    if due:
        text = (
            "Fondo di garanzia debiti commerciali (L. 145/2018 c. 862): "
            + "; ".join(reasons)
            + f". Si applica la percentuale più alta: {format_number(rate)}{NBSP}%"
        )
    else:
        text = (
            "Fondo di garanzia debiti commerciali (L. 145/2018 c. 862): non dovuto, "
            + (
                "stock del debito in regola"
                if tests is not None
                else "verifica sullo stock non disponibile"
            )
            + (
                f" e ritardo annuale di {delay_days_value} giorni"
                if delay_days_value is not None
                else ", ritardo non calcolabile"
            )
        )
    if amount is not None:
        text += (
            f" × stanziamento per beni e servizi {format_euro(appropriation)} = "
            f"{format_euro(amount)}."
            if due
            else "."
        )
    else:
        text += (
            "."
            if not due
            else "; l'importo si calcola inserendo lo stanziamento per beni e servizi."
        )
    return Fgdc(
        due=due,
        rate=rate,
        amount=amount,
        explanation=Explanation(
            rule="fgdc",
            rule_label="Fondo di garanzia debiti commerciali",
            text=text,
            data={
                "rate": rate,
                "amount": amount,
                "appropriation": appropriation,
                "delay_days": delay_days_value,
                "tests_passed": tests.passed if tests is not None else None,
                "data_published": data_published,
            },
        ),
    )


# -- evaluation and the payment-time objective -----------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    points: Decimal
    max_points: Decimal
    percent: Decimal
    debt_points: Decimal | None
    delay_points: Decimal | None
    explanation: Explanation


def _debt_points(
    table: EvaluationTable, incidence: Decimal | None, ratio: Decimal | None
) -> tuple[Decimal | None, str]:
    if incidence is None and ratio is None:
        return None, "stock: dati non disponibili"
    if (incidence is not None and incidence <= table.incidence_target) or (
        ratio is not None and ratio <= table.reduction_target
    ):
        return table.max_points, (
            f"stock: incidenza {_maybe_percent(incidence)} "
            f"(≤ {format_percent(table.incidence_target)}) o riduzione {_maybe_percent(ratio)} "
            f"(≤ {format_percent(table.reduction_target)}) → "
            f"{format_number(table.max_points)} punti"
        )
    candidates = []
    for measured, target in ((incidence, table.incidence_target), (ratio, table.reduction_target)):
        if measured is None:
            continue
        if table.debt_method is DebtMethod.RATIO:
            fraction = target / measured if measured > ZERO else ZERO
        else:
            fraction = max(ZERO, 1 - (measured - target) / table.debt_zero_at_points)
        candidates.append(fraction)
    fraction = min(Decimal(1), max(candidates))
    points = internal(table.max_points * fraction)
    how = (
        "valore atteso / valore rilevato, il migliore dei due"
        if table.debt_method is DebtMethod.RATIO
        else f"scostamento in punti, zero a {format_number(table.debt_zero_at_points)} punti"
    )
    return points, (
        f"stock: incidenza {_maybe_percent(incidence)} e riduzione {_maybe_percent(ratio)} oltre i "
        f"limiti; proporzionale allo scostamento ({how}) → {format_number(points, 2)} punti"
    )


def _maybe_percent(value: Decimal | None) -> str:
    return format_percent(value) if value is not None else "n.d."


def _delay_points(table: EvaluationTable, delay: Decimal | None) -> tuple[Decimal | None, str]:
    if delay is None:
        return None, "ritardo: non calcolabile"
    if delay <= table.delay_target:
        return table.max_points, (
            f"ritardo {_days_text(delay)} (≤ {format_number(table.delay_target)}) → "
            f"{format_number(table.max_points)} punti"
        )
    excess = delay - table.delay_target
    fraction = max(ZERO, 1 - excess / Decimal(table.delay_zero_days))
    points = internal(table.max_points * fraction)
    return points, (
        f"ritardo {_days_text(delay)}, {format_number(excess, 2)} giorni oltre il valore atteso; "
        f"proporzionale (zero a {table.delay_zero_days} giorni) → {format_number(points, 2)} punti"
    )


def evaluate_table(
    table: EvaluationTable,
    *,
    incidence: Decimal | None,
    ratio: Decimal | None,
    delay: Decimal | None,
) -> Evaluation:
    """The evaluation table of seed 004: debt (incidence or reduction) and delay, weighted."""
    with arithmetic():
        debt, debt_text = _debt_points(table, incidence, ratio)
        late, late_text = _delay_points(table, delay)
        parts = [
            (points, weight)
            for points, weight in ((debt, table.debt_weight), (late, table.delay_weight))
            if points is not None and weight > ZERO
        ]
        total_weight = sum((w for _, w in parts), ZERO)
        points = internal(sum((p * w for p, w in parts), ZERO) / total_weight) if parts else ZERO
        percent = internal(points / table.max_points * HUNDRED)
    text = (
        "Tabella di valutazione degli indicatori PCC: "
        + "; ".join([debt_text, late_text])
        + f". Media ponderata (stock {format_number(table.debt_weight)}, ritardo "
        f"{format_number(table.delay_weight)}) = {format_number(points, 2)} su "
        f"{format_number(table.max_points)} punti = {format_percent(percent)}."
    )
    return Evaluation(
        points=points,
        max_points=table.max_points,
        percent=percent,
        debt_points=debt,
        delay_points=late,
        explanation=Explanation(
            rule="pcc_evaluation_table",
            rule_label="Tabella di valutazione degli indicatori PCC",
            text=text,
            data={
                "incidence": incidence,
                "ratio": ratio,
                "delay": delay,
                "debt_points": debt,
                "delay_points": late,
                "points": points,
                "max_points": table.max_points,
                "percent": percent,
            },
        ),
    )


@dataclass(frozen=True)
class ObjectiveAchievement:
    percent: Decimal | None  # None: nothing to measure
    achieved: bool | None
    explanation: Explanation


def objective_achievement(
    rules: PaymentRules,
    delay: AnnualDelay,
    tests: DebtTests | None = None,
    scope_label: str = "",
) -> ObjectiveAchievement:
    """The degree of achievement of the payment-time objective (DL 13/2023 art. 4-bis).

    The reference indicator is the ritardo annuale; the target is `objective_target_days`
    (0 unless the ente sets a stricter one). With the binary rule a missed target is 0 %.
    """
    compared = delay.compared_value(rules)
    target = rules.objective_target_days
    subject = f" ({scope_label})" if scope_label else ""
    rule = rules.objective_rule
    if compared is None:
        text = (
            f"Obiettivo sui tempi di pagamento{subject}: nessuna fattura nel perimetro "
            f"dell'indicatore di ritardo {delay.year}; il grado di raggiungimento non si calcola."
        )
        return ObjectiveAchievement(
            None,
            None,
            Explanation("payment_objective", rule.label, text, {"year": delay.year}),
        )
    achieved = compared <= target
    shown = f"{delay.days} giorni" if rules.round_delay else _days_text(compared)
    with arithmetic():
        percent, how = _objective_percent(rules, compared, shown, tests)
    text = (
        f"Obiettivo sui tempi di pagamento{subject} (DL 13/2023 art. 4-bis), calcolato dalle "
        f"fatture: {delay.explanation.text} Regola del SMVP «{rule.label}»: {how}."
    )
    return ObjectiveAchievement(
        percent=percent,
        achieved=achieved,
        explanation=Explanation(
            rule="payment_objective",
            rule_label=rule.label,
            text=text,
            data={
                "year": delay.year,
                "reference_date": delay.reference_date,
                "delay": delay.value,
                "delay_days": delay.days,
                "target_days": target,
                "percent": percent,
                "achieved": achieved,
                "rule": rule,
                "is_estimate": delay.is_estimate,
            },
        ),
    )


def _objective_percent(
    rules: PaymentRules, compared: Decimal, shown: str, tests: DebtTests | None
) -> tuple[Decimal | None, str]:
    """The degree of achievement by the SMVP's rule, and how it was reached."""
    target = rules.objective_target_days
    achieved = compared <= target
    rule = rules.objective_rule
    if rule is ObjectiveRule.BINARY:
        percent = HUNDRED if achieved else ZERO
        how = (
            f"ritardo {shown} ≤ {format_number(target)} giorni: raggiunto, 100{NBSP}%"
            if achieved
            else f"ritardo {shown} > {format_number(target)} giorni: non raggiunto, 0{NBSP}% "
            "(la quota di retribuzione di risultato legata all'obiettivo non si paga)"
        )
    elif rule is ObjectiveRule.PROPORTIONAL:
        excess = max(ZERO, compared - target)
        zero_at = Decimal(rules.proportional_zero_days)
        percent = internal(max(ZERO, HUNDRED * (1 - excess / zero_at)))
        how = (
            f"ritardo {shown}, {format_number(excess, 2)} giorni oltre il valore atteso "
            f"{format_number(target)}; 100{NBSP}% × (1 − {format_number(excess, 2)} / "
            f"{rules.proportional_zero_days}) = {format_percent(percent)}"
        )
    else:
        evaluation = evaluate_table(
            replace(rules.evaluation, delay_target=target),
            incidence=tests.incidence if tests else None,
            ratio=tests.ratio if tests else None,
            delay=compared,
        )
        percent = evaluation.percent
        how = evaluation.explanation.text
    return percent, how


# -- what-if ---------------------------------------------------------------------------------------


def pay_in_full(invoices: Iterable[Invoice], keys: Iterable[str], day: dt.date) -> list[Invoice]:
    """The invoices with those of `keys` paid in full on `day` (what is still owed at that date).

    Payments dated after `day` are dropped from the chosen invoices: the simulation replaces
    them. Invoices already paid by then are left as they are.
    """
    chosen = set(keys)
    result = []
    for invoice in invoices:
        if invoice.key in chosen:
            kept = tuple(p for p in invoice.payments if p.date <= day)
            paid = sum((p.amount for p in kept), ZERO)
            remainder = invoice.owed - paid
            if remainder > ZERO:
                invoice = replace(invoice, payments=(*kept, Payment(day, remainder)))
        result.append(invoice)
    return result
