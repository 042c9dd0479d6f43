"""The per-process token cache: hits, the TTL bound for other processes, in-process invalidation."""

from __future__ import annotations

import datetime

import pytest
from astakos_factories import user_token
from django.utils import timezone

from astakos.api.keystone_v3 import auth_tokens
from astakos.identity import users
from astakos.tokens import cache, snapshot
from astakos.tokens.models import Token
from astakos.tokens.tokens import digest


def validate(api, token, subject=None, query="?nocatalog"):
    return api.get(f"/identity/v3/auth/tokens{query}", token=token,
                   x_subject_token=subject or token)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache, "_clock", lambda: now[0])
    return now


@pytest.fixture
def queries(monkeypatch):
    calls = []
    real = snapshot.fetch

    def counting(token):
        calls.append(token)
        return real(token)

    monkeypatch.setattr(cache, "fetch", counting)
    return calls


def test_repeated_validation_is_one_query_and_one_json_build(api, alice, queries, monkeypatch):
    token = user_token(alice)
    builds = []
    real_body = auth_tokens.token_body
    monkeypatch.setattr(auth_tokens, "token_body",
                        lambda *a, **kw: builds.append(1) or real_body(*a, **kw))
    first = validate(api, token)
    for _ in range(5):
        again = validate(api, token)
        assert again.status_code == 200 and again.content == first.content
    assert first.json()["token"]["user"]["id"] == alice.uuid
    assert len(queries) == 1 and len(builds) == 1
    # With the catalog: another body, built once too.
    with_catalog = validate(api, token, query="")
    assert "catalog" in with_catalog.json()["token"]
    validate(api, token, query="")
    assert len(builds) == 2 and len(queries) == 1


def test_change_by_another_process_is_seen_within_the_ttl(api, alice, clock, settings):
    settings.ASTAKOS_TOKEN_CACHE_SECONDS = 3.0
    token = user_token(alice)
    assert validate(api, token).status_code == 200
    # Another process revokes it: a bulk update, no signal reaches this process' cache.
    Token.objects.filter(digest=digest(token)).update(revoked_at=timezone.now())
    clock[0] += 2.9
    assert validate(api, token).status_code == 200   # the documented bound
    clock[0] += 0.2
    assert validate(api, token).status_code == 401   # the caller's own token is dead
    assert api.get("/identity/v3/auth/catalog", token=token).status_code == 401


def test_revocation_in_this_process_is_immediate(api, alice, clock):
    token = user_token(alice)
    other = user_token(alice)
    assert validate(api, token).status_code == 200
    assert validate(api, other).status_code == 200
    assert api.call("DELETE", "/identity/v3/auth/tokens", token=other,
                    x_subject_token=token).status_code == 204
    assert validate(api, other, subject=token).status_code == 404
    assert validate(api, token).status_code == 401


def test_deactivation_and_role_changes_are_immediate(api, alice, clock):
    token = user_token(alice)
    assert [r["name"] for r in validate(api, token).json()["token"]["roles"]] == ["member"]
    users.add_role(alice, "admin")
    assert [r["name"] for r in validate(api, token).json()["token"]["roles"]] == \
        ["member", "admin"]
    users.deactivate(alice, "test")
    assert validate(api, token).status_code == 401


def test_entry_never_outlives_the_token(db, alice, clock, settings):
    settings.ASTAKOS_TOKEN_CACHE_SECONDS = 60.0
    token = user_token(alice)
    Token.objects.filter(digest=digest(token)).update(
        expires_at=timezone.now() + datetime.timedelta(seconds=2))
    entry = cache.lookup(token)
    assert entry is not None and entry.until <= clock[0] + 2.0


def test_no_cache_when_ttl_is_zero(db, alice, queries, settings):
    settings.ASTAKOS_TOKEN_CACHE_SECONDS = 0
    token = user_token(alice)
    assert cache.lookup(token) is not None and cache.lookup(token) is not None
    assert len(queries) == 2 and cache.size() == 0


def test_a_change_during_the_read_is_not_cached(db, alice, monkeypatch):
    token = user_token(alice)
    real = snapshot.fetch

    def racing(value):
        info = real(value)
        cache.forget()  # another thread revoked something meanwhile
        return info

    monkeypatch.setattr(cache, "fetch", racing)
    assert cache.lookup(token) is not None
    assert cache.size() == 0


def test_unknown_tokens_are_not_cached(db, queries):
    assert cache.lookup("no-such-token") is None
    assert cache.lookup("no-such-token") is None
    assert len(queries) == 2 and cache.size() == 0


def test_project_rename_is_seen_at_once(api, alice):
    from astakos.projects.models import Project

    token = user_token(alice)
    assert validate(api, token).json()["token"]["project"]["name"] == "alice"
    project = Project.objects.get(id=alice.uuid)
    project.name = "alice-renamed"
    project.save()
    assert validate(api, token).json()["token"]["project"]["name"] == "alice-renamed"
