"""The identity provider's logout messages are believed only when its signature proves them.

djangosaml2 hands a LogoutRequest or LogoutResponse to pysaml2, which, for a Service Provider,
checks neither the query signature of the HTTP-Redirect binding nor the presence of an XML
signature on HTTP-POST: a forged link to `/accesso/saml/sls/` would end a user's session (a
logout by CSRF). Before djangosaml2 sees a message this module requires:

- HTTP-Redirect: `SigAlg` and `Signature`, verified over the query string exactly as it
  arrived (`SAMLRequest|SAMLResponse=…[&RelayState=…]&SigAlg=…`, still URL-encoded, SAML
  bindings §3.4.4.1), not over a re-encoding that may differ from what the provider signed;
- HTTP-POST: an XML signature, valid;

in both cases with a signing certificate of the issuer in the identity provider's metadata.
A LogoutRequest must also name the subject of this browser's SAML session, otherwise a genuine
request for someone else (replayed by a third party) would end this session.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from urllib.parse import unquote_plus

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from saml2 import BINDING_HTTP_REDIRECT, samlp
from saml2.client import Saml2Client

# SHA-1 is refused: the SAML and SPID profiles of today sign with SHA-2.
_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": hashes.SHA512,
}
_MESSAGES = ("SAMLRequest", "SAMLResponse")
_MAX_MESSAGE_BYTES = 256 * 1024  # a logout message is a few kilobytes


class LogoutRefused(Exception):
    """A logout message that must not be acted on; `reason` goes into the audit row."""

    def __init__(self, reason: str, *, issuer: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.issuer = issuer


@dataclass(frozen=True)
class VerifiedLogout:
    kind: str  # "SAMLRequest" or "SAMLResponse"
    issuer: str
    message: samlp.LogoutRequest | samlp.LogoutResponse


def _raw_parameters(query_string: str) -> dict[str, str]:
    """The query's parameters still URL-encoded; a repeated one is refused (ambiguous)."""
    raw: dict[str, str] = {}
    for part in query_string.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote_plus(name)
        if name in raw:
            raise LogoutRefused(f"parametro ripetuto: {name}")
        raw[name] = value
    return raw


def _parse(kind: str, xml: str) -> samlp.LogoutRequest | samlp.LogoutResponse:
    parse = (
        samlp.logout_request_from_string
        if kind == "SAMLRequest"
        else (samlp.logout_response_from_string)
    )
    try:
        message = parse(xml)
    except Exception as error:  # malformed XML in any of the ways the parser can find
        raise LogoutRefused("messaggio non leggibile") from error
    if message is None or message.issuer is None or not (message.issuer.text or "").strip():
        raise LogoutRefused("messaggio senza emittente")
    return message


def _inflate(encoded: str) -> str:
    # read before the signature is checked: a small query must not inflate without bound
    inflater = zlib.decompressobj(-15)
    try:
        xml = inflater.decompress(base64.b64decode(encoded, validate=True), _MAX_MESSAGE_BYTES)
        if inflater.unconsumed_tail:
            raise LogoutRefused("messaggio troppo grande")
        return xml.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as error:
        raise LogoutRefused("messaggio non leggibile") from error


def _signing_certificates(client: Saml2Client, issuer: str) -> list[x509.Certificate]:
    try:
        pems = client.metadata.certs(issuer, "idpsso", "signing")
    except KeyError:
        pems = []
    certificates = []
    for _name, body in pems:
        try:
            certificates.append(x509.load_der_x509_certificate(base64.b64decode(body)))
        except ValueError:
            continue  # a broken certificate in the metadata proves nothing
    if not certificates:
        raise LogoutRefused("emittente sconosciuto o senza certificato", issuer=issuer)
    return certificates


def _signature_matches(cert: x509.Certificate, signature: bytes, signed: bytes, sigalg: str):
    algorithm = _SIGNATURE_HASHES[sigalg]()
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and "#rsa-" in sigalg:
            key.verify(signature, signed, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and "#ecdsa-" in sigalg:
            key.verify(signature, signed, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def verify_redirect(client: Saml2Client, query_string: str) -> VerifiedLogout:
    """The HTTP-Redirect message of `query_string`, if the issuer's key signed that query."""
    raw = _raw_parameters(query_string)
    kinds = [kind for kind in _MESSAGES if kind in raw]
    if len(kinds) != 1:
        raise LogoutRefused("né SAMLRequest né SAMLResponse, o entrambi")
    kind = kinds[0]
    message = _parse(kind, _inflate(unquote_plus(raw[kind])))
    issuer = message.issuer.text.strip()
    if "Signature" not in raw or "SigAlg" not in raw:
        raise LogoutRefused("firma mancante", issuer=issuer)
    sigalg = unquote_plus(raw["SigAlg"])
    if sigalg not in _SIGNATURE_HASHES:
        raise LogoutRefused(f"algoritmo di firma non accettato: {sigalg}", issuer=issuer)
    # §3.4.4.1: the octets signed are the parameters as they were sent, in this order
    signed = "&".join(
        f"{name}={raw[name]}" for name in (kind, "RelayState", "SigAlg") if name in raw
    ).encode("ascii", errors="replace")
    try:
        signature = base64.b64decode(unquote_plus(raw["Signature"]), validate=True)
    except (binascii.Error, ValueError) as error:
        raise LogoutRefused("firma non leggibile", issuer=issuer) from error
    certificates = _signing_certificates(client, issuer)
    if not any(_signature_matches(cert, signature, signed, sigalg) for cert in certificates):
        raise LogoutRefused("firma non valida", issuer=issuer)
    return VerifiedLogout(kind, issuer, message)


def verify_post(client: Saml2Client, data) -> VerifiedLogout:
    """The HTTP-POST message of `data`, if it carries a valid XML signature of the issuer."""
    kinds = [kind for kind in _MESSAGES if kind in data]
    if len(kinds) != 1:
        raise LogoutRefused("né SAMLRequest né SAMLResponse, o entrambi")
    kind = kinds[0]
    try:
        xml = base64.b64decode(data[kind], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise LogoutRefused("messaggio non leggibile") from error
    message = _parse(kind, xml)
    issuer = message.issuer.text.strip()
    if message.signature is None:
        raise LogoutRefused("firma mancante", issuer=issuer)
    _signing_certificates(client, issuer)  # the issuer must be the provider of the metadata
    check = (
        client.sec.correctly_signed_logout_request
        if kind == "SAMLRequest"
        else client.sec.correctly_signed_logout_response
    )
    try:
        check(xml, must=True, origdoc=data[kind])
    except Exception as error:  # pysaml2 raises several kinds for a signature that fails
        raise LogoutRefused("firma non valida", issuer=issuer) from error
    return VerifiedLogout(kind, issuer, message)


def verify(client: Saml2Client, request, binding: str) -> VerifiedLogout:
    if binding == BINDING_HTTP_REDIRECT:
        return verify_redirect(client, request.META.get("QUERY_STRING", ""))
    return verify_post(client, request.POST)
