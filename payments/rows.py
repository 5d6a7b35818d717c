"""From the rows of a file to validated invoices, with every refusal named by line and reason.

A file may hold one row per invoice (payments in numbered columns) or one row per payment (the
invoice repeated): rows with the same invoice identity are merged. A row that cannot be read is
reported with its line number; an invoice with a bad row is left out as a whole (so that half
an invoice is never imported), the other invoices are kept.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine import payments as ep
from payments.columns import FIELDS
from payments.values import (
    parse_amount,
    parse_cause,
    parse_date,
    parse_nature,
    parse_periods,
    parse_status,
    parse_yes_no,
)

ZERO = Decimal(0)
TOLERANCE = Decimal("0.01")
MAX_ERRORS = 1000
SCALARS = (
    "sdi_id",
    "number",
    "issue_date",
    "received_date",
    "supplier_code",
    "supplier_name",
    "total",
    "taxable",
    "vat",
    "split_payment",
    "due_date",
    "status",
    "suspension_cause",
    "nature",
    "budget_chapter",
    "office",
    "responsible",
)


class RowError(ValueError):
    pass


def supplier_identity(code: str) -> str:
    """VAT number or fiscal code in one form: upper case, no spaces, no «IT» before 11 digits."""
    text = "".join((code or "").split()).upper()
    if len(text) == 13 and text.startswith("IT") and text[2:].isdigit():
        text = text[2:]
    return text


def _compact(text: str) -> str:
    return "".join((text or "").split()).upper()


def sdi_key(sdi_id: str) -> str:
    return f"sdi:{_compact(sdi_id)}"


def composite_key(supplier: str, number: str, issued: dt.date | None) -> str:
    year = issued.year if issued else ""
    return f"{supplier_identity(supplier)}|{_compact(number)}|{year}"


@dataclass
class ParsedInvoice:
    key: str
    sdi_id: str = ""
    number: str = ""
    issue_date: dt.date | None = None
    received_date: dt.date | None = None
    supplier_code: str = ""
    supplier_name: str = ""
    total: Decimal = ZERO
    taxable: Decimal | None = None
    vat: Decimal | None = None
    split_payment: bool = False
    due_date: dt.date | None = None
    status: ep.InvoiceStatus | None = None
    suspension_cause: ep.SuspensionCause | None = None
    nature: ep.Nature = ep.Nature.CURRENT
    budget_chapter: str = ""
    office: str = ""
    responsible: str = ""
    payments: list[tuple[dt.date, Decimal, str]] = field(default_factory=list)
    suspensions: list[tuple[dt.date, dt.date | None, ep.SuspensionCause]] = field(
        default_factory=list
    )
    lines: list[int] = field(default_factory=list)
    raw_rows: set[tuple] = field(default_factory=set)

    @property
    def composite(self) -> str:
        return composite_key(self.supplier_code, self.number, self.issue_date)

    @property
    def net_of_vat(self) -> Decimal:
        return self.total - (self.vat or ZERO)

    @property
    def owed(self) -> Decimal:
        return self.net_of_vat if self.split_payment else self.total

    def to_engine(self, unit: str | None = None) -> ep.Invoice:
        return ep.Invoice(
            key=self.key,
            received=self.received_date,
            total=self.total,
            taxable=self.net_of_vat,
            vat=self.vat or ZERO,
            split_payment=self.split_payment,
            due=self.due_date,
            issued=self.issue_date,
            status=self.status or ep.InvoiceStatus.RECEIVED,
            suspension_cause=self.suspension_cause,
            suspensions=tuple(ep.Suspension(s, e, c) for s, e, c in self.suspensions),
            payments=tuple(ep.Payment(d, a) for d, a, _ in self.payments),
            nature=self.nature,
            unit=unit,
            supplier=supplier_identity(self.supplier_code) or self.supplier_name,
            label=self.number,
        )


@dataclass
class Outcome:
    invoices: list[ParsedInvoice]
    errors: list[dict[str, Any]]
    warnings: list[str]
    rows: int
    invalid_rows: int


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


TEXT_FIELDS = (
    "sdi_id",
    "number",
    "supplier_code",
    "supplier_name",
    "budget_chapter",
    "office",
    "responsible",
)
PARSED_FIELDS = (
    ("issue_date", parse_date),
    ("received_date", parse_date),
    ("due_date", parse_date),
    ("total", parse_amount),
    ("taxable", parse_amount),
    ("vat", parse_amount),
    ("split_payment", parse_yes_no),
    ("status", parse_status),
    ("suspension_cause", parse_cause),
    ("nature", parse_nature),
    ("suspension_periods", parse_periods),
    ("suspension_start", parse_date),
    ("suspension_end", parse_date),
)


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and value.isspace())


class RowReader:
    """Reads the cells of one row through the mapping (field → header).

    The plan of which header feeds which field and parser is made once per file: a file may
    have 100.000 rows.
    """

    def __init__(self, mapping: dict[str, str], headers: list[str]):
        self.mapping = mapping
        position = {header: index for index, header in enumerate(headers) if header}
        # Field → position of its column in the row (a mapping names headers of the file).
        self.index = {name: position[header] for name, header in mapping.items()}
        self.width = max(self.index.values(), default=-1) + 1
        self.text_plan = [(name, self.index[name]) for name in TEXT_FIELDS if name in mapping]
        self.parse_plan = [
            (name, self.index[name], parser, FIELDS[name].label)
            for name, parser in PARSED_FIELDS
            if name in mapping
        ]
        self.payment_plan = []
        numbers = set()
        for name in mapping:
            base, _, number = name.partition("#")
            if base in ("payment_date", "payment_amount"):
                numbers.add(int(number or 1))
        for number in sorted(numbers):
            suffix = "" if number == 1 else f"#{number}"
            label = "" if number == 1 else f" {number}"
            self.payment_plan.append(
                (
                    self.index.get(f"payment_date{suffix}"),
                    self.index.get(f"payment_amount{suffix}"),
                    self.index.get(f"payment_reference{suffix}"),
                    label,
                )
            )

    def cell(self, row: list[Any], name: str) -> Any:
        index = self.index.get(name)
        if index is None or index >= len(row):
            return None
        value = row[index]
        return None if _blank(value) else value

    def read(self, row: list[Any]) -> ParsedInvoice:
        if len(row) < self.width:  # a short CSV line: the missing cells are empty
            row = list(row) + [None] * (self.width - len(row))
        problems: list[str] = []
        item = ParsedInvoice(key="")
        for name, index in self.text_plan:
            value = row[index]
            if value is not None:
                setattr(item, name, _text(value))
        values: dict[str, Any] = {}
        for name, index, parser, label in self.parse_plan:
            value = row[index]
            # `_blank`, inlined: 13 cells a row, 100.000 rows
            if value is None or value == "" or (value.__class__ is str and value.isspace()):
                continue
            try:
                values[name] = parser(value)
            except ValueError as exc:
                problems.append(f"{label}: {exc}")
                values[name] = _BAD
        get = values.get
        item.issue_date = _good(get("issue_date"))
        item.received_date = _good(get("received_date"))
        item.due_date = _good(get("due_date"))
        total = get("total")
        item.taxable = _good(get("taxable"))
        item.vat = _good(get("vat"))
        item.split_payment = bool(_good(get("split_payment")))
        item.status = _good(get("status"))
        item.suspension_cause = _good(get("suspension_cause"))
        nature = _good(get("nature"))
        if nature is not None:
            item.nature = nature
        for date_index, amount_index, reference_index, label in self.payment_plan:
            raw_day = row[date_index] if date_index is not None else None
            raw_amount = row[amount_index] if amount_index is not None else None
            has_date, has_amount = not _blank(raw_day), not _blank(raw_amount)
            if not has_date and not has_amount:
                continue
            if has_date != has_amount:
                problems.append(
                    f"pagamento{label}: "
                    + ("manca l'importo pagato" if has_date else "manca la data del pagamento")
                )
                continue
            try:
                day = parse_date(raw_day)
            except ValueError as exc:
                problems.append(f"Data pagamento{label}: {exc}")
                continue
            try:
                amount = parse_amount(raw_amount)
            except ValueError as exc:
                problems.append(f"Importo pagato{label}: {exc}")
                continue
            if amount <= ZERO:
                problems.append(f"Importo pagato{label}: deve essere maggiore di zero")
                continue
            reference = _text(row[reference_index]) if reference_index is not None else ""
            item.payments.append((day, amount, reference))
        periods = get("suspension_periods")
        start, end = get("suspension_start"), get("suspension_end")
        if periods is not None or start is not None or end is not None:
            cause = item.suspension_cause or ep.SuspensionCause.DISPUTE
            found = list(_good(periods) or [])
            start, end = _good(start), _good(end)
            if end is not None and start is None:
                problems.append("Fine sospensione senza l'inizio")
            elif start is not None:
                if end is not None and end < start:
                    problems.append("Fine sospensione: precede l'inizio")
                else:
                    found.append((start, end))
            item.suspensions = [(s, e, cause) for s, e in found]
        if total is None:
            problems.append("Importo totale documento: manca")
        elif total is not _BAD:
            if total < ZERO:
                problems.append(
                    "Importo totale documento: negativo (le note di credito non si importano: "
                    "riduci l'importo della fattura a cui si riferiscono)"
                )
            item.total = total
        if problems:
            raise RowError("; ".join(problems))
        return item


_BAD = object()


def _good(value: Any) -> Any:
    return None if value is _BAD else value


def _finish_amounts(item: ParsedInvoice, has_vat_columns: bool) -> list[str]:
    problems = []
    if item.vat is None and item.taxable is not None:
        item.vat = item.total - item.taxable
    if item.vat is None:
        item.vat = ZERO
    if item.taxable is None:
        item.taxable = item.total - item.vat
    if item.vat < ZERO or item.taxable < ZERO:
        problems.append("IVA e imponibile non possono essere negativi")
    elif item.taxable + item.vat > item.total + TOLERANCE:
        problems.append(
            f"imponibile {item.taxable} + IVA {item.vat} supera l'importo totale {item.total}"
        )
    return problems


def _finish_dates(item: ParsedInvoice, counts: Counter) -> list[str]:
    problems = []
    if item.received_date is None:
        if item.issue_date is None:
            return ["manca la data di ricezione (e quella di emissione)"]
        item.received_date = item.issue_date
        counts["no_receipt"] += 1
    if item.issue_date is not None and item.received_date < item.issue_date:
        problems.append("la data di ricezione precede la data di emissione")
    if (
        item.due_date is not None
        and item.issue_date is not None
        and item.due_date < item.issue_date
    ):
        problems.append("la scadenza precede la data di emissione")
    for day, _, _ in item.payments:
        if item.issue_date is not None and day < item.issue_date:
            problems.append(f"il pagamento del {day:%d/%m/%Y} precede la data di emissione")
    for start, _, _ in item.suspensions:
        if start < item.received_date:
            problems.append(f"la sospensione dal {start:%d/%m/%Y} precede la ricezione")
    return problems


def _finish_status(item: ParsedInvoice, counts: Counter) -> list[str]:
    paid = sum((amount for _, amount, _ in item.payments), ZERO)
    if paid > item.total + TOLERANCE:
        return [f"pagato {paid} più dell'importo totale {item.total}"]
    if item.status is None:
        item.status = ep.InvoiceStatus.PAID if paid >= item.owed else ep.InvoiceStatus.RECEIVED
    elif item.status is ep.InvoiceStatus.PAID:
        if not item.payments:
            return ["stato «pagata» ma nessun pagamento (data e importo dell'ordinativo)"]
        if paid < item.owed - TOLERANCE:
            counts["paid_partly"] += 1
    if item.status is ep.InvoiceStatus.SUSPENDED and item.suspension_cause is None:
        item.suspension_cause = ep.SuspensionCause.DISPUTE
        counts["suspended_no_cause"] += 1
    return []


_CONFLICT_FIELDS = {
    "received_date": "data di ricezione",
    "issue_date": "data di emissione",
    "total": "importo totale",
    "due_date": "scadenza",
    "supplier_code": "partita IVA del fornitore",
    "status": "stato",
}


class Collector:
    """Gathers the rows of a file into invoices; call `add` per row, then `finish`."""

    def __init__(self, mapping: dict[str, str], headers: list[str]):
        self.reader = RowReader(mapping, headers)
        self.has_vat_columns = "vat" in mapping or "taxable" in mapping
        self.by_key: dict[str, ParsedInvoice] = {}
        self.errors: list[dict[str, Any]] = []
        self.bad_keys: dict[str, int] = {}
        self.rows = 0
        self.invalid_rows = 0
        self.error_count = 0
        self.duplicates = 0

    def _error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "message": message})

    def add(self, line: int, row: list[Any]) -> None:
        self.rows += 1
        try:
            item = self.reader.read(row)
        except RowError as exc:
            self.invalid_rows += 1
            self._error(line, str(exc))
            key = self._key_of(row)
            if key:
                self.bad_keys.setdefault(key, line)
            return
        if item.sdi_id:
            item.key = sdi_key(item.sdi_id)
        elif item.number and item.supplier_code:
            item.key = item.composite
        else:
            self.invalid_rows += 1
            self._error(
                line,
                "manca l'identificativo SDI oppure il numero della fattura con la partita "
                "IVA/codice fiscale del fornitore",
            )
            return
        item.lines.append(line)
        fingerprint = tuple(row)
        existing = self.by_key.get(item.key)
        if existing is None:
            item.raw_rows.add(fingerprint)
            self.by_key[item.key] = item
            return
        if fingerprint in existing.raw_rows:
            self.duplicates += 1
            return
        conflict = self._conflict(existing, item)
        if conflict:
            self.invalid_rows += 1
            self._error(
                line,
                f"la fattura {self._label(existing)} compare già alla riga {existing.lines[0]} "
                f"con {conflict} diverso: la fattura non è importata",
            )
            self.bad_keys.setdefault(item.key, line)
            return
        existing.raw_rows.add(fingerprint)
        existing.lines.append(line)
        existing.payments.extend(item.payments)
        for period in item.suspensions:
            if period not in existing.suspensions:
                existing.suspensions.append(period)
        for name in SCALARS:
            if name in ("office", "responsible"):
                continue
            if getattr(existing, name) in (None, "") and getattr(item, name) not in (None, ""):
                setattr(existing, name, getattr(item, name))

    def _key_of(self, row: list[Any]) -> str:
        sdi = _text(self.reader.cell(row, "sdi_id"))
        if sdi:
            return sdi_key(sdi)
        number = _text(self.reader.cell(row, "number"))
        supplier = _text(self.reader.cell(row, "supplier_code"))
        if number and supplier:
            try:
                issued = parse_date(self.reader.cell(row, "issue_date"))
            except (ValueError, TypeError):
                issued = None
            return composite_key(supplier, number, issued)
        return ""

    @staticmethod
    def _label(item: ParsedInvoice) -> str:
        return f"n. {item.number}" if item.number else (item.sdi_id or item.key)

    @staticmethod
    def _conflict(first: ParsedInvoice, other: ParsedInvoice) -> str:
        for name, label in _CONFLICT_FIELDS.items():
            a, b = getattr(first, name), getattr(other, name)
            if a not in (None, "") and b not in (None, "") and a != b:
                return label
        return ""

    def finish(self) -> Outcome:
        counts: Counter = Counter()
        kept = []
        for key, item in self.by_key.items():
            if key in self.bad_keys:
                others = [line for line in item.lines if line != self.bad_keys[key]]
                if others:
                    self.invalid_rows += len(others)
                    self._error(
                        others[0],
                        f"la fattura {self._label(item)} non è importata perché la riga "
                        f"{self.bad_keys[key]} che la riguarda è errata",
                    )
                continue
            problems = (
                _finish_amounts(item, self.has_vat_columns)
                + _finish_dates(item, counts)
                + _finish_status(item, counts)
            )
            if problems:
                self.invalid_rows += len(item.lines)
                self._error(item.lines[0], "; ".join(problems))
                continue
            item.payments.sort()
            item.suspensions.sort(key=lambda s: s[0])
            kept.append(item)
        warnings = []
        if not self.has_vat_columns and kept:
            warnings.append(
                "Il file non ha le colonne dell'IVA o dell'imponibile: lo stock del debito è "
                "calcolato sugli importi totali (IVA considerata zero)."
            )
        if counts["no_receipt"]:
            warnings.append(
                f"{counts['no_receipt']} fatture senza data di ricezione: usata la data di "
                "emissione."
            )
        if counts["paid_partly"]:
            warnings.append(
                f"{counts['paid_partly']} fatture con stato «pagata» ma pagamenti inferiori al "
                "dovuto: contano i pagamenti registrati."
            )
        if counts["suspended_no_cause"]:
            warnings.append(
                f"{counts['suspended_no_cause']} fatture sospese senza causale: considerate in "
                "contestazione."
            )
        if self.duplicates:
            warnings.append(f"{self.duplicates} righe duplicate ignorate.")
        if self.error_count > len(self.errors):
            warnings.append(
                f"Sono elencati i primi {len(self.errors)} errori su {self.error_count}."
            )
        return Outcome(kept, self.errors, warnings, self.rows, self.invalid_rows)
