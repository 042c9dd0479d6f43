"""The dashboard's page and files as Cyclades serves them (no token needed, no user data)."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from cyclades.dashboard import views

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client()


def test_page_links_its_modules_and_names_astakos(browser):
    with override_settings(IDENTITY_URL="http://idp.example.org:8700/identity/v3",
                           CYCLADES_DASHBOARD_ASTAKOS_URL=""):
        response = browser.get("/ui/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'data-astakos-url="http://idp.example.org:8700"' in html
    assert re.search(r'<script type="module" src="/ui/static/app\.js\?v=[0-9a-f]{12}">', html)
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_page_policy_allows_only_this_origin_and_astakos(browser):
    with override_settings(CYCLADES_DASHBOARD_ASTAKOS_URL="https://accounts.example.org/"):
        response = browser.get("/ui/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "connect-src 'self' https://accounts.example.org;" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


def test_every_module_the_page_imports_is_served(browser):
    names = views.asset_names()
    assert {"app.js", "api.js", "session.js", "dashboard.css"} <= names
    for name in sorted(names):
        response = browser.get(f"/ui/static/{name}")
        assert response.status_code == 200, name
        assert response["X-Content-Type-Options"] == "nosniff"
        body = response.content.decode()
        if name.endswith(".js"):
            assert response["Content-Type"].startswith("text/javascript")
            for imported in re.findall(r'from "\./([\w.-]+)"', body):
                assert imported in names, f"{name} imports a file that is not served: {imported}"


def test_assets_answer_not_modified_to_a_matching_etag(browser):
    first = browser.get("/ui/static/app.js")
    again = browser.get("/ui/static/app.js", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("name", ["missing.js", "..%2Fviews.py", "index.html", "%2e%2e"])
def test_only_the_folder_files_are_served(browser, name):
    response = browser.get(f"/ui/static/{name}")
    assert response.status_code == 404
    assert "itemNotFound" in response.json()


def test_scripts_keep_the_token_out_of_urls_and_cookies():
    """The token is only ever a header, kept in sessionStorage: never a query string,
    a cookie or localStorage, and API calls never send cookies."""
    scripts = {name: (views.STATIC_DIR / name).read_text()
               for name in views.asset_names() if name.endswith(".js")}
    everything = "\n".join(scripts.values())
    assert "document.cookie" not in everything
    assert "localStorage" not in everything
    assert "innerHTML" not in everything
    assert not re.search(r"[?&](token|X-Auth-Token)=", everything)
    assert 'credentials: "omit"' in scripts["api.js"]
    assert "history.replaceState" in scripts["session.js"]
