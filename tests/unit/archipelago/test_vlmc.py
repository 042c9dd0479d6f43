"""The vlmc command, run as a subprocess over a filesystem block store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from snf_common import hashing

VLMC = [sys.executable, "-m", "archipelago.vlmc"]


@pytest.fixture
def vlmc(tmp_path):
    env = dict(os.environ, ARCHIPELAGO_BLOCKSTORE=f"file:{tmp_path / 'store'}?fsync=no")

    def run(*args: str, input: bytes | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([*VLMC, *args], env=env, input=input, capture_output=True,
                              timeout=60)
        if ok:
            assert proc.returncode == 0, proc.stderr.decode()
        return proc

    return run


def test_create_info_list_resize_remove(vlmc):
    vlmc("create", "disk0", "-s", "64M")
    info = json.loads(vlmc("info", "disk0").stdout)
    assert info["size"] == 64 << 20 and info["allocated_blocks"] == 0 and not info["readonly"]
    vlmc("resize", "disk0", "128")
    assert json.loads(vlmc("info", "disk0").stdout)["size"] == 128 << 20
    assert vlmc("list").stdout.split() == [b"disk0"]
    vlmc("rm", "disk0")
    assert vlmc("ls").stdout == b""
    missing = vlmc("info", "disk0", ok=False)
    assert missing.returncode == 2 and b"VolumeNotFound" in missing.stderr


def test_import_clone_snapshot_export_roundtrip(vlmc, tmp_path):
    image = os.urandom(5000) + bytes(9000) + b"end"
    src = tmp_path / "image.raw"
    src.write_bytes(image)
    vlmc("import", str(src), "image", "--block-size", "4096B")
    vlmc("snapshot", "image", "image@1")
    vlmc("clone", "image@1", "vm1", "-s", "20000B")
    assert json.loads(vlmc("info", "vm1").stdout)["origin"] == "image@1"
    out = vlmc("export", "vm1").stdout  # to a pipe: zeros are written out
    assert out == image + bytes(20000 - len(image))
    target = tmp_path / "vm1.raw"
    vlmc("export", "vm1", str(target))
    assert target.read_bytes() == out
    hm = json.loads(vlmc("hashmap", "image").stdout)
    assert hm["hashes"] == hashing.hashmap_of_stream(open(src, "rb"), 4096)[1]
    assert b"VolumeExists" in vlmc("snapshot", "image", "image@1", ok=False).stderr


def test_clone_from_a_pithos_hashmap_on_stdin(vlmc, tmp_path):
    data = os.urandom(8192)
    (tmp_path / "d").write_bytes(data)
    vlmc("import", str(tmp_path / "d"), "staging", "--block-size", "4096B")
    hm = json.loads(vlmc("hashmap", "staging").stdout)
    pithos_style = json.dumps({"bytes": hm["bytes"], "hashes": hm["hashes"], "block_size": 4096})
    vlmc("clone", "--hashmap", "-", "--origin", "pithos://u/images/d", "vm",
         input=pithos_style.encode())
    assert vlmc("export", "vm").stdout == data
    bad = json.dumps({"bytes": 4, "hashes": [hashing.block_hash_hex(b"nope")]}).encode()
    assert vlmc("clone", "--hashmap", "-", "vm2", input=bad, ok=False).returncode == 1


def test_no_store_configured_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ARCHIPELAGO_BLOCKSTORE"}
    proc = subprocess.run([*VLMC, "list"], env=env, capture_output=True, timeout=60)
    if os.path.exists("/etc/archipelago/blockstore.json"):
        pytest.skip("this host has /etc/archipelago/blockstore.json")
    assert proc.returncode == 1 and b"ARCHIPELAGO_BLOCKSTORE" in proc.stderr
