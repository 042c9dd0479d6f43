"""In-memory block store for unit tests and throw-away tools (one process only)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from archipelago.blockstore.base import BlockNotFound, BlockStore


class MemoryBlockStore(BlockStore):
    def __init__(self, hash_algorithm: str | None = None) -> None:
        if hash_algorithm:
            self.hash_algorithm = hash_algorithm
        self._blocks: dict[str, bytes] = {}
        self._maps: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put_block(self, data: bytes) -> str:
        name = self.block_name(data)
        with self._lock:
            self._blocks.setdefault(name, bytes(data).rstrip(b"\x00"))
        return name

    def get_block(self, name: str) -> bytes:
        try:
            return self._blocks[name]
        except KeyError:
            raise BlockNotFound(name) from None

    def has_blocks(self, names: Iterable[str]) -> set[str]:
        return {n for n in names if n in self._blocks}

    def delete_block(self, name: str) -> None:
        with self._lock:
            self._blocks.pop(name, None)

    def iter_block_names(self) -> Iterator[str]:
        return iter(list(self._blocks))

    def put_map(self, name: str, data: bytes) -> None:
        with self._lock:
            self._maps[name] = bytes(data)

    def get_map(self, name: str) -> bytes:
        try:
            return self._maps[name]
        except KeyError:
            raise BlockNotFound(f"map {name}") from None

    def delete_map(self, name: str) -> None:
        with self._lock:
            self._maps.pop(name, None)

    def iter_map_names(self) -> Iterator[str]:
        return iter(sorted(self._maps))
