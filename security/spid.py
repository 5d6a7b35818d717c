"""SPID and CIE for staff as a Relying Party of the Italian OpenID Connect federation.

The flow of the SPID/CIE OIDC rules (docs/sso.md, docs/decisions/0007):

1. Performa publishes its entity configuration (`entity_configuration`) at
   `<client id>/.well-known/openid-federation`, signed with its federation key; the trust
   anchor (or an intermediate) lists Performa as subordinate after registration.
2. The login resolves the provider's trust chain up to the configured trust anchor
   (security/federation.py) and sends a signed request object with PKCE (S256), `state`,
   `nonce`, the wanted level (`acr_values`, default SpidL2) and the fiscal number as essential
   claim.
3. The callback exchanges the code with `private_key_jwt` client authentication and the PKCE
   verifier, checks the signed ID token (issuer, audience, nonce), reads the userinfo, a JWE
   encrypted to Performa's key wrapping a JWT signed by the provider, and maps its
   `https://attributes.eid.gov.it/fiscal_number` to the person with that codice fiscale.

Nothing is created: an identity whose fiscal code is not that of one person linked to an
active account is refused (audit row `login.sso.refused`), a match logs in (`login.sso`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.urls import reverse

from core.audit import record
from security import jose
from security.federation import STATEMENT_TYPE, FederationError, key_for, resolve_provider
from security.sso import SPID_PREFIX, matching_accounts

FISCAL_NUMBER_CLAIM = "https://attributes.eid.gov.it/fiscal_number"
PENDING_KEY = "performa_spid_oidc_pending"  # state → what the callback must check
SESSION_KEY = "performa_sso"  # how the current session signed in, for single logout
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REQUEST_LIFETIME = 600  # seconds a started login stays valid
ID_TOKEN_ALGORITHMS = ["RS256", "RS512", "PS256", "PS512", "ES256"]


class SpidLoginError(Exception):
    """A login that cannot complete. `verified`: the identity was proven but has no account."""

    def __init__(self, message: str, *, verified: bool = False, fiscal_code: str = ""):
        super().__init__(message)
        self.verified = verified
        self.fiscal_code = fiscal_code


def spid_enabled() -> bool:
    return bool(getattr(settings, "PERFORMA_SPID_OIDC_CLIENT_ID", "")) and bool(
        getattr(settings, "PERFORMA_SPID_OIDC_TRUST_ANCHOR", "")
    )


def client_id() -> str:
    return settings.PERFORMA_SPID_OIDC_CLIENT_ID


def providers() -> list[tuple[str, str]]:
    """(entity id, name on the button) of the providers offered, from the settings.

    `PERFORMA_SPID_OIDC_PROVIDERS` is a comma-separated list of `Nome|https://entity-id`
    (or just the entity id).
    """
    found = []
    for item in settings.PERFORMA_SPID_OIDC_PROVIDERS.split(","):
        name, _, entity_id = item.strip().rpartition("|")
        if entity_id.strip():
            found.append((entity_id.strip(), name.strip() or entity_id.strip()))
    return found


def redirect_uri() -> str:
    if settings.PERFORMA_SPID_OIDC_REDIRECT_URI:
        return settings.PERFORMA_SPID_OIDC_REDIRECT_URI
    origin = urlsplit(client_id())
    return f"{origin.scheme}://{origin.netloc}{reverse('security:spid_callback')}"


@functools.lru_cache(maxsize=8)
def _private_key(path: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path}: le regole SPID/CIE vogliono chiavi RSA")
    return key


def federation_key() -> rsa.RSAPrivateKey:
    return _private_key(settings.PERFORMA_SPID_OIDC_FEDERATION_KEY_FILE)


def signing_key() -> rsa.RSAPrivateKey:
    return _private_key(settings.PERFORMA_SPID_OIDC_SIGNING_KEY_FILE)


def encryption_key() -> rsa.RSAPrivateKey:
    return _private_key(settings.PERFORMA_SPID_OIDC_ENCRYPTION_KEY_FILE)


def _sign(claims: dict[str, Any], key: rsa.RSAPrivateKey, typ: str = "JWT") -> str:
    kid = jose.public_jwk(key, "sig")["kid"]
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": typ})


def _trust_marks() -> list[dict[str, Any]]:
    path = settings.PERFORMA_SPID_OIDC_TRUST_MARKS_FILE
    if not path:
        return []
    marks = json.loads(Path(path).read_text(encoding="utf-8"))
    return marks if isinstance(marks, list) else []


def entity_configuration() -> str:
    """Performa's entity configuration: a self-signed JWT with keys and RP metadata."""
    now = int(time.time())
    contacts = [c.strip() for c in settings.PERFORMA_SPID_OIDC_CONTACTS.split(",") if c.strip()]
    organization = settings.PERFORMA_SPID_OIDC_ORGANIZATION_NAME
    origin = urlsplit(client_id())
    claims = {
        "iss": client_id(),
        "sub": client_id(),
        "iat": now,
        "exp": now + settings.PERFORMA_SPID_OIDC_ENTITY_LIFETIME,
        "jwks": {"keys": [jose.public_jwk(federation_key(), "sig")]},
        "authority_hints": authority_hints(),
        "metadata": {
            "federation_entity": {
                "organization_name": organization,
                "homepage_uri": f"{origin.scheme}://{origin.netloc}/",
                "contacts": contacts,
            },
            "openid_relying_party": {
                "client_id": client_id(),
                "client_registration_types": ["automatic"],
                "application_type": "web",
                "client_name": organization,
                "organization_name": organization,
                "contacts": contacts,
                "redirect_uris": [redirect_uri()],
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
                "token_endpoint_auth_method": "private_key_jwt",
                "id_token_signed_response_alg": "RS256",
                "userinfo_signed_response_alg": "RS256",
                "userinfo_encrypted_response_alg": "RSA-OAEP",
                "userinfo_encrypted_response_enc": "A128CBC-HS256",
                "jwks": {
                    "keys": [
                        jose.public_jwk(signing_key(), "sig"),
                        jose.public_jwk(encryption_key(), "enc"),
                    ]
                },
            },
        },
    }
    marks = _trust_marks()
    if marks:
        claims["trust_marks"] = marks
    return _sign(claims, federation_key(), STATEMENT_TYPE)


