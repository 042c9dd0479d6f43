"""A small NBD server (and client) over Archipelago volumes.

The server speaks the fixed newstyle handshake (NBD_OPT_EXPORT_NAME, NBD_OPT_GO,
NBD_OPT_INFO, NBD_OPT_LIST, NBD_OPT_ABORT; anything else gets NBD_REP_ERR_UNSUP)
and the simple-reply transmission phase (READ, WRITE with FUA, FLUSH, TRIM,
WRITE_ZEROES, DISC), so qemu-img/qemu-io/qemu-nbd clients, QEMU's `-drive
file=nbd:...` and the kernel's nbd-client can use a volume.

Writes go into a small write-back cache of whole blocks (`DirtyBlocks`): a
block is stored (under its content hash, copy-on-write through
`archipelago.volumes`) only on FLUSH, FUA, eviction or disconnect. Without it,
a client writing a 4 MiB block as many small requests would store one
intermediate block per request, all garbage a moment later. Like a disk's
volatile write cache, data a client never flushed is lost if the server dies.

The client (`NbdClient`) is the few calls snf-image and the tests need.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Sequence

from archipelago import mapper
from archipelago.blockstore import BlockStore, BlockStoreError, open_blockstore
from archipelago.blockstore.config import parse_blockstore_spec
from archipelago.mapper import VolumeError
from archipelago.volumes import Volume, open_volume

log = logging.getLogger(__name__)

NBDMAGIC = 0x4E42444D41474943
IHAVEOPT = 0x49484156454F5054
REPLY_MAGIC = 0x3E889045565A9
REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY_MAGIC = 0x67446698

FLAG_FIXED_NEWSTYLE = 1 << 0
FLAG_NO_ZEROES = 1 << 1

OPT_EXPORT_NAME, OPT_ABORT, OPT_LIST, OPT_INFO, OPT_GO = 1, 2, 3, 6, 7
REP_ACK, REP_SERVER, REP_INFO = 1, 2, 3
REP_ERR_UNSUP, REP_ERR_POLICY, REP_ERR_INVALID, REP_ERR_UNKNOWN = (
    (1 << 31) + 1, (1 << 31) + 2, (1 << 31) + 3, (1 << 31) + 6)
INFO_EXPORT, INFO_BLOCK_SIZE = 0, 3

TF_HAS_FLAGS, TF_READ_ONLY, TF_SEND_FLUSH, TF_SEND_FUA = 1, 2, 4, 8
TF_SEND_TRIM, TF_SEND_WRITE_ZEROES = 32, 64
CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES = 0, 1, 2, 3, 4, 6
CMD_FLAG_FUA = 1

EPERM, EIO, EINVAL, ENOSPC, ENOTSUP = 1, 5, 22, 28, 95

# Largest request we accept; QEMU asks at most 32 MiB and honours NBD_INFO_BLOCK_SIZE.
MAX_REQUEST = 32 * 1024 * 1024
# Dirty blocks kept before the oldest are stored (16 x 4 MiB = 64 MiB of memory).
DEFAULT_MAX_DIRTY = 16


class NbdError(Exception):
    """The peer broke the protocol or refused a request."""


def _recv_exact(sock: socket.socket, length: int) -> bytes:
    buf = bytearray()
    while len(buf) < length:
        chunk = sock.recv(min(length - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionError("peer closed the connection")
        buf += chunk
    return bytes(buf)


# -- the volume behind an export -------------------------------------------
class DirtyBlocks:
    """A volume seen through a bounded write-back cache of whole blocks.

    Blocks are kept at their real length (the last one may be short). All
    methods are called under the export's lock.
    """

    def __init__(self, volume: Volume, max_dirty: int = DEFAULT_MAX_DIRTY) -> None:
        self.volume = volume
        self.max_dirty = max(1, max_dirty)
        self.dirty: collections.OrderedDict[int, bytearray] = collections.OrderedDict()

    @property
    def size(self) -> int:
        return self.volume.size

    @property
    def readonly(self) -> bool:
        return self.volume.map.readonly

    def _length(self, index: int) -> int:
        return self.volume._block_length(index)

    def _block(self, index: int) -> bytearray:
        if index not in self.dirty:
            bs = self.volume.map.block_size
            self.dirty[index] = bytearray(self.volume.read(index * bs, self._length(index)))
        self.dirty.move_to_end(index)
        return self.dirty[index]

    def read(self, offset: int, length: int) -> bytes:
        bs = self.volume.map.block_size
        end = offset + length
        parts = []
        pos = offset
        while pos < end:
            index = pos // bs
            stop = min(end, (index + 1) * bs)
            if index in self.dirty:
                parts.append(bytes(self.dirty[index][pos - index * bs:stop - index * bs]))
                pos = stop
                continue
            # A run of blocks not in the cache: one batched volume read.
            run_end = stop
            while run_end < end and (run_end // bs) not in self.dirty:
                run_end = min(end, (run_end // bs + 1) * bs)
            parts.append(self.volume.read(pos, run_end - pos))
            pos = run_end
        return b"".join(parts)

    def write(self, offset: int, data: bytes | None, length: int | None = None) -> None:
        """Write `data` at `offset`, or zeros over `length` bytes when data is None."""
        length = len(data) if data is not None else int(length or 0)
        bs = self.volume.map.block_size
        pos, end = offset, offset + length
        while pos < end:
            index = pos // bs
            stop = min(end, (index + 1) * bs)
            lo, hi = pos - index * bs, stop - index * bs
            if lo == 0 and hi == self._length(index):
                # A whole block: no need to read the old one.
                piece = data[pos - offset:stop - offset] if data is not None else bytes(hi)
                self.dirty[index] = bytearray(piece)
                self.dirty.move_to_end(index)
            else:
                block = self._block(index)
                block[lo:hi] = data[pos - offset:stop - offset] if data is not None else bytes(hi - lo)
            pos = stop
        if len(self.dirty) > self.max_dirty:
            while len(self.dirty) > self.max_dirty:
                index, block = self.dirty.popitem(last=False)
                self.volume.write(index * bs, bytes(block))
            # Save the map at once: a stored block only the server's memory points at
            # would look unreferenced to the garbage collector (archipelago.gc).
            self.follow_growth()
            self.volume.flush()

    def follow_growth(self) -> None:
        """Adopt a size the stored map grew to (the provider's `grow` while attached),
        so our next save does not write the old size back."""
        stored = mapper.load(self.volume.store, self.volume.map.name)
        if stored.size > self.volume.map.size:
            mapper._grow(self.volume.map, stored.size)

    def flush(self) -> None:
        """Store every dirty block (a batched copy-on-write) and save the map."""
        self.follow_growth()
        if self.dirty:
            bs = self.volume.map.block_size
            indexes = sorted(self.dirty)
            # Contiguous runs go down as one volume write, so put_blocks overlaps their I/O.
            run: list[int] = []
            for index in indexes + [-1]:
                if run and index != run[-1] + 1:
                    self.volume.write(run[0] * bs, b"".join(bytes(self.dirty[i]) for i in run))
                    run = []
                if index >= 0:
                    run.append(index)
            self.dirty.clear()
        self.volume.flush()


class Export:
    """One volume served by name; connections share its cache under one lock."""

    def __init__(self, store: BlockStore, name: str, max_dirty: int = DEFAULT_MAX_DIRTY,
                 readonly: bool = False) -> None:
        self.name = name
        self.lock = threading.Lock()
        self.blocks = DirtyBlocks(open_volume(store, name), max_dirty)
        self.readonly = readonly or self.blocks.readonly

    def refresh(self) -> None:
        with self.lock:
            self.blocks.follow_growth()

    def transmission_flags(self) -> int:
        flags = TF_HAS_FLAGS | TF_SEND_FLUSH | TF_SEND_FUA
        if self.readonly:
            return flags | TF_READ_ONLY
        return flags | TF_SEND_TRIM | TF_SEND_WRITE_ZEROES

    def close(self) -> None:
        with self.lock:
            if not self.readonly:
                self.blocks.flush()


# -- the server --------------------------------------------------------------
class _Handler(socketserver.BaseRequestHandler):
    server: NbdServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        try:
            export = self._negotiate(sock)
            if export is not None:
                self._transmit(sock, export)
        except (ConnectionError, NbdError, OSError) as exc:
            log.info("nbd connection ended: %s", exc)

    # handshake
    def _option_reply(self, sock: socket.socket, option: int, kind: int, data: bytes = b"") -> None:
        sock.sendall(struct.pack(">QIII", REPLY_MAGIC, option, kind, len(data)) + data)

    def _negotiate(self, sock: socket.socket) -> Export | None:
        sock.sendall(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
        (client_flags,) = struct.unpack(">I", _recv_exact(sock, 4))
        no_zeroes = bool(client_flags & FLAG_NO_ZEROES)
        while True:
            magic, option, length = struct.unpack(">QII", _recv_exact(sock, 16))
            if magic != IHAVEOPT:
                raise NbdError("bad option magic")
            if length > 65536:
                raise NbdError("option too long")
            data = _recv_exact(sock, length)
            if option == OPT_EXPORT_NAME:
                export = self.server.export_for(data.decode(errors="replace"))
                if export is None:
                    return None  # the protocol's only answer: hang up
                export.refresh()
                reply = struct.pack(">QH", export.blocks.size, export.transmission_flags())
                sock.sendall(reply + (b"" if no_zeroes else bytes(124)))
                return export
            if option == OPT_ABORT:
                self._option_reply(sock, option, REP_ACK)
                return None
            if option == OPT_LIST:
                for name in self.server.export_names():
                    raw = name.encode()
                    self._option_reply(sock, option, REP_SERVER, struct.pack(">I", len(raw)) + raw)
                self._option_reply(sock, option, REP_ACK)
                continue
            if option in (OPT_INFO, OPT_GO):
                if length < 6:
                    self._option_reply(sock, option, REP_ERR_INVALID)
                    continue
                (name_len,) = struct.unpack(">I", data[:4])
                name = data[4:4 + name_len].decode(errors="replace")
                export = self.server.export_for(name)
                if export is None:
                    self._option_reply(sock, option, REP_ERR_UNKNOWN,
                                       f"no export {name!r}".encode())
                    continue
                export.refresh()
                self._option_reply(sock, option, REP_INFO, struct.pack(
                    ">HQH", INFO_EXPORT, export.blocks.size, export.transmission_flags()))
                self._option_reply(sock, option, REP_INFO, struct.pack(
                    ">HIII", INFO_BLOCK_SIZE, 1, 4096, MAX_REQUEST))
                self._option_reply(sock, option, REP_ACK)
                if option == OPT_GO:
                    return export
                continue
            self._option_reply(sock, option, REP_ERR_UNSUP)

    # transmission
    def _reply(self, sock: socket.socket, handle: int, error: int = 0, data: bytes = b"") -> None:
        sock.sendall(struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, error, handle) + data)

    def _transmit(self, sock: socket.socket, export: Export) -> None:
        try:
            while True:
                magic, flags, kind, handle, offset, length = struct.unpack(
                    ">IHHQQI", _recv_exact(sock, 28))
                if magic != REQUEST_MAGIC:
                    raise NbdError("bad request magic")
                if kind == CMD_WRITE and length > MAX_REQUEST:
                    raise NbdError(f"write of {length} bytes is over the limit")
                payload = _recv_exact(sock, length) if kind == CMD_WRITE else None
                if kind == CMD_DISC:
                    return
                error, data = self._execute(export, kind, flags, offset, length, payload)
                self._reply(sock, handle, error, data)
        finally:
            try:
                export.close()
            except (VolumeError, BlockStoreError) as exc:
                log.error("flushing %s on disconnect failed: %s", export.name, exc)

    def _execute(self, export: Export, kind: int, flags: int, offset: int, length: int,
                 payload: bytes | None) -> tuple[int, bytes]:
        if kind not in (CMD_READ, CMD_WRITE, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES):
            return EINVAL, b""
        if kind == CMD_READ and length > MAX_REQUEST:
            return EINVAL, b""
        if kind != CMD_FLUSH and offset + length > export.blocks.size:
            return (ENOSPC if kind in (CMD_WRITE, CMD_WRITE_ZEROES) else EINVAL), b""
        if kind != CMD_READ and kind != CMD_FLUSH and export.readonly:
            return EPERM, b""
        try:
            with export.lock:
                if kind == CMD_READ:
                    return 0, export.blocks.read(offset, length)
                if kind == CMD_WRITE:
                    export.blocks.write(offset, payload)
                elif kind in (CMD_TRIM, CMD_WRITE_ZEROES):
                    # TRIM is a hint; zeroing keeps reads defined and whole blocks
                    # become H('') entries, i.e. sparse again.
                    export.blocks.write(offset, None, length)
                if kind == CMD_FLUSH or flags & CMD_FLAG_FUA:
                    if not export.readonly:
                        export.blocks.flush()
                return 0, b""
        except (VolumeError, BlockStoreError, OSError) as exc:
            log.error("nbd %s on %s failed: %s", kind, export.name, exc)
            return EIO, b""


class NbdServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Serves the given volumes (export name = volume name) on a unix socket."""

    daemon_threads = True

    def __init__(self, store: BlockStore, socket_path: str, names: Sequence[str],
                 max_dirty: int = DEFAULT_MAX_DIRTY, readonly: bool = False) -> None:
        self.store = store
        self.exports = {name: Export(store, name, max_dirty, readonly) for name in names}
        if os.path.exists(socket_path):
            os.unlink(socket_path)  # a stale socket of a dead server
        super().__init__(socket_path, _Handler)
        os.chmod(socket_path, 0o600)

    def export_for(self, name: str) -> Export | None:
        if not name and len(self.exports) == 1:
            return next(iter(self.exports.values()))  # the default export
        return self.exports.get(name)

    def export_names(self) -> list[str]:
        return sorted(self.exports)

    def close_exports(self) -> None:
        for export in self.exports.values():
            export.close()

    def server_close(self) -> None:
        super().server_close()
        try:
            os.unlink(self.server_address)  # type: ignore[arg-type]
        except OSError:
            pass


# -- the client --------------------------------------------------------------
class NbdClient:
    """Fixed-newstyle client: NBD_OPT_GO, then READ/WRITE/FLUSH/TRIM/DISC."""

    def __init__(self, socket_path: str, export: str, timeout: float = 60.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(socket_path)
        self._handle = 0
        magic, opt_magic, flags = struct.unpack(">QQH", _recv_exact(self.sock, 18))
        if magic != NBDMAGIC or opt_magic != IHAVEOPT or not flags & FLAG_FIXED_NEWSTYLE:
            raise NbdError("not a fixed-newstyle NBD server")
        self.sock.sendall(struct.pack(">I", FLAG_FIXED_NEWSTYLE | (flags & FLAG_NO_ZEROES)))
        raw = export.encode()
        data = struct.pack(">I", len(raw)) + raw + struct.pack(">H", 0)
        self.sock.sendall(struct.pack(">QII", IHAVEOPT, OPT_GO, len(data)) + data)
        self.size = -1
        self.flags = 0
        while True:
            magic, _opt, kind, length = struct.unpack(">QIII", _recv_exact(self.sock, 20))
            body = _recv_exact(self.sock, length)
            if magic != REPLY_MAGIC:
                raise NbdError("bad option reply magic")
            if kind == REP_ACK:
                break
            if kind == REP_INFO and struct.unpack(">H", body[:2])[0] == INFO_EXPORT:
                _t, self.size, self.flags = struct.unpack(">HQH", body[:12])
            elif kind & (1 << 31):
                raise NbdError(f"export {export!r} refused: {body.decode(errors='replace')}")

    def _request(self, kind: int, offset: int = 0, length: int = 0, payload: bytes = b"",
                 flags: int = 0) -> bytes:
        self._handle += 1
        self.sock.sendall(struct.pack(">IHHQQI", REQUEST_MAGIC, flags, kind, self._handle,
                                      offset, length) + payload)
        if kind == CMD_DISC:
            return b""
        magic, error, handle = struct.unpack(">IIQ", _recv_exact(self.sock, 16))
        if magic != SIMPLE_REPLY_MAGIC or handle != self._handle:
            raise NbdError("bad reply")
        data = _recv_exact(self.sock, length) if kind == CMD_READ and not error else b""
        if error:
            raise NbdError(f"request {kind} at {offset} failed with errno {error}")
        return data

    def read(self, offset: int, length: int) -> bytes:
        out = []
        while length > 0:
            step = min(length, MAX_REQUEST)
            out.append(self._request(CMD_READ, offset, step))
            offset += step
            length -= step
        return b"".join(out)

    def write(self, offset: int, data: bytes, fua: bool = False) -> None:
        view = memoryview(data)
        while view:
            step = view[:MAX_REQUEST]
            self._request(CMD_WRITE, offset, len(step), bytes(step), CMD_FLAG_FUA if fua else 0)
            offset += len(step)
            view = view[len(step):]

    def trim(self, offset: int, length: int) -> None:
        self._request(CMD_TRIM, offset, length)

    def flush(self) -> None:
        self._request(CMD_FLUSH)

    def close(self) -> None:
        try:
            self._request(CMD_DISC)
        except OSError:
            pass
        self.sock.close()

    def __enter__(self) -> NbdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_nbd_uri(uri: str) -> tuple[str, str]:
    """(socket path, export name) of `nbd:unix:<sock>[:exportname=<name>]` or
    `nbd+unix:///<name>?socket=<sock>` (a hypervisor prefix such as `kvm:` is dropped)."""
    from urllib.parse import parse_qs, unquote, urlsplit

    if uri.startswith("kvm:"):
        uri = uri[len("kvm:"):]
    if uri.startswith("nbd:unix:"):
        rest = uri[len("nbd:unix:"):]
        path, _, tail = rest.partition(":exportname=")
        return path, tail
    if uri.startswith("nbd+unix://"):
        parts = urlsplit(uri)
        sock = parse_qs(parts.query).get("socket", [""])[0]
        return sock, unquote(parts.path.lstrip("/"))
    raise NbdError(f"not a unix-socket NBD URI: {uri!r}")


# -- command line --------------------------------------------------------------
def serve(store_spec: str, socket_path: str, names: Sequence[str], *,
          max_dirty: int = DEFAULT_MAX_DIRTY, readonly: bool = False,
          ready_fd: int | None = None) -> int:
    store = open_blockstore(parse_blockstore_spec(store_spec))
    server = NbdServer(store, socket_path, names, max_dirty, readonly)
    stopping = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if ready_fd is not None:
        os.write(ready_fd, b"ready\n")
        os.close(ready_fd)
    log.info("serving %s on %s", ", ".join(names), socket_path)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        server.close_exports()  # dirty blocks reach the store before we exit
        store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m archipelago.nbd",
                                     description="Serve Archipelago volumes over NBD.")
    parser.add_argument("--store", required=True, help="block store spec (see vlmc)")
    parser.add_argument("--socket", required=True, help="unix socket to listen on")
    parser.add_argument("--max-dirty-blocks", type=int, default=DEFAULT_MAX_DIRTY)
    parser.add_argument("--read-only", action="store_true")
    parser.add_argument("--ready-fd", type=int, help="write 'ready' to this fd once listening")
    parser.add_argument("volumes", nargs="+", help="volume names (the export names)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s nbd[%(process)d] %(message)s")
    try:
        return serve(args.store, args.socket, args.volumes, max_dirty=args.max_dirty_blocks,
                     readonly=args.read_only, ready_fd=args.ready_fd)
    except (VolumeError, BlockStoreError, OSError) as exc:
        print(f"archipelago.nbd: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, mapper.VolumeNotFound) else 1


if __name__ == "__main__":
    raise SystemExit(main())
