"""Pithos hashing, the single implementation shared by server, clients and block layer.

- A block's name is H(block with its trailing zero bytes removed); an all-zero
  block (or an empty one) therefore hashes like the empty string.
- A file's hashmap is the list of its block names; an empty file has [H('')].
- The object hash (X-Object-Hash) is the Merkle root over the block names: one
  block -> its name; otherwise pad with all-zero digests to the next power of two
  (at least 2) and hash concatenated pairs level by level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO

BLOCK_SIZE_BYTES = 4 * 1024 * 1024
HASH_ALGORITHM = "sha256"


def block_hash(block: bytes | bytearray | memoryview, algorithm: str = HASH_ALGORITHM) -> bytes:
    """Raw digest naming a block (trailing NULs stripped first)."""
    if len(block) and block[-1] == 0:
        block = bytes(block).rstrip(b"\x00")
    return hashlib.new(algorithm, block).digest()


def block_hash_hex(block: bytes | bytearray | memoryview, algorithm: str = HASH_ALGORITHM) -> str:
    return block_hash(block, algorithm).hex()


def empty_hash(algorithm: str = HASH_ALGORITHM) -> bytes:
    return hashlib.new(algorithm, b"").digest()


def merkle_root(hashes: Iterable[bytes], algorithm: str = HASH_ALGORITHM) -> bytes:
    """Merkle root over raw block digests."""
    level = list(hashes)
    if not level:
        return empty_hash(algorithm)
    if len(level) == 1:
        return level[0]
    width = 2
    while width < len(level):
        width *= 2
    digest_size = hashlib.new(algorithm).digest_size
    level += [b"\x00" * digest_size] * (width - len(level))
    while len(level) > 1:
        level = [hashlib.new(algorithm, level[i] + level[i + 1]).digest()
                 for i in range(0, len(level), 2)]
    return level[0]


def merkle_root_hex(hex_hashes: Iterable[str], algorithm: str = HASH_ALGORITHM) -> str:
    return merkle_root((bytes.fromhex(h) for h in hex_hashes), algorithm).hex()


def iter_blocks(stream: BinaryIO, block_size: int = BLOCK_SIZE_BYTES) -> Iterator[bytes]:
    """Read a stream in full blocks (the last one may be short)."""
    while True:
        chunks = []
        wanted = block_size
        while wanted:
            chunk = stream.read(wanted)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        if not chunks:
            return
        yield b"".join(chunks)
        if wanted:
            return


def hashmap_of_stream(stream: BinaryIO, block_size: int = BLOCK_SIZE_BYTES,
                      algorithm: str = HASH_ALGORITHM) -> tuple[int, list[str]]:
    """(size, hex block names) of a stream; an empty stream gives [H('')]."""
    size = 0
    hashes = []
    for block in iter_blocks(stream, block_size):
        size += len(block)
        hashes.append(block_hash_hex(block, algorithm))
    if not hashes:
        hashes = [empty_hash(algorithm).hex()]
    return size, hashes


def block_count(size: int, block_size: int = BLOCK_SIZE_BYTES) -> int:
    """How many names a hashmap of `size` bytes holds (an empty object holds one)."""
    return max(1, -(-size // block_size))
