"""The ExtStorage provider run the way Ganeti runs it: the executables in
archipelago/extstorage/ with a clean environment (VOL_*, EXTP_*), against a
filesystem block store. attach runs a real NBD server process (userspace mode:
this machine has no /dev/nbd*)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archipelago import mapper, volumes
from archipelago.blockstore.filesystem import FilesystemBlockStore
from archipelago.extprovider.origin import parse_origin
from archipelago.extprovider.provider import volume_metadata
from archipelago.nbd import NbdClient
from snf_common import hashing

PROVIDER = Path(__file__).resolve().parents[3] / "archipelago" / "extstorage"
MIB = 1 << 20


@pytest.fixture
def env(tmp_path):
    store_dir = tmp_path / "store"
    run = Path("/tmp") / f"snf-es-{os.getpid()}-{tmp_path.name[-12:]}"  # short socket paths
    yield {"PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
           "LANG": "C.UTF-8",
           "ARCHIPELAGO_BLOCKSTORE": f"file:{store_dir}?fsync=no",
           "ARCHIPELAGO_RUN_DIR": str(run), "ARCHIPELAGO_NBD_MODE": "userspace"}
    for state in (run / "nbd").glob("*.json") if (run / "nbd").exists() else []:
        subprocess.run([str(PROVIDER / "detach")], env={**env_base(store_dir, run),
                                                         "VOL_NAME": state.stem}, timeout=60)
    shutil.rmtree(run, ignore_errors=True)


def env_base(store_dir, run):
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "ARCHIPELAGO_BLOCKSTORE": f"file:{store_dir}?fsync=no", "ARCHIPELAGO_RUN_DIR": str(run)}


@pytest.fixture
def store(env):
    s = FilesystemBlockStore(env["ARCHIPELAGO_BLOCKSTORE"][5:].split("?")[0], fsync=False)
    yield s
    s.close()


def es(verb: str, env: dict, check: bool = True, **extra: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(PROVIDER / verb)], env={**env, **extra}, capture_output=True,
                          text=True, timeout=60, cwd=str(PROVIDER))
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def _image(store, size: int = 3 * hashing.BLOCK_SIZE_BYTES + 1000) -> tuple[str, bytes]:
    """An image as Pithos keeps it: blocks plus a raw-digest map; returns (origin, bytes)."""
    data = b"".join(bytes([i + 1]) * 1000 + bytes(hashing.BLOCK_SIZE_BYTES - 1000)
                    for i in range(3)) + b"tail" * 250
    assert len(data) == size
    names = store.put_blocks([data[i:i + hashing.BLOCK_SIZE_BYTES]
                              for i in range(0, size, hashing.BLOCK_SIZE_BYTES)])
    store.put_map("img-map-1", b"".join(bytes.fromhex(n) for n in names))
    return f"pithosmap://img-map-1/{size}", data


def test_scripts_and_parameters_list_are_installed():
    for verb in ("create", "attach", "detach", "remove", "grow", "snapshot", "setinfo", "verify"):
        assert os.access(PROVIDER / verb, os.X_OK), verb
    names = [line.split()[0] for line in (PROVIDER / "parameters.list").read_text().splitlines()]
    assert names == ["origin", "origin_size"]


def test_create_sparse_and_clone_without_copying(env, store):
    origin, data = _image(store)
    blocks_before = set(store.iter_block_names())
    es("create", env, VOL_NAME="u1.ext.disk0", VOL_SIZE="64")
    es("create", env, VOL_NAME="u2.ext.disk0", VOL_SIZE="32", EXTP_ORIGIN=origin)
    es("create", env, VOL_NAME="u3.ext.disk0", VOL_SIZE="32", EXTP_ORIGIN="img-map-1",
       EXTP_ORIGIN_SIZE=str(len(data)))
    assert set(store.iter_block_names()) - blocks_before == {hashing.empty_hash().hex()} - blocks_before
    sparse = mapper.load(store, "u1.ext.disk0")
    assert sparse.size == 64 * MIB and sparse.allocated_blocks() == 0
    clone = mapper.load(store, "u2.ext.disk0")
    assert clone.size == 32 * MIB and clone.allocated_blocks() == 4 and clone.origin == origin
    assert volumes.open_volume(store, "u3.ext.disk0").read(0, len(data)) == data
    # from a snapshot of a clone
    mapper.snapshot(store, "u2.ext.disk0", "snap1")
    es("create", env, VOL_NAME="u4.ext.disk0", VOL_SIZE="40", EXTP_ORIGIN="snapshot:snap1")
    assert mapper.load(store, "u4.ext.disk0").hashes[:4] == clone.hashes[:4]


def test_create_errors(env, store):
    origin, data = _image(store)
    small = es("create", env, False, VOL_NAME="s.ext.disk0", VOL_SIZE="4", EXTP_ORIGIN=origin)
    assert small.returncode == 1 and "larger than the volume" in small.stderr
    missing = es("create", env, False, VOL_NAME="m.ext.disk0", VOL_SIZE="64",
                 EXTP_ORIGIN="pithosmap://no-such-map/100")
    assert missing.returncode == 1 and "no-such-map" in missing.stderr
    assert not mapper.exists(store, "s.ext.disk0") and not mapper.exists(store, "m.ext.disk0")
    assert es("verify", env, False, EXTP_ORIGIN="pithosmap://no-such-map/100").returncode == 1
    es("verify", env, EXTP_ORIGIN=origin)
    assert es("create", env, False, VOL_NAME="x", VOL_SIZE="ten").returncode == 1


@pytest.mark.skipif(not shutil.which("qemu-img"), reason="qemu-img missing (Debian qemu-utils)")
def test_attach_detach_lifecycle_userspace(env, store, tmp_path):
    origin, data = _image(store)
    image_map = store.get_map("img-map-1")
    vol = {"VOL_NAME": "abc.ext.disk0", "VOL_SIZE": "32", "EXTP_ORIGIN": origin}
    es("create", env, **vol)
    lines = es("attach", env, **vol).stdout.splitlines()
    sock = lines[0]
    assert lines[1] == f"kvm:nbd:unix:{sock}:exportname=abc.ext.disk0"
    assert Path(sock).is_socket()
    # idempotent: the same server answers again
    assert es("attach", env, **vol).stdout.splitlines() == lines
    out = tmp_path / "read.raw"
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "raw", lines[1][len("kvm:"):],
                    str(out)], check=True, timeout=60, capture_output=True)
    assert out.read_bytes()[:len(data)] == data and out.stat().st_size == 32 * MIB
    es("setinfo", env, VOL_METADATA="originstname+vm-1", **vol)
    assert volume_metadata(store, "abc.ext.disk0") == "originstname+vm-1"
    # a write the guest has not flushed yet is part of a snapshot taken now
    client = NbdClient(sock, "abc.ext.disk0")
    client.write(5, b"guest")
    es("snapshot", env, VOL_SNAPSHOT_NAME="abc.snap", **vol)
    client.sock.close()
    assert volumes.open_volume(store, "abc.snap").read(0, 10) == data[:5] + b"guest"
    refused = es("remove", env, False, **vol)
    assert refused.returncode == 1 and "still attached" in refused.stderr
    es("grow", env, VOL_NEW_SIZE="48", **vol)
    es("detach", env, **vol)
    assert not Path(sock).exists()
    es("detach", env, **vol)  # idempotent
    assert mapper.load(store, "abc.ext.disk0").size == 48 * MIB  # server kept the grown size
    # the image's map and blocks never changed
    assert volumes.open_volume(store, "abc.ext.disk0").read(0, 10) == data[:5] + b"guest"
    es("remove", env, **vol)
    assert not mapper.exists(store, "abc.ext.disk0")
    assert volume_metadata(store, "abc.ext.disk0") == ""
    es("remove", env, **vol)  # idempotent
    # the image's map is as Pithos wrote it, and its blocks are all still there
    assert store.get_map("img-map-1") == image_map
    assert not store.missing_blocks(volumes.mapper.VolumeMap(
        "x", 0, hashes=[image_map[i:i + 32] for i in range(0, len(image_map), 32)]).hex_hashes())


def test_kernel_mode_without_nbd_module_is_an_error(env, store):
    if os.path.exists("/dev/nbd0"):
        pytest.skip("this machine has kernel NBD devices")
    es("create", env, VOL_NAME="k.ext.disk0", VOL_SIZE="8")
    proc = es("attach", env, False, VOL_NAME="k.ext.disk0", ARCHIPELAGO_NBD_MODE="kernel")
    assert proc.returncode == 1 and "nbd" in proc.stderr


def test_parse_origin_forms():
    assert parse_origin("").kind == "none" and parse_origin("null").kind == "none"
    o = parse_origin("pithosmap://abc/123")
    assert (o.kind, o.name, o.size) == ("hashmap", "abc", 123)
    assert parse_origin("abc", "55").size == 55
    assert parse_origin("snapshot:s1").name == "s1" and parse_origin("vol9").kind == "volume"
