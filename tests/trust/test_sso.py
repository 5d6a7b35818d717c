"""Single sign-on with OpenID Connect against a provider the test starts on 127.0.0.1."""

from __future__ import annotations

import html
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlparse
from urllib.request import HTTPRedirectHandler, build_opener

import pytest
from django.urls import reverse

from accounts.models import Membership, MembershipRole, User
from core.models import AuditEntry
from tests.trust.oidc_provider import LocalProvider


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def provider(settings):
    with LocalProvider() as running:
        for name, value in running.settings().items():
            setattr(settings, name, value)
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "security.sso.PerformaOIDCBackend",
        ]
        settings.PERFORMA_OIDC_PROVIDER_NAME = "SPID/CIE dell'Unione"
        yield running


def _sign_in(client, provider, claims: dict):
    """The browser's round trip: Performa → provider → Performa."""
    provider.claims = claims
    start = client.get(reverse("security:oidc_login"))
    assert start.status_code == 302
    assert start["Location"].startswith(provider.base + "/authorize")
    opener = build_opener(_NoRedirect)
    try:
        opener.open(start["Location"])
    except HTTPError as redirect:  # urllib raises on the 302 it was told not to follow
        back = redirect.headers["Location"]
    callback = urlparse(back)
    assert callback.path == reverse("security:oidc_callback")
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    return client.get(callback.path, query)


@pytest.fixture
def demo_user(make_ente, make_person, make_user):
    ente = make_ente("unione-prova")
    person = make_person(ente, "anna-verdi", first_name="Anna", last_name="Verdi",
                         fiscal_code="VRDNNA80A41F257X")  # fmt: skip
    user = make_user("anna.verdi", email="anna.verdi@ente.example.it")
    Membership.objects.create(user=user, ente=ente, role=MembershipRole.DIPENDENTE, person=person)
    return user


def test_the_login_page_offers_the_provider(client, provider, db):
    body = html.unescape(client.get(reverse("accounts:login")).content.decode())
    assert "Accedi con SPID/CIE dell'Unione" in body
    assert 'name="password"' in body  # local password login stays


def test_a_demo_user_logs_in_by_fiscal_code(client, provider, demo_user):
    response = _sign_in(client, provider, {"sub": "x1", "fiscal_number": "TINIT-VRDNNA80A41F257X"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == demo_user.pk
    assert AuditEntry.objects.filter(action="login.sso", user=demo_user).exists()
    assert client.get(reverse("accounts:home")).status_code in (200, 302)


def test_a_verified_email_maps_to_the_account(client, provider, demo_user):
    claims = {"sub": "x2", "email": "Anna.Verdi@ente.example.it", "email_verified": True}
    assert _sign_in(client, provider, claims).status_code == 302
    assert int(client.session["_auth_user_id"]) == demo_user.pk


def test_an_unverified_email_or_unknown_identity_is_refused_and_creates_nothing(
    client, provider, demo_user
):
    users = User.objects.count()
    memberships = Membership.objects.count()
    for claims in (
        {"sub": "x3", "email": "anna.verdi@ente.example.it", "email_verified": False},
        {"sub": "x4", "email": "sconosciuto@ente.example.it", "email_verified": True},
        {"sub": "x5", "fiscal_number": "TINIT-RSSMRA80A01H501U"},
    ):
        response = _sign_in(client, provider, claims)
        assert response.status_code == 302
        assert response["Location"] == "/accedi/?sso=rifiutato"
        assert "_auth_user_id" not in client.session
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    page = html.unescape(client.get("/accedi/?sso=rifiutato").content.decode())
    assert "non corrisponde a un solo utente di Performa" in page


def test_a_tampered_state_is_refused(client, provider, demo_user):
    provider.claims = {"sub": "x1", "fiscal_number": "VRDNNA80A41F257X"}
    client.get(reverse("security:oidc_login"))
    response = client.get(reverse("security:oidc_callback"), {"code": "x", "state": "falso"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (302, 400)


def test_without_configuration_there_is_no_sso(client, db, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get(reverse("security:oidc_login")).status_code == 404
    assert "Accedi con" not in client.get(reverse("accounts:login")).content.decode()


def test_esci_ends_the_session_at_the_provider_too(client, provider, demo_user, settings):
    settings.PERFORMA_OIDC_END_SESSION_ENDPOINT = f"{provider.base}/logout"
    settings.OIDC_STORE_ID_TOKEN = True
    _sign_in(client, provider, {"sub": "x1", "fiscal_number": "VRDNNA80A41F257X"})
    id_token = client.session["oidc_id_token"]
    out = client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session
    target = urlparse(out["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.base}/logout"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver" + reverse("accounts:login")
    assert AuditEntry.objects.get(action="logout.sso").changes["at_provider"] is True


def test_without_an_end_session_endpoint_esci_is_local(client, provider, demo_user):
    _sign_in(client, provider, {"sub": "x1", "fiscal_number": "VRDNNA80A41F257X"})
    out = client.post(reverse("accounts:logout"))
    assert out["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_refused_identities_do_not_lock_the_address_out(client, provider, demo_user, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        claims = {"sub": f"altro-{attempt}", "fiscal_number": "RSSMRA80A01H501U"}
        assert _sign_in(client, provider, claims)["Location"] == "/accedi/?sso=rifiutato"
    claims = {"sub": "x1", "fiscal_number": "VRDNNA80A41F257X"}
    assert _sign_in(client, provider, claims)["Location"] != "/accedi/?sso=rifiutato"
    assert int(client.session["_auth_user_id"]) == demo_user.pk
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()
