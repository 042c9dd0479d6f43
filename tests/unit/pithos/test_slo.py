"""Static large objects: manifest PUT checks its segments, GET assembles them,
?multipart-manifest=get/delete, and a changed segment is refused, not served."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import BLOCK
from pithos_testclient import body

PARTS = [b"a" * (BLOCK + 10), b"b" * 7, b"c" * (2 * BLOCK)]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def alice(swift):
    client = swift("alice")
    client.call("PUT", "c")
    client.call("PUT", "c_segments")
    for i, part in enumerate(PARTS):
        assert client.call("PUT", f"c_segments/big/{i:08d}", data=part).status_code == 201
    return client


def manifest(etags: bool = True) -> bytes:
    return json.dumps([{"path": f"/c_segments/big/{i:08d}",
                        "etag": md5(p) if etags else None, "size_bytes": len(p)}
                       for i, p in enumerate(PARTS)]).encode()


def test_slo_put_get_ranges_and_manifest(alice, fake_quota):
    usage = fake_quota.usage["alice"]
    r = alice.call("PUT", "c/big", query="multipart-manifest=put", data=manifest(),
                   content_type="application/json")
    assert r.status_code == 201, body(r)
    expected_etag = '"' + hashlib.md5("".join(md5(p) for p in PARTS).encode()).hexdigest() + '"'
    assert r["ETag"] == expected_etag
    assert fake_quota.usage["alice"] == usage  # the segments were charged already
    whole = b"".join(PARTS)
    got = alice.call("GET", "c/big")
    assert body(got) == whole and got["ETag"] == expected_etag
    assert got["X-Static-Large-Object"] == "True" and "X-Object-Manifest" not in got
    assert int(alice.call("HEAD", "c/big")["Content-Length"]) == len(whole)
    part = alice.call("GET", "c/big", headers={"Range": f"bytes={BLOCK}-{BLOCK + 20}"})
    assert part.status_code == 206 and body(part) == whole[BLOCK:BLOCK + 21]
    (item,) = json.loads(body(alice.call("GET", "c", query="format=json")))
    assert item["bytes"] == len(whole) and f'"{item["hash"]}"' == expected_etag
    listed = json.loads(body(alice.call("GET", "c/big", query="multipart-manifest=get")))
    assert [(i["name"], i["bytes"]) for i in listed] == \
        [(f"/c_segments/big/{i:08d}", len(p)) for i, p in enumerate(PARTS)]


def test_slo_without_etags_and_bad_manifests(alice):
    assert alice.call("PUT", "c/ok", query="multipart-manifest=put",
                      data=manifest(etags=False)).status_code == 201
    bad = [
        b"not json", b"[]", json.dumps([{"path": "/c_segments/none", "etag": None}]).encode(),
        json.dumps([{"path": "/c_segments/big/00000000", "etag": "0" * 32}]).encode(),
        json.dumps([{"path": "/c_segments/big/00000000", "size_bytes": 1}]).encode(),
        json.dumps([{"path": "noslash"}]).encode(),
    ]
    for doc in bad:
        r = alice.call("PUT", "c/bad", query="multipart-manifest=put", data=doc)
        assert r.status_code == 400, (doc, body(r))
    assert alice.call("HEAD", "c/bad").status_code == 404
    # nobody can smuggle an SLO in through the DLO header
    r = alice.call("PUT", "c/dlo", headers={"X-Object-Manifest": "/slo [1]"})
    assert r.status_code == 400


def test_changed_segment_is_refused_and_delete_takes_the_segments(alice):
    alice.call("PUT", "c/big", query="multipart-manifest=put", data=manifest())
    alice.call("PUT", "c_segments/big/00000001", data=b"changed")
    assert alice.call("GET", "c/big").status_code == 409
    alice.call("PUT", "c_segments/big/00000001", data=PARTS[1])  # same bytes again
    assert body(alice.call("GET", "c/big")) == b"".join(PARTS)
    r = alice.call("DELETE", "c/big", query="multipart-manifest=delete")
    assert r.status_code == 200
    report = json.loads(body(r))
    assert report["Number Deleted"] == 4 and report["Errors"] == []
    assert body(alice.call("GET", "c_segments")) == b""
    assert alice.call("HEAD", "c/big").status_code == 404


def test_other_user_needs_read_access_to_the_segments(alice, swift):
    alice.call("PUT", "c/big", query="multipart-manifest=put", data=manifest())
    alice.call("POST", "c/big", headers={"X-Object-Sharing": "read=bob"})
    bob = swift("bob")
    assert bob.call("GET", "c/big", account="alice").status_code == 403
    for i in range(len(PARTS)):
        alice.call("POST", f"c_segments/big/{i:08d}", headers={"X-Object-Sharing": "read=bob"})
    assert body(bob.call("GET", "c/big", account="alice")) == b"".join(PARTS)
