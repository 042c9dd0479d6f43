"""Block store on Ceph RADOS: one object per block, maps in their own namespace.

Blocks live in `pool` under namespace `block_namespace`, each an object named
by its hex hash holding the block with trailing zeros stripped (an all-zero
block is an empty object). Maps are objects named by the map name in
`map_namespace` of the same pool. RADOS replaces a whole object atomically
(`write_full`), so maps are replaced atomically and concurrent writers of
the same block install identical bytes.

One cluster connection per (process, conffile, client, cluster) is shared by
every driver instance; batches use librados' asynchronous calls.
"""

from __future__ import annotations

import errno
import glob
import importlib.util
import os
import sys
import sysconfig
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any

from archipelago.blockstore.base import BlockNotFound, BlockStore, BlockStoreError

# Where distributions put the `rados` binding (Debian/Ubuntu python3-rados).
_SYSTEM_MODULE_DIRS = ("/usr/lib/python3/dist-packages", "/usr/lib64/python3/site-packages")
# A little over the 4 MiB block size, so one read returns a whole block and says it ended.
_READ_CHUNK_BYTES = 4 * 1024 * 1024 + 4096


def load_rados_module() -> ModuleType:
    """Import `rados`, falling back to the distribution's build of it.

    No PyPI package provides the binding; the Debian one is ABI-compatible with
    any CPython of the same version (it links only librados), so a virtualenv
    on another interpreter of that version can load it from its file.
    """
    try:
        import rados  # noqa: PLC0415

        return rados
    except ImportError:
        pass
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    for directory in _SYSTEM_MODULE_DIRS:
        for path in sorted(glob.glob(os.path.join(directory, "rados" + suffix))):
            spec = importlib.util.spec_from_file_location("rados", path)
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            sys.modules["rados"] = module
            try:
                spec.loader.exec_module(module)
            except ImportError:
                del sys.modules["rados"]
                continue
            return module
    raise BlockStoreError("the rados Python binding is not installed (Debian package python3-rados)")


