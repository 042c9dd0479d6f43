"""The development cluster end to end: RAPI over HTTPS, jobs, the real snf-image OS
definition writing an ext4 image onto the instance disk, the real hook and eventd
publishing to a spool queue."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from snf_common.ganeti_events import BuildProgress, OpStatus, from_json
from snf_common.queue.spool import SpoolTransport

pytestmark = pytest.mark.skipif(
    not (shutil.which("mkfs.ext4") and shutil.which("debugfs")),
    reason="e2fsprogs (mkfs.ext4, debugfs) not installed on this machine")

START_TIMEOUT_SECONDS = 30
JOB_TIMEOUT_SECONDS = 60
QUEUE = "test-devcluster-events"


class Devcluster:
    def __init__(self, root: Path):
        self.root = root
        self.state_dir = root / "state"
        self.spool = root / "var" / "queue"
        (root / "conf").mkdir(parents=True)
        SpoolTransport(self.spool).declare_queue(QUEUE, ["ganeti.#"])
        self.env = {**os.environ, "SNF_SETTINGS_DIR": str(root / "conf"),
                    "SNF_STATE_DIR": str(root / "var"), "SNF_QUEUE_URL": "",
                    "SNF_LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "snf_ganeti.devcluster", "--state-dir", str(self.state_dir),
             "--port", "0", "--memory-mib", "4096", "--disk-mib", "2048", "--cpus", "4"],
            env=self.env, stdout=subprocess.PIPE, stderr=open(root / "devcluster.log", "wb"),
            text=True)
        line = self._ready_line()
        self.url = line.split()[-1]
        self.http = requests.Session()
        self.http.auth = ("snf", "snfpass")
        self.http.verify = str(self.state_dir / "rapi.pem")  # the self-signed cert it made
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE would override the pinned cert

    def _ready_line(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("devcluster ready"):
                return line.strip()
            if self.proc.poll() is not None:
                break
        self.stop()
        raise AssertionError("devcluster did not start: "
                             + (self.root / "devcluster.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def get(self, path: str, **kw):
        return self.http.get(self.url + path, timeout=10, **kw)

    def call(self, method: str, path: str, body=None, **kw) -> int:
        response = self.http.request(method, self.url + path, json=body, timeout=10, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_job(self, job_id: int) -> dict:
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            job = self.get(f"/2/jobs/{job_id}").json()
            if job["status"] in ("success", "error", "canceled"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} still {job['status']}")

    def run(self, method: str, path: str, body=None, **kw) -> dict:
        return self.wait_job(self.call(method, path, body, **kw))

    def messages(self) -> list:
        spool = SpoolTransport(self.spool)
        found = []
        while (delivery := spool.get(QUEUE)) is not None:
            found.append((delivery.routing_key, from_json(delivery.body)))
            delivery.ack()
        return found


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = Devcluster(tmp_path_factory.mktemp("devcluster"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """A tiny Linux-like ext4 image, built without mounting (mkfs.ext4 -d)."""
    root = tmp_path_factory.mktemp("image")
    tree = root / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "root").mkdir()
    (tree / "etc" / "hostname").write_text("localhost\n")
    (tree / "etc" / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (tree / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    path = root / "tiny.img"
    with open(path, "wb") as handle:
        handle.truncate(8 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), str(path)], check=True,
                   capture_output=True)
    return path


def create_body(name: str, image: Path, **extra) -> dict:
    personality = [{"path": "/etc/snf-test/injected", "mode": 0o644,
                    "contents": base64.b64encode(f"hello {name}\n".encode()).decode()}]
    body = {"__version__": 1, "mode": "create", "name": name, "disk_template": "file",
            "disks": [{"size": 32, "name": f"disk-{name}"}],
            "nics": [{"name": f"nic-{name}", "mode": "bridged", "link": "snfbr0",
                      "ip": "10.0.0.5"}],
            "os": "snf-image+default", "pnode": "node1.snf.local", "hypervisor": "fake",
            "ip_check": False, "name_check": False, "wait_for_sync": False,
            "beparams": {"auto_balance": True, "vcpus": 1, "maxmem": 256, "minmem": 256},
            "osparams": {"img_id": str(image), "img_format": "diskdump", "img_passwd": "secret",
                         "img_personality": json.dumps(personality),
                         "img_properties": "{}"},
            "tags": ["synnefo:network:0:public"]}
    body.update(extra)
    return body


def debugfs_cat(disk: str, path: str) -> bytes:
    return subprocess.run(["debugfs", "-R", f"cat {path}", disk], check=True,
                          capture_output=True).stdout


def test_create_deploys_image_and_hook_reports_instance(cluster, image):
    cluster.messages()
    job_id = cluster.call("POST", "/2/instances", create_body("snf-10", image))
    assert isinstance(job_id, int)  # RAPI answers a bare job id
    job = cluster.wait_job(job_id)
    assert job["status"] == "success", job["opresult"]
    assert job["summary"] == ["INSTANCE_CREATE(snf-10)"] and job["opstatus"] == ["success"]
    assert job["opresult"] == [["node1.snf.local"]]

    inst = cluster.get("/2/instances/snf-10").json()
    assert (inst["status"], inst["admin_state"], inst["oper_state"]) == ("running", "up", True)
    assert inst["disk.sizes"] == [32] and inst["nic.ips"] == ["10.0.0.5"]
    assert "img_passwd" not in inst["osparams"]

    disks = list((cluster.state_dir / "file-storage" / "snf-10").glob("*.file.disk0"))
    assert len(disks) == 1 and disks[0].stat().st_size == 32 * 1024 * 1024
    assert debugfs_cat(str(disks[0]), "/etc/snf-test/injected") == b"hello snf-10\n"
    assert debugfs_cat(str(disks[0]), "/etc/hostname") == b"snf-10\n"
    assert debugfs_cat(str(disks[0]), "/etc/shadow").startswith(b"root:$6$")

    messages = cluster.messages()
    ops = [m for key, m in messages if key == "ganeti.snf.event.op"]
    [hooked] = [m for m in ops if isinstance(m, OpStatus) and m.instance == "snf-10"]
    assert (hooked.operation, hooked.status, hooked.jobId) == ("OP_INSTANCE_CREATE", "success",
                                                               job_id)
    assert hooked.instance_nics[0]["mac"] == inst["nic.macs"][0]
    assert hooked.instance_nics[0]["ip"] == "10.0.0.5"
    assert hooked.instance_disks[0]["size"] == 32
    assert hooked.cluster == "cluster.snf.local"
    progress = [m for key, m in messages if key == "ganeti.snf.event.progress"]
    assert all(isinstance(m, BuildProgress) and m.instance == "snf-10" for m in progress)
    assert max(m.progress or 0 for m in progress) == 100.0


def test_power_operations_and_removal(cluster, image):
    assert cluster.run("POST", "/2/instances", create_body("snf-11", image))["status"] == "success"
    cluster.messages()
    assert cluster.run("PUT", "/2/instances/snf-11/shutdown", {"timeout": 5})["status"] == "success"
    inst = cluster.get("/2/instances/snf-11").json()
    assert (inst["status"], inst["admin_state"], inst["oper_state"]) == ("ADMIN_down", "down", False)
    assert cluster.run("PUT", "/2/instances/snf-11/startup")["status"] == "success"
    assert cluster.get("/2/instances/snf-11").json()["status"] == "running"
    assert cluster.run("POST", "/2/instances/snf-11/reboot", params={"type": "hard"})["status"] \
        == "success"
    modify = {"nics": [["add", {"name": "nic-extra", "mode": "bridged", "link": "snfbr0"}]],
              "beparams": {"vcpus": 2}, "hotplug": False}
    assert cluster.run("PUT", "/2/instances/snf-11/modify", modify)["status"] == "success"
    assert len(cluster.get("/2/instances/snf-11").json()["nic.macs"]) == 2
    assert cluster.run("DELETE", "/2/instances/snf-11")["status"] == "success"
    assert cluster.get("/2/instances/snf-11").status_code == 404
    assert not (cluster.state_dir / "file-storage" / "snf-11").exists()

    hooked = [m for key, m in cluster.messages() if key == "ganeti.snf.event.op"]
    assert [m.operation for m in hooked] == ["OP_INSTANCE_SHUTDOWN", "OP_INSTANCE_STARTUP",
                                            "OP_INSTANCE_REBOOT", "OP_INSTANCE_SET_PARAMS",
                                            "OP_INSTANCE_REMOVE"]
    assert all(m.status == "success" and m.jobId > 0 for m in hooked)
    assert len(hooked[3].instance_nics) == 2  # the modify hook saw the added NIC


def test_failed_os_create_fails_the_job_like_ganeti(cluster, image, tmp_path):
    body = create_body("snf-12", image)
    body["osparams"]["img_id"] = str(tmp_path / "no-such-image")
    job = cluster.run("POST", "/2/instances", body)
    assert job["status"] == "error"
    assert job["opresult"][0][0] == "OpExecError" and "no-such-image" in job["opresult"][0][1][0]
    assert cluster.get("/2/instances/snf-12").status_code == 404
    assert not list((cluster.state_dir / "file-storage").glob("snf-12/*"))

    assert cluster.run("POST", "/2/instances", create_body("snf-13", image))["status"] == "success"
    again = cluster.run("POST", "/2/instances", create_body("snf-13", image))
    assert again["opresult"] == [["OpPrereqError", ["Instance 'snf-13' is already in the cluster",
                                                    "already_exists"]]]
    bad = cluster.run("POST", "/2/instances", create_body("snf-14", image, disk_template="drbd"))
    assert bad["status"] == "error" and bad["opresult"][0][0] == "OpPrereqError"


def test_capacity_auth_and_errors(cluster, image):
    assert cluster.get("/version").json() == 2
    assert cluster.get("/2/info").json()["os_api_version"] == 20
    assert "snf-image+default" in cluster.get("/2/os").json()
    before = cluster.get("/2/nodes", params={"bulk": 1}).json()[0]
    assert (before["mtotal"], before["dtotal"], before["ctotal"]) == (4096, 2048, 4)
    assert cluster.run("POST", "/2/instances", create_body("snf-15", image))["status"] == "success"
    after = cluster.get("/2/nodes", params={"bulk": 1}).json()[0]
    assert after["mfree"] == before["mfree"] - 256 and after["dfree"] == before["dfree"] - 32
    assert after["pinst_cnt"] == before["pinst_cnt"] + 1 and "snf-15" in after["pinst_list"]
    assert cluster.get("/2/nodes").json() == [{"id": "node1.snf.local",
                                               "uri": "/2/nodes/node1.snf.local"}]
    huge = create_body("snf-16", image, disks=[{"size": 100000}])
    assert cluster.run("POST", "/2/instances", huge)["opresult"][0][1][1] == "insufficient_resources"

    denied = cluster.http.get(cluster.url + "/2/info", auth=("snf", "wrong"), timeout=10)
    assert denied.status_code == 401 and denied.json()["message"] == "Unauthorized"
    assert cluster.get("/2/instances/nope").json()["code"] == 404
    names = [i["id"] for i in cluster.get("/2/instances").json()]
    assert "snf-15" in names
    bulk = cluster.get("/2/instances", params={"bulk": 1}).json()
    assert {i["name"] for i in bulk} == set(names)


def test_networks_and_tags(cluster, image):
    net = {"network_name": "snf-net-1", "network": "10.1.0.0/29", "gateway": "10.1.0.1"}
    assert cluster.run("POST", "/2/networks", net)["status"] == "success"
    connect = {"group_name": "default", "network_mode": "bridged", "network_link": "br1"}
    assert cluster.run("PUT", "/2/networks/snf-net-1/connect", connect)["status"] == "success"
    body = create_body("snf-17", image, nics=[{"network": "snf-net-1", "ip": "pool"}])
    assert cluster.run("POST", "/2/instances", body)["status"] == "success"
    inst = cluster.get("/2/instances/snf-17").json()
    assert inst["nic.networks"] == ["snf-net-1"] and inst["nic.links"] == ["br1"]
    assert inst["nic.ips"] == ["10.1.0.2"]
    shown = cluster.get("/2/networks/snf-net-1").json()
    assert shown["group_list"] == [["default", "bridged", "br1"]] and shown["inst_list"] == ["snf-17"]
    assert cluster.run("DELETE", "/2/networks/snf-net-1")["status"] == "error"  # still in use

    assert cluster.run("PUT", "/2/instances/snf-17/tags", params={"tag": ["a", "b"]})["status"] \
        == "success"
    assert set(cluster.get("/2/instances/snf-17/tags").json()) >= {"a", "b"}
    assert cluster.run("DELETE", "/2/instances/snf-17")["status"] == "success"
    assert cluster.run("PUT", "/2/networks/snf-net-1/disconnect", {})["status"] == "success"
    assert cluster.run("DELETE", "/2/networks/snf-net-1")["status"] == "success"
    assert cluster.get("/2/networks").json() == []


def test_eventd_follows_the_devcluster_queue(cluster, image, tmp_path):
    job_id = cluster.call("POST", "/2/instances", create_body("snf-18", image))
    cluster.wait_job(job_id)
    cluster.messages()
    state = tmp_path / "eventd.json"
    command = [sys.executable, "-m", "snf_ganeti.eventd", "--once", "--queue-dir",
               str(cluster.state_dir / "data" / "queue"), "--state-file", str(state)]
    subprocess.run(command, env=cluster.env, check=True, timeout=60, capture_output=True)
    events = [m for _, m in cluster.messages()]
    mine = [m for m in events if getattr(m, "jobId", None) == job_id]
    assert [(m.instance, m.operation, m.status) for m in mine] == [
        ("snf-18", "OP_INSTANCE_CREATE", "success")]
    assert mine[0].cluster == "cluster.snf.local"
    assert {m.status for m in events} <= {"success", "error"}  # every job had finished
    subprocess.run(command, env=cluster.env, check=True, timeout=60, capture_output=True)
    assert cluster.messages() == []  # a restart publishes nothing twice
