"""snf_common.clients.http against a real HTTP/1.1 server on loopback."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from snf_common.clients.http import Pool, TransportError


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict] = []

    def log_message(self, *args):  # quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:size]
                if not size:
                    break
                data += chunk
            return data
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self.seen.append({"method": "GET", "path": self.path, "port": self.client_address[1]})
        if self.path.startswith("/moved"):
            return self._answer(302, headers={"Location": "/target?x=1"})
        if self.path.startswith("/big"):
            return self._answer(200, bytes(range(256)) * 4096)
        if self.path.startswith("/close"):
            self.close_connection = True
            return self._answer(200, b"bye", {"Connection": "close"})
        return self._answer(200, json.dumps({"path": self.path}).encode(),
                            {"Content-Type": "application/json", "X-Twice": "a"})

    do_HEAD = do_GET

    def do_PUT(self):
        body = self._body()
        self.seen.append({"method": "PUT", "path": self.path, "body": body,
                          "te": self.headers.get("Transfer-Encoding"),
                          "length": self.headers.get("Content-Length")})
        self._answer(201 if body else 204)

    do_POST = do_PUT


@pytest.fixture()
def server():
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd
    httpd.shutdown()
    httpd.server_close()


def test_keep_alive_connection_is_reused_and_params_are_encoded(server):
    url, _ = server
    pool = Pool()
    first = pool.request("GET", url + "/a", params={"hashmap": "", "format": "json",
                                                    "skip": None, "name": "a b/ü"})
    assert first.status_code == 200 and first.ok
    assert first.json()["path"] == "/a?hashmap=&format=json&name=a+b%2F%C3%BC"
    assert first.headers["content-type"] == "application/json"   # case-insensitive
    assert dict(first.headers)["X-Twice"] == "a"
    pool.request("GET", url + "/b")
    ports = {s["port"] for s in Handler.seen}
    assert len(ports) == 1                       # one TCP connection for both


def test_connection_closed_by_the_server_is_not_reused(server):
    url, _ = server
    pool = Pool()
    assert pool.request("GET", url + "/close").content == b"bye"
    assert pool.request("GET", url + "/a").status_code == 200
    assert len({s["port"] for s in Handler.seen}) == 2


def test_stale_idle_connection_is_replaced(server):
    url, httpd = server
    pool = Pool()
    pool.request("GET", url + "/a")
    # The server side of the idle connection goes away (a restart, an idle timeout).
    for conns in pool._idle.values():
        for conn in conns:
            conn.sock.shutdown(0)
    assert pool.request("GET", url + "/b").status_code == 200


def test_redirects_are_followed_for_get_only(server):
    url, _ = server
    pool = Pool()
    answer = pool.request("GET", url + "/moved")
    assert answer.status_code == 200 and answer.json()["path"] == "/target?x=1"
    answer = pool.request("POST", url + "/moved", data=b"x")
    assert answer.status_code == 201             # POST is answered by do_PUT, no redirect


def test_bodies_bytes_file_and_iterator(server):
    url, _ = server
    pool = Pool()
    pool.request("PUT", url + "/bytes", data=b"abc")
    pool.request("PUT", url + "/text", data="ü")
    pool.request("PUT", url + "/file", data=io.BytesIO(b"from a file"))
    pool.request("PUT", url + "/iter", data=iter([b"one ", b"two"]))
    assert pool.request("POST", url + "/empty").status_code == 204
    puts = {s["path"]: s for s in Handler.seen}
    assert puts["/bytes"]["body"] == b"abc" and puts["/bytes"]["length"] == "3"
    assert puts["/text"]["body"] == "ü".encode()
    assert puts["/file"]["body"] == b"from a file" and puts["/file"]["te"] == "chunked"
    assert puts["/iter"]["body"] == b"one two" and puts["/iter"]["te"] == "chunked"
    assert puts["/empty"]["length"] == "0"


def test_file_with_a_descriptor_is_sent_with_its_length(server, tmp_path):
    url, _ = server
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    with open(path, "rb") as handle:
        handle.seek(4)
        Pool().request("PUT", url + "/fd", data=handle)
    assert Handler.seen[-1]["length"] == "6" and Handler.seen[-1]["body"] == b"456789"


def test_streamed_body_read_into_a_buffer_then_connection_reused(server):
    url, _ = server
    pool = Pool()
    expected = bytes(range(256)) * 4096
    response = pool.request("GET", url + "/big", stream=True)
    buffer = memoryview(bytearray(len(expected) + 10))
    got = 0
    while count := response.readinto(buffer[got:]):
        got += count
    assert got == len(expected) and bytes(buffer[:got]) == expected
    pool.request("GET", url + "/a")
    assert len({s["port"] for s in Handler.seen}) == 1


def test_stream_closed_early_drops_its_connection(server):
    url, _ = server
    pool = Pool()
    response = pool.request("GET", url + "/big", stream=True)
    assert len(next(response.iter_content(1000))) == 1000
    response.close()
    assert pool.request("GET", url + "/a").status_code == 200
    assert len({s["port"] for s in Handler.seen}) == 2


def test_head_has_no_body_and_keeps_the_connection(server):
    url, _ = server
    pool = Pool()
    head = pool.request("HEAD", url + "/big")
    assert head.content == b"" and head.headers["Content-Length"] == str(256 * 4096)
    pool.request("GET", url + "/a")
    assert len({s["port"] for s in Handler.seen}) == 1


def test_refused_connection_and_bad_url_are_transport_errors():
    with pytest.raises(TransportError):
        Pool().request("GET", "http://127.0.0.1:9/x", timeout=2)
    with pytest.raises(TransportError):
        Pool().request("GET", "ftp://example.org/x")
