"""`snf-deploy demo`: walk through the running cloud as the demo user, step by step.

Each step prints one line (ok / FAILED and why): health, a token with its catalog, a
file uploaded to Pithos with the shared client (only missing blocks are sent), a
server booted from the quickstart image, ACTIVE, deleted. A few seconds in all on
the development cluster.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from snf_common.clients.base import ClientError
from snf_common.clients.catalog import Catalog
from snf_common.clients.compute import ComputeClient
from snf_common.clients.object_store import ObjectStoreClient
from snf_common.clients.sync import upload_file
from snf_deploy import DeployError
from snf_deploy.commands import manage
from snf_deploy.deploy import child_env, status
from snf_deploy.state import Layout, Ports, choose_ports, read_json

DEMO_CONTAINER = "demo"
DEMO_FILE = "hello.txt"
DEMO_FLAVOR = {"cpu": 1, "ram": 128, "disk": 1, "disk_template": "file"}
QUICKSTART_IMAGE = "Tiny Linux (ext4)"
BOOT_TIMEOUT_SECONDS = 60


@dataclass
class DemoContext:
    layout: Layout
    ports: Ports
    demo: dict[str, Any]
    token: str | None = None
    catalog: list[dict[str, Any]] | None = None
    server_id: str | None = None


def step_health(ctx: DemoContext) -> str:
    rows = status(ctx.layout.root, port_base=ctx.ports.base)
    bad = [row["name"] for row in rows if row["health"] != "ok"]
    if bad:
        raise DeployError("not healthy: " + ", ".join(bad) + " (see `snf-deploy status`)")
    return "healthy: " + ", ".join(row["name"] for row in rows)


def step_token(ctx: DemoContext) -> str:
    if not ctx.demo.get("password"):
        raise DeployError(f"no demo user in {ctx.layout.demo_json} (run `snf-deploy up`)")
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": ctx.demo["username"], "domain": {"name": "Default"},
            "password": ctx.demo["password"]}}},
        "scope": {"project": {"name": ctx.demo["project_name"], "domain": {"name": "Default"}}},
    }}
    response = requests.post(f"{ctx.ports.identity_url}/auth/tokens", json=body, timeout=10)
    if response.status_code != 201:
        raise DeployError(f"token issue answered {response.status_code}: {response.text[:200]}")
    ctx.token = response.headers.get("X-Subject-Token")
    token = response.json().get("token", {})
    ctx.catalog = token.get("catalog", [])
    types = sorted({entry.get("type", "?") for entry in ctx.catalog})
    return (f"token issued for {token.get('user', {}).get('name')} "
            f"(project {token.get('project', {}).get('name')}); catalog: {', '.join(types)}")


def _catalog(ctx: DemoContext) -> Catalog:
    if not ctx.token:
        raise DeployError("no token (the token step failed)")
    return Catalog.from_token_body({"token": {"catalog": ctx.catalog or []}})


def step_upload(ctx: DemoContext) -> str:
    store = ObjectStoreClient(_catalog(ctx).url_for("object-store"), ctx.token or "")
    store.create_container(DEMO_CONTAINER)
    text = (f"Hello from snf-deploy demo, {time.strftime('%Y-%m-%d %H:%M:%S')}.\n"
            * 1000).encode()
    with tempfile.NamedTemporaryFile(prefix="snf-demo-") as local:
        local.write(text)
        local.flush()
        stats = upload_file(store, DEMO_CONTAINER, DEMO_FILE, local.name,
                            content_type="text/plain")
    if store.get_object(DEMO_CONTAINER, DEMO_FILE) != text:
        raise DeployError("the uploaded file reads back different")
    return (f"uploaded {DEMO_CONTAINER}/{DEMO_FILE} to Pithos ({stats.size} bytes, "
            f"{stats.blocks_transferred} of {stats.blocks_total} blocks sent)")


def _flavor(ctx: DemoContext, compute: ComputeClient) -> dict[str, Any]:
    """The smallest flavor, or (as the administrator) one made for the demo."""
    flavors = sorted(compute.list_flavors(), key=lambda f: (f["ram"], f["disk"], f["vcpus"]))
    if flavors:
        return flavors[0]
    spec = DEMO_FLAVOR
    result = subprocess.run(manage("cyclades", "flavor-create", "--cpu", str(spec["cpu"]),
                                   "--ram", str(spec["ram"]), "--disk", str(spec["disk"]),
                                   "--disk-template", spec["disk_template"], "-o", "json"),
                            cwd=ctx.layout.root, env=child_env(ctx.layout),
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise DeployError(f"cyclades-manage flavor-create failed: {result.stderr[-300:]}")
    return compute.get_flavor(str(json.loads(result.stdout)["id"]))


def _compute(ctx: DemoContext) -> ComputeClient:
    return ComputeClient(_catalog(ctx).url_for("compute"), ctx.token or "")


def step_boot(ctx: DemoContext) -> str:
    compute = _compute(ctx)
    image_id = read_json(ctx.layout.root / "images.json").get("image_id")
    if not image_id:
        images = [i for i in compute.list_images() if i["name"] == QUICKSTART_IMAGE]
        if not images:
            raise DeployError(f"no {QUICKSTART_IMAGE!r} image (see `snf-deploy up`)")
        image_id = images[0]["id"]
    flavor = _flavor(ctx, compute)
    server = compute.create_server(f"demo-{os.getpid()}", str(flavor["id"]), image_id)
    ctx.server_id = str(server["id"])
    return (f"server {ctx.server_id} building from {QUICKSTART_IMAGE!r} "
            f"(flavor {flavor['name']})")


def step_active(ctx: DemoContext) -> str:
    if not ctx.server_id:
        raise DeployError("no server (the boot step failed)")
    started = time.monotonic()
    server = _compute(ctx).wait_server(ctx.server_id, {"ACTIVE", "ERROR"},
                                       timeout=BOOT_TIMEOUT_SECONDS, interval=0.5)
    if server["status"] != "ACTIVE":
        fault = (server.get("fault") or {}).get("message") or "no fault message"
        raise DeployError(f"server {ctx.server_id} is {server['status']}: {fault[:300]}")
    return f"server {ctx.server_id} ACTIVE after {time.monotonic() - started:.1f}s"


def step_delete(ctx: DemoContext) -> str:
    if not ctx.server_id:
        raise DeployError("no server (the boot step failed)")
    compute = _compute(ctx)
    started = time.monotonic()
    compute.delete_server(ctx.server_id)
    compute.wait_server(ctx.server_id, "DELETED", timeout=BOOT_TIMEOUT_SECONDS, interval=0.5)
    server_id, ctx.server_id = ctx.server_id, None
    return f"server {server_id} deleted after {time.monotonic() - started:.1f}s"


STEPS: list[tuple[str, Callable[[DemoContext], str]]] = [
    ("health", step_health),
    ("token", step_token),
    ("upload", step_upload),
    ("boot", step_boot),
    ("active", step_active),
    ("delete", step_delete),
]


def run_demo(state_dir: Path, *, port_base: int | None = None,
             say: Callable[[str], None] = print) -> bool:
    layout = Layout(state_dir)
    ctx = DemoContext(layout, choose_ports(layout, port_base), read_json(layout.demo_json))
    ok = True
    for name, step in STEPS:
        try:
            say(f"{name:<8} ok      {step(ctx)}")
        except (DeployError, ClientError, requests.RequestException) as exc:
            say(f"{name:<8} FAILED  {exc}")
            ok = False
            break  # later steps build on earlier ones
    if ctx.server_id:  # a failed wait: do not leave the demo's server behind
        try:
            _compute(ctx).delete_server(ctx.server_id)
        except (ClientError, requests.RequestException):
            pass
    return ok
