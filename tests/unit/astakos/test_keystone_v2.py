"""Keystone v2.0 POST /identity/v2.0/tokens: the access object kamaki and v2 clients use."""

from __future__ import annotations

from astakos_factories import user_token

from astakos.tokens.catalog import forget_services
from astakos.tokens.components import import_definition
from astakos.tokens.models import Token


def test_password_credentials_give_access_object(api, alice, pithos_token):
    response = api.post("/identity/v2.0/tokens", {"auth": {
        "passwordCredentials": {"username": "alice", "password": "pw-alice"},
        "tenantName": "alice"}})
    assert response.status_code == 200
    access = response.json()["access"]
    assert access["token"]["tenant"] == {"id": alice.uuid, "name": "alice", "enabled": True,
                                         "description": None}
    assert access["user"]["id"] == alice.uuid and access["user"]["name"] == "alice"
    assert access["user"]["roles"][0]["name"] == "member"
    services = {s["name"]: s for s in access["serviceCatalog"]}
    account = services["astakos_account"]["endpoints"][0]
    assert account["versionId"] == "v1.0" and "SNF:uiURL" in account
    assert account["publicURL"].endswith("/account/v1.0")
    swift = services["swift"]["endpoints"][0]
    assert swift["publicURL"].endswith(alice.uuid)
    assert {"publicURL", "internalURL", "adminURL", "region", "versionId"} <= set(swift)


def test_token_credentials_return_the_same_token(api, alice):
    token = user_token(alice)
    before = Token.objects.count()
    response = api.post("/identity/v2.0/tokens", {"auth": {"token": {"id": token},
                                                           "tenantId": alice.uuid}})
    assert response.status_code == 200
    assert response.json()["access"]["token"]["id"] == token
    assert Token.objects.count() == before


def test_original_synnefo_uuid_and_token_as_password(api, alice):
    token = user_token(alice)
    response = api.post("/identity/v2.0/tokens", {"auth": {
        "passwordCredentials": {"username": alice.uuid, "password": token}}})
    assert response.status_code == 200
    assert response.json()["access"]["token"]["id"] == token


def test_bad_credentials_and_bodies(api, alice):
    wrong = api.post("/identity/v2.0/tokens", {"auth": {
        "passwordCredentials": {"username": "alice", "password": "nope"}}})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == 401
    assert api.post("/identity/v2.0/tokens", {"auth": {"token": {"id": "bogus"}}}
                    ).status_code == 401
    for body in ({"auth": {}}, {"auth": {"passwordCredentials": "x"}}, {"x": 1}):
        assert api.post("/identity/v2.0/tokens", body).status_code == 400
    assert api.call("POST", "/identity/v2.0/tokens", raw=b"{bad").status_code == 400


def test_empty_body_is_public_catalog(api, alice):
    response = api.call("POST", "/identity/v2.0/tokens", raw=b"")
    assert response.status_code == 200
    assert set(response.json()["access"]) == {"serviceCatalog"}


def test_v2_version_document(api, db):
    assert api.get("/identity/v2.0").json()["version"]["id"] == "v2.0"


def test_v2_lists_per_user_urls_after_synnefo_style_ones(api, alice):
    # kamaki 0.16 takes the first object-store entry and appends the account itself.
    import_definition({"component": "pithos2", "endpoints": [
        {"name": "swift2", "type": "object-store2", "version": "v1",
         "url": "http://127.0.0.1:8701/object-store/v1/{user_id}"},
        {"name": "pithos2_object-store", "type": "object-store2", "version": "v1",
         "url": "http://127.0.0.1:8701/object-store/v1"}], "resources": []})
    forget_services()
    token = user_token(alice)
    v2 = api.post("/identity/v2.0/tokens", {"auth": {"token": {"id": token}}}).json()
    names = [s["name"] for s in v2["access"]["serviceCatalog"] if s["type"] == "object-store2"]
    assert names == ["pithos2_object-store", "swift2"]
    v3 = api.call("GET", "/identity/v3/auth/catalog", token=token).json()["catalog"]
    assert [s["name"] for s in v3 if s["type"] == "object-store2"] == \
        ["swift2", "pithos2_object-store"]
