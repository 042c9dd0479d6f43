"""Publishing an image's hashmap into the block store Pithos and Archipelago share.

Pithos keeps object hashmaps in its database, so the cluster side (snf-image's
`pithosmap://` source, the Archipelago ExtStorage provider) cannot see them. When an
image becomes active Cyclades writes two small maps under names derived from the
image id; no block is copied:

- `plankton-<id>`: the raw 32-byte digests, what `pithosmap://plankton-<id>/<size>`
  (the image's `location`, snf-image's img_id) reads;
- `volumes/plankton-<id>` (an Archipelago read-only map): the same blocks as a
  snapshot, so thin clones can start from it, and so Pithos' blocks-gc keeps the
  blocks even after the Pithos file is overwritten or deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from archipelago import mapper
from archipelago.blockstore.base import BlockNotFound, BlockStore, open_blockstore
from archipelago.blockstore.config import parse_blockstore_spec
from snf_common import hashing
from snf_common.faults import Conflict, ServiceUnavailable

MAP_PREFIX = "plankton-"
FILESYSTEM_DRIVER = "archipelago.blockstore.filesystem.FilesystemBlockStore"


def blockstore_config() -> dict[str, Any]:
    """CYCLADES_ARCHIPELAGO_BLOCKSTORE, else Pithos' default store under STATE_DIR/blocks."""
    spec = getattr(settings, "CYCLADES_ARCHIPELAGO_BLOCKSTORE", "") or ""
    if spec:
        return parse_blockstore_spec(spec)
    return {"BACKEND": FILESYSTEM_DRIVER,
            "OPTIONS": {"path": str(Path(settings.STATE_DIR) / "blocks")}}


def open_store() -> BlockStore:
    try:
        return open_blockstore(blockstore_config())
    except Exception as exc:  # driver import or connection failure: an outage, not a bug
        raise ServiceUnavailable(f"The image block store is unavailable: {exc}") from None


def map_name(image_id: str) -> str:
    return f"{MAP_PREFIX}{image_id}"


def image_location(name: str, size: int) -> str:
    """snf-image's img_id (and the ExtStorage origin) of a published map."""
    return f"pithosmap://{name}/{size}"


def publish(image_id: str, hashes: list[str], size: int, *, block_size: int,
            origin: str) -> str:
    """Write both maps of an image; returns the map name. Blocks must already be stored."""
    if block_size and block_size != hashing.BLOCK_SIZE_BYTES:
        raise Conflict(f"The file's block size is {block_size}, the cluster reads "
                       f"{hashing.BLOCK_SIZE_BYTES}-byte blocks.")
    wanted = hashing.block_count(size)
    if len(hashes) < wanted:
        raise Conflict(f"The hashmap has {len(hashes)} blocks; {size} bytes need {wanted}.")
    hashes = hashes[:wanted]
    name = map_name(image_id)
    with open_store() as store:
        zero = hashing.empty_hash(store.hash_algorithm).hex()
        missing = store.missing_blocks(h for h in hashes if h != zero)
        if missing:
            raise Conflict(f"{len(missing)} blocks of the file are not in the cluster's "
                           f"block store (e.g. {missing[0]}): Pithos and Cyclades must "
                           "share one store.")
        store.put_block(b"")
        store.put_map(name, b"".join(bytes.fromhex(h) for h in hashes))
        snapshot = mapper.VolumeMap(name=name, size=size, hashes=[bytes.fromhex(h) for h in hashes],
                                    algorithm=store.hash_algorithm, readonly=True, origin=origin)
        mapper.save(store, snapshot)
    return name


def unpublish(name: str) -> None:
    """Remove both maps (servers already built keep their own copies of the block list)."""
    if not name:
        return
    with open_store() as store:
        store.delete_map(name)
        store.delete_map(mapper.MAP_PREFIX + name)


def read_data(name: str, size: int) -> Iterator[bytes]:
    """The image's bytes, block by block, straight from the store (for downloads)."""
    store = open_store()
    try:
        raw = store.get_map(name)
    except BlockNotFound:
        store.close()
        raise ServiceUnavailable(f"The map {name} is missing from the block store.") from None
    names = [raw[i:i + 32].hex() for i in range(0, len(raw), 32)]

    def chunks() -> Iterator[bytes]:
        remaining = size
        try:
            for block in names:
                if remaining <= 0:
                    return
                want = min(hashing.BLOCK_SIZE_BYTES, remaining)
                yield store.read_block(block, want)
                remaining -= want
        finally:
            store.close()

    return chunks()