class _ClusterPool:
    """Process-wide shared cluster handles, reference counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handles: dict[tuple, list[Any]] = {}

    def acquire(self, key: tuple, connect: Callable[[], Any]) -> Any:
        with self._lock:
            entry = self._handles.get(key)
            if entry is None:
                entry = self._handles[key] = [connect(), 0]
            entry[1] += 1
            return entry[0]

    def release(self, key: tuple) -> None:
        with self._lock:
            entry = self._handles.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] <= 0:
                del self._handles[key]
                entry[0].shutdown()


_POOL = _ClusterPool()


class RadosBlockStore(BlockStore):
    def __init__(self, pool: str, block_namespace: str = "blocks", map_namespace: str = "maps",
                 conffile: str = "/etc/ceph/ceph.conf", client: str = "client.admin",
                 cluster: str = "ceph", keyring: str | None = None,
                 connect_timeout_seconds: int = 30, op_timeout_seconds: int = 60,
                 max_inflight: int = 8, hash_algorithm: str | None = None) -> None:
        if hash_algorithm:
            self.hash_algorithm = hash_algorithm
        if block_namespace == map_namespace:
            raise BlockStoreError("blocks and maps need different namespaces")
        self.rados = load_rados_module()
        self.pool = pool
        self.max_inflight = max(1, int(max_inflight))
        conf = {"rados_osd_op_timeout": str(op_timeout_seconds),
                "rados_mon_op_timeout": str(op_timeout_seconds)}
        if keyring:
            conf["keyring"] = keyring

        def connect() -> Any:
            handle = self.rados.Rados(conffile=conffile, name=client, clustername=cluster, conf=conf)
            try:
                handle.connect(timeout=connect_timeout_seconds)
            except self.rados.Error as exc:
                handle.shutdown()
                raise BlockStoreError(f"cannot connect to Ceph ({conffile}): {exc}") from exc
            return handle

        self._key = (os.getpid(), os.path.abspath(conffile), client, cluster, keyring,
                     op_timeout_seconds)
        self._cluster = _POOL.acquire(self._key, connect)
        try:
            self._blocks = self._cluster.open_ioctx(pool)
            self._blocks.set_namespace(block_namespace)
            self._maps = self._cluster.open_ioctx(pool)
            self._maps.set_namespace(map_namespace)
        except self.rados.Error as exc:
            _POOL.release(self._key)
            raise BlockStoreError(f"cannot open pool {pool}: {exc}") from exc
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._blocks.close()
        self._maps.close()
        _POOL.release(self._key)

    # -- errors -------------------------------------------------------------
    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self.rados.ObjectNotFound:
            raise BlockNotFound(what) from None
        except self.rados.Error as exc:
            raise BlockStoreError(f"{what}: {exc}") from exc

    def _read_whole(self, ioctx: Any, name: str, what: str) -> bytes:
        chunks = []
        offset = 0
        while True:
            chunk = self._call(what, ioctx.read, name, _READ_CHUNK_BYTES, offset)
            chunks.append(chunk)
            if len(chunk) < _READ_CHUNK_BYTES:
                return b"".join(chunks)
            offset += len(chunk)

    def _in_windows(self, items: Sequence[Any], start: Callable[[int, Any], Any]) -> None:
        """Start one aio call per item, at most max_inflight at a time, and wait."""
        for first in range(0, len(items), self.max_inflight):
            pending = [start(first + i, item)
                       for i, item in enumerate(items[first:first + self.max_inflight])]
            for completion in pending:
                completion.wait_for_complete_and_cb()

    # -- blocks ---------------------------------------------------------------
    def put_block(self, data: bytes) -> str:
        name = self.check_block_name(self.block_name(data))
        if not self.has_blocks([name]):
            self._call(name, self._blocks.write_full, name, bytes(data).rstrip(b"\x00"))
        return name

    def put_blocks(self, blocks: Sequence[bytes]) -> list[str]:
        names = [self.block_name(b) for b in blocks]
        present = self.has_blocks(names)
        todo: dict[str, bytes] = {}
        for name, data in zip(names, blocks, strict=True):
            if name not in present:
                todo.setdefault(name, data)
        errors: list[str] = []
        items = list(todo.items())

        def start(_i: int, item: tuple[str, bytes]) -> Any:
            name, data = item

            def done(completion: Any) -> None:
                if completion.get_return_value() < 0:
                    errors.append(name)

            return self._call(name, self._blocks.aio_write_full, name, bytes(data).rstrip(b"\x00"),
                              oncomplete=done)

        self._in_windows(items, start)
        if errors:
            raise BlockStoreError(f"writing {len(errors)} blocks failed, e.g. {errors[0]}")
        return names

    def get_block(self, name: str) -> bytes:
        self.check_block_name(name)
        return self._read_whole(self._blocks, name, name)

    def get_blocks(self, names: Sequence[str]) -> list[bytes]:
        for name in names:
            self.check_block_name(name)
        results: list[Any] = [None] * len(names)
        codes: list[int] = [0] * len(names)

        def start(i: int, name: str) -> Any:
            def done(completion: Any, data: bytes | None) -> None:
                codes[i] = completion.get_return_value()
                results[i] = data

            return self._call(name, self._blocks.aio_read, name, _READ_CHUNK_BYTES, 0, oncomplete=done)

        self._in_windows(list(names), start)
        for i, name in enumerate(names):
            if codes[i] == -errno.ENOENT:
                raise BlockNotFound(name)
            if codes[i] < 0:
                raise BlockStoreError(f"reading {name} failed: errno {-codes[i]}")
            if len(results[i]) >= _READ_CHUNK_BYTES:  # bigger than a chunk: finish it plainly
                results[i] = self._read_whole(self._blocks, name, name)
        return results

    def has_blocks(self, names: Iterable[str]) -> set[str]:
        wanted = []
        for name in dict.fromkeys(names):
            try:
                wanted.append(self.check_block_name(name))
            except BlockNotFound:
                continue
        codes: list[int] = [0] * len(wanted)

        def start(i: int, name: str) -> Any:
            def done(completion: Any, *_stat: Any) -> None:
                codes[i] = completion.get_return_value()

            return self._call(name, self._blocks.aio_stat, name, oncomplete=done)

        self._in_windows(wanted, start)
        present = set()
        for name, code in zip(wanted, codes, strict=True):
            if code >= 0:
                present.add(name)
            elif code != -errno.ENOENT:
                raise BlockStoreError(f"stat {name} failed: errno {-code}")
        return present

    def delete_block(self, name: str) -> None:
        try:
            self._call(name, self._blocks.remove_object, self.check_block_name(name))
        except BlockNotFound:
            pass

    def iter_block_names(self) -> Iterator[str]:
        try:
            for obj in self._blocks.list_objects():
                yield obj.key
        except self.rados.Error as exc:
            raise BlockStoreError(f"listing blocks: {exc}") from exc

    # -- maps -----------------------------------------------------------------
    def put_map(self, name: str, data: bytes) -> None:
        self._call(f"map {name}", self._maps.write_full, _map_object(name), bytes(data))

    def get_map(self, name: str) -> bytes:
        return self._read_whole(self._maps, _map_object(name), f"map {name}")

    def delete_map(self, name: str) -> None:
        try:
            self._call(f"map {name}", self._maps.remove_object, _map_object(name))
        except BlockNotFound:
            pass

    def iter_map_names(self) -> Iterator[str]:
        try:
            names = sorted(obj.key for obj in self._maps.list_objects())
        except self.rados.Error as exc:
            raise BlockStoreError(f"listing maps: {exc}") from exc
        return iter(names)


def _map_object(name: str) -> str:
    if not isinstance(name, str) or not name or "\x00" in name:
        raise BlockNotFound(f"not a map name: {name!r}")
    return name
