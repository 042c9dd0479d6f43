"""The block store behind Pithos, and reading/writing object content through it.

Writes stream as a pipeline: the request thread only reads the body, one block
at a time; each block is handed to a store thread (SHA-256 naming, write, fsync)
and to the request's MD5 thread (Swift's ETag), so reading the next block, naming
and writing the previous ones and the MD5 all overlap. hashlib and file I/O release
the GIL, so this uses every core. At most PITHOS_UPLOAD_BLOCKS_IN_FLIGHT blocks per
request are held in memory. Nothing here touches the database except the
BlockTouch marks that keep garbage collection away from fresh blocks.

A store that offers group commit (`store.batch()`, the filesystem store) gets
the whole body as one batch: blocks are written without waiting for the disk and
made durable together (one round of fsyncs) before write_blocks returns, i.e.
before any version naming them is committed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from archipelago.blockstore import BlockNotFound, BlockStore, open_blockstore
from pithos.objects.models import BlockTouch
from snf_common import hashing
from snf_common.faults import InternalServerError

DEFAULT_DRIVER = "archipelago.blockstore.filesystem.FilesystemBlockStore"

_lock = threading.Lock()
_store: BlockStore | None = None
_store_config: Any = None
# Shared by all requests of the process; a store call never waits on another task.
_store_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pithos-store")


def blockstore_config() -> dict[str, Any]:
    config = dict(settings.PITHOS_BLOCKSTORE or {})
    if not config:
        config = {"BACKEND": DEFAULT_DRIVER,
                  "OPTIONS": {"path": str(Path(settings.STATE_DIR) / "blocks")}}
    return config


def get_store() -> BlockStore:
    """The configured driver, opened once per process (per configuration)."""
    global _store, _store_config
    config = blockstore_config()
    with _lock:
        if _store is None or _store_config != config:
            _store = open_blockstore(config)
            _store_config = config
            # The empty block names every all-zero block; keep it always readable.
            _store.put_block(b"")
        return _store


def block_size() -> int:
    return settings.PITHOS_BLOCK_SIZE


def empty_block_name() -> str:
    return hashing.empty_hash().hex()


def touch(names: Iterable[str]) -> None:
    """Mark blocks as in use now, so a concurrent blocks-gc spares them."""
    now = time.time()
    rows = [BlockTouch(name=n, touched=now) for n in dict.fromkeys(names)]
    if rows:
        BlockTouch.objects.bulk_create(rows, update_conflicts=True, unique_fields=["name"],
                                       update_fields=["touched"])


def put_block(data: bytes) -> str:
    name = get_store().put_block(data)
    touch([name])
    return name


def missing_blocks(names: Iterable[str]) -> list[str]:
    empty = empty_block_name()
    return [n for n in get_store().missing_blocks(names) if n != empty]


class StreamResult:
    __slots__ = ("size", "hashes", "md5")

    def __init__(self, size: int, hashes: list[str], md5: str) -> None:
        self.size, self.hashes, self.md5 = size, hashes, md5


def write_stream(stream: BinaryIO) -> StreamResult:
    """Store a body read from a file-like stream."""
    return write_blocks(hashing.iter_blocks(stream, block_size()))


def write_blocks(body: Iterable[bytes], *, with_md5: bool = True) -> StreamResult:
    """Store a body given as full blocks (the last may be short); a bounded number of
    blocks is in flight at once. Without with_md5 (raw block uploads: nobody reads an
    ETag) no MD5 is computed and StreamResult.md5 is empty."""
    store = get_store()
    open_batch = getattr(store, "batch", None)
    if open_batch is None:
        return _write_blocks(store.put_block, None, body, with_md5=with_md5)
    batch = open_batch()
    try:
        result = _write_blocks(batch.add, batch, body, with_md5=with_md5)
    except BaseException:
        batch.abort()
        raise
    return result


def _write_blocks(put: Any, batch: Any, body: Iterable[bytes], *, with_md5: bool) -> StreamResult:
    depth = max(1, settings.PITHOS_UPLOAD_BLOCKS_IN_FLIGHT)
    md5 = hashlib.md5(usedforsecurity=False) if with_md5 else None
    # One thread per request: MD5 updates must run in order.
    md5_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pithos-md5")
    digests: deque[Future] = deque()
    stores: deque[Future] = deque()
    size = 0
    hashes: list[str] = []
    names_since_touch: list[str] = []
    last_touch = time.monotonic()

    def settle(keep: int) -> None:
        nonlocal last_touch, names_since_touch
        while len(stores) > keep:
            name = stores.popleft().result()
            hashes.append(name)
            names_since_touch.append(name)
        while len(digests) > keep:
            digests.popleft().result()
        if time.monotonic() - last_touch > 5:
            touch(names_since_touch)
            names_since_touch, last_touch = [], time.monotonic()

    try:
        for block in body:
            size += len(block)
            if md5 is not None:
                digests.append(md5_thread.submit(md5.update, block))
            stores.append(_store_pool.submit(put, block))
            del block  # the futures hold it until stored and digested
            settle(depth - 1)
        settle(0)
    except BaseException:
        for future in stores:
            future.cancel()
        raise
    finally:
        md5_thread.shutdown(wait=True)
        for future in stores:  # a failed request leaves no writer behind
            if not future.cancelled():
                future.exception()
    if batch is not None:
        batch.commit()  # durable before anything names them
    touch(names_since_touch)
    if not hashes:
        hashes = [empty_block_name()]
    return StreamResult(size, hashes, md5.hexdigest() if md5 is not None else "")


def read_block(name: str, length: int) -> bytes:
    """A block's content padded with zeros to `length` (stored blocks lose trailing zeros)."""
    try:
        data = get_store().get_block(name)
    except BlockNotFound:
        raise InternalServerError(f"Block {name} is missing from the block store.") from None
    if len(data) < length:
        data += b"\x00" * (length - len(data))
    return data[:length]


READ_AHEAD_BLOCKS = 2


def read_range(hashes: list[str], size: int, start: int, end: int) -> Iterator[bytes]:
    """Bytes [start, end) of an object made of `hashes` and `size` bytes. A store
    that can (`store.prefetch`, the filesystem store) is asked to start reading the
    next READ_AHEAD_BLOCKS blocks while this one is sent, so a cold read keeps the
    disk busy; the reads themselves stay in this thread (a block read elsewhere
    lands in another thread's malloc arena and was slower to hand on)."""
    bsize = block_size()
    end = min(end, size)
    if start >= end:
        return
    first, last = start // bsize, (end - 1) // bsize
    prefetch = getattr(get_store(), "prefetch", None)
    hinted = first
    for index in range(first, last + 1):
        if prefetch is not None and hinted <= min(last, index + READ_AHEAD_BLOCKS):
            upto = min(last, index + READ_AHEAD_BLOCKS)
            prefetch(hashes[hinted:upto + 1])
            hinted = upto + 1
        block_start = index * bsize
        block_len = min(bsize, size - block_start)
        data = read_block(hashes[index], block_len)
        lo = max(start, block_start) - block_start
        hi = min(end, block_start + block_len) - block_start
        yield data if lo == 0 and hi == block_len else data[lo:hi]


def md5_of(hashes: list[str], size: int) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in read_range(hashes, size, 0, size):
        digest.update(chunk)
    return digest.hexdigest()
