"""Content-addressed block storage: blocks named by their Pithos hash, stored once."""

from archipelago.blockstore.base import BlockNotFound, BlockStore, BlockStoreError, open_blockstore

__all__ = ["BlockNotFound", "BlockStore", "BlockStoreError", "open_blockstore"]
