"""OpenID Connect Federation 1.0 as the SPID/CIE rules use it: entity statements, trust chains.

An entity publishes its *entity configuration* (a JWT it signs itself, with its keys, its
metadata and its superiors, `authority_hints`) at `<entity id>/.well-known/openid-federation`.
A superior vouches for a subordinate with a *subordinate statement* served by its fetch
endpoint (`?sub=<entity id>`): the subordinate's keys and a metadata policy. A trust chain goes
from the provider up to the trust anchor, whose keys Performa knows in advance (settings); the
provider's keys are trusted only because that chain of signatures reaches them.

Only what a relying party needs is here: resolving the chain of an OpenID provider and applying
the metadata policies on the way (operators value, add, default, one_of, subset_of,
superset_of, essential).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

WELL_KNOWN = ".well-known/openid-federation"
STATEMENT_TYPE = "entity-statement+jwt"
STATEMENT_CONTENT_TYPE = "application/entity-statement+jwt"
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
MAX_DEPTH = 4  # provider → intermediate(s) → trust anchor; more is a misconfiguration


class FederationError(Exception):
    """The chain cannot be built or does not verify; the message is Italian, for the audit."""


def well_known_url(entity_id: str) -> str:
    return entity_id.rstrip("/") + "/" + WELL_KNOWN


def _get(url: str, params: dict[str, str] | None = None) -> str:
    try:
        response = requests.get(url, params=params, timeout=settings.PERFORMA_SPID_OIDC_TIMEOUT)
    except requests.RequestException as error:
        raise FederationError(f"{url} non risponde ({type(error).__name__})") from error
    if response.status_code != 200:
        raise FederationError(f"{url} risponde {response.status_code}")
    return response.text.strip()


def unverified_claims(token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise FederationError(f"dichiarazione non leggibile ({error})") from error
    return claims


def key_for(token: str, keys: list[dict[str, Any]]) -> Any:
    """The key among `keys` (JWKs) named by the token's `kid`, as PyJWT wants it."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as error:
        raise FederationError(f"intestazione non leggibile ({error})") from error
    for jwk in keys:
        if jwk.get("kid") == kid:
            try:
                return jwt.PyJWK(jwk).key
            except jwt.PyJWTError as error:
                raise FederationError(f"chiave {kid} non utilizzabile ({error})") from error
    raise FederationError(f"firmata con la chiave «{kid}», che non è tra quelle attese")


def verify_statement(token: str, keys: list[dict[str, Any]]) -> dict[str, Any]:
    """The claims of an entity statement signed by one of `keys`, not expired."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise FederationError(f"intestazione non leggibile ({error})") from error
    if header.get("typ") != STATEMENT_TYPE:
        raise FederationError(f"tipo «{header.get('typ')}» invece di «{STATEMENT_TYPE}»")
    try:
        return jwt.decode(
            token,
            key_for(token, keys),
            algorithms=SIGNING_ALGORITHMS,
            options={"verify_aud": False, "require": ["iss", "sub", "iat", "exp"]},
        )
    except jwt.PyJWTError as error:
        raise FederationError(f"firma o validità non verificate ({error})") from error


def _keys(claims: dict[str, Any]) -> list[dict[str, Any]]:
    keys = (claims.get("jwks") or {}).get("keys")
    if not isinstance(keys, list) or not keys:
        raise FederationError(f"{claims.get('sub')}: nessuna chiave nella dichiarazione")
    return keys


@dataclass
class Node:
    """An entity whose keys are trusted, with the policies from the anchor down to it."""

    entity_id: str
    keys: list[dict[str, Any]]
    configuration: dict[str, Any]
    policies: list[dict[str, Any]]
    expires: int


def _configuration(entity_id: str) -> tuple[str, dict[str, Any]]:
    token = _get(well_known_url(entity_id))
    claims = unverified_claims(token)
    if claims.get("iss") != entity_id or claims.get("sub") != entity_id:
        raise FederationError(f"{entity_id}: la configurazione parla di un'altra entità")
    return token, claims


def _trusted(entity_id: str, anchor: str, anchor_keys: list, depth: int, seen: set) -> Node:
    """The entity with keys proven by its superiors' signatures, up to the trust anchor."""
    if depth > MAX_DEPTH or entity_id in seen:
        raise FederationError(f"{entity_id}: catena troppo lunga o circolare")
    seen = seen | {entity_id}
    token, claims = _configuration(entity_id)
    if entity_id == anchor:
        verified = verify_statement(token, anchor_keys)
        return Node(anchor, anchor_keys, verified, [], int(verified["exp"]))
    problems = []
    for superior_id in claims.get("authority_hints") or []:
        try:
            superior = _trusted(superior_id, anchor, anchor_keys, depth + 1, seen)
            endpoint = (
                (superior.configuration.get("metadata") or {})
                .get("federation_entity", {})
                .get("federation_fetch_endpoint")
            )
            if not endpoint:
                raise FederationError(f"{superior_id}: manca federation_fetch_endpoint")
            statement = verify_statement(_get(endpoint, {"sub": entity_id}), superior.keys)
            if statement.get("iss") != superior_id or statement.get("sub") != entity_id:
                raise FederationError(f"{superior_id}: dichiarazione su un'altra entità")
            keys = _keys(statement)
            verified = verify_statement(token, keys)  # the subordinate signs with vouched keys
            policies = [*superior.policies, statement.get("metadata_policy") or {}]
            expires = min(superior.expires, int(statement["exp"]), int(verified["exp"]))
            return Node(entity_id, keys, verified, policies, expires)
        except FederationError as error:
            problems.append(str(error))
    raise FederationError(
        f"{entity_id}: nessuna catena fino al trust anchor {anchor}"
        + (f" ({'; '.join(problems)})" if problems else "")
    )


