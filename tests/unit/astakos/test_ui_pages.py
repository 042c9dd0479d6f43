"""The web UI with Django's test client: sign-up, verification, login, token, projects, moderation."""

from __future__ import annotations

import re

import pytest
from astakos_factories import make_user
from django.core import mail
from django.test import Client

from astakos.identity.models import User
from astakos.tokens import tokens


@pytest.fixture
def browser(db, settings):
    settings.ASTAKOS_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ASTAKOS_MODERATION_ENABLED = False
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def csrf(client: Client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match, page.content[:500]
    return match.group(1)


def post(client: Client, path: str, data: dict, *, form_page: str | None = None):
    data = dict(data, csrfmiddlewaretoken=csrf(client, form_page or path))
    return client.post(path, data)


def login(client: Client, name: str, password: str):
    return post(client, "/ui/login", {"username": name, "password": password})


def test_signup_verify_login_shows_token(browser):
    response = post(browser, "/ui/signup", {"email": "Bob@Example.org", "display_name": "Bob",
                                            "password": "secret-pw-1", "password2": "secret-pw-1"})
    assert response.status_code == 302
    user = User.objects.get(email="bob@example.org")
    assert user.state == "pending_verification"
    assert login(browser, "bob@example.org", "secret-pw-1").status_code == 401
    link = re.search(r"http://\S+/ui/verify/\S+", mail.outbox[0].body).group(0)
    assert browser.get(link.split("testserver", 1)[1]).status_code == 302
    user.refresh_from_db()
    assert user.state == "active" and user.email_verified
    response = login(browser, "bob@example.org", "secret-pw-1")
    assert response.status_code == 302 and response["Location"] == "/ui/profile"
    page = browser.get("/ui/profile").content.decode()
    token = re.search(r'id="api-token">([^<]+)<', page).group(1)
    assert tokens.lookup(token).user == user
    # Verification activated the base project's quotas: applying for a project works.
    response = post(browser, "/ui/projects/apply", {"name": "bob-lab"})
    assert response.status_code == 302, response.content[:300]


def test_forged_verification_link_does_nothing(browser):
    post(browser, "/ui/signup", {"email": "eve@example.org", "password": "secret-pw-1",
                                 "password2": "secret-pw-1"})
    user = User.objects.get(email="eve@example.org")
    browser.get("/ui/verify/" + user.uuid + ":forged")
    user.refresh_from_db()
    assert user.state == "pending_verification"


def test_signup_with_moderation_waits_for_admin(browser, settings):
    settings.ASTAKOS_MODERATION_ENABLED = True
    settings.ASTAKOS_EMAIL_VERIFICATION_REQUIRED = False
    post(browser, "/ui/signup", {"email": "carol@example.org", "password": "secret-pw-1",
                                 "password2": "secret-pw-1"})
    carol = User.objects.get(email="carol@example.org")
    assert carol.state == "pending_moderation"
    make_user("root", "pw-root-123", admin=True)
    login(browser, "root", "pw-root-123")
    assert "carol@example.org" in browser.get("/ui/admin/users").content.decode()
    post(browser, f"/ui/admin/users/{carol.uuid}/accept", {}, form_page="/ui/admin/users")
    carol.refresh_from_db()
    assert carol.state == "active"


def test_moderation_page_is_for_admins_only(browser):
    make_user("dave", "pw-dave-123")
    login(browser, "dave", "pw-dave-123")
    assert browser.get("/ui/admin/users").status_code == 403


def test_signup_rejects_bad_input(browser):
    response = post(browser, "/ui/signup", {"email": "nope", "password": "short",
                                            "password2": "other"})
    assert response.status_code == 400
    assert not User.objects.filter(username="nope").exists()


def test_post_without_csrf_token_is_refused(browser, alice):
    response = browser.post("/ui/login", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 403


def test_token_renew_revokes_the_old_token(browser, alice):
    login(browser, "alice", "pw-alice")
    page = browser.get("/ui/profile").content.decode()
    old = re.search(r'id="api-token">([^<]+)<', page).group(1)
    post(browser, "/ui/profile/token", {}, form_page="/ui/profile")
    page = browser.get("/ui/profile").content.decode()
    new = re.search(r'id="api-token">([^<]+)<', page).group(1)
    assert new != old and tokens.lookup(old) is None and tokens.lookup(new) is not None


def test_session_keeps_the_token_out_of_the_database_and_logout_revokes_it(browser, alice):
    from django.contrib.sessions.models import Session

    login(browser, "alice", "pw-alice")
    page = browser.get("/ui/profile").content.decode()
    token = re.search(r'id="api-token">([^<]+)<', page).group(1)
    assert not Session.objects.exists()      # the session lives in the user's signed cookie
    post(browser, "/ui/logout", {}, form_page="/ui/profile")
    assert tokens.lookup(token) is None
    assert browser.get("/ui/profile").status_code == 302   # logged out


def test_failed_ui_logins_are_throttled(browser, alice, settings):
    settings.ASTAKOS_LOGIN_FAILURES_MAX = 3
    for _ in range(3):
        assert login(browser, "alice", "wrong").status_code == 401
    response = login(browser, "alice", "pw-alice")
    assert response.status_code == 429 and response["Retry-After"]


def test_pages_need_login(browser):
    for path in ("/ui/profile", "/ui/usage", "/ui/projects", "/ui/projects/apply"):
        response = browser.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/ui/login")


def test_usage_page_lists_base_quota(browser, alice, pithos_token):
    from astakos.projects.quotas import sync_all

    sync_all()
    login(browser, "alice", "pw-alice")
    page = browser.get("/ui/usage").content.decode()
    assert "pithos.diskspace" in page and "1000" in page


def test_apply_approve_join_leave(browser, alice, pithos_token):
    login(browser, "alice", "pw-alice")
    response = post(browser, "/ui/projects/apply", {
        "name": "physics", "description": "lab", "join_policy": "auto", "leave_policy": "auto",
        "project_capacity__pithos.diskspace": "500", "member_capacity__pithos.diskspace": "100"})
    assert response.status_code == 302
    project_path = response["Location"]
    assert "pending" in browser.get(project_path).content.decode()
    admin = Client(enforce_csrf_checks=True)
    make_user("root", "pw-root-123", admin=True)
    login(admin, "root", "pw-root-123")
    app_id = re.search(r"/ui/projects/applications/(\d+)/approve",
                       admin.get("/ui/projects").content.decode()).group(1)
    post(admin, f"/ui/projects/applications/{app_id}/approve", {}, form_page="/ui/projects")
    assert 'id="project-state">active' in browser.get(project_path).content.decode()
    bob = Client(enforce_csrf_checks=True)
    make_user("bob", "pw-bob-1234")
    login(bob, "bob", "pw-bob-1234")
    assert "physics" in bob.get("/ui/projects").content.decode()
    post(bob, project_path + "/join", {}, form_page=project_path)
    alice_page = browser.get(project_path).content.decode()
    assert "bob" in alice_page
    page = bob.get(project_path).content.decode()
    membership = re.search(r"/memberships/(\d+)/leave", page).group(1)
    post(bob, f"{project_path}/memberships/{membership}/leave", {}, form_page=project_path)
    assert 'id="own-membership">removed' in bob.get(project_path).content.decode()


def test_login_page_lists_enabled_providers(browser, settings):
    settings.ASTAKOS_IM_MODULES = ["local", "ldap", "oauth"]
    settings.ASTAKOS_LDAP_URI = "ldap://127.0.0.1:9"
    settings.ASTAKOS_OAUTH_PROVIDERS = {"google-oauth2": {"key": "k", "secret": "s"}}
    page = browser.get("/ui/login").content.decode()
    assert 'action="/ui/login/ldap"' in page and "/ui/login/oauth/google-oauth2" in page
    settings.ASTAKOS_AUTH_PROVIDER_POLICIES = {"ldap": {"login": False}}
    assert 'action="/ui/login/ldap"' not in browser.get("/ui/login").content.decode()


def test_google_login_redirects_to_google_with_state(browser, settings):
    settings.ASTAKOS_IM_MODULES = ["local", "oauth"]
    settings.ASTAKOS_OAUTH_PROVIDERS = {"google-oauth2": {"key": "client-1", "secret": "s"}}
    response = browser.get("/ui/login/oauth/google-oauth2")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://accounts.google.com/")
    assert "client_id=client-1" in location and "state=" in location
    assert "redirect_uri=http://testserver/ui/login/oauth/google-oauth2/complete" in location
