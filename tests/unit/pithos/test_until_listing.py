"""Container listings `until` a time, and deletions recorded as tombstones."""

from __future__ import annotations

import json

import pytest
from pithos_testclient import body

from pithos.objects.models import Version


def at(name: str, when: float) -> None:
    """Pretend the object's newest version row (write or deletion) happened at `when`."""
    newest = Version.objects.filter(node__name=name).order_by("-serial").first()
    Version.objects.filter(pk=newest.pk).update(mtime=when)


@pytest.fixture
def history(swift):
    alice = swift("alice")
    alice.call("PUT", "c")
    alice.call("PUT", "c/a", data=b"a1", headers={"X-Object-Meta-Tag": "old"})
    at("a", 100)
    alice.call("PUT", "c/b", data=b"bee")
    at("b", 200)
    alice.call("PUT", "c/a", data=b"a-two", headers={"X-Object-Meta-Tag": "new"})
    at("a", 300)
    assert alice.call("DELETE", "c/b").status_code == 204
    at("b", 400)
    alice.call("PUT", "c/c", data=b"c")
    at("c", 500)
    return alice


def listed(alice, query: str) -> list[tuple[str, int]]:
    r = alice.call("GET", "c", query=query + "&format=json")
    assert r.status_code == 200, body(r)
    return [(o["name"], o["bytes"]) for o in json.loads(body(r))]


@pytest.mark.parametrize(("until", "expected"), [
    (50, []),
    (150, [("a", 2)]),
    (250, [("a", 2), ("b", 3)]),
    (350, [("a", 5), ("b", 3)]),
    (450, [("a", 5)]),
    (9999999999, [("a", 5), ("c", 1)]),
])
def test_listing_until(history, until, expected):
    assert listed(history, f"until={until}") == expected


def test_until_listing_header_meta_and_current_listing(history):
    r = history.call("GET", "c", query="until=250")
    assert r["X-Container-Until-Timestamp"] == "Thu, 01 Jan 1970 00:04:10 GMT"
    assert listed(history, "until=250&meta=tag=old") == [("a", 2)]
    assert listed(history, "until=350&meta=tag=old") == []
    assert listed(history, "") == [("a", 5), ("c", 1)]


def test_deleted_object_reads_as_it_was_before_deletion(history):
    assert body(history.call("GET", "c/b", query="until=350")) == b"bee"
    assert history.call("GET", "c/b", query="until=450").status_code == 404
    assert history.call("GET", "c/b").status_code == 404
    # re-created: its history shows the old content, never the tombstone
    history.call("PUT", "c/b", data=b"again")
    versions = json.loads(body(history.call("GET", "c/b", query="version=list&format=json")))
    assert len(versions["versions"]) == 2


def test_until_listing_is_owner_only(history, swift):
    history.call("POST", "c/a", headers={"X-Object-Sharing": "read=bob"})
    bob = swift("bob")
    assert bob.call("GET", "c", account="alice").status_code == 200
    assert bob.call("GET", "c", account="alice", query="until=350").status_code == 403


def test_bad_until_is_400(history):
    assert history.call("GET", "c", query="until=yesterday").status_code == 400
