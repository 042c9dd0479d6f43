"""The fake hypervisor's console: a minimal RFB 3.8 server per running instance.

Real Ganeti's KVM instances have a VNC server on the node (`network_port`); the
development cluster boots nothing, so each running instance gets a tiny RFB
server instead, on a free loopback port, with security type None. Its
framebuffer is 320x200 in one solid colour derived from the instance name, and
ServerInit carries the instance name, so a client can tell which one it reached.
It answers FramebufferUpdateRequest with one Raw rectangle and ignores input.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import socketserver
import struct
import threading

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 320, 200
# 32 bpp, depth 24, little endian, true colour, max 255 each, shifts r=16 g=8 b=0.
PIXEL_FORMAT = struct.pack("!BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
CLIENT_MESSAGE_SIZES = {0: 19, 2: None, 3: 9, 4: 7, 5: 5, 6: None}  # after the type byte
IDLE_TIMEOUT_SECONDS = 300


def colour_of(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(name.encode()).digest()
    return digest[0], digest[1], digest[2]


def _recv(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client closed")
        data += chunk
    return bytes(data)


class _Handler(socketserver.BaseRequestHandler):
    server: _RfbServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(IDLE_TIMEOUT_SECONDS)
        try:
            self._session(sock)
        except (OSError, ConnectionError, struct.error) as exc:
            log.debug("console of %s: %s", self.server.instance, exc)

    def _session(self, sock: socket.socket) -> None:
        sock.sendall(b"RFB 003.008\n")
        version = _recv(sock, 12)
        if not version.startswith(b"RFB 003."):
            return
        if int(version[8:11]) >= 7:
            sock.sendall(b"\x01\x01")                 # one security type: None
            if _recv(sock, 1) != b"\x01":
                return
            if int(version[8:11]) >= 8:
                sock.sendall(struct.pack("!I", 0))    # SecurityResult OK
        else:
            sock.sendall(struct.pack("!I", 1))        # 3.3: the server picks None
        _recv(sock, 1)                                # ClientInit (shared flag)
        name = self.server.instance.encode()
        sock.sendall(struct.pack("!HH", WIDTH, HEIGHT) + PIXEL_FORMAT
                     + struct.pack("!I", len(name)) + name)
        red, green, blue = colour_of(self.server.instance)
        pixel = bytes((blue, green, red, 0))          # little endian 0x00RRGGBB
        frame = pixel * (WIDTH * HEIGHT)
        while True:
            (kind,) = _recv(sock, 1)
            if kind not in CLIENT_MESSAGE_SIZES:
                return
            if kind == 2:                               # SetEncodings
                _, count = struct.unpack("!BH", _recv(sock, 3))
                _recv(sock, 4 * count)
            elif kind == 6:                             # ClientCutText
                (length,) = struct.unpack("!3xI", _recv(sock, 7))
                _recv(sock, min(length, 1 << 20))
            else:
                body = _recv(sock, CLIENT_MESSAGE_SIZES[kind])
                if kind == 3:                           # FramebufferUpdateRequest
                    sock.sendall(struct.pack("!BxH", 0, 1)
                                 + struct.pack("!HHHHi", 0, 0, WIDTH, HEIGHT, 0) + frame)
                del body


class _RfbServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], instance: str):
        self.instance = instance
        super().__init__(address, _Handler)


class Consoles:
    """One RFB server per running instance, started on demand and kept while it runs."""

    def __init__(self, bind: str = "127.0.0.1"):
        self.bind = bind
        self.lock = threading.Lock()
        self.servers: dict[str, _RfbServer] = {}

    def port_of(self, instance: str) -> int:
        with self.lock:
            server = self.servers.get(instance)
            if server is None:
                server = _RfbServer((self.bind, 0), instance)
                threading.Thread(target=server.serve_forever, name=f"console-{instance}",
                                 daemon=True).start()
                self.servers[instance] = server
            return server.server_address[1]

    def running_port(self, instance: str) -> int | None:
        with self.lock:
            server = self.servers.get(instance)
            return None if server is None else server.server_address[1]

    def stop(self, instance: str) -> None:
        with self.lock:
            server = self.servers.pop(instance, None)
        if server is not None:
            server.shutdown()
            server.server_close()

    def stop_all(self) -> None:
        for name in list(self.servers):
            self.stop(name)
