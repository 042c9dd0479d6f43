"""Volumes end to end with openstacksdk: Astakos + Cyclades (gunicorn) + the development
cluster with the Archipelago ExtStorage provider (userspace NBD) + the dispatcher.

A 10 GiB ext_archipelago volume is created (a record and a commission), attached to
a server (an instance-modify job adding a disk the provider creates in the shared
filesystem block store), seen in the server's attachments, snapshotted (a frozen map
Cyclades writes in the same store), detached (a remove job; the data is kept as a
frozen map) and deleted. Another user sees none of it, and a volume over the
cyclades.disk quota is refused with nothing created.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from test_cyclades_devcluster import BIN, ROOT, free_port, gunicorn, manage, stop, wait_http

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

PASSWORD = "demo-secret-1"
GIB = 1 << 30
DISK_LIMIT_GIB = 20
WAIT_SECONDS = 90


def _noop_os(folder: Path) -> None:
    """An OS definition whose create does nothing (no image service needed)."""
    os_dir = folder / "snf-noop"
    os_dir.mkdir(parents=True)
    (os_dir / "create").write_text("#!/bin/sh\nexit 0\n")
    (os_dir / "create").chmod(0o755)
    (os_dir / "ganeti_api_version").write_text("20\n")
    (os_dir / "variants.list").write_text("default\n")


def _stop_nbd_servers(run_dir: Path) -> None:
    """NBD servers the provider's attach started and a failed test may have left."""
    for state in (run_dir / "nbd").glob("*.json") if (run_dir / "nbd").is_dir() else []:
        with contextlib.suppress(Exception):
            os.kill(int(json.loads(state.read_text())["pid"]), signal.SIGTERM)


