"""What a new volume starts from: the `origin` ExtStorage parameter.

    (empty) or null                  a new sparse volume
    pithosmap://<map>/<size>         a Pithos hashmap stored as map <map> in the block
                                     store (raw 32-byte digests, or JSON), <size> bytes
    <map> with origin_size=<bytes>   the same, as the original Synnefo passed it
    volume:<name> / snapshot:<name>  another volume or a snapshot (a bare name that
                                     is a stored volume works too)

Every non-empty form is a copy-on-write clone: only the list of block names is
copied, never data.
"""

from __future__ import annotations

from dataclasses import dataclass

from archipelago import mapper
from archipelago.blockstore.base import BlockNotFound, BlockStore
from archipelago.hashmaps import parse_hashmap
from archipelago.mapper import VolumeError
from snf_common import hashing


@dataclass(frozen=True)
class Origin:
    kind: str  # "none" | "hashmap" | "volume"
    name: str = ""
    size: int = 0  # bytes, for hashmaps


def parse_origin(text: str | None, size_text: str | None = None) -> Origin:
    text = (text or "").strip()
    if text in ("", "null", "null://"):
        return Origin("none")
    if text.startswith("pithosmap://"):
        name, _, size = text[len("pithosmap://"):].rpartition("/")
        if not name or not size.isdigit():
            raise VolumeError(f"origin {text!r}: expected pithosmap://<map>/<size in bytes>")
        return Origin("hashmap", name, int(size))
    for prefix in ("volume:", "snapshot:"):
        if text.startswith(prefix):
            return Origin("volume", text[len(prefix):])
    if size_text:
        if not size_text.strip().isdigit():
            raise VolumeError(f"origin_size {size_text!r} is not a number of bytes")
        return Origin("hashmap", text, int(size_text))
    return Origin("volume", text)


def read_hashmap(store: BlockStore, origin: Origin) -> list[str]:
    try:
        hashes = parse_hashmap(store.get_map(origin.name))
    except BlockNotFound:
        raise mapper.VolumeNotFound(f"origin map {origin.name}") from None
    # A map may carry the trailing empty-block entry of an exact multiple; keep what the size needs.
    wanted = hashing.block_count(origin.size)
    if len(hashes) < wanted:
        raise VolumeError(f"origin map {origin.name} has {len(hashes)} blocks, "
                          f"{origin.size} bytes need {wanted}")
    return hashes[:wanted]


def create_volume(store: BlockStore, name: str, size: int, origin: Origin) -> mapper.VolumeMap:
    """The volume `name` of `size` bytes, empty or cloned from `origin` (no data copied)."""
    if origin.kind == "none":
        return mapper.create(store, name, size)
    if origin.kind == "hashmap":
        if origin.size > size:
            raise VolumeError(f"the origin is {origin.size} bytes, larger than the volume ({size})")
        hashes = read_hashmap(store, origin)
        label = f"pithosmap://{origin.name}/{origin.size}"
        return mapper.clone_hashmap(store, name, hashes, origin.size, new_size=size, origin=label)
    source = mapper.load(store, origin.name)
    if source.size > size:
        raise VolumeError(f"the origin is {source.size} bytes, larger than the volume ({size})")
    return mapper.clone(store, origin.name, name, new_size=size)


def check_origin(store: BlockStore, origin: Origin) -> None:
    """Raise unless the origin can be cloned (used by `verify`)."""
    if origin.kind == "hashmap":
        read_hashmap(store, origin)
    elif origin.kind == "volume":
        mapper.load(store, origin.name)
