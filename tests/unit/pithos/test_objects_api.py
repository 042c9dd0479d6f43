"""The Swift API through Django's test client: objects, listings, ranges, conditions."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET

import pytest
from pithos_testclient import body

from snf_common import hashing

BLOCK = 1024


@pytest.fixture
def alice(swift):
    client = swift("alice")
    assert client.call("PUT", "c").status_code == 201
    return client


def put(client, name, data, **kw):
    r = client.call("PUT", f"c/{name}", data=data, **kw)
    assert r.status_code == 201, r.content
    return r


def test_put_answers_md5_etag_and_merkle_hash(alice):
    data = bytes(range(256)) * 10  # 2560 bytes = 3 blocks of 1024
    r = put(alice, "f", data)
    assert r["ETag"] == hashlib.md5(data).hexdigest()
    hashes = [hashing.block_hash_hex(data[i:i + BLOCK]) for i in range(0, len(data), BLOCK)]
    assert r["X-Object-Hash"] == hashing.merkle_root_hex(hashes)
    h = alice.call("HEAD", "c/f")
    assert h.status_code == 200 and h["Content-Length"] == "2560"
    assert h["ETag"] == r["ETag"] and h["X-Object-UUID"] == r["X-Object-UUID"]


def test_empty_object_has_empty_hash(alice):
    r = put(alice, "empty", b"")
    assert r["X-Object-Hash"] == hashlib.sha256(b"").hexdigest()
    g = alice.call("GET", "c/empty")
    assert g.status_code == 200 and body(g) == b""


def test_metadata_and_content_headers_roundtrip(alice):
    put(alice, "m", b"x", headers={"X-Object-Meta-Color": "blue",
                                   "Content-Disposition": "attachment; filename=m",
                                   "Content-Encoding": "gzip"}, content_type="text/plain")
    h = alice.call("HEAD", "c/m")
    assert h["X-Object-Meta-Color"] == "blue"
    assert h["Content-Type"] == "text/plain"
    assert h["Content-Disposition"] == "attachment; filename=m"
    assert h["Content-Encoding"] == "gzip"
    # POST replaces user metadata (Swift), ?update merges (Pithos)
    assert alice.call("POST", "c/m", headers={"X-Object-Meta-Size": "L"},
                      content_type="").status_code == 202
    h = alice.call("HEAD", "c/m")
    assert h["X-Object-Meta-Size"] == "L" and "X-Object-Meta-Color" not in h
    alice.call("POST", "c/m", query="update", headers={"X-Object-Meta-Shape": "round"},
               content_type="")
    h = alice.call("HEAD", "c/m")
    assert h["X-Object-Meta-Size"] == "L" and h["X-Object-Meta-Shape"] == "round"
    assert body(alice.call("GET", "c/m")) == b"x"


def test_etag_mismatch_is_422_and_nothing_changes(alice):
    put(alice, "e", b"old")
    r = alice.call("PUT", "c/e", data=b"new", headers={"ETag": "0" * 32})
    assert r.status_code == 422
    assert body(alice.call("GET", "c/e")) == b"old"


def test_listing_formats_prefix_delimiter_markers(alice):
    for name in ["a/1", "a/2", "b", "c/x/y", "d"]:
        put(alice, name, name.encode())
    text = alice.call("GET", "c")
    assert body(text).decode().split() == ["a/1", "a/2", "b", "c/x/y", "d"]
    js = json.loads(body(alice.call("GET", "c", query="format=json&delimiter=/")))
    assert [e.get("name") or e.get("subdir") for e in js] == ["a/", "b", "c/", "d"]
    item = next(e for e in js if e.get("name") == "b")
    assert item["bytes"] == 1 and item["hash"] == hashlib.md5(b"b").hexdigest()
    assert item["x_object_uuid"] and item["x_object_hash"]
    limited = json.loads(body(alice.call("GET", "c", query="format=json&limit=2&marker=a/1")))
    assert [e["name"] for e in limited] == ["a/2", "b"]
    ended = body(alice.call("GET", "c", query="end_marker=b")).decode().split()
    assert ended == ["a/1", "a/2"]
    pref = body(alice.call("GET", "c", query="prefix=a/")).decode().split()
    assert pref == ["a/1", "a/2"]
    path = body(alice.call("GET", "c", query="path=c")).decode().split()
    assert path == ["c/x/"]
    root = ET.fromstring(body(alice.call("GET", "c", query="format=xml")))
    assert root.tag == "container" and len(root.findall("object")) == 5
    assert alice.call("GET", "c", query="prefix=zzz").status_code == 204


def test_container_and_account_headers_and_listing(alice):
    put(alice, "one", b"12345")
    h = alice.call("HEAD", "c")
    assert h["X-Container-Object-Count"] == "1" and h["X-Container-Bytes-Used"] == "5"
    assert h["X-Container-Block-Size"] == str(BLOCK) and h["X-Container-Block-Hash"] == "sha256"
    assert h["X-Container-Policy-Versioning"] == "auto"
    a = alice.call("HEAD")
    assert a["X-Account-Container-Count"] == "1" and a["X-Account-Bytes-Used"] == "5"
    listed = json.loads(body(alice.call("GET", query="format=json")))
    assert listed[0]["name"] == "c" and listed[0]["count"] == 1 and listed[0]["bytes"] == 5
    assert alice.call("POST", "", headers={"X-Account-Meta-Team": "red"},
                      content_type="").status_code == 204
    assert alice.call("HEAD")["X-Account-Meta-Team"] == "red"
    assert alice.call("POST", "c", headers={"X-Container-Meta-Kind": "pics"},
                      content_type="").status_code == 204
    assert alice.call("HEAD", "c")["X-Container-Meta-Kind"] == "pics"
    assert alice.call("DELETE", "c").status_code == 409
    assert alice.call("DELETE", "c/one").status_code == 204
    assert alice.call("DELETE", "c").status_code == 204
    assert alice.call("HEAD", "c").status_code == 404


def test_conditional_requests(alice):
    r = put(alice, "cond", b"data")
    etag = r["ETag"]
    assert alice.call("GET", "c/cond", headers={"If-None-Match": etag}).status_code == 304
    assert alice.call("GET", "c/cond", headers={"If-Match": "nope"}).status_code == 412
    assert alice.call("GET", "c/cond", headers={"If-Match": f'"{etag}"'}).status_code == 200
    lm = alice.call("HEAD", "c/cond")["Last-Modified"]
    assert alice.call("GET", "c/cond", headers={"If-Modified-Since": lm}).status_code == 304
    assert alice.call("GET", "c/cond", headers={
        "If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 412
    assert alice.call("PUT", "c/cond", data=b"z",
                      headers={"If-None-Match": "*"}).status_code == 412
    assert body(alice.call("GET", "c/cond")) == b"data"


def test_single_and_multiple_ranges(alice):
    data = bytes(range(256)) * 12
    put(alice, "r", data)
    r = alice.call("GET", "c/r", headers={"Range": "bytes=1000-2100"})
    assert r.status_code == 206 and body(r) == data[1000:2101]
    assert r["Content-Range"] == f"bytes 1000-2100/{len(data)}"
    r = alice.call("GET", "c/r", headers={"Range": "bytes=-10"})
    assert body(r) == data[-10:]
    r = alice.call("GET", "c/r", headers={"Range": "bytes=0-1,3000-"})
    assert r.status_code == 206
    assert r["Content-Type"].startswith("multipart/byteranges; boundary=")
    boundary = r["Content-Type"].split("boundary=")[1]
    raw = body(r)
    assert int(r["Content-Length"]) == len(raw)
    parts = [p for p in raw.split(b"--" + boundary.encode()) if p.strip(b"-\r\n")]
    assert len(parts) == 2
    assert parts[0].endswith(b"\r\n\r\n" + data[0:2] + b"\r\n")
    assert parts[1].endswith(b"\r\n\r\n" + data[3000:] + b"\r\n")
    bad = alice.call("GET", "c/r", headers={"Range": f"bytes={len(data) + 5}-"})
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(data)}"


def test_copy_gets_new_uuid_move_keeps_it(alice):
    r = put(alice, "src", b"payload", headers={"X-Object-Meta-A": "1"})
    uuid = r["X-Object-UUID"]
    c = alice.call("COPY", "c/src", headers={"Destination": "/c/copy"})
    assert c.status_code == 201 and c["X-Object-UUID"] != uuid
    assert alice.call("HEAD", "c/copy")["X-Object-Meta-A"] == "1"
    x = alice.call("PUT", "c/copy2", headers={"X-Copy-From": "/c/src"})
    assert x.status_code == 201 and body(alice.call("GET", "c/copy2")) == b"payload"
    m = alice.call("MOVE", "c/src", headers={"Destination": "/c/moved"})
    assert m.status_code == 201 and m["X-Object-UUID"] == uuid
    assert alice.call("HEAD", "c/src").status_code == 404
    assert alice.call("PUT", "c/moved2", headers={"X-Move-From": "/c/moved"})[
        "X-Object-UUID"] == uuid
    # the uuid also survives new versions
    assert put(alice, "moved2", b"v2")["X-Object-UUID"] == uuid


def test_versions_list_and_read_old(alice):
    v1 = put(alice, "v", b"one")["X-Object-Version"]
    v2 = put(alice, "v", b"two")["X-Object-Version"]
    listed = json.loads(body(alice.call("GET", "c/v", query="version=list&format=json")))
    serials = [str(s) for s, _ in listed["versions"]]
    assert serials == [v1, v2]
    assert body(alice.call("GET", "c/v", query=f"version={v1}")) == b"one"
    assert body(alice.call("GET", "c/v")) == b"two"


def test_versioning_none_keeps_no_history(alice):
    alice.call("PUT", "flat", headers={"X-Container-Policy-Versioning": "none"})
    alice.call("PUT", "flat/o", data=b"1")
    alice.call("PUT", "flat/o", data=b"2")
    listed = json.loads(body(alice.call("GET", "flat/o", query="version=list")))
    assert len(listed["versions"]) == 1


def test_hashmap_get_and_put_with_missing_blocks(alice, store):
    data = b"A" * BLOCK + b"B" * BLOCK + b"C" * 10
    put(alice, "h", data)
    hm = json.loads(body(alice.call("GET", "c/h", query="hashmap&format=json")))
    assert hm["block_hash"] == "sha256" and hm["block_size"] == BLOCK
    assert hm["bytes"] == len(data) and len(hm["hashes"]) == 3
    # a new file sharing two blocks: only the changed one is missing
    new = b"A" * BLOCK + b"X" * BLOCK + b"C" * 10
    hashes = [hashing.block_hash_hex(new[i:i + BLOCK]) for i in range(0, len(new), BLOCK)]
    req = json.dumps({"bytes": len(new), "hashes": hashes})
    r = alice.call("PUT", "c/h2", query="hashmap&format=json", data=req,
                   content_type="application/json")
    assert r.status_code == 409 and json.loads(r.content) == [hashes[1]]
    up = alice.call("POST", "c", query="update&format=json", data=b"X" * BLOCK,
                    content_type="application/octet-stream")
    assert up.status_code == 202 and json.loads(up.content) == [hashes[1]]
    r = alice.call("PUT", "c/h2", query="hashmap&format=json", data=req,
                   content_type="application/json")
    assert r.status_code == 201
    g = alice.call("GET", "c/h2")
    assert body(g) == new and g["ETag"] == hashlib.md5(new).hexdigest()


def test_block_upload_of_several_blocks_answers_their_names_in_order(alice, store):
    data = b"P" * BLOCK + b"Q" * BLOCK + b"P" * BLOCK + b"R" * 7
    names = [hashing.block_hash_hex(data[i:i + BLOCK]) for i in range(0, len(data), BLOCK)]
    up = alice.call("POST", "c", query="update&format=json", data=data,
                    content_type="application/octet-stream")
    assert up.status_code == 202 and json.loads(up.content) == names
    req = json.dumps({"bytes": len(data), "hashes": names})
    r = alice.call("PUT", "c/multi", query="hashmap&format=json", data=req,
                   content_type="application/json")
    assert r.status_code == 201                  # every block is in the store
    assert body(alice.call("GET", "c/multi")) == data


@pytest.mark.parametrize("payload", [
    b"not json", b'{"bytes": 5}', b'{"bytes": 5, "hashes": ["zz"]}',
    json.dumps({"bytes": 5000, "hashes": ["a" * 64]}).encode(),
    b'{"bytes": -1, "hashes": []}'])
def test_malformed_hashmap_is_400(alice, payload):
    r = alice.call("PUT", "c/bad", query="hashmap", data=payload, content_type="application/json")
    assert r.status_code == 400
    assert alice.call("HEAD", "c/bad").status_code == 404


def test_partial_update_overwrite_append_truncate(alice):
    data = b"a" * 2500
    put(alice, "p", data)
    r = alice.call("POST", "c/p", data=b"ZZZ", headers={"Content-Range": "bytes 1023-1025/*"})
    assert r.status_code == 204, r.content
    expect = bytearray(data)
    expect[1023:1026] = b"ZZZ"
    assert body(alice.call("GET", "c/p")) == bytes(expect)
    alice.call("POST", "c/p", data=b"tail", headers={"Content-Range": "bytes */*"})
    expect += b"tail"
    g = alice.call("GET", "c/p")
    assert body(g) == bytes(expect) and g["ETag"] == hashlib.md5(expect).hexdigest()
    alice.call("POST", "c/p", headers={"X-Object-Bytes": "1500"}, content_type="")
    assert body(alice.call("GET", "c/p")) == bytes(expect[:1500])
    alice.call("POST", "c/p", headers={"X-Object-Bytes": "2100"}, content_type="")
    assert body(alice.call("GET", "c/p")) == bytes(expect[:1500]) + b"\x00" * 600
    put(alice, "s", b"SRC")
    r = alice.call("POST", "c/p", headers={"X-Source-Object": "/c/s",
                                           "Content-Range": "bytes 0-2/*"}, content_type="")
    assert r.status_code == 204
    assert body(alice.call("GET", "c/p"))[:4] == b"SRCa"
    bad = alice.call("POST", "c/p", data=b"x", headers={"Content-Range": "bytes 9999-9999/*"})
    assert bad.status_code == 416


def test_dynamic_large_object_manifest(alice):
    alice.call("PUT", "segs")
    alice.call("PUT", "segs/big/0001", data=b"hello ")
    alice.call("PUT", "segs/big/0002", data=b"world")
    r = alice.call("PUT", "c/big", headers={"X-Object-Manifest": "segs/big/"})
    assert r.status_code == 201
    g = alice.call("GET", "c/big")
    assert body(g) == b"hello world" and g["X-Object-Manifest"] == "segs/big/"
    parts = hashlib.md5(b"hello ").hexdigest() + hashlib.md5(b"world").hexdigest()
    assert g["ETag"] == '"' + hashlib.md5(parts.encode()).hexdigest() + '"'
    rg = alice.call("GET", "c/big", headers={"Range": "bytes=4-7"})
    assert body(rg) == b"o wo"


def test_delete_until_purges_history(alice):
    put(alice, "u", b"1")
    put(alice, "u", b"2")
    assert alice.call("DELETE", "c/u", query="until=9999999999").status_code == 204
    listed = json.loads(body(alice.call("GET", "c/u", query="version=list")))
    assert len(listed["versions"]) == 1
    assert body(alice.call("GET", "c/u")) == b"2"


def _put_by_hashmap(client, name, data):
    names = [hashing.block_hash_hex(data[i:i + BLOCK]) for i in range(0, len(data), BLOCK)]
    assert client.call("POST", "c", query="update&format=json", data=data,
                       content_type="application/octet-stream").status_code == 202
    r = client.call("PUT", f"c/{name}", query="hashmap&format=json",
                    data=json.dumps({"bytes": len(data), "hashes": names}),
                    content_type="application/json")
    assert r.status_code == 201


def test_hashmap_built_object_md5_is_scheduled_after_commit(alice,
                                                            django_capture_on_commit_callbacks):
    from pithos.objects.models import Version

    data = b"M" * BLOCK + b"N" * 100
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _put_by_hashmap(alice, "bg", data)
    assert len(callbacks) == 1 and Version.objects.get(size=len(data)).md5 == ""
    # What the background job runs, here on this thread (the test database is ours).
    from pithos.objects import md5s

    version = Version.objects.get(size=len(data))
    assert md5s.compute(version.hash_list(), version.size, version.object_hash) == \
        hashlib.md5(data).hexdigest()
    assert Version.objects.get(size=len(data)).md5 == hashlib.md5(data).hexdigest()


def test_plain_ranged_get_does_not_wait_for_an_unknown_md5(alice):
    from pithos.objects.models import Version

    data = bytes(range(256)) * 9
    _put_by_hashmap(alice, "r", data)
    g = alice.call("GET", "c/r", headers={"Range": "bytes=10-19"})
    assert g.status_code == 206 and body(g) == data[10:20]
    assert "ETag" not in g and g["X-Object-Hash"]
    assert Version.objects.get(size=len(data)).md5 == ""       # nothing was read for it
    # A condition needs the ETag: it is computed then, and kept.
    md5 = hashlib.md5(data).hexdigest()
    g = alice.call("GET", "c/r", headers={"Range": "bytes=0-0", "If-Match": md5})
    assert g.status_code == 206 and g["ETag"] == md5
    assert Version.objects.get(size=len(data)).md5 == md5
    g = alice.call("GET", "c/r", headers={"Range": "bytes=0-0"})
    assert g["ETag"] == md5


def test_full_get_of_hashmap_built_object_answers_its_md5(alice):
    data = b"Q" * (2 * BLOCK + 5)
    _put_by_hashmap(alice, "full", data)
    h = alice.call("HEAD", "c/full")
    assert h["ETag"] == hashlib.md5(data).hexdigest()
