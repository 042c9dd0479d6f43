"""Block-level upload/download (snf_common.clients.sync) against the in-test fake Pithos."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "kamaki"))
from fake_cloud import TOKEN, USER_ID, FakeCloud  # noqa: E402

from snf_common import hashing  # noqa: E402
from snf_common.clients import sync  # noqa: E402
from snf_common.clients.base import ClientError  # noqa: E402
from snf_common.clients.object_store import ObjectStoreClient  # noqa: E402

BS = 1024


@pytest.fixture()
def cloud():
    with FakeCloud(block_size=BS) as fake:
        yield fake


@pytest.fixture()
def client(cloud):
    c = ObjectStoreClient(f"{cloud.url}/object-store/v1/{USER_ID}", TOKEN, retries=0)
    c.create_container("c")
    return c


def write(path, data):
    path.write_bytes(data)
    return str(path)


def blocks(n, seed=0):
    return b"".join(bytes([(seed + i) % 251 + 1]) * BS for i in range(n))


def test_file_hashmap_matches_the_single_implementation(tmp_path):
    data = os.urandom(BS * 5 + 17) + b"\x00" * 40
    path = write(tmp_path / "f", data)
    import io

    expected = hashing.hashmap_of_stream(io.BytesIO(data), BS)
    assert sync.file_hashmap(path, BS, workers=3) == expected
    assert sync.file_hashmap(write(tmp_path / "e", b""), BS) == (0, [hashing.empty_hash().hex()])


def test_upload_sends_only_missing_blocks(client, cloud, tmp_path):
    path = write(tmp_path / "f", blocks(6) + b"tail")
    stats = sync.upload_file(client, "c", "f", path)
    assert stats.blocks_total == 7 and stats.blocks_transferred == 7
    assert client.get_object("c", "f") == blocks(6) + b"tail"
    # Unchanged re-upload: the PUT ?hashmap answers 201 at once, no block is sent.
    cloud.reset_counts()
    stats = sync.upload_file(client, "c", "f", path)
    assert stats.blocks_transferred == 0
    assert cloud.count("POST", r"/c\?") == 0
    # One changed block: exactly one block upload.
    data = bytearray(blocks(6) + b"tail")
    data[3 * BS + 5] ^= 0xFF
    write(tmp_path / "f", bytes(data))
    cloud.reset_counts()
    stats = sync.upload_file(client, "c", "f", path)
    assert stats.transferred_indexes == [3]
    assert cloud.count("POST", r"/c\?") == 1
    assert client.get_object("c", "f") == bytes(data)


def test_upload_of_repeated_blocks_sends_each_once(client, cloud, tmp_path):
    path = write(tmp_path / "f", b"Z" * BS * 4)
    stats = sync.upload_file(client, "c", "f", path)
    assert stats.blocks_transferred == 1
    assert client.get_hashmap("c", "f")["hashes"] == [hashing.block_hash_hex(b"Z" * BS)] * 4


def test_upload_of_empty_file(client, tmp_path):
    stats = sync.upload_file(client, "c", "e", write(tmp_path / "e", b""))
    assert stats.size == 0
    assert client.get_object("c", "e") == b""


def test_download_fetches_only_changed_blocks(client, cloud, tmp_path):
    original = blocks(8, seed=3) + b"end"
    sync.upload_file(client, "c", "f", write(tmp_path / "up", original))
    local = tmp_path / "down"
    stats = sync.download_file(client, "c", "f", str(local))
    assert local.read_bytes() == original and stats.blocks_transferred == 9
    # Server-side change of blocks 2 and 6.
    changed = bytearray(original)
    changed[2 * BS] ^= 1
    changed[6 * BS + 100] ^= 1
    sync.upload_file(client, "c", "f", write(tmp_path / "up", bytes(changed)))
    cloud.reset_counts()
    stats = sync.download_file(client, "c", "f", str(local))
    assert stats.transferred_indexes == [2, 6]
    assert cloud.count("GET", r"/c/f\?$") == 2  # two Range GETs, nothing else
    assert local.read_bytes() == bytes(changed)


def test_download_resumes_a_partial_file(client, tmp_path):
    original = blocks(10, seed=7)
    sync.upload_file(client, "c", "f", write(tmp_path / "up", original))
    partial = tmp_path / "down"
    partial.write_bytes(original[: 4 * BS + 300])  # interrupted inside block 4
    stats = sync.download_file(client, "c", "f", str(partial))
    assert stats.transferred_indexes == [4, 5, 6, 7, 8, 9]
    assert partial.read_bytes() == original


def test_download_truncates_a_longer_local_file(client, tmp_path):
    sync.upload_file(client, "c", "f", write(tmp_path / "up", blocks(2)))
    local = write(tmp_path / "down", blocks(5))
    stats = sync.download_file(client, "c", "f", local)
    assert stats.blocks_transferred == 0
    assert Path(local).read_bytes() == blocks(2)


def test_download_without_sync_fetches_everything(client, tmp_path):
    sync.upload_file(client, "c", "f", write(tmp_path / "up", blocks(3)))
    local = write(tmp_path / "down", blocks(3))
    stats = sync.download_file(client, "c", "f", local, sync=False)
    assert stats.blocks_transferred == 3
    assert Path(local).read_bytes() == blocks(3)


def test_download_of_missing_object_is_404(client, tmp_path):
    with pytest.raises(ClientError) as err:
        sync.download_file(client, "c", "nope", str(tmp_path / "x"))
    assert err.value.status == 404


def test_progress_reports_every_byte(client, tmp_path):
    data = blocks(4) + b"xyz"
    seen = {}

    def progress(phase, delta, total):
        seen[phase] = seen.get(phase, 0) + delta
        assert total == len(data)

    sync.upload_file(client, "c", "f", write(tmp_path / "up", data), progress=progress)
    assert seen == {"hash": len(data), "upload": len(data)}


def test_skip_unchanged_makes_no_new_version(client, cloud, tmp_path):
    path = write(tmp_path / "f", blocks(3))
    sync.upload_file(client, "c", "f", path)
    cloud.reset_counts()
    stats = sync.upload_file(client, "c", "f", path, skip_unchanged=True)
    assert stats.blocks_transferred == 0
    assert cloud.count("PUT") == 0
    assert len(client.list_versions("c", "f")) == 1


def test_head_404_names_the_object(client):
    with pytest.raises(ClientError) as err:
        client.get_object_info("c", "ghost")
    assert err.value.message == "c/ghost not found"


def test_new_object_is_sent_in_one_pass_with_several_blocks_per_post(client, cloud, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setattr(sync, "BLOCKS_PER_POST", 3)
    reads = []
    real_pread = os.pread
    monkeypatch.setattr(sync.os, "pread", lambda fd, n, off: reads.append(off) or
                        real_pread(fd, n, off))
    path = write(tmp_path / "f", blocks(7) + b"tail")
    cloud.reset_counts()
    stats = sync.upload_file(client, "c", "new", path)
    assert stats.blocks_transferred == 8 and sorted(stats.transferred_indexes) == list(range(8))
    assert cloud.count("POST", r"/c\?") == 3              # 3 + 3 + 2 blocks
    assert sorted(reads) == [i * BS for i in range(8)]   # every block read once
    assert client.get_object("c", "new") == blocks(7) + b"tail"
    # An existing object is hashed first; only its missing blocks go, batched too.
    data = bytearray(blocks(7) + b"tail")
    for index in (0, 1, 5):
        data[index * BS] ^= 0xFF
    write(tmp_path / "f", bytes(data))
    cloud.reset_counts()
    stats = sync.upload_file(client, "c", "new", path)
    assert stats.transferred_indexes == [0, 1, 5]
    assert cloud.count("POST", r"/c\?") == 1
    assert client.get_object("c", "new") == bytes(data)


def test_hash_cache_skips_hashing_an_unchanged_file(client, cloud, tmp_path, monkeypatch):
    from snf_common.clients.hashcache import HashCache

    cache = HashCache(tmp_path / "cache")
    path = write(tmp_path / "f", blocks(5))
    sync.upload_file(client, "c", "f", path, hash_cache=cache)
    hashed = []
    real = hashing.block_hash_hex
    monkeypatch.setattr(sync.hashing, "block_hash_hex",
                        lambda data, alg=hashing.HASH_ALGORITHM: hashed.append(1) or real(data, alg))
    versions = len(client.list_versions("c", "f"))
    stats = sync.upload_file(client, "c", "f", path, skip_unchanged=True, hash_cache=cache)
    assert stats.blocks_transferred == 0 and hashed == []
    assert len(client.list_versions("c", "f")) == versions
    # A write changes the mtime: the file is hashed again and the change is sent.
    data = bytearray(blocks(5))
    data[2 * BS] ^= 0xFF
    os.utime(write(tmp_path / "f", bytes(data)), ns=(1, 1))
    stats = sync.upload_file(client, "c", "f", path, skip_unchanged=True, hash_cache=cache)
    assert stats.transferred_indexes == [2] and len(hashed) >= 5  # (+ checks, fake server)
    # A finished download leaves the object's hashes: the next sync hashes nothing.
    hashed.clear()
    out = str(tmp_path / "out")
    sync.download_file(client, "c", "f", out, sync=False, hash_cache=cache)
    hashed.clear()
    stats = sync.download_file(client, "c", "f", out, sync=True, hash_cache=cache)
    assert stats.blocks_transferred == 0 and hashed == []
    assert Path(out).read_bytes() == bytes(data)


def test_download_fetches_runs_of_consecutive_blocks_in_one_get(client, cloud, tmp_path,
                                                                monkeypatch):
    monkeypatch.setattr(sync, "BLOCKS_PER_GET", 3)
    data = blocks(8) + b"tail"
    sync.upload_file(client, "c", "f", write(tmp_path / "f", data))
    out = tmp_path / "out"
    cloud.reset_counts()
    stats = sync.download_file(client, "c", "f", str(out), sync=False)
    assert stats.blocks_transferred == 9 and out.read_bytes() == data
    assert cloud.count("GET", r"/c/f\?$") == 3                 # blocks 0-2, 3-5, 6-8
    changed = bytearray(data)
    for index in (1, 2, 6):
        changed[index * BS] ^= 0xFF
    out.write_bytes(bytes(changed))
    cloud.reset_counts()
    stats = sync.download_file(client, "c", "f", str(out), sync=True)
    assert stats.transferred_indexes == [1, 2, 6] and out.read_bytes() == data
    assert cloud.count("GET", r"/c/f\?$") == 2                 # blocks 1-2, then 6


def test_download_checks_blocks_with_trailing_zeros_and_overwrites_a_longer_file(client,
                                                                                  tmp_path):
    # Blocks whose tails are NUL bytes are named after stripping them; the reused
    # read buffer must be hashed the same way. A stale longer file is cut to size.
    original = (b"a" * 100 + b"\0" * (BS - 100)) * 3 + b"b" * 10 + b"\0" * 7
    sync.upload_file(client, "c", "z", write(tmp_path / "up", original))
    local = write(tmp_path / "down", os.urandom(6 * BS))
    stats = sync.download_file(client, "c", "z", local, sync=False)
    assert stats.blocks_transferred == 4
    assert Path(local).read_bytes() == original
