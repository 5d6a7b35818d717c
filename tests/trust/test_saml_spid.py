"""The SPID profile of SAML 2 and single logout, against pysaml2's identity provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from accounts.models import Membership, MembershipRole
from core.models import AuditEntry
from security.saml import xmlsec_binary

FISCAL_CODE = "VRDNNA80A41F257X"


def _idp(settings, tmp_path, *, single_logout: bool, spid: bool):
    xmlsec = xmlsec_binary()
    if not xmlsec:
        pytest.skip(
            "programma xmlsec1 non trovato: installa il pacchetto Debian 'xmlsec1' "
            "(scripts/ensure-xmlsec1.sh); senza, i test SAML 2 sono saltati"
        )
    from tests.trust.saml_idp import SP_ENTITY_ID, LocalIdP, make_key_pair

    provider = LocalIdP(tmp_path, xmlsec, single_logout=single_logout)
    settings.PERFORMA_SAML_ENTITY_ID = SP_ENTITY_ID
    settings.PERFORMA_SAML_IDP_METADATA_FILE = provider.metadata_file
    settings.PERFORMA_SAML_SPID = spid
    if spid:
        key, cert = make_key_pair(tmp_path, "performa-sp")
        settings.PERFORMA_SAML_KEY_FILE, settings.PERFORMA_SAML_CERT_FILE = key, cert
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "security.saml.PerformaSaml2Backend",
    ]
    return provider


@pytest.fixture
def spid_idp(settings, tmp_path, client, db):
    provider = _idp(settings, tmp_path, single_logout=True, spid=True)
    provider.trust(client.get(reverse("security:saml_metadata")).content.decode())
    return provider


@pytest.fixture
def plain_idp(settings, tmp_path, client, db):
    provider = _idp(settings, tmp_path, single_logout=False, spid=False)
    provider.trust(client.get(reverse("security:saml_metadata")).content.decode())
    return provider


@pytest.fixture
def demo_user(make_ente, make_person, make_user):
    ente = make_ente("unione-prova")
    person = make_person(ente, "anna-verdi", first_name="Anna", last_name="Verdi",
                         fiscal_code=FISCAL_CODE)  # fmt: skip
    user = make_user("anna.verdi", email="anna.verdi@ente.example.it")
    Membership.objects.create(user=user, ente=ente, role=MembershipRole.DIPENDENTE, person=person)
    return user


def _start(client) -> str:
    start = client.get(reverse("security:saml_login"), {"next": "/"})
    assert start.status_code == 302
    return start["Location"]


def _sign_in(client, idp, identity):
    form = idp.respond(_start(client), identity)
    response = client.post(reverse("security:saml_acs"), form)
    assert int(client.session["_auth_user_id"]) > 0
    return response


def test_the_spid_authn_request_is_signed_asks_level_2_and_forces_authentication(
    client, spid_idp, settings, db
):
    location = _start(client)
    assert "SigAlg=" in location and "Signature=" in location
    assert spid_idp.request_signature_valid(location, settings.PERFORMA_SAML_CERT_FILE)
    tampered = location.replace("RelayState=%2F", "RelayState=%2Faltro")
    assert tampered != location
    assert not spid_idp.request_signature_valid(tampered, settings.PERFORMA_SAML_CERT_FILE)
    spid_idp.respond(location, {"fiscalNumber": [f"TINIT-{FISCAL_CODE}"]})
    request = spid_idp.last_request
    context = request.requested_authn_context
    assert [ref.text for ref in context.authn_context_class_ref] == [
        "https://www.spid.gov.it/SpidL2"
    ]
    assert context.comparison == "minimum"
    assert request.force_authn == "true"
    assert request.name_id_policy.format == "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"


def test_the_spid_metadata_announce_signed_requests_and_the_logout_service(client, spid_idp):
    body = client.get(reverse("security:saml_metadata")).content.decode()
    assert 'AuthnRequestsSigned="true"' in body
    assert 'WantAssertionsSigned="true"' in body
    assert "http://testserver/accesso/saml/sls/" in body


def test_a_spid_fiscal_number_logs_in_without_the_tinit_prefix(client, spid_idp, demo_user):
    _sign_in(client, spid_idp, {"fiscalNumber": [f"TINIT-{FISCAL_CODE}"]})
    assert int(client.session["_auth_user_id"]) == demo_user.pk


def test_esci_sends_a_signed_logout_request_and_the_answer_ends_the_session(
    client, spid_idp, demo_user, settings
):
    _sign_in(client, spid_idp, {"fiscalNumber": [FISCAL_CODE]})
    out = client.post(reverse("accounts:logout"))
    assert out.status_code == 302
    assert out["Location"].startswith("https://idp.unione-prova.example.it/slo?SAMLRequest=")
    assert spid_idp.request_signature_valid(out["Location"], settings.PERFORMA_SAML_CERT_FILE)
    assert "_auth_user_id" not in client.session  # Performa's session ends at once
    back = urlparse(spid_idp.answer_logout(out["Location"]))
    assert back.path == reverse("security:saml_sls")
    done = client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    assert AuditEntry.objects.filter(action="logout.sso", user=demo_user).exists()


def test_a_logout_by_get_is_refused(client, spid_idp, demo_user):
    _sign_in(client, spid_idp, {"fiscalNumber": [FISCAL_CODE]})
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_without_a_logout_service_esci_ends_the_local_session(client, plain_idp, demo_user):
    _sign_in(client, plain_idp, {"fiscalNumber": [FISCAL_CODE]})
    out = client.post(reverse("accounts:logout"))
    assert out.status_code == 302 and out["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_spid_profile_without_a_key_stops_the_start(settings, spid_idp):
    from security.checks import saml_checks

    assert [p.id for p in saml_checks()] == []
    settings.PERFORMA_SAML_KEY_FILE = ""
    assert "performa.E106" in {p.id for p in saml_checks()}


def test_a_logout_started_by_the_identity_provider_ends_the_session(client, spid_idp, demo_user):
    _sign_in(client, spid_idp, {"fiscalNumber": [FISCAL_CODE]})
    request = urlparse(spid_idp.start_logout())
    assert request.path == reverse("security:saml_sls")
    answer = client.get(request.path, {k: v[0] for k, v in parse_qs(request.query).items()})
    assert answer.status_code == 302
    assert answer["Location"].startswith("https://idp.unione-prova.example.it/slo?SAMLResponse=")
    assert "_auth_user_id" not in client.session


def test_refused_identities_do_not_lock_the_address_out(client, spid_idp, demo_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        form = spid_idp.respond(_start(client), {"fiscalNumber": ["RSSMRA80A01H501U"]})
        refused = client.post(reverse("security:saml_acs"), form)
        assert refused["Location"] == "/accedi/?sso=rifiutato"
    _sign_in(client, spid_idp, {"fiscalNumber": [FISCAL_CODE]})
    assert int(client.session["_auth_user_id"]) == demo_user.pk
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()
