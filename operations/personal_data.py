"""Everything Performa holds about one person (GDPR art. 15), as one JSON document.

The rows are found from the model relations, not from a hand-kept list, so a new model that
points at a person is exported without changing this module: every row of any model with a
foreign key or many-to-many link to the person (and, for the person's own schede, the rows
belonging to them), the login(s) linked to the person, and the audit rows about the person
or written by those logins. Relations where the person acts on someone else's data (the
evaluator of other people's schede) give only the reference, never the other person's data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership
from core.models import AuditEntry
from interchange.exporter import dumps
from organization.models import Person

FORMAT = "performa-personal-data"
# (model label, field name): the person appears there as the actor on other people's data.
ACTING_ON_OTHERS = {("appraisal.Scheda", "evaluator")}
# Rows whose children are the person's data too (items and history of their own scheda).
OWN_CHILDREN = {"appraisal.Scheda"}
SECRET_FIELDS = {"password", "secret_hash"}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def _row(instance: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {"id": instance.pk}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in SECRET_FIELDS:
            continue
        if field.is_relation:
            related_id = getattr(instance, field.attname)
            data[field.name] = None if related_id is None else _label(instance, field)
        else:
            data[field.name] = _plain(getattr(instance, field.attname))
    return data


def _label(instance: models.Model, field: models.Field) -> str:
    related = getattr(instance, field.name, None)
    return str(related) if related is not None else str(getattr(instance, field.attname))


def _section_name(model: type[models.Model], field_name: str) -> str:
    return f"{model._meta.label}.{field_name}"


def _children(instance: models.Model) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for relation in instance._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            model = relation.related_model
            rows = model._default_manager.filter(**{relation.field.name: instance}).order_by("pk")
            if rows:
                found[_section_name(model, relation.field.name)] = [_row(r) for r in rows]
    return found


def personal_data(person: Person) -> dict[str, Any]:
    """The document for `person`: sections keyed by model and link."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            is_link = (field.many_to_one or field.many_to_many) and not field.auto_created
            if not is_link or field.related_model is not Person or not field.concrete:
                continue
            rows = model._default_manager.filter(**{field.name: person}).order_by("pk")
            if not rows.exists():
                continue
            key = _section_name(model, field.name)
            if (model._meta.label, field.name) in ACTING_ON_OTHERS:
                sections[key] = [{"id": r.pk, "riferimento": str(r)} for r in rows]
                continue
            entries = []
            for row in rows:
                entry = _row(row)
                if model._meta.label in OWN_CHILDREN:
                    entry["collegati"] = _children(row)
                entries.append(entry)
            sections[key] = entries
    users = [m.user for m in Membership.objects.filter(person=person).select_related("user")]
    logins = []
    for user in {u.pk: u for u in users}.values():
        login = _row(user)
        login["ruoli"] = [
            {"ente": str(m.ente), "ruolo": m.get_role_display()}
            for m in Membership.objects.filter(user=user).select_related("ente")
        ]
        logins.append(login)
    audit = AuditEntry.objects.filter(
        Q(object_type=Person._meta.label, object_id=str(person.pk))
        | Q(user__in=[u.pk for u in users])
    ).order_by("created_at", "id")
    return {
        "format": FORMAT,
        "version": 1,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "ente": str(person.ente),
        "person": _row(person),
        "logins": logins,
        "data": sections,
        "audit": [_row(entry) for entry in audit],
        "note": (
            "Tutti i dati che Performa conserva su di te (art. 15 GDPR). Per rettifiche o "
            "domande rivolgiti al titolare del trattamento, cioè l'ente."
        ),
    }


def personal_data_json(person: Person) -> str:
    return dumps(personal_data(person))
