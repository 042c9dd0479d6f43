"""Volume maps (create, clone, snapshot, copy-on-write I/O) over every block store driver."""

from __future__ import annotations

import io
import os

import pytest

from archipelago import mapper, volumes
from archipelago.blockstore import BlockStore, open_blockstore
from archipelago.mapper import VolumeError, VolumeExists, VolumeNotFound, VolumeReadOnly
from snf_common import hashing

BS = 4096  # small blocks keep the RADOS memstore and the run light
ZERO = hashing.empty_hash().hex()


@pytest.fixture(params=["memory", "filesystem", pytest.param("rados", marks=pytest.mark.ceph)])
def store(request, tmp_path):
    if request.param == "memory":
        config = {"BACKEND": "archipelago.blockstore.memory.MemoryBlockStore"}
    elif request.param == "filesystem":
        config = {"BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
                  "OPTIONS": {"path": str(tmp_path / "store"), "fsync": False}}
    else:
        config = request.getfixturevalue("rados_blockstore_config")
    with open_blockstore(config) as s:
        yield s


def upload_like_pithos(store: BlockStore, data: bytes) -> tuple[int, list[str]]:
    """Store a file's blocks and return its hashmap, as Pithos does for an image."""
    size, hashes = hashing.hashmap_of_stream(io.BytesIO(data), BS)
    store.put_blocks(list(hashing.iter_blocks(io.BytesIO(data), BS)))
    return size, hashes


def raw(store: BlockStore, name: str) -> bytes:
    out = io.BytesIO()
    volumes.export_volume(store, name, out)
    return out.getvalue()


def test_new_volume_is_sparse_and_reads_zeros(store):
    vol = mapper.create(store, "vol", 10 * BS + 100, block_size=BS)
    assert vol.allocated_blocks() == 0
    assert len(vol.hashes) == 11
    assert list(store.iter_block_names()) == [ZERO]
    with volumes.open_volume(store, "vol") as v:
        assert v.read(0, 10 * BS + 500) == bytes(10 * BS + 100)


def test_writes_across_block_edges_read_back_after_reopen(store):
    mapper.create(store, "vol", 5 * BS, block_size=BS)
    payload = os.urandom(2 * BS + 10)
    with volumes.open_volume(store, "vol") as v:
        v.write(BS - 5, payload)
        v.write(10, b"head")
    with volumes.open_volume(store, "vol") as v:
        assert v.read(BS - 5, len(payload)) == payload
        assert v.read(8, 8) == b"\0\0head\0\0"
        assert v.read(4 * BS, BS) == bytes(BS)
    assert mapper.load(store, "vol").allocated_blocks() == 4


def test_writing_zeros_frees_the_entry(store):
    mapper.create(store, "vol", 2 * BS, block_size=BS)
    with volumes.open_volume(store, "vol") as v:
        v.write(0, b"x" * BS)
        v.write(0, bytes(BS))
    assert mapper.load(store, "vol").allocated_blocks() == 0


def test_clone_of_an_image_hashmap_is_copy_on_write(store):
    image = os.urandom(3 * BS) + bytes(BS) + b"tail"
    size, hashes = upload_like_pithos(store, image)
    before = {h: store.get_block(h) for h in hashes}
    blocks_before = set(store.iter_block_names())

    mapper.clone_hashmap(store, "vm-disk", hashes, size, BS, new_size=8 * BS, origin="pithos:img")
    assert set(store.iter_block_names()) <= blocks_before | {ZERO}  # no data copied
    with volumes.open_volume(store, "vm-disk") as v:
        assert v.read(0, size) == image
        assert v.read(size, 8 * BS) == bytes(8 * BS - size)
        v.write(BS + 7, b"changed")
    with volumes.open_volume(store, "vm-disk") as v:
        assert v.read(BS, 14) == image[BS:BS + 7] + b"changed"
    for h, data in before.items():  # the image's blocks are untouched
        assert store.get_block(h) == data
    disk = mapper.load(store, "vm-disk")
    assert [i for i, h in enumerate(disk.hex_hashes()[:len(hashes)]) if h != hashes[i]] == [1]
    assert disk.origin == "pithos:img"


def test_clone_refuses_a_hashmap_whose_blocks_are_not_stored(store):
    with pytest.raises(VolumeError):
        mapper.clone_hashmap(store, "bad", [hashing.block_hash_hex(b"absent")], 5, BS)
    with pytest.raises(VolumeError):
        mapper.clone_hashmap(store, "bad", [ZERO, ZERO], 5, BS)  # size says one block
    assert not mapper.exists(store, "bad")


def test_snapshot_is_frozen_and_cheap(store):
    mapper.create(store, "vol", 4 * BS, block_size=BS)
    with volumes.open_volume(store, "vol") as v:
        v.write(0, b"A" * (2 * BS))
    blocks = set(store.iter_block_names())
    mapper.snapshot(store, "vol", "snap")
    assert set(store.iter_block_names()) == blocks
    with volumes.open_volume(store, "vol") as v:
        v.write(0, b"B" * BS)
    with volumes.open_volume(store, "snap") as s:
        assert s.read(0, 2 * BS) == b"A" * (2 * BS)
        with pytest.raises(VolumeReadOnly):
            s.write(0, b"no")
    assert mapper.load(store, "snap").readonly
    with pytest.raises(VolumeReadOnly):
        mapper.resize(store, "snap", 8 * BS)
    mapper.clone(store, "snap", "from-snap")
    with volumes.open_volume(store, "from-snap") as c:
        c.write(0, b"C")
        assert c.read(0, 2) == b"CA"
    assert raw(store, "snap") == b"A" * (2 * BS) + bytes(2 * BS)


