"""SPID/CIE through the OIDC federation, against a trust anchor, an intermediate and a provider
that the test starts on 127.0.0.1 (tests/trust/spid_federation.py)."""

from __future__ import annotations

import html
import json
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlparse
from urllib.request import HTTPRedirectHandler, build_opener

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Membership, MembershipRole, User
from core.models import AuditEntry
from security import jose
from tests.trust.spid_federation import FISCAL_NUMBER, LocalFederation, jwk_of, new_key

FISCAL_CODE = "VRDNNA80A41F257X"
CLIENT_ID = "http://testserver/accesso/spid/"


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _write_key(path, key) -> str:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(path)


@pytest.fixture
def federation(settings, tmp_path, client, db):
    cache.clear()  # resolved chains are cached; every test has a new federation
    with LocalFederation() as running:
        anchor_file = tmp_path / "ta.jwks.json"
        anchor_file.write_text(json.dumps(running.anchor_jwks()))
        settings.PERFORMA_SPID_OIDC_CLIENT_ID = CLIENT_ID
        settings.PERFORMA_SPID_OIDC_TRUST_ANCHOR = running.anchor.entity_id
        settings.PERFORMA_SPID_OIDC_TRUST_ANCHOR_JWKS_FILE = str(anchor_file)
        settings.PERFORMA_SPID_OIDC_PROVIDERS = f"SPID di prova|{running.op.entity_id}"
        settings.PERFORMA_SPID_OIDC_ORGANIZATION_NAME = "Unione dei Comuni di Prova"
        settings.PERFORMA_SPID_OIDC_CONTACTS = "ict@unione.example.it"
        for name in ("FEDERATION", "SIGNING", "ENCRYPTION"):
            setattr(settings, f"PERFORMA_SPID_OIDC_{name}_KEY_FILE",
                    _write_key(tmp_path / f"{name.lower()}.pem", new_key()))  # fmt: skip
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "security.spid.PerformaSpidBackend",
        ]
        configuration = client.get("/accesso/spid/.well-known/openid-federation")
        running.register_rp(configuration.content.decode())
        yield running
    cache.clear()


@pytest.fixture
def demo_user(make_ente, make_person, make_user):
    ente = make_ente("unione-prova")
    person = make_person(ente, "anna-verdi", first_name="Anna", last_name="Verdi",
                         fiscal_code=FISCAL_CODE)  # fmt: skip
    user = make_user("anna.verdi", email="anna.verdi@ente.example.it")
    Membership.objects.create(user=user, ente=ente, role=MembershipRole.DIPENDENTE, person=person)
    return user


def _start(client, federation):
    start = client.get(reverse("security:spid_login"), {"provider": federation.op.entity_id})
    assert start.status_code == 302
    return start["Location"]


def _through_provider(location: str) -> str:
    try:
        build_opener(_NoRedirect).open(location)
    except HTTPError as redirect:  # urllib raises on the 302 it was told not to follow
        return redirect.headers["Location"]
    raise AssertionError("il provider non ha reindirizzato")


def _sign_in(client, federation, claims: dict):
    """The browser's round trip: Performa → provider → Performa."""
    federation.claims = claims
    location = _start(client, federation)
    assert location.startswith(federation.op.entity_id + "/authorization?")
    back = urlparse(_through_provider(location))
    assert back.path == reverse("security:spid_callback")
    return client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def test_the_entity_configuration_is_self_signed_with_the_rp_metadata(client, federation):
    response = client.get("/accesso/spid/.well-known/openid-federation")
    assert response["Content-Type"] == "application/entity-statement+jwt"
    token = response.content.decode()
    assert jwt.get_unverified_header(token)["typ"] == "entity-statement+jwt"
    unverified = jwt.decode(token, options={"verify_signature": False})
    key = jwt.PyJWK(unverified["jwks"]["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"])
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["authority_hints"] == [federation.anchor.entity_id]
    rp = claims["metadata"]["openid_relying_party"]
    assert rp["client_id"] == CLIENT_ID
    assert rp["redirect_uris"] == ["http://testserver/accesso/spid/ritorno/"]
    assert rp["token_endpoint_auth_method"] == "private_key_jwt"
    assert {k["use"] for k in rp["jwks"]["keys"]} == {"sig", "enc"}
    assert rp["userinfo_encrypted_response_alg"] == "RSA-OAEP"
    # the federation key is not one of the protocol keys
    assert unverified["jwks"]["keys"][0]["kid"] not in {k["kid"] for k in rp["jwks"]["keys"]}


