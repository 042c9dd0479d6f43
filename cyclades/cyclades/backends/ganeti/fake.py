"""An in-memory Ganeti cluster behind the RapiClient interface: a unit-test double only.

Jobs wait in a queue until the test calls `run_jobs()`, which applies them and
returns the `ganeti-op-status` messages eventd would have published, so tests
can feed them to the dispatcher's handlers in any order, twice, or not at all.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from cyclades.backends.ganeti.rapi import RapiError
from snf_common.ganeti_events import NetworkStatus, OpStatus, event_time_now

OPCODES = {"create": "OP_INSTANCE_CREATE", "startup": "OP_INSTANCE_STARTUP",
           "shutdown": "OP_INSTANCE_SHUTDOWN", "reboot": "OP_INSTANCE_REBOOT",
           "remove": "OP_INSTANCE_REMOVE", "modify": "OP_INSTANCE_SET_PARAMS",
           "grow_disk": "OP_INSTANCE_GROW_DISK"}
NETWORK_OPCODES = {"network_add": "OP_NETWORK_ADD", "network_connect": "OP_NETWORK_CONNECT",
                   "network_disconnect": "OP_NETWORK_DISCONNECT",
                   "network_remove": "OP_NETWORK_REMOVE"}


class _JobFailed(Exception):
    """A job the fake cluster refuses while running it (Ganeti's OpPrereqError)."""


@dataclass
class FakeJob:
    id: int
    kind: str
    instance: str
    body: dict[str, Any]
    status: str = "queued"
    result: Any = None


@dataclass
class FakeCluster:
    name: str
    nodes: list[dict[str, Any]] = field(default_factory=lambda: [{
        "name": "node1", "offline": False, "drained": False, "mfree": 16384, "mtotal": 32768,
        "dfree": 500_000, "dtotal": 1_000_000, "ctotal": 8, "pinst_list": []}])
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[int, FakeJob] = field(default_factory=dict)
    pending: list[int] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)   # kind -> error message
    unreachable: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)
    console_at: tuple[str, int] = ("127.0.0.1", 5901)     # every instance's VNC server
    consoles_down: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def submit(self, kind: str, instance: str, body: dict[str, Any] | None = None) -> int:
        if self.unreachable:
            raise RapiError(f"{kind} {instance}: connection refused")
        self.calls.append((kind, instance))
        job = FakeJob(next(self._ids), kind, instance, dict(body or {}))
        self.jobs[job.id] = job
        self.pending.append(job.id)
        return job.id

    def run_jobs(self) -> list[OpStatus]:
        """Run every queued job; returns the running + final messages of each, in order."""
        messages: list[OpStatus] = []
        while self.pending:
            job = self.jobs[self.pending.pop(0)]
            if job.kind in NETWORK_OPCODES:
                messages.extend(self._run_network_job(job))
                continue
            opcode = OPCODES.get(job.kind)
            if opcode:
                messages.append(OpStatus(instance=job.instance, operation=opcode,
                                         status="running", jobId=job.id, cluster=self.name,
                                         event_time=event_time_now()))
            error = self.failures.pop(job.kind, None)
            if error is None and job.kind != "create" and job.instance not in self.instances:
                error = f"Instance '{job.instance}' not known"
            if error is None:
                try:
                    self._apply(job)
                except _JobFailed as exc:
                    error = str(exc)
            if error:
                job.status, job.result = "error", [["OpExecError", [error]]]
            else:
                job.status = "success"
            if opcode:
                extra: dict[str, Any] = {}
                if job.status == "success" and job.kind in ("create", "startup", "modify"):
                    extra["instance_nics"] = self.instances[job.instance]["nics"]
                    extra["instance_disks"] = self.instances[job.instance]["disks"]
                messages.append(OpStatus(
                    instance=job.instance, operation=opcode, status=job.status, jobId=job.id,
                    cluster=self.name, event_time=event_time_now(),
                    logmsg=error, result=job.result,
                    job_fields={"beparams": job.body.get("beparams", {})}, **extra))
        return messages

    def _run_network_job(self, job: FakeJob) -> list[NetworkStatus]:
        opcode = NETWORK_OPCODES[job.kind]
        common = {"network": job.instance, "operation": opcode, "jobId": job.id,
                  "cluster": self.name}
        messages = [NetworkStatus(status="running", event_time=event_time_now(), **common)]
        error = self.failures.pop(job.kind, None)
        net = self.networks.get(job.instance)
        if error is None and job.kind != "network_add" and net is None:
            error = f"Network '{job.instance}' not found"
        if error is None and job.kind == "network_add" and net is not None:
            error = f"Network '{job.instance}' already exists"
        if error is None and job.kind == "network_remove" and net["groups"]:
            error = f"Network '{job.instance}' is still connected"
        if error is None and job.kind == "network_disconnect" and any(
                n.get("network") == job.instance for i in self.instances.values()
                for n in i["nics"]):
            error = f"Network '{job.instance}' is in use by instances"
        if error:
            job.status, job.result = "error", [["OpPrereqError", [error]]]
        else:
            job.status = "success"
            if job.kind == "network_add":
                self.networks[job.instance] = {**job.body, "name": job.instance, "groups": []}
            elif job.kind == "network_connect":
                net["groups"] = [[job.body.get("group_name") or "default",
                                  job.body["network_mode"], job.body["network_link"]]]
            elif job.kind == "network_disconnect":
                net["groups"] = []
            else:
                del self.networks[job.instance]
        messages.append(NetworkStatus(status=job.status, event_time=event_time_now(),
                                      logmsg=error, result=job.result, **common))
        return messages

    def _modify_nics(self, instance: dict[str, Any], actions: list) -> None:
        for action in actions:
            if action[0] == "add":
                params = action[-1]
                instance["nics"].append({
                    "name": params.get("name"), "network": params.get("network"),
                    "ip": params.get("ip"), "mode": params.get("mode"),
                    "link": params.get("link"),
                    "mac": params.get("mac") or f"aa:00:00:ff:{len(instance['nics']):02x}:01"})
            elif action[0] == "remove":
                instance["nics"] = [n for n in instance["nics"] if n["name"] != action[1]]

    def _apply(self, job: FakeJob) -> None:
        if job.kind == "create":
            body = job.body
            nics = [{"name": n.get("name", f"nic-{i}"), "network": n.get("network"),
                     "ip": n.get("ip") or f"10.0.0.{len(self.instances) + 2}",
                     "mac": n.get("mac") or f"aa:00:00:00:{len(self.instances):02x}:{i:02x}",
                     "mode": n.get("mode"), "link": n.get("link")}
                    for i, n in enumerate(body.get("nics", []))]
            disks = [{"name": d.get("name"), "size": d["size"],
                      "uuid": f"disk-uuid-{i}-{d.get('name')}"}
                     for i, d in enumerate(body.get("disks", []))]
            self.instances[job.instance] = {
                "name": job.instance, "admin_state": "up", "oper_state": True,
                "status": "running", "beparams": dict(body.get("beparams", {})),
                "nics": nics, "disks": disks, "tags": list(body.get("tags", []))}
        elif job.kind == "startup":
            self.instances[job.instance].update(admin_state="up", oper_state=True,
                                                status="running")
        elif job.kind == "shutdown":
            self.instances[job.instance].update(admin_state="down", oper_state=False,
                                                status="ADMIN_down")
        elif job.kind == "remove":
            del self.instances[job.instance]
        elif job.kind == "modify":
            self.instances[job.instance]["beparams"].update(job.body.get("beparams", {}))
            self._modify_nics(self.instances[job.instance], job.body.get("nics", []))
            self._modify_disks(self.instances[job.instance], job.body.get("disks") or [])
        elif job.kind == "grow_disk":
            disks = self.instances[job.instance]["disks"]
            index = int(job.body["disk"])
            if index >= len(disks):
                raise _JobFailed(f"Invalid disk index {index}")
            disks[index]["size"] += int(job.body["amount"])
        elif job.kind == "add_tags":
            self.instances[job.instance]["tags"].extend(job.body["tags"])
        elif job.kind == "delete_tags":
            tags = self.instances[job.instance]["tags"]
            self.instances[job.instance]["tags"] = [t for t in tags
                                                    if t not in job.body["tags"]]


    @staticmethod
    def _modify_disks(instance: dict[str, Any], actions: list) -> None:
        """RAPI disk modifications: ["add", {size, name, ...}] / ["remove", ident, {}]."""
        for action in actions:
            if action[0] == "add":
                spec = action[-1]
                instance["disks"].append({"name": spec.get("name"), "size": spec["size"],
                                          "uuid": f"disk-uuid-{len(instance['disks'])}-"
                                                  f"{spec.get('name')}"})
            elif action[0] == "remove":
                ident = str(action[1])
                instance["disks"] = [d for i, d in enumerate(instance["disks"])
                                     if ident not in (str(i), d.get("name"), d.get("uuid"))]


