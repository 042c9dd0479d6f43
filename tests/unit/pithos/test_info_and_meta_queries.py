"""GET /info (capabilities without a token) and `meta=` queries on object listings."""

from __future__ import annotations

import json

import pytest
from pithos_testclient import body


def test_info_needs_no_token_and_lists_only_what_pithos_does(client, settings):
    r = client.get("/object-store/info")
    assert client.get("/info").content == r.content
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    info = json.loads(r.content)
    assert info["swift"]["max_object_name_length"] == 1024
    assert info["swift"]["container_listing_limit"] == settings.PITHOS_LIST_LIMIT
    assert info["pithos"]["block_size"] == settings.PITHOS_BLOCK_SIZE
    assert info["pithos"]["block_hash"] == "sha256"
    # clients must not think static large objects or bulk operations exist
    assert not {"bulk_delete", "bulk_upload", "tempurl"} & set(info)
    assert info["slo"]["max_manifest_segments"] == 1000
    head = client.head("/info")
    assert head.status_code == 200 and head.content == b""
    assert int(head["Content-Length"]) == len(r.content)
    assert client.post("/info").status_code == 405


@pytest.fixture
def tagged(swift):
    alice = swift("alice")
    alice.call("PUT", "c")
    for name, meta in (("a", {"color": "blue", "size": "10"}),
                       ("b", {"color": "red", "size": "20"}),
                       ("c", {"size": "30"}),
                       ("d", {})):
        headers = {f"X-Object-Meta-{k}": v for k, v in meta.items()}
        assert alice.call("PUT", f"c/{name}", data=name, headers=headers).status_code == 201
    return alice


def names(alice, query: str) -> list[str]:
    r = alice.call("GET", "c", query=query)
    assert r.status_code in (200, 204), body(r)
    return body(r).decode().split()


@pytest.mark.parametrize(("query", "expected"), [
    ("meta=color", ["a", "b"]),
    ("meta=Color", ["a", "b"]),
    ("meta=!color", ["c", "d"]),
    ("meta=color=blue", ["a"]),
    ("meta=color!=blue", ["b"]),
    ("meta=size>=20", ["b", "c"]),
    ("meta=size<20", ["a"]),
    ("meta=color,size>10", ["b"]),
    ("meta=nosuchkey", []),
])
def test_meta_queries(tagged, query, expected):
    assert names(tagged, query) == expected


def test_meta_query_follows_the_current_version(tagged):
    tagged.call("POST", "c/a", headers={"X-Object-Meta-Color": "green"})
    assert names(tagged, "meta=color=green") == ["a"]
    tagged.call("PUT", "c/b", data=b"new b")  # a new version without metadata
    assert names(tagged, "meta=color") == ["a"]


@pytest.mark.parametrize("bad", ["meta=!color=blue", "meta==x", "meta=!"])
def test_bad_meta_query_is_400(tagged, bad):
    assert tagged.call("GET", "c", query=bad).status_code == 400
