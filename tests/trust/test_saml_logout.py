"""Single logout messages from the identity provider are acted on only when signed by it.

Against pysaml2's identity provider (tests/trust/saml_idp.py): a LogoutRequest by HTTP-Redirect
carries its signature in the query (SAML bindings §3.4.4.1), by HTTP-POST in the XML; unsigned,
altered, foreign-signed or someone else's requests are refused and the session stays.
"""

from __future__ import annotations

import copy
import html
import re
from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest
from django.urls import reverse

from core.models import AuditEntry
from security.saml_views import LOGOUT_REFUSED
from tests.trust.test_saml_spid import FISCAL_CODE, _idp, _sign_in

SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


@pytest.fixture
def spid_idp(settings, tmp_path, client, db):
    provider = _idp(settings, tmp_path, single_logout=True, spid=True)
    provider.trust(client.get(reverse("security:saml_metadata")).content.decode())
    return provider


@pytest.fixture
def signed_in(client, spid_idp, make_ente, make_person, make_user):
    from accounts.models import Membership, MembershipRole

    ente = make_ente("unione-prova")
    person = make_person(ente, "anna-verdi", first_name="Anna", last_name="Verdi",
                         fiscal_code=FISCAL_CODE)  # fmt: skip
    user = make_user("anna.verdi", email="anna.verdi@ente.example.it")
    Membership.objects.create(user=user, ente=ente, role=MembershipRole.DIPENDENTE, person=person)
    _sign_in(client, spid_idp, {"fiscalNumber": [FISCAL_CODE]})
    assert int(client.session["_auth_user_id"]) == user.pk
    return user


def _assert_refused(client, response, user, reason: str, *, message: str = "LogoutRequest"):
    assert response.status_code == 302
    assert not response["Location"].startswith("https://idp.")  # no answer to the provider
    assert int(client.session["_auth_user_id"]) == user.pk  # the session stays
    entry = AuditEntry.objects.get(action="logout.sso.refused")
    assert entry.user == user
    assert entry.changes["reason"] == reason
    assert entry.changes["message"] == message
    page = html.unescape(client.get(response["Location"], follow=True).content.decode())
    assert LOGOUT_REFUSED in page
    assert int(client.session["_auth_user_id"]) == user.pk


def _assert_logged_out(client, response):
    assert response.status_code == 302
    assert response["Location"].startswith("https://idp.unione-prova.example.it/slo?SAMLResponse=")
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action="logout.sso.refused").exists()


def test_a_signed_redirect_logout_request_ends_the_session(client, spid_idp, signed_in):
    location = spid_idp.start_logout(relay_state="/")
    assert "&SigAlg=" in location and "&Signature=" in location
    _assert_logged_out(client, client.get(location))


def test_an_unsigned_redirect_logout_request_is_refused(client, spid_idp, signed_in):
    location = spid_idp.start_logout(sign=False)
    assert "Signature=" not in location
    _assert_refused(client, client.get(location), signed_in, "firma mancante")


@pytest.mark.parametrize(
    ("original", "altered"),
    [
        ("RelayState=%2F&", "RelayState=%2Faltrove&"),  # a parameter changed after signing
        ("xmldsig-more%23rsa-sha256", "xmldsig-more%23rsa-sha512"),  # another algorithm
    ],
)
def test_a_tampered_redirect_query_is_refused(client, spid_idp, signed_in, original, altered):
    location = spid_idp.start_logout(relay_state="/")
    assert original in location
    response = client.get(location.replace(original, altered))
    _assert_refused(client, response, signed_in, "firma non valida")


def test_a_request_signed_with_another_key_is_refused(client, spid_idp, signed_in, tmp_path):
    from tests.trust.saml_idp import LocalIdP

    (tmp_path / "impostore").mkdir()
    impostor = LocalIdP(tmp_path / "impostore", spid_idp.xmlsec_binary, single_logout=True)
    impostor.trust(client.get(reverse("security:saml_metadata")).content.decode())
    location = impostor.start_logout(name_id=spid_idp.signed_in_name_id())
    _assert_refused(client, client.get(location), signed_in, "firma non valida")


def test_a_signed_request_for_another_session_is_refused(client, spid_idp, signed_in):
    someone_else = copy.copy(spid_idp.signed_in_name_id())
    someone_else.text = "un-altro-utente"
    location = spid_idp.start_logout(name_id=someone_else)
    _assert_refused(client, client.get(location), signed_in, "altra sessione")


