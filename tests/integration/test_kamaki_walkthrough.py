"""kamaki (the CLI, as a subprocess) against a whole cloud brought up by snf-deploy.

Files with block-level sync (counted on the server: new block files in the block
store, ranged GETs in Pithos' access log), an interrupted download resumed, the
walk-through from an image file to a running server and back (tables and -o json),
and the network, volume and snapshot commands against the real Cyclades.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kamaki.session import authenticate
from snf_common.clients.catalog import Catalog
from snf_common.clients.object_store import ObjectStoreClient
from snf_common.clients.sync import upload_file

pytestmark = pytest.mark.integration
KAMAKI = str(Path(sys.executable).with_name("kamaki"))
MIB = 1024 * 1024
UUID_LEN = 36


@pytest.fixture()
def kamaki(cloud, tmp_path):
    config = tmp_path / "kamakirc"
    shutil.copy(cloud.state_dir / "kamakirc", config)
    # The local hash cache in the test's directory, not in the user's home.
    env = {**cloud.env, "KAMAKI_CONFIG": str(config),
           "KAMAKI_HASH_CACHE": str(tmp_path / "hashes")}

    def run(*args: str, code: int = 0) -> subprocess.CompletedProcess:
        proc = subprocess.run([KAMAKI, *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc

    return run


def store_of(cloud) -> ObjectStoreClient:
    token, body = authenticate(cloud.urls["identity"], cloud.demo["token"])
    return ObjectStoreClient(Catalog.from_token_body(body).url_for("object-store"), token)


def test_walkthrough(cloud, kamaki, tmp_path):
    store = store_of(cloud)
    info = json.loads(kamaki("user", "authenticate", "-o", "json").stdout)
    assert info["name"] == cloud.demo["username"]
    kamaki("container", "create", "walk")
    block = int(store.get_container_info("walk")["x-container-block-size"])

    data = bytearray(os.urandom(3 * block + 1000))
    (tmp_path / "big.bin").write_bytes(data)
    up = json.loads(kamaki("file", "upload", "big.bin", "walk/big.bin", "-o", "json").stdout)
    assert up["blocks_total"] == 4 and up["blocks_sent"] == 4

    listing = json.loads(kamaki("file", "list", "walk", "-o", "json").stdout)
    assert [(o["name"], o["bytes"]) for o in listing] == [("big.bin", len(data))]
    assert "big.bin" in kamaki("file", "list", "walk").stdout

    kamaki("file", "download", "walk/big.bin", "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == bytes(data)

    # A change made on the server by someone else: download --sync fetches one block.
    changed = bytearray(data)
    changed[2 * block + 7] ^= 0xFF
    (tmp_path / "other.bin").write_bytes(changed)
    upload_file(store, "walk", "big.bin", str(tmp_path / "other.bin"))
    out = json.loads(kamaki("file", "download", "--sync", "walk/big.bin", "copy.bin",
                            "-o", "json").stdout)
    assert out["blocks_fetched"] == 1
    assert (tmp_path / "copy.bin").read_bytes() == bytes(changed)

    # A local change of one block: upload --sync sends one block.
    changed[block + 3] ^= 0xFF
    (tmp_path / "copy.bin").write_bytes(changed)
    out = json.loads(kamaki("file", "upload", "--sync", "copy.bin", "walk/big.bin", "-o",
                            "json").stdout)
    assert out["blocks_sent"] == 1
    assert store.get_object("walk", "big.bin") == bytes(changed)

    # Unchanged: nothing is sent and no version is made.
    versions = len(store.list_versions("walk", "big.bin"))
    out = json.loads(kamaki("file", "upload", "--sync", "copy.bin", "walk/big.bin", "-o",
                            "json").stdout)
    assert out["blocks_sent"] == 0
    assert len(store.list_versions("walk", "big.bin")) == versions

    kamaki("file", "info", "walk/absent", code=4)
    kamaki("container", "delete", "walk", code=5)
    kamaki("file", "delete", "walk/big.bin")
    kamaki("container", "delete", "walk")


def test_snf_deploy_demo_uploads_boots_and_deletes(cloud, kamaki):
    started = time.monotonic()
    result = cloud.deploy("demo")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        [step, "ok"] for step in ("health", "token", "upload", "boot", "active", "delete")]
    server_id = lines[3].split()[3]
    assert f"server {server_id} ACTIVE" in lines[4] and f"server {server_id} deleted" in lines[5]
    assert elapsed < 30, f"the demo took {elapsed:.1f}s"
    # The file is in Pithos; the server is gone.
    assert "Hello from snf-deploy demo" in kamaki("file", "cat", "demo/hello.txt").stdout
    kamaki("server", "info", server_id, code=4)


def manage(cloud, service: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", f"{service}.project.manage", *args],
                            env=cloud.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def flavor(cloud) -> str:
    """A small file-template flavor (snf-deploy up makes none)."""
    flavors = json.loads(manage(cloud, "cyclades", "flavor-list", "-o", "json"))
    found = next((f["id"] for f in flavors if f["disk_template"] == "file"
                  and f["disk"] == 1 and f["ram"] == 128), None)
    if found is None:
        found = json.loads(manage(cloud, "cyclades", "flavor-create", "--cpu", "1", "--ram",
                                  "128", "--disk", "1", "--disk-template", "file",
                                  "-o", "json"))["id"]
    return str(found)


def block_files(cloud) -> set[str]:
    """Names of the blocks in the deployed cloud's filesystem block store."""
    root = cloud.state_dir / "blocks"
    assert root.is_dir(), f"no block store at {root}"
    return {path.name for path in root.rglob("*") if path.is_file()}


