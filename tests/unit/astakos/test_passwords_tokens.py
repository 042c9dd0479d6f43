"""Password change (Keystone v3 and the profile page), reset by mail, token renewal API,
user-modify --renew-token: the good path and bad input that must change nothing."""

from __future__ import annotations

import io
import json
import re

import pytest
from astakos_factories import make_user, user_token
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from astakos.identity import passwords
from astakos.identity.models import LoginFailure
from astakos.identity.providers.local import authenticate
from astakos.tokens import tokens
from astakos.tokens.models import Token

NEW = "a-much-better-passphrase"


def change(api, user, original, new, **kw):
    return api.post(f"/identity/v3/users/{user.uuid}/password",
                    {"user": {"password": new, "original_password": original}}, **kw)


def live(token: str) -> bool:
    return tokens.lookup(token) is not None


def test_keystone_password_change_revokes_tokens(api, alice):
    token = user_token(alice)
    assert api.get("/identity/v3/auth/catalog", token=token).status_code == 200
    response = change(api, alice, "pw-alice", NEW, token=token)
    assert response.status_code == 204
    assert authenticate("alice", NEW) is not None and authenticate("alice", "pw-alice") is None
    assert not live(token)
    assert api.get("/identity/v3/auth/catalog", token=token).status_code == 401
    # Without a token, the original password is the credential (Keystone's way).
    assert change(api, alice, NEW, "yet-another-passphrase").status_code == 204


@pytest.mark.parametrize("original, new, status", [
    ("wrong-original", NEW, 401),
    ("pw-alice", "", 400),
    ("pw-alice", "short", 400),
    ("pw-alice", "12345678901", 400),       # all digits
    ("pw-alice", "password123", 400),       # a common password
    ("pw-alice", "alice@example.org", 400),  # the email
    ("pw-alice", None, 400),
])
def test_bad_password_changes_change_nothing(api, alice, original, new, status):
    token = user_token(alice)
    response = change(api, alice, original, new, token=token)
    assert response.status_code == status, response.content
    assert "error" in response.json()
    assert authenticate("alice", "pw-alice") is not None
    assert live(token)


def test_malformed_password_bodies_are_400(api, alice):
    url = f"/identity/v3/users/{alice.uuid}/password"
    for body in ({}, {"user": {"password": NEW}}, {"user": "x"}, [1]):
        assert api.post(url, body).status_code == 400
    assert authenticate("alice", "pw-alice") is not None


def test_password_change_of_someone_else_or_unknown_user(api, alice):
    bob = make_user("bob", "pw-bob-123")
    assert change(api, alice, "pw-alice", NEW, token=user_token(bob)).status_code == 403
    response = api.post("/identity/v3/users/no-such-user/password",
                        {"user": {"password": NEW, "original_password": "x"}})
    assert response.status_code == 401
    assert authenticate("alice", "pw-alice") is not None


def test_wrong_original_passwords_are_throttled(api, alice, settings):
    settings.ASTAKOS_LOGIN_FAILURES_MAX = 3
    for _ in range(3):
        assert change(api, alice, "guess", NEW).status_code == 401
    assert change(api, alice, "pw-alice", NEW).status_code == 429
    assert authenticate("alice", "pw-alice") is not None
    assert LoginFailure.objects.filter(key="account:alice").count() == 3


# ---- token renewal ---------------------------------------------------------------------

def test_token_renewal_api_rolls_over(api, alice):
    token = user_token(alice)
    response = api.post("/account/v1.0/tokens/renew", token=token)
    assert response.status_code == 201
    body = response.json()["token"]
    new = response["X-Subject-Token"]
    assert body["id"] == new != token and body["user_id"] == alice.uuid
    assert body["project_id"] == alice.uuid
    assert not live(token) and live(new)
    assert api.get("/identity/v3/auth/catalog", token=new).status_code == 200
    assert api.post("/account/v1.0/tokens/renew", token=token).status_code == 401


