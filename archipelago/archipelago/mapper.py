"""Volume maps: a volume is a named list of block names in the block store.

A map holds the volume's size, its block size, the hash algorithm and one raw
digest per block. A range that was never written (or was written with zeros)
points at the empty block H(''), which readers turn into zeros without
touching the store, so a new volume is sparse. Because blocks are immutable
and named by content, copy-on-write needs no bookkeeping: a write stores the
new block under its own name and changes only the writer's map. A clone is a
new map with the source's entries (an image's hashmap, another volume, a
snapshot); a snapshot is a read-only copy of the map. Neither copies data.

Serialised form (one store map, named "volumes/<name>"):
    b"ARCHMAP1\\n" + one JSON header line + count * digest_size raw digests
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from archipelago.blockstore.base import BlockNotFound, BlockStore
from snf_common import hashing

MAP_MAGIC = b"ARCHMAP1\n"
MAP_PREFIX = "volumes/"


class VolumeError(Exception):
    """A volume operation that cannot be done as asked."""


class VolumeNotFound(VolumeError):
    pass


class VolumeExists(VolumeError):
    pass


class VolumeReadOnly(VolumeError):
    pass


@dataclass
class VolumeMap:
    name: str
    size: int
    block_size: int = hashing.BLOCK_SIZE_BYTES
    hashes: list[bytes] = field(default_factory=list)  # raw digests, one per block
    algorithm: str = hashing.HASH_ALGORITHM
    readonly: bool = False
    origin: str | None = None
    created: float = field(default_factory=time.time)

    @property
    def zero_hash(self) -> bytes:
        return hashing.empty_hash(self.algorithm)

    def hex_hashes(self) -> list[str]:
        return [h.hex() for h in self.hashes]

    def allocated_blocks(self) -> int:
        """Entries that point at data (not at the empty block)."""
        zero = self.zero_hash
        return sum(1 for h in self.hashes if h != zero)

    def to_bytes(self) -> bytes:
        header = {"name": self.name, "size": self.size, "block_size": self.block_size,
                  "algorithm": self.algorithm, "readonly": self.readonly,
                  "origin": self.origin, "created": self.created, "count": len(self.hashes)}
        return MAP_MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> VolumeMap:
        if not data.startswith(MAP_MAGIC):
            raise VolumeError("not a volume map")
        end = data.index(b"\n", len(MAP_MAGIC))
        header = json.loads(data[len(MAP_MAGIC):end])
        body = data[end + 1:]
        width = hashlib.new(header["algorithm"]).digest_size
        if len(body) != header["count"] * width:
            raise VolumeError(f"volume map {header['name']} is truncated")
        hashes = [body[i:i + width] for i in range(0, len(body), width)]
        return cls(name=header["name"], size=header["size"], block_size=header["block_size"],
                   hashes=hashes, algorithm=header["algorithm"], readonly=header["readonly"],
                   origin=header.get("origin"), created=header.get("created", 0.0))


def _key(name: str) -> str:
    if not name or "\x00" in name:
        raise VolumeError(f"bad volume name {name!r}")
    return MAP_PREFIX + name


def load(store: BlockStore, name: str) -> VolumeMap:
    try:
        return VolumeMap.from_bytes(store.get_map(_key(name)))
    except BlockNotFound:
        raise VolumeNotFound(name) from None


def save(store: BlockStore, volume: VolumeMap) -> None:
    store.put_map(_key(volume.name), volume.to_bytes())


def exists(store: BlockStore, name: str) -> bool:
    try:
        store.get_map(_key(name))
    except BlockNotFound:
        return False
    return True


def list_names(store: BlockStore) -> Iterator[str]:
    for key in store.iter_map_names():
        if key.startswith(MAP_PREFIX):
            yield key[len(MAP_PREFIX):]


def _check_new(store: BlockStore, name: str, size: int, block_size: int) -> None:
    if size < 0 or block_size <= 0:
        raise VolumeError("size must be >= 0 and block size > 0")
    if exists(store, name):
        raise VolumeExists(name)


def create(store: BlockStore, name: str, size: int,
           block_size: int = hashing.BLOCK_SIZE_BYTES) -> VolumeMap:
    """A new sparse volume: every entry is the empty block, no data is written."""
    _check_new(store, name, size, block_size)
    zero = store.put_block(b"")  # the empty block exists, so the map is a valid Pithos hashmap
    volume = VolumeMap(name=name, size=size, block_size=block_size,
                       hashes=[bytes.fromhex(zero)] * hashing.block_count(size, block_size),
                       algorithm=store.hash_algorithm)
    save(store, volume)
    return volume


def clone_hashmap(store: BlockStore, name: str, hashes: Sequence[str], size: int,
                  block_size: int = hashing.BLOCK_SIZE_BYTES, new_size: int | None = None,
                  origin: str | None = None) -> VolumeMap:
    """A volume whose blocks are an existing hashmap's (e.g. a Pithos image's).

    No data is copied; every named block must already be in the store.
    """
    _check_new(store, name, size, block_size)
    if len(hashes) != hashing.block_count(size, block_size):
        raise VolumeError(f"{len(hashes)} hashes do not describe {size} bytes "
                          f"in blocks of {block_size}")
    zero = hashing.empty_hash(store.hash_algorithm).hex()
    missing = store.missing_blocks(h for h in hashes if h != zero)
    if missing:
        raise VolumeError(f"{len(missing)} blocks of the origin are not stored, e.g. {missing[0]}")
    store.put_block(b"")
    volume = VolumeMap(name=name, size=size, block_size=block_size,
                       hashes=[bytes.fromhex(h) for h in hashes],
                       algorithm=store.hash_algorithm, origin=origin)
    if new_size is not None and new_size != size:
        _grow(volume, new_size)
    save(store, volume)
    return volume


def clone(store: BlockStore, source: str, name: str, new_size: int | None = None) -> VolumeMap:
    """A writable volume starting as a copy of another volume or snapshot."""
    origin = load(store, source)
    _check_new(store, name, origin.size, origin.block_size)
    volume = VolumeMap(name=name, size=origin.size, block_size=origin.block_size,
                       hashes=list(origin.hashes), algorithm=origin.algorithm, origin=source)
    if new_size is not None and new_size != origin.size:
        _grow(volume, new_size)
    save(store, volume)
    return volume


def snapshot(store: BlockStore, source: str, name: str) -> VolumeMap:
    """A frozen copy of `source`'s map as stored now (flush open volumes first)."""
    origin = load(store, source)
    _check_new(store, name, origin.size, origin.block_size)
    frozen = VolumeMap(name=name, size=origin.size, block_size=origin.block_size,
                       hashes=list(origin.hashes), algorithm=origin.algorithm,
                       readonly=True, origin=source)
    save(store, frozen)
    return frozen


