"""archipelago.gc: mark from volume/snapshot maps, hashmap maps and the caller's set;
sweep only blocks condemned (and, on the filesystem, written) longer ago than the grace."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from archipelago import gc, mapper, volumes
from archipelago.blockstore.filesystem import FilesystemBlockStore
from archipelago.blockstore.memory import MemoryBlockStore
from snf_common import hashing

BS = 64 * 1024


@pytest.fixture(params=["memory", "filesystem"])
def store(request, tmp_path):
    s = MemoryBlockStore() if request.param == "memory" else FilesystemBlockStore(
        str(tmp_path / "store"), fsync=False)
    yield s
    s.close()


def _block(tag: int) -> bytes:
    return bytes([tag]) * 100


def _setup(store):
    """image volume + clone with one own block + snapshot; a Pithos-only block;
    a hashmap map; two orphans."""
    volumes.import_volume(store, "image", io.BytesIO(_block(1) + bytes(BS - 100) + _block(2)), BS)
    mapper.clone(store, "image", "vm")
    with volumes.open_volume(store, "vm") as vol:
        vol.write(0, _block(3))
    mapper.snapshot(store, "vm", "vm-snap")
    with volumes.open_volume(store, "vm") as vol:
        vol.write(0, _block(4))  # block 3 lives on only in the snapshot
    pithos_only = store.put_block(_block(5))
    mapped = store.put_block(_block(6))
    store.put_map("pithos/img", bytes.fromhex(mapped))
    orphans = {store.put_block(_block(7)), store.put_block(_block(8))}
    return pithos_only, orphans


def test_mark_then_sweep_after_grace(store):
    pithos_only, orphans = _setup(store)
    if isinstance(store, FilesystemBlockStore):  # written "long ago" on the test's clock
        for name in orphans:
            os.utime(store._block_path(name), (900.0, 900.0))
    before = set(store.iter_block_names())
    first = gc.collect(store, grace_seconds=100, referenced={pithos_only}, now=1000.0)
    assert first.condemned == 2 and first.deleted == 0
    assert set(store.iter_block_names()) == before
    early = gc.collect(store, grace_seconds=100, referenced={pithos_only}, now=1050.0)
    assert early.waiting == 2 and early.deleted == 0
    dry = gc.collect(store, grace_seconds=100, referenced={pithos_only}, now=1200.0, dry_run=True)
    assert set(dry.deleted_names) == orphans and set(store.iter_block_names()) == before
    if isinstance(store, FilesystemBlockStore):
        # a block written within the grace (by mtime) is kept even when long condemned
        young = next(iter(orphans))
        path = store._block_path(young)
        os.utime(path, (1150.0, 1150.0))
        partial = gc.collect(store, grace_seconds=100, referenced={pithos_only}, now=1200.0)
        assert set(partial.deleted_names) == orphans - {young}
        os.utime(path, (900.0, 900.0))
    final = gc.collect(store, grace_seconds=100, referenced={pithos_only}, now=1300.0)
    assert set(store.iter_block_names()) == before - orphans
    assert final.deleted + (1 if isinstance(store, FilesystemBlockStore) else 0) == 2
    # everything still referenced reads back
    assert volumes.open_volume(store, "vm-snap").read(0, 100) == _block(3)
    assert volumes.open_volume(store, "vm").read(0, 100) == _block(4)
    assert volumes.open_volume(store, "image").read(BS, 100) == _block(2)
    assert store.get_block(pithos_only)


def test_a_block_referenced_again_is_pardoned(store):
    _setup(store)
    orphan = store.put_block(_block(9))
    gc.collect(store, grace_seconds=10, now=100.0)
    mapper.clone_hashmap(store, "late", [orphan], 100)  # someone uses it again
    report = gc.collect(store, grace_seconds=10, now=500.0)
    assert orphan not in report.deleted_names and store.has_blocks([orphan])
    mapper.remove(store, "late")
    report = gc.collect(store, grace_seconds=10, now=600.0)
    assert report.condemned >= 1 and store.has_blocks([orphan])  # its grace starts again


def test_refuses_without_map_listing():
    class NoListing(MemoryBlockStore):
        def iter_map_names(self):
            raise NotImplementedError("no listing")

    store = NoListing()
    store.put_block(_block(1))
    with pytest.raises(gc.GcRefused):
        gc.collect(store, grace_seconds=0)
    assert store.has_blocks([hashing.block_hash_hex(_block(1))])


def test_vlmc_gc_dry_run(tmp_path):
    store = FilesystemBlockStore(str(tmp_path / "s"), fsync=False)
    _pithos_only, orphans = _setup(store)
    keep = tmp_path / "keep.json"
    keep.write_text(json.dumps([_pithos_only]))
    cmd = [sys.executable, "-m", "archipelago.vlmc", "--store", f"file:{tmp_path / 's'}?fsync=no",
           "gc", "--grace", "0", "--referenced", str(keep)]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["condemned"] == 2
    dry = subprocess.run(cmd + ["--dry-run"], capture_output=True, text=True, timeout=60)
    assert set(json.loads(dry.stdout)["deleted_names"]) == orphans
    assert store.has_blocks(orphans) == orphans
    real = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert json.loads(real.stdout)["deleted"] == 2 and not store.has_blocks(orphans)
    assert store.has_blocks([_pithos_only])
