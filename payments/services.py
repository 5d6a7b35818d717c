"""Every write of the payments app: imports, rules, debt snapshots, recomputed figures.

Conventions as elsewhere: keyword arguments with the acting `user` first (None for commands and
the demo loader), Italian `ServiceError`s naming the field, one transaction per write and an
audit row. An import is written in one transaction: either every valid invoice of the file is
stored, or nothing is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from core.audit import diff, record
from core.exceptions import AccessDenied, ServiceError
from engine import payments as ep
from engine import tree
from engine.config import ConfigError
from organization.models import Ente, Person, Unit
from payments import access as rules_access
from payments import figures, objectives
from payments.columns import mapping_problems, propose_mapping
from payments.models import (
    BatchState,
    DebtSnapshot,
    ImportBatch,
    ImportSource,
    Invoice,
    InvoicePayment,
    InvoiceSuspension,
    PaymentReport,
    PaymentSettings,
)
from payments.reading import FileProblem, open_table
from payments.rows import Collector, Outcome, ParsedInvoice, composite_key
from payments.values import normalise

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 60 * 1024 * 1024
PROGRESS_EVERY = 2000
PREVIEW_ROWS = 20
BULK = 1000
DEFAULT_SOURCE = "File delle fatture"


def _authorize(user, ente: Ente) -> None:
    if user is None:
        return
    try:
        access = rules_access.payments_access(user, ente)
    except PermissionDenied as exc:
        raise AccessDenied(str(exc)) from exc
    if not rules_access.can_manage(access):
        raise AccessDenied("Solo l'amministratore dell'ente gestisce le fatture e le regole.")


# -- rules -----------------------------------------------------------------------------------------


def rules_for(ente: Ente) -> ep.PaymentRules:
    """The ente's payment-time rules (the defaults until someone saves them)."""
    settings = PaymentSettings.objects.filter(ente=ente).first()
    if settings is None:
        return ep.PaymentRules()
    try:
        return ep.PaymentRules.from_dict(settings.rules)
    except ConfigError:
        logger.warning("Regole sui pagamenti non valide per %s: uso i valori predefiniti", ente)
        return ep.PaymentRules()


@transaction.atomic
def rules_update(
    *,
    user,
    ente: Ente,
    data: dict[str, Any],
    recompute: bool = True,
    today: dt.date | None = None,
) -> ep.PaymentRules:
    """Validate and save the rules (JSON as `PaymentRules.to_dict`), then recompute."""
    _authorize(user, ente)
    try:
        rules = ep.PaymentRules.from_dict(data)
    except ConfigError as exc:
        key, _ = exc.errors[0]
        raise ServiceError(
            "; ".join(f"{k}: {m}" for k, m in exc.errors), field=key.split(".")[-1]
        ) from exc
    settings, _ = PaymentSettings.objects.select_for_update().get_or_create(ente=ente)
    before = dict(settings.rules)
    settings.rules = rules.to_dict()
    settings.save()
    record(
        user=user,
        action="payments.rules.update",
        obj=settings,
        ente=ente,
        changes=diff(before, settings.rules),
    )
    if recompute:
        reports_recompute(ente=ente, today=today)
    return rules


# -- import: upload, mapping, analysis, commit -----------------------------------------------------


