"""Third-party login through social-auth against a local OAuth2 provider run by the test.

The provider (a small http.server on loopback) implements the authorization
code grant: /authorize redirects back with a code (auto-approving the user
named by the test), /token swaps the code for an access token, /userinfo
answers the user's claims. Astakos' generic-oauth2 backend points at it; the
Google, Twitter and LinkedIn backends are configured the same way but need the
internet.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.fixtures.astakos_web import UiSession, astakos_server

pytestmark = pytest.mark.integration

CLIENT_ID, CLIENT_SECRET = "astakos-client", "astakos-client-secret"
PEOPLE = {"frank": {"sub": "u-1001", "email": "frank@example.org", "name": "Frank Ocean",
                    "given_name": "Frank", "family_name": "Ocean"},
          "gina": {"sub": "u-1002", "email": "gina@example.org", "name": "Gina Hill"}}


class Provider:
    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, str]] = {}   # code -> (person, redirect_uri)
        self.tokens: dict[str, str] = {}
        self.next_person = "frank"
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status: int, body: dict | None = None, headers=()):
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    if query.get("client_id") != CLIENT_ID:
                        return self.reply(400, {"error": "invalid_client"})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = (provider.next_person, query["redirect_uri"])
                    target = query["redirect_uri"] + "?" + urlencode(
                        {"code": code, "state": query.get("state", "")})
                    return self.reply(302, headers=[("Location", target)])
                if url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in provider.tokens:
                        return self.reply(401, {"error": "invalid_token"})
                    return self.reply(200, PEOPLE[provider.tokens[token]])
                return self.reply(404)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != "/token":
                    return self.reply(404)
                if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID,
                                                                          CLIENT_SECRET):
                    return self.reply(401, {"error": "invalid_client"})
                entry = provider.codes.pop(form.get("code", ""), None)
                if entry is None or entry[1] != form.get("redirect_uri"):
                    return self.reply(400, {"error": "invalid_grant"})
                token = secrets.token_urlsafe(16)
                provider.tokens[token] = entry[0]
                return self.reply(200, {"access_token": token, "token_type": "Bearer",
                                        "expires_in": 300})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def provider():
    p = Provider()
    yield p
    p.close()


@pytest.fixture(scope="module")
def astakos(provider, tmp_path_factory):
    settings = {
        "ASTAKOS_IM_MODULES": ["local", "oauth"],
        "ASTAKOS_AUTH_PROVIDER_POLICIES": {"oauth": {"automoderate": True}},
        "ASTAKOS_OAUTH_PROVIDERS": {
            "generic-oauth2": {"key": CLIENT_ID, "secret": CLIENT_SECRET, "label": "Campus SSO",
                               "authorization_url": f"{provider.url}/authorize",
                               "access_token_url": f"{provider.url}/token",
                               "userinfo_url": f"{provider.url}/userinfo"},
            "google-oauth2": {"key": "google-client", "secret": "x"},
            "twitter": {"key": "twitter-client", "secret": "x"},
            "linkedin-oauth2": {"key": "linkedin-client", "secret": "x"}},
    }
    with astakos_server(tmp_path_factory.mktemp("astakos-oauth"), settings) as server:
        yield server


def oauth_round_trip(ui: UiSession, start: str):
    """Follow Astakos -> provider -> Astakos like a browser; the final page."""
    response = ui.get(start, allow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    authorize = response.headers["Location"]
    back = ui.http.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    return ui.get(back.headers["Location"])


def test_login_page_lists_configured_backends(astakos):
    page = UiSession(astakos["base"]).get("/ui/login").text
    for name in ("generic-oauth2", "google-oauth2", "twitter", "linkedin-oauth2"):
        assert f"/ui/login/oauth/{name}" in page
    assert "Campus SSO" in page


def test_first_login_creates_the_account_and_second_finds_it(astakos, provider):
    provider.next_person = "frank"
    ui = UiSession(astakos["base"])
    page = oauth_round_trip(ui, "/ui/login/oauth/generic-oauth2")
    assert page.url.endswith("/ui/profile"), page.text[:1000]
    assert "Frank Ocean" in page.text and "oauth:generic-oauth2" in page.text
    token = ui.token()
    again = UiSession(astakos["base"])
    page = oauth_round_trip(again, "/ui/login/oauth/generic-oauth2")
    assert "frank@example.org" in page.text
    uuid = page.text.split("<dt>UUID</dt><dd><code>")[1].split("<")[0]
    assert uuid in ui.get("/ui/profile").text and again.token() != token


def test_forged_state_is_refused(astakos, provider):
    provider.next_person = "gina"
    ui = UiSession(astakos["base"])
    response = ui.get("/ui/login/oauth/generic-oauth2", allow_redirects=False)
    back = ui.http.get(response.headers["Location"], allow_redirects=False, timeout=10)
    forged = back.headers["Location"].split("&state=")[0] + "&state=forged"
    page = ui.get(forged)
    assert page.url.endswith("/ui/login") and "gina@example.org" not in page.text
    assert "failed" in page.text


def test_add_oauth_login_to_a_local_account(astakos, provider):
    from tests.fixtures.astakos_web import manage

    manage(astakos["env"], "user-add", "henry@example.org", "--password", "pw-henry-1")
    provider.next_person = "gina"
    ui = UiSession(astakos["base"])
    ui.post_form("/ui/login", {"username": "henry@example.org", "password": "pw-henry-1"})
    page = oauth_round_trip(ui, "/ui/login/oauth/generic-oauth2?intent=add")
    assert "Added the oauth:generic-oauth2 login" in page.text
    assert "u-1002" in page.text
    # Gina's provider account now logs in to Henry's Astakos account.
    other = UiSession(astakos["base"])
    page = oauth_round_trip(other, "/ui/login/oauth/generic-oauth2")
    assert "henry@example.org" in page.text
