"""Optimistic locking: an edit saved over someone else's newer change is refused, not lost.

The one mechanism of the product for every edit form of a stored object (objective, indicator
with its targets, weight group, phase, fund, person, scheme…):

1. When the form is shown, `attach(form, *rows)` adds a hidden field `lock_token` holding a
   fingerprint of the rows as they were read: one short hash per field of each row (the
   many-to-many choices included, automatic timestamps left out). No column is needed in the
   models: any change, whoever made it and through whichever path (page, API, import), changes
   the fingerprint.
2. When the form is saved, the view runs the service inside `guard(form, *rows)`: it opens the
   transaction, re-reads the rows locking them (`SELECT … FOR UPDATE` on PostgreSQL; SQLite
   serialises writers with its IMMEDIATE transactions), compares the fingerprints and raises
   `StaleEdit` when they differ. The refusal names who changed the data and when (from the audit
   trail) and, field by field, the value saved meanwhile beside the one in the form.
3. After a refusal the form carries the fingerprint of the current rows, so saving it again is
   a deliberate overwrite of what the user has now seen.

A form posted without a token (an old page, a test client) is not checked. Services that are
called by other programs (API, commands) use `check(token, rows)` directly.

Models with their own `version` counter (a measurement, a scheda) are fingerprinted like any
other row: the counter is one of their fields.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models, transaction
from django.http import QueryDict
from django.utils import timezone

from core.exceptions import ServiceError

TOKEN_FIELD = "lock_token"
_HASH_CHARS = 10
_SHOWN_CHARS = 120

Rows = Sequence[models.Model] | Callable[[], Sequence[models.Model]]


# ---------------------------------------------------------------------------------------------
# Fingerprints
# ---------------------------------------------------------------------------------------------


def _is_automatic(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _fields(instance: models.Model) -> list[models.Field]:
    meta = instance._meta
    concrete = [f for f in meta.concrete_fields if not f.primary_key and not _is_automatic(f)]
    return concrete + list(meta.many_to_many)


def _raw(instance: models.Model, field: models.Field) -> Any:
    if field.many_to_many:
        if instance.pk is None:
            return []
        return sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return getattr(instance, field.attname)


def _canonical(field: models.Field, value: Any) -> Any:
    """The same stored value gives the same text, whether just typed (60) or read (60.00)."""
    if value is not None and not field.is_relation:
        try:
            value = field.to_python(value)
        except Exception:  # a value the field cannot read still fingerprints as itself
            return value
    if isinstance(value, Decimal):
        return str(value.normalize()) if value.is_finite() else str(value)
    return value


def _digest(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()[:_HASH_CHARS]


def row_key(instance: models.Model) -> str:
    return f"{instance._meta.label_lower}:{instance.pk}"


def fingerprint(rows: Iterable[models.Model]) -> dict[str, dict[str, str]]:
    """{row key: {field name: short hash}} for every row."""
    return {
        row_key(row): {
            field.name: _digest(_canonical(field, _raw(row, field))) for field in _fields(row)
        }
        for row in rows
    }


def token_for(rows: Iterable[models.Model]) -> str:
    """The opaque text a form carries: the fingerprint, compact and URL-safe."""
    data = json.dumps(fingerprint(rows), separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(data.encode("ascii")).decode("ascii").rstrip("=")


def _decode(token: str) -> dict[str, dict[str, str]] | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        return None
    return data


# ---------------------------------------------------------------------------------------------
# Refusal
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """A field changed by someone else since the form was read."""

    label: str
    stored: str
    yours: str | None  # None when the form has no such field


class StaleEdit(ServiceError):
    """The data changed after the form was read; `changes` lists the fields concerned."""

    def __init__(self, message: str, *, changes: Sequence[FieldChange], who: str, when: str):
        super().__init__(message, code="conflict")
        self.changes = list(changes)
        self.who = who
        self.when = when


def _display(instance: models.Model, field: models.Field, value: Any) -> str:
    # Imported here: engine.numbers is the one formatter, and core must not need it at import.
    from engine.numbers import format_date, format_number

    if value is None or value == "" or value == []:
        return "(vuoto)"
    if field.many_to_many or isinstance(value, models.QuerySet):
        items = list(value) if not isinstance(value, list | tuple) else value
        related = field.related_model
        pks = [getattr(item, "pk", item) for item in items]
        names = {obj.pk: str(obj) for obj in related._default_manager.filter(pk__in=pks)}
        text = ", ".join(sorted(names.get(pk, str(pk)) for pk in pks)) or "(vuoto)"
    elif field.is_relation:
        if isinstance(value, models.Model):
            text = str(value)
        else:
            related = field.related_model._default_manager.filter(pk=value).first()
            text = str(related) if related is not None else str(value)
    elif field.choices:
        text = str(dict(field.flatchoices).get(value, value))
    elif isinstance(value, bool):
        text = "sì" if value else "no"
    elif isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        text = format_number(Decimal(str(value)))
    elif isinstance(value, dt.datetime):
        text = timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, dt.date):
        text = format_date(value)
    elif isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _label(field: models.Field) -> str:
    name = str(getattr(field, "verbose_name", field.name))
    return name[:1].upper() + name[1:]


def last_change(rows: Sequence[models.Model]) -> tuple[str, str]:
    """(who, when) of the latest audit row about any of `rows`."""
    from core.models import AuditEntry

    query = models.Q(pk__in=[])
    for row in rows:
        query |= models.Q(object_type=row._meta.label, object_id=str(row.pk))
    entry = AuditEntry.objects.filter(query).select_related("user").order_by("-id").first()
    if entry is None:
        return "un altro utente", ""
    who = str(entry.user) if entry.user_id else "una procedura automatica"
    when = timezone.localtime(entry.created_at)
    return who, f"alle {when:%H:%M} del {when:%d/%m/%Y}"


def _changes(
    seen: dict[str, dict[str, str]],
    rows: Sequence[models.Model],
    submitted: dict[str, Any] | None,
) -> list[FieldChange]:
    primary = row_key(rows[0]) if rows else None
    now = fingerprint(rows)
    changes: list[FieldChange] = []
    for row in rows:
        key = row_key(row)
        before = seen.get(key)
        prefix = "" if key == primary else f"{str(row)[:60]} – "
        for field in _fields(row):
            if before is not None and before.get(field.name) == now[key][field.name]:
                continue
            if before is None and key != primary:
                continue  # reported below as an added row
            yours = None
            if key == primary and submitted is not None and field.name in submitted:
                yours = _display(row, field, submitted[field.name])
            changes.append(
                FieldChange(
                    label=prefix + _label(field),
                    stored=_display(row, field, _raw(row, field)),
                    yours=yours,
                )
            )
        if before is None and key != primary:
            changes.append(FieldChange(label=f"{str(row)[:60]}", stored="aggiunto", yours=None))
    for key in sorted(set(seen) - set(now)):
        changes.append(
            FieldChange(label=f"Riga {key.split(':')[-1]}", stored="eliminata", yours=None)
        )
    return changes


def _message(what: str, who: str, when: str, changes: Sequence[FieldChange]) -> str:
    head = f"{what}: modificato da {who}"
    head += f" {when}" if when else ""
    head += " dopo che hai aperto il modulo; la tua modifica non è stata salvata."
    details = []
    for change in changes:
        text = f"{change.label}: ora «{change.stored}»"
        if change.yours is not None:
            text += f", nel tuo modulo «{change.yours}»"
        details.append(text)
    tail = (
        "Controlla i valori: se salvi di nuovo, i tuoi sostituiranno quelli attuali."
        if changes
        else "Ricarica la pagina per vedere i valori attuali."
    )
    return " ".join([head, *(f"{d}." for d in details), tail])


def describe(row: models.Model, noun: str | None = None) -> str:
    """«Obiettivo «OB1 Sicurezza urbana»»: what the refusal is about."""
    name = " ".join(str(row).split())
    name = name if len(name) <= 80 else name[:79] + "…"
    noun = noun or str(row._meta.verbose_name)
    return f"{noun[:1].upper()}{noun[1:]} «{name}»"


def check(
    token: str | None,
    rows: Sequence[models.Model],
    *,
    submitted: dict[str, Any] | None = None,
    noun: str | None = None,
) -> None:
    """Raise `StaleEdit` when `rows` (read now, inside the transaction) differ from `token`.

    `submitted` maps field names of the first row to the values the user sent, shown beside
    the stored ones. An empty token means "not checked".
    """
    if not token:
        return
    seen = _decode(token)
    if seen is None:
        raise ServiceError(
            "Il modulo è danneggiato (codice di versione non valido): ricarica la pagina.",
            code="conflict",
        )
    rows = list(rows)
    if fingerprint(rows) == seen:
        return
    who, when = last_change(rows)
    changes = _changes(seen, rows, submitted)
    what = describe(rows[0], noun) if rows else "Il dato"
    raise StaleEdit(_message(what, who, when, changes), changes=changes, who=who, when=when)


# ---------------------------------------------------------------------------------------------
# Forms and views
# ---------------------------------------------------------------------------------------------


def _resolve(rows: Rows) -> list[models.Model]:
    return list(rows() if callable(rows) else rows)


def attach(form: forms.BaseForm, *rows: models.Model) -> forms.BaseForm:
    """Give `form` the hidden `lock_token` of `rows` as they are now (the first is the edited
    object; the others belong to it, e.g. the targets of an indicator)."""
    form.fields[TOKEN_FIELD] = forms.CharField(
        required=False, widget=forms.HiddenInput, initial=token_for(rows)
    )
    return form


def posted_token(form: forms.BaseForm) -> str:
    """The token the form was submitted with ('' when none)."""
    if not form.is_bound:
        return ""
    return str(form.data.get(form.add_prefix(TOKEN_FIELD), "") or "")


def _refresh(rows: list[models.Model]) -> list[models.Model]:
    """Lock the stored rows and bring the given instances up to date in place."""
    for row in rows:
        if row.pk is None:
            continue
        manager = type(row)._default_manager
        locked = manager.select_for_update().filter(pk=row.pk).first()
        if locked is None:
            continue
        for field in row._meta.concrete_fields:
            setattr(row, field.attname, getattr(locked, field.attname))
        row._state.fields_cache.clear()
        prefetched = getattr(row, "_prefetched_objects_cache", None)
        if prefetched:
            prefetched.clear()
    return rows


def _rebind(form: forms.BaseForm, token: str) -> None:
    """Put the current token in the bound data, so the re-shown form overwrites on purpose."""
    data = form.data.copy() if isinstance(form.data, QueryDict) else dict(form.data)
    data[form.add_prefix(TOKEN_FIELD)] = token
    form.data = data


@contextmanager
def guard(
    form: forms.BaseForm,
    rows: Rows,
    *,
    noun: str | None = None,
    submitted: dict[str, Any] | None = None,
) -> Iterator[None]:
    """Run the save inside a transaction that first checks the form's token against `rows`.

    `rows` is the list (or a callable giving it, for rows that belong to the object, such as an
    indicator's targets) whose first element is the edited object. On a stale form the block
    does not run, `StaleEdit` (a `ServiceError`) propagates to the view's usual handling and
    the form now carries the current token.
    """
    token = posted_token(form)
    if submitted is None:
        submitted = getattr(form, "cleaned_data", None)
    with transaction.atomic():
        current = _refresh(_resolve(rows))
        if token:
            current = _resolve(rows)  # collections re-read after the lock
            try:
                check(token, current, submitted=submitted, noun=noun)
            except StaleEdit:
                _rebind(form, token_for(current))
                raise
        yield


def cleaned(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned data without the token, for services that refuse unknown fields."""
    return {k: v for k, v in form.cleaned_data.items() if k != TOKEN_FIELD}


def run(form: forms.BaseForm, rows: Rows, action: Callable[[], Any], **options: Any) -> Any:
    """`action()` inside `guard(form, rows)`: for views that pass the save as a callable."""
    with guard(form, rows, **options):
        return action()
