"""Cyclades against the development cluster, end to end, with real processes.

Astakos (gunicorn, SQLite), Cyclades (gunicorn, SQLite), the development cluster
(HTTPS RAPI, jobs, hooks and its in-process eventd) and `cyclades-manage
dispatcher`, joined by the local spool queue. Servers go through the whole
effect path (commission, RAPI job) and update path (eventd -> queue ->
dispatcher -> commission accepted).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "demo-secret-1"
VM_LIMIT = 5
WAIT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(service: str, env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([str(BIN / f"{service}-manage"), *args], env=env, input=stdin,
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def wait_http(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{url} did not come up"
        time.sleep(0.3)


def gunicorn(module: str, port: int, env: dict, log: Path, *,
             workers: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), f"{module}.project.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "-k", "gthread", "--threads", "8", "--timeout", "120"],
        env=env, cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def running_stack(root: Path, *, vm_limit: int = VM_LIMIT, workers: int = 2,
                  queue_url: str | None = None, cyclades_extra_env: dict | None = None):
    """Astakos + Cyclades + dev cluster + dispatcher in `root`; yields their coordinates.

    `queue_url` replaces the local spool (e.g. RabbitMQ); `cyclades_extra_env` adds
    SNF_* settings to Cyclades' processes (e.g. a PostgreSQL database)."""
    (root / "conf").mkdir(parents=True, exist_ok=True)
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith("SNF_") and k != "DJANGO_SETTINGS_MODULE"}
    base_env.update(SNF_SETTINGS_DIR=str(root / "conf"), SNF_LOG_LEVEL="WARNING",
                    SNF_QUEUE_URL=queue_url or f"spool://{root / 'queue'}")
    astakos_port, cyclades_port = free_port(), free_port()
    astakos_url = f"http://127.0.0.1:{astakos_port}"
    cyclades_url = f"http://127.0.0.1:{cyclades_port}"
    astakos_env = dict(base_env, SNF_STATE_DIR=str(root / "astakos"),
                       SNF_ASTAKOS_BASE_URL=astakos_url)
    cyclades_env = dict(base_env, SNF_STATE_DIR=str(root / "cyclades"),
                        SNF_CYCLADES_BASE_URL=cyclades_url,
                        SNF_IDENTITY_URL=f"{astakos_url}/identity/v3", **(cyclades_extra_env or {}))
    procs: list[subprocess.Popen] = []
    try:
        manage("astakos", astakos_env, "migrate", "-v0")
        definition = json.loads(manage("cyclades", cyclades_env, "service-definition"))
        limits = {"cyclades.vm": vm_limit, "cyclades.total_cpu": 1000, "cyclades.cpu": 1000,
                  "cyclades.total_ram": 1 << 50, "cyclades.ram": 1 << 50,
                  "cyclades.disk": 1 << 50}
        for resource in definition["resources"]:
            resource["default_limit"] = limits.get(resource["name"], resource["default_limit"])
        imported = json.loads(manage("astakos", astakos_env, "service-import", "-o", "json",
                                     "-", stdin=json.dumps(definition)))
        demo = json.loads(manage("astakos", astakos_env, "bootstrap-demo", "--username",
                                 "demo", "--password", DEMO_PASSWORD, "--email",
                                 "demo@example.org", "-o", "json"))
        astakos = gunicorn("astakos", astakos_port, astakos_env, root / "astakos.log")
        procs.append(astakos)

        cluster_log = open(root / "devcluster.log", "w")
        cluster = subprocess.Popen(
            [sys.executable, "-m", "snf_ganeti.devcluster", "--state-dir",
             str(root / "cluster"), "--port", "0", "--with-eventd", "--memory-mib", "65536",
             "--disk-mib", "1000000", "--cpus", "64"],
            env=dict(base_env, SNF_STATE_DIR=str(root / "gtools")), cwd=ROOT,
            stdout=subprocess.PIPE, stderr=cluster_log, text=True)
        procs.append(cluster)
        ready = cluster.stdout.readline()
        assert ready.startswith("devcluster ready"), (root / "devcluster.log").read_text()
        rapi_port = int(ready.rsplit(":", 1)[1])

        cyclades_env["SNF_CYCLADES_SERVICE_TOKEN"] = imported["service_token"]
        manage("cyclades", cyclades_env, "migrate", "-v0")
        manage("cyclades", cyclades_env, "backend-add", "--name", "dev", "--host", "127.0.0.1",
               "--port", str(rapi_port), "--user", "snf", "--password", "snfpass",
               "--tls-verify", "false")
        small = json.loads(manage("cyclades", cyclades_env, "flavor-create", "--cpu", "1",
                                  "--ram", "128", "--disk", "0", "--disk-template",
                                  "diskless", "-o", "json"))
        big = json.loads(manage("cyclades", cyclades_env, "flavor-create", "--cpu", "2",
                                "--ram", "256", "--disk", "0", "--disk-template", "diskless",
                                "-o", "json"))
        huge = json.loads(manage("cyclades", cyclades_env, "flavor-create", "--cpu", "1",
                                 "--ram", "10000000", "--disk", "0", "--disk-template",
                                 "diskless", "-o", "json"))
        image = json.loads(manage("cyclades", cyclades_env, "image-register", "--name",
                                  "debian", "--location", "debian-base", "--property",
                                  "OSFAMILY=linux", "-o", "json"))
        wait_http(f"{astakos_url}/healthz", astakos, root / "astakos.log")
        cyclades = gunicorn("cyclades", cyclades_port, cyclades_env, root / "cyclades.log",
                            workers=workers)
        procs.append(cyclades)
        dispatcher = subprocess.Popen(
            [str(BIN / "cyclades-manage"), "dispatcher", "--poll-seconds", "0.2"],
            env=cyclades_env, cwd=ROOT, stdout=open(root / "dispatcher.log", "w"),
            stderr=subprocess.STDOUT)
        procs.append(dispatcher)
        wait_http(f"{cyclades_url}/healthz", cyclades, root / "cyclades.log")
        yield {"root": root, "astakos": astakos_url, "cyclades": cyclades_url,
               "compute": f"{cyclades_url}/compute/v2.1", "env": cyclades_env,
               "rapi": f"https://127.0.0.1:{rapi_port}", "demo": demo,
               "token": demo["token"], "flavors": {"small": small["id"], "big": big["id"],
                                                   "huge": huge["id"]},
               "image": image["id"], "dispatcher": dispatcher, "cyclades_proc": cyclades}
    finally:
        for proc in reversed(procs):
            stop(proc)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("cyclades-stack")) as coordinates:
        yield coordinates


