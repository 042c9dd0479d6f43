"""Owners, shares (inherited, closest wins), groups, public links, bad input, quota."""

from __future__ import annotations

import json

import pytest
from pithos_testclient import body

from pithos.objects import gc
from pithos.objects.models import Version


@pytest.fixture
def alice(swift):
    client = swift("alice")
    client.call("PUT", "c")
    client.call("PUT", "c/docs/a.txt", data=b"A")
    client.call("PUT", "c/docs/sub/b.txt", data=b"B")
    client.call("PUT", "c/private", data=b"P")
    return client


def test_other_user_is_refused_and_nothing_changes(alice, swift):
    bob = swift("bob")
    assert bob.call("GET", "c/private", account="alice").status_code == 403
    assert bob.call("HEAD", "", account="alice").status_code == 403
    assert bob.call("GET", "c", account="alice").status_code == 403
    assert bob.call("PUT", "c/private", account="alice", data=b"evil").status_code == 403
    assert bob.call("DELETE", "c/private", account="alice").status_code == 403
    assert bob.call("PUT", "newc", account="alice").status_code == 403
    assert body(alice.call("GET", "c/private")) == b"P"


def test_no_token_is_401(client):
    assert client.get("/object-store/v1/alice/c/private").status_code == 401
    r = client.get("/object-store/v1/alice", HTTP_X_AUTH_TOKEN="bogus")
    assert r.status_code == 401


def test_read_share_is_inherited_and_closest_wins(alice, swift):
    bob, carol = swift("bob"), swift("carol")
    r = alice.call("POST", "c/docs", content_type="",
                   headers={"X-Object-Sharing": "read=bob,carol"})
    assert r.status_code in (202, 404)
    # permissions on a path with no object are fine too: set via a directory marker
    alice.call("PUT", "c/docs", data=b"", content_type="application/directory",
               headers={"X-Object-Sharing": "read=bob,carol"})
    alice.call("POST", "c/docs/sub", content_type="",
               headers={"X-Object-Sharing": "read=carol"})
    alice.call("PUT", "c/docs/sub", data=b"", content_type="application/directory",
               headers={"X-Object-Sharing": "read=carol"})
    assert body(bob.call("GET", "c/docs/a.txt", account="alice")) == b"A"
    h = bob.call("HEAD", "c/docs/a.txt", account="alice")
    assert h["X-Object-Allowed-To"] == "read" and h["X-Object-Shared-By"] == "c/docs"
    # the closer share (carol only) wins for docs/sub/...
    assert bob.call("GET", "c/docs/sub/b.txt", account="alice").status_code == 403
    assert body(carol.call("GET", "c/docs/sub/b.txt", account="alice")) == b"B"
    assert bob.call("PUT", "c/docs/a.txt", account="alice", data=b"x").status_code == 403
    listed = body(bob.call("GET", "c", account="alice")).decode().split()
    assert "docs/a.txt" in listed and "private" not in listed and "docs/sub/b.txt" not in listed
    top = bob.client.get("/object-store/v1", HTTP_X_AUTH_TOKEN=bob.token)
    assert body(top).decode().split() == ["alice"]
    containers = body(bob.call("GET", "", account="alice")).decode().split()
    assert containers == ["c"]
    shared = body(alice.call("GET", "c", query="shared")).decode().split()
    assert shared == ["docs", "docs/sub"]


def test_write_share_through_group(alice, swift):
    bob = swift("bob")
    assert alice.call("POST", "", content_type="",
                      headers={"X-Account-Group-Team": "bob,dave"}).status_code == 204
    assert alice.call("HEAD")["X-Account-Group-Team"] == "bob,dave"
    alice.call("POST", "c/private", content_type="",
               headers={"X-Object-Sharing": "write=alice:team"})
    r = bob.call("PUT", "c/private", account="alice", data=b"by bob")
    assert r.status_code == 201
    h = alice.call("HEAD", "c/private")
    assert h["X-Object-Modified-By"] == "bob" and h["X-Object-Sharing"] == "write=alice:team"
    # a writer may not change the sharing itself
    assert bob.call("POST", "c/private", account="alice", content_type="",
                    headers={"X-Object-Sharing": "read=*"}).status_code == 403


def test_public_link_reads_without_token(alice, client):
    r = alice.call("POST", "c/private", content_type="", headers={"X-Object-Public": "true"})
    assert r.status_code == 202
    url = alice.call("HEAD", "c/private")["X-Object-Public"]
    token = url.rsplit("/", 1)[1]
    assert url.startswith("http://pithos.test/public/") and len(token) == 16
    g = client.get(f"/public/{token}")
    assert g.status_code == 200 and body(g) == b"P" and "X-Object-Meta-Color" not in g
    assert "X-Object-UUID" not in g
    alice.call("POST", "c/private", content_type="", headers={"X-Object-Public": "false"})
    assert client.get(f"/public/{token}").status_code == 404
    assert alice.call("POST", "c/private", content_type="",
                      headers={"X-Object-Public": "maybe"}).status_code == 400


@pytest.mark.parametrize("name", ["a/../b", "..", "x/./y", "n\x00ul", "z" * 1025])
def test_bad_object_names_are_400(alice, name):
    from urllib.parse import quote

    r = alice.call("PUT", "c/" + quote(name), data=b"x")
    assert r.status_code == 400


def test_overlong_metadata_is_400_and_nothing_changes(alice):
    r = alice.call("PUT", "c/private", data=b"new", headers={"X-Object-Meta-K": "v" * 300})
    assert r.status_code == 400
    too_many = {f"X-Object-Meta-K{i}": "v" for i in range(40)}
    assert alice.call("PUT", "c/private", data=b"new", headers=too_many).status_code == 400
    assert body(alice.call("GET", "c/private")) == b"P"
    assert alice.call("POST", "", content_type="",
                      headers={"X-Account-Meta-K": "v" * 300}).status_code == 400
    assert "X-Account-Meta-K" not in alice.call("HEAD")


