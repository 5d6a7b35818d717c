"""Single sign-on with SAML 2 against pysaml2's own identity provider, run inside the test."""

from __future__ import annotations

import base64
import html
import re

import pytest
from django.urls import reverse

from accounts.models import Membership, MembershipRole, User
from core.models import AuditEntry
from security.saml import xmlsec_binary

FISCAL_CODE = "VRDNNA80A41F257X"


@pytest.fixture
def idp(settings, tmp_path):
    """Skips (never fails) where xmlsec1 is missing: pysaml2 cannot sign or verify without it."""
    xmlsec = xmlsec_binary()
    if not xmlsec:
        pytest.skip(
            "programma xmlsec1 non trovato: installa il pacchetto Debian 'xmlsec1' "
            "(scripts/ensure-xmlsec1.sh); senza, i test SAML 2 sono saltati"
        )
    from tests.trust.saml_idp import IDP_SSO_URL, SP_ENTITY_ID, LocalIdP

    provider = LocalIdP(tmp_path, xmlsec)
    settings.PERFORMA_SAML_ENTITY_ID = SP_ENTITY_ID
    settings.PERFORMA_SAML_IDP_METADATA_FILE = provider.metadata_file
    settings.PERFORMA_SAML_PROVIDER_NAME = "Accesso unico dell'Unione"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "security.saml.PerformaSaml2Backend",
    ]
    provider.sso_url = IDP_SSO_URL
    return provider


@pytest.fixture
def trusted_idp(idp, client):
    metadata = client.get(reverse("security:saml_metadata"))
    assert metadata.status_code == 200
    idp.trust(metadata.content.decode())
    return idp


@pytest.fixture
def demo_user(make_ente, make_person, make_user):
    ente = make_ente("unione-prova")
    person = make_person(ente, "anna-verdi", first_name="Anna", last_name="Verdi",
                         fiscal_code=FISCAL_CODE)  # fmt: skip
    user = make_user("anna.verdi", email="anna.verdi@ente.example.it")
    Membership.objects.create(user=user, ente=ente, role=MembershipRole.DIPENDENTE, person=person)
    return user


def _start(client, idp) -> str:
    start = client.get(reverse("security:saml_login"), {"next": "/"})
    assert start.status_code == 302
    assert start["Location"].startswith(idp.sso_url + "?SAMLRequest=")
    return start["Location"]


def _sign_in(client, idp, identity, **kwargs):
    form = idp.respond(_start(client, idp), identity, **kwargs)
    return client.post(reverse("security:saml_acs"), form)


def test_the_login_page_offers_saml_beside_the_password(client, idp, db):
    body = html.unescape(client.get(reverse("accounts:login")).content.decode())
    assert "Accedi con Accesso unico dell'Unione" in body
    assert 'name="password"' in body


def test_the_metadata_names_the_service_provider_and_its_acs(client, idp, db):
    body = client.get(reverse("security:saml_metadata")).content.decode()
    assert 'entityID="https://performa.example.it/accesso/saml/metadati/"' in body
    assert "http://testserver/accesso/saml/acs/" in body


def test_a_demo_user_logs_in_by_fiscal_code(client, trusted_idp, demo_user):
    response = _sign_in(client, trusted_idp, {"fiscalNumber": [f"TINIT-{FISCAL_CODE}"]})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == demo_user.pk
    entry = AuditEntry.objects.get(action="login.sso", user=demo_user)
    assert entry.changes["via"] == "saml"


def test_a_demo_user_logs_in_by_email(client, trusted_idp, demo_user):
    response = _sign_in(client, trusted_idp, {"email": ["Anna.Verdi@ente.example.it"]})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == demo_user.pk


