"""Secrets and consoles on a real stack: Astakos, Cyclades, the development cluster
(running snf-image on file disks), the dispatcher and `cyclades-manage vncproxy`.

- The create job Ganeti stores carries config_url, never the password; snf-image
  fetches the document once and still sets the password hash and the files.
- A console ticket opens the instance's RFB server through the proxy exactly once.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
import warnings
from pathlib import Path

import pytest
import requests

from tests.integration.test_cyclades_devcluster import (
    BIN,
    ROOT,
    api,
    free_port,
    manage,
    running_stack,
    stop,
    wait_status,
)

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def tiny_image(root: Path) -> Path:
    """An 8 MiB ext4 image with the files snf-image edits (mkfs.ext4 -d, no mount)."""
    tree = root / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "root").mkdir()
    (tree / "etc" / "hostname").write_text("localhost\n")
    (tree / "etc" / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (tree / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (tree / "etc" / "group").write_text("root:x:0:\n")
    path = root / "tiny.img"
    with open(path, "wb") as handle:
        handle.truncate(8 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), str(path)], check=True,
                   capture_output=True)
    return path


def debugfs_cat(disk: Path, path: str) -> bytes:
    return subprocess.run(["debugfs", "-R", f"cat {path}", str(disk)], check=True,
                          capture_output=True).stdout


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("cyclades-console")
    proxy_port = free_port()
    (root / "conf").mkdir()
    (root / "conf" / "60-console.conf").write_text(
        f"CYCLADES_VNCPROXY_PORT = {proxy_port}\nCYCLADES_CONSOLE_TTL_SECONDS = 30\n")
    image = tiny_image(root)
    with running_stack(root) as coordinates:
        env = coordinates["env"]
        flavor = json.loads(manage("cyclades", env, "flavor-create", "--cpu", "1", "--ram",
                                   "128", "--disk", "1", "--disk-template", "file",
                                   "-o", "json"))
        registered = json.loads(manage("cyclades", env, "image-register", "--name", "tiny",
                                       "--location", str(image), "--property",
                                       "OSFAMILY=linux", "-o", "json"))
        proxy = subprocess.Popen([str(BIN / "cyclades-manage"), "vncproxy", "--port",
                                  str(proxy_port)], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=open(root / "vncproxy.log", "w"),
                                 text=True)
        try:
            ready = proxy.stdout.readline()
            assert ready.startswith("vncproxy ready"), (root / "vncproxy.log").read_text()
            yield dict(coordinates, file_flavor=flavor["id"], tiny=registered["id"],
                       proxy_port=proxy_port)
        finally:
            stop(proxy)


@pytest.fixture(scope="module")
def built(stack):
    """One server built from the tiny image with a personality file."""
    personality = [{"path": "/etc/motd", "contents": base64.b64encode(b"hi there\n").decode()}]
    response = api(stack, "POST", "servers", {"server": {
        "name": "secretive", "flavorRef": stack["file_flavor"], "imageRef": stack["tiny"],
        "personality": personality}})
    assert response.status_code == 202, response.text
    server = response.json()["server"]
    shown = wait_status(stack, server["id"], {"ACTIVE", "ERROR"})
    assert shown["status"] == "ACTIVE", shown
    return {"id": server["id"], "password": server["adminPass"]}


def test_create_job_holds_no_password_and_snf_image_still_applies_it(stack, built):
    queue = stack["root"] / "cluster" / "data" / "queue"
    jobs = {p.name: p.read_text() for p in queue.glob("job-*")}
    instance = f"snf-{built['id']}"
    [create] = [text for text in jobs.values()
                if "OP_INSTANCE_CREATE" in text and f'"{instance}"' in text]
    osparams = json.loads(create)["ops"][0]["input"]["osparams"]
    assert set(osparams) == {"img_id", "img_format", "config_url"}, osparams
    assert "/vmapi/v1.0/server-params/" in osparams["config_url"]
    for text in jobs.values():
        assert built["password"] not in text
        assert "aGkgdGhlcmUK" not in text                       # the personality file
    # fetched once by snf-image: a second fetch finds nothing
    assert requests.get(osparams["config_url"], timeout=10).status_code == 404

    [disk] = (stack["root"] / "cluster" / "file-storage" / instance).glob("*disk0")
    shadow = debugfs_cat(disk, "/etc/shadow").decode()
    assert shadow.startswith("root:$6$"), shadow
    stored = shadow.split(":")[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    assert crypt.crypt(built["password"], stored) == stored   # the admin password's hash
    assert debugfs_cat(disk, "/etc/motd") == b"hi there\n"
    assert debugfs_cat(disk, "/etc/hostname") == f"{instance}\n".encode()


def console_password(stack, server_id: str) -> dict:
    response = api(stack, "POST", f"servers/{server_id}/action", {"console": {"type": "vnc"}})
    assert response.status_code == 200, response.text
    return response.json()["console"]


def test_console_through_the_proxy_reaches_the_instance_once(stack, built):
    from cyclades.console import rfb

    console = console_password(stack, built["id"])
    assert (console["host"], console["port"]) == ("127.0.0.1", stack["proxy_port"])
    with socket.create_connection((console["host"], console["port"]), timeout=10) as sock:
        init = rfb.client_connect(sock, console["password"])
        assert init.name == f"snf-{built['id']}" and (init.width, init.height) == (320, 200)
        count, pixel = rfb.request_frame(sock, init.width, init.height)
        assert count == 1 and len(pixel) == 4
    with socket.create_connection((console["host"], console["port"]), timeout=10) as sock:
        with pytest.raises(rfb.RfbError, match="Authentication failed"):
            rfb.client_connect(sock, console["password"])     # single use


def test_nova_console_and_stopped_server(stack, built):
    from cyclades.console import rfb

    nova = api(stack, "POST", f"servers/{built['id']}/action",
               {"os-getVNCConsole": {"type": "novnc"}}).json()["console"]
    assert nova["url"] == (f"vnc://127.0.0.1:{stack['proxy_port']}/"
                           f"?password={nova['password']}")
    assert api(stack, "POST", f"servers/{built['id']}/action", {"os-stop": None}) \
        .status_code == 202
    wait_status(stack, built["id"], {"SHUTOFF"})
    response = api(stack, "POST", f"servers/{built['id']}/action", {"console": {"type": "vnc"}})
    assert response.status_code == 409, response.text
    # the ticket issued while it ran now leads nowhere: the instance's console is gone
    with socket.create_connection(("127.0.0.1", stack["proxy_port"]), timeout=10) as sock:
        with pytest.raises(rfb.RfbError, match="not reachable"):
            rfb.client_connect(sock, nova["password"])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and api(stack, "DELETE", f"servers/{built['id']}") \
            .status_code != 204:
        time.sleep(0.2)
    wait_status(stack, built["id"], {"DELETED"})
