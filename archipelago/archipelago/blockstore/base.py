"""The block store contract every driver (filesystem, RADOS, memory) fulfils.

Blocks are immutable and named by `snf_common.hashing.block_hash` of their
content (trailing zero bytes stripped, so a stored block never keeps them:
readers pad with zeros up to the size they need). Maps are small named
documents (a volume's or an object's list of block names) kept beside them.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any


class BlockStoreError(Exception):
    """The storage backend failed (I/O error, cluster unreachable)."""


class BlockNotFound(BlockStoreError):
    """No block (or map) by that name."""


class BlockStore(ABC):
    """Drivers implement the abstract methods; names are lowercase hex digests."""

    hash_algorithm: str = "sha256"

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

    def missing_blocks(self, names: Iterable[str]) -> list[str]:
        """Names not stored, in the order given, without duplicates."""
        ordered = list(dict.fromkeys(names))
        present = self.has_blocks(ordered)
        return [n for n in ordered if n not in present]

    def close(self) -> None:
        """Release connections; the default driver holds none."""


def open_blockstore(config: dict[str, Any]) -> BlockStore:
    """Build a driver from {"BACKEND": "dotted.Class", "OPTIONS": {...}}."""
    path = config["BACKEND"]
    module_name, _, class_name = path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(**config.get("OPTIONS", {}))
