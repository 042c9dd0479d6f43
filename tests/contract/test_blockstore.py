"""One block store contract, run against every driver: memory, filesystem, RADOS."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest
from archipelago.blockstore import BlockNotFound, BlockStore, open_blockstore
from snf_common.hashing import block_hash_hex, empty_hash

DRIVERS = ["memory", "filesystem", pytest.param("rados", marks=pytest.mark.ceph)]


def blockstore_config(kind: str, request: pytest.FixtureRequest, tmp_path) -> dict:
    if kind == "memory":
        return {"BACKEND": "archipelago.blockstore.memory.MemoryBlockStore"}
    if kind == "filesystem":
        return {"BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
                "OPTIONS": {"path": str(tmp_path / "store")}}
    return request.getfixturevalue("rados_blockstore_config")


@pytest.fixture(params=DRIVERS)
def config(request, tmp_path) -> dict:
    return blockstore_config(request.param, request, tmp_path)


@pytest.fixture
def store(config):
    with open_blockstore(config) as s:
        yield s


def test_put_returns_the_pithos_hash_and_get_returns_the_bytes(store: BlockStore):
    data = os.urandom(10000)
    name = store.put_block(data)
    assert name == block_hash_hex(data)
    assert store.get_block(name) == data


def test_trailing_zeros_are_stripped_and_readers_pad(store: BlockStore):
    name = store.put_block(b"abc" + bytes(1000))
    assert name == block_hash_hex(b"abc")
    assert store.get_block(name) == b"abc"
    assert store.read_block(name, 8) == b"abc" + bytes(5)
    assert store.read_block(name, 2) == b"ab"


def test_all_zero_block_is_named_like_the_empty_string(store: BlockStore):
    name = store.put_block(bytes(4096))
    assert name == empty_hash().hex()
    assert store.get_block(name) == b""
    assert store.has_blocks([name]) == {name}


def test_same_block_twice_is_stored_once(store: BlockStore):
    first = store.put_block(b"payload")
    second = store.put_block(b"payload\x00\x00")
    assert first == second
    assert list(store.iter_block_names()) == [first]


def test_has_blocks_and_missing_blocks(store: BlockStore):
    a = store.put_block(b"a")
    b = block_hash_hex(b"b")
    c = block_hash_hex(b"c")
    assert store.has_blocks([a, b, c]) == {a}
    assert store.missing_blocks([c, a, b, c]) == [c, b]


def test_absent_block_raises_block_not_found(store: BlockStore):
    with pytest.raises(BlockNotFound):
        store.get_block(block_hash_hex(b"never stored"))
    with pytest.raises(BlockNotFound):
        store.get_blocks([store.put_block(b"x"), block_hash_hex(b"never stored")])


def test_names_that_are_not_hashes_never_reach_the_backend(store: BlockStore):
    for bad in ("../../etc/passwd", "ab/cd", "", "g" * 64):
        with pytest.raises(BlockNotFound):
            store.get_block(bad)
        assert store.has_blocks([bad]) == set()


def test_batched_put_and_get_keep_order_and_duplicates(store: BlockStore):
    blocks = [b"one", os.urandom(300000), b"one", bytes(10), b"two\x00"]
    names = store.put_blocks(blocks)
    assert names == [block_hash_hex(b) for b in blocks]
    assert store.get_blocks(names) == [b.rstrip(b"\x00") for b in blocks]
    assert sorted(store.iter_block_names()) == sorted(set(names))


def test_delete_block_removes_it_and_absent_is_fine(store: BlockStore):
    name = store.put_block(b"gone soon")
    store.delete_block(name)
    assert store.has_blocks([name]) == set()
    store.delete_block(name)
    with pytest.raises(BlockNotFound):
        store.get_block(name)


def test_maps_store_replace_list_and_delete(store: BlockStore):
    store.put_map("vol-1", b"first")
    store.put_map("images/debian 12.img", b"other")
    store.put_map("vol-1", b"second")
    assert store.get_map("vol-1") == b"second"
    assert store.get_map("images/debian 12.img") == b"other"
    assert sorted(store.iter_map_names()) == ["images/debian 12.img", "vol-1"]
    assert list(store.iter_block_names()) == []  # maps never show up as blocks
    store.delete_map("vol-1")
    store.delete_map("vol-1")
    with pytest.raises(BlockNotFound):
        store.get_map("vol-1")
    assert list(store.iter_map_names()) == ["images/debian 12.img"]


def test_dot_map_names_are_maps_not_paths(store: BlockStore):
    for name in (".", "..", ".hidden", "../escape"):
        store.put_map(name, name.encode())
    assert sorted(store.iter_map_names()) == sorted([".", "..", ".hidden", "../escape"])
    assert store.get_map("..") == b".."


def test_map_replacement_is_atomic_for_readers(store: BlockStore):
    versions = [b"A" * 300000, b"B" * 200000]
    store.put_map("busy", versions[0])
    seen: set[bytes] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.add(store.get_map("busy"))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(40):
            store.put_map("busy", versions[i % 2])
    finally:
        stop.set()
        thread.join(timeout=30)
    assert seen <= set(versions)


def test_concurrent_threads_writing_the_same_block(store: BlockStore):
    data = os.urandom(200000)
    names: list[str] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(5):
                names.append(store.put_block(data))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert set(names) == {block_hash_hex(data)}
    assert store.get_block(names[0]) == data
    assert list(store.iter_block_names()) == [names[0]]


def _put_in_child(config: dict, data: bytes, rounds: int) -> None:
    with open_blockstore(config) as store:
        for _ in range(rounds):
            store.put_block(data)


@pytest.mark.parametrize("kind", ["filesystem", pytest.param("rados", marks=pytest.mark.ceph)])
def test_concurrent_processes_writing_the_same_block(kind, request, tmp_path):
    config = blockstore_config(kind, request, tmp_path)
    data = os.urandom(1 << 20)
    ctx = multiprocessing.get_context("spawn")  # no inherited cluster handles or locks
    procs = [ctx.Process(target=_put_in_child, args=(config, data, 10)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with open_blockstore(config) as store:
        assert list(store.iter_block_names()) == [block_hash_hex(data)]
        assert store.get_block(block_hash_hex(data)) == data


def test_filesystem_layout_fans_out_and_leaves_no_temp_files(tmp_path):
    with open_blockstore({"BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
                          "OPTIONS": {"path": str(tmp_path)}}) as store:
        name = store.put_block(b"layout")
        store.put_map("a/b", b"m")
    assert (tmp_path / "blocks" / name[:2] / name[2:4] / name).read_bytes() == b"layout"
    assert (tmp_path / "maps" / "a%2Fb").read_bytes() == b"m"
    leftovers = [p for p in tmp_path.rglob(".tmp-*")]
    assert leftovers == []
