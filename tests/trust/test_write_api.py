"""API tokens per ente with scopes; pushes of measurements, staff and absences; reads."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEntry
from integrations.models import ApiToken, IdempotencyKey, Scope
from integrations.services import token_create, token_revoke
from measurement.models import Measurement
from organization.models import Absence, Person
from tests.measurement.conftest import plan  # noqa: F401  (fixture)

ALL = [Scope.READ, Scope.WRITE_MEASUREMENTS, Scope.WRITE_STAFF]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _api(token_text: str | None = None) -> APIClient:
    client = APIClient()
    if token_text:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_text}")
    return client


@pytest.fixture
def token(plan):  # noqa: F811
    _, text = token_create(user=plan.users.admin, ente=plan.ente, name="Contabilità", scopes=ALL)
    return text


def _push_value(client, indicator, value="31", **extra):
    body = {"indicator": indicator.pk, "period_end": "2025-06-30", "value": value, **extra}
    return client.post(
        reverse("api:measurement_push"),
        body,
        format="json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in extra.pop("headers", {}).items()},
    )


def test_a_measurement_push_with_a_token_is_saved_and_audited(plan, token):  # noqa: F811
    response = _push_value(_api(token), plan.controls, value="31")
    assert response.status_code == 201, response.json()
    stored = Measurement.objects.get(indicator=plan.controls, period_end=dt.date(2025, 6, 30))
    assert str(stored.value) == "31.0000" or stored.value == 31
    entry = AuditEntry.objects.filter(action="measurement.create").latest("id")
    assert str(entry.user) == "API Contabilità"
    # The same period again updates the value.
    again = _push_value(_api(token), plan.controls, value="32")
    assert again.status_code == 200
    assert again.json()["version"] == 2


def test_a_push_without_a_token_is_refused(plan):  # noqa: F811
    response = _push_value(_api(), plan.controls)
    assert response.status_code in (401, 403)
    assert not Measurement.objects.exists()


def test_a_wrong_or_revoked_token_is_refused(plan, token):  # noqa: F811
    assert _push_value(_api(token + "x"), plan.controls).status_code == 401
    assert _push_value(_api("pf_nonesiste_abc"), plan.controls).status_code == 401
    revoked = ApiToken.objects.get()
    token_revoke(user=plan.users.admin, token=revoked)
    response = _push_value(_api(token), plan.controls)
    assert response.status_code == 401
    assert "revocato" in response.json()["detail"]


def test_the_scope_limits_what_a_token_does(plan):  # noqa: F811
    _, reader = token_create(user=plan.users.admin, ente=plan.ente, name="R", scopes=[Scope.READ])
    refused = _push_value(_api(reader), plan.controls)
    assert refused.status_code == 403
    assert "write:measurements" in refused.json()["detail"]
    _, writer = token_create(
        user=plan.users.admin, ente=plan.ente, name="W", scopes=[Scope.WRITE_MEASUREMENTS]
    )
    assert _api(writer).get(reverse("api:cycles")).status_code == 403
    assert _api(reader).get(reverse("api:cycles")).status_code == 200


def test_a_token_never_reaches_another_ente(plan, make_ente):  # noqa: F811
    other = make_ente("altro-ente")
    _, foreign = token_create(user=None, ente=other, name="Altro", scopes=ALL)
    response = _push_value(_api(foreign), plan.controls)
    assert response.status_code == 404
    assert _api(foreign).get(reverse("api:cycle_scores", args=[plan.cycle.pk])).status_code == 404
    assert [c["id"] for c in _api(foreign).get(reverse("api:cycles")).json()["results"]] == []


def test_the_service_rules_apply_to_pushes(plan, token):  # noqa: F811
    response = _push_value(_api(token), plan.controls, value="dodici")
    assert response.status_code == 400
    assert response.json()["field"] == "value"
    outside = _push_value(_api(token), plan.controls, period_end="2031-06-30")
    assert outside.status_code == 400
    assert not Measurement.objects.exists()


def test_an_idempotency_key_makes_a_retry_harmless(plan, token):  # noqa: F811
    client = _api(token)
    body = {"indicator": plan.controls.pk, "period_end": "2025-06-30", "value": "31"}
    first = client.post(reverse("api:measurement_push"), body, format="json",
                        HTTP_IDEMPOTENCY_KEY="lotto-2025-06-30")  # fmt: skip
    again = client.post(reverse("api:measurement_push"), body, format="json",
                        HTTP_IDEMPOTENCY_KEY="lotto-2025-06-30")  # fmt: skip
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Measurement.objects.get().version == 1
    assert AuditEntry.objects.filter(action__startswith="measurement.").count() == 1
    other = client.post(reverse("api:measurement_push"), {**body, "value": "40"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="lotto-2025-06-30")  # fmt: skip
    assert other.status_code == 422
    assert IdempotencyKey.objects.count() == 1


def test_rate_limit_per_token(plan, token, settings):  # noqa: F811
    settings.PERFORMA_API_RATE = "3/min"
    client = _api(token)
    codes = [client.get(reverse("api:cycles")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get(reverse("api:cycles"))
    assert "Troppe richieste con questo token" in response.json()["detail"]


def test_staff_and_absences_from_payroll(plan, token):  # noqa: F811
    client = _api(token)
    person = {"key": "giulia-verdi", "first_name": "Giulia", "last_name": "Verdi",
              "fiscal_code": "vrdglu80a41f257x"}  # fmt: skip
    assert client.post(reverse("api:person_push"), person, format="json").status_code == 201
    renamed = {**person, "last_name": "Verdi Neri"}
    assert client.post(reverse("api:person_push"), renamed, format="json").status_code == 200
    stored = Person.objects.get(ente=plan.ente, key="giulia-verdi")
    assert stored.last_name == "Verdi Neri" and stored.fiscal_code == "VRDGLU80A41F257X"
    bad = client.post(reverse("api:person_push"), {**person, "fiscal_code": "123"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "fiscal_code"

    absence = {"person": "giulia-verdi", "kind": "maternita", "start_date": "2025-02-01",
               "end_date": "2025-06-30"}  # fmt: skip
    assert client.post(reverse("api:absence_push"), absence, format="json").status_code == 201
    longer = {**absence, "end_date": "2025-07-31"}
    assert client.post(reverse("api:absence_push"), longer, format="json").status_code == 200
    assert Absence.objects.get(person=stored).end_date == dt.date(2025, 7, 31)
    reversed_dates = {**absence, "start_date": "2025-08-01", "end_date": "2025-07-01"}
    refused = client.post(reverse("api:absence_push"), reversed_dates, format="json")
    assert refused.status_code == 400 and "precede" in refused.json()["detail"]
    unknown = client.post(reverse("api:absence_push"), {**absence, "person": "x"}, format="json")
    assert unknown.status_code == 404
    assert AuditEntry.objects.filter(action="absence.update").count() == 1


def test_scores_and_aggregates_can_be_read(plan, token):  # noqa: F811
    client = _api(token)
    scores = client.get(reverse("api:cycle_scores", args=[plan.cycle.pk]))
    assert scores.status_code == 200
    body = scores.json()
    assert {"ente", "units", "objectives"} <= set(body)
    assert "persons" not in body  # individual scores are personal data
    aggregates = client.get(reverse("api:schede_aggregates", args=[plan.cycle.pk]))
    assert aggregates.status_code == 200
    assert aggregates.json()["threshold"] == 3


def test_session_users_keep_their_page_rules(plan):  # noqa: F811
    client = APIClient()
    client.force_authenticate(plan.users.agente)  # a dipendente enters no values
    response = _push_value(client, plan.controls)
    assert response.status_code in (403, 400)
    assert not Measurement.objects.exists()


# --- the token page --------------------------------------------------------------------------


def _enter(client, user, ente):
    from accounts.middleware import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = ente.pk
    session.save()
    return client


def test_the_administrator_creates_and_revokes_tokens(client, plan):  # noqa: F811
    _enter(client, plan.users.admin, plan.ente)
    page = client.post(
        reverse("integrations:tokens"), {"name": "Protocollo", "scopes": [Scope.READ]}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Copia ora il token" in body
    token = ApiToken.objects.get()
    text = body.split('<code id="nuovo-token">')[1].split("</code>")[0]
    assert text.startswith(f"pf_{token.prefix}_")
    assert token.secret_hash not in body and text not in str(token.__dict__)
    assert _api(text).get(reverse("api:cycles")).status_code == 200
    assert AuditEntry.objects.filter(action="api_token.create", user=plan.users.admin).exists()

    client.post(reverse("integrations:token_revoke", args=[token.pk]))
    assert _api(text).get(reverse("api:cycles")).status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoke", user=plan.users.admin).exists()
    assert "revocato il" in client.get(reverse("integrations:tokens")).content.decode()


def test_only_the_administrator_manages_tokens(client, plan, make_ente):  # noqa: F811
    _enter(client, plan.users.comandante, plan.ente)
    assert client.get(reverse("integrations:tokens")).status_code == 403
    other = make_ente("altro-ente")
    foreign, _ = token_create(user=None, ente=other, name="Altro", scopes=ALL)
    _enter(client, plan.users.admin, plan.ente)
    assert client.post(reverse("integrations:token_revoke", args=[foreign.pk])).status_code == 404
    assert ApiToken.objects.get(pk=foreign.pk).is_active


def test_the_form_says_what_is_missing(client, plan):  # noqa: F811
    _enter(client, plan.users.admin, plan.ente)
    page = client.post(reverse("integrations:tokens"), {"name": ""})
    assert page.status_code == 400
    body = html.unescape(page.content.decode())
    assert "Dai un nome al token." in body and "Scegli almeno un'autorizzazione." in body