@contextlib.contextmanager
def volume_stack(root: Path):
    (root / "conf").mkdir(parents=True, exist_ok=True)
    store_config = {"BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
                    "OPTIONS": {"path": str(root / "blocks"), "fsync": False}}
    run_dir = Path(f"/tmp/snfvol-{os.getpid()}-{time.monotonic_ns() % 100000}")  # short: sockets
    run_dir.mkdir()
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith("SNF_") and k != "DJANGO_SETTINGS_MODULE"}
    base_env.update(SNF_SETTINGS_DIR=str(root / "conf"), SNF_LOG_LEVEL="WARNING",
                    SNF_QUEUE_URL=f"spool://{root / 'queue'}")
    astakos_port, cyclades_port, pithos_port = free_port(), free_port(), free_port()
    astakos_url = f"http://127.0.0.1:{astakos_port}"
    cyclades_url = f"http://127.0.0.1:{cyclades_port}"
    pithos_url = f"http://127.0.0.1:{pithos_port}"
    # Pithos on the same block store: snapshots become its files by hashmap only.
    pithos_env = dict(base_env, SNF_STATE_DIR=str(root / "pithos"),
                      SNF_PITHOS_BASE_URL=pithos_url,
                      SNF_IDENTITY_URL=f"{astakos_url}/identity/v3",
                      SNF_PITHOS_BLOCKSTORE=json.dumps(store_config))
    astakos_env = dict(base_env, SNF_STATE_DIR=str(root / "astakos"),
                       SNF_ASTAKOS_BASE_URL=astakos_url)
    cyclades_env = dict(base_env, SNF_STATE_DIR=str(root / "cyclades"),
                        SNF_CYCLADES_BASE_URL=cyclades_url,
                        SNF_IDENTITY_URL=f"{astakos_url}/identity/v3",
                        SNF_CYCLADES_GANETI_OS="snf-noop+default",
                        SNF_CYCLADES_ARCHIPELAGO_BLOCKSTORE=json.dumps(store_config),
                        SNF_CYCLADES_OBJECT_STORE_URL=f"{pithos_url}/object-store/v1")
    procs: list[subprocess.Popen] = []
    try:
        manage("astakos", astakos_env, "migrate", "-v0")
        definition = json.loads(manage("cyclades", cyclades_env, "service-definition"))
        limits = {"cyclades.vm": 5, "cyclades.total_cpu": 100, "cyclades.cpu": 100,
                  "cyclades.total_ram": 1 << 40, "cyclades.ram": 1 << 40,
                  "cyclades.disk": DISK_LIMIT_GIB * GIB}
        for resource in definition["resources"]:
            resource["default_limit"] = limits.get(resource["name"], resource["default_limit"])
        imported = json.loads(manage("astakos", astakos_env, "service-import", "-o", "json",
                                     "-", stdin=json.dumps(definition)))
        pithos_imported = json.loads(manage(
            "astakos", astakos_env, "service-import", "-o", "json", "-",
            stdin=manage("pithos", pithos_env, "service-definition")))
        pithos_env["SNF_PITHOS_SERVICE_TOKEN"] = pithos_imported["service_token"]
        manage("pithos", pithos_env, "migrate", "-v0")
        users = {name: json.loads(manage("astakos", astakos_env, "bootstrap-demo", "--username",
                                         name, "--password", PASSWORD, "--email",
                                         f"{name}@example.org", "-o", "json"))
                 for name in ("demo", "other")}
        astakos = gunicorn("astakos", astakos_port, astakos_env, root / "astakos.log")
        procs.append(astakos)

        _noop_os(root / "os")
        cluster_env = dict(base_env, SNF_STATE_DIR=str(root / "gtools"),
                           SNF_ARCHIPELAGO_BLOCKSTORE=json.dumps(store_config),
                           SNF_ARCHIPELAGO_RUN_DIR=str(run_dir),
                           SNF_ARCHIPELAGO_NBD_MODE="userspace")
        cluster = subprocess.Popen(
            [sys.executable, "-m", "snf_ganeti.devcluster", "--state-dir",
             str(root / "cluster"), "--port", "0", "--with-eventd", "--memory-mib", "65536",
             "--disk-mib", "1000000", "--cpus", "64", "--os-dir", str(root / "os")],
            env=cluster_env, cwd=ROOT, stdout=subprocess.PIPE,
            stderr=open(root / "devcluster.log", "w"), text=True)
        procs.append(cluster)
        ready = cluster.stdout.readline()
        assert ready.startswith("devcluster ready"), (root / "devcluster.log").read_text()
        rapi_port = int(ready.rsplit(":", 1)[1])

        cyclades_env["SNF_CYCLADES_SERVICE_TOKEN"] = imported["service_token"]
        manage("cyclades", cyclades_env, "migrate", "-v0")
        manage("cyclades", cyclades_env, "backend-add", "--name", "dev", "--host", "127.0.0.1",
               "--port", str(rapi_port), "--user", "snf", "--password", "snfpass",
               "--tls-verify", "false")
        flavor = json.loads(manage("cyclades", cyclades_env, "flavor-create", "--cpu", "1",
                                   "--ram", "128", "--disk", "1", "--disk-template",
                                   "ext_archipelago", "-o", "json"))
        manage("cyclades", cyclades_env, "volume-type-create", "--name", "archipelago",
               "--disk-template", "ext_archipelago")
        image = json.loads(manage("cyclades", cyclades_env, "image-register", "--name",
                                  "blank", "--location", "blank", "-o", "json"))
        wait_http(f"{astakos_url}/healthz", astakos, root / "astakos.log")
        pithos = gunicorn("pithos", pithos_port, pithos_env, root / "pithos.log")
        procs.append(pithos)
        wait_http(f"{pithos_url}/healthz", pithos, root / "pithos.log")
        cyclades = gunicorn("cyclades", cyclades_port, cyclades_env, root / "cyclades.log")
        procs.append(cyclades)
        dispatcher = subprocess.Popen(
            [str(BIN / "cyclades-manage"), "dispatcher", "--poll-seconds", "0.2"],
            env=cyclades_env, cwd=ROOT, stdout=open(root / "dispatcher.log", "w"),
            stderr=subprocess.STDOUT)
        procs.append(dispatcher)
        wait_http(f"{cyclades_url}/healthz", cyclades, root / "cyclades.log")
        yield {"root": root, "astakos": astakos_url, "cyclades": cyclades_url,
               "pithos": pithos_url,
               "env": cyclades_env, "users": users, "flavor": flavor["id"],
               "image": image["id"], "store": store_config, "dispatcher": dispatcher}
    finally:
        for proc in reversed(procs):
            stop(proc)
        _stop_nbd_servers(run_dir)
        subprocess.run(["rm", "-rf", str(run_dir)], check=False)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with volume_stack(tmp_path_factory.mktemp("cyclades-volumes")) as coordinates:
        yield coordinates


def connect(stack, username: str = "demo"):
    import openstack

    return openstack.connect(auth_url=stack["astakos"] + "/identity/v3", username=username,
                             password=PASSWORD, project_name=username,
                             user_domain_name="Default", project_domain_name="Default",
                             region_name="RegionOne", identity_api_version="3")


