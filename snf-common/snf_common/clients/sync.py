"""Block-level upload and download: send or fetch only the blocks that differ.

Upload to an existing object: hash the local file (in parallel, one block per task,
so memory stays at about `workers` blocks whatever the file size), PUT the hashmap,
upload only the blocks the server says it lacks, PUT again. Upload to a new object:
the server is assumed to lack the blocks, so each block is hashed and sent in one
pass (several blocks per POST, several POSTs at once), then the hashmap is PUT; a
block repeated within the file is sent once. Download: GET the hashmap, hash the
local file, fetch only the differing blocks by Range and write them in place;
a partial file from an interrupted download is thus resumed for free.
The hashing rules come from snf_common.hashing, never from here.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from snf_common import hashing
from snf_common.clients.base import ClientError
from snf_common.clients.hashcache import HashCache, stamp_of
from snf_common.clients.object_store import ObjectStoreClient

log = logging.getLogger(__name__)

# progress(phase, delta_bytes, total_bytes); phases: "hash", "upload", "download"
ProgressCallback = Callable[[str, int, int], None]
DEFAULT_WORKERS = 4
PUT_HASHMAP_ATTEMPTS = 3
# Blocks per POST: fewer round trips; memory in flight is workers x this x block size.
BLOCKS_PER_POST = 4
BLOCKS_PER_GET = 4
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class TransferStats:
    size: int = 0
    blocks_total: int = 0
    blocks_transferred: int = 0
    bytes_transferred: int = 0
    transferred_indexes: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def hash_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _bounded_map(pool: ThreadPoolExecutor, func: Callable[[T], R], items: Iterable[T],
                 window: int) -> Iterator[R]:
    """pool.map in order, but with at most `window` tasks in flight (bounded memory)."""
    pending: list[Future[R]] = []
    for item in items:
        pending.append(pool.submit(func, item))
        if len(pending) >= window:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


def _block_span(index: int, size: int, block_size: int) -> tuple[int, int]:
    start = index * block_size
    return start, min(size, start + block_size) - start


def file_hashmap(path: str, block_size: int = hashing.BLOCK_SIZE_BYTES,
                 algorithm: str = hashing.HASH_ALGORITHM, *, workers: int | None = None,
                 progress: ProgressCallback | None = None) -> tuple[int, list[str]]:
    """(size, hex block names) of a file, hashed on several threads.

    hashlib and os.pread release the GIL on large buffers, so threads use every core.
    """
    size = os.path.getsize(path)
    if size == 0:
        return 0, [hashing.empty_hash(algorithm).hex()]
    count = hashing.block_count(size, block_size)
    workers = workers or hash_workers()
    fd = os.open(path, os.O_RDONLY)
    try:
        def hash_one(index: int) -> str:
            offset, length = _block_span(index, size, block_size)
            digest = hashing.block_hash_hex(os.pread(fd, length, offset), algorithm)
            if progress:
                progress("hash", length, size)
            return digest

        with ThreadPoolExecutor(max_workers=workers) as pool:
            hashes = list(_bounded_map(pool, hash_one, range(count), workers * 2))
    finally:
        os.close(fd)
    return size, hashes


def _local_hashes(fd: int, local_size: int, remote_size: int, block_size: int,
                  algorithm: str, workers: int,
                  progress: ProgressCallback | None) -> list[str | None]:
    """Hash of each local block that the remote object also has (None where absent)."""
    count = hashing.block_count(remote_size, block_size)

    def hash_one(index: int) -> str | None:
        offset, length = _block_span(index, remote_size, block_size)
        if remote_size == 0 or offset + length > local_size:
            return None
        data = os.pread(fd, length, offset)
        if progress:
            progress("hash", length, remote_size)
        return hashing.block_hash_hex(data, algorithm)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(_bounded_map(pool, hash_one, range(count), workers * 2))


def _runs(indexes: list[int], limit: int) -> list[list[int]]:
    """Consecutive indexes grouped into runs of at most `limit`."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1 and len(runs[-1]) < limit:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _batches(items: list[T], size: int) -> list[list[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class _BlockSender:
    """POSTs batches of blocks read from `fd`, checking each against its expected name."""

    def __init__(self, client: ObjectStoreClient, container: str, path: str, fd: int,
                 size: int, block_size: int, algorithm: str, stats: TransferStats,
                 progress: ProgressCallback | None) -> None:
        self.client, self.container, self.path, self.fd = client, container, path, fd
        self.size, self.block_size, self.algorithm = size, block_size, algorithm
        self.stats, self.progress = stats, progress
        self.sent: set[str] = set()      # names already sent (or being sent) in this upload
        self.lock = threading.Lock()

    def read(self, index: int) -> tuple[bytes, str]:
        offset, length = _block_span(index, self.size, self.block_size)
        data = os.pread(self.fd, length, offset)
        return data, hashing.block_hash_hex(data, self.algorithm)

    def claim(self, digest: str) -> bool:
        """True the first time a block name is to be sent in this upload."""
        with self.lock:
            if digest in self.sent:
                return False
            self.sent.add(digest)
            return True

    def post(self, blocks: list[tuple[int, bytes, str]]) -> None:
        if not blocks:
            return
        body = b"".join(data for _index, data, _digest in blocks)
        stored = self.client.upload_blocks(self.container, body)
        del body
        expected = [digest for _index, _data, digest in blocks]
        if stored != expected:
            raise ClientError(f"server stored blocks {stored[:2]}..., expected "
                              f"{expected[:2]}...", status=500)
        with self.lock:
            for index, data, _digest in blocks:
                self.stats.blocks_transferred += 1
                self.stats.bytes_transferred += len(data)
                self.stats.transferred_indexes.append(index)
        if self.progress:
            self.progress("upload", sum(len(data) for _i, data, _d in blocks), self.size)

    def send_known(self, batch: list[tuple[int, str]]) -> int:
        """Send blocks whose names the hashmap gave; the file must still match them."""
        blocks = []
        for index, digest in batch:
            data, actual = self.read(index)
            # The file may change under us; never store a block under the wrong name.
            if actual != digest:
                raise ClientError(f"{self.path} changed during upload (block {index})",
                                  status=409)
            blocks.append((index, data, digest))
        self.post(blocks)
        return len(blocks)

    def hash_and_send(self, indexes: list[int]) -> list[str]:
        """One pass: hash each block, send those not sent yet; their names in order."""
        blocks, names = [], []
        for index in indexes:
            data, digest = self.read(index)
            names.append(digest)
            if self.progress:
                self.progress("hash", len(data), self.size)
            if self.claim(digest):
                blocks.append((index, data, digest))
        self.post(blocks)
        return names


