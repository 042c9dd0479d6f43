"""Filesystem block store group commit (BlockBatch, put_blocks): blocks are invisible
until commit, durable in the right order (data, rename, directory), stored blocks
cost no write, and a writer killed before commit leaves no block under its name."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from archipelago.blockstore import filesystem
from archipelago.blockstore.base import BlockStoreError
from archipelago.blockstore.filesystem import FilesystemBlockStore
from snf_common.hashing import block_hash_hex


def temps(root: Path) -> list[Path]:
    return sorted(root.rglob(".tmp-*"))


def test_batch_blocks_appear_only_at_commit(tmp_path):
    store = FilesystemBlockStore(str(tmp_path))
    blocks = [os.urandom(5000) for _ in range(5)]
    batch = store.batch()
    names = [batch.add(b) for b in blocks]
    assert names == [block_hash_hex(b) for b in blocks]
    assert store.has_blocks(names) == set()
    assert len(temps(tmp_path)) == 5
    batch.commit()
    assert store.has_blocks(names) == set(names)
    assert [store.get_block(n) for n in names] == blocks
    assert temps(tmp_path) == []
    with pytest.raises(BlockStoreError):
        batch.add(b"late")


def test_batch_abort_and_exception_leave_nothing(tmp_path):
    store = FilesystemBlockStore(str(tmp_path))
    with pytest.raises(RuntimeError):
        with store.batch() as batch:
            name = batch.add(b"never committed")
            raise RuntimeError("client went away")
    assert store.has_blocks([name]) == set()
    assert temps(tmp_path) == []


def test_stored_and_repeated_blocks_are_written_once(tmp_path):
    store = FilesystemBlockStore(str(tmp_path))
    old = store.put_block(b"already here")
    with store.batch() as batch:
        assert batch.add(b"already here") == old
        assert temps(tmp_path) == []  # a stored block: no write at all
        a1 = batch.add(b"twice")
        a2 = batch.add(b"twice\x00\x00")
        assert a1 == a2 and len(temps(tmp_path)) == 1
    assert sorted(store.iter_block_names()) == sorted({old, a1})


def test_commit_order_is_fsync_rename_then_directories_once(tmp_path, monkeypatch):
    store = FilesystemBlockStore(str(tmp_path), io_threads=1)
    events: list[tuple[str, str]] = []
    real_fsync, real_rename, real_open = os.fsync, os.rename, os.open
    fd_paths: dict[int, str] = {}

    def record_open(path, flags, *args):
        fd = real_open(path, flags, *args)
        fd_paths[fd] = str(path)
        return fd

    def record_fsync(fd):
        events.append(("fsync", fd_paths.get(fd, "?")))
        real_fsync(fd)

    def record_rename(src, dst):
        events.append(("rename", str(src)))
        real_rename(src, dst)

    monkeypatch.setattr(os, "open", record_open)
    monkeypatch.setattr(os, "fsync", record_fsync)
    monkeypatch.setattr(os, "rename", record_rename)
    blocks = [os.urandom(1000) for _ in range(6)]
    names = store.put_blocks(blocks)
    assert all(store.get_block(n) == b for n, b in zip(names, blocks, strict=True))
    renamed = [p for kind, p in events if kind == "rename"]
    assert len(renamed) == 6
    for temp in renamed:
        synced_at = events.index(("fsync", temp))
        assert synced_at < events.index(("rename", temp))
    last_rename = max(i for i, (kind, _) in enumerate(events) if kind == "rename")
    dir_syncs = [p for i, (kind, p) in enumerate(events)
                 if kind == "fsync" and os.path.isdir(p)]
    after = [p for i, (kind, p) in enumerate(events)
             if kind == "fsync" and os.path.isdir(p) and i > last_rename]
    for name in names:
        leaf = str(tmp_path / "blocks" / name[:2] / name[2:4])
        assert leaf in after  # each block's directory synced after its rename
    assert len(dir_syncs) == len(set(dir_syncs))  # ... and only once per batch


def _write_then_die(path: str, blocks: list[bytes], ready) -> None:
    store = FilesystemBlockStore(path)
    batch = store.batch()
    for block in blocks:
        batch.add(block)
    ready.set()
    signal.pause()  # killed here, before commit


def test_writer_killed_before_commit_leaves_no_block_by_name(tmp_path):
    blocks = [os.urandom(256 * 1024) for _ in range(4)]
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_write_then_die, args=(str(tmp_path), blocks, ready))
    proc.start()
    try:
        assert ready.wait(60)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
    store = FilesystemBlockStore(str(tmp_path))
    names = [block_hash_hex(b) for b in blocks]
    assert store.has_blocks(names) == set()
    assert list(store.iter_block_names()) == []
    # A later writer of the same blocks is not confused by the leftovers.
    assert store.put_blocks(blocks) == names
    assert [store.get_block(n) for n in names] == blocks


def test_writeback_hint_is_optional(tmp_path, monkeypatch):
    monkeypatch.setattr(filesystem, "_sync_file_range", None)
    store = FilesystemBlockStore(str(tmp_path))
    names = store.put_blocks([b"one", b"two"])
    assert [store.get_block(n) for n in names] == [b"one", b"two"]


@pytest.mark.parametrize("size", [64 * 1024, 300 * 1024 + 7, 4 * 1024 * 1024])
def test_direct_io_blocks_read_back_whole(tmp_path, size):
    store = FilesystemBlockStore(str(tmp_path))
    data = os.urandom(size - 1) + b"\x01"
    single = store.put_block(data)
    names = store.put_blocks([os.urandom(size), data + b"\x00" * 5])
    assert names[1] == single
    assert store.get_block(single) == data
    path = tmp_path / "blocks" / single[:2] / single[2:4] / single
    assert path.stat().st_size == size  # the alignment padding is cut off again
    assert temps(tmp_path) == []


def test_filesystem_without_o_direct_falls_back(tmp_path, monkeypatch):
    real_open = os.open

    def refuse_direct(path, flags, *args):
        if flags & os.O_DIRECT:
            raise OSError(22, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse_direct)
    store = FilesystemBlockStore(str(tmp_path))
    data = os.urandom(200 * 1024)
    names = store.put_blocks([data, data[::-1]])
    assert store.direct_io is False
    assert [store.get_block(n) for n in names] == [data, data[::-1]]


def test_prefetch_is_a_hint_that_ignores_unknown_names(tmp_path):
    store = FilesystemBlockStore(str(tmp_path))
    name = store.put_block(os.urandom(100 * 1024))
    store.prefetch([name, block_hash_hex(b"absent"), "not-a-name"])
    assert store.has_blocks([name]) == {name}
