"""ObjectStoreClient against the in-test fake Pithos (tests/unit/kamaki/fake_cloud.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "kamaki"))
from fake_cloud import TOKEN, USER_ID, FakeCloud  # noqa: E402

from snf_common import hashing  # noqa: E402
from snf_common.clients.base import ClientError  # noqa: E402
from snf_common.clients.object_store import (  # noqa: E402
    ObjectStoreClient,
    format_sharing,
    parse_sharing,
)


@pytest.fixture()
def cloud():
    with FakeCloud(block_size=1024) as fake:
        yield fake


@pytest.fixture()
def client(cloud):
    return ObjectStoreClient(f"{cloud.url}/object-store/v1/{USER_ID}", TOKEN, retries=0)


def test_container_create_is_idempotent_and_reports_block_params(client):
    assert client.create_container("c") is True
    assert client.create_container("c") is False
    info = client.get_container_info("c")
    assert info["x-container-block-size"] == "1024"
    assert info["x-container-block-hash"] == "sha256"


def test_put_get_head_delete_object(client):
    client.create_container("c")
    client.put_object("c", "dir/a.txt", b"hello", content_type="text/plain",
                      meta={"color": "blue"})
    assert client.get_object("c", "dir/a.txt") == b"hello"
    assert client.get_object("c", "dir/a.txt", byte_range=(1, 3)) == b"ell"
    assert client.get_object_meta("c", "dir/a.txt") == {"color": "blue"}
    client.delete_object("c", "dir/a.txt")
    with pytest.raises(ClientError) as err:
        client.get_object_info("c", "dir/a.txt")
    assert err.value.status == 404


def test_listing_follows_markers_across_pages(client, monkeypatch):
    import snf_common.clients.object_store as mod

    monkeypatch.setattr(mod, "LIST_PAGE_SIZE", 3)
    client.create_container("c")
    for i in range(8):
        client.put_object("c", f"o{i}", b"x")
    names = [o["name"] for o in client.list_objects("c")]
    assert names == [f"o{i}" for i in range(8)]
    assert [o["name"] for o in client.list_objects("c", limit=5)] == names[:5]


def test_listing_with_delimiter_gives_subdirs(client):
    client.create_container("c")
    for name in ("a/1", "a/2", "b"):
        client.put_object("c", name, b"x")
    listing = client.list_objects("c", delimiter="/")
    assert listing[0] == {"subdir": "a/"} and listing[1]["name"] == "b"


def test_put_hashmap_returns_missing_then_creates(client, cloud):
    client.create_container("c")
    data = b"A" * 1024 + b"B" * 100
    size, hashes = hashing.hashmap_of_stream(__import__("io").BytesIO(data), 1024)
    missing, _ = client.put_hashmap("c", "obj", size, hashes)
    assert missing == hashes
    assert client.upload_blocks("c", data[:1024]) == [hashes[0]]
    assert client.upload_blocks("c", data[1024:]) == [hashes[1]]
    missing, headers = client.put_hashmap("c", "obj", size, hashes)
    assert missing == []
    assert headers["x-object-hash"] == hashing.merkle_root_hex(hashes)
    hashmap = client.get_hashmap("c", "obj")
    assert hashmap["hashes"] == hashes and hashmap["bytes"] == size
    assert client.get_object("c", "obj") == data


def test_copy_keeps_data_move_keeps_uuid(client):
    client.create_container("c")
    client.put_object("c", "src", b"data")
    uuid = client.get_object_info("c", "src")["x-object-uuid"]
    client.copy_object("c", "src", "c", "copy")
    assert client.get_object_info("c", "copy")["x-object-uuid"] != uuid
    client.move_object("c", "src", "c", "moved")
    assert client.get_object_info("c", "moved")["x-object-uuid"] == uuid
    assert client.get_object("c", "copy") == b"data"
    assert "src" not in [o["name"] for o in client.list_objects("c")]


def test_sharing_publish_versions(client):
    client.create_container("c")
    client.put_object("c", "f", b"1")
    client.put_object("c", "f", b"2")
    client.set_sharing("c", "f", read=["u1", "grp:g"], write=["u2"])
    assert client.get_sharing("c", "f") == {"read": ["u1", "grp:g"], "write": ["u2"]}
    url = client.publish("c", "f")
    assert "/public/" in url
    client.unpublish("c", "f")
    assert "x-object-public" not in client.get_object_info("c", "f")
    assert [v["version"] for v in client.list_versions("c", "f")] == ["1", "2"]


def test_sharing_header_format_round_trips():
    value = format_sharing(["a", "b"], ["c"])
    assert value == "read=a,b;write=c"
    assert parse_sharing(value) == {"read": ["a", "b"], "write": ["c"]}
    assert format_sharing() == ""


def test_bad_token_is_401(cloud):
    bad = ObjectStoreClient(f"{cloud.url}/object-store/v1/{USER_ID}", "nope", retries=0)
    with pytest.raises(ClientError) as err:
        bad.list_containers()
    assert err.value.status == 401


def test_delete_non_empty_container_is_409(client):
    client.create_container("c")
    client.put_object("c", "x", b"1")
    with pytest.raises(ClientError) as err:
        client.delete_container("c")
    assert err.value.status == 409