def content_type_of(path: str) -> str:
    """The type guessed from the file name (read only when an upload needs it: the
    first guess loads the system's type tables, a few ms of every command)."""
    import mimetypes

    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def upload_file(client: ObjectStoreClient, container: str, obj: str, path: str, *,
                content_type: str | None = None,
                headers: dict[str, str] | None = None, workers: int = DEFAULT_WORKERS,
                progress: ProgressCallback | None = None,
                skip_unchanged: bool = False,
                hash_cache: HashCache | None = None) -> TransferStats:
    """Create or replace `container/obj` from a local file, sending only missing blocks.

    With skip_unchanged, an object whose Merkle hash and size already match is left
    alone (no new version is made). Without content_type, it is guessed from the name. With a hash_cache, an unchanged file is not hashed
    again.
    """
    size = os.path.getsize(path)
    if size == 0:
        # The empty block may never have been stored: a plain empty PUT always works.
        stats = TransferStats(size=0, blocks_total=1)
        stats.headers = client.put_object(container, obj, b"",
                                          content_type=content_type or content_type_of(path),
                                          headers=headers)
        return stats
    # The hashmap, not a HEAD: it is what we compare with, and for an existing object it
    # also gives the container's block size and hash (no container request needed).
    try:
        remote: dict[str, Any] | None = client.get_hashmap(container, obj)
    except ClientError as exc:
        if exc.status != 404:
            raise
        remote = None
    if remote is not None and remote.get("block_size"):
        block_size = int(remote["block_size"])
        algorithm = remote.get("block_hash") or hashing.HASH_ALGORITHM
    else:
        info = client.get_container_info(container)
        block_size = int(info.get("x-container-block-size") or hashing.BLOCK_SIZE_BYTES)
        algorithm = info.get("x-container-block-hash") or hashing.HASH_ALGORITHM
    stats = TransferStats(size=size, blocks_total=hashing.block_count(size, block_size))
    stamp = stamp_of(path)
    cached = hash_cache.get(path, block_size, algorithm) if hash_cache else None
    fd = os.open(path, os.O_RDONLY)
    try:
        sender = _BlockSender(client, container, path, fd, size, block_size, algorithm,
                              stats, progress)
        if remote is None and cached is None:
            # A new object: its blocks are most likely new too, so read the file once.
            with ThreadPoolExecutor(max_workers=workers) as pool:
                hashes = [name for names in _bounded_map(
                    pool, sender.hash_and_send,
                    _batches(list(range(stats.blocks_total)), BLOCKS_PER_POST), workers)
                    for name in names]
        elif cached is not None:
            hashes = cached
        else:
            _size, hashes = file_hashmap(path, block_size, algorithm, progress=progress)
        if hash_cache and cached is None:
            hash_cache.put(path, block_size, algorithm, hashes, stamp)
        if remote is not None:
            # Same bytes already there: no new version, nothing sent.
            if (skip_unchanged and int(remote.get("bytes", -1)) == size
                    and list(remote.get("hashes") or []) == hashes):
                stats.headers = {"x-object-hash": hashing.merkle_root_hex(hashes, algorithm),
                                 "content-length": str(size)}
                return stats
        content_type = content_type or content_type_of(path)
        first_index: dict[str, int] = {}
        for index, digest in enumerate(hashes):
            first_index.setdefault(digest, index)
        for attempt in range(PUT_HASHMAP_ATTEMPTS):
            missing, reply = client.put_hashmap(container, obj, size, hashes,
                                                content_type=content_type, headers=headers)
            if not missing:
                stats.headers = reply
                stats.transferred_indexes.sort()
                return stats
            unknown = [d for d in missing if d not in first_index]
            if unknown:
                raise ClientError(f"server asks for blocks not in the file: {unknown[:3]}",
                                  status=500)
            log.debug("upload %s/%s: %d of %d blocks missing (attempt %d)", container, obj,
                      len(missing), len(hashes), attempt + 1)
            wanted = [(first_index[d], d) for d in dict.fromkeys(missing)]
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for _count in _bounded_map(pool, sender.send_known,
                                           _batches(wanted, BLOCKS_PER_POST), workers):
                    pass
    finally:
        os.close(fd)
    raise ClientError(f"{container}/{obj}: blocks still missing after "
                      f"{PUT_HASHMAP_ATTEMPTS} attempts", status=409)