def test_an_unknown_identity_is_refused_audited_and_creates_nothing(client, trusted_idp, demo_user):
    counts = (User.objects.count(), Membership.objects.count())
    response = _sign_in(
        client,
        trusted_idp,
        {"email": ["sconosciuto@ente.example.it"], "fiscalNumber": ["RSSMRA80A01H501U"]},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accedi/?sso=rifiutato"
    assert "_auth_user_id" not in client.session
    assert (User.objects.count(), Membership.objects.count()) == counts
    entry = AuditEntry.objects.get(action="login.sso.refused")
    assert entry.user is None
    assert entry.changes["verified"] is True
    assert entry.changes["fiscal_code"] == "RSSMRA80A01H501U"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "non corrisponde a un solo utente di Performa" in page


def _tamper(form: dict[str, str]) -> dict[str, str]:
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    changed = re.sub(r"anna\.verdi@ente\.example\.it", "mario.bianchi@ente.example.it", xml)
    assert changed != xml
    return {**form, "SAMLResponse": base64.b64encode(changed.encode()).decode()}


def test_a_tampered_signature_is_refused(client, trusted_idp, demo_user, make_user):
    make_user("mario.bianchi", email="mario.bianchi@ente.example.it")
    form = trusted_idp.respond(
        _start(client, trusted_idp), {"email": ["anna.verdi@ente.example.it"]}
    )
    response = client.post(reverse("security:saml_acs"), _tamper(form))
    assert response["Location"] == "/accedi/?sso=non-valido"
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="login.sso.refused")
    assert entry.changes["verified"] is False
    assert entry.changes["reason"] == "SignatureError"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "la risposta del sistema di accesso non è valida" in page


def test_a_response_signed_with_another_key_is_refused(client, trusted_idp, demo_user, tmp_path):
    from tests.trust.saml_idp import LocalIdP

    (tmp_path / "impostore").mkdir()
    impostor = LocalIdP(tmp_path / "impostore", trusted_idp.xmlsec_binary)  # same entity id
    impostor.trust(client.get(reverse("security:saml_metadata")).content.decode())
    form = impostor.respond(_start(client, trusted_idp), {"fiscalNumber": [FISCAL_CODE]})
    response = client.post(reverse("security:saml_acs"), form)
    assert response["Location"] == "/accedi/?sso=non-valido"
    assert "_auth_user_id" not in client.session


def test_an_unsigned_response_is_refused(client, trusted_idp, demo_user):
    response = _sign_in(client, trusted_idp, {"email": ["anna.verdi@ente.example.it"]}, sign=False)
    assert response["Location"] == "/accedi/?sso=non-valido"
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.get(action="login.sso.refused").changes["reason"] == "SignatureError"


def test_a_response_to_another_browser_is_refused(client, trusted_idp, demo_user):
    from django.test import Client

    form = trusted_idp.respond(_start(client, trusted_idp), {"fiscalNumber": [FISCAL_CODE]})
    other = Client()
    response = other.post(reverse("security:saml_acs"), form)
    assert response["Location"] == "/accedi/?sso=non-valido"
    assert "_auth_user_id" not in other.session
    refused = AuditEntry.objects.get(action="login.sso.refused")
    assert refused.changes["reason"] == "UnsolicitedResponse"


def test_a_malformed_or_missing_response_goes_back_to_the_login_page(client, idp, db):
    acs = reverse("security:saml_acs")
    for form in ({"SAMLResponse": "non-è-base64<"}, {"SAMLResponse": "PGZvbz4="}, {}):
        response = client.post(acs, form)
        assert response.status_code == 302
        assert response["Location"] == "/accedi/?sso=non-valido"
    assert AuditEntry.objects.filter(action="login.sso.refused").count() == 3


def test_a_configuration_that_cannot_work_stops_the_start(settings, tmp_path):
    from security.checks import saml_checks

    settings.PERFORMA_SAML_ENTITY_ID = "https://performa.example.it/accesso/saml/metadati/"
    settings.PERFORMA_SAML_IDP_METADATA_FILE = str(tmp_path / "manca.xml")
    settings.PERFORMA_SAML_XMLSEC_BINARY = ""
    ids = {problem.id for problem in saml_checks()}
    assert "performa.E102" in ids
    assert ("performa.E101" in ids) == (not xmlsec_binary())
    settings.PERFORMA_SAML_ENTITY_ID = ""
    assert saml_checks() == []


def test_without_configuration_there_is_no_saml(client, db, settings):
    settings.PERFORMA_SAML_ENTITY_ID = ""
    assert client.get(reverse("security:saml_login")).status_code == 404
    assert client.post(reverse("security:saml_acs"), {"SAMLResponse": "x"}).status_code == 404
    assert "Accedi con" not in client.get(reverse("accounts:login")).content.decode()
