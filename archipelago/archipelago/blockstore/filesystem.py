"""Block store on a local (or shared POSIX) filesystem.

Layout under `path`:
    blocks/ab/cd/abcd...   one file per block, named by its hex hash, fanned out
                           by the first two byte pairs so no directory grows huge
    maps/<quoted name>     one file per map (name percent-quoted, never hidden)

Every write goes to a hidden temporary file in the destination directory,
is fsynced, renamed over the final name and the directory is fsynced: a
reader sees either no file or the whole one, never a torn block or map.
Several processes writing the same block at once is safe: each writes its
own temporary file and the renames all install identical bytes.

Many blocks at once (`put_blocks`, or a `BlockBatch` filled while an upload
streams in) are made durable by group commit: every new block is written to
its temporary file without waiting (writeback is started at once where Linux
offers sync_file_range), and only at commit are the files fsynced (together,
so the filesystem journal commits them in one go), renamed, and each touched
directory fsynced once. The order per block is unchanged (data durable, then
the rename, then the directory), so a crash never leaves a torn block under
its name; a block already stored costs no write and no fsync.

Blocks of 64 KiB and more are written with O_DIRECT where the filesystem allows
it (from a reused, page-aligned buffer per thread): the data goes from that
buffer to the disk without being copied into freshly allocated page-cache pages,
which cost more CPU than hashing it on some virtual machines, and write-once
blocks do not push other data out of the cache (the first read of a block then
comes from the disk; readers can ask for it early with prefetch()).
direct_io=False turns it off.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, unquote

from archipelago.blockstore.base import BlockNotFound, BlockStore, BlockStoreError

_TEMP_PREFIX = ".tmp-"
_SYNC_FILE_RANGE_WRITE = 2  # start writeback of the dirty range, do not wait


def _load_sync_file_range():
    """libc's sync_file_range (Linux), or None: Python's os module does not offer it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_sync_file_range = _load_sync_file_range()
_ALIGN = 4096  # O_DIRECT: buffer address, length and offset in whole logical blocks
_DIRECT_MIN = 64 * 1024
_thread_buffers = threading.local()


def _aligned_buffer(size: int) -> mmap.mmap:
    """This thread's page-aligned buffer of at least `size` bytes (kept for reuse)."""
    buf = getattr(_thread_buffers, "buf", None)
    if buf is None or len(buf) < size:
        if buf is not None:
            buf.close()
        buf = mmap.mmap(-1, max(size, 4 * 1024 * 1024))
        _thread_buffers.buf = buf
    return buf


def _start_writeback(fd: int) -> None:
    """Ask the kernel to start writing the file now (a later fsync then waits less)."""
    if _sync_file_range is not None:
        _sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)  # advisory: errors ignored