def authority_hints() -> list[str]:
    hints = [h.strip() for h in settings.PERFORMA_SPID_OIDC_AUTHORITY_HINTS.split(",") if h.strip()]
    return hints or [settings.PERFORMA_SPID_OIDC_TRUST_ANCHOR]


def _pkce_challenge(verifier: str) -> str:
    return jose.b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def authorization_url(session, provider_id: str) -> str:
    """Where to send the browser to sign in at `provider_id`; remembers the request."""
    if provider_id not in dict(providers()):
        raise SpidLoginError(f"«{provider_id}» non è tra i provider SPID/CIE configurati")
    try:
        metadata = resolve_provider(provider_id)
    except FederationError as error:
        raise SpidLoginError(f"catena di fiducia non valida: {error}") from error
    now = int(time.time())
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    claims = {
        "iss": client_id(),
        "sub": client_id(),
        "aud": [metadata["issuer"], metadata["authorization_endpoint"]],
        "iat": now,
        "exp": now + REQUEST_LIFETIME,
        "jti": secrets.token_urlsafe(16),
        "client_id": client_id(),
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": redirect_uri(),
        "state": state,
        "nonce": nonce,
        "code_challenge": _pkce_challenge(verifier),
        "code_challenge_method": "S256",
        "prompt": "consent login",
        "acr_values": settings.PERFORMA_SPID_OIDC_ACR,
        "claims": {
            "userinfo": {
                FISCAL_NUMBER_CLAIM: {"essential": True},
                "given_name": None,
                "family_name": None,
            }
        },
    }
    pending = {
        key: value
        for key, value in (session.get(PENDING_KEY) or {}).items()
        if value["started"] > now - REQUEST_LIFETIME
    }
    pending[state] = {"provider": provider_id, "nonce": nonce, "verifier": verifier, "started": now}
    session[PENDING_KEY] = pending
    query = {
        "client_id": client_id(),
        "response_type": "code",
        "scope": "openid",
        "code_challenge": claims["code_challenge"],
        "code_challenge_method": "S256",
        "request": _sign(claims, signing_key()),
    }
    return f"{metadata['authorization_endpoint']}?{urlencode(query)}"


def client_assertion(audience: str) -> str:
    """The `private_key_jwt` client authentication (RFC 7523) for one call to `audience`."""
    now = int(time.time())
    claims = {
        "iss": client_id(),
        "sub": client_id(),
        "aud": audience,
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    return _sign(claims, signing_key())


def _post(url: str, form: dict[str, str]) -> dict[str, Any]:
    try:
        response = requests.post(url, data=form, timeout=settings.PERFORMA_SPID_OIDC_TIMEOUT)
        body = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SpidLoginError(
            f"{url} non risponde correttamente ({type(error).__name__})"
        ) from error
    if response.status_code != 200 or not isinstance(body, dict):
        raise SpidLoginError(f"{url} risponde {response.status_code}: {body}")
    return body


def _provider_key(token: str, metadata: dict[str, Any]) -> Any:
    """The provider's key that signed `token`, among those of its trust-chain metadata."""
    try:
        return key_for(token, metadata["jwks"]["keys"])
    except FederationError as error:
        raise SpidLoginError(str(error)) from error


def _verify_jwt(token: str, metadata: dict[str, Any], what: str, **checks: Any) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            _provider_key(token, metadata),
            algorithms=ID_TOKEN_ALGORITHMS,
            audience=client_id(),
            issuer=metadata["issuer"],
            leeway=30,
            options={"require": ["iss", "aud", "exp", "iat", "sub", *checks.get("require", [])]},
        )
    except jwt.PyJWTError as error:
        raise SpidLoginError(f"{what} non valido: {error}") from error