def test_the_signature_covers_the_query_as_sent_not_a_re_encoding(client, spid_idp, signed_in):
    """Some providers percent-encode in lower case: what they signed is those very octets."""
    unsigned = urlparse(spid_idp.start_logout(sign=False))
    saml_request = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), unsigned.query)
    assert saml_request != unsigned.query  # the message has escapes to lower
    query = f"{saml_request}&SigAlg={quote(SIG_RSA_SHA256, safe='').lower()}"
    params = {name: values[0] for name, values in parse_qs(query).items()}
    re_encoded = "&".join(urlencode({name: params[name]}) for name in ("SAMLRequest", "SigAlg"))
    assert re_encoded != query  # a verifier that re-encodes would check other octets
    signed = spid_idp.sign_query(query)
    _assert_logged_out(client, client.get(f"{unsigned.path}?{signed}"))


def test_a_signed_post_logout_request_ends_the_session(client, spid_idp, signed_in):
    destination, form = spid_idp.start_logout_post()
    assert urlparse(destination).path == reverse("security:saml_sls")
    response = client.post(reverse("security:saml_sls"), form)
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action="logout.sso.refused").exists()
    assert response.status_code in (200, 302)


def test_an_unsigned_post_logout_request_is_refused(client, spid_idp, signed_in):
    _destination, form = spid_idp.start_logout_post(sign=False)
    response = client.post(reverse("security:saml_sls"), form)
    _assert_refused(client, response, signed_in, "firma mancante")


def test_a_post_logout_request_signed_with_another_key_is_refused(
    client, spid_idp, signed_in, tmp_path
):
    from tests.trust.saml_idp import LocalIdP

    (tmp_path / "impostore").mkdir()
    impostor = LocalIdP(tmp_path / "impostore", spid_idp.xmlsec_binary, single_logout=True)
    impostor.trust(client.get(reverse("security:saml_metadata")).content.decode())
    _destination, form = impostor.start_logout_post(name_id=spid_idp.signed_in_name_id())
    response = client.post(reverse("security:saml_sls"), form)
    _assert_refused(client, response, signed_in, "firma non valida")


def test_an_unsigned_logout_response_is_refused_and_audited(client, spid_idp, signed_in):
    out = client.post(reverse("accounts:logout"))  # «Esci»: Performa's session ends at once
    assert "_auth_user_id" not in client.session
    back = spid_idp.answer_logout(out["Location"], sign=False)
    response = client.get(back)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    entry = AuditEntry.objects.get(action="logout.sso.refused")
    assert (entry.user, entry.changes["message"]) == (None, "LogoutResponse")
    assert entry.changes["reason"] == "firma mancante"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert LOGOUT_REFUSED in page


def test_a_signed_logout_response_finishes_the_logout(client, spid_idp, signed_in):
    out = client.post(reverse("accounts:logout"))
    response = client.get(spid_idp.answer_logout(out["Location"]))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not AuditEntry.objects.filter(action="logout.sso.refused").exists()


def test_a_forged_link_without_any_message_leaves_the_session(client, spid_idp, signed_in):
    response = client.get(reverse("security:saml_sls"))
    reason = "né SAMLRequest né SAMLResponse, o entrambi"
    _assert_refused(client, response, signed_in, reason, message="")


def test_a_message_that_inflates_without_bound_is_refused_unread(client, spid_idp, signed_in):
    import base64
    import zlib

    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = deflater.compress(b"<" + b"a" * 4_000_000) + deflater.flush()
    query = urlencode({"SAMLRequest": base64.b64encode(bomb).decode(), "SigAlg": SIG_RSA_SHA256})
    response = client.get(f"{reverse('security:saml_sls')}?{query}&Signature=AAAA")
    _assert_refused(client, response, signed_in, "messaggio troppo grande")


def test_a_signed_request_reaching_a_browser_without_that_session_is_refused(
    client, spid_idp, signed_in
):
    from django.test import Client

    other = Client()
    other.force_login(signed_in)  # a password session of the same user, no SAML session
    response = other.get(spid_idp.start_logout())
    assert response.status_code == 302
    assert int(other.session["_auth_user_id"]) == signed_in.pk
    assert AuditEntry.objects.get(action="logout.sso.refused").changes["reason"] == "altra sessione"