class FilesystemBlockStore(BlockStore):
    def __init__(self, path: str, fsync: bool = True, hash_algorithm: str | None = None,
                 io_threads: int = 4, direct_io: bool = True) -> None:
        if hash_algorithm:
            self.hash_algorithm = hash_algorithm
        self.root = os.path.abspath(path)
        self.blocks_dir = os.path.join(self.root, "blocks")
        self.maps_dir = os.path.join(self.root, "maps")
        # fsync=False trades crash safety for speed (tests, scratch stores only).
        self.fsync = fsync
        self.io_threads = max(1, int(io_threads))
        # Turned off for good at the first refusal (a filesystem without O_DIRECT).
        self.direct_io = bool(direct_io) and hasattr(os, "O_DIRECT")
        for d in (self.blocks_dir, self.maps_dir):
            os.makedirs(d, exist_ok=True)

    # -- paths --------------------------------------------------------------
    def _block_path(self, name: str) -> str:
        self.check_block_name(name)
        return os.path.join(self.blocks_dir, name[0:2], name[2:4], name)

    def _map_path(self, name: str) -> str:
        if not isinstance(name, str) or not name or "\x00" in name:
            raise BlockNotFound(f"not a map name: {name!r}")
        quoted = quote(name, safe="")
        if quoted.startswith("."):  # keep ".", ".." and temp names out of reach
            quoted = "%2E" + quoted[1:]
        if len(quoted.encode()) > 255:
            raise BlockStoreError(f"map name too long: {name!r}")
        return os.path.join(self.maps_dir, quoted)

    # -- atomic file replacement -------------------------------------------
    def _fsync_dir(self, path: str) -> None:
        if not self.fsync:
            return
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _ensure_dir(self, path: str, created_in: set[str] | None = None) -> None:
        """Create `path` (and parents below the root) durably; with `created_in`, the
        parents of new directories are collected there for the caller to fsync."""
        if os.path.isdir(path):
            return
        parent = os.path.dirname(path)
        self._ensure_dir(parent, created_in)
        try:
            os.mkdir(path)
        except FileExistsError:
            return
        if created_in is None:
            self._fsync_dir(parent)
        else:
            created_in.add(parent)

    def _write_temp(self, directory: str, data: bytes, *, sync: bool) -> str:
        """Write `data` to a new hidden file in `directory`; its path. With `sync`
        it is fsynced, else only its writeback is started."""
        temp = os.path.join(directory, f"{_TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}")
        try:
            if self.direct_io and len(data) >= _DIRECT_MIN and self._write_direct(temp, data):
                if sync and self.fsync:
                    _fsync_path(temp)  # the data is on the disk; this commits its metadata
                return temp
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                _write_all(fd, data)
                if self.fsync:
                    if sync:
                        os.fsync(fd)
                    else:
                        _start_writeback(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            _unlink_quietly(temp)
            raise BlockStoreError(f"cannot write {temp}: {exc}") from exc
        return temp

    def _write_direct(self, temp: str, data: bytes) -> bool:
        """Write `data` to the new file `temp` with O_DIRECT; False (nothing written)
        if this filesystem refuses O_DIRECT."""
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o644)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            self.direct_io = False
            return False
        try:
            size = len(data)
            padded = -(-size // _ALIGN) * _ALIGN
            buf = _aligned_buffer(padded)
            buf[:size] = data
            buf[size:padded] = bytes(padded - size)
            try:
                with memoryview(buf) as whole:
                    _write_all(fd, whole[:padded])
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                # The device wants a coarser alignment: write this one normally.
                self.direct_io = False
                os.close(fd)
                fd = -1
                os.unlink(temp)
                return False
            if padded != size:
                os.ftruncate(fd, size)
        finally:
            if fd >= 0:
                os.close(fd)
        return True

    def _write_atomically(self, path: str, data: bytes) -> None:
        directory = os.path.dirname(path)
        self._ensure_dir(directory)
        temp = self._write_temp(directory, data, sync=True)
        try:
            os.rename(temp, path)
        except OSError as exc:
            _unlink_quietly(temp)
            raise BlockStoreError(f"cannot write {path}: {exc}") from exc
        self._fsync_dir(directory)

    @staticmethod
    def _read(path: str, what: str) -> bytes:
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise BlockNotFound(what) from None
        except OSError as exc:
            raise BlockStoreError(f"cannot read {path}: {exc}") from exc

    # -- blocks ---------------------------------------------------------------
    def put_block(self, data: bytes) -> str:
        name = self.block_name(data)
        path = self._block_path(name)
        if not os.path.exists(path):
            self._write_atomically(path, bytes(data).rstrip(b"\x00"))
        return name

    def put_blocks(self, blocks: Sequence[bytes]) -> list[str]:
        # hashlib and file I/O release the GIL: threads overlap hashing and writes;
        # one group commit makes them all durable.
        if len(blocks) < 2:
            return [self.put_block(b) for b in blocks]
        with self.batch() as batch:
            if self.io_threads == 1:
                return [batch.add(b) for b in blocks]
            with ThreadPoolExecutor(min(self.io_threads, len(blocks))) as pool:
                return list(pool.map(batch.add, blocks))

    def batch(self) -> BlockBatch:
        """A group of new blocks made durable together: add() them (from any
        thread), then commit() (or leave the `with` block) before anything that
        names them is recorded; until then they are not visible by name."""
        return BlockBatch(self)

    def get_block(self, name: str) -> bytes:
        return self._read(self._block_path(name), name)

    def prefetch(self, names: Iterable[str]) -> None:
        """Ask the kernel to start reading these blocks into the page cache (a hint:
        absent or malformed names are ignored)."""
        for name in names:
            try:
                fd = os.open(self._block_path(name), os.O_RDONLY)
            except (OSError, BlockNotFound):
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass
            finally:
                os.close(fd)

    def get_blocks(self, names: Sequence[str]) -> list[bytes]:
        if len(names) < 2 or self.io_threads == 1:
            return [self.get_block(n) for n in names]
        with ThreadPoolExecutor(min(self.io_threads, len(names))) as pool:
            return list(pool.map(self.get_block, names))

    def has_blocks(self, names: Iterable[str]) -> set[str]:
        present = set()
        for name in names:
            try:
                if os.path.exists(self._block_path(name)):
                    present.add(name)
            except BlockNotFound:
                continue
        return present

    def delete_block(self, name: str) -> None:
        try:
            os.unlink(self._block_path(name))
        except (FileNotFoundError, BlockNotFound):
            pass

    def iter_block_names(self) -> Iterator[str]:
        for top in _sorted_listdir(self.blocks_dir):
            for mid in _sorted_listdir(os.path.join(self.blocks_dir, top)):
                for name in _sorted_listdir(os.path.join(self.blocks_dir, top, mid)):
                    if not name.startswith("."):
                        yield name

    # -- maps -----------------------------------------------------------------
    def put_map(self, name: str, data: bytes) -> None:
        self._write_atomically(self._map_path(name), bytes(data))

    def get_map(self, name: str) -> bytes:
        return self._read(self._map_path(name), f"map {name}")

    def delete_map(self, name: str) -> None:
        try:
            os.unlink(self._map_path(name))
        except (FileNotFoundError, BlockNotFound):
            return
        self._fsync_dir(self.maps_dir)

    def iter_map_names(self) -> Iterator[str]:
        for entry in _sorted_listdir(self.maps_dir):
            if not entry.startswith("."):
                yield unquote(entry)


class BlockBatch:
    """Blocks written now, made durable and visible together by commit()."""

    def __init__(self, store: FilesystemBlockStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._pending: dict[str, str] = {}  # block path -> its temporary file
        self._new_dirs_in: set[str] = set()  # parents of directories this batch created
        self._closed = False

    def add(self, data: bytes) -> str:
        """Hash and write a block (no fsync yet); its name. Stored blocks cost nothing."""
        store = self.store
        name = store.block_name(data)
        path = store._block_path(name)
        with self._lock:
            if self._closed:
                raise BlockStoreError("block batch already committed")
            if path in self._pending:
                return name
        if os.path.exists(path):
            return name
        directory = os.path.dirname(path)
        created_in: set[str] = set()
        store._ensure_dir(directory, created_in)
        temp = store._write_temp(directory, bytes(data).rstrip(b"\x00"), sync=False)
        with self._lock:
            duplicate = self._closed or path in self._pending
            if not duplicate:
                self._pending[path] = temp
                self._new_dirs_in |= created_in
        if duplicate:  # another thread of this batch wrote the same block meanwhile
            _unlink_quietly(temp)
            if self._closed:
                raise BlockStoreError("block batch already committed")
        return name

    def commit(self) -> None:
        """fsync every new block, rename each into place, fsync each touched directory
        once: when this returns, every block added is durable under its name."""
        with self._lock:
            self._closed = True
            pending, self._pending = self._pending, {}
            new_dirs_in, self._new_dirs_in = self._new_dirs_in, set()
        if not pending:
            return
        store = self.store
        try:
            with ThreadPoolExecutor(min(store.io_threads, len(pending))) as pool:
                if store.fsync:
                    # Concurrent fsyncs share journal commits; the data is mostly
                    # written back already (writeback started at add()).
                    list(pool.map(_fsync_path, pending.values()))
                for path, temp in pending.items():
                    os.rename(temp, path)
                directories = {os.path.dirname(p) for p in pending} | new_dirs_in
                if store.fsync:
                    list(pool.map(store._fsync_dir, sorted(directories)))
        except OSError as exc:
            for temp in pending.values():
                _unlink_quietly(temp)
            raise BlockStoreError(f"cannot commit blocks: {exc}") from exc

    def abort(self) -> None:
        """Drop the blocks not committed yet (their temporary files)."""
        with self._lock:
            self._closed = True
            pending, self._pending = self._pending, {}
        for temp in pending.values():
            _unlink_quietly(temp)

    def __enter__(self) -> BlockBatch:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _sorted_listdir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except (FileNotFoundError, NotADirectoryError):
        return []
