"""The bits of RFB (RFC 6143) the proxy speaks: versions, security types, VNC auth."""

from __future__ import annotations

import re
import socket
import struct
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

SEC_INVALID, SEC_NONE, SEC_VNC_AUTH = 0, 1, 2
RESULT_OK, RESULT_FAILED = 0, 1
VERSION_RE = re.compile(rb"^RFB (\d{3})\.(\d{3})\n$")


class RfbError(Exception):
    """The peer broke the protocol or refused us."""


def recv_exact(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise RfbError(f"connection closed after {len(data)} of {size} bytes")
        data += chunk
    return bytes(data)


def parse_version(line: bytes) -> tuple[int, int]:
    match = VERSION_RE.match(line)
    if match is None:
        raise RfbError(f"not an RFB version: {line!r}")
    return int(match.group(1)), int(match.group(2))


def effective_minor(version: tuple[int, int]) -> int:
    """3.3, 3.7 or 3.8: what a version string means on the wire (RFC 6143 7.1.1)."""
    major, minor = version
    if major != 3:
        raise RfbError(f"unsupported RFB major version {major}")
    if minor >= 8:
        return 8
    return 7 if minor == 7 else 3


def version_line(minor: int) -> bytes:
    return f"RFB 003.{minor:03d}\n".encode()


def des_ecb(key: bytes, data: bytes) -> bytes:
    """Single DES (3DES with K1=K2=K3) in ECB mode."""
    # 3DES with K1=K2=K3 is single DES; cryptography wants the 24-byte form.
    encryptor = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # noqa: S305 (VNC: ECB)
    return encryptor.update(data) + encryptor.finalize()


def _reverse_bits(byte: int) -> int:
    return int(f"{byte:08b}"[::-1], 2)


def vnc_key(password: str) -> bytes:
    """VNC auth's DES key: the password's first 8 bytes, NUL-padded, each bit-reversed."""
    raw = password.encode("latin-1", "replace")[:8].ljust(8, b"\0")
    return bytes(_reverse_bits(b) for b in raw)


def vnc_response(password: str, challenge: bytes) -> bytes:
    if len(challenge) != 16:
        raise ValueError("a VNC challenge is 16 bytes")
    return des_ecb(vnc_key(password), challenge)


def failure_reason(sock: socket.socket) -> str:
    (length,) = struct.unpack("!I", recv_exact(sock, 4))
    return recv_exact(sock, min(length, 4096)).decode("utf-8", "replace")


def send_failure(sock: socket.socket, minor: int, reason: str) -> None:
    """SecurityResult failed, with a reason from 3.8 on."""
    payload = struct.pack("!I", RESULT_FAILED)
    if minor >= 8:
        text = reason.encode()
        payload += struct.pack("!I", len(text)) + text
    sock.sendall(payload)


def connect_without_auth(sock: socket.socket) -> int:
    """Act as the client up to the end of the security phase with security type None.

    Returns the minor version agreed; the next bytes are ours to send (ClientInit).
    """
    minor = effective_minor(parse_version(recv_exact(sock, 12)))
    sock.sendall(version_line(minor))
    if minor == 3:
        (kind,) = struct.unpack("!I", recv_exact(sock, 4))
        if kind == SEC_INVALID:
            raise RfbError(f"server refused: {failure_reason(sock)}")
        if kind != SEC_NONE:
            raise RfbError(f"server wants security type {kind}, not None")
        return minor
    (count,) = recv_exact(sock, 1)
    if count == 0:
        raise RfbError(f"server refused: {failure_reason(sock)}")
    offered = recv_exact(sock, count)
    if SEC_NONE not in offered:
        raise RfbError(f"server offers security types {list(offered)}, not None")
    sock.sendall(bytes([SEC_NONE]))
    if minor >= 8:
        (result,) = struct.unpack("!I", recv_exact(sock, 4))
        if result != RESULT_OK:
            raise RfbError(f"server refused: {failure_reason(sock)}")
    return minor


@dataclass(frozen=True)
class ServerInit:
    width: int
    height: int
    pixel_format: bytes
    name: str


def client_connect(sock: socket.socket, password: str | None) -> ServerInit:
    """Act as a VNC viewer: RFB 3.8, VNC auth with `password` (or None), ClientInit shared.

    Used by probes and tests; raises RfbError when the server refuses.
    """
    minor = effective_minor(parse_version(recv_exact(sock, 12)))
    sock.sendall(version_line(minor))
    (count,) = recv_exact(sock, 1)
    if count == 0:
        raise RfbError(f"server refused: {failure_reason(sock)}")
    offered = recv_exact(sock, count)
    wanted = SEC_NONE if password is None else SEC_VNC_AUTH
    if wanted not in offered:
        raise RfbError(f"server offers security types {list(offered)}")
    sock.sendall(bytes([wanted]))
    if wanted == SEC_VNC_AUTH:
        sock.sendall(vnc_response(password or "", recv_exact(sock, 16)))
    (result,) = struct.unpack("!I", recv_exact(sock, 4))
    if result != RESULT_OK:
        raise RfbError(f"authentication failed: {failure_reason(sock)}")
    sock.sendall(b"\x01")                                   # ClientInit: shared
    width, height = struct.unpack("!HH", recv_exact(sock, 4))
    pixel_format = recv_exact(sock, 16)
    (length,) = struct.unpack("!I", recv_exact(sock, 4))
    name = recv_exact(sock, length).decode("utf-8", "replace")
    return ServerInit(width, height, pixel_format, name)


def request_frame(sock: socket.socket, width: int, height: int) -> tuple[int, bytes]:
    """Ask for the whole framebuffer (Raw, 32 bpp assumed); returns (rects, first pixel)."""
    sock.sendall(struct.pack("!BBHHHH", 3, 0, 0, 0, width, height))
    message_type, count = struct.unpack("!BxH", recv_exact(sock, 4))
    if message_type != 0:
        raise RfbError(f"expected FramebufferUpdate, got message {message_type}")
    first = b""
    for _ in range(count):
        _, _, w, h, encoding = struct.unpack("!HHHHi", recv_exact(sock, 12))
        if encoding != 0:
            raise RfbError(f"unexpected encoding {encoding}")
        data = recv_exact(sock, w * h * 4)
        first = first or data[:4]
    return count, first
