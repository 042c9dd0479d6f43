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
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, unquote

from archipelago.blockstore.base import BlockNotFound, BlockStore, BlockStoreError

_TEMP_PREFIX = ".tmp-"


class FilesystemBlockStore(BlockStore):
    def __init__(self, path: str, fsync: bool = True, hash_algorithm: str | None = None,
                 io_threads: int = 4) -> None:
        if hash_algorithm:
            self.hash_algorithm = hash_algorithm
        self.root = os.path.abspath(path)
        self.blocks_dir = os.path.join(self.root, "blocks")
        self.maps_dir = os.path.join(self.root, "maps")
        # fsync=False trades crash safety for speed (tests, scratch stores only).
        self.fsync = fsync
        self.io_threads = max(1, int(io_threads))
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

    def _ensure_dir(self, path: str) -> None:
        """Create `path` (and parents below the root) durably."""
        if os.path.isdir(path):
            return
        parent = os.path.dirname(path)
        self._ensure_dir(parent)
        try:
            os.mkdir(path)
        except FileExistsError:
            return
        self._fsync_dir(parent)

    def _write_atomically(self, path: str, data: bytes) -> None:
        directory = os.path.dirname(path)
        self._ensure_dir(directory)
        temp = os.path.join(directory, f"{_TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(temp, path)
        except OSError as exc:
            try:
                os.unlink(temp)
            except OSError:
                pass
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
        # hashlib and file I/O release the GIL: threads overlap hashing, writes and fsyncs.
        if len(blocks) < 2 or self.io_threads == 1:
            return [self.put_block(b) for b in blocks]
        with ThreadPoolExecutor(min(self.io_threads, len(blocks))) as pool:
            return list(pool.map(self.put_block, blocks))

    def get_block(self, name: str) -> bytes:
        return self._read(self._block_path(name), name)

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


def _sorted_listdir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except (FileNotFoundError, NotADirectoryError):
        return []
