"""A SAML 2 identity provider for the tests: pysaml2's own Server, with a key made on the spot.

No network: Performa's login view redirects the test client to the provider's SSO address,
the test hands the AuthnRequest to `LocalIdP.respond`, and posts the signed Response it
returns to Performa's assertion consumer service, as the browser would.
"""

from __future__ import annotations

import base64
import datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

IDP_ENTITY_ID = "https://idp.unione-prova.example.it/metadata"
IDP_SSO_URL = "https://idp.unione-prova.example.it/sso"
IDP_SLO_URL = "https://idp.unione-prova.example.it/slo"
SP_ENTITY_ID = "https://performa.example.it/accesso/saml/metadati/"


def make_key_pair(directory: Path, name: str) -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate, as PEM files; returns their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


class LocalIdP:
    def __init__(self, directory: Path, xmlsec_binary: str, *, single_logout: bool = False):
        self.directory = directory
        self.xmlsec_binary = xmlsec_binary
        self.single_logout = single_logout
        self.last_request = None  # the AuthnRequest last answered, for the tests to inspect
        self.key_file, self.cert_file = make_key_pair(directory, "idp")
        self.metadata_file = str(directory / "idp-metadata.xml")
        Path(self.metadata_file).write_text(str(entity_descriptor(self._config(sp_metadata=None))))
        self.server: Server | None = None

    def _config(self, sp_metadata: str | None) -> IdPConfig:
        config = IdPConfig()
        config.load(
            {
                "entityid": IDP_ENTITY_ID,
                "xmlsec_binary": self.xmlsec_binary,
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "metadata": {"local": [sp_metadata]} if sp_metadata else {},
                "service": {
                    "idp": {
                        "name": "IdP di prova dell'Unione",
                        "endpoints": {
                            "single_sign_on_service": [(IDP_SSO_URL, BINDING_HTTP_REDIRECT)],
                            "single_logout_service": [
                                (IDP_SLO_URL, binding)
                                for binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
                                if self.single_logout
                            ],
                        },
                        "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                        "policy": {"default": {"name_form": NAME_FORMAT_BASIC}},
                    }
                },
            }
        )
        return config

    def trust(self, sp_metadata_xml: str) -> None:
        """Load Performa's metadata (its /accesso/saml/metadati/ page) and start the server."""
        path = self.directory / "sp-metadata.xml"
        path.write_text(sp_metadata_xml)
        self.server = Server(config=self._config(str(path)))

    def respond(
        self, redirect_url: str, identity: dict[str, list[str]], *, sign: bool = True
    ) -> dict[str, str]:
        """The POST a browser would send to the ACS after signing in at the provider."""
        assert self.server is not None, "call trust() first"
        query = {k: v[0] for k, v in parse_qs(urlparse(redirect_url).query).items()}
        request = self.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
        message = request.message
        self.last_request = message
        response = self.server.create_authn_response(
            identity,
            in_response_to=message.id,
            destination=message.assertion_consumer_service_url,
            sp_entity_id=message.issuer.text,
            name_id_policy=message.name_id_policy,
            userid="utente-di-prova",
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=sign,
            sign_assertion=sign,
        )
        form = {"SAMLResponse": base64.b64encode(str(response).encode()).decode()}
        if "RelayState" in query:
            form["RelayState"] = query["RelayState"]
        return form

    def request_signature_valid(self, redirect_url: str, sp_cert_file: str) -> bool:
        """Whether the redirect-binding signature (SigAlg, Signature) is Performa's key's."""
        assert self.server is not None, "call trust() first"
        query = {k: v[0] for k, v in parse_qs(urlparse(redirect_url).query).items()}
        if "Signature" not in query:
            return False
        body = "".join(
            line for line in Path(sp_cert_file).read_text().splitlines() if "-----" not in line
        )
        try:
            return verify_redirect_signature(query, self.server.sec.sec_backend, cert=body)
        except Exception:  # pysaml2 raises on a signature it cannot check
            return False

    def answer_logout(self, redirect_url: str, *, sign: bool = True) -> str:
        """The provider ends its session: the address of Performa's SLS with the LogoutResponse."""
        assert self.server is not None, "call trust() first"
        query = {k: v[0] for k, v in parse_qs(urlparse(redirect_url).query).items()}
        request = self.server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
        response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        binding, destination = self.server.pick_binding(
            "single_logout_service", [BINDING_HTTP_REDIRECT], "spsso", entity_id=SP_ENTITY_ID
        )
        info = self.server.apply_binding(
            binding,
            str(response),
            destination,
            query.get("RelayState", ""),
            response=True,
            sign=sign,
            sigalg=SIG_RSA_SHA256,
        )
        return dict(info["headers"])["Location"]

    def signed_in_name_id(self):
        """The NameID the provider gave the user it last signed in."""
        assert self.server is not None, "call trust() first"
        return self.server.ident.find_nameid("utente-di-prova")[0]

    def _logout_request(self, binding: str, name_id, sign: bool):
        assert self.server is not None, "call trust() first"
        _, destination = self.server.pick_binding(
            "single_logout_service", [binding], "spsso", entity_id=SP_ENTITY_ID
        )
        _, request = self.server.create_logout_request(
            destination,
            SP_ENTITY_ID,
            name_id=name_id or self.signed_in_name_id(),
            sign=sign and binding == BINDING_HTTP_POST,  # the POST binding signs the XML
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return destination, str(request)

    def start_logout(self, *, sign: bool = True, name_id=None, relay_state: str = "") -> str:
        """The provider ends the session itself: the address of Performa's SLS with a
        LogoutRequest (by default for the user it last signed in), signed in the query as the
        HTTP-Redirect binding wants."""
        destination, request = self._logout_request(BINDING_HTTP_REDIRECT, name_id, sign)
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            request,
            destination,
            relay_state,
            sign=sign,
            sigalg=SIG_RSA_SHA256,
        )
        return dict(info["headers"])["Location"]

    def start_logout_post(self, *, sign: bool = True, name_id=None) -> tuple[str, dict]:
        """The same by HTTP-POST: (Performa's SLS address, the form with the signed XML)."""
        destination, request = self._logout_request(BINDING_HTTP_POST, name_id, sign)
        form = {"SAMLRequest": base64.b64encode(request.encode()).decode()}
        return destination, form

    def sign_query(self, query: str) -> str:
        """`query` (SAMLRequest=…[&RelayState=…]&SigAlg=…, encoded as the caller chose) with
        the provider's redirect-binding signature over exactly those octets appended."""
        key = serialization.load_pem_private_key(Path(self.key_file).read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        signature = key.sign(query.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{query}&Signature={quote(base64.b64encode(signature).decode(), safe='')}"