def test_the_login_page_offers_each_provider(client, federation):
    body = html.unescape(client.get(reverse("accounts:login")).content.decode())
    assert "Entra con SPID di prova" in body
    assert 'name="password"' in body


def test_a_staff_member_logs_in_by_fiscal_code(client, federation, demo_user):
    users, memberships = User.objects.count(), Membership.objects.count()
    response = _sign_in(
        client, federation, {"sub": "spid-1", FISCAL_NUMBER: f"TINIT-{FISCAL_CODE}"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")
    assert int(client.session["_auth_user_id"]) == demo_user.pk
    entry = AuditEntry.objects.get(action="login.sso", user=demo_user)
    assert entry.changes["via"] == "spid-cie-oidc"
    assert entry.changes["provider"] == federation.op.entity_id
    assert entry.changes["acr"] == "https://www.spid.gov.it/SpidL2"
    # the provider accepted only a signed request object with PKCE asking for the fiscal number
    request = federation.seen_requests[-1]
    assert request["claims"]["userinfo"][FISCAL_NUMBER] == {"essential": True}
    assert request["prompt"] == "consent login"
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_an_identity_with_no_matching_person_is_refused_in_italian(client, federation, demo_user):
    users, memberships = User.objects.count(), Membership.objects.count()
    response = _sign_in(
        client, federation, {"sub": "spid-2", FISCAL_NUMBER: "TINIT-RSSMRA80A01H501U"}
    )
    assert response["Location"] == "/accedi/?sso=rifiutato&via=spid"
    assert "_auth_user_id" not in client.session
    refusal = AuditEntry.objects.get(action="login.sso.refused")
    assert refusal.changes["fiscal_code"] == "RSSMRA80A01H501U" and refusal.changes["verified"]
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "il tuo codice fiscale non corrisponde a una persona dell'ente" in page


def test_an_e_mail_alone_does_not_log_in(client, federation, demo_user):
    claims = {"sub": "spid-3", "email": demo_user.email, "email_verified": True}
    assert _sign_in(client, federation, claims)["Location"] == "/accedi/?sso=rifiutato&via=spid"
    assert "_auth_user_id" not in client.session


def test_a_provider_outside_the_trust_chain_is_refused_before_any_redirect(
    client, federation, demo_user
):
    del federation.intermediate.subordinates[federation.op.entity_id]
    start = client.get(reverse("security:spid_login"), {"provider": federation.op.entity_id})
    assert start["Location"] == "/accedi/?sso=non-valido&via=spid"
    assert federation.seen_requests == []
    reason = AuditEntry.objects.get(action="login.sso.refused").changes["reason"]
    assert "catena di fiducia" in reason


def test_a_provider_signing_with_a_key_nobody_vouched_for_is_refused(client, federation):
    federation.op.signing_key = new_key()
    start = client.get(reverse("security:spid_login"), {"provider": federation.op.entity_id})
    assert start["Location"] == "/accedi/?sso=non-valido&via=spid"


def test_the_anchor_policy_is_applied_to_the_provider_metadata(federation, settings):
    from security.federation import resolve_provider

    metadata = resolve_provider(federation.op.entity_id)
    assert metadata["acr_values_supported"] == [
        "https://www.spid.gov.it/SpidL2",
        "https://www.spid.gov.it/SpidL3",
    ]


def test_an_unconfigured_provider_is_refused(client, federation):
    start = client.get(reverse("security:spid_login"), {"provider": "https://altro.example.it"})
    assert start["Location"] == "/accedi/?sso=non-valido&via=spid"


def test_userinfo_encrypted_to_another_key_is_refused(client, federation, demo_user):
    federation.encrypt_to = jwk_of(new_key(), "altra", use="enc")
    response = _sign_in(client, federation, {"sub": "spid-4", FISCAL_NUMBER: FISCAL_CODE})
    assert response["Location"] == "/accedi/?sso=non-valido&via=spid"
    assert "_auth_user_id" not in client.session


def test_a_replayed_or_forged_callback_is_refused(client, federation, demo_user):
    federation.claims = {"sub": "spid-5", FISCAL_NUMBER: FISCAL_CODE}
    back = urlparse(_through_provider(_start(client, federation)))
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    forged = client.get(back.path, {**query, "state": "falso"})
    assert forged["Location"] == "/accedi/?sso=non-valido&via=spid"
    assert client.get(back.path, query)["Location"] == reverse("accounts:home")
    client.logout()
    assert client.get(back.path, query)["Location"] == "/accedi/?sso=non-valido&via=spid"


def test_without_configuration_there_is_no_spid(client, db, settings):
    settings.PERFORMA_SPID_OIDC_CLIENT_ID = ""
    assert client.get("/accesso/spid/.well-known/openid-federation").status_code == 404
    assert client.get(reverse("security:spid_login")).status_code == 404
    assert "Entra con" not in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256"])
@pytest.mark.parametrize("enc", ["A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"])
def test_jwe_decryption_of_every_allowed_algorithm(alg, enc):
    from tests.trust.spid_federation import encrypt

    key = new_key()
    token = encrypt(b'{"sub": "s"}', jwk_of(key, "k", use="enc"), alg, enc)
    assert jose.decrypt(token, key) == b'{"sub": "s"}'
    protected, wrapped, iv, ciphertext, tag = token.split(".")
    forged_tag = jose.b64url_encode(bytes(b ^ 1 for b in jose.b64url_decode(tag)))
    with pytest.raises(jose.JoseError, match="alterato"):
        jose.decrypt(".".join([protected, wrapped, iv, ciphertext, forged_tag]), key)


def test_jwe_decryption_refuses_tampering_and_foreign_algorithms():
    from tests.trust.spid_federation import encrypt_a128cbc_hs256

    key = new_key()
    token = encrypt_a128cbc_hs256(b"contenuto riservato", jwk_of(key, "k", use="enc"))
    assert jose.decrypt(token, key) == b"contenuto riservato"
    parts = token.split(".")
    flipped = parts[3][:-2] + ("A" if parts[3][-2] != "A" else "B") + parts[3][-1]
    with pytest.raises(jose.JoseError):
        jose.decrypt(".".join([*parts[:3], flipped, parts[4]]), key)
    header = jose.b64url_encode(json.dumps({"alg": "RSA1_5", "enc": "A128CBC-HS256"}).encode())
    with pytest.raises(jose.JoseError, match="non ammessi"):
        jose.decrypt(".".join([header, *parts[1:]]), key)
    with pytest.raises(jose.JoseError):
        jose.decrypt(token, new_key())


def test_a_setup_that_cannot_work_is_refused_at_start(federation, settings):
    from security.checks import spid_checks

    assert spid_checks() == []
    settings.PERFORMA_SPID_OIDC_CLIENT_ID = "https://performa.example.it/spid/"
    settings.PERFORMA_SPID_OIDC_SIGNING_KEY_FILE = "/non/esiste.pem"
    assert {problem.id for problem in spid_checks()} == {"performa.E103", "performa.E104"}


def test_esci_revokes_the_token_at_the_provider(client, federation, demo_user):
    _sign_in(client, federation, {"sub": "s6", FISCAL_NUMBER: FISCAL_CODE})
    token = client.session["performa_sso"]["access_token"]
    out = client.post(reverse("accounts:logout"))
    assert out["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert federation.revoked == [token]
    entry = AuditEntry.objects.get(action="logout.sso", user=demo_user)
    assert entry.changes == {"via": "spid-cie-oidc", "at_provider": True}


def test_refused_identities_do_not_lock_the_address_out(client, federation, demo_user, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        claims = {"sub": f"altro-{attempt}", FISCAL_NUMBER: "RSSMRA80A01H501U"}
        assert _sign_in(client, federation, claims)["Location"].startswith("/accedi/?sso=")
    response = _sign_in(client, federation, {"sub": "s7", FISCAL_NUMBER: FISCAL_CODE})
    assert response["Location"] == reverse("accounts:home")
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()


def test_cbc_hmac_matches_the_rfc_7518_test_vector():
    """RFC 7518 appendix B.1 (AES_128_CBC_HMAC_SHA_256): the known tag authenticates."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes(range(32))
    plaintext = (
        b"A cipher system must not be required to be secret, and it must be able to fall "
        b"into the hands of the enemy without inconvenience"
    )
    iv = bytes.fromhex("1af38c2dc2b96ffdd86694092341bc04")
    aad = b"The second principle of Auguste Kerckhoffs"
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key[16:]), modes.CBC(iv)).encryptor()
    ciphertext = (
        encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()
    )
    assert ciphertext[:8].hex() == "c80edfa32ddf39d5"  # the RFC's E begins so
    tag = bytes.fromhex("652c3fa36b0a7c5b3219fab3a30bc1c4")
    assert jose._cbc_hmac_decrypt("A128CBC-HS256", key, iv, ciphertext, tag, aad) == plaintext
    with pytest.raises(jose.JoseError):
        jose._cbc_hmac_decrypt("A128CBC-HS256", key, iv, ciphertext, tag[::-1], aad)