def logs(stack) -> str:
    root = stack["root"]
    return "\n".join(f"--- {name}\n" + (root / name).read_text()[-1500:]
                     for name in ("dispatcher.log", "devcluster.log", "cyclades.log",
                                  "pithos.log"))


def wait_volume(conn, volume_id: str, status: str, stack) -> object:
    deadline = time.monotonic() + WAIT_SECONDS
    volume = None
    while time.monotonic() < deadline:
        volume = conn.block_storage.get_volume(volume_id)
        if volume.status == status:
            return volume
        assert volume.status != "error", (volume, logs(stack))
        time.sleep(0.3)
    raise AssertionError(f"volume stayed {volume and volume.status}\n{logs(stack)}")


def disk_usage(stack, username: str = "demo", resource: str = "cyclades.disk") -> dict:
    from snf_common.clients.account import AccountClient

    user = stack["users"][username]
    client = AccountClient(f"{stack['astakos']}/account/v1.0", user["token"])
    return client.get_quotas()[user["project_id"]][resource]


def test_discovery_without_token(stack):
    response = requests.get(f"{stack['cyclades']}/volume/v3/", timeout=10)
    assert response.status_code == 200
    assert response.json()["versions"][0]["version"] == "3.0"
    assert response.headers["OpenStack-API-Version"] == "volume 3.0"


def test_volume_attach_snapshot_detach_delete(stack):
    from archipelago import mapper
    from archipelago.blockstore import open_blockstore

    conn = connect(stack)
    volume = conn.block_storage.create_volume(size=10, name="data", volume_type="archipelago")
    volume = wait_volume(conn, volume.id, "available", stack)
    assert volume.size == 10
    assert disk_usage(stack)["usage"] >= 10 * GIB

    server = conn.compute.create_server(name="vol-vm", flavor_id=stack["flavor"],
                                        image_id=stack["image"])
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=WAIT_SECONDS,
                                          interval=0.5)
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    volume = wait_volume(conn, volume.id, "in-use", stack)
    assert volume.attachments[0]["server_id"] == server.id
    attached = {a.volume_id for a in conn.compute.volume_attachments(server)}
    assert volume.id in attached and len(attached) == 2   # + the boot volume
    listed = conn.block_storage.volumes(details=True)
    boot = [v for v in listed if v.id != volume.id and v.attachments]
    assert boot and boot[0].attachments[0]["device"] == "/dev/vda"

    # The disk is a map in the shared store; a snapshot is a frozen copy of it.
    snapshot = conn.block_storage.create_snapshot(volume_id=volume.id, name="s1", force=True)
    snapshot = conn.block_storage.get_snapshot(snapshot.id)
    assert snapshot.status == "available" and snapshot.volume_id == volume.id
    with open_blockstore(stack["store"]) as store:
        frozen = mapper.load(store, f"snapshot-{snapshot.id}")
        assert frozen.readonly and frozen.size == 10 * GIB

    # Another user sees none of it.
    other = connect(stack, "other")
    assert volume.id not in {v.id for v in other.block_storage.volumes()}
    assert snapshot.id not in {s.id for s in other.block_storage.snapshots()}
    from openstack import exceptions

    with pytest.raises(exceptions.NotFoundException):
        other.block_storage.get_volume(volume.id)

    conn.compute.delete_volume_attachment(server, volume.id)
    volume = wait_volume(conn, volume.id, "available", stack)
    assert volume.attachments == []
    assert {a.volume_id for a in conn.compute.volume_attachments(server)} == attached - {volume.id}

    conn.block_storage.delete_snapshot(snapshot)
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, wait=WAIT_SECONDS, interval=0.3)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=WAIT_SECONDS, interval=0.5)
    deadline = time.monotonic() + 20
    while disk_usage(stack)["usage"] and time.monotonic() < deadline:
        time.sleep(0.3)
    assert disk_usage(stack)["usage"] == 0 and disk_usage(stack)["pending"] == 0


def test_over_quota_volume_is_refused_and_nothing_is_created(stack):
    from openstack import exceptions

    conn = connect(stack)
    before = {v.id for v in conn.block_storage.volumes()}
    with pytest.raises(exceptions.HttpException) as caught:
        conn.block_storage.create_volume(size=DISK_LIMIT_GIB + 1, name="too-big",
                                         volume_type="archipelago")
    assert caught.value.status_code == 413
    assert {v.id for v in conn.block_storage.volumes()} == before
    assert disk_usage(stack)["pending"] == 0


