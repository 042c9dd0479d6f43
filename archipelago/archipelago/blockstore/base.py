"""The block store contract every driver (filesystem, RADOS, memory) fulfils.

Blocks are immutable and named by `snf_common.hashing.block_hash` of their
content (trailing zero bytes stripped, so a stored block never keeps them:
readers pad with zeros up to the size they need). Maps are small named
documents (a volume's or an object's list of block names) kept beside them.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from snf_common import hashing

_HEX = re.compile(r"[0-9a-f]+")


class BlockStoreError(Exception):
    """The storage backend failed (I/O error, cluster unreachable)."""


class BlockNotFound(BlockStoreError):
    """No block (or map) by that name."""


class BlockStore(ABC):
    """Drivers implement the abstract methods; names are lowercase hex digests."""

    hash_algorithm: str = hashing.HASH_ALGORITHM

    @abstractmethod
    def put_block(self, data: bytes) -> str:
        """Store a block (once: storing it again is a cheap no-op); return its hex name."""

    @abstractmethod
    def get_block(self, name: str) -> bytes:
        """The block's stored bytes (trailing zeros stripped); BlockNotFound if absent."""

    @abstractmethod
    def has_blocks(self, names: Iterable[str]) -> set[str]:
        """The subset of `names` that is stored."""

    @abstractmethod
    def delete_block(self, name: str) -> None:
        """Remove a block (garbage collection only); absent is not an error."""

    @abstractmethod
    def iter_block_names(self) -> Iterator[str]:
        """Every stored block name (for garbage collection and audits)."""

    @abstractmethod
    def put_map(self, name: str, data: bytes) -> None:
        """Store or replace a named map atomically."""

    @abstractmethod
    def get_map(self, name: str) -> bytes:
        """A named map; BlockNotFound if absent."""

    @abstractmethod
    def delete_map(self, name: str) -> None:
        """Remove a named map; absent is not an error."""

    def put_blocks(self, blocks: Sequence[bytes]) -> list[str]:
        """Store several blocks (drivers overlap the I/O); their names, in order."""
        return [self.put_block(block) for block in blocks]

    def get_blocks(self, names: Sequence[str]) -> list[bytes]:
        """Several blocks' stored bytes, in order; BlockNotFound if any is absent."""
        return [self.get_block(name) for name in names]

    def read_block(self, name: str, size: int) -> bytes:
        """The block padded with zeros (or cut) to `size` bytes, as readers need it."""
        data = self.get_block(name)
        if len(data) >= size:
            return data[:size]
        return data + bytes(size - len(data))

    def iter_map_names(self) -> Iterator[str]:
        """Every stored map name (drivers that list maps override this)."""
        raise NotImplementedError(f"{type(self).__name__} cannot list maps")

    def block_name(self, data: bytes) -> str:
        """The name `data` is stored under (the Pithos block hash)."""
        return hashing.block_hash_hex(data, self.hash_algorithm)

    def check_block_name(self, name: str) -> str:
        """`name` if it is a well-formed block name, else BlockNotFound (never a path)."""
        if not isinstance(name, str) or not _HEX.fullmatch(name) or len(name) != self._name_length():
            raise BlockNotFound(f"not a block name: {name!r}")
        return name

    def _name_length(self) -> int:
        return 2 * hashlib.new(self.hash_algorithm).digest_size

    def missing_blocks(self, names: Iterable[str]) -> list[str]:
        """Names not stored, in the order given, without duplicates."""
        ordered = list(dict.fromkeys(names))
        present = self.has_blocks(ordered)
        return [n for n in ordered if n not in present]

    def close(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Release connections; the default driver holds none."""

    def __enter__(self) -> BlockStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_blockstore(config: dict[str, Any]) -> BlockStore:
    """Build a driver from {"BACKEND": "dotted.Class", "OPTIONS": {...}}."""
    path = config["BACKEND"]
    module_name, _, class_name = path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(**config.get("OPTIONS", {}))
