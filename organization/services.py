"""Every write to the organisation of an ente.

Each function validates its input with Italian messages naming the field, runs in a
transaction and writes one audit row with the diff. `data` is a mapping of field name to
value (a form's `cleaned_data`); missing fields keep their current value on update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, Model, QuerySet

from accounts.models import Membership, MembershipRole
from core.audit import diff, record, snapshot
from core.exceptions import AccessDenied, ServiceError
from core.parsing import ensure_free_key, parse_decimal, parse_key, required_text, unique_key
from engine import tree
from engine.numbers import format_number
from organization.access import ensure_writer
from organization.models import (
    Assignment,
    AssignmentKind,
    Employment,
    Ente,
    EnteKind,
    Person,
    Unit,
    is_real_peg_code,
)

MAX_WEEKLY_HOURS = Decimal("48")  # D.Lgs. 66/2003 art. 4: average weekly ceiling.

UNIT_FIELDS = (
    "key",
    "parent",
    "kind",
    "name",
    "peg_code",
    "description",
    "responsible",
    "responsible_label",
    "assessore",
    "order",
)
PERSON_FIELDS = (
    "key",
    "first_name",
    "last_name",
    "title",
    "fiscal_code",
    "payroll_number",
    "email",
)
EMPLOYMENT_FIELDS = (
    "employer_name",
    "ccnl_area",
    "legacy_category",
    "profile",
    "role",
    "contract",
    "part_time_percent",
    "hours_per_week",
    "start_date",
    "end_date",
)
ASSIGNMENT_FIELDS = (
    "unit",
    "kind",
    "position",
    "source_ente_name",
    "hours_per_week",
    "share_percent",
    "start_date",
    "end_date",
    "position_allowance",
    "position_allowance_start",
    "position_allowance_end",
    "note",
)
# Staff lent by another body: the chart must say where they come from.
KINDS_WITH_SOURCE = {AssignmentKind.CONVENTION, AssignmentKind.SECONDMENT}


# --- helpers -------------------------------------------------------------------------------


def _apply(instance: Model, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            setattr(instance, name, _normalised(instance, name, data[name]))


def _normalised(instance: Model, name: str, value: Any) -> Any:
    """Blank text is "", decimals carry the column's scale (so "100" equals the stored
    "100.00" and the audit diff shows only real changes)."""
    field = instance._meta.get_field(name)
    kind = field.get_internal_type()
    if value is None and kind in {"CharField", "TextField", "SlugField", "EmailField"}:
        return ""
    if value is not None and isinstance(field, DecimalField):
        number = parse_decimal(value, label=str(field.verbose_name).capitalize(), field=name)
        if number is None:
            return None
        return number.quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


@contextmanager
def _restored_on_error(instance: Model):
    """Put the instance back as it was if validation refuses the change.

    Update services edit the caller's object in place; after a refusal the caller (a view
    re-rendering the form, a test, an import) must not keep half-applied invalid values.
    """
    raw = {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }
    try:
        yield
    except ServiceError:
        for attname, value in raw.items():
            setattr(instance, attname, value)
        raise


def _check_dates(start: dt.date | None, end: dt.date | None, row: str) -> None:
    if start and end and end < start:
        raise ServiceError(
            f"{row}: la data di fine («al» {end:%d/%m/%Y}) non può precedere la data di inizio "
            f"(«dal» {start:%d/%m/%Y}).",
            field="end_date",
        )


def _check_percent(value: Decimal | None, *, field: str, label: str, row: str) -> None:
    if value is None:
        return
    if not Decimal("0") < value <= Decimal("100"):
        raise ServiceError(
            f"{row}: «{label}» deve essere maggiore di 0 e al massimo 100 "
            f"(valore indicato: {format_number(value)}).",
            field=field,
        )


def _check_hours(value: Decimal | None, row: str) -> None:
    if value is None:
        return
    if not Decimal("0") < value <= MAX_WEEKLY_HOURS:
        raise ServiceError(
            f"{row}: «ore settimanali» deve essere maggiore di 0 e al massimo "
            f"{format_number(MAX_WEEKLY_HOURS)} (valore indicato: {format_number(value)}).",
            field="hours_per_week",
        )


def _check_key(queryset: QuerySet, key: str, *, exclude_pk: int | None, what: str) -> None:
    parse_key(key)
    ensure_free_key(
        queryset,
        key,
        f"La chiave «{{key}}» è già usata da {what} «{{other}}».",
        exclude_pk=exclude_pk,
    )


# --- units ---------------------------------------------------------------------------------


def peg_code_clash(ente: Ente, code: str, *, exclude_pk: int | None = None) -> Unit | None:
    code = (code or "").strip()
    if not is_real_peg_code(code):
        return None
    return _others(Unit.objects.filter(ente=ente, peg_code__iexact=code), exclude_pk).first()


def unit_key_clash(ente: Ente, key: str, *, exclude_pk: int | None = None) -> Unit | None:
    return _others(Unit.objects.filter(ente=ente, key=key), exclude_pk).first()


def _others(units: QuerySet[Unit], exclude_pk: int | None) -> QuerySet[Unit]:
    return units if exclude_pk is None else units.exclude(pk=exclude_pk)


def _validate_unit(unit: Unit) -> None:
    unit.name = required_text(
        unit.name, field="name", message="La denominazione dell'unità è obbligatoria."
    )
    unit.peg_code = (unit.peg_code or "").strip()
    if unit.parent_id is not None:
        _check_parent(unit)
    if unit.responsible is not None and unit.responsible.ente_id != unit.ente_id:
        raise ServiceError(
            f"Il responsabile «{unit.responsible}» non appartiene a questo ente.",
            field="responsible",
        )
    if unit.key:
        units = Unit.objects.filter(ente=unit.ente)
        _check_key(units, unit.key, exclude_pk=unit.pk, what="l'unità")
    clash = peg_code_clash(unit.ente, unit.peg_code, exclude_pk=unit.pk)
    if clash is not None:
        raise ServiceError(
            f"Il codice PEG «{unit.peg_code}» è già usato dall'unità «{clash.name}».",
            field="peg_code",
        )


def _check_parent(unit: Unit) -> None:
    parent = unit.parent
    assert parent is not None  # called only for a unit with a parent
    if parent.ente_id != unit.ente_id:
        raise ServiceError(
            f"L'unità superiore «{parent}» appartiene a un altro ente.", field="parent"
        )
    if unit.pk is None:
        return
    # Walk up from the new parent over the ente's tree (one query): meeting the unit itself
    # means the move would put it under its own sub-unit.
    parents = dict(Unit.objects.filter(ente=unit.ente).values_list("pk", "parent_id"))
    if tree.would_loop(parents, unit.pk, parent.pk):
        raise ServiceError(
            f"L'unità superiore «{parent}» non può essere l'unità stessa né una sua "
            "sottounità: l'organigramma diventerebbe circolare.",
            field="parent",
        )


@transaction.atomic
def unit_create(*, user, ente: Ente, data: Mapping[str, Any]) -> Unit:
    ensure_writer(user, ente)
    unit = Unit(ente=ente)
    _apply(unit, data, UNIT_FIELDS)
    unit.key = (unit.key or "").strip()
    _validate_unit(unit)
    if not unit.key:
        unit.key = unique_key(Unit.objects.filter(ente=ente), unit.name)
    unit.save()
    record(user=user, action="unit.create", obj=unit, changes=diff({}, snapshot(unit)))
    return unit


@transaction.atomic
def unit_update(*, user, unit: Unit, data: Mapping[str, Any]) -> Unit:
    ensure_writer(user, unit.ente)
    before = snapshot(unit)
    with _restored_on_error(unit):
        _apply(unit, data, UNIT_FIELDS)
        unit.key = (unit.key or "").strip() or before["key"]
        _validate_unit(unit)
    unit.save()
    record(user=user, action="unit.update", obj=unit, changes=diff(before, snapshot(unit)))
    return unit


def _plan_references(unit: Unit) -> list[str]:
    """What in the plans points at the unit; deleting it would silently break those links."""
    counts = [
        (unit.objectives.count(), "obiettivi operativi"),
        (unit.strategic_objectives.count(), "obiettivi strategici"),
        (unit.weight_groups.count(), "gruppi di pesatura"),
        (unit.indicator_groups.count(), "tabelle di indicatori"),
        (unit.indicators.count(), "indicatori"),
    ]
    return [f"{count} {label}" for count, label in counts if count]


@transaction.atomic
def unit_delete(*, user, unit: Unit) -> None:
    ensure_writer(user, unit.ente)
    children = unit.children.count()
    if children:
        raise ServiceError(
            f"L'unità «{unit.name}» ha {children} sottounità: spostale sotto un'altra unità o "
            "eliminale prima."
        )
    references = _plan_references(unit)
    if references:
        raise ServiceError(
            f"L'unità «{unit.name}» è usata nei piani ({', '.join(references)}): "
            "non può essere eliminata."
        )
    before = snapshot(unit)
    record(user=user, action="unit.delete", obj=unit, changes=diff(before, {}))
    unit.delete()


# --- people --------------------------------------------------------------------------------


def _validate_person(person: Person) -> None:
    person.first_name = required_text(
        person.first_name, field="first_name", message="Il nome della persona è obbligatorio."
    )
    person.last_name = required_text(
        person.last_name, field="last_name", message="Il cognome della persona è obbligatorio."
    )
    person.fiscal_code = (person.fiscal_code or "").strip().upper()
    if person.fiscal_code and (len(person.fiscal_code) != 16 or not person.fiscal_code.isalnum()):
        raise ServiceError(
            f"Il codice fiscale «{person.fiscal_code}» non è valido: servono 16 lettere e cifre.",
            field="fiscal_code",
        )
    person.payroll_number = (person.payroll_number or "").strip()
    if person.payroll_number:
        clash = (
            Person.objects.filter(ente=person.ente, payroll_number=person.payroll_number)
            .exclude(pk=person.pk)
            .first()
        )
        if clash is not None:
            raise ServiceError(
                f"La matricola «{person.payroll_number}» è già di «{clash}».",
                field="payroll_number",
            )
    if person.key:
        _check_key(
            Person.objects.filter(ente=person.ente),
            person.key,
            exclude_pk=person.pk,
            what="la persona",
        )


@transaction.atomic
def person_create(*, user, ente: Ente, data: Mapping[str, Any]) -> Person:
    ensure_writer(user, ente)
    person = Person(ente=ente)
    _apply(person, data, PERSON_FIELDS)
    person.key = (person.key or "").strip()
    _validate_person(person)
    if not person.key:
        name = f"{person.first_name} {person.last_name}"
        person.key = unique_key(Person.objects.filter(ente=ente), name)
    person.save()
    record(user=user, action="person.create", obj=person, changes=diff({}, snapshot(person)))
    return person


@transaction.atomic
def person_update(*, user, person: Person, data: Mapping[str, Any]) -> Person:
    ensure_writer(user, person.ente)
    before = snapshot(person)
    with _restored_on_error(person):
        _apply(person, data, PERSON_FIELDS)
        person.key = (person.key or "").strip() or before["key"]
        _validate_person(person)
    person.save()
    record(user=user, action="person.update", obj=person, changes=diff(before, snapshot(person)))
    return person


# --- employments ---------------------------------------------------------------------------


def _validate_employment(employment: Employment) -> None:
    row = f"Rapporto di lavoro di {employment.person}"
    if employment.part_time_percent is None:
        raise ServiceError(
            f"{row}: indica la «percentuale di tempo» (100 per il tempo pieno).",
            field="part_time_percent",
        )
    _check_percent(
        employment.part_time_percent,
        field="part_time_percent",
        label="percentuale di tempo",
        row=row,
    )
    _check_hours(employment.hours_per_week, row)
    _check_dates(employment.start_date, employment.end_date, row)
    if employment.ccnl_area and employment.legacy_category:
        raise ServiceError(
            f"{row}: indica l'area CCNL oppure la categoria dell'ordinamento previgente, non "
            "entrambe.",
            field="legacy_category",
        )


@transaction.atomic
def employment_create(*, user, person: Person, data: Mapping[str, Any]) -> Employment:
    ensure_writer(user, person.ente)
    employment = Employment(person=person)
    _apply(employment, data, EMPLOYMENT_FIELDS)
    _validate_employment(employment)
    employment.save()
    record(
        user=user,
        action="employment.create",
        obj=employment,
        ente=person.ente,
        changes=diff({}, snapshot(employment)),
    )
    return employment


@transaction.atomic
def employment_update(*, user, employment: Employment, data: Mapping[str, Any]) -> Employment:
    ente = employment.person.ente
    ensure_writer(user, ente)
    before = snapshot(employment)
    with _restored_on_error(employment):
        _apply(employment, data, EMPLOYMENT_FIELDS)
        _validate_employment(employment)
    employment.save()
    record(
        user=user,
        action="employment.update",
        obj=employment,
        ente=ente,
        changes=diff(before, snapshot(employment)),
    )
    return employment


# --- assignments ---------------------------------------------------------------------------


def _validate_assignment(assignment: Assignment) -> None:
    person = assignment.person
    row = f"Assegnazione di {person}"
    if assignment.unit_id is None:
        raise ServiceError(f"{row}: scegli l'unità organizzativa.", field="unit")
    if assignment.unit.ente_id != person.ente_id:
        raise ServiceError(
            f"{row}: l'unità «{assignment.unit}» non appartiene all'ente della persona.",
            field="unit",
        )
    assignment.source_ente_name = (assignment.source_ente_name or "").strip()
    if assignment.kind in KINDS_WITH_SOURCE and not assignment.source_ente_name:
        kind = AssignmentKind(assignment.kind).label.lower()
        raise ServiceError(
            f"{row}: per «{kind}» indica l'«ente di provenienza».", field="source_ente_name"
        )
    _check_hours(assignment.hours_per_week, row)
    _check_percent(
        assignment.share_percent, field="share_percent", label="quota di impiego %", row=row
    )
    _check_dates(assignment.start_date, assignment.end_date, row)
    _check_position_allowance(assignment, row)


def _check_position_allowance(assignment: Assignment, row: str) -> None:
    """The retribuzione di posizione: an amount not below zero, a period within the assignment
    (an empty start or end is the assignment's own), and no period without an amount."""
    amount = assignment.position_allowance
    start, end = assignment.position_allowance_start, assignment.position_allowance_end
    if amount is None:
        if start or end:
            raise ServiceError(
                f"{row}: indica l'importo della «retribuzione di posizione annua €» per il "
                "periodo indicato, o lascia vuote le date.",
                field="position_allowance",
            )
        return
    if amount < 0:
        raise ServiceError(
            f"{row}: la «retribuzione di posizione annua €» non può essere negativa "
            f"(valore indicato: {format_number(amount)}).",
            field="position_allowance",
        )
    if start and end and end < start:
        raise ServiceError(
            f"{row}: la fine della posizione («posizione al» {end:%d/%m/%Y}) non può precedere "
            f"l'inizio («posizione dal» {start:%d/%m/%Y}).",
            field="position_allowance_end",
        )
    if start and assignment.start_date and start < assignment.start_date:
        raise ServiceError(
            f"{row}: la posizione non può iniziare ({start:%d/%m/%Y}) prima dell'assegnazione "
            f"({assignment.start_date:%d/%m/%Y}).",
            field="position_allowance_start",
        )
    if end and assignment.end_date and end > assignment.end_date:
        raise ServiceError(
            f"{row}: la posizione non può finire ({end:%d/%m/%Y}) dopo l'assegnazione "
            f"({assignment.end_date:%d/%m/%Y}).",
            field="position_allowance_end",
        )


def _record_assignment(user, action: str, assignment: Assignment, changes: dict) -> None:
    record(user=user, action=action, obj=assignment, ente=assignment.unit.ente, changes=changes)


@transaction.atomic
def assignment_create(*, user, person: Person, data: Mapping[str, Any]) -> Assignment:
    ensure_writer(user, person.ente)
    assignment = Assignment(person=person)
    _apply(assignment, data, ASSIGNMENT_FIELDS)
    _validate_assignment(assignment)
    assignment.save()
    _record_assignment(user, "assignment.create", assignment, diff({}, snapshot(assignment)))
    return assignment


@transaction.atomic
def assignment_update(*, user, assignment: Assignment, data: Mapping[str, Any]) -> Assignment:
    ensure_writer(user, assignment.person.ente)
    before = snapshot(assignment)
    with _restored_on_error(assignment):
        _apply(assignment, data, ASSIGNMENT_FIELDS)
        _validate_assignment(assignment)
    assignment.save()
    _record_assignment(user, "assignment.update", assignment, diff(before, snapshot(assignment)))
    return assignment


@transaction.atomic
def assignment_end(*, user, assignment: Assignment, end_date: dt.date | None) -> Assignment:
    """Close an assignment on `end_date`: the person leaves the unit, the history stays."""
    ensure_writer(user, assignment.person.ente)
    if end_date is None:
        raise ServiceError(
            f"Assegnazione di {assignment.person}: indica la data di fine («al»).",
            field="end_date",
        )
    before = snapshot(assignment)
    with _restored_on_error(assignment):
        assignment.end_date = end_date
        _check_dates(assignment.start_date, end_date, f"Assegnazione di {assignment.person}")
    assignment.save(update_fields=["end_date"])
    _record_assignment(user, "assignment.end", assignment, diff(before, snapshot(assignment)))
    return assignment


# --- ente ----------------------------------------------------------------------------------


@transaction.atomic
def ente_create(
    *,
    user,
    data: Mapping[str, Any],
    admin_username: str,
    admin_email: str,
    admin_password: str | None,
) -> tuple[Ente, Any]:
    """A new ente with its first administrator (Membership role admin).

    `user` is the platform administrator doing it, or None for the command line. Without
    `admin_password` the administrator is invited: no usable password until they choose one
    from the e-mail link (the page sends it).
    """
    if user is not None and not (user.is_platform_admin or user.is_superuser):
        raise AccessDenied("Solo un amministratore di piattaforma può creare un nuovo ente.")
    ente = _new_ente(data)
    admin = _new_admin(admin_username, admin_email, admin_password)
    membership = Membership.objects.create(user=admin, ente=ente, role=MembershipRole.ADMIN)
    record(user=user, action="ente.create", obj=ente, ente=ente, changes=diff({}, snapshot(ente)))
    record(
        user=user,
        action="account.invite" if admin_password is None else "account.create",
        obj=admin,
        ente=ente,
        changes={"username": [None, admin.username], "email": [None, admin.email]},
    )
    record(
        user=user,
        action="membership.create",
        obj=membership,
        ente=ente,
        changes=diff({}, snapshot(membership)),
    )
    return ente, admin


def _new_ente(data: Mapping[str, Any]) -> Ente:
    slug = parse_key(data.get("slug"), label="Identificativo dell'ente", field="slug")
    if Ente.objects.filter(slug=slug).exists():
        raise ServiceError(f"Esiste già un ente con identificativo «{slug}».", field="slug")
    name = required_text(
        data.get("name"), field="name", message="La denominazione dell'ente è obbligatoria."
    )
    kind = data.get("kind")
    if kind not in EnteKind.values:
        allowed = ", ".join(EnteKind.values)
        raise ServiceError(
            f"Il tipo di ente «{kind}» non è valido: scegli tra {allowed}.", field="kind"
        )
    headcount = data.get("headcount")
    if headcount is not None and headcount < 0:
        raise ServiceError("Il numero di dipendenti non può essere negativo.", field="headcount")
    return Ente.objects.create(
        slug=slug,
        name=name,
        kind=kind,
        ipa_code=(data.get("ipa_code") or "").strip(),
        istat_code=(data.get("istat_code") or "").strip(),
        headcount=headcount,
    )


def _new_admin(username: str, email: str, password: str | None):
    user_model = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ServiceError("Il nome utente dell'amministratore è obbligatorio.", field="username")
    try:
        user_model.username_validator(username)
    except ValidationError as error:
        raise ServiceError(
            f"Il nome utente «{username}» non è valido: usa lettere, cifre e i caratteri "
            "@ . + - _.",
            field="username",
        ) from error
    if user_model.objects.filter(username__iexact=username).exists():
        raise ServiceError(f"Esiste già un utente «{username}».", field="username")
    if password is None:
        if not email:
            raise ServiceError(
                "Indica l'e-mail dell'amministratore: riceverà il collegamento per scegliere "
                "la password.",
                field="email",
            )
        admin = user_model.objects.create_user(username=username, email=email)
        admin.set_unusable_password()
        admin.save(update_fields=["password"])
        return admin
    candidate = user_model(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ServiceError(
            "La password non è accettabile: " + " ".join(error.messages), field="password"
        ) from error
    return user_model.objects.create_user(username=username, email=email, password=password)
