"""SAML 2.0 login end to end: Astakos as the SP, a pysaml2 IdP run by the test on loopback.

The IdP signs its assertions with a throwaway key (xmlsec1); the two sides
trade metadata like a real federation (the SP's from /ui/saml/metadata).
The test carries the IdP's POST form back to Astakos like a browser would.
"""

from __future__ import annotations

import base64
import datetime
import html
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from tests.fixtures.astakos_web import UiSession, astakos_server, free_port, manage

pytestmark = pytest.mark.integration

PERSON = {"eduPersonPrincipalName": ["ivy@idp.example.org"], "mail": ["ivy@example.org"],
          "givenName": ["Ivy"], "sn": ["Lee"], "displayName": ["Ivy Lee"]}


def self_signed(directory, name: str) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


class IdentityProvider:
    """A pysaml2 IdP that logs in whoever `person` names, with no login form."""

    def __init__(self, home, port: int) -> None:
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.saml import NAME_FORMAT_URI

        self.url = f"http://127.0.0.1:{port}"
        key, cert = self_signed(home, "idp")
        self.conf = {
            "entityid": f"{self.url}/metadata", "xmlsec_binary": shutil.which("xmlsec1"),
            "key_file": key, "cert_file": cert,
            "service": {"idp": {
                "name": "Test IdP",
                "endpoints": {"single_sign_on_service": [
                    (f"{self.url}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": 5},
                                       "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_URI}}}},
        }
        self.person = dict(PERSON)
        self.server = None

    def metadata(self) -> str:
        from saml2.config import IdPConfig
        from saml2.metadata import create_metadata_string

        config = IdPConfig()
        config.load(dict(self.conf))
        text = create_metadata_string(None, config=config)
        return text.decode() if isinstance(text, bytes) else text

    def serve(self, sp_metadata_file: str) -> None:
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import AUTHN_PASSWORD
        from saml2.server import Server

        config = IdPConfig()
        config.load(dict(self.conf, metadata={"local": [sp_metadata_file]}))
        idp = Server(config=config)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/sso/redirect":
                    self.send_error(404)
                    return
                request = idp.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
                args = idp.response_args(request.message, [BINDING_HTTP_POST])
                response = idp.create_authn_response(
                    provider.person, userid=provider.person["eduPersonPrincipalName"][0],
                    authn={"class_ref": AUTHN_PASSWORD, "authn_auth": provider.url},
                    sign_assertion=True, **args)
                http = idp.apply_binding(BINDING_HTTP_POST, str(response), args["destination"],
                                         query.get("RelayState", ""), response=True)
                body = http["data"].encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", int(self.url.rsplit(":", 1)[1])),
                                          Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture(scope="module")
def federation(tmp_path_factory):
    if not shutil.which("xmlsec1"):
        pytest.skip("xmlsec1 is not installed (deploy/system-packages.sh)")
    pytest.importorskip("saml2")
    home = tmp_path_factory.mktemp("saml")
    idp = IdentityProvider(home, free_port())
    (home / "idp.xml").write_text(idp.metadata())
    settings = {"ASTAKOS_IM_MODULES": ["local", "saml"],
                "ASTAKOS_SAML_IDP_METADATA": [str(home / "idp.xml")],
                "ASTAKOS_AUTH_PROVIDER_POLICIES": {"saml": {"automoderate": True}}}
    with astakos_server(home / "astakos", settings) as server:
        ui = UiSession(server["base"])
        metadata = ui.get("/ui/saml/metadata")
        assert metadata.status_code == 200 and "AssertionConsumerService" in metadata.text
        (home / "sp.xml").write_text(metadata.text)
        idp.serve(str(home / "sp.xml"))
        try:
            yield {"idp": idp, "astakos": server}
        finally:
            idp.close()


def idp_form(ui: UiSession, start: str) -> dict[str, str]:
    """Go to the IdP like a browser; the fields of the auto-submit form it answers."""
    response = ui.get(start, allow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    page = ui.http.get(response.headers["Location"], timeout=30).text
    fields = dict(re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', page))
    assert "SAMLResponse" in fields, page[:1000]
    return {k: html.unescape(v) for k, v in fields.items()}


def post_acs(ui: UiSession, fields: dict[str, str]):
    return ui.http.post(ui.url("/ui/saml/acs"), data=fields, timeout=30)


def test_saml_login_creates_the_account(federation):
    ui = UiSession(federation["astakos"]["base"])
    assert "/ui/login/saml" in ui.get("/ui/login").text
    page = post_acs(ui, idp_form(ui, "/ui/login/saml"))
    assert page.url.endswith("/ui/profile"), page.text[:2000]
    assert "Ivy Lee" in page.text and "ivy@example.org" in page.text
    assert "ivy@idp.example.org" in page.text  # the linked saml identifier
    assert ui.token()


def test_tampered_or_replayed_responses_are_refused(federation):
    ui = UiSession(federation["astakos"]["base"])
    fields = idp_form(ui, "/ui/login/saml")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    forged = xml.replace("ivy@example.org", "mallory@example.org")
    assert forged != xml
    response = post_acs(ui, dict(fields, SAMLResponse=base64.b64encode(forged.encode()).decode()))
    assert response.status_code == 400 and "mallory" not in response.text
    # A genuine response answering another request (wrong RelayState) is refused too.
    other = idp_form(UiSession(federation["astakos"]["base"]), "/ui/login/saml")
    response = post_acs(ui, dict(fields, RelayState=other["RelayState"]))
    assert response.status_code == 400


def test_add_saml_to_a_local_account(federation):
    server = federation["astakos"]
    federation["idp"].person = dict(PERSON, eduPersonPrincipalName=["jo@idp.example.org"],
                                    mail=["jo.idp@example.org"], displayName=["Jo"])
    manage(server["env"], "user-add", "jo@example.org", "--password", "pw-jo-local")
    ui = UiSession(server["base"])
    ui.post_form("/ui/login", {"username": "jo@example.org", "password": "pw-jo-local"})
    page = post_acs(ui, idp_form(ui, "/ui/login/saml?intent=add"))
    assert "Added the saml login" in page.text and "jo@idp.example.org" in page.text
    other = UiSession(server["base"])
    page = post_acs(other, idp_form(other, "/ui/login/saml"))
    assert "jo@example.org" in page.text  # Jo's local account, not a new one