def test_snapshot_published_to_pithos_registered_and_booted(stack):
    """An attached Archipelago volume cloned from a Pithos image is snapshotted: the
    snapshot is the owner's Pithos file (same blocks, charged to pithos.diskspace),
    registered as an image whose data is the volume's, and a server boots from it; the
    volume also becomes an image through os-volume_upload_image."""
    from snf_common.clients.object_store import ObjectStoreClient

    user = stack["users"]["demo"]
    token = user["token"]
    files = ObjectStoreClient(f"{stack['pithos']}/object-store/v1/{user['user_id']}", token)
    data = os.urandom(5 * 1024 * 1024 + 123)          # two blocks, the second partial
    files.create_container("isos")
    files.put_object("isos", "base.img", data)
    headers = {"X-Auth-Token": token}
    cyclades = stack["cyclades"]
    base = requests.post(f"{cyclades}/image/v2/images", headers=headers, timeout=60, json={
        "name": "base", "disk_format": "diskdump", "container_format": "bare",
        "location": f"pithos://{user['user_id']}/isos/base.img", "OSFAMILY": "linux"})
    assert base.status_code == 201, base.text
    pithos_before = disk_usage(stack, resource="pithos.diskspace")["usage"]

    conn = connect(stack)
    volume = conn.block_storage.create_volume(size=1, name="from-image",
                                              volume_type="archipelago",
                                              image_id=base.json()["id"])
    server = conn.compute.create_server(name="snap-vm", flavor_id=stack["flavor"],
                                        image_id=stack["image"])
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=WAIT_SECONDS,
                                          interval=0.5)
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    wait_volume(conn, volume.id, "in-use", stack)

    snap = requests.post(f"{cyclades}/volume/v3/{user['project_id']}/snapshots",
                         headers=headers, timeout=60, json={"snapshot": {
                             "volume_id": volume.id, "name": "published", "force": True}})
    assert snap.status_code == 202, snap.text
    snapshot = snap.json()["snapshot"]
    location = snapshot["SNF:pithos_location"]
    assert location == f"pithos://{user['user_id']}/snapshots/{snapshot['id']}"
    # the Pithos file: the volume's blocks (the image's two first), no data copied
    published = files.get_hashmap("snapshots", snapshot["id"])
    original = files.get_hashmap("isos", "base.img")
    assert published["bytes"] == GIB and published["hashes"][:2] == original["hashes"]
    assert disk_usage(stack, resource="pithos.diskspace")["usage"] == pithos_before + GIB

    image = requests.post(f"{cyclades}/image/v2/images", headers=headers, timeout=60, json={
        "name": "from-snapshot", "disk_format": "diskdump", "container_format": "bare",
        "location": location, "OSFAMILY": "linux"})
    assert image.status_code == 201, image.text
    image_id = image.json()["id"]
    assert image.json()["status"] == "active" and image.json()["size"] == GIB
    # its data (read from the block store) starts with what the volume held
    with requests.get(f"{cyclades}/image/v2/images/{image_id}/file", headers=headers,
                      timeout=60, stream=True) as response:
        assert response.status_code == 200
        head = response.raw.read(len(data))
    assert head == data

    booted = conn.compute.create_server(name="from-snapshot", flavor_id=stack["flavor"],
                                        image_id=image_id)
    booted = conn.compute.wait_for_server(booted, status="ACTIVE", wait=WAIT_SECONDS,
                                          interval=0.5)
    assert booted.image["id"] == image_id

    # the volume as an image in one call (Cinder's upload-to-image)
    upload = requests.post(
        f"{cyclades}/volume/v3/{user['project_id']}/volumes/{volume.id}/action",
        headers=headers, timeout=60, json={"os-volume_upload_image": {
            "image_name": "uploaded", "disk_format": "diskdump", "force": True}})
    assert upload.status_code == 202, upload.text
    uploaded = conn.image.get_image(upload.json()["os-volume_upload_image"]["image_id"])
    assert uploaded.status == "active" and uploaded.properties.get("OSFAMILY") == "linux"
    assert files.get_hashmap("images", uploaded.id)["hashes"][:2] == original["hashes"]

    # deleting the snapshot deletes its file and gives the quota back
    conn.block_storage.delete_snapshot(snapshot["id"])
    assert disk_usage(stack, resource="pithos.diskspace")["usage"] == \
        pithos_before + 2 * GIB - GIB     # the uploaded image's file stays
    for item in (booted, server):
        conn.compute.delete_server(item)
    for item in (booted, server):
        conn.compute.wait_for_delete(item, wait=WAIT_SECONDS, interval=0.5)
    wait_volume(conn, volume.id, "available", stack)
    conn.block_storage.delete_volume(volume.id)
