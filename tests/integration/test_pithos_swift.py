"""Pithos under gunicorn, driven by python-swiftclient (library and `swift` CLI) and by
the hashmap protocol over plain HTTP; a kill -9 mid-upload leaves the old version.

The server uses a test-only token validator ('tok-<user>' is user '<user>'), the
filesystem block store and SQLite in a temporary state directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from snf_common import hashing

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BLOCK = 4 * 1024 * 1024

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, state: Path, gunicorn_args: tuple[str, ...] = ("-w", "2")) -> None:
        self.state = state
        self.gunicorn_args = gunicorn_args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = state / "gunicorn.log"
        self.env = dict(os.environ, SNF_STATE_DIR=str(state),
                        DJANGO_SETTINGS_MODULE="pithos.project.test_settings",
                        PITHOS_TEST_TOKEN_VALIDATOR="pithos_fake_tokens.validate",
                        PYTHONPATH=str(ROOT / "tests/unit/pithos"),
                        SNF_PITHOS_QUOTA="none", SNF_PITHOS_BASE_URL=self.url)
        self.proc: subprocess.Popen | None = None

    def migrate(self) -> None:
        subprocess.run([str(BIN / "pithos-manage"), "migrate", "-v", "0"], env=self.env,
                       check=True, timeout=120)

    def start(self) -> None:
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "pithos.project.wsgi:application", "-b",
             f"127.0.0.1:{self.port}", *self.gunicorn_args, "--timeout", "120"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text()[-3000:]
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("pithos did not start: " + self.log_path.read_text()[-3000:])

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def storage_url(self, user: str) -> str:
        return f"{self.url}/object-store/v1/{user}"

    def log_lines(self, pattern: str) -> list[str]:
        return [line for line in self.log_path.read_text().splitlines() if re.search(pattern, line)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("pithos"))
    srv.migrate()
    srv.start()
    yield srv
    srv.stop()


def swift_cli(server: Server, user: str, *args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(BIN / "swift"), "--os-auth-token", "tok-" + user,
         "--os-storage-url", server.storage_url(user), *args],
        capture_output=True, text=True, timeout=120, cwd=cwd)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def test_swift_cli_upload_download_list_stat_post_copy_delete(server, tmp_path):
    small = tmp_path / "small.txt"
    small.write_bytes(b"hello pithos\n" * 1000)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 123))
    swift_cli(server, "alice", "upload", "docs", "small.txt", cwd=tmp_path)
    swift_cli(server, "alice", "upload", "--segment-size", "1048576", "docs", "big.bin",
              cwd=tmp_path)
    listed = swift_cli(server, "alice", "list", "docs").split()
    assert listed == ["big.bin", "small.txt"]
    segments = swift_cli(server, "alice", "list", "docs_segments").split()
    assert len(segments) == 4
    out = tmp_path / "out"
    out.mkdir()
    swift_cli(server, "alice", "download", "docs", "big.bin", "small.txt", cwd=out)
    assert (out / "big.bin").read_bytes() == big.read_bytes()
    assert (out / "small.txt").read_bytes() == small.read_bytes()
    swift_cli(server, "alice", "post", "-m", "color:blue", "docs", "small.txt")
    stat = swift_cli(server, "alice", "stat", "docs", "small.txt")
    assert re.search(r"Meta Color: blue", stat)
    assert re.search(r"Content Length: 13000", stat)
    swift_cli(server, "alice", "copy", "-d", "/docs/copy.txt", "docs", "small.txt")
    stat = swift_cli(server, "alice", "stat", "docs", "copy.txt")
    assert "ETag: " + hashlib.md5(small.read_bytes()).hexdigest() in stat
    account = swift_cli(server, "alice", "stat")
    assert re.search(r"Containers: 2", account)
    swift_cli(server, "alice", "delete", "docs", "small.txt", "copy.txt")
    assert swift_cli(server, "alice", "list", "docs").split() == ["big.bin"]
    caps = json.loads(swift_cli(server, "alice", "capabilities", "--json"))
    assert caps["pithos"]["block_hash"] == "sha256" and "slo" in caps
    # so the segmented upload above made a static large object
    head = requests.head(server.storage_url("alice") + "/docs/big.bin",
                         headers={"X-Auth-Token": "tok-alice"})
    assert head.headers["X-Static-Large-Object"] == "True"
    assert int(head.headers["Content-Length"]) == big.stat().st_size
    swift_cli(server, "alice", "delete", "docs", "big.bin")
    assert swift_cli(server, "alice", "list", "docs_segments").split() == []


def test_swiftclient_library_chunked_upload_and_ranges(server):
    from swiftclient import client as swift

    conn = swift.Connection(preauthurl=server.storage_url("lib"), preauthtoken="tok-lib",
                            retries=0)
    conn.put_container("lib")
    payload = os.urandom(5 * 1024 * 1024 + 7)

    def chunks():  # a generator body goes out with Transfer-Encoding: chunked
        for i in range(0, len(payload), 65536):
            yield payload[i:i + 65536]

    etag = conn.put_object("lib", "obj", contents=chunks(), content_type="application/x-test")
    assert etag == hashlib.md5(payload).hexdigest()
    headers, data = conn.get_object("lib", "obj")
    assert data == payload and headers["content-type"] == "application/x-test"
    headers, data = conn.get_object("lib", "obj", headers={"Range": "bytes=4194300-4194310"})
    assert data == payload[4194300:4194311]
    conn.post_object("lib", "obj", headers={"X-Object-Meta-Kind": "test"})
    assert conn.head_object("lib", "obj")["x-object-meta-kind"] == "test"
    conn.copy_object("lib", "obj", destination="/lib/obj2")
    assert conn.head_object("lib", "obj2")["etag"] == etag
    _, objects = conn.get_container("lib")
    assert [o["name"] for o in objects] == ["obj", "obj2"]
    conn.delete_object("lib", "obj2")
    with pytest.raises(swift.ClientException) as err:
        swift.Connection(preauthurl=server.storage_url("lib"), preauthtoken="tok-other",
                         retries=0).get_object("lib", "obj")
    assert err.value.http_status == 403


def hashmap_of(path: Path) -> tuple[int, list[str]]:
    with open(path, "rb") as f:
        return hashing.hashmap_of_stream(f, BLOCK)


def test_change_one_byte_reupload_sends_exactly_one_block(server, tmp_path):
    base = server.storage_url("carol")
    auth = {"X-Auth-Token": "tok-carol"}
    session = requests.Session()
    assert session.put(base + "/big", headers=auth).status_code == 201
    path = tmp_path / "100mib.bin"
    with open(path, "wb") as f:
        f.write(os.urandom(100 * 1024 * 1024))
    with open(path, "rb") as f:
        r = session.put(base + "/big/file", data=f, headers=auth)
    assert r.status_code == 201
    # change one byte in the middle, then upload by hashmap as kamaki does
    with open(path, "r+b") as f:
        f.seek(50 * 1024 * 1024 + 3)
        f.write(b"\x01" if f.read(1) != b"\x01" else b"\x02")
    size, hashes = hashmap_of(path)
    before = len(server.log_lines(r"POST /object-store/v1/carol/big 202"))
    body = json.dumps({"bytes": size, "hashes": hashes})
    r = session.put(base + "/big/file?hashmap&format=json", data=body, headers=auth)
    assert r.status_code == 409
    missing = r.json()
    assert len(missing) == 1
    index = hashes.index(missing[0])
    with open(path, "rb") as f:
        f.seek(index * BLOCK)
        block = f.read(BLOCK)
    r = session.post(base + "/big?update&format=json", data=block,
                     headers={**auth, "Content-Type": "application/octet-stream"})
    assert r.status_code == 202 and r.json() == missing
    r = session.put(base + "/big/file?hashmap&format=json", data=body, headers=auth)
    assert r.status_code == 201
    after = len(server.log_lines(r"POST /object-store/v1/carol/big 202"))
    assert after - before == 1
    # a downloader holding the old file fetches only the changed block
    remote = session.get(base + "/big/file?hashmap&format=json", headers=auth).json()
    assert remote["hashes"] == hashes
    r = session.get(base + "/big/file", headers={
        **auth, "Range": f"bytes={index * BLOCK}-{(index + 1) * BLOCK - 1}"})
    assert r.status_code == 206 and r.content == block
    # the whole object reads back and its ETag is the MD5 of the new content
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    assert session.head(base + "/big/file", headers=auth).headers["ETag"] == digest


def test_second_user_uploading_same_file_stores_no_new_block(server, tmp_path):
    data = os.urandom(9 * 1024 * 1024)
    blocks_dir = server.state / "blocks"
    for user in ("dave", "erin"):
        base, auth = server.storage_url(user), {"X-Auth-Token": "tok-" + user}
        requests.put(base + "/c", headers=auth).raise_for_status()
    requests.put(server.storage_url("dave") + "/c/f", data=data,
                 headers={"X-Auth-Token": "tok-dave"}).raise_for_status()
    count = sum(1 for p in blocks_dir.rglob("*") if p.is_file())
    size, hashes = hashing.hashmap_of_stream(io.BytesIO(data), BLOCK)
    r = requests.put(server.storage_url("erin") + "/c/f?hashmap", headers={"X-Auth-Token": "tok-erin"},
                     data=json.dumps({"bytes": size, "hashes": hashes}))
    assert r.status_code == 201  # nothing missing: every block is already stored
    requests.put(server.storage_url("erin") + "/c/g", data=data,
                 headers={"X-Auth-Token": "tok-erin"}).raise_for_status()
    assert sum(1 for p in blocks_dir.rglob("*") if p.is_file()) == count
    got = requests.get(server.storage_url("erin") + "/c/f", headers={"X-Auth-Token": "tok-erin"})
    assert got.content == data


def test_kill9_mid_upload_leaves_previous_version(tmp_path):
    srv = Server(tmp_path / "state")
    srv.state.mkdir()
    srv.migrate()
    srv.start()
    try:
        base, auth = srv.storage_url("frank"), {"X-Auth-Token": "tok-frank"}
        requests.put(base + "/c", headers=auth).raise_for_status()
        requests.put(base + "/c/obj", data=b"version one", headers=auth).raise_for_status()
        total = 64 * 1024 * 1024
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        sock.sendall((f"PUT /object-store/v1/frank/c/obj HTTP/1.1\r\nHost: x\r\n"
                      f"X-Auth-Token: tok-frank\r\nContent-Length: {total}\r\n\r\n").encode())
        chunk = os.urandom(1024 * 1024)
        for _ in range(24):
            sock.sendall(chunk)
        time.sleep(0.5)  # let the server store some blocks
        srv.kill9()
        sock.close()
    finally:
        srv.stop()
    srv.start()
    try:
        r = requests.get(base + "/c/obj", headers=auth)
        assert r.status_code == 200 and r.content == b"version one"
        assert requests.get(base + "/c", headers=auth).text.split() == ["obj"]
        versions = requests.get(base + "/c/obj?version=list&format=json", headers=auth).json()
        assert len(versions["versions"]) == 1
    finally:
        srv.stop()


def raw_exchange(server: Server, payload: bytes, timeout: float = 30) -> list[tuple[int, bytes]]:
    """Send raw bytes on one connection (the last request says Connection: close) and
    split what comes back into (status, body) per response."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    responses = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if length:
            responses.append((status, rest[:int(length.group(1))]))
            data = rest[int(length.group(1)):]
            continue
        body = b""  # chunked
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            body, rest = body + rest[:size], rest[size + 2:]
            if size == 0:
                break
        responses.append((status, body))
        data = rest
    return responses


