"""The VNC authentication proxy: RFB with VNC auth towards clients, relay to the instance.

Per connection: offer RFB 3.8 with security type VNC Authentication, send a
random challenge, redeem the ticket whose one-time password answers it, connect
to that instance's VNC server (security None), tell the client the
authentication succeeded, then copy bytes both ways until either side closes.
ClientInit and ServerInit pass through, so the client sees the real framebuffer.
"""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from typing import Any

from cyclades.console import rfb

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0
BUFFER_BYTES = 65536

Redeem = Callable[[bytes, bytes], Any]   # (challenge, response) -> ticket with host/port


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            data = source.recv(BUFFER_BYTES)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(client: socket.socket, backend: socket.socket) -> None:
    client.settimeout(None)
    backend.settimeout(None)
    other = threading.Thread(target=_pump, args=(backend, client), daemon=True)
    other.start()
    _pump(client, backend)
    other.join()


class _Handler(socketserver.BaseRequestHandler):
    server: VncProxy

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            backend = self._authenticate(client)
        except (OSError, rfb.RfbError) as exc:
            log.info("console client %s refused: %s", self.client_address[0], exc)
            return
        if backend is None:
            return
        with backend:
            relay(client, backend)

    def _authenticate(self, client: socket.socket) -> socket.socket | None:
        client.sendall(rfb.version_line(8))
        minor = rfb.effective_minor(rfb.parse_version(rfb.recv_exact(client, 12)))
        if minor >= 7:
            client.sendall(bytes([1, rfb.SEC_VNC_AUTH]))
            (choice,) = rfb.recv_exact(client, 1)
            if choice != rfb.SEC_VNC_AUTH:
                rfb.send_failure(client, minor, "VNC authentication is required")
                return None
        else:
            client.sendall(struct.pack("!I", rfb.SEC_VNC_AUTH))
        challenge = os.urandom(16)
        client.sendall(challenge)
        response = rfb.recv_exact(client, 16)
        ticket = self.server.redeem(challenge, response)
        if ticket is None:
            rfb.send_failure(client, minor, "Authentication failed")
            log.info("console client %s: no ticket matches", self.client_address[0])
            return None
        try:
            backend = socket.create_connection((ticket.host, ticket.port),
                                               timeout=CONNECT_TIMEOUT_SECONDS)
        except OSError as exc:
            rfb.send_failure(client, minor, "The server's console is not reachable")
            log.warning("server %s console %s:%s unreachable: %s", ticket.server_id,
                        ticket.host, ticket.port, exc)
            return None
        try:
            backend.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
            rfb.connect_without_auth(backend)
        except (OSError, rfb.RfbError) as exc:
            backend.close()
            rfb.send_failure(client, minor, "The server's console refused the proxy")
            log.warning("server %s console handshake failed: %s", ticket.server_id, exc)
            return None
        client.sendall(struct.pack("!I", rfb.RESULT_OK))
        log.info("console of server %s opened for %s", ticket.server_id,
                 self.client_address[0])
        return backend


class VncProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], redeem: Redeem):
        self.redeem = redeem
        super().__init__(address, _Handler)


def django_redeem(challenge: bytes, response: bytes) -> Any:
    """Redeem against the Cyclades database (one short connection per attempt)."""
    from django.db import close_old_connections, connection

    from cyclades.console.tickets import redeem

    close_old_connections()
    try:
        return redeem(challenge, response)
    finally:
        connection.close()