def api(stack, method: str, path: str, body=None) -> requests.Response:
    return requests.request(method, f"{stack['compute']}/{path}", json=body, timeout=60,
                            headers={"X-Auth-Token": stack["token"]})


def wait_status(stack, server_id: str, wanted: set[str]) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    last = None
    while time.monotonic() < deadline:
        response = api(stack, "GET", f"servers/{server_id}")
        if response.status_code == 404 and "DELETED" in wanted:
            return {"status": "DELETED"}
        last = response.json()["server"]
        if last["status"] in wanted:
            return last
        assert stack["dispatcher"].poll() is None, \
            (stack["root"] / "dispatcher.log").read_text()[-3000:]
        time.sleep(0.3)
    raise AssertionError(f"server {server_id} stayed {last and last['status']}; "
                         f"dispatcher log: {(stack['root'] / 'dispatcher.log').read_text()[-2000:]}")


def vm_usage(stack) -> dict:
    from snf_common.clients.account import AccountClient

    client = AccountClient(f"{stack['astakos']}/account/v1.0", stack["token"])
    return client.get_quotas()[stack["demo"]["project_id"]]["cyclades.vm"]


def settled_vm_usage(stack, timeout: float = 15.0) -> dict:
    """The dispatcher resolves a commission just after its commit: wait for that."""
    deadline = time.monotonic() + timeout
    usage = vm_usage(stack)
    while usage["pending"] and time.monotonic() < deadline:
        time.sleep(0.2)
        usage = vm_usage(stack)
    return usage


