"""blocks-gc shares the block store with Archipelago: volume and snapshot maps keep blocks."""

from __future__ import annotations

import pytest
from conftest import BLOCK
from pithos_testclient import body

from archipelago import mapper
from archipelago.blockstore.memory import MemoryBlockStore
from pithos.objects import blocks, gc
from pithos.objects.models import BlockTouch
from snf_common.hashing import block_hash_hex


def collect_aged(**kwargs) -> gc.GcReport:
    """Two runs with every touch and condemnation mark made old: what a long-past
    grace period would delete."""
    BlockTouch.objects.exclude(name__startswith="gc:").update(touched=1)
    gc.collect(grace_seconds=10, **kwargs)
    BlockTouch.objects.filter(name__startswith="gc:").update(touched=2)
    return gc.collect(grace_seconds=10, **kwargs)


@pytest.fixture
def alice(swift):
    client = swift("alice")
    client.call("PUT", "img", headers={"X-Container-Policy-Versioning": "none"})
    return client


def image_hashes(alice, name: str) -> tuple[list[str], int]:
    import json

    hm = json.loads(body(alice.call("GET", f"img/{name}", query="hashmap&format=json")))
    return hm["hashes"], hm["bytes"]


def test_volume_keeps_blocks_no_object_names(alice, store):
    data = b"V" * BLOCK + b"W" * 10
    alice.call("PUT", "img/disk", data=data)
    hashes, size = image_hashes(alice, "disk")
    mapper.clone_hashmap(store, "vm-1-root", hashes, size, block_size=BLOCK)
    alice.call("PUT", "img/orphan", data=b"only pithos had this")
    # the object goes away: only the volume map still names its blocks
    assert alice.call("DELETE", "img/disk").status_code == 204
    assert alice.call("DELETE", "img/orphan").status_code == 204

    report = collect_aged()

    names = set(store.iter_block_names())
    assert set(hashes) <= names
    assert block_hash_hex(b"only pithos had this") not in names
    assert report.deleted == 1
    assert mapper.load(store, "vm-1-root").hex_hashes() == hashes
    assert store.get_block(hashes[1]) == b"W" * 10


def test_snapshot_keeps_blocks_after_volume_removed(alice, store):
    vol = mapper.create(store, "vol", 2 * BLOCK, block_size=BLOCK)
    written = store.put_block(b"S" * BLOCK)
    vol.hashes[0] = bytes.fromhex(written)
    mapper.save(store, vol)
    mapper.snapshot(store, "vol", "vol@snap")
    mapper.remove(store, "vol")

    collect_aged()
    assert written in set(store.iter_block_names())

    mapper.remove(store, "vol@snap")
    report = collect_aged()
    assert written not in set(store.iter_block_names())
    assert report.deleted == 1


def test_volume_created_during_scan_keeps_its_blocks(alice, store, monkeypatch):
    alice.call("PUT", "img/disk", data=b"D" * 100)
    hashes, size = image_hashes(alice, "disk")
    alice.call("DELETE", "img/disk")
    BlockTouch.objects.update(touched=1)
    gc.collect(grace_seconds=10)  # condemn
    BlockTouch.objects.filter(name__startswith="gc:").update(touched=2)

    listing = store.iter_block_names

    def clone_while_listing():
        names = list(listing())
        mapper.clone_hashmap(store, "late", hashes, size, block_size=BLOCK)
        return iter(names)

    monkeypatch.setattr(store, "iter_block_names", clone_while_listing)
    report = gc.collect(grace_seconds=10)
    assert report.deleted == 0
    assert hashes[0] in set(listing())


class NoMapListing(MemoryBlockStore):
    def iter_map_names(self):
        raise NotImplementedError("no map listing")


def test_store_that_cannot_list_maps_deletes_nothing(alice, settings):
    settings.PITHOS_BLOCKSTORE = {"BACKEND": f"{__name__}.NoMapListing", "OPTIONS": {}}
    blocks._store = None
    alice.call("PUT", "img/x", data=b"x")
    alice.call("DELETE", "img/x")
    store = blocks.get_store()
    before = set(store.iter_block_names())
    with pytest.raises(gc.GcRefused):
        collect_aged()
    assert set(store.iter_block_names()) == before


def test_published_raw_hashmap_keeps_its_blocks(alice, store):
    """Cyclades publishes images as raw hashmap maps (concatenated digests) too."""
    alice.call("PUT", "img/image", data=b"I" * 300)
    hashes, _ = image_hashes(alice, "image")
    store.put_map("plankton-1234", b"".join(bytes.fromhex(h) for h in hashes))
    alice.call("DELETE", "img/image")
    collect_aged()
    assert hashes[0] in set(store.iter_block_names())
    store.delete_map("plankton-1234")
    assert collect_aged().deleted == 1