def _content(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


@transaction.atomic
def batch_create(
    *, user, ente: Ente, content: bytes, filename: str, source_name: str = ""
) -> ImportBatch:
    """Store an uploaded file, recognise its columns and propose the mapping."""
    _authorize(user, ente)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ServiceError(
            f"Il file supera i {MAX_UPLOAD_BYTES // (1024 * 1024)} MB ammessi.", field="file"
        )
    try:
        table = open_table(content, filename)
    except FileProblem as exc:
        raise ServiceError(str(exc), field="file") from exc
    source_name = (source_name or "").strip()[:120]
    source = (
        ImportSource.objects.filter(ente=ente, name=source_name).first() if source_name else None
    )
    mapping = propose_mapping(table.headers)
    if source is not None and source.mapping:
        saved = {k: v for k, v in source.mapping.items() if v in table.headers}
        mapping = {**mapping, **saved} if not mapping_problems(saved, table.headers) else mapping
    name = get_valid_filename(filename or "fatture.csv")[:200] or "fatture.csv"
    batch = ImportBatch(
        ente=ente,
        source=source,
        source_name=source_name,
        original_name=filename[:255] or name,
        file_format=table.file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        header_line=table.header_line,
        mapping=mapping,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    batch.file.save(name, ContentFile(content), save=False)
    batch.save()
    record(
        user=user,
        action="payments.import.upload",
        obj=batch,
        ente=ente,
        changes={"file": [None, batch.original_name], "format": [None, batch.file_format]},
    )
    return batch


def _clean_mapping(batch: ImportBatch, mapping: dict[str, str]) -> dict[str, str]:
    cleaned = {str(k): str(v) for k, v in mapping.items() if v}
    problems = mapping_problems(cleaned, batch.headers)
    if problems:
        raise ServiceError(" ".join(problems), field="mapping")
    return cleaned


@transaction.atomic
def batch_set_mapping(*, user, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    _authorize(user, batch.ente)
    if batch.state in (BatchState.IMPORTING, BatchState.DONE):
        raise ServiceError("Questa importazione è già stata eseguita.", field="mapping")
    cleaned = _clean_mapping(batch, mapping)
    before = dict(batch.mapping)
    batch.mapping = cleaned
    batch.state = BatchState.UPLOADED
    batch.save(update_fields=["mapping", "state"])
    record(
        user=user,
        action="payments.import.mapping",
        obj=batch,
        ente=batch.ente,
        changes=diff(before, cleaned),
    )
    return batch


def _progress(batch: ImportBatch, **fields) -> None:
    """Progress is written outside the import's transaction, so that the page can show it."""
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)
    for name, value in fields.items():
        setattr(batch, name, value)


def batch_enqueue(*, user, batch: ImportBatch, step: str) -> ImportBatch:
    """Mark the batch as waiting for the worker (`step`: «analyse» or «commit»)."""
    _authorize(user, batch.ente)
    if batch.is_running:
        raise ServiceError("L'elaborazione di questo file è già in corso.", field="file")
    if batch.state == BatchState.DONE:
        raise ServiceError("Questa importazione è già stata eseguita.", field="file")
    if step == "commit" and batch.state != BatchState.ANALYSED:
        raise ServiceError(
            "Prima di importare, analizza il file e controlla l'anteprima.", field="file"
        )
    state = BatchState.ANALYSING if step == "analyse" else BatchState.IMPORTING
    _progress(batch, state=state, processed_rows=0, message="In attesa di elaborazione…")
    return batch


@contextlib.contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file's invoices are read, written and computed.

    These steps build hundreds of thousands of objects that all stay alive (rows, Decimals,
    dates, engine invoices), none of them in a reference cycle: each automatic collection would
    walk all of them again for nothing, and on 100.000 invoices that is a third of the time.
    Memory is still freed by reference counting; the collector is switched back on (if it was
    on) when the block ends, however it ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(batch: ImportBatch) -> Outcome:
    try:
        table = open_table(_content(batch), batch.original_name)
    except FileProblem as exc:
        raise ServiceError(str(exc), field="file") from exc
    if table.headers != batch.headers:
        raise ServiceError(
            "Le intestazioni del file sono cambiate: caricalo di nuovo.", field="file"
        )
    total = batch.total_rows or table.count_rows()
    _progress(batch, total_rows=total, processed_rows=0)
    collector = Collector(_clean_mapping(batch, batch.mapping), table.headers)
    with bulk_work():
        for index, (line, row) in enumerate(table.rows(), start=1):
            collector.add(line, row)
            if index % PROGRESS_EVERY == 0:
                _progress(batch, processed_rows=index)
        outcome = collector.finish()
    _progress(batch, processed_rows=outcome.rows, total_rows=outcome.rows)
    return outcome


def _preview(items: list[ParsedInvoice], rules: ep.PaymentRules) -> list[dict[str, Any]]:
    rows = []
    for item in items[:PREVIEW_ROWS]:
        engine_invoice = item.to_engine()
        rows.append(
            {
                "lines": item.lines[:5],
                "number": item.number,
                "sdi_id": item.sdi_id,
                "supplier": item.supplier_name or item.supplier_code,
                "received": item.received_date.isoformat(),
                "due": ep.due_date(engine_invoice, rules.term_days).isoformat(),
                "due_communicated": item.due_date is not None,
                "total": str(item.total),
                "net_of_vat": str(item.net_of_vat),
                "split_payment": item.split_payment,
                "status": str(item.status.label if item.status else ""),
                "payments": [[d.isoformat(), str(a)] for d, a, _ in item.payments],
                "suspensions": len(item.suspensions),
                "office": item.office,
            }
        )
    return rows


def batch_analyse(*, user, batch: ImportBatch) -> ImportBatch:
    """Read every row, validate it and keep the errors (by line) and a preview; write nothing."""
    _authorize(user, batch.ente)
    if batch.state in (BatchState.IMPORTING, BatchState.DONE):
        raise ServiceError("Questa importazione è già stata eseguita.", field="file")
    _progress(batch, state=BatchState.ANALYSING, processed_rows=0, message="Analisi delle righe…")
    try:
        outcome = _parse(batch)
    except ServiceError as exc:
        _progress(batch, state=BatchState.FAILED, message=exc.message)
        raise
    units = _UnitResolver(batch.ente, batch.source)
    unknown = sorted(
        {i.office for i in outcome.invoices if i.office and units.find(i.office) is None}
    )
    warnings = list(outcome.warnings)
    if unknown:
        shown = ", ".join(f"«{name}»" for name in unknown[:10])
        warnings.append(
            f"{len(unknown)} uffici non corrispondono a un'unità organizzativa ({shown}"
            + (", …" if len(unknown) > 10 else "")
            + "): le loro fatture contano per l'ente ma non per un'unità."
        )
    _progress(
        batch,
        state=BatchState.ANALYSED,
        message="",
        valid_invoices=len(outcome.invoices),
        invalid_rows=outcome.invalid_rows,
        errors=outcome.errors,
        warnings=warnings,
        preview=_preview(outcome.invoices, rules_for(batch.ente)),
    )
    # Kept on the instance so that a commit in the same process need not read the file again.
    batch.parsed_outcome = outcome
    return batch


class _UnitResolver:
    """Office as written → unit: the source's saved map, then key, PEG code or name."""

    def __init__(self, ente: Ente, source: ImportSource | None):
        units = list(Unit.objects.filter(ente=ente).values_list("id", "key", "peg_code", "name"))
        by_key = {key: pk for pk, key, _, _ in units}
        self.index: dict[str, int] = {}
        for pk, key, peg, name in units:
            for label in (name, peg, key):
                if label and label.strip() not in ("", "---"):
                    self.index.setdefault(normalise(label), pk)
        if source is not None:
            for label, key in (source.unit_map or {}).items():
                if key in by_key:
                    self.index[normalise(label)] = by_key[key]

    def find(self, office: str) -> int | None:
        return self.index.get(normalise(office)) if office else None


class _PersonResolver:
    def __init__(self, ente: Ente):
        self.index: dict[str, int] = {}
        for pk, key, first, last in Person.objects.filter(ente=ente).values_list(
            "id", "key", "first_name", "last_name"
        ):
            for label in (f"{first} {last}", f"{last} {first}", key):
                self.index.setdefault(normalise(label), pk)

    def find(self, name: str) -> int | None:
        return self.index.get(normalise(name)) if name else None


def _fingerprint(values: tuple, item: ParsedInvoice) -> str:
    """A digest of what would be stored: equal digests mean an unchanged invoice."""
    parts = list(map(str, values))
    if item.payments:
        parts.extend([f"{day}:{amount}:{ref}" for day, amount, ref in item.payments])
    if item.suspensions:
        parts.extend([f"{start}:{end}:{cause.value}" for start, end, cause in item.suspensions])
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    years: frozenset[int] = frozenset()
    # The invoices just written, as the engine reads them: the recomputation after an import
    # need not read them back from the database.
    written: list[ep.Invoice] = field(default_factory=list)
    # True when the ente had no invoice before: `written` are then all of its invoices.
    only_these: bool = False


def _row_values(item: ParsedInvoice, unit_id, person_id, batch_id) -> tuple:
    """The stored values of an invoice, in the order of `UPDATED_FIELDS` (without the digest)."""
    return (
        item.sdi_id[:40],
        item.number[:60],
        item.issue_date,
        item.received_date,
        item.supplier_code[:40],
        item.supplier_name[:255],
        item.total,
        item.taxable,
        item.vat,
        item.split_payment,
        item.due_date,
        item.status.value,
        item.suspension_cause.value if item.suspension_cause else "",
        item.nature.value,
        item.budget_chapter[:120],
        item.office[:255],
        unit_id,
        item.responsible[:255],
        person_id,
        batch_id,
    )


# Written by the import, in this order (see `_values`).
UPDATED_FIELDS = [
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
    "office_label",
    "unit_id",
    "responsible_label",
    "responsible_id",
    "batch_id",
    "content_hash",
]


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _StoredInvoices:
    """The ente's invoices already stored, found by key, SDI id or supplier + number + date."""

    def __init__(self, ente: Ente):
        self.by_key: dict[str, int] = {}
        self.by_sdi: dict[str, int] = {}
        self.by_composite: dict[str, int] = {}
        self.hashes: dict[int, str] = {}
        for pk, key, sdi, supplier, number, issued, content_hash in Invoice.objects.filter(
            ente=ente
        ).values_list(
            "id", "key", "sdi_id", "supplier_code", "number", "issue_date", "content_hash"
        ):
            self.by_key[key] = pk
            self.hashes[pk] = content_hash
            if sdi:
                self.by_sdi[sdi.strip().upper()] = pk
            if number and supplier:
                self.by_composite[composite_key(supplier, number, issued)] = pk

    def find(self, item: ParsedInvoice) -> int | None:
        if not self.by_key:  # an ente without invoices has nothing to look up
            return None
        return (
            self.by_key.get(item.key)
            or (self.by_sdi.get(item.sdi_id.strip().upper()) if item.sdi_id else None)
            or (
                self.by_composite.get(item.composite)
                if item.supplier_code and item.number
                else None
            )
        )


@dataclass
class _Plan:
    """What an import writes: the new invoices, the changed ones (with their id), the years."""

    new: list[tuple[ParsedInvoice, tuple]] = field(default_factory=list)
    changed: list[tuple[int, ParsedInvoice, tuple]] = field(default_factory=list)
    years: set[int] = field(default_factory=set)
    unchanged: int = 0


def _plan_writes(
    items: list[ParsedInvoice], stored: _StoredInvoices, ente: Ente, source, batch_id
) -> _Plan:
    """Each item is new, changed or unchanged (same digest as the stored one)."""
    units = _UnitResolver(ente, source)
    people = _PersonResolver(ente)
    plan = _Plan()
    seen: set[int] = set()
    for item in items:
        pk = stored.find(item)
        if pk is not None and pk in seen:
            continue  # the same stored invoice reached twice (by SDI and by number)
        values = _row_values(item, units.find(item.office), people.find(item.responsible), batch_id)
        fingerprint = _fingerprint(values[:-1], item)
        if pk is not None:
            seen.add(pk)
            if stored.hashes.get(pk) == fingerprint:
                plan.unchanged += 1
                continue
        plan.years.add(item.received_date.year)
        plan.years.update(day.year for day, _, _ in item.payments)
        fields = (*values, fingerprint)
        if pk is None:
            plan.new.append((item, fields))
        else:
            plan.changed.append((pk, item, fields))
    return plan


def _update_changed(plan: _Plan, columns: list[str], now) -> None:
    """Rewrite the changed invoices; their old payments and suspensions go, and the years they
    counted in before are recomputed too."""
    ids = [pk for pk, _, _ in plan.changed]
    for chunk in _chunks(ids):
        plan.years.update(
            day.year
            for day in Invoice.objects.filter(pk__in=chunk).values_list("received_date", flat=True)
        )
        plan.years.update(
            day.year
            for day in InvoicePayment.objects.filter(invoice_id__in=chunk).values_list(
                "date", flat=True
            )
        )
        InvoicePayment.objects.filter(invoice_id__in=chunk).delete()
        InvoiceSuspension.objects.filter(invoice_id__in=chunk).delete()
    assignments = ", ".join(f"{_quote(column)} = %s" for column in columns)
    _execute_many(
        f"UPDATE {_quote(Invoice._meta.db_table)} SET {assignments}, "
        f"{_quote('updated_at')} = %s WHERE {_quote('id')} = %s",
        [(*fields, now, pk) for pk, _, fields in plan.changed],
    )


def _insert_new(
    ente: Ente, plan: _Plan, columns: list[str], now, stored: _StoredInvoices
) -> dict[str, int]:
    """Insert the new invoices; their ids by key (one query reads them back)."""
    names = ", ".join(_quote(c) for c in ["ente_id", "key", *columns, "updated_at"])
    marks = ", ".join(["%s"] * (len(columns) + 3))
    _execute_many(
        f"INSERT INTO {_quote(Invoice._meta.db_table)} ({names}) VALUES ({marks})",
        [(ente.pk, item.key, *fields, now) for item, fields in plan.new],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_quote('key')}, {_quote('id')} FROM {_quote(Invoice._meta.db_table)} "
            f"WHERE {_quote('ente_id')} = %s",
            [ente.pk],
        )
        return {key: pk for key, pk in cursor.fetchall() if key not in stored.by_key}


def _insert_payments_and_suspensions(targets: list[tuple[int, ParsedInvoice, tuple]]) -> None:
    payments, suspensions = [], []
    for pk, item, _ in targets:
        payments.extend((pk, day, amount, ref[:60]) for day, amount, ref in item.payments)
        suspensions.extend((pk, start, end, cause.value) for start, end, cause in item.suspensions)
    table = _quote(InvoicePayment._meta.db_table)
    columns_payment = ", ".join(_quote(c) for c in ("invoice_id", "date", "amount", "reference"))
    _execute_many(f"INSERT INTO {table} ({columns_payment}) VALUES (%s, %s, %s, %s)", payments)
    table = _quote(InvoiceSuspension._meta.db_table)
    columns_suspension = ", ".join(_quote(c) for c in ("invoice_id", "start", "end", "cause"))
    _execute_many(
        f"INSERT INTO {table} ({columns_suspension}) VALUES (%s, %s, %s, %s)", suspensions
    )


def write_invoices(
    *, ente: Ente, items: list[ParsedInvoice], batch: ImportBatch | None, source=None
) -> WriteResult:
    """Create or update the invoices (same identity → update), with their payments and
    suspensions. Call inside a transaction."""
    stored = _StoredInvoices(ente)
    plan = _plan_writes(items, stored, ente, source, batch.pk if batch is not None else None)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = [Invoice._meta.get_field(name).column for name in UPDATED_FIELDS]
    if plan.changed:
        _update_changed(plan, columns, now)
    created = _insert_new(ente, plan, columns, now, stored) if plan.new else {}
    targets = list(plan.changed)
    targets += [(created[item.key], item, fields) for item, fields in plan.new]
    _insert_payments_and_suspensions(targets)
    return WriteResult(
        created=len(plan.new),
        updated=len(plan.changed),
        unchanged=plan.unchanged,
        years=frozenset(plan.years),
        written=[_as_engine(pk, item, fields) for pk, item, fields in targets],
        only_these=not stored.by_key,
    )


def _as_engine(pk: int, item: ParsedInvoice, values: tuple) -> ep.Invoice:
    """The invoice as `figures.load_invoices` would read it back (same fields, same order).

    `values` are the stored ones, in the order of `UPDATED_FIELDS` (read by position: this runs
    once per invoice written).
    """
    unit_id = values[_UNIT_AT]
    return ep.Invoice(
        key=str(pk),
        received=item.received_date,
        total=item.total,
        taxable=item.total - item.vat,
        vat=item.vat,
        split_payment=item.split_payment,
        due=item.due_date,
        issued=item.issue_date,
        status=item.status,
        suspension_cause=item.suspension_cause,
        suspensions=tuple([ep.Suspension(s, e, c) for s, e, c in item.suspensions]),
        payments=tuple([ep.Payment(d, a) for d, a, _ in item.payments]),
        nature=item.nature,
        unit=str(unit_id) if unit_id else None,
        supplier=values[_SUPPLIER_CODE_AT] or values[_SUPPLIER_NAME_AT],
        label=values[_NUMBER_AT],
    )


_UNIT_AT = UPDATED_FIELDS.index("unit_id")
_SUPPLIER_CODE_AT = UPDATED_FIELDS.index("supplier_code")
_SUPPLIER_NAME_AT = UPDATED_FIELDS.index("supplier_name")
_NUMBER_AT = UPDATED_FIELDS.index("number")


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _execute_many(sql: str, rows: list[tuple]) -> None:
    """Plain executemany: 100.000 invoices are written in seconds, not minutes. The values are
    the ones the model fields would store (validated by the import), so nothing is bypassed
    but the per-object overhead of the ORM."""
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            cursor.executemany(sql, chunk)


def _require_committable(batch: ImportBatch) -> None:
    if batch.state == BatchState.DONE:
        raise ServiceError("Questa importazione è già stata eseguita.", field="file")
    if batch.state not in (BatchState.ANALYSED, BatchState.IMPORTING):
        raise ServiceError(
            "Prima di importare, analizza il file e controlla l'anteprima.", field="file"
        )


def _write_batch(user, batch: ImportBatch, outcome: Outcome) -> WriteResult:
    """The invoices, the source's mapping remembered and the audit row, in one transaction."""
    ente = batch.ente
    with bulk_work(), transaction.atomic():
        source = batch.source
        if batch.source_name:
            source, _ = ImportSource.objects.get_or_create(ente=ente, name=batch.source_name)
            source.mapping = batch.mapping
            source.save(update_fields=["mapping", "updated_at"])
        written = write_invoices(ente=ente, items=outcome.invoices, batch=batch, source=source)
        ImportBatch.objects.filter(pk=batch.pk).update(source=source)
        record(
            user=user,
            action="payments.import.commit",
            obj=batch,
            ente=ente,
            changes={
                "created": [None, written.created],
                "updated": [None, written.updated],
                "unchanged": [None, written.unchanged],
                "invalid_rows": [None, outcome.invalid_rows],
            },
        )
    return written


def _mark_done(batch: ImportBatch, written: WriteResult, outcome: Outcome) -> None:
    message = (
        f"Importate {written.created} fatture nuove, aggiornate {written.updated}, "
        f"invariate {written.unchanged}"
        + (f"; {outcome.invalid_rows} righe scartate." if outcome.invalid_rows else ".")
    )
    _progress(
        batch,
        state=BatchState.DONE,
        created_count=written.created,
        updated_count=written.updated,
        unchanged_count=written.unchanged,
        valid_invoices=len(outcome.invoices),
        invalid_rows=outcome.invalid_rows,
        errors=outcome.errors,
        warnings=outcome.warnings,
        finished_at=timezone.now(),
        message=message,
    )


def batch_commit(
    *, user, batch: ImportBatch, today: dt.date | None = None, recompute: bool = True
) -> ImportBatch:
    """Import the valid invoices of an analysed file, all in one transaction.

    The file is read again (the analysis may have run in another process), unless this very
    instance was analysed in this process.
    """
    ente = batch.ente
    _authorize(user, ente)
    _require_committable(batch)
    _progress(batch, state=BatchState.IMPORTING, processed_rows=0, message="Lettura del file…")
    try:
        outcome = getattr(batch, "parsed_outcome", None) or _parse(batch)
        if not outcome.invoices:
            raise ServiceError(
                "Nessuna fattura valida nel file: correggi le righe segnalate e riprova.",
                field="file",
            )
        _progress(batch, message="Scrittura delle fatture…")
        written = _write_batch(user, batch, outcome)
    except ServiceError as exc:
        _progress(batch, state=BatchState.FAILED, message=exc.message)
        raise
    except Exception:
        _progress(
            batch, state=BatchState.FAILED, message="Errore imprevisto: nulla è stato importato."
        )
        raise
    _mark_done(batch, written, outcome)
    if recompute and (written.created or written.updated):
        with bulk_work():
            others = (
                [] if written.only_these else figures.load_invoices(ente, exclude_batch=batch.pk)
            )
            reports_recompute(ente=ente, today=today, invoices=others + written.written)
    return batch


def import_invoices(
    *,
    user,
    ente: Ente,
    content: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    source_name: str = "",
    dry_run: bool = False,
    today: dt.date | None = None,
) -> ImportBatch:
    """Upload, analyse and (unless `dry_run`) commit a file in one call (commands, tests)."""
    batch = batch_create(
        user=user, ente=ente, content=content, filename=filename, source_name=source_name
    )
    if mapping:
        batch_set_mapping(user=user, batch=batch, mapping={**batch.mapping, **mapping})
    else:
        problems = mapping_problems(batch.mapping, batch.headers)
        if problems:
            batch.state = BatchState.FAILED
            batch.message = " ".join(problems)
            batch.save(update_fields=["state", "message"])
            raise ServiceError(" ".join(problems), field="mapping")
    batch_analyse(user=user, batch=batch)
    if not dry_run:
        batch_commit(user=user, batch=batch, today=today)
    return batch


# -- figures, snapshots ----------------------------------------------------------------------------


def _snapshot_save(ente: Ente, stock: dict[str, Any], received: str | None) -> DebtSnapshot | None:
    day = dt.date.fromisoformat(stock["reference_date"])
    snapshot = DebtSnapshot.objects.filter(ente=ente, reference_date=day).first()
    if snapshot is not None and snapshot.is_frozen:
        return snapshot
    values = {
        "stock": Decimal(stock["stock"]),
        "overdue": Decimal(stock["overdue"]),
        "invoices": stock["invoices"],
        "creditors": stock["creditors"],
        "received_in_year": Decimal(received) if received is not None else Decimal(0),
        "explanation": stock["explanation"],
    }
    if snapshot is None:
        return DebtSnapshot.objects.create(ente=ente, reference_date=day, **values)
    for name, value in values.items():
        setattr(snapshot, name, value)
    snapshot.save()
    return snapshot


@transaction.atomic
def reports_recompute(
    *,
    ente: Ente,
    years: Iterable[int] | None = None,
    today: dt.date | None = None,
    score_objectives: bool = True,
    invoices: list[ep.Invoice] | None = None,
) -> dict[int, dict[str, Any]]:
    """Recompute and store the figures of every year with invoices (or of `years`).

    Years are computed in order, so that each year's test uses the stock at 31/12 of the year
    before, as frozen (PCC's final figure) or as just computed. Then the payment-time objectives
    of the cycles of those years are scored from the new figures.
    """
    today = today or timezone.localdate()
    rules = rules_for(ente)
    if invoices is None:
        invoices = figures.load_invoices(ente)
    all_years = figures.years_with_data(invoices)
    wanted = sorted(set(years) & set(all_years)) if years is not None else all_years
    reports: dict[int, dict[str, Any]] = {}
    PaymentReport.objects.filter(ente=ente).exclude(year__in=all_years).delete()
    for year in wanted:
        previous_stock, previous_frozen = previous_stock_for(ente, invoices, year, rules)
        reference = figures.reference_for(rules, year, today)
        data = figures.year_report(
            ente,
            invoices,
            year,
            rules,
            reference=reference,
            previous_stock=previous_stock,
            previous_frozen=previous_frozen,
        )
        PaymentReport.objects.update_or_create(
            ente=ente, year=year, defaults={"reference_date": reference, "data": data}
        )
        _snapshot_save(ente, data["ente"]["stock"], data["ente"]["received"])
        reports[year] = data
    if score_objectives:
        problems = objectives.score_payment_objectives(
            ente=ente, invoices=invoices, rules=rules, reports=reports
        )
        for year, found in problems.items():
            reports[year]["objectives"] = found["objectives"]
            reports[year]["measurement_problems"] = found["problems"]
            PaymentReport.objects.filter(ente=ente, year=year).update(data=reports[year])
    return reports


def previous_stock_for(
    ente: Ente, invoices: list[ep.Invoice], year: int, rules: ep.PaymentRules
) -> tuple[Decimal, bool]:
    """The stock at 31/12 of the year before `year`: the frozen snapshot if any, else computed."""
    day = dt.date(year - 1, 12, 31)
    frozen = DebtSnapshot.objects.filter(ente=ente, reference_date=day, is_frozen=True).first()
    if frozen is not None:
        return frozen.stock, True
    return ep.debt_stock(invoices, day, rules).stock, False


def unit_and_below(ente: Ente, unit: Unit) -> set[int]:
    parents = dict(Unit.objects.filter(ente=ente).values_list("id", "parent_id"))
    return set(tree.below(parents, [unit.pk]))


def year_figures(
    *,
    ente: Ente,
    year: int,
    reference: dt.date | None = None,
    unit: Unit | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Compute (without storing) the figures of `year` for the ente or one unit and those below
    it; unpaid invoices are delayed to `reference` (default: the rules' choice)."""
    today = today or timezone.localdate()
    rules = rules_for(ente)
    invoices = figures.load_invoices(ente)
    reference = reference or figures.reference_for(rules, year, today)
    scope = invoices
    if unit is not None:
        wanted = {str(pk) for pk in unit_and_below(ente, unit)}
        scope = [i for i in invoices if i.unit in wanted]
    previous, frozen = previous_stock_for(ente, scope, year, rules)
    if unit is not None:
        frozen = False
        previous = ep.debt_stock(scope, dt.date(year - 1, 12, 31), rules).stock
    data = figures.year_report(
        ente,
        scope,
        year,
        rules,
        reference=reference,
        previous_stock=previous,
        previous_frozen=frozen,
    )
    if unit is not None:
        data["unit"] = {"key": unit.key, "name": unit.name}
    return data


@transaction.atomic
def snapshot_freeze(
    *, user, snapshot: DebtSnapshot, frozen: bool = True, recompute: bool = True
) -> DebtSnapshot:
    """Mark the stock at a date as final (PCC's figure) or modifiable again."""
    _authorize(user, snapshot.ente)
    if snapshot.is_frozen == frozen:
        return snapshot
    snapshot.is_frozen = frozen
    snapshot.frozen_at = timezone.now() if frozen else None
    snapshot.frozen_by = user if frozen and getattr(user, "is_authenticated", False) else None
    snapshot.save(update_fields=["is_frozen", "frozen_at", "frozen_by"])
    record(
        user=user,
        action="payments.stock.freeze" if frozen else "payments.stock.unfreeze",
        obj=snapshot,
        ente=snapshot.ente,
        changes={"is_frozen": [not frozen, frozen]},
    )
    if recompute:
        reports_recompute(ente=snapshot.ente)
    return snapshot