def download_file(client: ObjectStoreClient, container: str, obj: str, path: str, *,
                  sync: bool = True, version: str | None = None,
                  workers: int = DEFAULT_WORKERS,
                  progress: ProgressCallback | None = None,
                  hash_cache: HashCache | None = None) -> TransferStats:
    """Make the local `path` equal to the object, fetching only blocks that differ.

    With sync=False every block is fetched (the file is overwritten). With sync=True
    a block already present locally with the right hash is kept, which also resumes
    an interrupted download. With a hash_cache, the finished file's hashes are kept
    (they are the object's) and an unchanged local file is not hashed again.
    """
    hashmap: dict[str, Any] = client.get_hashmap(container, obj, version=version)
    size = int(hashmap["bytes"])
    block_size = int(hashmap["block_size"])
    algorithm = hashmap.get("block_hash") or hashing.HASH_ALGORITHM
    remote = list(hashmap["hashes"])
    stats = TransferStats(size=size, blocks_total=len(remote))

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        cached = hash_cache.get(path, block_size, algorithm) if hash_cache and sync else None
        if cached is not None and os.fstat(fd).st_size == size and len(cached) == len(remote):
            local: list[str | None] = list(cached)
        elif sync:
            local_size = os.fstat(fd).st_size
            local = _local_hashes(fd, local_size, size, block_size, algorithm,
                                  hash_workers(), progress)
        else:
            # Every block is written again and the size set at the end; no truncation to
            # zero first (ext4 would then flush the whole file on close).
            local = [None] * len(remote)
        wanted = [i for i, digest in enumerate(remote)
                  if size > 0 and local[i] != digest]

        buffers = threading.local()

        def fetch(run: list[int]) -> list[int]:
            # One ranged GET for a run of consecutive blocks, read into this thread's
            # reused buffer (no per-chunk copies); each block is checked before writing.
            offset = _block_span(run[0], size, block_size)[0]
            last_start, last_length = _block_span(run[-1], size, block_size)
            length = last_start + last_length - offset
            if getattr(buffers, "data", None) is None or len(buffers.data) < length:
                buffers.data = memoryview(bytearray(max(length, BLOCKS_PER_GET * block_size)))
            data = buffers.data[:length]
            got = client.read_into(container, obj, offset, data, version=version)
            for index in run:
                start, span = _block_span(index, size, block_size)
                block = data[start - offset:start - offset + span]
                if got < start - offset + span or \
                        hashing.block_hash_hex(block, algorithm) != remote[index]:
                    raise ClientError(f"{container}/{obj} changed during download "
                                      f"(block {index}); run again", status=409)
            os.pwrite(fd, data, offset)
            if progress:
                progress("download", length, size)
            return run

        runs = _runs(wanted, BLOCKS_PER_GET)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for run in _bounded_map(pool, fetch, runs, workers):
                for index in run:
                    stats.blocks_transferred += 1
                    stats.bytes_transferred += _block_span(index, size, block_size)[1]
                    stats.transferred_indexes.append(index)
        os.ftruncate(fd, size)
    finally:
        os.close(fd)
    if hash_cache and size > 0:
        hash_cache.put(path, block_size, algorithm, remote, stamp_of(path))
    return stats
