"""Every edit form of a versioned object refuses a save over a newer change (no lost update).

For each form: open it, let «someone else» change the object, save the form. The save is
refused with who changed it and both values; saving the re-shown form is a deliberate overwrite.
"""

from __future__ import annotations

import html
import io

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import User
from appraisal.models import Behaviour, EvaluationScheme
from core.audit import record
from organization.models import Employment, Ente, Person, Unit
from planning.models import Cycle, CycleState, Indicator, OperationalObjective, Phase, WeightGroup
from rewards.models import Fund
from tests.trust.formdata import form_fields

ENTE = "unione-sorbara"


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def admin_client(demo_db, db):
    client = Client()
    client.force_login(User.objects.get(username=f"segretario.{ENTE.split('-')[1]}"))
    session = client.session
    session[SESSION_KEY] = Ente.objects.get(slug=ENTE).pk
    session.save()
    return client


def _draft():
    return Cycle.objects.filter(ente__slug=ENTE, state=CycleState.DRAFT).order_by("-year").first()


CASES = {
    "person": (
        "organization:person_update",
        lambda: Person.objects.filter(ente__slug=ENTE).first(),
        "last_name",
    ),
    "unit": (
        "organization:unit_update",
        lambda: Unit.objects.filter(ente__slug=ENTE).first(),
        "name",
    ),
    "employment": (
        "organization:employment_update",
        # (some demo employments hold both an area and a legacy category: not savable as is)
        lambda: (
            Employment.objects.filter(person__ente__slug=ENTE)
            .filter(Q(ccnl_area="") | Q(legacy_category=""))
            .first()
        ),
        "employer_name",
    ),
    "objective": (
        "planning:objective_edit",
        lambda: OperationalObjective.objects.filter(cycle=_draft()).first(),
        "title",
    ),
    "phase": (
        "planning:phase_edit",
        lambda: Phase.objects.filter(objective__cycle=_draft()).first(),
        "description",
    ),
    "indicator": (
        "planning:indicator_edit",
        lambda: Indicator.objects.filter(cycle=_draft(), objective__isnull=False).first(),
        "name",
    ),
    "weight_group": (
        "planning:weight_group_edit",
        lambda: WeightGroup.objects.filter(cycle=_draft()).first(),
        "label",
    ),
    "fund": ("rewards:fund_edit", lambda: Fund.objects.filter(ente__slug=ENTE).first(), "note"),
    "scheme": (
        "appraisal:scheme_edit",
        lambda: EvaluationScheme.objects.filter(cycle__ente__slug=ENTE).first(),
        "name",
    ),
    "behaviour": (
        "appraisal:behaviour_edit",
        lambda: Behaviour.objects.filter(ente__slug=ENTE).first(),
        "name",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_stale_save_is_refused_then_a_deliberate_one_lands(admin_client, case):
    url_name, pick, field = CASES[case]
    obj = pick()
    if obj is None:
        pytest.skip(f"nessun oggetto «{case}» modificabile nei dati demo")
    url = reverse(url_name, args=[obj.pk])
    page = admin_client.get(url)
    assert page.status_code == 200, (case, page.status_code)
    data = form_fields(page.content.decode())
    assert data.get("lock_token"), f"{case}: il modulo non porta la versione letta"

    # Someone else saves meanwhile.
    other = User.objects.create_user(
        f"collega-{case}", password="x", first_name="Carla", last_name="Bianchi"
    )
    type(obj).objects.filter(pk=obj.pk).update(**{field: "Valore di Carla"})
    record(user=other, action=f"{case}.update", obj=obj, ente=Ente.objects.get(slug=ENTE))

    data[field] = "Il mio valore"
    refused = admin_client.post(url, data)
    body = html.unescape(refused.content.decode())
    assert refused.status_code in (200, 400), (case, refused.status_code)
    assert "modificato da Carla Bianchi alle " in body, case
    assert "ora «Valore di Carla»" in body and "nel tuo modulo «Il mio valore»" in body, case
    assert getattr(type(obj).objects.get(pk=obj.pk), field) == "Valore di Carla"

    again = form_fields(refused.content.decode())
    again[field] = "Il mio valore"
    saved = admin_client.post(url, again)
    assert saved.status_code == 302, (case, saved.status_code)
    assert getattr(type(obj).objects.get(pk=obj.pk), field) == "Il mio valore"
