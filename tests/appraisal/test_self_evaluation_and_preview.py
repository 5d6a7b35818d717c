"""Evaluation pages: the self-evaluation, a preview that leaves nothing behind, the default
cycle when the newest one has no scheda yet."""

# The `login` fixture comes from test_views; tests name it as an argument.

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisal import services
from appraisal.models import Scheda, SchedaState
from core.models import AuditEntry
from planning.models import Cycle, CycleState
from tests.appraisal.test_views import _score_post, detail

pytestmark = pytest.mark.django_db


def self_url(scheda):
    return reverse("appraisal:scheda_self_evaluate", args=[scheda.pk])


@pytest.fixture
def with_self_evaluation(org):
    services.scheme_update(user=org.users.admin, scheme=org.staff, data={"self_evaluation": True})
    return org


def test_my_scheda_links_the_self_evaluation_while_draft(with_self_evaluation, schede, enter):
    org = with_self_evaluation
    scheda = schede["agente"]
    client = enter(org.users.agente, org.ente)
    body = client.get(reverse("appraisal:my_scheda")).content.decode()
    assert self_url(scheda) in body
    assert "Scrivi l'autovalutazione" in body
    page = client.get(self_url(scheda)).content.decode()
    assert '<label for="id_text"' in page
    response = client.post(self_url(scheda), {"text": "Ho ridotto i tempi dei verbali."})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('appraisal:my_scheda')}?anno={org.cycle.year}"
    scheda.refresh_from_db()
    assert scheda.self_evaluation_text == "Ho ridotto i tempi dei verbali."
    assert AuditEntry.objects.filter(action="scheda.self_evaluate").count() == 1
    body = client.get(reverse("appraisal:my_scheda")).content.decode()
    assert "Modifica l'autovalutazione" in body
    assert "Ho ridotto i tempi dei verbali." in body


def test_empty_self_evaluation_is_refused_next_to_the_field(with_self_evaluation, schede, enter):
    org = with_self_evaluation
    scheda = schede["agente"]
    client = enter(org.users.agente, org.ente)
    response = client.post(self_url(scheda), {"text": "   "})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in body
    assert Scheda.objects.get(pk=scheda.pk).self_evaluation_text == ""


def test_no_self_evaluation_without_the_scheme_option(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.agente, org.ente)
    assert self_url(scheda) not in client.get(reverse("appraisal:my_scheda")).content.decode()
    response = client.post(self_url(scheda), {"text": "Testo"})
    assert response.status_code == 302
    assert Scheda.objects.get(pk=scheda.pk).self_evaluation_text == ""


def test_only_the_evaluated_person_self_evaluates(with_self_evaluation, schede, enter):
    org = with_self_evaluation
    scheda = schede["agente"]
    for user in (org.users.comandante, org.users.admin, org.users.impiegata):
        client = enter(user, org.ente)
        assert client.post(self_url(scheda), {"text": "Altro"}).status_code == 403
    assert (
        self_url(scheda)
        not in enter(org.users.comandante, org.ente).get(detail(scheda)).content.decode()
    )
    assert Scheda.objects.get(pk=scheda.pk).self_evaluation_text == ""


def test_no_self_evaluation_after_the_colloquio(with_self_evaluation, schede, enter):
    org = with_self_evaluation
    scheda = schede["agente"]
    Scheda.objects.filter(pk=scheda.pk).update(state=SchedaState.INTERVIEW)
    client = enter(org.users.agente, org.ente)
    assert self_url(scheda) not in client.get(reverse("appraisal:my_scheda")).content.decode()
    response = client.post(self_url(scheda), {"text": "Tardi"}, follow=True)
    assert "prima del colloquio" in response.content.decode()
    assert Scheda.objects.get(pk=scheda.pk).self_evaluation_text == ""


def test_score_preview_leaves_no_audit_row_and_no_new_version(org, schede, enter):
    scheda = schede["agente"]
    version = scheda.version
    audits = AuditEntry.objects.count()
    client = enter(org.users.comandante, org.ente)
    url = reverse("appraisal:scheda_score_preview", args=[scheda.pk])
    body = client.post(url, _score_post(org, scheda), HTTP_HX_REQUEST="true").content.decode()
    assert "52,20 punti su 60" in body
    # also the preview shown by the scoring page itself, with an incomplete form
    client.post(
        reverse("appraisal:scheda_edit", args=[scheda.pk]), _score_post(org, scheda, unit="")
    )
    scheda.refresh_from_db()
    assert scheda.version == version
    assert AuditEntry.objects.count() == audits
    assert not AuditEntry.objects.filter(action="scheda.score").exists()
    assert not scheda.items.exists()


def test_pages_default_to_the_latest_cycle_with_schede(org, schede, enter):
    Cycle.objects.create(
        ente=org.ente, year=org.cycle.year + 1, first_year=org.cycle.year + 1,
        last_year=org.cycle.year + 3, title="Bozza", state=CycleState.DRAFT,
    )  # fmt: skip
    year = org.cycle.year
    admin = enter(org.users.admin, org.ente)
    for name in ("index", "evaluator_list", "nucleo_overview", "aggregates"):
        body = admin.get(reverse(f"appraisal:{name}")).content.decode()
        assert f'<option value="{year}" selected>' in body, name
    # the models are prepared for the newest cycle
    body = admin.get(reverse("appraisal:scheme_list")).content.decode()
    assert f'<option value="{year + 1}" selected>' in body
    mine = enter(org.users.agente, org.ente).get(reverse("appraisal:my_scheda"))
    assert mine.context["scheda"].pk == schede["agente"].pk
    # a year chosen explicitly is kept, even without schede
    body = admin.get(reverse("appraisal:index"), {"anno": year + 1}).content.decode()
    assert f'<option value="{year + 1}" selected>' in body


def test_without_schede_the_newest_cycle_is_the_default(org, enter):
    Cycle.objects.create(
        ente=org.ente, year=org.cycle.year + 1, first_year=org.cycle.year + 1,
        last_year=org.cycle.year + 3, title="Bozza", state=CycleState.DRAFT,
    )  # fmt: skip
    body = enter(org.users.admin, org.ente).get(reverse("appraisal:index")).content.decode()
    assert f'<option value="{org.cycle.year + 1}" selected>' in body
