"""GDPR art. 15 download, retention report, and an audit trail nobody can edit."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.urls import get_resolver, reverse

from accounts.middleware import SESSION_KEY
from accounts.models import Membership, MembershipRole, User
from appraisal.models import Scheda
from core.audit import record
from core.models import AuditEntry
from operations import retention
from operations.audit_guard import AuditTrailImmutable
from organization.models import Absence, AbsenceKind, Ente, Person


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())
    ente = Ente.objects.get(slug="unione-sorbara")
    scheda = Scheda.objects.filter(cycle__ente=ente).select_related("person").first()
    return ente, scheda


def _enter(client, user, ente):
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = ente.pk
    session.save()
    return client


def test_an_employee_downloads_everything_about_them(client, demo):
    ente, scheda = demo
    person = scheda.person
    Absence.objects.create(
        person=person, kind=AbsenceKind.SICKNESS, start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2024, 3, 5),
    )  # fmt: skip
    user = User.objects.create_user("dipendente.prova", password="x")
    Membership.objects.create(user=user, ente=ente, role=MembershipRole.DIPENDENTE, person=person)
    _enter(client, user, ente)
    page = client.get(reverse("operations:my_data"))
    assert "Scarica i miei dati" in page.content.decode()
    response = client.post(reverse("operations:my_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["person"]["fiscal_code"] == person.fiscal_code
    sections = document["data"]
    schede = sections["appraisal.Scheda.person"]
    assert [row["id"] for row in schede] == [
        s.pk for s in Scheda.objects.filter(person=person).order_by("pk")
    ]
    assert "appraisal.SchedaItem.scheda" in schede[0]["collegati"]
    assert any(key.startswith("organization.Absence") for key in sections)
    assert "dipendente.prova" in [login["username"] for login in document["logins"]]
    assert all("password" not in login for login in document["logins"])
    assert AuditEntry.objects.filter(action="person.personal_data_export", user=user).exists()


def test_the_download_never_contains_other_peoples_schede(client, demo):
    ente, scheda = demo
    evaluator = scheda.evaluator
    if evaluator is None:
        pytest.skip("la scheda demo non ha un valutatore")
    user = User.objects.create_user("valutatore.prova", password="x")
    Membership.objects.create(
        user=user, ente=ente, role=MembershipRole.RESPONSABILE, person=evaluator
    )
    document = json.loads(_enter(client, user, ente).post(reverse("operations:my_data")).content)
    as_evaluator = document["data"].get("appraisal.Scheda.evaluator", [])
    assert all(set(row) == {"id", "riferimento"} for row in as_evaluator)
    assert as_evaluator, "il valutatore vede il riferimento alle schede che ha compilato"


def test_the_administrator_answers_for_a_person_of_their_ente_only(client, demo):
    ente, scheda = demo
    admin_user = User.objects.get(username="segretario.casalbuttano")
    _enter(client, admin_user, Ente.objects.get(slug="unione-casalbuttano"))
    assert client.get(reverse("operations:person_data", args=[scheda.person.pk])).status_code == 404
    other = Person.objects.filter(ente__slug="unione-casalbuttano").first()
    response = client.get(reverse("operations:person_data", args=[other.pk]))
    assert response.status_code == 200 and json.loads(response.content)["person"]["id"] == other.pk


def test_retention_report_counts_and_deletion_is_the_entes_logged_decision(demo, settings):
    ente, _ = demo
    years = {o.kind: o.count for o in retention.report(today=dt.date(2024, 6, 1))}
    assert years["schede"] == 0
    later = dt.date(2024 + 11, 6, 1)
    overdue = {o.kind: o.count for o in retention.report(today=later, ente=ente)}
    assert overdue["schede"] == Scheda.objects.filter(cycle__ente=ente).count() > 0
    out = io.StringIO()
    call_command("retention_report", stdout=out)
    assert "Schede di valutazione (conservazione 10 anni)" in out.getvalue()
    with pytest.raises(Exception, match="decisione dell'ente"):
        call_command("retention_report", "--delete-schede", stdout=io.StringIO())


def test_the_audit_trail_cannot_be_edited(db, make_ente):
    entry = record(user=None, action="prova", object_type="x", ente=make_ente("audit"))
    entry.action = "falsificato"
    with pytest.raises(AuditTrailImmutable), transaction.atomic():
        entry.save()
    with pytest.raises(AuditTrailImmutable), transaction.atomic():
        entry.delete()
    with pytest.raises(AuditTrailImmutable), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().action == "prova"


def test_no_admin_page_or_endpoint_edits_the_audit_trail(rf):
    model_admin = admin.site._registry[AuditEntry]
    request = rf.post("/")
    request.user = User(is_superuser=True, is_staff=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    routes = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not [r for r in routes if "audit" in r]
    from api import urls as api_urls

    assert not [p for p in api_urls.urlpatterns if "audit" in str(p.pattern)]