def test_grow_reads_zeros_and_shrink_is_refused(store):
    mapper.create(store, "vol", BS + 10, block_size=BS)
    with volumes.open_volume(store, "vol") as v:
        v.write(BS, b"x" * 10)
    mapper.resize(store, "vol", 3 * BS)
    with volumes.open_volume(store, "vol") as v:
        assert v.size == 3 * BS
        assert v.read(BS, 20) == b"x" * 10 + bytes(10)
    with pytest.raises(VolumeError):
        mapper.resize(store, "vol", BS)


def test_write_past_the_end_is_refused(store):
    mapper.create(store, "vol", BS, block_size=BS)
    with volumes.open_volume(store, "vol") as v, pytest.raises(VolumeError):
        v.write(BS - 1, b"ab")


def test_import_export_roundtrip_and_pithos_hashmap(store, tmp_path):
    data = os.urandom(BS + 3) + bytes(3 * BS) + os.urandom(BS // 2)
    volumes.import_volume(store, "imported", io.BytesIO(data), block_size=BS)
    assert raw(store, "imported") == data
    target = tmp_path / "disk.raw"
    with open(target, "wb") as f:
        volumes.export_volume(store, "imported", f)
    assert target.read_bytes() == data
    assert target.stat().st_blocks * 512 < len(data)  # zero blocks became holes

    hm = mapper.hashmap(store, "imported")
    assert hm["bytes"] == len(data)
    assert hm["hashes"] == hashing.hashmap_of_stream(io.BytesIO(data), BS)[1]


def test_hashmap_after_writes_equals_the_pithos_hashmap_of_the_bytes(store):
    mapper.create(store, "vol", 3 * BS + 17, block_size=BS)
    with volumes.open_volume(store, "vol") as v:
        v.write(BS // 2, os.urandom(BS))
        v.write(3 * BS, b"end" + bytes(14))
    data = raw(store, "vol")
    size, expected = hashing.hashmap_of_stream(io.BytesIO(data), BS)
    hm = mapper.hashmap(store, "vol")
    assert (hm["bytes"], hm["hashes"]) == (size, expected)
    assert store.missing_blocks(hm["hashes"]) == []  # publishable to Pithos as is


def test_names_exist_once_list_and_remove(store):
    mapper.create(store, "a", BS, block_size=BS)
    mapper.create(store, "b/c", BS, block_size=BS)
    store.put_map("not-a-volume", b"pithos map")
    with pytest.raises(VolumeExists):
        mapper.create(store, "a", BS, block_size=BS)
    assert sorted(mapper.list_names(store)) == ["a", "b/c"]
    mapper.remove(store, "a")
    with pytest.raises(VolumeNotFound):
        mapper.remove(store, "a")
    with pytest.raises(VolumeNotFound):
        volumes.open_volume(store, "a")
    assert list(mapper.list_names(store)) == ["b/c"]


def test_empty_volume_has_one_empty_block_like_an_empty_object(store):
    mapper.create(store, "empty", 0, block_size=BS)
    assert mapper.hashmap(store, "empty")["hashes"] == [ZERO]
    assert raw(store, "empty") == b""


@pytest.mark.parametrize("kind", ["filesystem", pytest.param("rados", marks=pytest.mark.ceph)])
def test_vlmc_commands_work_on_the_driver(kind, request, tmp_path):
    import json
    import subprocess
    import sys

    if kind == "filesystem":
        config = {"BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
                  "OPTIONS": {"path": str(tmp_path / "store")}}
    else:
        config = request.getfixturevalue("rados_blockstore_config")
    spec = json.dumps(config)

    def vlmc(*args: str) -> bytes:
        proc = subprocess.run([sys.executable, "-m", "archipelago.vlmc", "--store", spec, *args],
                              capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr.decode()
        return proc.stdout

    data = os.urandom(3 * BS) + bytes(BS)
    (tmp_path / "in.raw").write_bytes(data)
    vlmc("import", str(tmp_path / "in.raw"), "img", "--block-size", f"{BS}B")
    vlmc("clone", "img", "vm", "-s", f"{8 * BS}B")
    vlmc("snapshot", "vm", "vm@0")
    assert vlmc("list").split() == [b"img", b"vm", b"vm@0"]
    assert vlmc("export", "vm@0") == data + bytes(4 * BS)
    assert json.loads(vlmc("info", "vm@0"))["readonly"] is True
    vlmc("remove", "vm@0")
    assert vlmc("list").split() == [b"img", b"vm"]


def test_referenced_block_names_cover_every_volume_and_snapshot(store):
    mapper.create(store, "vol", 2 * BS, block_size=BS)
    with volumes.open_volume(store, "vol") as v:
        v.write(0, b"first")
    mapper.snapshot(store, "vol", "snap")
    with volumes.open_volume(store, "vol") as v:
        v.write(0, b"second")
    expected = {hashing.block_hash_hex(b"first"), hashing.block_hash_hex(b"second"), ZERO}
    assert mapper.referenced_block_names(store) == expected
