"""archipelago.nbd: the NBD server over volumes, driven by real qemu tools and by
our own client. Copy-on-write is checked on the store: writes through NBD add
blocks for the clone only, the image's map and blocks stay as they were."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import threading

import pytest

from archipelago import mapper, volumes
from archipelago.blockstore.filesystem import FilesystemBlockStore
from archipelago.nbd import NbdClient, NbdError, NbdServer, parse_nbd_uri
from snf_common import hashing

BS = 256 * 1024  # small blocks keep the test fast; the logic is the same at 4 MiB
IMAGE_BLOCKS = 6
QEMU = shutil.which("qemu-img") and shutil.which("qemu-io")
needs_qemu = pytest.mark.skipif(not QEMU, reason="qemu-img/qemu-io missing (Debian qemu-utils)")


def _pattern(i: int) -> bytes:
    return bytes([(i * 37 + 11) % 251 or 1]) * (BS // 2) + bytes(BS // 2)


@pytest.fixture
def store(tmp_path):
    s = FilesystemBlockStore(str(tmp_path / "store"), fsync=False)
    yield s
    s.close()


@pytest.fixture
def image(store):
    """An 'image' volume: blocks 0..5 with data, block 3 all zeros (sparse)."""
    raw = b"".join(bytes(BS) if i == 3 else _pattern(i) for i in range(IMAGE_BLOCKS))
    volumes.import_volume(store, "image", io.BytesIO(raw), BS)
    return raw


def _serve(store, tmp_path, names, **kw):
    sock = str(tmp_path / "nbd.sock")
    server = NbdServer(store, sock, names, **kw)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return server, thread, sock


@pytest.fixture
def served(store, image, tmp_path):
    mapper.clone(store, "image", "vm1")
    server, thread, sock = _serve(store, tmp_path, ["vm1"])
    yield sock
    server.shutdown()
    server.server_close()
    server.close_exports()
    thread.join(5)


def _uri(sock: str, name: str = "vm1") -> str:
    return f"nbd+unix:///{name}?socket={sock}"


def _run(*cmd: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc.stdout


def _block_files(store) -> set[str]:
    return set(store.iter_block_names())


@needs_qemu
def test_qemu_img_info_and_convert_read_the_clone(served, image, tmp_path):
    info = _run("qemu-img", "info", "--output=json", _uri(served))
    assert '"virtual-size": %d' % len(image) in info
    out = tmp_path / "out.raw"
    _run("qemu-img", "convert", "-f", "raw", "-O", "raw", _uri(served), str(out))
    assert out.read_bytes() == image


@needs_qemu
def test_qemu_io_write_is_copy_on_write(served, store, image):
    before_blocks = _block_files(store)
    image_map = store.get_map("volumes/image")
    # writeback: qemu flushes once at close (writethrough would flush after each write)
    _run("qemu-io", "-f", "raw", "-t", "writeback", "-c", "write -P 0xab 0 4k",
         "-c", "write -P 0xcd 8192 4k",
         "-c", "write -P 0xef 65536 4k", _uri(served))
    vm = mapper.load(store, "vm1")
    img = mapper.load(store, "image")
    # three writes into block 0 -> one new block (the write-back cache), nothing else
    assert _block_files(store) - before_blocks == {vm.hashes[0].hex()}
    assert vm.hashes[1:] == img.hashes[1:]  # the rest is still shared with the image
    assert store.get_map("volumes/image") == image_map
    data = volumes.open_volume(store, "vm1").read(0, BS)
    expect = bytearray(image[:BS])
    expect[0:4096] = b"\xab" * 4096
    expect[8192:12288] = b"\xcd" * 4096
    expect[65536:69632] = b"\xef" * 4096
    assert data == bytes(expect)
    assert volumes.open_volume(store, "image").read(0, BS) == image[:BS]


@needs_qemu
def test_qemu_img_convert_into_the_volume_stores_only_changed_blocks(served, store, image,
                                                                    tmp_path):
    changed = bytearray(image)
    changed[4 * BS + 10:4 * BS + 20] = b"x" * 10  # one block differs from the image
    src = tmp_path / "src.raw"
    src.write_bytes(bytes(changed))
    before = _block_files(store)
    _run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", str(src), _uri(served))
    assert volumes.open_volume(store, "vm1").read(0, len(image)) == bytes(changed)
    new = _block_files(store) - before
    assert new == {hashing.block_hash_hex(bytes(changed[4 * BS:5 * BS]))}


@needs_qemu
def test_discard_makes_whole_blocks_sparse(served, store):
    _run("qemu-io", "-f", "raw", "-c", f"discard {BS} {BS}", _uri(served))
    vm = mapper.load(store, "vm1")
    assert vm.hashes[1] == vm.zero_hash
    assert volumes.open_volume(store, "vm1").read(BS, BS) == bytes(BS)


@needs_qemu
def test_snapshot_is_served_read_only(store, image, tmp_path):
    mapper.snapshot(store, "image", "snap")
    server, thread, sock = _serve(store, tmp_path, ["snap"])
    try:
        proc = subprocess.run(["qemu-io", "-f", "raw", "-c", "write -P 1 0 4k", _uri(sock, "snap")],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 or "failed" in (proc.stdout + proc.stderr).lower()
        out = tmp_path / "snap.raw"
        _run("qemu-img", "convert", "-f", "raw", "-O", "raw", _uri(sock, "snap"), str(out))
        assert out.read_bytes() == image
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_own_client_roundtrip_flush_and_unknown_export(served, store, image):
    with NbdClient(served, "vm1") as client:
        assert client.size == len(image)
        assert client.read(BS - 10, 20) == image[BS - 10:BS + 10]
        client.write(BS - 2, b"ZZZZ")
        # not flushed yet: the map still shares block 0 and 1 with the image
        assert mapper.load(store, "vm1").hashes[:2] == mapper.load(store, "image").hashes[:2]
        assert client.read(BS - 2, 4) == b"ZZZZ"
        client.flush()
        vm = mapper.load(store, "vm1")
        img = mapper.load(store, "image")
        assert vm.hashes[0] != img.hashes[0] and vm.hashes[1] != img.hashes[1]
        with pytest.raises(NbdError):
            client.write(len(image) - 1, b"ab")  # past the end
    with pytest.raises(NbdError):
        NbdClient(served, "nope")


def test_dirty_cache_evicts_and_follows_growth(store, image, tmp_path):
    mapper.clone(store, "image", "vm2")
    server, thread, sock = _serve(store, tmp_path, ["vm2"], max_dirty=2)
    try:
        with NbdClient(sock, "vm2") as client:
            for i in range(4):
                client.write(i * BS + 1, b"q")
            # more dirty blocks than the cache holds: the oldest block reached the store
            # and the stored map points at it (so the garbage collector sees it)
            first = bytearray(image[:BS])
            first[1:2] = b"q"
            assert store.has_blocks([hashing.block_hash_hex(bytes(first))])
            assert mapper.load(store, "vm2").hashes[0] == hashing.block_hash(bytes(first))
            last = bytearray(image[3 * BS:4 * BS])
            last[1:2] = b"q"
            assert not store.has_blocks([hashing.block_hash_hex(bytes(last))])
            mapper.resize(store, "vm2", len(image) + BS)  # the provider's grow while attached
            client.flush()
        vm = mapper.load(store, "vm2")
        assert vm.size == len(image) + BS  # the server did not write the old size back
        with NbdClient(sock, "vm2") as client:
            assert client.size == len(image) + BS
            assert client.read(3 * BS, 2) == b"\0q"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_parse_nbd_uri():
    assert parse_nbd_uri("kvm:nbd:unix:/run/a.sock:exportname=v1") == ("/run/a.sock", "v1")
    assert parse_nbd_uri("nbd+unix:///v1?socket=/run/a.sock") == ("/run/a.sock", "v1")
    with pytest.raises(NbdError):
        parse_nbd_uri("rbd:pool/x")


def test_server_process_flushes_on_sigterm(store, image, tmp_path):
    """`python -m archipelago.nbd` as its own process; SIGTERM stores dirty blocks."""
    import sys
    import time

    mapper.clone(store, "image", "vm3")
    sock = str(tmp_path / "p.sock")
    proc = subprocess.Popen([sys.executable, "-m", "archipelago.nbd", "--store",
                             f"file:{store.root}?fsync=no", "--socket", sock, "vm3"],
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(sock):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        client = NbdClient(sock, "vm3")
        client.write(0, b"unflushed")
        proc.terminate()
        proc.wait(20)
        client.sock.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert volumes.open_volume(store, "vm3").read(0, 9) == b"unflushed"