def test_bad_sharing_header_is_400_and_nothing_written(alice):
    r = alice.call("PUT", "c/private", data=b"new", headers={"X-Object-Sharing": "readers=x"})
    assert r.status_code == 400
    assert body(alice.call("GET", "c/private")) == b"P"


def test_quota_is_charged_and_413_keeps_previous_version(alice, fake_quota):
    assert fake_quota.usage["alice"] == 3  # A + B + P
    alice.call("PUT", "c/private", data=b"12345")
    assert fake_quota.usage["alice"] == 7
    fake_quota.limits["alice"] = 10
    r = alice.call("PUT", "c/private", data=b"x" * 100)
    assert r.status_code == 413
    assert body(alice.call("GET", "c/private")) == b"12345"
    assert fake_quota.usage["alice"] == 7 and not fake_quota.pending
    alice.call("DELETE", "c/private")
    assert fake_quota.usage["alice"] == 2


def test_container_quota_policy(swift):
    alice = swift("alice")
    alice.call("PUT", "small", headers={"X-Container-Policy-Quota": "10"})
    assert alice.call("PUT", "small/a", data=b"x" * 8).status_code == 201
    assert alice.call("PUT", "small/b", data=b"x" * 8).status_code == 413
    assert alice.call("PUT", "bad", headers={"X-Container-Policy-Versioning": "x"}).status_code \
        == 400


def test_interrupted_upload_leaves_previous_version(alice, client):
    class Broken:
        def __init__(self):
            self.sent = 0

        def read(self, n=-1):
            if self.sent > 3000:
                raise OSError("client went away")
            self.sent += 1024
            return b"n" * 1024

    from django.test import RequestFactory

    from pithos.api.objects import object_view
    from snf_common.credentials import Credentials

    request = RequestFactory().generic("PUT", "/object-store/v1/alice/c/private",
                                       HTTP_TRANSFER_ENCODING="chunked")
    request.environ["wsgi.input"] = Broken()
    request.credentials = Credentials(user_id="alice", user_name="alice", project_id="alice")
    request.auth_error = None
    with pytest.raises(OSError):
        object_view(request, account="alice", container="c", name="private")
    assert body(alice.call("GET", "c/private")) == b"P"
    listed = json.loads(body(alice.call("GET", "c/private", query="version=list")))
    assert len(listed["versions"]) == 1


def test_dedup_second_user_stores_no_new_block(swift, store):
    alice, bob = swift("alice"), swift("bob")
    data = bytes(range(256)) * 16
    alice.call("PUT", "c")
    bob.call("PUT", "c")
    alice.call("PUT", "c/f", data=data)
    before = set(store.iter_block_names())
    assert bob.call("PUT", "c/f", data=data).status_code == 201
    assert set(store.iter_block_names()) == before
    # through the hashmap protocol nothing is even sent
    hm = body(alice.call("GET", "c/f", query="hashmap&format=json"))
    r = bob.call("PUT", "c/g", query="hashmap", data=hm, content_type="application/json")
    assert r.status_code == 201


def test_blocks_gc_removes_only_unreferenced_after_grace(alice, store, settings):
    alice.call("PUT", "c/tmp", data=b"garbage-block")
    alice.call("PUT", "flat", headers={"X-Container-Policy-Versioning": "none"})
    alice.call("PUT", "flat/o", data=b"first")
    alice.call("PUT", "flat/o", data=b"second")  # "first" is no longer referenced
    from snf_common.hashing import block_hash_hex

    orphan = block_hash_hex(b"first")
    assert orphan in set(store.iter_block_names())
    # inside the grace period nothing goes
    assert gc.collect(grace_seconds=3600).deleted == 0
    # an old touch and an old condemnation: now it goes, referenced blocks stay
    from pithos.objects.models import BlockTouch

    BlockTouch.objects.filter(name=orphan).update(touched=1)
    first = gc.collect(grace_seconds=10)
    assert first.deleted == 0 and first.condemned >= 1
    BlockTouch.objects.filter(name="gc:" + orphan).update(touched=2)
    second = gc.collect(grace_seconds=10)
    assert second.deleted == 1
    names = set(store.iter_block_names())
    assert orphan not in names
    assert block_hash_hex(b"second") in names and block_hash_hex(b"garbage-block") in names
    assert Version.objects.count() >= 4
    assert body(alice.call("GET", "flat/o")) == b"second"


def test_large_upload_over_quota_is_refused_before_any_block_is_stored(alice, fake_quota, store):
    from conftest import BLOCK

    fake_quota.limits["alice"] = fake_quota.usage["alice"] + 2 * BLOCK
    before = set(store.iter_block_names())
    r = alice.call("PUT", "c/big", data=bytes(range(256)) * (3 * BLOCK // 256))
    assert r.status_code == 413
    assert set(store.iter_block_names()) == before and not fake_quota.pending
    assert alice.call("HEAD", "c/big").status_code == 404
    # a missing container is refused before reading too
    r = alice.call("PUT", "nocontainer/big", data=b"y" * (3 * BLOCK))
    assert r.status_code == 404 and set(store.iter_block_names()) == before
    # what fits goes in, and is charged once
    usage = fake_quota.usage["alice"]
    assert alice.call("PUT", "c/fits", data=b"z" * (2 * BLOCK)).status_code == 201
    assert fake_quota.usage["alice"] == usage + 2 * BLOCK and not fake_quota.pending
