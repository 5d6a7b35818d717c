"""A small SPID/CIE OpenID Connect federation served by the tests on 127.0.0.1.

Three entities on one local HTTP server, each with its own keys:

- the trust anchor `<base>/ta`, whose public keys Performa is given by file;
- an intermediate `<base>/sa` (the "soggetto aggregatore"), subordinate of the anchor, with
  a metadata policy for its providers;
- an OpenID provider `<base>/op`, subordinate of the intermediate, implementing what the SPID/
  CIE rules ask of it: signed request objects, PKCE S256, `private_key_jwt` client
  authentication, signed ID token, userinfo as a JWT signed by the provider and encrypted
  (JWE RSA-OAEP / A128CBC-HS256) to the relying party's key, token revocation.

Performa (the relying party) is registered with `register_rp`, as the onboarding at the trust
anchor would: the anchor then vouches for its federation keys, and the provider reads its
metadata through that chain. The JWE encryption here is written independently of Performa's
decryption (security/jose.py), so that the two check each other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwt.algorithms import RSAAlgorithm

STATEMENT = "entity-statement+jwt"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FISCAL_NUMBER = "https://attributes.eid.gov.it/fiscal_number"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk_of(key: rsa.RSAPrivateKey, kid: str, use: str = "sig") -> dict:
    public = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"kty": "RSA", "n": public["n"], "e": public["e"], "kid": kid, "use": use}


def sign(claims: dict, key: rsa.RSAPrivateKey, kid: str, typ: str = "JWT") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": typ})


def encrypt_a128cbc_hs256(plaintext: bytes, public_jwk: dict) -> str:
    """Compact JWE, RSA-OAEP key wrap and AES-128-CBC + HMAC-SHA-256 (RFC 7518 §5.2.3)."""
    return encrypt(plaintext, public_jwk, "RSA-OAEP", "A128CBC-HS256")


def encrypt(plaintext: bytes, public_jwk: dict, alg: str, enc: str) -> str:
    """Compact JWE (RFC 7516) with RSA-OAEP[-256] and a CBC-HMAC (RFC 7518 §5.2) or GCM."""
    key = jwt.PyJWK(public_jwk, algorithm="RS256").key
    header = {"alg": alg, "enc": enc, "kid": public_jwk["kid"], "cty": "JWT"}
    protected = _b64(json.dumps(header).encode())
    aad = protected.encode()
    oaep_hash = {"RSA-OAEP": hashes.SHA1, "RSA-OAEP-256": hashes.SHA256}[alg]()
    if enc.endswith("GCM"):
        cek = os.urandom(int(enc[1:4]) // 8)
        iv = os.urandom(12)
        sealed = AESGCM(cek).encrypt(iv, plaintext, aad)
        ciphertext, tag = sealed[:-16], sealed[-16:]
    else:
        half = {"A128CBC-HS256": 16, "A256CBC-HS512": 32}[enc]
        digest = {16: hashlib.sha256, 32: hashlib.sha512}[half]
        cek = os.urandom(2 * half)
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(cek[half:]), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(padded) + encryptor.finalize()
        mac_input = aad + iv + ciphertext + (len(aad) * 8).to_bytes(8, "big")
        tag = hmac.new(cek[:half], mac_input, digest).digest()[:half]
    wrapped = key.encrypt(cek, asym_padding.OAEP(asym_padding.MGF1(oaep_hash), oaep_hash, None))
    return ".".join([protected, _b64(wrapped), _b64(iv), _b64(ciphertext), _b64(tag)])


class Entity:
    def __init__(self, entity_id: str, superior: Entity | None = None):
        self.entity_id = entity_id
        self.superior = superior
        self.key = new_key()
        self.kid = f"fed-{secrets.token_hex(4)}"
        self.subordinates: dict[str, dict] = {}  # entity id → its federation JWKS, policy
        self.metadata: dict = {}
        self.signing_key = self.key  # a test swaps it to sign with a key nobody vouched for

    def configuration(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.entity_id,
            "sub": self.entity_id,
            "iat": now,
            "exp": now + 3600,
            "jwks": {"keys": [jwk_of(self.signing_key, self.kid)]},
            "metadata": {
                **self.metadata,
                "federation_entity": {
                    "organization_name": self.entity_id,
                    "federation_fetch_endpoint": f"{self.entity_id}/fetch",
                },
            },
        }
        if self.superior is not None:
            claims["authority_hints"] = [self.superior.entity_id]
        return sign(claims, self.signing_key, self.kid, STATEMENT)

    def subordinate_statement(self, sub: str) -> str | None:
        known = self.subordinates.get(sub)
        if known is None:
            return None
        now = int(time.time())
        claims = {"iss": self.entity_id, "sub": sub, "iat": now, "exp": now + 3600,
                  "jwks": known["jwks"], "metadata_policy": known.get("policy", {})}  # fmt: skip
        return sign(claims, self.key, self.kid, STATEMENT)


class LocalFederation:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.base = base
        self.anchor = Entity(f"{base}/ta")
        self.intermediate = Entity(f"{base}/sa", superior=self.anchor)
        self.op = Entity(f"{base}/op", superior=self.intermediate)
        self.op_key = new_key()  # the provider's protocol key (ID token, userinfo)
        self.op_kid = "op-core"
        self.op.metadata = {
            "openid_provider": {
                "issuer": self.op.entity_id,
                "authorization_endpoint": f"{base}/op/authorization",
                "token_endpoint": f"{base}/op/token",
                "userinfo_endpoint": f"{base}/op/userinfo",
                "revocation_endpoint": f"{base}/op/revocation",
                "jwks": {"keys": [jwk_of(self.op_key, self.op_kid)]},
                "acr_values_supported": [
                    "https://www.spid.gov.it/SpidL1",
                    "https://www.spid.gov.it/SpidL2",
                    "https://www.spid.gov.it/SpidL3",
                ],
                "request_object_signing_alg_values_supported": ["RS256", "RS512"],
            }
        }
        self.anchor.subordinates[self.intermediate.entity_id] = {
            "jwks": {"keys": [jwk_of(self.intermediate.key, self.intermediate.kid)]},
            # the anchor does not allow level 1 for the providers below this intermediate
            "policy": {
                "openid_provider": {
                    "acr_values_supported": {
                        "subset_of": [
                            "https://www.spid.gov.it/SpidL2",
                            "https://www.spid.gov.it/SpidL3",
                        ]
                    }
                }
            },
        }
        self.intermediate.subordinates[self.op.entity_id] = {
            "jwks": {"keys": [jwk_of(self.op.key, self.op.kid)]}
        }
        self.entities = {e.entity_id: e for e in (self.anchor, self.intermediate, self.op)}
        self.rp: dict = {}  # the relying party's metadata, as the provider resolved it
        self.claims: dict = {}  # the identity the provider will assert
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.seen_requests: list[dict] = []
        self.revoked: list[str] = []
        self.encrypt_to: dict | None = None  # a test's other key, to encrypt userinfo wrongly

    def __enter__(self) -> LocalFederation:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def anchor_jwks(self) -> dict:
        return {"keys": [jwk_of(self.anchor.key, self.anchor.kid)]}

    # -- onboarding -------------------------------------------------------------------------

    def register_rp(self, entity_configuration: str) -> None:
        """The anchor registers the relying party; the provider resolves it through the chain."""
        claims = jwt.decode(entity_configuration, options={"verify_signature": False})
        assert jwt.get_unverified_header(entity_configuration)["typ"] == STATEMENT
        assert claims["authority_hints"] == [self.anchor.entity_id]
        self.anchor.subordinates[claims["sub"]] = {"jwks": claims["jwks"]}
        vouched = jwt.decode(
            self.anchor.subordinate_statement(claims["sub"]),
            self.anchor.key.public_key(),
            algorithms=["RS256"],
        )
        key = jwt.PyJWK(vouched["jwks"]["keys"][0]).key
        verified = jwt.decode(entity_configuration, key, algorithms=["RS256"])
        self.rp = verified["metadata"]["openid_relying_party"]

    def _rp_key(self, use: str):
        jwk = next(k for k in self.rp["jwks"]["keys"] if k["use"] == use)
        return jwk, jwt.PyJWK(jwk, algorithm="RS256").key

    def _check_client_assertion(self, form: dict, audience: str) -> bool:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return False
        try:
            claims = jwt.decode(form.get("client_assertion", ""), self._rp_key("sig")[1],
                                algorithms=["RS256"], audience=audience)  # fmt: skip
        except jwt.PyJWTError:
            return False
        return claims["iss"] == claims["sub"] == self.rp["client_id"] == form.get("client_id")

    # -- provider protocol -------------------------------------------------------------------

    def authorize(self, query: dict) -> tuple[int, str]:
        request = jwt.decode(
            query["request"],
            self._rp_key("sig")[1],
            algorithms=["RS256"],
            audience=self.op.entity_id,
        )
        self.seen_requests.append(request)
        if (
            request["iss"] != self.rp["client_id"]
            or query["client_id"] != self.rp["client_id"]
            or request["redirect_uri"] not in self.rp["redirect_uris"]
            or request["code_challenge_method"] != "S256"
            or request["code_challenge"] != query["code_challenge"]
            or "openid" not in request["scope"].split()
        ):
            return 400, "richiesta non valida"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"request": request, "claims": dict(self.claims)}
        back = {"code": code, "state": request["state"], "iss": self.op.entity_id}
        return 302, f"{request['redirect_uri']}?{urlencode(back)}"

    def token(self, form: dict) -> tuple[int, dict]:
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or not self._check_client_assertion(form, f"{self.base}/op/token"):
            return 400, {"error": "invalid_grant"}
        request = grant["request"]
        verifier = form.get("code_verifier", "")
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if (
            challenge != request["code_challenge"]
            or form.get("redirect_uri") != request["redirect_uri"]
        ):
            return 400, {"error": "invalid_grant"}
        now = int(time.time())
        subject = grant["claims"].get("sub", "soggetto-di-prova")
        id_token = sign(
            {"iss": self.op.entity_id, "sub": subject, "aud": [self.rp["client_id"]], "iat": now,
             "exp": now + 300, "nonce": request["nonce"], "acr": request["acr_values"]},
            self.op_key, self.op_kid,
        )  # fmt: skip
        access = secrets.token_urlsafe(16)
        self.tokens[access] = {**grant["claims"], "sub": subject}
        return 200, {"access_token": access, "token_type": "Bearer", "id_token": id_token}

    def userinfo(self, token: str) -> tuple[int, str]:
        claims = self.tokens.get(token)
        if claims is None or token in self.revoked:
            return 401, ""
        now = int(time.time())
        signed = sign({**claims, "iss": self.op.entity_id, "aud": self.rp["client_id"],
                       "iat": now, "exp": now + 300}, self.op_key, self.op_kid)  # fmt: skip
        target = self.encrypt_to or self._rp_key("enc")[0]
        return 200, encrypt_a128cbc_hs256(signed.encode(), target)

    def revoke(self, form: dict) -> int:
        if not self._check_client_assertion(form, f"{self.base}/op/revocation"):
            return 401
        self.revoked.append(form.get("token", ""))
        return 200

    def _handler(self):
        federation = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def _send(self, status: int, body: str, content_type: str, location: str = ""):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                entity_id = federation.base + url.path.rsplit("/", 1)[0]
                entity = federation.entities.get(entity_id.removesuffix("/.well-known"))
                if url.path.endswith("/.well-known/openid-federation") and entity:
                    return self._send(200, entity.configuration(), "application/" + STATEMENT)
                if url.path.endswith("/fetch") and entity:
                    statement = entity.subordinate_statement(query.get("sub", ""))
                    if statement is None:
                        return self._send(404, "{}", "application/json")
                    return self._send(200, statement, "application/" + STATEMENT)
                if url.path == "/op/authorization":
                    status, target = federation.authorize(query)
                    return self._send(status, "", "text/plain", target if status == 302 else "")
                if url.path == "/op/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    status, body = federation.userinfo(token)
                    return self._send(status, body, "application/jwe")
                return self._send(404, "{}", "application/json")

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlparse(self.path).path
                if path == "/op/token":
                    status, body = federation.token(form)
                    return self._send(status, json.dumps(body), "application/json")
                if path == "/op/revocation":
                    return self._send(federation.revoke(form), "", "text/plain")
                return self._send(404, "{}", "application/json")

        return Handler
