"""A small pooled HTTP/1.1 transport on the standard library's http.client.

Every API client sends through it. It does only what our clients need: keep-alive
connections pooled per origin and shared by threads, TLS with verification on by
default (or a CA bundle), timeouts, query strings, bodies as bytes, text, files or
iterators (chunked), GET/HEAD redirects, and responses read whole, as chunks, or
straight into the caller's buffer. Why not requests: importing requests and urllib3
costs about 60 ms, which every kamaki command paid before doing anything, and reading
a large body through requests' `.content` copied it in 10 KiB pieces (1.3 s of CPU per
GiB here). Proxies from the environment are not used: the services and the CLI
talk to the cloud directly.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import threading
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

USER_AGENT = "snf-common-http/1"
SEND_BLOCK_BYTES = 1 << 20          # a file body is sent in pieces of this size
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class TransportError(Exception):
    """No answer: the connection could not be made, broke, or timed out."""


class Headers(MutableMapping[str, str]):
    """Response headers: case-insensitive names, repeated ones joined with ", "."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._store: dict[str, tuple[str, str]] = {}
        for key, value in items:
            old = self._store.get(key.lower())
            self._store[key.lower()] = (key, f"{old[1]}, {value}" if old else value)

    def __getitem__(self, key: str) -> str:
        return self._store[key.lower()][1]

    def __setitem__(self, key: str, value: str) -> None:
        self._store[key.lower()] = (key, value)

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return (key for key, _value in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class Response:
    """One answer. The body is read on demand; the connection goes back to the pool
    once the body has been read to its end (or is dropped on close() before that)."""

    def __init__(self, pool: Pool, key: tuple, conn: http.client.HTTPConnection,
                 raw: http.client.HTTPResponse, url: str) -> None:
        self._pool, self._key, self._conn, self._raw = pool, key, conn, raw
        self.url = url
        self.status_code = raw.status
        self.reason = raw.reason
        self.headers = Headers(raw.getheaders())
        self._content: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def content(self) -> bytes:
        if self._content is None:
            try:
                self._content = self._raw.read()
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise TransportError(f"reading the answer from {self.url}: {exc}") from None
            self._release()
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def readinto(self, buffer: memoryview | bytearray) -> int:
        """Read the next bytes of the body into `buffer`; 0 at its end."""
        try:
            count = self._raw.readinto(buffer)
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise TransportError(f"reading the answer from {self.url}: {exc}") from None
        if not count:
            self._release()
        return count

    def iter_content(self, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        if self._content is not None:
            for start in range(0, len(self._content), chunk_size):
                yield self._content[start:start + chunk_size]
            return
        try:
            while chunk := self._raw.read(chunk_size):
                yield chunk
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise TransportError(f"reading the answer from {self.url}: {exc}") from None
        self._release()

    def close(self) -> None:
        """Done with this answer: an unread rest of the body costs the connection."""
        if self._conn is None:
            return
        if not self._raw.isclosed() and self._raw.length == 0:
            self._raw.read()      # nothing left to read: marks the answer complete
        if self._raw.isclosed():
            self._release()
        else:
            self._drop()

    def _release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._pool._put(self._key, conn, reusable=not self._raw.will_close)

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """An idle connection the server has closed (or sent junk on) is readable."""
    if conn.sock is None:
        return True
    try:
        readable, _, _ = select.select([conn.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _body_length(body: Any) -> int | None:
    if body is None:
        return 0
    if isinstance(body, (bytes, bytearray, memoryview)):
        return memoryview(body).nbytes
    if hasattr(body, "__len__"):
        return len(body)
    fileno = getattr(body, "fileno", None)
    if fileno is not None:
        try:
            return os.fstat(fileno()).st_size - body.tell()
        except (OSError, ValueError, AttributeError):
            return None
    return None


def _chunks_of(body: Any) -> Iterator[bytes]:
    while data := body.read(SEND_BLOCK_BYTES):
        yield data


class Pool:
    """Keep-alive connections per origin and TLS setting, shared by threads."""

    def __init__(self, maxsize: int = 16) -> None:
        self.maxsize = maxsize
        self._idle: dict[tuple, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._tls: dict[bool | str, Any] = {}

    def _tls_context(self, verify: bool | str) -> Any:
        import ssl  # only https pays for it

        with self._lock:
            context = self._tls.get(verify)
            if context is None:
                if verify is False:
                    context = ssl._create_unverified_context()
                elif isinstance(verify, str):
                    context = ssl.create_default_context(cafile=verify)
                else:
                    context = ssl.create_default_context()
                self._tls[verify] = context
            return context

    def _get(self, key: tuple, timeout: float | None) -> tuple[http.client.HTTPConnection, bool]:
        """(connection, reused): an idle one that still looks alive, or a new one."""
        with self._lock:
            idle = self._idle.get(key) or []
            while idle:
                conn = idle.pop()
                if _dropped(conn):
                    conn.close()
                    continue
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                return conn, True
        scheme, host, port, verify = key
        if scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=self._tls_context(verify),
                blocksize=SEND_BLOCK_BYTES)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout,
                                              blocksize=SEND_BLOCK_BYTES)
        return conn, False

    def _put(self, key: tuple, conn: http.client.HTTPConnection, *, reusable: bool) -> None:
        if reusable and conn.sock is not None:
            with self._lock:
                idle = self._idle.setdefault(key, [])
                if len(idle) < self.maxsize:
                    idle.append(conn)
                    return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                data: Any = None, headers: Mapping[str, str] | None = None,
                timeout: float | None = None, stream: bool = False,
                verify: bool | str = True) -> Response:
        """Send one request; the body is read before returning unless `stream`."""
        if params:
            query = urlencode([(k, v) for k, v in params.items() if v is not None], doseq=True)
            if query:
                url += ("&" if "?" in url else "?") + query
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, data, headers or {}, timeout, verify)
            location = response.headers.get("Location")
            if (response.status_code not in REDIRECT_STATUSES or not location
                    or method not in ("GET", "HEAD")):
                break
            response.close()
            url = urljoin(url, location)
        if not stream:
            response.content  # noqa: B018 - read now, release the connection
        return response

    def _send(self, method: str, url: str, data: Any, headers: Mapping[str, str],
              timeout: float | None, verify: bool | str) -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TransportError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port, verify if parts.scheme == "https" else True)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        all_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers}
        if isinstance(data, str):
            data = data.encode("utf-8")
        lowered = {k.lower() for k in all_headers}
        if "content-length" not in lowered and "transfer-encoding" not in lowered:
            length = _body_length(data)
            if length is not None and (data is not None or method in ("POST", "PUT", "PATCH")):
                all_headers["Content-Length"] = str(length)
            elif hasattr(data, "read"):
                data = _chunks_of(data)  # unknown length: http.client sends it chunked
        # http.client chunks an iterable of unknown length by itself; a caller that set
        # Transfer-Encoding itself wants the same.
        chunked = "transfer-encoding" in lowered
        replayable = data is None or isinstance(data, (bytes, bytearray, memoryview))
        while True:
            conn, reused = self._get(key, timeout)
            try:
                conn.request(method, target, body=data, headers=all_headers,
                             encode_chunked=chunked)
                raw = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                # A kept-alive connection the server closed meanwhile: once more, anew.
                if reused and replayable and isinstance(
                        exc, (http.client.RemoteDisconnected, ConnectionResetError,
                              BrokenPipeError, http.client.BadStatusLine)):
                    continue
                raise TransportError(f"{method} {url}: {exc}") from None
            return Response(self, key, conn, raw, url)


def new_pool(maxsize: int = 16) -> Pool:
    return Pool(maxsize)