def apply_policy(metadata: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    """The metadata after one superior's policy for its type (spec §6.1, the common operators)."""
    result = dict(metadata)
    for name, operators in policy.items():
        if "value" in operators:
            if operators["value"] is None:
                result.pop(name, None)
            else:
                result[name] = operators["value"]
        if "add" in operators:
            current = list(result.get(name) or [])
            result[name] = current + [v for v in operators["add"] if v not in current]
        if "default" in operators and name not in result:
            result[name] = operators["default"]
        if name in result:
            value = result[name]
            if "one_of" in operators and value not in operators["one_of"]:
                raise FederationError(f"{name}: «{value}» non è tra i valori ammessi")
            if "subset_of" in operators:
                values = value if isinstance(value, list) else [value]
                result[name] = [v for v in values if v in operators["subset_of"]]
            if "superset_of" in operators:
                values = value if isinstance(value, list) else [value]
                if not set(operators["superset_of"]) <= set(values):
                    raise FederationError(f"{name}: mancano valori richiesti dal superiore")
        elif operators.get("essential"):
            raise FederationError(f"{name}: metadato essenziale mancante")
    return result


def resolve_provider(provider_id: str) -> dict[str, Any]:
    """The `openid_provider` metadata of a provider, through its verified trust chain.

    Cached until the chain's earliest expiry (at most an hour), so that a login does not
    fetch the whole chain again.
    """
    anchor = settings.PERFORMA_SPID_OIDC_TRUST_ANCHOR
    cache_key = "spid-oidc-chain:" + hashlib.sha256(f"{anchor} {provider_id}".encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    node = _trusted(provider_id, anchor, trust_anchor_keys(), 0, set())
    metadata = (node.configuration.get("metadata") or {}).get("openid_provider")
    if not isinstance(metadata, dict):
        raise FederationError(f"{provider_id}: non è un OpenID provider della federazione")
    for policy in node.policies:
        metadata = apply_policy(metadata, policy.get("openid_provider") or {})
    for needed in ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint"):
        if not metadata.get(needed):
            raise FederationError(f"{provider_id}: manca «{needed}» nei metadati")
    if metadata["issuer"] != provider_id:
        raise FederationError(f"{provider_id}: l'issuer dei metadati è un altro")
    if not (metadata.get("jwks") or {}).get("keys"):
        raise FederationError(f"{provider_id}: nessuna chiave (jwks) nei metadati")
    timeout = min(node.expires - int(time.time()), 3600)
    if timeout > 0:
        cache.set(cache_key, metadata, timeout)
    return metadata


def trust_anchor_keys() -> list[dict[str, Any]]:
    """The trust anchor's public keys, given to the installation out of band (settings)."""
    path = settings.PERFORMA_SPID_OIDC_TRUST_ANCHOR_JWKS_FILE
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FederationError(f"chiavi del trust anchor non leggibili da «{path}»") from error
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not keys:
        raise FederationError(f"«{path}» non contiene un JWKS con chiavi")
    return keys