def test_token_renewal_needs_a_user_token(api, pithos_token):
    assert api.post("/account/v1.0/tokens/renew").status_code == 401
    assert api.post("/account/v1.0/tokens/renew", token="bogus").status_code == 401
    assert api.post("/account/v1.0/tokens/renew", token=pithos_token).status_code == 403
    assert live(pithos_token)
    assert api.get("/account/v1.0/tokens/renew", token=pithos_token).status_code == 405


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_user_modify_renew_token(db, alice):
    old = user_token(alice)
    result = json.loads(run("user-modify", "alice", "--renew-token", "-o", "json"))
    assert not live(old) and tokens.lookup(result["token"]).user == alice
    alice.state = "deactivated"
    alice.save()
    with pytest.raises(CommandError, match="deactivated"):
        run("user-modify", "alice", "--renew-token")
    assert live(result["token"]) is False  # inactive user: no token works


# ---- the UI ----------------------------------------------------------------------------

@pytest.fixture
def browser(db, settings):
    settings.ASTAKOS_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def csrf(client: Client, path: str) -> str:
    page = client.get(path)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                     page.content.decode()).group(1)


def post(client: Client, path: str, data: dict, *, form_page: str | None = None):
    return client.post(path, dict(data, csrfmiddlewaretoken=csrf(client, form_page or path)))


def shown_token(client: Client) -> str:
    return re.search(r'id="api-token">([^<]+)<',
                     client.get("/ui/profile").content.decode()).group(1)


def test_profile_password_change(browser, alice):
    post(browser, "/ui/login", {"username": "alice", "password": "pw-alice"})
    before = shown_token(browser)
    other = user_token(alice)
    response = post(browser, "/ui/profile/password", {
        "original_password": "pw-alice", "password": NEW, "password2": NEW},
        form_page="/ui/profile")
    assert response.status_code == 302
    assert authenticate("alice", NEW) is not None
    after = shown_token(browser)
    assert after != before and live(after) and not live(before) and not live(other)


@pytest.mark.parametrize("form", [
    {"original_password": "wrong", "password": NEW, "password2": NEW},
    {"original_password": "pw-alice", "password": NEW, "password2": NEW + "x"},
    {"original_password": "pw-alice", "password": "", "password2": ""},
    {"original_password": "pw-alice", "password": "qwerty", "password2": "qwerty"},
])
def test_profile_password_change_refused(browser, alice, form):
    post(browser, "/ui/login", {"username": "alice", "password": "pw-alice"})
    token = shown_token(browser)
    response = post(browser, "/ui/profile/password", form, form_page="/ui/profile")
    assert response.status_code == 302
    page = browser.get("/ui/profile").content.decode()
    assert 'class="msg error"' in page
    assert authenticate("alice", "pw-alice") is not None and live(token)


def test_password_reset_by_mail(browser, alice):
    token = user_token(alice)
    assert "Forgot your password" in browser.get("/ui/login").content.decode()
    response = post(browser, "/ui/password/reset", {"email": "ALICE@example.org"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"http://\S+(/ui/password/reset/\S+)", mail.outbox[0].body).group(1)
    assert browser.get(link).status_code == 200
    # A weak or mismatched password changes nothing and the link still works.
    assert post(browser, link, {"password": "short", "password2": "short"}).status_code == 400
    assert post(browser, link, {"password": NEW, "password2": "other"}).status_code == 400
    assert authenticate("alice", "pw-alice") is not None and live(token)
    response = post(browser, link, {"password": NEW, "password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/ui/login"
    assert authenticate("alice", NEW) is not None and not live(token)
    # The link works once.
    assert browser.get(link).status_code == 302
    assert Token.objects.filter(user=alice, revoked_at=None).count() == 0


def test_password_reset_for_unknown_or_passwordless_accounts_sends_nothing(browser, alice):
    from astakos.identity.users import create_user

    create_user(username="sso-only", email="sso@example.org")  # no local password
    for email in ("nobody@example.org", "sso@example.org", ""):
        response = post(browser, "/ui/password/reset", {"email": email})
        assert response.status_code == 302
    assert mail.outbox == []


def test_forged_or_expired_reset_codes_are_refused(browser, alice, settings):
    code = passwords.reset_code(alice)
    assert browser.get("/ui/password/reset/" + code + "x").status_code == 302
    response = post(browser, "/ui/password/reset/" + code[:-2] + "zz",
                    {"password": NEW, "password2": NEW}, form_page="/ui/password/reset")
    assert response.status_code == 302
    settings.ASTAKOS_PASSWORD_RESET_MAX_AGE_SECONDS = -1
    with pytest.raises(Exception, match="expired"):
        passwords.user_for_reset(code)
    assert authenticate("alice", "pw-alice") is not None
