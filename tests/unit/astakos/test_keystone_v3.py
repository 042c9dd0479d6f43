"""Keystone v3 through the Django test client: login, validation, revocation, catalog."""

from __future__ import annotations

import datetime
import json

from astakos_factories import make_user, password_auth, user_token
from django.utils import timezone

from astakos.identity.models import LoginFailure
from astakos.tokens.models import Token
from astakos.tokens.tokens import digest


def login(api, name="alice", password="pw-alice", **kw):
    return api.post("/identity/v3/auth/tokens", password_auth(name, password, **kw))


def test_versions_documents(api):
    root = api.get("/identity")
    assert root.status_code == 300
    ids = [v["id"] for v in root.json()["versions"]["values"]]
    assert ids == ["v3.14", "v2.0"]
    v3 = api.get("/identity/v3").json()["version"]
    assert v3["status"] == "stable"
    assert v3["links"][0]["href"].endswith("/identity/v3/")


def test_password_login_scoped_by_name_returns_token_and_catalog(api, alice, pithos_token):
    response = login(api, scope={"project": {"name": "alice", "domain": {"name": "Default"}}})
    assert response.status_code == 201
    token = response["X-Subject-Token"]
    assert len(token) == 43
    body = response.json()["token"]
    assert body["user"] == {"id": alice.uuid, "name": "alice",
                            "domain": {"id": "default", "name": "Default"},
                            "password_expires_at": None}
    assert body["project"]["id"] == alice.uuid
    assert [r["name"] for r in body["roles"]] == ["member"]
    by_type = {s["type"]: s for s in body["catalog"]}
    swift = by_type["object-store"]
    assert {e["interface"] for e in swift["endpoints"]} == {"public", "internal", "admin"}
    assert swift["endpoints"][0]["url"].endswith(f"/object-store/v1/{alice.uuid}")
    assert by_type["identity"]["endpoints"][0]["url"].endswith("/identity/v3")
    assert by_type["account"]["name"] == "astakos_account"
    # only the hash is stored
    assert Token.objects.filter(digest=digest(token)).exists()
    assert not Token.objects.filter(digest=token).exists()


def test_login_by_user_id_and_domain_id_and_project_id(api, alice):
    response = api.post("/identity/v3/auth/tokens", {"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {"id": alice.uuid, "password": "pw-alice"}}},
        "scope": {"project": {"id": alice.uuid}}}})
    assert response.status_code == 201
    assert response.json()["token"]["project"]["name"] == "alice"


def test_unscoped_login_gets_the_base_project(api, alice):
    response = login(api)
    assert response.status_code == 201
    assert response.json()["token"]["project"]["id"] == alice.uuid


def test_token_method_rescopes_without_outliving_original(api, alice):
    first = login(api)
    token = first["X-Subject-Token"]
    response = api.post("/identity/v3/auth/tokens", {"auth": {"identity": {
        "methods": ["token"], "token": {"id": token}}, "scope": {"project": {"id": alice.uuid}}}})
    assert response.status_code == 201
    second = response.json()["token"]
    assert second["methods"] == ["token"]
    assert second["expires_at"] <= first.json()["token"]["expires_at"]
    assert response["X-Subject-Token"] != token


def test_validate_head_delete_then_404(api, alice):
    token = login(api)["X-Subject-Token"]
    checker = user_token(alice)
    got = api.get("/identity/v3/auth/tokens", token=checker, x_subject_token=token)
    assert got.status_code == 200 and got["X-Subject-Token"] == token
    assert got.json()["token"]["user"]["id"] == alice.uuid
    nocat = api.get("/identity/v3/auth/tokens?nocatalog", token=checker, x_subject_token=token)
    assert "catalog" not in nocat.json()["token"]
    assert api.call("HEAD", "/identity/v3/auth/tokens", token=checker,
                    x_subject_token=token).status_code == 200
    assert api.call("DELETE", "/identity/v3/auth/tokens", token=checker,
                    x_subject_token=token).status_code == 204
    assert api.get("/identity/v3/auth/tokens", token=checker,
                   x_subject_token=token).status_code == 404
    assert api.call("HEAD", "/identity/v3/auth/tokens", token=checker,
                    x_subject_token=token).status_code == 404
    # the revoked token itself no longer authenticates
    assert api.get("/identity/v3/auth/catalog", token=token).status_code == 401


def test_service_token_validates_other_users_tokens(api, alice, pithos_token):
    token = user_token(alice)
    response = api.get("/identity/v3/auth/tokens", token=pithos_token, x_subject_token=token)
    assert response.status_code == 200
    assert response.json()["token"]["user"]["id"] == alice.uuid


def test_user_cannot_inspect_someone_elses_token(api, alice):
    bob = make_user("bob", "pw-bob")
    response = api.get("/identity/v3/auth/tokens", token=user_token(bob),
                       x_subject_token=user_token(alice))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == 403