CLUSTERS: dict[str, FakeCluster] = {}


def cluster_for(host: str) -> FakeCluster:
    if host not in CLUSTERS:
        CLUSTERS[host] = FakeCluster(name=host)
    return CLUSTERS[host]


def reset() -> None:
    CLUSTERS.clear()


def effective_osparams(body: dict[str, Any]) -> dict[str, Any]:
    """The OS parameters snf-image would see: the job's, then its config_url document."""
    from cyclades.vmapi import params

    osparams = dict(body.get("osparams") or {})
    if osparams.get("config_url"):
        osparams.update(params.peek(params.key_of(osparams["config_url"])) or {})
    return osparams


class FakeRapiClient:
    """Same methods as RapiClient, served by the FakeCluster named by backend.host."""

    def __init__(self, backend: Any, **_: Any) -> None:
        self.cluster = cluster_for(backend.host)

    def _check(self) -> None:
        if self.cluster.unreachable:
            raise RapiError("connection refused")

    def info(self) -> dict[str, Any]:
        self._check()
        return {"name": self.cluster.name, "default_hypervisor": "fake",
                "enabled_hypervisors": ["fake"],
                "enabled_disk_templates": ["diskless", "file", "ext"]}

    def nodes(self) -> list[dict[str, Any]]:
        self._check()
        for node in self.cluster.nodes:
            node["pinst_list"] = list(self.cluster.instances)
        return [dict(n) for n in self.cluster.nodes]

    def instances(self) -> list[dict[str, Any]]:
        self._check()
        return [_rapi_view(i) for i in self.cluster.instances.values()]

    def instance(self, name: str) -> dict[str, Any]:
        self._check()
        if name not in self.cluster.instances:
            raise RapiError(f"instance {name} not found", status=404)
        return _rapi_view(self.cluster.instances[name])

    def console(self, name: str) -> dict[str, Any]:
        self._check()
        instance = self.cluster.instances.get(name)
        if instance is None:
            raise RapiError(f"instance {name} not found", status=404)
        if instance["admin_state"] != "up" or name in self.cluster.consoles_down:
            raise RapiError("Instance console unavailable", status=503)
        host, port = self.cluster.console_at
        return {"instance": name, "kind": "vnc", "host": host, "port": port,
                "message": None}

    def job(self, job_id: int) -> dict[str, Any]:
        self._check()
        job = self.cluster.jobs[job_id]
        return {"id": job.id, "status": job.status, "opresult": [job.result],
                "ops": [{"OP_ID": OPCODES.get(job.kind, job.kind)}]}

    def create_instance(self, body: dict[str, Any]) -> int:
        return self.cluster.submit("create", body["name"], body)

    def startup(self, name: str) -> int:
        return self.cluster.submit("startup", name)

    def shutdown(self, name: str, *, timeout: int) -> int:
        return self.cluster.submit("shutdown", name, {"timeout": timeout})

    def reboot(self, name: str, *, kind: str) -> int:
        return self.cluster.submit("reboot", name, {"type": kind})

    def remove(self, name: str) -> int:
        return self.cluster.submit("remove", name)

    def modify(self, name: str, body: dict[str, Any]) -> int:
        return self.cluster.submit("modify", name, body)

    def grow_disk(self, name: str, index: int, amount_mib: int) -> int:
        return self.cluster.submit("grow_disk", name, {"disk": int(index),
                                                       "amount": int(amount_mib)})

    def add_tags(self, name: str, tags: list[str]) -> int:
        return self.cluster.submit("add_tags", name, {"tags": tags})

    def delete_tags(self, name: str, tags: list[str]) -> int:
        return self.cluster.submit("delete_tags", name, {"tags": tags})

    def groups(self) -> list[dict[str, Any]]:
        self._check()
        return [{"name": "default", "uri": "/2/groups/default"}]

    def networks(self) -> list[dict[str, Any]]:
        self._check()
        return [{"name": n["name"], "network": n.get("network"),
                 "mac_prefix": n.get("mac_prefix"), "group_list": list(n["groups"]),
                 "inst_list": [i["name"] for i in self.cluster.instances.values()
                               if any(x.get("network") == n["name"] for x in i["nics"])],
                 "tags": list(n.get("tags", []))}
                for n in self.cluster.networks.values()]

    def create_network(self, body: dict[str, Any]) -> int:
        return self.cluster.submit("network_add", body["network_name"], body)

    def connect_network(self, name: str, *, group: str | None, mode: str, link: str) -> int:
        return self.cluster.submit("network_connect", name, {
            "group_name": group, "network_mode": mode, "network_link": link})

    def disconnect_network(self, name: str, *, group: str | None) -> int:
        return self.cluster.submit("network_disconnect", name, {"group_name": group})

    def delete_network(self, name: str) -> int:
        return self.cluster.submit("network_remove", name)


def _rapi_view(instance: dict[str, Any]) -> dict[str, Any]:
    """The bulk /2/instances shape (the fields reconciliation reads)."""
    return {"name": instance["name"], "admin_state": instance["admin_state"],
            "oper_state": instance["oper_state"], "status": instance["status"],
            "beparams": dict(instance["beparams"]),
            "nic.ips": [n["ip"] for n in instance["nics"]],
            "nic.macs": [n["mac"] for n in instance["nics"]],
            "nic.names": [n["name"] for n in instance["nics"]],
            "nic.networks": [n["network"] for n in instance["nics"]],
            "disk.sizes": [d["size"] for d in instance["disks"]],
            "disk.names": [d.get("name") for d in instance["disks"]],
            "disk.uuids": [d.get("uuid") for d in instance["disks"]],
            "tags": list(instance["tags"])}
