"""Pithos in a whole cloud brought up by snf-deploy (the session `cloud` fixture):
python-swiftclient and the `swift` CLI authenticating with Keystone v3 at Astakos,
pithos.diskspace really charged through Astakos commissions, a second user kept out
unless shared with, public links, and kamaki's block sync (snf_common.clients.sync)
fetching only the changed block, counted from Pithos' access log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent
MIB = 1024 * 1024
RESOURCE = "pithos.diskspace"


@dataclass
class User:
    username: str
    password: str
    user_id: str
    project_id: str
    token: str
    storage_url: str


def manage(cloud, service: str, *args: str) -> str:
    proc = subprocess.run([str(BIN / f"{service}-manage"), *args], env=cloud.env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc.stdout


def swift_connection(cloud, user: User | dict, **kwargs):
    from swiftclient import client as swift

    name = user.username if isinstance(user, User) else user["username"]
    password = user.password if isinstance(user, User) else user["password"]
    return swift.Connection(
        authurl=cloud.urls["identity"], user=name, key=password, auth_version="3",
        os_options={"project_name": name, "user_domain_name": "Default",
                    "project_domain_name": "Default"}, retries=0, **kwargs)


def log_in(cloud, username: str, password: str) -> User:
    """Keystone v3 password auth through swiftclient; the storage URL comes from the catalog."""
    from swiftclient import client as swift

    conn = swift_connection(cloud, {"username": username, "password": password})
    try:
        url, token = conn.get_auth()
    except swift.ClientException as exc:
        if "object-store" in str(exc).lower() or "endpoint" in str(exc).lower():
            pytest.xfail(f"the deployed catalog has no object-store endpoint ({exc}); "
                         "snf-deploy must register pithos (service-import)")
        raise
    user_id = url.rstrip("/").rsplit("/", 1)[-1]
    return User(username, password, user_id, user_id, token, url)


@pytest.fixture(scope="module")
def demo(cloud) -> User:
    return log_in(cloud, cloud.demo["username"], cloud.demo["password"])


@pytest.fixture(scope="module")
def other(cloud) -> User:
    name, password = "other" + secrets.token_hex(3), secrets.token_urlsafe(12)
    created = json.loads(manage(cloud, "astakos", "bootstrap-demo", "--username", name,
                                f"--password={password}", "--email", f"{name}@example.org",
                                "-o", "json"))
    user = log_in(cloud, name, password)
    assert user.user_id == created["user_id"]
    return user


def diskspace(cloud, user: User) -> dict:
    r = requests.get(cloud.urls["astakos"] + "/account/v1.0/quotas",
                     headers={"X-Auth-Token": user.token}, timeout=30)
    r.raise_for_status()
    return r.json()[user.project_id][RESOURCE]


def bytes_used(conn) -> int:
    return int(conn.head_account()["x-account-bytes-used"])


def pending_pithos_commissions(cloud) -> list:
    # the clientkey of a commission is the issuing component's name
    return json.loads(manage(cloud, "astakos", "commission-list", "--component", "pithos",
                             "-o", "json") or "[]")


def swift_cli(cloud, user: User, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [str(BIN / "swift"), "--auth-version", "3", "--os-auth-url", cloud.urls["identity"],
         "--os-username", user.username, "--os-password", user.password,
         "--os-project-name", user.username, "--os-user-domain-name", "Default",
         "--os-project-domain-name", "Default", *args],
        capture_output=True, text=True, timeout=180, cwd=cwd, env=cloud.env)
    assert result.returncode == 0, (args, result.stderr, result.stdout)
    return result.stdout


def test_swift_cli_with_keystone_v3(cloud, demo, tmp_path):
    small = tmp_path / "small.txt"
    small.write_bytes(b"hello cloud\n" * 1000)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5 * MIB + 321))
    container = "cli" + secrets.token_hex(3)
    swift_cli(cloud, demo, "upload", container, "small.txt", cwd=tmp_path)
    swift_cli(cloud, demo, "upload", "--segment-size", str(2 * MIB), container, "big.bin",
              cwd=tmp_path)
    assert swift_cli(cloud, demo, "list", container, cwd=tmp_path).split() == \
        ["big.bin", "small.txt"]
    assert len(swift_cli(cloud, demo, "list", container + "_segments", cwd=tmp_path).split()) == 3
    out = tmp_path / "out"
    out.mkdir()
    swift_cli(cloud, demo, "download", container, "big.bin", "small.txt", cwd=out)
    assert (out / "big.bin").read_bytes() == big.read_bytes()
    assert (out / "small.txt").read_bytes() == small.read_bytes()
    swift_cli(cloud, demo, "post", "-m", "color:green", container, "small.txt", cwd=tmp_path)
    stat = swift_cli(cloud, demo, "stat", container, "small.txt", cwd=tmp_path)
    assert re.search(r"Meta Color: green", stat) and re.search(r"Content Length: 12000", stat)
    assert re.search(r"Account: " + demo.user_id, stat)
    swift_cli(cloud, demo, "copy", "-d", f"/{container}/copy.txt", container, "small.txt",
              cwd=tmp_path)
    stat = swift_cli(cloud, demo, "stat", container, "copy.txt", cwd=tmp_path)
    assert "ETag: " + hashlib.md5(small.read_bytes()).hexdigest() in stat
    swift_cli(cloud, demo, "delete", container, "small.txt", "copy.txt", cwd=tmp_path)
    assert swift_cli(cloud, demo, "list", container, cwd=tmp_path).split() == ["big.bin"]
    swift_cli(cloud, demo, "delete", container, cwd=tmp_path)  # the manifest's segments too
    assert container not in swift_cli(cloud, demo, "list", cwd=tmp_path).split()
    assert swift_cli(cloud, demo, "list", container + "_segments", cwd=tmp_path).split() == []


def test_quota_charged_and_released(cloud, demo):
    conn = swift_connection(cloud, demo)
    before = diskspace(cloud, demo)
    assert before["usage"] == bytes_used(conn)
    container = "quota" + secrets.token_hex(3)
    conn.put_container(container)
    first, second = os.urandom(3 * MIB + 5), os.urandom(1000)
    conn.put_object(container, "a", first)
    conn.put_object(container, "b", second)
    after = diskspace(cloud, demo)
    assert after["usage"] == before["usage"] + len(first) + len(second) == bytes_used(conn)
    assert after["pending"] == 0
    # an overwrite charges only the difference (history is free)
    conn.put_object(container, "b", b"x" * 10)
    assert diskspace(cloud, demo)["usage"] == before["usage"] + len(first) + 10
    conn.delete_object(container, "a")
    conn.delete_object(container, "b")
    conn.delete_container(container)
    final = diskspace(cloud, demo)
    assert final["usage"] == before["usage"] == bytes_used(conn) and final["pending"] == 0
    assert pending_pithos_commissions(cloud) == []


def test_upload_over_limit_is_413_and_changes_nothing(cloud, demo):
    from swiftclient import client as swift

    conn = swift_connection(cloud, demo)
    container = "limit" + secrets.token_hex(3)
    conn.put_container(container)
    conn.put_object(container, "keep", b"old content")
    resources = json.loads(manage(cloud, "astakos", "resource-list", "-o", "json"))
    default = next(r for r in resources if r["name"] == RESOURCE)["default_limit"]
    used = diskspace(cloud, demo)["usage"]
    manage(cloud, "astakos", "resource-modify", RESOURCE, "--system-default", str(used + 1000))
    try:
        assert diskspace(cloud, demo)["limit"] == used + 1000
        with pytest.raises(swift.ClientException) as err:
            conn.put_object(container, "big", os.urandom(5000))
        assert err.value.http_status == 413
        with pytest.raises(swift.ClientException) as err:
            conn.put_object(container, "keep", os.urandom(2000))  # +1989 bytes
        assert err.value.http_status == 413
        with pytest.raises(swift.ClientException) as err:  # refused before it is received
            conn.put_object(container, "huge", os.urandom(9 * MIB))
        assert err.value.http_status == 413
        with pytest.raises(swift.ClientException) as err:
            conn.head_object(container, "big")
        assert err.value.http_status == 404
        assert conn.get_object(container, "keep")[1] == b"old content"
        assert [o["name"] for o in conn.get_container(container)[1]] == ["keep"]
        state = diskspace(cloud, demo)
        assert state["usage"] == used == bytes_used(conn) and state["pending"] == 0
        assert pending_pithos_commissions(cloud) == []
        # what fits still goes in
        conn.put_object(container, "small", b"y" * 900)
        assert diskspace(cloud, demo)["usage"] == used + 900
    finally:
        manage(cloud, "astakos", "resource-modify", RESOURCE, "--system-default", str(default))
    conn.delete_object(container, "small")
    conn.delete_object(container, "keep")
    conn.delete_container(container)


def test_second_user_needs_a_share_and_public_links_need_no_token(cloud, demo, other):
    from swiftclient import client as swift

    owner = swift_connection(cloud, demo)
    container = "shared" + secrets.token_hex(3)
    owner.put_container(container)
    owner.put_object(container, "doc", b"owner's words")
    intruder = swift.Connection(preauthurl=demo.storage_url, preauthtoken=other.token, retries=0)

    def refused(call, *args, **kwargs) -> None:
        with pytest.raises(swift.ClientException) as err:
            call(*args, **kwargs)
        assert err.value.http_status == 403, (call.__name__, err.value)

    refused(intruder.get_object, container, "doc")
    refused(intruder.head_object, container, "doc")
    refused(intruder.get_container, container)
    refused(intruder.get_account)
    refused(intruder.put_object, container, "doc", b"overwritten")
    refused(intruder.put_object, container, "new", b"planted")
    refused(intruder.post_object, container, "doc", headers={"X-Object-Meta-X": "1"})
    refused(intruder.delete_object, container, "doc")
    assert owner.get_object(container, "doc")[1] == b"owner's words"
    assert [o["name"] for o in owner.get_container(container)[1]] == ["doc"]

    # a read share: reading works, writing still does not
    owner.post_object(container, "doc", headers={"X-Object-Sharing": f"read={other.user_id}"})
    assert intruder.get_object(container, "doc")[1] == b"owner's words"
    refused(intruder.put_object, container, "doc", b"overwritten")
    refused(intruder.delete_object, container, "doc")
    sharing = requests.get(cloud.urls["pithos"] + "/object-store/v1?format=json",
                           headers={"X-Auth-Token": other.token}, timeout=30).json()
    assert demo.user_id in [a["name"] for a in sharing]

    # a write share: the other user writes; the owner's quota pays
    usage = diskspace(cloud, demo)["usage"]
    owner.post_object(container, "doc", headers={"X-Object-Sharing": f"write={other.user_id}"})
    intruder.put_object(container, "doc", b"edited by the other user")
    headers, data = owner.get_object(container, "doc")
    assert data == b"edited by the other user"
    assert headers["x-object-modified-by"] == other.user_id
    assert diskspace(cloud, demo)["usage"] == usage + len(data) - len(b"owner's words")
    refused(intruder.put_object, container, "elsewhere", b"not shared")

    # a public link: no token at all
    owner.post_object(container, "doc", headers={"X-Object-Public": "true"})
    link = owner.head_object(container, "doc")["x-object-public"]
    public = requests.get(link if link.startswith("http") else cloud.urls["pithos"] + link,
                          timeout=30)
    assert public.status_code == 200 and public.content == data
    assert requests.get(demo.storage_url + f"/{container}/doc", timeout=30).status_code == 401
    owner.post_object(container, "doc", headers={"X-Object-Public": "false"})
    assert requests.get(link if link.startswith("http") else cloud.urls["pithos"] + link,
                        timeout=30).status_code == 404
    owner.delete_object(container, "doc")
    owner.delete_container(container)


def access_lines(cloud, pattern: str) -> list[str]:
    text = (cloud.state_dir / "log" / "pithos.log").read_text(errors="replace")
    return [line for line in text.splitlines() if " snf.access " in line and re.search(pattern, line)]


def wait_for_lines(cloud, pattern: str, count: int, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        found = access_lines(cloud, pattern)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_sync_download_fetches_only_the_changed_block(cloud, demo, tmp_path):
    from snf_common.clients.object_store import ObjectStoreClient
    from snf_common.clients.sync import download_file, upload_file

    client = ObjectStoreClient(demo.storage_url, demo.token)
    container = "sync" + secrets.token_hex(3)
    client.create_container(container)
    block = int(client.get_container_info(container)["x-container-block-size"])
    data = bytearray(os.urandom(3 * block + 4321))
    (tmp_path / "src.bin").write_bytes(data)
    upload_file(client, container, "f.bin", str(tmp_path / "src.bin"))
    obj_path = re.escape(f"/object-store/v1/{demo.user_id}/{container}/f.bin")
    ranged = rf"GET {obj_path} 206 "

    stats = download_file(client, container, "f.bin", str(tmp_path / "local.bin"))
    assert stats.blocks_transferred == 4
    # the client may fetch runs of consecutive blocks in one ranged GET
    time.sleep(0.5)
    first_gets = len(wait_for_lines(cloud, ranged, 1))
    assert 1 <= first_gets <= 4

    # the server-side copy changes in one block (a partial update of 10 bytes)
    offset = 2 * block + 99
    r = requests.post(f"{demo.storage_url}/{container}/f.bin",
                      headers={"X-Auth-Token": demo.token, "Content-Type": "application/octet-stream",
                               "Content-Range": f"bytes {offset}-{offset + 9}/*"},
                      data=b"0123456789", timeout=60)
    assert r.status_code == 204, r.text
    data[offset:offset + 10] = b"0123456789"

    stats = download_file(client, container, "f.bin", str(tmp_path / "local.bin"))
    assert stats.blocks_transferred == 1 and stats.transferred_indexes == [2]
    assert (tmp_path / "local.bin").read_bytes() == bytes(data)
    # server side: exactly one more ranged GET of the object (plus one hashmap GET)
    time.sleep(0.5)
    assert len(wait_for_lines(cloud, ranged, first_gets + 1)) == first_gets + 1
    client.delete_object(container, "f.bin")
    client.delete_container(container)


def test_hashmap_built_object_gets_its_md5_in_the_background(cloud, demo, tmp_path):
    """No full read happens here: only ranged GETs, which never compute the MD5
    themselves, so the ETag they end up carrying was computed by the server's
    background job after the hashmap PUT."""
    from snf_common.clients.object_store import ObjectStoreClient
    from snf_common.clients.sync import upload_file

    client = ObjectStoreClient(demo.storage_url, demo.token)
    container = "md5" + secrets.token_hex(3)
    client.create_container(container)
    data = os.urandom(2 * 4 * MIB + 77)
    (tmp_path / "f.bin").write_bytes(data)
    upload_file(client, container, "f.bin", str(tmp_path / "f.bin"))
    url = f"{demo.storage_url}/{container}/f.bin"
    deadline = time.monotonic() + 30
    while True:
        r = requests.get(url, headers={"X-Auth-Token": demo.token, "Range": "bytes=5-9"},
                         timeout=30)
        assert r.status_code == 206 and r.content == data[5:10]
        if "ETag" in r.headers or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.headers.get("ETag") == hashlib.md5(data).hexdigest()
    client.delete_object(container, "f.bin")
    client.delete_container(container)
