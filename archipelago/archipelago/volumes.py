"""Byte-level I/O on a volume map, and raw image import/export.

`open_volume` gives a handle that reads and writes at byte offsets. A write
builds each touched block's new content (reading the old block only when the
write covers part of it), stores it under its new hash and points this
volume's map at it: copy-on-write by construction, the blocks of the clone's
origin are never modified. Changes reach the store's map on flush() or when
the handle is closed. One writer per volume at a time (no cross-host lock yet).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from archipelago import mapper
from archipelago.blockstore.base import BlockStore
from archipelago.mapper import VolumeError, VolumeMap, VolumeReadOnly
from snf_common import hashing

# Blocks fetched or stored per batch: enough to overlap I/O, bounded memory (8 x 4 MiB).
BATCH_BLOCKS = 8


class Volume:
    def __init__(self, store: BlockStore, volume_map: VolumeMap) -> None:
        self.store = store
        self.map = volume_map
        self.dirty = False

    @property
    def size(self) -> int:
        return self.map.size

    def _block_length(self, index: int) -> int:
        return min(self.map.block_size, self.map.size - index * self.map.block_size)

    def _fetch(self, indexes: list[int]) -> dict[int, bytes]:
        """Blocks padded to block size; the empty block never touches the store."""
        zero = self.map.zero_hash
        wanted = [i for i in indexes if self.map.hashes[i] != zero]
        out = {i: bytes(self.map.block_size) for i in indexes if i not in wanted}
        for first in range(0, len(wanted), BATCH_BLOCKS):
            chunk = wanted[first:first + BATCH_BLOCKS]
            blocks = self.store.get_blocks([self.map.hashes[i].hex() for i in chunk])
            for i, data in zip(chunk, blocks, strict=True):
                out[i] = data + bytes(self.map.block_size - len(data))
        return out

    def read(self, offset: int, length: int) -> bytes:
        """`length` bytes from `offset`, cut at the end of the volume."""
        if offset < 0 or length < 0:
            raise VolumeError("negative offset or length")
        end = min(offset + length, self.map.size)
        if offset >= end:
            return b""
        bs = self.map.block_size
        indexes = list(range(offset // bs, (end - 1) // bs + 1))
        blocks = self._fetch(indexes)
        data = b"".join(blocks[i] for i in indexes)
        start = offset - indexes[0] * bs
        return data[start:start + (end - offset)]

    def write(self, offset: int, data: bytes) -> None:
        """Write `data` at `offset` (within the volume's size) by copy-on-write."""
        if self.map.readonly:
            raise VolumeReadOnly(self.map.name)
        if offset < 0 or offset + len(data) > self.map.size:
            raise VolumeError(f"write of {len(data)} bytes at {offset} passes the end "
                              f"of {self.map.name} ({self.map.size} bytes)")
        if not data:
            return
        bs = self.map.block_size
        view = memoryview(data)
        first, last = offset // bs, (offset + len(data) - 1) // bs
        for batch_start in range(first, last + 1, BATCH_BLOCKS):
            indexes = list(range(batch_start, min(last, batch_start + BATCH_BLOCKS - 1) + 1))
            partial = [i for i in indexes
                       if max(offset, i * bs) > i * bs
                       or min(offset + len(data), (i + 1) * bs) < i * bs + self._block_length(i)]
            old = self._fetch(partial)
            new_blocks = []
            for i in indexes:
                lo = max(offset, i * bs)
                hi = min(offset + len(data), (i + 1) * bs)
                piece = view[lo - offset:hi - offset]
                if i in old:
                    block = bytearray(old[i])
                    block[lo - i * bs:hi - i * bs] = piece
                    new_blocks.append(bytes(block))
                else:
                    new_blocks.append(bytes(piece))
            names = self.store.put_blocks(new_blocks)
            for i, name in zip(indexes, names, strict=True):
                self.map.hashes[i] = bytes.fromhex(name)
        self.dirty = True

    def flush(self) -> None:
        if self.dirty:
            mapper.save(self.store, self.map)
            self.dirty = False

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> Volume:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_volume(store: BlockStore, name: str) -> Volume:
    return Volume(store, mapper.load(store, name))


def iter_contents(store: BlockStore, volume: VolumeMap) -> Iterator[tuple[int, bytes | None]]:
    """(offset, data) per block in order; data is None for a block of zeros."""
    reader = Volume(store, volume)
    zero = volume.zero_hash
    count = len(volume.hashes) if volume.size else 0
    for first in range(0, count, BATCH_BLOCKS):
        indexes = list(range(first, min(count, first + BATCH_BLOCKS)))
        blocks = reader._fetch(indexes)
        for i in indexes:
            data = None if volume.hashes[i] == zero else blocks[i][:reader._block_length(i)]
            yield i * volume.block_size, data


def export_volume(store: BlockStore, name: str, out: BinaryIO) -> int:
    """Write the volume's bytes to `out`; zero blocks become holes when `out` can seek.

    Holes are left unwritten: a seekable target must be empty (or zeroed) to start with.
    """
    volume = mapper.load(store, name)
    try:
        seekable = out.seekable()
        start = out.tell() if seekable else 0
    except (AttributeError, OSError):
        seekable, start = False, 0
    written_end = 0
    for offset, data in iter_contents(store, volume):
        if data is None:
            if not seekable:
                out.write(bytes(min(volume.block_size, volume.size - offset)))
            continue
        if seekable:
            out.seek(start + offset)
        out.write(data)
        written_end = offset + len(data)
    if seekable and written_end < volume.size:
        # A trailing hole: one zero byte at the end makes the length right on any stream.
        out.seek(start + volume.size - 1)
        out.write(b"\0")
    out.flush()
    return volume.size


def import_volume(store: BlockStore, name: str, stream: BinaryIO,
                  block_size: int = hashing.BLOCK_SIZE_BYTES) -> VolumeMap:
    """A new volume holding `stream`'s bytes; blocks already stored are not written again."""
    if mapper.exists(store, name):
        raise mapper.VolumeExists(name)
    size = 0
    hashes: list[str] = []
    batch: list[bytes] = []
    for block in hashing.iter_blocks(stream, block_size):
        size += len(block)
        batch.append(block)
        if len(batch) == BATCH_BLOCKS:
            hashes += store.put_blocks(batch)
            batch = []
    if batch:
        hashes += store.put_blocks(batch)
    if not hashes:
        hashes = [store.put_block(b"")]
    return mapper.clone_hashmap(store, name, hashes, size, block_size, origin=None)