def access_lines(cloud, since: int, method: str, path: str, status: int) -> int:
    """Pithos access-log lines `METHOD PATH STATUS` written after byte offset `since`."""
    with open(cloud.state_dir / "log" / "pithos.log", "rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    return sum(1 for line in text.splitlines() if f" {method} {path} {status} " in line)


def log_size(cloud) -> int:
    return (cloud.state_dir / "log" / "pithos.log").stat().st_size


def write_random(path: Path, size: int) -> None:
    with open(path, "wb") as out:
        for start in range(0, size, 8 * MIB):
            out.write(os.urandom(min(8 * MIB, size - start)))


def flip(path: Path, offset: int) -> None:
    with open(path, "r+b") as data:
        data.seek(offset)
        byte = data.read(1)
        data.seek(offset)
        data.write(bytes([byte[0] ^ 0xFF]))


def same_files(a: Path, b: Path) -> bool:
    with open(a, "rb") as left, open(b, "rb") as right:
        while True:
            x, y = left.read(8 * MIB), right.read(8 * MIB)
            if x != y:
                return False
            if not x:
                return True


def test_sync_of_a_200_mib_file_moves_only_changed_blocks(cloud, kamaki, tmp_path):
    store = store_of(cloud)
    container = f"sync-{secrets.token_hex(3)}"
    kamaki("container", "create", container)
    block = int(store.get_container_info(container)["x-container-block-size"])
    big = tmp_path / "big.bin"
    write_random(big, 200 * MIB)
    count = -(-200 * MIB // block)
    up = json.loads(kamaki("file", "upload", "big.bin", f"{container}/big.bin",
                           "-o", "json").stdout)
    assert up["blocks_total"] == count and up["blocks_sent"] == count

    # One changed block locally: upload --sync stores exactly one new block.
    before = block_files(cloud)
    flip(big, 17 * block + 123)
    out = json.loads(kamaki("file", "upload", "--sync", "big.bin", f"{container}/big.bin",
                            "-o", "json").stdout)
    assert out["blocks_sent"] == 1 and out["bytes_sent"] == block
    assert len(block_files(cloud) - before) == 1

    # Two blocks changed on the server by someone else: download --sync fetches two.
    copy = tmp_path / "copy.bin"
    shutil.copy(big, copy)
    other = tmp_path / "other.bin"
    shutil.copy(big, other)
    flip(other, 3 * block)
    flip(other, 40 * block + 5)
    upload_file(store, container, "big.bin", str(other))
    since = log_size(cloud)
    out = json.loads(kamaki("file", "download", "--sync", f"{container}/big.bin", "copy.bin",
                            "-o", "json").stdout)
    assert out["blocks_fetched"] == 2
    object_path = f"{urlparse(store.endpoint).path}/{container}/big.bin"
    assert access_lines(cloud, since, "GET", object_path, 206) == 2
    assert same_files(copy, other)

    # An interrupted download resumes: only the blocks not yet written are fetched.
    part = tmp_path / "part.bin"
    proc = subprocess.Popen([KAMAKI, "file", "download", "--threads", "1",
                             f"{container}/big.bin", str(part)],
                            env={**cloud.env, "KAMAKI_CONFIG": str(tmp_path / "kamakirc"),
                                 "KAMAKI_HASH_CACHE": str(tmp_path / "hashes")},
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if part.exists() and part.stat().st_size >= 8 * block:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, "the download finished before it was killed"
    partial = part.stat().st_size
    assert 0 < partial < 200 * MIB
    kamaki("file", "download", f"{container}/big.bin", "part.bin", code=5)  # no overwrite
    out = json.loads(kamaki("file", "download", "--resume", f"{container}/big.bin",
                            "part.bin", "-o", "json").stdout)
    assert 0 < out["blocks_fetched"] <= count - partial // block
    assert same_files(part, other)

    kamaki("file", "delete", f"{container}/big.bin")
    kamaki("container", "delete", container)


def item_lines(stdout: str) -> dict[str, str]:
    """`key  value` lines of an item printed as a table."""
    pairs = (line.split(None, 1) for line in stdout.splitlines() if line.strip())
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def table_rows(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines()[1:] if line.strip()]


@pytest.mark.parametrize("output", ["table", "json"])
def test_walkthrough_image_to_server(cloud, kamaki, tmp_path, flavor, output):
    """authenticate, upload an image file, register it, boot, wait, list, delete."""
    from cyclades.images.tinyimage import build_tiny_image

    if not (shutil.which("mkfs.ext4") or os.path.exists("/sbin/mkfs.ext4")):
        pytest.skip("mkfs.ext4 (e2fsprogs) is not installed")
    as_json = output == "json"
    fmt = ("-o", "json") if as_json else ()

    def run(*args: str, code: int = 0):
        out = kamaki(*args, *fmt, code=code).stdout
        return json.loads(out) if as_json and code == 0 else out

    suffix = secrets.token_hex(3)
    container, name = f"walk-{suffix}", f"walk-vm-{suffix}"
    # Log in with the password: the new token is stored in the config and used from now on.
    me = run("user", "authenticate", "--username", cloud.demo["username"],
             "--password", cloud.demo["password"])
    if as_json:
        assert me["name"] == cloud.demo["username"] and me["id"] == cloud.demo["user_id"]
    else:
        assert me.startswith(f"authenticated as {cloud.demo['username']} ")
    assert kamaki("config", "get", "cloud.synnefo.token").stdout.strip()
    who = run("user", "info")
    assert (who if as_json else item_lines(who))["id"] == cloud.demo["user_id"]

    build_tiny_image(tmp_path / "tiny.diskdump", extra_files={"etc/walk": suffix})
    run("container", "create", container)
    up = run("file", "upload", "tiny.diskdump", f"{container}/tiny.diskdump")
    if as_json:
        assert up["bytes"] == (tmp_path / "tiny.diskdump").stat().st_size

    registered = run("image", "register", f"walk {suffix}", f"{container}/tiny.diskdump",
                     "-p", "OSFAMILY=linux", "-p", "ROOT_PARTITION=1", "-p", "USERS=root")
    image = registered if as_json else item_lines(registered)
    image_id = image["id"]
    assert len(image_id) == UUID_LEN and image["status"] == "active"
    if as_json:
        assert image["properties"]["ROOT_PARTITION"] == "1"
    listed = run("image", "list")
    assert image_id in ([i["id"] for i in listed] if as_json else listed)

    created = run("server", "create", "--name", name, "--flavor-id", flavor,
                  "--image-id", image_id)
    server = created if as_json else item_lines(created)
    server_id = server["id"]
    assert len(server["adminPass"]) >= 8
    waited = run("server", "wait", server_id, "--timeout", "120")
    assert (waited["status"] == "ACTIVE") if as_json else "ACTIVE" in waited
    servers = run("server", "list")
    if as_json:
        mine = next(s for s in servers if s["id"] == server_id)
        assert mine["name"] == name and mine["status"] == "ACTIVE"
    else:
        row = next(r for r in table_rows(servers) if r[0] == server_id)
        assert row[1:3] == [name, "ACTIVE"]
    info = run("server", "info", server_id)
    assert image_id in (json.dumps(info) if as_json else info)

    run("server", "delete", server_id, "--wait")
    servers = run("server", "list")
    assert server_id not in ([s["id"] for s in servers] if as_json else
                             [r[0] for r in table_rows(servers)])
    run("server", "info", server_id, code=4)
    run("image", "unregister", image_id)
    run("file", "delete", f"{container}/tiny.diskdump")
    run("container", "delete", container)


def test_network_volume_and_snapshot_commands(cloud, kamaki):
    suffix = secrets.token_hex(3)

    def js(*args: str):
        return json.loads(kamaki(*args, "-o", "json").stdout)

    network = js("network", "create", "--name", f"net-{suffix}")
    assert network["status"] in ("ACTIVE", "PENDING") and network["type"] == "MAC_FILTERED"
    subnet = js("subnet", "create", "--network-id", network["id"], "--cidr", "10.77.0.0/24",
                "--name", f"sub-{suffix}")
    assert subnet["gateway_ip"] == "10.77.0.1" and subnet["network_id"] == network["id"]
    assert subnet["id"] in [s["id"] for s in js("subnet", "list")]
    port = js("port", "create", "--network-id", network["id"], "--name", f"port-{suffix}")
    assert port["fixed_ips"][0]["ip_address"].startswith("10.77.0.")
    assert port["id"] in kamaki("port", "list").stdout
    kamaki("network", "delete", network["id"], code=5)        # it still has a port
    kamaki("port", "delete", port["id"])
    assert port["id"] not in [p["id"] for p in js("port", "list")]
    kamaki("network", "rename", network["id"], f"renamed-{suffix}")
    assert js("network", "info", network["id"])["name"] == f"renamed-{suffix}"
    kamaki("network", "delete", network["id"])
    kamaki("network", "info", network["id"], code=4)

    # Floating IPs come from a public pool an administrator creates.
    manage(cloud, "cyclades", "network-create", "--name", f"internet-{suffix}", "--public",
           "--floating-ip-pool", "--flavor", "IP_LESS_ROUTED", "--subnet", "198.51.100.0/28")
    fip = js("ip", "create")
    assert fip["floating_ip_address"].startswith("198.51.100.")
    assert fip["floating_ip_address"] in kamaki("ip", "list").stdout
    kamaki("ip", "delete", fip["id"])
    assert fip["id"] not in [i["id"] for i in js("ip", "list")]

    types = js("volume", "types")
    assert "file" in [t["name"] for t in types]
    volume = js("volume", "create", "--size", "1", "--name", f"vol-{suffix}")
    assert volume["size"] == 1
    deadline = time.monotonic() + 60
    while js("volume", "info", volume["id"])["status"] != "available":
        assert time.monotonic() < deadline, "volume never became available"
        time.sleep(0.3)
    row = next(r for r in table_rows(kamaki("volume", "list").stdout) if r[0] == volume["id"])
    assert row[1:4] == [f"vol-{suffix}", "available", "1"]
    snapshots = js("snapshot", "list")
    # The default type is file-backed: Cyclades refuses its snapshots with a clear 400.
    refused = kamaki("snapshot", "create", volume["id"], "--name", f"snap-{suffix}", code=2)
    assert "Archipelago" in refused.stderr and refused.stderr.startswith("Error: ")
    assert js("snapshot", "list") == snapshots
    # An Archipelago volume (snf-deploy's quickstart block store) is snapshotted.
    assert "ext_archipelago" in [t["name"] for t in types]
    archip = js("volume", "create", "--size", "1", "--name", f"avol-{suffix}",
                "--volume-type", "ext_archipelago")
    deadline = time.monotonic() + 60
    while js("volume", "info", archip["id"])["status"] != "available":
        assert time.monotonic() < deadline, "volume never became available"
        time.sleep(0.3)
    snapshot = js("snapshot", "create", archip["id"], "--name", f"snap-{suffix}")
    assert snapshot["volume_id"] == archip["id"] and snapshot["size"] == 1
    assert js("snapshot", "info", snapshot["id"])["name"] == f"snap-{suffix}"
    row = next(r for r in table_rows(kamaki("snapshot", "list").stdout)
               if r[0] == snapshot["id"])
    assert row[1:] == [f"snap-{suffix}", "available", "1", archip["id"]]
    kamaki("snapshot", "delete", snapshot["id"])
    assert snapshot["id"] not in [x["id"] for x in js("snapshot", "list")]
    for gone in (volume, archip):
        kamaki("volume", "delete", gone["id"])
    deadline = time.monotonic() + 60
    while {volume["id"], archip["id"]} & {v["id"] for v in js("volume", "list")}:
        assert time.monotonic() < deadline, "volumes never went away"
        time.sleep(0.3)
