"""The JOSE pieces the SPID/CIE OpenID Connect federation needs beyond PyJWT.

PyJWT (already in the lock, through mozilla-django-oidc) signs and verifies JWS; it has no JWE.
The federation's userinfo is a JWE (RFC 7516) wrapping a signed JWT, so the decryption is
written here on `cryptography`, limited to the algorithms the SPID/CIE OIDC rules allow:
key management RSA-OAEP and RSA-OAEP-256, content A128CBC-HS256, A256CBC-HS512 and (accepted
from providers that use it) A128GCM/A256GCM. docs/decisions/0007-spid-cie-oidc-federation.md
says why no further library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwt.algorithms import RSAAlgorithm

KEY_ALGORITHMS = {"RSA-OAEP": hashes.SHA1, "RSA-OAEP-256": hashes.SHA256}
# content encryption: (key bytes, MAC hash) for the CBC-HMAC pairs of RFC 7518 §5.2
CBC_HMAC = {"A128CBC-HS256": (32, hashlib.sha256), "A256CBC-HS512": (64, hashlib.sha512)}
GCM = {"A128GCM": 16, "A256GCM": 32}


class JoseError(ValueError):
    """A token that is malformed, uses an algorithm not allowed, or does not decrypt."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise JoseError("codifica base64url non valida") from error


def public_jwk(key: rsa.RSAPrivateKey | rsa.RSAPublicKey, use: str) -> dict[str, Any]:
    """The public JWK of an RSA key, with the RFC 7638 thumbprint as `kid`."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
    jwk = {name: jwk[name] for name in ("kty", "n", "e")}
    return {**jwk, "kid": thumbprint(jwk), "use": use}


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 of the required members in lexical order, without spaces."""
    required = {name: jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


def _cbc_hmac_decrypt(enc: str, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes):
    size, digest = CBC_HMAC[enc]
    if len(cek) != size:
        raise JoseError("chiave di contenuto della lunghezza sbagliata")
    mac_key, enc_key = cek[: size // 2], cek[size // 2 :]
    length = (len(aad) * 8).to_bytes(8, "big")
    expected = hmac.new(mac_key, aad + iv + ciphertext + length, digest).digest()[: size // 2]
    if not hmac.compare_digest(expected, tag):
        raise JoseError("il contenuto cifrato è stato alterato")
    decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as error:
        raise JoseError("riempimento del contenuto cifrato non valido") from error


def jwe_header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 5:
        raise JoseError("non è un JWE compatto (servono cinque parti)")
    try:
        header = json.loads(b64url_decode(parts[0]))
    except ValueError as error:
        raise JoseError("intestazione del JWE non leggibile") from error
    if not isinstance(header, dict):
        raise JoseError("intestazione del JWE non leggibile")
    return header


def decrypt(token: str, private_key: rsa.RSAPrivateKey) -> bytes:
    """The plaintext of a compact JWE encrypted to `private_key`, or JoseError."""
    header = jwe_header(token)
    protected, encrypted_key, iv_text, ciphertext_text, tag_text = token.split(".")
    alg, enc = header.get("alg"), header.get("enc")
    if alg not in KEY_ALGORITHMS or (enc not in CBC_HMAC and enc not in GCM):
        raise JoseError(f"algoritmi di cifratura non ammessi: {alg} / {enc}")
    if header.get("zip"):
        raise JoseError("contenuto compresso non ammesso")
    oaep_hash = KEY_ALGORITHMS[alg]()
    try:
        cek = private_key.decrypt(
            b64url_decode(encrypted_key),
            asym_padding.OAEP(asym_padding.MGF1(oaep_hash), oaep_hash, None),
        )
    except ValueError as error:
        raise JoseError(
            "la chiave di contenuto non si decifra con la chiave di Performa"
        ) from error
    iv, ciphertext, tag = (b64url_decode(p) for p in (iv_text, ciphertext_text, tag_text))
    aad = protected.encode("ascii")
    if enc in CBC_HMAC:
        return _cbc_hmac_decrypt(enc, cek, iv, ciphertext, tag, aad)
    if len(cek) != GCM[enc]:
        raise JoseError("chiave di contenuto della lunghezza sbagliata")
    try:
        return AESGCM(cek).decrypt(iv, ciphertext + tag, aad)
    except Exception as error:  # cryptography's InvalidTag
        raise JoseError("il contenuto cifrato è stato alterato") from error