def raw_request(method: str, path: str, body: bytes = b"", *, close: bool = False,
                length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: x", "X-Auth-Token: tok-pipe",
             f"Content-Length: {len(body) if length is None else length}"]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture(scope="module")
def keepalive_server(tmp_path_factory):
    """gthread workers keep connections alive (the sync worker closes after each request);
    snf-deploy runs Pithos this way."""
    srv = Server(tmp_path_factory.mktemp("pithos-gthread"),
                 ("-w", "1", "-k", "gthread", "--threads", "4"))
    srv.migrate()
    srv.start()
    yield srv
    srv.stop()


def test_pipelined_uploads_on_one_connection(keepalive_server):
    """Uploads are received straight from gunicorn's socket: requests pipelined right
    behind a body (already in gunicorn's buffer) must still be parsed and answered."""
    server = keepalive_server
    base = "/object-store/v1/pipe"
    big = os.urandom(2 * BLOCK + 12345)  # larger than any buffer: read from the socket
    payload = b"".join([
        raw_request("PUT", base + "/c"),
        raw_request("PUT", base + "/c/small", b"tiny body"),
        raw_request("PUT", base + "/nocontainer/x", b"refused body, discarded"),
        raw_request("PUT", base + "/c/big", big),
        raw_request("PUT", base + "/c/empty"),
        raw_request("GET", base + "/c/small"),
        raw_request("GET", base + "/c", close=True),
    ])
    responses = raw_exchange(server, payload)
    assert [status for status, _ in responses] == [201, 201, 404, 201, 201, 200, 200]
    assert responses[5][1] == b"tiny body"
    assert responses[6][1].split() == [b"big", b"empty", b"small"]
    got = requests.get(server.storage_url("pipe") + "/c/big", headers={"X-Auth-Token": "tok-pipe"})
    assert got.content == big
    assert got.headers["ETag"] == hashlib.md5(big).hexdigest()


def test_body_shorter_than_content_length_creates_nothing(server):
    base = "/object-store/v1/short"
    requests.put(server.storage_url("short") + "/c",
                 headers={"X-Auth-Token": "tok-short"}).raise_for_status()
    sent = os.urandom(BLOCK + 100)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        head = raw_request("PUT", base + "/c/obj", length=3 * BLOCK).replace(b"tok-pipe", b"tok-short")
        sock.sendall(head + sent)
        sock.shutdown(socket.SHUT_WR)  # the client gives up half way
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert not reply or int(reply.split(b" ", 2)[1]) == 400
    r = requests.get(server.storage_url("short") + "/c", headers={"X-Auth-Token": "tok-short"})
    assert r.status_code == 204 and r.text == ""