def rapi_instances(stack) -> set[str]:
    response = requests.get(f"{stack['rapi']}/2/instances", auth=("snf", "snfpass"),
                            verify=False, timeout=10)
    return {i["id"] for i in response.json()}


def create(stack, flavor: str = "small", name: str = "vm") -> requests.Response:
    return api(stack, "POST", "servers", {"server": {
        "name": name, "flavorRef": stack["flavors"][flavor], "imageRef": stack["image"]}})


def test_server_create_becomes_active_through_effect_and_update_path(stack):
    response = create(stack)
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    server = wait_status(stack, server_id, {"ACTIVE", "ERROR"})
    assert server["status"] == "ACTIVE", server
    assert server["addresses"], server
    assert f"snf-{server_id}" in rapi_instances(stack)
    usage = settled_vm_usage(stack)
    assert usage["usage"] >= 1 and usage["pending"] == 0
    assert api(stack, "DELETE", f"servers/{server_id}").status_code == 204
    wait_status(stack, server_id, {"DELETED"})
    assert f"snf-{server_id}" not in rapi_instances(stack)
    assert settled_vm_usage(stack)["pending"] == 0


def test_failed_ganeti_job_sets_error_and_releases_quota(stack):
    before = settled_vm_usage(stack)["usage"]
    response = create(stack, "huge")       # more memory than the cluster has: the job fails
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    server = wait_status(stack, server_id, {"ERROR", "ACTIVE"})
    assert server["status"] == "ERROR" and "memory" in server["fault"]["message"].lower()
    deadline = time.monotonic() + 10
    while vm_usage(stack)["usage"] != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert vm_usage(stack)["usage"] == before
    assert api(stack, "DELETE", f"servers/{server_id}").status_code == 204
    wait_status(stack, server_id, {"DELETED"})


def test_openstacksdk_create_stop_start_reboot_delete(stack):
    import openstack

    conn = openstack.connect(auth_url=stack["astakos"] + "/identity/v3", username="demo",
                             password=DEMO_PASSWORD, project_name="demo",
                             user_domain_name="Default", project_domain_name="Default",
                             region_name="RegionOne", identity_api_version="3")
    server = conn.compute.create_server(name="sdk-vm", flavor_id=stack["flavors"]["small"],
                                        image_id=stack["image"],
                                        networks=[{"uuid": "public"}])
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=WAIT_SECONDS,
                                          interval=0.5)
    assert server.status == "ACTIVE"
    conn.compute.stop_server(server)
    conn.compute.wait_for_server(server, status="SHUTOFF", wait=WAIT_SECONDS, interval=0.5)
    conn.compute.start_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", wait=WAIT_SECONDS, interval=0.5)
    conn.compute.reboot_server(server, "SOFT")
    conn.compute.wait_for_server(server, status="ACTIVE", wait=WAIT_SECONDS, interval=0.5)
    assert {f.name for f in conn.compute.flavors()} >= {"C1R128D0diskless"}
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=WAIT_SECONDS, interval=0.5)


def test_concurrent_creates_accept_exactly_what_the_quota_allows(stack):
    usage = settled_vm_usage(stack)    # earlier tests' releases may still be resolving
    room = usage["limit"] - usage["usage"]
    assert room >= 1
    results: list[requests.Response] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        response = create(stack, name=f"burst-{i}")
        with lock:
            results.append(response)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    codes = sorted(r.status_code for r in results)
    assert codes.count(202) == room, codes
    assert codes.count(413) == 20 - room, codes
    ids = [r.json()["server"]["id"] for r in results if r.status_code == 202]
    for server_id in ids:
        assert wait_status(stack, server_id, {"ACTIVE", "ERROR"})["status"] == "ACTIVE"
    for server_id in ids:
        api(stack, "DELETE", f"servers/{server_id}")
    for server_id in ids:
        wait_status(stack, server_id, {"DELETED"})
    assert settled_vm_usage(stack)["usage"] == usage["usage"]


def test_reconcile_reports_no_drift_afterwards(stack):
    out = manage("cyclades", stack["env"], "reconcile-servers", "-o", "json")
    report = json.loads(out)
    assert report["errors"] == [] and report["findings"] == [], report