def _grow(volume: VolumeMap, new_size: int) -> None:
    if new_size < volume.size:
        raise VolumeError(f"cannot shrink {volume.name} from {volume.size} to {new_size} bytes")
    # Bytes past the old size in its last block are zeros already (writes stop at the size).
    extra = hashing.block_count(new_size, volume.block_size) - len(volume.hashes)
    volume.hashes.extend([volume.zero_hash] * extra)
    volume.size = new_size


def resize(store: BlockStore, name: str, new_size: int) -> VolumeMap:
    """Grow a volume (the new range reads as zeros)."""
    volume = load(store, name)
    if volume.readonly:
        raise VolumeReadOnly(name)
    _grow(volume, new_size)
    save(store, volume)
    return volume


def remove(store: BlockStore, name: str) -> None:
    """Forget a volume's map; its blocks stay for others (garbage collection is separate)."""
    if not exists(store, name):
        raise VolumeNotFound(name)
    store.delete_map(_key(name))


def hashmap(store: BlockStore, name: str) -> dict:
    """The volume as a Pithos hashmap ({"bytes", "block_size", "block_hash", "hashes"})."""
    volume = load(store, name)
    return {"bytes": volume.size, "block_size": volume.block_size,
            "block_hash": volume.algorithm, "hashes": volume.hex_hashes()}


def referenced_block_names(store: BlockStore) -> set[str]:
    """Every block some volume or snapshot points at: a shared store's garbage
    collector (e.g. Pithos' blocks-gc) must keep these even if no object names them."""
    names: set[str] = set()
    for name in list(list_names(store)):
        try:
            names.update(load(store, name).hex_hashes())
        except VolumeNotFound:
            continue  # removed while we listed
    return names
