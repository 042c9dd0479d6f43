"""The MD5 (Swift's ETag) of versions built from hashmaps, computed off the request path.

A PUT by hashmap or a block-built copy commits a version without reading its bytes,
so its MD5 is unknown. Swift clients compare a full GET's body with the ETag, so
it must exist by then; computing it on that first read stalls the reader for
seconds per GiB. After such a commit the process computes it on one background
thread at low CPU priority; a full read that finds it still missing computes it
itself, or waits for the background job of the same content in this process.
Nothing is lost if the process dies first: the row keeps md5 "" and the next full
read fills it in.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import close_old_connections, connection, transaction

from pithos.objects import blocks
from pithos.objects.models import Version

log = logging.getLogger(__name__)

# Niceness of the background thread: requests (and their own MD5s) come first.
BACKGROUND_NICENESS = 10

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_running: dict[tuple[str, int], Future[str]] = {}


def _lower_priority() -> None:
    try:
        # Linux applies PRIO_PROCESS with a thread id to that thread alone.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
    except (AttributeError, OSError):
        pass


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pithos-md5",
                                       initializer=_lower_priority)
        return _pool


def known(object_hash: str, size: int) -> str:
    """The MD5 of identical content (same Merkle root and size) already stored, or ""."""
    return Version.objects.filter(object_hash=object_hash, size=size).exclude(
        md5="").values_list("md5", flat=True).first() or ""


def compute(hashes: list[str], size: int, object_hash: str) -> str:
    """The MD5 of the content (read, or known), stored on every version lacking it."""
    md5 = known(object_hash, size) or blocks.md5_of(hashes, size)
    Version.objects.filter(object_hash=object_hash, size=size, md5="").update(md5=md5)
    return md5


def _background(hashes: list[str], size: int, object_hash: str) -> str:
    key = (object_hash, size)
    try:
        return compute(hashes, size, object_hash)
    except Exception:  # the next full read computes it; a log line is all we owe
        log.exception("background MD5 of %s (%d bytes) failed", object_hash, size)
        return ""
    finally:
        with _lock:
            _running.pop(key, None)
        close_old_connections()
        connection.close()


def schedule(version: Version) -> None:
    """After the current transaction commits, compute the version's MD5 in background."""
    if version.md5 or version.manifest:
        return
    hashes, size, object_hash = version.hash_list(), version.size, version.object_hash

    def submit() -> None:
        key = (object_hash, size)
        pool = _get_pool()
        with _lock:
            if key in _running:
                return
            _running[key] = pool.submit(_background, hashes, size, object_hash)

    transaction.on_commit(submit)


def ensure(version: Version) -> str:
    """The version's MD5, computed now if nobody has yet (waits for a running job)."""
    if version.md5 or version.manifest:
        return version.md5
    with _lock:
        running = _running.get((version.object_hash, version.size))
    if running is not None:
        md5 = running.result()
        if md5:
            version.md5 = md5
            return md5
    version.md5 = compute(version.hash_list(), version.size, version.object_hash)
    return version.md5


def wait_idle(timeout: float | None = None) -> None:
    """Block until no background MD5 of this process is running (tests, shutdown)."""
    with _lock:
        futures = list(_running.values())
    for future in futures:
        future.result(timeout)
