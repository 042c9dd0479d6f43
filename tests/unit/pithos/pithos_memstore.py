"""A tiny in-test block store (until archipelago's memory driver is available)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archipelago.blockstore.base import BlockNotFound, BlockStore
from snf_common.hashing import block_hash_hex

STORES: dict[str, dict] = {}
PUTS: list[str] = []  # every put_block name, in order (tests count block uploads)


class TestBlockStore(BlockStore):
    def __init__(self, name: str = "default") -> None:
        self.state = STORES.setdefault(name, {"blocks": {}, "maps": {}})

    def put_block(self, data: bytes) -> str:
        name = block_hash_hex(data)
        PUTS.append(name)
        self.state["blocks"].setdefault(name, data.rstrip(b"\x00"))
        return name

    def get_block(self, name: str) -> bytes:
        try:
            return self.state["blocks"][name]
        except KeyError:
            raise BlockNotFound(name) from None

    def has_blocks(self, names: Iterable[str]) -> set[str]:
        return {n for n in names if n in self.state["blocks"]}

    def delete_block(self, name: str) -> None:
        self.state["blocks"].pop(name, None)

    def iter_block_names(self) -> Iterator[str]:
        return iter(list(self.state["blocks"]))

    def put_map(self, name: str, data: bytes) -> None:
        self.state["maps"][name] = data

    def get_map(self, name: str) -> bytes:
        try:
            return self.state["maps"][name]
        except KeyError:
            raise BlockNotFound(name) from None

    def delete_map(self, name: str) -> None:
        self.state["maps"].pop(name, None)
