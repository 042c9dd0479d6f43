"""Helpers of the end-to-end security tests: users of a running cloud calling its APIs
over plain HTTP, operator commands with the cloud's settings, a small flavor."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

BIN = Path(sys.executable).parent


def manage(cloud, service: str, *args: str) -> str:
    """`<service>-manage ARGS` with the cloud's settings (what an operator runs)."""
    proc = subprocess.run([str(BIN / f"{service}-manage"), *args], env=cloud.env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.stdout


class CloudUser:
    """One Astakos user of the running cloud, calling the APIs with plain HTTP."""

    def __init__(self, cloud, name: str) -> None:
        self.cloud, self.name = cloud, name
        self.password = "pw-" + secrets.token_urlsafe(16)
        made = json.loads(manage(cloud, "astakos", "bootstrap-demo", "--username", name,
                                 "--password", self.password, "--email",
                                 f"{name}@example.org", "-o", "json"))
        self.id, self.project_id, self.token = made["user_id"], made["project_id"], made["token"]

    def url(self, service: str, path: str) -> str:
        return f"{self.cloud.urls[service]}/{path.lstrip('/')}"

    def call(self, service: str, method: str, path: str, *, token: str | None = None,
             headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        sent = {"X-Auth-Token": self.token if token is None else token, **(headers or {})}
        return requests.request(method, self.url(service, path), headers=sent, timeout=60,
                                **kwargs)

    # shorthands per service
    def compute(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.call("cyclades", method, "compute/v2.1/" + path.lstrip("/"), **kw)

    def network(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.call("cyclades", method, "network/v2.0/" + path.lstrip("/"), **kw)

    def image(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.call("cyclades", method, "image/v2/" + path.lstrip("/"), **kw)

    def volume(self, method: str, path: str, *, project: str | None = None,
               **kw: Any) -> requests.Response:
        return self.call("cyclades", method,
                         f"volume/v3/{project or self.project_id}/" + path.lstrip("/"), **kw)

    def pithos(self, method: str, path: str = "", *, account: str | None = None,
               **kw: Any) -> requests.Response:
        suffix = f"/{path.lstrip('/')}" if path else ""
        return self.call("pithos", method,
                         f"object-store/v1/{account or self.id}{suffix}", **kw)

    def account(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.call("astakos", method, "account/v1.0/" + path.lstrip("/"), **kw)

    def identity(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.call("astakos", method, "identity/v3/" + path.lstrip("/"), **kw)



def ensure_flavor(cloud) -> str:
    """The id of a 1-CPU, 128 MiB, 1 GiB `file` flavor (created once per cloud)."""
    flavors = json.loads(manage(cloud, "cyclades", "flavor-list", "-o", "json") or "[]")
    for flavor in flavors:
        if flavor["disk_template"] == "file" and flavor["disk"] == 1 and flavor["ram"] == 128 \
                and flavor["cpu"] == 1 and not flavor.get("deleted"):
            return str(flavor["id"])
    made = json.loads(manage(cloud, "cyclades", "flavor-create", "--cpu", "1", "--ram", "128",
                             "--disk", "1", "--disk-template", "file", "-o", "json"))
    return str(made["id"])


def public_image(user: CloudUser) -> str:
    """The quickstart's public image (registered by snf-deploy)."""
    images = user.image("GET", "images?visibility=public").json()["images"]
    assert images, "snf-deploy registers a public image"
    return images[0]["id"]


def wait_status(user: CloudUser, server_id: str, wanted: tuple[str, ...] = ("ACTIVE", "ERROR"),
                timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    server: dict = {}
    while time.monotonic() < deadline:
        server = user.compute("GET", f"servers/{server_id}").json()["server"]
        if server["status"] in wanted:
            return server
        time.sleep(0.5)
    raise AssertionError(f"server {server_id} is still {server.get('status')}")


def wait_quotas_settled(user: CloudUser, timeout: float = 30) -> dict:
    """The user's quotas once no commission is pending: Cyclades tells Astakos its
    decisions shortly after the update that made a server ACTIVE, not with it."""
    deadline = time.monotonic() + timeout
    while True:
        quotas = user.account("GET", "quotas").json()
        pending = {(project, resource) for project, resources in quotas.items()
                   for resource, row in resources.items() if row.get("pending")}
        if not pending:
            return quotas
        if time.monotonic() > deadline:
            raise AssertionError(f"commissions still pending: {sorted(pending)}")
        time.sleep(0.2)


def assert_fault(response: requests.Response, status: int | tuple[int, ...], fmt: str) -> None:
    """`response` is a refusal with this status in the API's own fault format:
    "openstack" ({"itemNotFound": {"code", "message"}}), "keystone" ({"error": {...}})
    or "swift" (plain text)."""
    wanted = (status,) if isinstance(status, int) else status
    what = f"{response.request.method} {response.url} -> {response.status_code} {response.text[:300]!r}"
    assert response.status_code in wanted, what
    ctype = response.headers.get("Content-Type", "")
    if response.request.method == "HEAD":
        assert not response.content, what
        return
    if fmt == "swift":
        assert ctype.startswith("text/plain"), what
        assert response.text.strip() and "<html" not in response.text.lower(), what
        return
    assert ctype.startswith("application/json"), what
    body = response.json()
    if fmt == "keystone":
        assert set(body) == {"error"}, what
        assert body["error"]["code"] == response.status_code and body["error"]["message"], what
        return
    assert len(body) == 1, what
    (fault,) = body.values()
    assert fault["code"] == response.status_code and fault["message"], what
