"""The real `openstack` CLI (python-openstackclient, unmodified) against a running cloud:
images (list, show, create --file with the CLI's default disk format), volumes (create,
list, delete), networks (create, list, delete) and `server create --network`.

Each command runs as a subprocess with the clouds.yaml snf-deploy wrote, as a user
would type it; the test fails on whatever the CLI trips on.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration]
OPENSTACK = Path(sys.executable).with_name("openstack")
TIMEOUT_SECONDS = 120


def manage(cloud, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "cyclades.project.manage", *args],
                            env=cloud.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def openstack(cloud, *args: str) -> object:
    """Run `openstack ARGS -f json`; the parsed output (None for commands without one)."""
    result = subprocess.run([str(OPENSTACK), *args], env=cloud.env, capture_output=True,
                            text=True, timeout=TIMEOUT_SECONDS)
    assert result.returncode == 0, f"openstack {' '.join(args)}:\n{result.stderr[-3000:]}"
    # --wait prints progress lines before the JSON document (or instead of it)
    lines = result.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line[:1] in ("{", "[")), None)
    return None if start is None else json.loads("\n".join(lines[start:]))


@pytest.fixture(scope="module")
def cli(cloud):
    if not OPENSTACK.exists() and shutil.which("openstack") is None:
        pytest.skip("python-openstackclient is not installed in this environment")
    flavors = json.loads(manage(cloud, "flavor-list", "-o", "json"))
    flavor = next((f["id"] for f in flavors if f["disk_template"] == "file"
                   and f["disk"] == 1 and f["ram"] == 128), None)
    if flavor is None:
        flavor = json.loads(manage(cloud, "flavor-create", "--cpu", "1", "--ram", "128",
                                   "--disk", "1", "--disk-template", "file", "-o",
                                   "json"))["id"]
    types = json.loads(manage(cloud, "volume-type-list", "-o", "json"))
    if not types:
        manage(cloud, "volume-type-create", "--name", "file", "--disk-template", "file")
    return {"cloud": cloud, "flavor": str(flavor)}


def test_images_list_show_and_create_from_a_file(cli, tmp_path):
    cloud = cli["cloud"]
    listed = openstack(cloud, "image", "list", "-f", "json")
    tiny = next(i for i in listed if i["Name"] == "Tiny Linux (ext4)")
    shown = openstack(cloud, "image", "show", tiny["ID"], "-f", "json")
    assert shown["status"] == "active" and shown["visibility"] == "public"
    assert shown["disk_format"] == "diskdump" and "OSFAMILY" in str(shown["properties"])
    data = os.urandom(3 * 1024 * 1024 + 17)
    (tmp_path / "disk.img").write_bytes(data)
    name = f"cli-{secrets.token_hex(3)}"
    # no --disk-format: the CLI sends its default, raw (it offers no diskdump)
    created = openstack(cloud, "image", "create", "--file", str(tmp_path / "disk.img"),
                        "--property", "OSFAMILY=linux", name, "-f", "json")
    assert created["status"] == "active" and created["size"] == len(data)
    assert created["disk_format"] == "diskdump"
    assert name in {i["Name"] for i in openstack(cloud, "image", "list", "-f", "json")}
    again = openstack(cloud, "image", "show", name, "-f", "json")
    assert again["id"] == created["id"] and again["checksum"] == created["checksum"]
    openstack(cloud, "image", "delete", created["id"])
    assert name not in {i["Name"] for i in openstack(cloud, "image", "list", "-f", "json")}


def test_volumes_create_list_delete(cli):
    cloud = cli["cloud"]
    name = f"cli-vol-{secrets.token_hex(3)}"
    created = openstack(cloud, "volume", "create", "--size", "1", name, "-f", "json")
    assert created["status"] == "available" and created["size"] == 1
    listed = openstack(cloud, "volume", "list", "-f", "json")
    assert [v["Status"] for v in listed if v["Name"] == name] == ["available"]
    openstack(cloud, "volume", "delete", created["id"])
    assert name not in {v["Name"] for v in openstack(cloud, "volume", "list", "-f", "json")}


def wait_cli_status(cloud, server_id: str, wanted: str) -> str:
    """Poll `openstack server show` until the status is `wanted` (or ERROR, or time out)."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    status = ""
    while time.monotonic() < deadline:
        status = openstack(cloud, "server", "show", server_id, "-f", "json")["status"]
        if status in (wanted, "ERROR"):
            break
        time.sleep(1)
    return status


def test_network_and_a_server_on_it(cli):
    cloud = cli["cloud"]
    net = f"cli-net-{secrets.token_hex(3)}"
    network = openstack(cloud, "network", "create", net, "-f", "json")
    assert network["name"] == net
    assert net in {n["Name"] for n in openstack(cloud, "network", "list", "-f", "json")}
    openstack(cloud, "subnet", "create", "--network", net, "--subnet-range", "10.77.0.0/24",
              f"{net}-v4", "-f", "json")
    image = next(i["ID"] for i in openstack(cloud, "image", "list", "-f", "json")
                 if i["Name"] == "Tiny Linux (ext4)")
    server = openstack(cloud, "server", "create", "--network", net, "--flavor", cli["flavor"],
                       "--image", image, "--wait", f"{net}-vm", "-f", "json")
    try:
        assert server["status"] == "ACTIVE"
        assert "10.77.0." in str(server["addresses"])
        assert server["volumes_attached"]          # the boot volume
        listed = openstack(cloud, "server", "list", "-f", "json")
        assert [s["Status"] for s in listed if s["ID"] == server["id"]] == ["ACTIVE"]
        # The lifecycle actions as the CLI sends them.
        openstack(cloud, "server", "stop", server["id"])
        assert wait_cli_status(cloud, server["id"], "SHUTOFF") == "SHUTOFF"
        openstack(cloud, "server", "start", server["id"])
        assert wait_cli_status(cloud, server["id"], "ACTIVE") == "ACTIVE"
        openstack(cloud, "server", "reboot", "--soft", "--wait", server["id"])
        assert openstack(cloud, "server", "show", server["id"], "-f", "json")["status"] \
            == "ACTIVE"
    finally:
        openstack(cloud, "server", "delete", "--wait", server["id"])
    openstack(cloud, "network", "delete", net)
    assert net not in {n["Name"] for n in openstack(cloud, "network", "list", "-f", "json")}