def _userinfo(metadata: dict[str, Any], access_token: str, subject: str) -> dict[str, Any]:
    """The userinfo: a JWE for Performa's encryption key, wrapping a JWT signed by the OP."""
    try:
        response = requests.get(
            metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.PERFORMA_SPID_OIDC_TIMEOUT,
        )
    except requests.RequestException as error:
        raise SpidLoginError(f"userinfo non raggiungibile ({type(error).__name__})") from error
    if response.status_code != 200:
        raise SpidLoginError(f"userinfo risponde {response.status_code}")
    try:
        signed = jose.decrypt(response.text.strip(), encryption_key()).decode("ascii")
    except (jose.JoseError, UnicodeDecodeError) as error:
        raise SpidLoginError(f"userinfo non decifrabile: {error}") from error
    claims = _verify_jwt(signed, metadata, "userinfo")
    if claims.get("sub") != subject:
        raise SpidLoginError("userinfo di un soggetto diverso da quello dell'ID token")
    return claims


def fiscal_code_from(claims: dict[str, Any]) -> str:
    value = str(claims.get(FISCAL_NUMBER_CLAIM) or "").strip().upper()
    if value.startswith(SPID_PREFIX):
        value = value[len(SPID_PREFIX) :]
    return value if len(value) == 16 and value.isalnum() else ""


def complete(session, params: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(userinfo claims, session record) of a callback; SpidLoginError when it is not valid."""
    pending = session.get(PENDING_KEY) or {}
    started = pending.pop(params.get("state") or "", None)
    session[PENDING_KEY] = pending
    if started is None or started["started"] < int(time.time()) - REQUEST_LIFETIME:
        raise SpidLoginError("risposta non richiesta da questo browser o scaduta")
    if params.get("error"):
        raise SpidLoginError(f"il provider ha rifiutato: {params['error']}")
    provider_id = started["provider"]
    if params.get("iss") and params["iss"] != provider_id:
        raise SpidLoginError("risposta di un provider diverso da quello scelto")
    try:
        metadata = resolve_provider(provider_id)
    except FederationError as error:
        raise SpidLoginError(f"catena di fiducia non valida: {error}") from error
    tokens = _post(
        metadata["token_endpoint"],
        {
            "grant_type": "authorization_code",
            "code": params.get("code") or "",
            "redirect_uri": redirect_uri(),
            "client_id": client_id(),
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(metadata["token_endpoint"]),
            "code_verifier": started["verifier"],
        },
    )
    id_token = _verify_jwt(
        str(tokens.get("id_token") or ""), metadata, "ID token", require=["nonce"]
    )
    if id_token.get("nonce") != started["nonce"]:
        raise SpidLoginError("ID token di un'altra richiesta (nonce diverso)")
    claims = _userinfo(metadata, str(tokens.get("access_token") or ""), id_token["sub"])
    sso = {
        "via": "spid-cie-oidc",
        "provider": provider_id,
        "acr": str(id_token.get("acr") or ""),
        "access_token": str(tokens.get("access_token") or ""),
    }
    return claims, sso


def revoke(sso: dict[str, Any]) -> bool:
    """Single logout of the federation: revoke the access token at the provider (RFC 7009).

    The SPID/CIE rules end the provider's session this way, by a call from Performa, with no
    browser redirect. False when the provider has no revocation endpoint or refuses.
    """
    try:
        metadata = resolve_provider(sso["provider"])
    except FederationError:
        return False
    endpoint = metadata.get("revocation_endpoint")
    if not endpoint or not sso.get("access_token"):
        return False
    form = {
        "token": sso["access_token"],
        "token_type_hint": "access_token",
        "client_id": client_id(),
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(endpoint),
    }
    try:
        response = requests.post(endpoint, data=form, timeout=settings.PERFORMA_SPID_OIDC_TIMEOUT)
    except requests.RequestException:
        return False
    return response.status_code == 200


def account_for(claims: dict[str, Any]):
    """The one active account of the person with the asserted fiscal code, or None."""
    found = list(matching_accounts(fiscal_code_from(claims), "")[:2])
    return found[0] if len(found) == 1 and found[0].is_active else None


class PerformaSpidBackend(ModelBackend):
    """Maps verified SPID/CIE userinfo to the one account of the person with that fiscal code."""

    def authenticate(self, request, username=None, password=None, spid_claims=None, **kwargs):
        if spid_claims is None or not spid_enabled():
            return None
        return account_for(spid_claims)


def audit_login(user, sso: dict[str, Any]) -> None:
    record(
        user=user,
        action="login.sso",
        object_type="accesso",
        changes={"via": sso["via"], "provider": sso["provider"], "acr": sso["acr"]},
    )


def audit_refusal(error: SpidLoginError, provider: str = "") -> None:
    record(
        user=None,
        action="login.sso.refused",
        object_type="accesso",
        changes={
            "via": "spid-cie-oidc",
            "reason": str(error)[:500],
            "provider": provider,
            "fiscal_code": error.fiscal_code,
            "verified": error.verified,
        },
    )
