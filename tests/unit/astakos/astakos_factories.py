"""Factories for the Astakos unit tests (SQLite, Django test client)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from astakos.identity.users import add_role, create_user
from astakos.tokens import tokens
from astakos.tokens.components import import_definition

PITHOS_DEFINITION = {
    "component": "pithos",
    "endpoints": [{"name": "swift", "type": "object-store", "version": "v1",
                   "url": "http://127.0.0.1:8701/object-store/v1/{user_id}"}],
    "resources": [{"name": "pithos.diskspace", "unit": "bytes", "description": "Storage",
                   "default_limit": 1000, "service_type": "object-store"}],
}

CYCLADES_DEFINITION = {
    "component": "cyclades",
    "endpoints": [{"name": "nova", "type": "compute", "version": "v2.1",
                   "url": "http://127.0.0.1:8702/compute/v2.1",
                   "ui_url": "http://127.0.0.1:8702/ui/"},
                  {"name": "cinderv3", "type": "volumev3", "version": "v3",
                   "url": "http://127.0.0.1:8702/volume/v3/{project_id}",
                   "ui_url": "http://127.0.0.1:8702/ui/"}],
    "resources": [{"name": "cyclades.vm", "default_limit": 5, "description": "VMs"},
                  {"name": "cyclades.ram", "unit": "bytes", "default_limit": 4 << 30}],
}


class Api:
    """The Django test client with JSON helpers."""

    def __init__(self) -> None:
        self.client = Client(raise_request_exception=False)

    def call(self, method: str, path: str, body=None, *, token: str = "", raw: bytes | None = None,
             **headers):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if token:
            extra["HTTP_X_AUTH_TOKEN"] = token
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(self.client, method.lower())(
            path, data=data, content_type="application/json", **extra)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)


@pytest.fixture
def api(db) -> Api:
    return Api()


def make_user(username: str = "alice", password: str = "pw-alice", *, admin: bool = False,
              state: str = "active", email: str | None = None):
    user = create_user(username=username, email=email or f"{username}@example.org",
                       password=password, state=state)
    if admin:
        add_role(user, "admin")
    return user


def user_token(user) -> str:
    return tokens.issue(user, project_id=user.uuid).token


@pytest.fixture
def alice(db):
    return make_user("alice", "pw-alice")


@pytest.fixture
def pithos_token(db) -> str:
    return import_definition(PITHOS_DEFINITION)[1]


@pytest.fixture
def cyclades_token(db) -> str:
    return import_definition(CYCLADES_DEFINITION)[1]


def password_auth(name: str, password: str, *, scope: dict | None = None, by: str = "name"):
    user = {by: name, "password": password}
    if by == "name":
        user["domain"] = {"name": "Default"}
    auth = {"identity": {"methods": ["password"], "password": {"user": user}}}
    if scope is not None:
        auth["scope"] = scope
    return {"auth": auth}
