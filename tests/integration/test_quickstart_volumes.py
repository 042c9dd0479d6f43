"""Volumes on the quickstart as `snf-deploy up` leaves it (the session `cloud`): no extra
setup. The bootstrap made the ext_archipelago flavor and volume type, and pointed
Cyclades and the development cluster's ExtStorage provider at Pithos' block store, so
with openstacksdk a server boots from the quickstart image on Archipelago (a thin clone),
a 10 GiB volume attaches, grows to 11 GiB while attached (os-extend: a Ganeti grow job)
and detaches, and a snapshot adds no block to the store: the
store grows only by the blocks a writer changed (written here through the volume's NBD
export, as a guest would).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

WAIT_SECONDS = 120
GIB = 1 << 30
BLOCK = 4 * 1024 * 1024


def manage(cloud, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "cyclades.project.manage", *args],
                            env=cloud.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def connect(cloud):
    openstack = pytest.importorskip("openstack")
    config = openstack.config.OpenStackConfig(config_files=[cloud.env["OS_CLIENT_CONFIG_FILE"]])
    return openstack.connection.Connection(config=config.get_one(cloud="synnefo"))


def block_names(cloud) -> set[str]:
    root = cloud.state_dir / "blocks" / "blocks"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


def logs(cloud) -> str:
    return "\n".join(f"--- {name}\n" + (cloud.state_dir / "log" / f"{name}.log")
                     .read_text(errors="replace")[-2000:]
                     for name in ("devcluster", "dispatcher", "cyclades"))


def wait_volume(conn, volume_id: str, status: str, cloud):
    deadline = time.monotonic() + WAIT_SECONDS
    volume = None
    while time.monotonic() < deadline:
        volume = conn.block_storage.get_volume(volume_id)
        if volume.status == status:
            return volume
        assert volume.status != "error", (volume, logs(cloud))
        time.sleep(0.3)
    raise AssertionError(f"volume stayed {volume and volume.status}\n{logs(cloud)}")


def nbd_export(cloud, volume_id: str):
    """The NBD socket and export the provider's attach started for this volume's disk."""
    from archipelago.extprovider import attach

    disk_uuid = json.loads(manage(cloud, "volume-show", volume_id, "-o", "json"))[
        "backend_disk_uuid"]
    assert disk_uuid, "the attach job's message gave no disk uuid"
    from snf_deploy.state import Layout
    from snf_deploy.volumes import nbd_run_dir

    run_dir = str(nbd_run_dir(Layout(cloud.state_dir)))
    for state in Path(run_dir, "nbd").glob("*.json"):
        name = json.loads(state.read_text())["volume"]
        if name.startswith(f"{disk_uuid}.ext.disk"):
            found = attach.current(run_dir, name)
            assert found is not None, f"the NBD server of {name} is not running"
            return found.socket, name
    raise AssertionError(f"no NBD export for disk {disk_uuid}\n{logs(cloud)}")


@pytest.fixture
def quickstart(cloud):
    flavors = json.loads(manage(cloud, "flavor-list", "-o", "json"))
    flavor = next((f for f in flavors if f["disk_template"] == "ext_archipelago"
                   and not f["deleted"]), None)
    assert flavor, f"snf-deploy up made no ext_archipelago flavor: {flavors}"
    types = {t["name"]: t["disk_template"]
             for t in json.loads(manage(cloud, "volume-type-list", "-o", "json"))}
    assert types.get("ext_archipelago") == "ext_archipelago" and types.get("file") == "file"
    image_id = json.loads((cloud.state_dir / "images.json").read_text())["image_id"]
    return {"flavor": str(flavor["id"]), "image": image_id}


def test_boot_attach_extend_snapshot_detach_on_archipelago(cloud, quickstart):
    conn = connect(cloud)
    before_boot = block_names(cloud)
    server = conn.compute.create_server(name="quick-archip", flavor_id=quickstart["flavor"],
                                        image_id=quickstart["image"])
    try:
        walk(cloud, conn, server, quickstart, before_boot)
    finally:   # a failed step must not leave the server (and its NBD servers) running
        conn.compute.delete_server(server, ignore_missing=True)
        conn.compute.wait_for_delete(server, wait=WAIT_SECONDS, interval=0.5)


def walk(cloud, conn, server, quickstart, before_boot) -> None:
    from archipelago import mapper
    from archipelago.blockstore import open_blockstore
    from archipelago.blockstore.config import parse_blockstore_spec
    from archipelago.nbd import NbdClient
    from snf_common import hashing

    try:
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=WAIT_SECONDS,
                                              interval=0.5)
    except Exception:
        raise AssertionError(logs(cloud)) from None
    boot = next(v for v in conn.block_storage.volumes(details=True)
                if v.attachments and v.attachments[0]["server_id"] == server.id)
    assert boot.volume_type == "ext_archipelago" and boot.size == 1
    # A thin clone: the 1 GiB disk did not copy the image; only what snf-image changed
    # (its configuration of the root filesystem) are new blocks.
    boot_blocks = len(block_names(cloud) - before_boot)
    assert boot_blocks < GIB // BLOCK // 4, boot_blocks

    volume = conn.block_storage.create_volume(size=10, name="quick-data",
                                              volume_type="ext_archipelago")
    volume = wait_volume(conn, volume.id, "available", cloud)
    conn.compute.create_volume_attachment(server, volume=volume)
    volume = wait_volume(conn, volume.id, "in-use", cloud)
    assert volume.attachments[0]["server_id"] == server.id
    attached = {a.volume_id for a in conn.compute.volume_attachments(server)}
    assert attached == {boot.id, volume.id}
    server = conn.compute.get_server(server.id)
    assert {v["id"] for v in server.attached_volumes} == {boot.id, volume.id}

    # os-extend of the attached volume: a Ganeti grow job, which the provider's grow runs.
    conn.block_storage.extend_volume(volume, 11)
    volume = wait_volume(conn, volume.id, "in-use", cloud)
    assert volume.size == 11

    # A guest writes two blocks into the disk.
    socket_path, export = nbd_export(cloud, volume.id)
    written = [os.urandom(BLOCK), os.urandom(BLOCK)]
    before_write = block_names(cloud)
    with NbdClient(socket_path, export) as disk:
        assert disk.size == 11 * GIB
        disk.write(0, written[0])
        disk.write(5 * GIB, written[1])
        disk.flush()
    expected = {hashing.block_hash_hex(data) for data in written}
    grown = block_names(cloud) - before_write
    assert grown == expected, (grown, expected)

    # The snapshot freezes the map: no block is copied, the store does not grow.
    before_snapshot = block_names(cloud)
    snapshot = conn.block_storage.create_snapshot(volume_id=volume.id, name="quick-snap",
                                                  force=True)
    snapshot = conn.block_storage.get_snapshot(snapshot.id)
    assert snapshot.status == "available" and snapshot.volume_id == volume.id
    assert block_names(cloud) == before_snapshot
    conf = (cloud.state_dir / "etc" / "45-archipelago.conf").read_text()
    spec = ast.literal_eval(conf.split("CYCLADES_ARCHIPELAGO_BLOCKSTORE =", 1)[1].strip())
    with open_blockstore(parse_blockstore_spec(spec)) as store:
        frozen = mapper.load(store, f"snapshot-{snapshot.id}")
        assert frozen.readonly and frozen.size == 11 * GIB
        named = {h.hex() for h in frozen.hashes} - {hashing.empty_hash(store.hash_algorithm)
                                                      .hex()}
        assert expected <= named

    conn.compute.delete_volume_attachment(server, volume.id)
    volume = wait_volume(conn, volume.id, "available", cloud)
    assert volume.attachments == []
    assert {a.volume_id for a in conn.compute.volume_attachments(server)} == {boot.id}
    conn.block_storage.delete_snapshot(snapshot)
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, wait=WAIT_SECONDS, interval=0.3)
