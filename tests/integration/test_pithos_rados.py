"""Pithos under gunicorn on the production block store: RADOS on a real one-node Ceph
cluster (tests/fixtures/ceph.py), with an Archipelago volume sharing the blocks and
blocks-gc keeping exactly what the volume still needs."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess

import pytest
import requests
from test_pithos_swift import BIN, BLOCK, Server

from snf_common import hashing
from tests.fixtures.ceph import ceph_cluster, rados_blockstore_config  # noqa: F401

pytestmark = pytest.mark.integration


@pytest.fixture
def rados_server(tmp_path, rados_blockstore_config):  # noqa: F811
    srv = Server(tmp_path, ("-w", "1", "-k", "gthread", "--threads", "4"))
    srv.env["SNF_PITHOS_BLOCKSTORE"] = json.dumps(rados_blockstore_config)
    srv.migrate()
    srv.start()
    yield srv, rados_blockstore_config
    srv.stop()


def test_objects_volumes_and_gc_on_rados(rados_server):
    from archipelago import mapper
    from archipelago.blockstore import open_blockstore

    srv, config = rados_server
    base, auth = srv.storage_url("rad"), {"X-Auth-Token": "tok-rad"}
    session = requests.Session()
    assert session.put(base + "/img", headers={**auth, "X-Container-Policy-Versioning": "none"}
                       ).status_code == 201
    data = os.urandom(2 * BLOCK + 4321)
    r = session.put(base + "/img/disk", data=data, headers=auth)
    assert r.status_code == 201 and r.headers["ETag"] == hashlib.md5(data).hexdigest()
    assert session.get(base + "/img/disk", headers=auth).content == data
    hm = session.get(base + "/img/disk?hashmap&format=json", headers=auth).json()
    assert hm["hashes"] == hashing.hashmap_of_stream(io.BytesIO(data), BLOCK)[1]

    # one changed block goes up alone through the hashmap protocol
    changed = bytearray(data)
    changed[BLOCK + 5] ^= 0xFF
    size, hashes = len(changed), hm["hashes"][:]
    hashes[1] = hashing.block_hash_hex(bytes(changed[BLOCK:2 * BLOCK]))
    body = json.dumps({"bytes": size, "hashes": hashes})
    r = session.put(base + "/img/disk2?hashmap&format=json", data=body, headers=auth)
    assert r.status_code == 409 and r.json() == [hashes[1]]
    r = session.post(base + "/img?update&format=json", data=bytes(changed[BLOCK:2 * BLOCK]),
                     headers={**auth, "Content-Type": "application/octet-stream"})
    assert r.status_code == 202 and r.json() == [hashes[1]]
    assert session.put(base + "/img/disk2?hashmap&format=json", data=body,
                       headers=auth).status_code == 201
    assert session.get(base + "/img/disk2", headers=auth).content == bytes(changed)

    # a volume cloned from the first image shares its blocks; then both objects go
    with open_blockstore(config) as store:
        mapper.clone_hashmap(store, "vm-1-root", hm["hashes"], hm["bytes"], block_size=BLOCK)
    for name in ("disk", "disk2"):
        assert session.delete(f"{base}/img/{name}", headers=auth).status_code == 204

    def gc() -> dict:
        out = subprocess.run([str(BIN / "pithos-manage"), "blocks-gc", "--grace", "0",
                              "-o", "json"], env=srv.env, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    gc()  # condemns the unreferenced block
    report = gc()  # and deletes it
    assert report["deleted"] == 1
    with open_blockstore(config) as store:
        names = set(store.iter_block_names())
        assert set(hm["hashes"]) <= names and hashes[1] not in names
        volume = mapper.load(store, "vm-1-root")
        rebuilt = b"".join(store.read_block(h, min(BLOCK, hm["bytes"] - i * BLOCK))
                           for i, h in enumerate(volume.hex_hashes()))
    assert rebuilt == data
