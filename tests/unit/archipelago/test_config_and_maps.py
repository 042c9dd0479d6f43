"""Pure functions of the block layer: store specs, sizes, the map format, name checks."""

from __future__ import annotations

import pytest

from archipelago.blockstore import BlockNotFound, BlockStoreError, open_blockstore
from archipelago.blockstore.config import parse_blockstore_spec
from archipelago.blockstore.filesystem import FilesystemBlockStore
from archipelago.blockstore.memory import MemoryBlockStore
from archipelago.mapper import VolumeError, VolumeMap
from archipelago.vlmc import parse_size
from snf_common import hashing


def test_specs_name_the_driver_and_options():
    assert parse_blockstore_spec("/srv/archip") == {
        "BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
        "OPTIONS": {"path": "/srv/archip"}}
    assert parse_blockstore_spec("file:/srv/a?fsync=no")["OPTIONS"] == {"path": "/srv/a", "fsync": False}
    rados = parse_blockstore_spec(
        "rados:archip?conffile=/etc/ceph/c.conf&client=client.x&max_inflight=4")
    assert rados["BACKEND"].endswith("RadosBlockStore")
    assert rados["OPTIONS"] == {"pool": "archip", "conffile": "/etc/ceph/c.conf",
                                "client": "client.x", "max_inflight": 4}
    assert parse_blockstore_spec('{"BACKEND": "x.Y"}') == {"BACKEND": "x.Y"}
    assert parse_blockstore_spec("memory:")["BACKEND"].endswith("MemoryBlockStore")


def test_bad_specs_are_refused():
    for spec in ("", "ftp:x", "rados:"):
        with pytest.raises(BlockStoreError):
            parse_blockstore_spec(spec)


def test_spec_from_json_file(tmp_path):
    path = tmp_path / "store.json"
    path.write_text('{"BACKEND": "archipelago.blockstore.memory.MemoryBlockStore"}')
    store = open_blockstore(parse_blockstore_spec(f"@{path}"))
    assert isinstance(store, MemoryBlockStore)


def test_sizes_are_mib_when_bare():
    assert parse_size("10") == 10 << 20
    assert parse_size("4096B") == 4096
    assert parse_size("2G") == 2 << 30
    assert parse_size("512KiB") == 512 << 10


def test_map_serialisation_roundtrip_and_truncation_is_detected():
    digest = hashing.block_hash(b"x")
    vm = VolumeMap(name="v", size=5, block_size=4, hashes=[digest, hashing.empty_hash()],
                   readonly=True, origin="img")
    data = vm.to_bytes()
    assert VolumeMap.from_bytes(data) == vm
    with pytest.raises(VolumeError):
        VolumeMap.from_bytes(data[:-1])
    with pytest.raises(VolumeError):
        VolumeMap.from_bytes(b"garbage")


def test_filesystem_block_paths_accept_only_hex_names(tmp_path):
    store = FilesystemBlockStore(str(tmp_path))
    name = hashing.block_hash_hex(b"a")
    assert store._block_path(name).endswith(f"blocks/{name[:2]}/{name[2:4]}/{name}")
    for bad in (name.upper(), name[:-1], "../" + name[3:], name + "0"):
        with pytest.raises(BlockNotFound):
            store._block_path(bad)


def test_filesystem_map_names_never_escape_the_maps_dir(tmp_path):
    store = FilesystemBlockStore(str(tmp_path))
    for name in ("..", ".", "../../x", "a/b", ".tmp-123"):
        path = store._map_path(name)
        assert path.startswith(str(tmp_path / "maps") + "/")
        assert "/" not in path[len(str(tmp_path / "maps")) + 1:]
        assert not path.rsplit("/", 1)[1].startswith(".")


def test_rados_options_refuse_one_namespace_for_blocks_and_maps():
    from archipelago.blockstore.rados import RadosBlockStore

    with pytest.raises(BlockStoreError):
        RadosBlockStore(pool="p", block_namespace="same", map_namespace="same")