def test_wrong_password_is_401_keystone_error_and_no_token(api, alice):
    before = Token.objects.count()
    response = login(api, password="wrong")
    assert response.status_code == 401
    assert response.json()["error"]["title"] == "Unauthorized"
    assert "X-Subject-Token" not in response
    assert Token.objects.count() == before


def test_unknown_user_is_401(api, db):
    assert login(api, name="nobody", password="x").status_code == 401


def test_expired_token_is_401_to_use_and_404_to_validate(api, alice):
    token = user_token(alice)
    Token.objects.filter(digest=digest(token)).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api.get("/identity/v3/auth/catalog", token=token).status_code == 401
    response = api.get("/identity/v3/auth/tokens", token=user_token(alice),
                       x_subject_token=token)
    assert response.status_code == 404
    rescope = api.post("/identity/v3/auth/tokens", {"auth": {"identity": {
        "methods": ["token"], "token": {"id": token}}}})
    assert rescope.status_code == 401


def test_deactivated_user_cannot_log_in_and_tokens_die(api, alice):
    from astakos.identity.users import deactivate

    token = user_token(alice)
    deactivate(alice, "test")
    assert login(api).status_code == 401
    assert api.get("/identity/v3/auth/catalog", token=token).status_code == 401
    assert Token.objects.filter(user=alice, revoked_at=None).count() == 0


def test_pending_user_cannot_log_in(api, db):
    make_user("carol", "pw-carol", state="pending_moderation")
    response = login(api, name="carol", password="pw-carol")
    assert response.status_code == 401
    assert "pending moderation" in response.json()["error"]["message"]


def test_malformed_bodies_are_400_and_change_nothing(api, alice):
    before = Token.objects.count()
    for raw in (b"{not json", b"[]", b'{"auth": 1}', b'{"auth": {"identity": {}}}',
                b'{"auth": {"identity": {"methods": ["password"]}}}',
                b'{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "alice"}}}}}',
                b'{"auth": {"identity": {"methods": ["token"], "token": {}}}}'):
        response = api.call("POST", "/identity/v3/auth/tokens", raw=raw)
        assert response.status_code == 400, raw
        assert response.json()["error"]["code"] == 400
    assert Token.objects.count() == before
    assert LoginFailure.objects.count() == 0


def test_wrong_domain_and_foreign_project_scope_are_401(api, alice):
    make_user("bob", "pw-bob")
    bad_domain = api.post("/identity/v3/auth/tokens", {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "alice", "domain": {"name": "Other"}, "password": "pw-alice"}}}}})
    assert bad_domain.status_code == 401
    assert login(api, scope={"project": {"name": "bob", "domain": {"id": "default"}}}
                 ).status_code == 401


def test_failed_logins_are_rate_limited_per_account(api, alice, settings):
    settings.ASTAKOS_LOGIN_FAILURES_MAX = 3
    for _ in range(3):
        assert login(api, password="wrong").status_code == 401
    limited = login(api)  # even the right password waits now
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == 429
    assert "Retry-After" in limited
    assert Token.objects.filter(user=alice).count() == 0


def test_failed_logins_are_rate_limited_per_address(api, alice, settings):
    settings.ASTAKOS_LOGIN_FAILURES_MAX = 3
    make_user("bob", "pw-bob")
    for name in ("x1", "x2", "x3"):
        assert login(api, name=name, password="wrong").status_code == 401
    assert login(api, name="bob", password="pw-bob").status_code == 429


def test_old_failures_fall_out_of_the_window(api, alice, settings):
    settings.ASTAKOS_LOGIN_FAILURES_MAX = 2
    for _ in range(2):
        login(api, password="wrong")
    LoginFailure.objects.update(at=timezone.now() - datetime.timedelta(seconds=301))
    assert login(api).status_code == 201


def test_catalog_projects_domain(api, alice, cyclades_token):
    token = user_token(alice)
    catalog = api.get("/identity/v3/auth/catalog", token=token).json()["catalog"]
    volume = next(s for s in catalog if s["type"] == "volumev3")
    assert volume["endpoints"][0]["url"].endswith(f"/volume/v3/{alice.uuid}")
    projects = api.get("/identity/v3/auth/projects", token=token).json()["projects"]
    assert [p["id"] for p in projects] == [alice.uuid]
    assert api.get(f"/identity/v3/users/{alice.uuid}/projects", token=token).status_code == 200
    bob = make_user("bob", "pw-bob")
    assert api.get(f"/identity/v3/users/{bob.uuid}/projects", token=token).status_code == 403
    domain = api.get("/identity/v3/domains/default", token=token).json()["domain"]
    assert domain["name"] == "Default" and domain["enabled"] is True
    assert api.get("/identity/v3/domains/other", token=token).status_code == 404
    assert api.get("/identity/v3/auth/catalog").status_code == 401


def test_admin_role_in_token(api, db):
    make_user("root", "pw-root", admin=True)
    roles = [r["name"] for r in login(api, "root", "pw-root").json()["token"]["roles"]]
    assert roles == ["member", "admin"]


def test_unknown_path_is_404_json(api, db):
    response = api.get("/identity/v3/nothing")
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == 404
