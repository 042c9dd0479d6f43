"""Login hand-off to the cloud's dashboard and CORS for its API calls.

After a login, Astakos sends the user back to `next`. A local /ui/ path works as
before; an absolute URL is followed only when its origin is a registered service's
(the Cyclades dashboard), and then the session's token travels in the URL fragment.
Every other `next` lands on the profile with no token anywhere in the redirect.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from astakos_factories import CYCLADES_DEFINITION, user_token
from django.test import Client
from test_ui_pages import csrf, login, post

from astakos.tokens import tokens
from astakos.tokens.components import import_definition
from astakos.tokens.origins import cors_origins, origin_of

DASHBOARD = "http://127.0.0.1:8702/ui/"


@pytest.fixture
def browser(db, settings):
    settings.ASTAKOS_MODERATION_ENABLED = False
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.fixture
def cyclades(db):
    import_definition(CYCLADES_DEFINITION)
    import_definition({"component": "pithos", "endpoints": [
        {"name": "pithos_object-store", "type": "object-store", "version": "v1",
         "url": "http://127.0.0.1:8701/object-store/v1/{user_id}"}], "resources": []})


def login_to(client: Client, next_url: str):
    data = {"username": "alice", "password": "pw-alice", "next": next_url,
            "csrfmiddlewaretoken": csrf(client, "/ui/login")}
    return client.post("/ui/login", data)


def handed_token(location: str) -> str:
    parts = urlsplit(location)
    assert not parts.query, location          # never in a query string
    return parse_qs(parts.fragment)["token"][0]


def test_login_hands_the_token_to_a_registered_service_in_the_fragment(browser, alice, cyclades,
                                                                       caplog):
    with caplog.at_level(logging.DEBUG):
        response = login_to(browser, DASHBOARD)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(DASHBOARD + "#token=")
    token = handed_token(location)
    row = tokens.lookup(token)
    assert row is not None and row.user == alice
    # It is the session's token (the one the profile shows), and no log line holds it.
    assert token in browser.get("/ui/profile").content.decode()
    assert all(token not in record.getMessage() for record in caplog.records)


def test_a_logged_in_user_is_sent_on_at_once(browser, alice, cyclades):
    login(browser, "alice", "pw-alice")
    response = browser.get("/ui/login", {"next": DASHBOARD})
    assert response.status_code == 302
    assert tokens.lookup(handed_token(response["Location"])).user == alice


def test_the_login_page_keeps_a_registered_next(browser, cyclades):
    page = browser.get("/ui/login", {"next": DASHBOARD}).content.decode()
    assert f'name="next" value="{DASHBOARD}"' in page


@pytest.mark.parametrize("bad", [
    "http://evil.example.org/ui/",
    "http://127.0.0.1:8703/ui/",                 # another port: another origin
    "https://127.0.0.1:8702/ui/",                # another scheme
    "http://127.0.0.1:8702.evil.example.org/ui/",
    "http://127.0.0.1:8702@evil.example.org/ui/",
    "http://user:pw@127.0.0.1:8702/ui/",
    "//evil.example.org/ui/",
    "/\\evil.example.org/ui/",
    "http:\\\\127.0.0.1:8702\\ui",
    "javascript:alert(1)//http://127.0.0.1:8702/",
    "ftp://127.0.0.1:8702/ui/",
    "http://127.0.0.1:8702/ui/\r\nX-Injected: 1",
    # The dashboard's origin but not its UI: only the declared web UI gets a token.
    "http://127.0.0.1:8702/compute/v2.1/servers",
    "http://127.0.0.1:8702/",
    "http://127.0.0.1:8702/uix",
    "http://127.0.0.1:8702/ui/../image/v1.0/images/1",
    "http://127.0.0.1:8702/ui/%2e%2e/image/",
    # Another registered service that declares no web UI (Pithos serves users' public
    # files from its origin: a page there must never receive a token).
    "http://127.0.0.1:8701/public/abc123",
])
def test_other_next_urls_land_on_the_profile_without_a_token(browser, alice, cyclades, bad):
    response = login_to(browser, bad)
    assert response.status_code == 302
    assert response["Location"] == "/ui/profile"


def test_without_registered_services_no_absolute_next_is_followed(browser, alice):
    response = login_to(browser, DASHBOARD)
    assert response["Location"] == "/ui/profile"


def test_a_local_next_gets_no_token(browser, alice, cyclades):
    response = login_to(browser, "/ui/usage")
    assert response["Location"] == "/ui/usage"


def test_logout_page_asks_then_the_form_logs_out(browser, alice):
    assert browser.get("/ui/logout")["Location"] == "/ui/login"
    login(browser, "alice", "pw-alice")
    page = browser.get("/ui/logout")
    assert page.status_code == 200
    assert 'id="logout-confirm"' in page.content.decode()
    assert browser.get("/ui/profile").status_code == 200      # a GET changes nothing
    post(browser, "/ui/logout", {}, form_page="/ui/logout")
    assert browser.get("/ui/profile").status_code == 302


# --- origins --------------------------------------------------------------------------------

@pytest.mark.parametrize("url, origin", [
    ("http://127.0.0.1:8702/compute/v2.1", "http://127.0.0.1:8702"),
    ("HTTPS://Cloud.Example.org:443/ui/", "https://cloud.example.org"),
    ("http://cloud.example.org:80", "http://cloud.example.org"),
    ("http://[::1]:8702/x", "http://[::1]:8702"),
    ("http://a@b.example.org/", ""),
    ("file:///etc/passwd", ""),
    ("http:///nohost", ""),
    ("http://x.example.org:99999/", ""),
    ("", ""),
])
def test_origin_of(url, origin):
    assert origin_of(url) == origin


def test_cors_origins_default_to_the_registered_services(db, cyclades, settings):
    settings.ASTAKOS_CORS_ORIGINS = []
    assert cors_origins() == {"http://127.0.0.1:8702", "http://127.0.0.1:8701"}
    settings.ASTAKOS_CORS_ORIGINS = ["https://dash.example.org/", "not a url"]
    assert cors_origins() == {"https://dash.example.org"}


# --- CORS -----------------------------------------------------------------------------------

ORIGIN = "http://127.0.0.1:8702"


def test_preflight_from_the_dashboard_is_allowed_without_credentials(browser, cyclades):
    response = browser.options("/identity/v3/auth/tokens", HTTP_ORIGIN=ORIGIN,
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-auth-token,x-subject-token")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "DELETE" in response["Access-Control-Allow-Methods"]
    assert "X-Auth-Token" in response["Access-Control-Allow-Headers"]
    assert "X-Subject-Token" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    assert "Origin" in response["Vary"]


@pytest.mark.parametrize("origin", ["http://evil.example.org", "http://127.0.0.1:8703", "null",
                                    "http://127.0.0.1:8702/", "HTTP://127.0.0.1:8702"])
def test_other_origins_get_no_cors_headers(browser, alice, cyclades, origin):
    preflight = browser.options("/account/v1.0/quotas", HTTP_ORIGIN=origin,
                                HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Methods" not in preflight
    call = browser.get("/account/v1.0/quotas", HTTP_ORIGIN=origin,
                       HTTP_X_AUTH_TOKEN=user_token(alice))
    assert call.status_code == 200 and "Access-Control-Allow-Origin" not in call


def test_api_answers_and_faults_carry_cors_headers_for_the_dashboard(browser, alice, cyclades):
    token = user_token(alice)
    ok = browser.get("/identity/v3/auth/tokens", HTTP_ORIGIN=ORIGIN, HTTP_X_AUTH_TOKEN=token,
                     HTTP_X_SUBJECT_TOKEN=token)
    assert ok.status_code == 200 and ok.json()["token"]["user"]["name"] == "alice"
    assert ok["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Subject-Token" in ok["Access-Control-Expose-Headers"]
    refused = browser.get("/account/v1.0/quotas", HTTP_ORIGIN=ORIGIN, HTTP_X_AUTH_TOKEN="bad")
    assert refused.status_code == 401 and refused["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in ok


def test_a_cross_origin_call_still_needs_a_token(browser, cyclades):
    response = browser.get("/account/v1.0/quotas", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 401


def test_the_cookie_pages_never_answer_cross_origin(browser, alice, cyclades):
    for path in ("/ui/login", "/ui/profile", "/healthz"):
        response = browser.get(path, HTTP_ORIGIN=ORIGIN)
        assert "Access-Control-Allow-Origin" not in response, path
    preflight = browser.options("/ui/logout", HTTP_ORIGIN=ORIGIN,
                                HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in preflight
