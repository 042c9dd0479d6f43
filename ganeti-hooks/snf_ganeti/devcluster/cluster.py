"""The cluster's operations: each opcode checks its prerequisites, runs the pre
hooks, does the work (disks, OS create, ExtStorage), saves the configuration and
runs the post hooks, in Ganeti's order."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from snf_ganeti.devcluster import programs
from snf_ganeti.devcluster.jobs import OpFailure, execfail, prereq
from snf_ganeti.devcluster.store import ConfigStore, now_ts

log = logging.getLogger(__name__)

DISK_TEMPLATES = ("diskless", "file", "ext")
DEFAULT_BEPARAMS = {"auto_balance": True, "vcpus": 1, "maxmem": 128, "minmem": 128,
                    "always_failover": False, "spindle_use": 1}
DEFAULT_NICPARAMS = {"mode": "bridged", "link": "snfbr0", "vlan": ""}
HYPERVISOR = "fake"
Feedback = Callable[[str], None]


@dataclass
class Capacity:
    memory_mib: int = 16384
    disk_mib: int = 102400
    cpus: int = 8


@dataclass
class ClusterPaths:
    state_dir: Path
    os_dirs: list[Path] = field(default_factory=list)
    extstorage_dirs: list[Path] = field(default_factory=list)
    progress_monitor: str = ""

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "data"

    @property
    def queue_dir(self) -> Path:
        return self.data_dir / "queue"

    @property
    def hooks_dir(self) -> Path:
        return self.state_dir / "hooks"

    @property
    def file_storage(self) -> Path:
        return self.state_dir / "file-storage"


def _mac(store: ConfigStore) -> str:
    while True:
        mac = "aa:00:00:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))
        if mac not in store.data["macs"]:
            store.data["macs"].append(mac)
            return mac


class Cluster:
    def __init__(self, store: ConfigStore, paths: ClusterPaths, capacity: Capacity):
        self.store = store
        self.paths = paths
        self.capacity = capacity
        # The fake hypervisor's VNC consoles (console.Consoles), when served.
        self.consoles: Any = None

    def _console_gone(self, name: str) -> None:
        if self.consoles is not None:
            self.consoles.stop(name)

    # -- derived views ----------------------------------------------------
    def used(self) -> tuple[int, int]:
        """(memory of running instances, disk of all instances) in MiB."""
        memory = sum(int(i["beparams"]["maxmem"]) for i in self.store.instances.values()
                     if i["admin_state"] == "up")
        disk = sum(int(d["size"]) for i in self.store.instances.values() for d in i["disks"])
        return memory, disk

    def hook_env(self, inst: dict[str, Any], op_code: str, extra: dict[str, str] | None = None,
                 status: str | None = None) -> dict[str, str]:
        """GANETI_* of an instance hook, as Ganeti 3.0 sets them."""
        env = {
            "GANETI_CLUSTER": self.store.cluster["name"], "GANETI_MASTER": self.store.node["name"],
            "GANETI_DATA_DIR": str(self.paths.data_dir), "GANETI_OBJECT_TYPE": "INSTANCE",
            "GANETI_OP_CODE": op_code, "GANETI_OP_TARGET": inst["name"],
            "GANETI_INSTANCE_NAME": inst["name"], "GANETI_INSTANCE_PRIMARY": self.store.node["name"],
            "GANETI_INSTANCE_SECONDARIES": "", "GANETI_INSTANCE_OS_TYPE": inst["os"],
            "GANETI_INSTANCE_STATUS": status or inst["admin_state"],
            "GANETI_INSTANCE_DISK_TEMPLATE": inst["disk_template"],
            "GANETI_INSTANCE_HYPERVISOR": inst["hypervisor"],
            "GANETI_INSTANCE_MAXMEM": str(inst["beparams"]["maxmem"]),
            "GANETI_INSTANCE_MINMEM": str(inst["beparams"]["minmem"]),
            "GANETI_INSTANCE_MEMORY": str(inst["beparams"]["maxmem"]),
            "GANETI_INSTANCE_VCPUS": str(inst["beparams"]["vcpus"]),
            "GANETI_INSTANCE_NIC_COUNT": str(len(inst["nics"])),
            "GANETI_INSTANCE_DISK_COUNT": str(len(inst["disks"])),
            "GANETI_INSTANCE_TAGS": " ".join(inst["tags"]),
        }
        for key, value in inst["beparams"].items():
            env[f"GANETI_INSTANCE_BE_{key}"] = str(value)
        for key, value in inst["hvparams"].items():
            env[f"GANETI_INSTANCE_HV_{key}"] = str(value)
        for i, nic in enumerate(inst["nics"]):
            for key in ("name", "uuid", "mac", "mode", "link", "vlan"):
                env[f"GANETI_INSTANCE_NIC{i}_{key.upper()}"] = str(nic.get(key) or "")
            env[f"GANETI_INSTANCE_NIC{i}_IP"] = str(nic.get("ip") or "")
            env[f"GANETI_INSTANCE_NIC{i}_BRIDGE"] = nic["link"] if nic["mode"] == "bridged" else ""
            if nic.get("network"):
                env[f"GANETI_INSTANCE_NIC{i}_NETWORK_NAME"] = nic["network"]
        for i, disk in enumerate(inst["disks"]):
            for key in ("name", "uuid", "size", "mode"):
                env[f"GANETI_INSTANCE_DISK{i}_{key.upper()}"] = str(disk.get(key) or "")
        env.update(extra or {})
        return env

    def _hooks(self, hpath: str, phase: str, env: dict[str, str], post: dict[str, str] | None,
               feedback: Feedback) -> None:
        if phase == "post":
            env = programs.with_post_copies(env, post or env)
        programs.run_hooks(self.paths.hooks_dir, hpath, phase, env, feedback)

    def instance(self, name: str) -> dict[str, Any]:
        inst = self.store.instances.get(name)
        if inst is None:
            raise prereq(f"Instance '{name}' not known", "unknown_entity")
        return inst

    # -- dispatch ---------------------------------------------------------
    def run(self, op: dict[str, Any], feedback: Feedback) -> Any:
        handler = getattr(self, "op_" + op["OP_ID"][3:].lower(), None)
        if handler is None:
            raise prereq(f"Opcode {op['OP_ID']} is not supported by the development cluster")
        with self.store.lock:
            return handler(op, feedback)

    # -- instances --------------------------------------------------------
    def _nic(self, spec: dict[str, Any], index: int, inst_name: str) -> dict[str, Any]:
        nic = {"name": spec.get("name") or None, "uuid": str(uuid.uuid4()),
               "mac": spec.get("mac") if spec.get("mac") not in (None, "auto", "generate")
               else _mac(self.store),
               "ip": spec.get("ip") or None, "network": spec.get("network") or None,
               "mode": spec.get("mode"), "link": spec.get("link"), "vlan": spec.get("vlan", "")}
        if nic["network"]:
            net = self.store.networks.get(nic["network"])
            if net is None:
                raise prereq(f"Network '{nic['network']}' not found", "unknown_entity")
            if not net["groups"]:
                raise prereq(f"Network '{nic['network']}' is not connected to the node group")
            nic["mode"] = nic["mode"] or net["groups"][0]["mode"]
            nic["link"] = nic["link"] or net["groups"][0]["link"]
            if nic["ip"] == "pool":
                nic["ip"] = self._allocate_ip(net)
            elif nic["ip"]:
                self._reserve_ip(net, nic["ip"], inst_name)
        elif nic["ip"] == "pool":
            raise prereq("ip=pool needs a network")
        nic["mode"] = nic["mode"] or DEFAULT_NICPARAMS["mode"]
        nic["link"] = nic["link"] or DEFAULT_NICPARAMS["link"]
        return nic

    def op_instance_create(self, op: dict[str, Any], feedback: Feedback) -> list[str]:
        name = op["instance_name"]
        if name in self.store.instances:
            raise prereq(f"Instance '{name}' is already in the cluster", "already_exists")
        if op.get("mode", "create") != "create":
            raise prereq(f"Unsupported creation mode {op.get('mode')!r}")
        template = op.get("disk_template", "diskless")
        if template not in DISK_TEMPLATES:
            # Ganeti's message carries no error code here
            raise OpFailure("OpPrereqError", f"Disk template '{template}' is not enabled in "
                            f"cluster. Enabled disk templates are: {','.join(DISK_TEMPLATES)}")
        os_name = op.get("os_type") or ""
        os_dir = programs.find_os(self.paths.os_dirs, os_name)
        if os_dir is None:
            # Ganeti asks the node to validate the OS parameters first, which fails so
            raise execfail(f"OS Parameters validation failed on node {self.store.node['name']}: "
                           f"Directory for OS {os_name.split('+', 1)[0]} not found in search path")
        disk_specs = op.get("disks") or []
        if template == "diskless" and disk_specs:
            raise prereq("Diskless instances cannot have disks")
        beparams = {**DEFAULT_BEPARAMS, **(op.get("beparams") or {})}
        if "memory" in beparams:
            beparams["maxmem"] = beparams["minmem"] = beparams.pop("memory")
        memory_used, disk_used = self.used()
        wanted_disk = sum(int(d.get("size", 0)) for d in disk_specs)
        if disk_used + wanted_disk > self.capacity.disk_mib:
            raise prereq(f"Not enough disk space on node {self.store.node['name']}: "
                         f"required {wanted_disk} MiB, available "
                         f"{self.capacity.disk_mib - disk_used} MiB", "insufficient_resources")
        start = op.get("start", True)
        if start and memory_used + int(beparams["maxmem"]) > self.capacity.memory_mib:
            raise prereq(f"Not enough memory on node {self.store.node['name']} for instance "
                         f"{name}", "insufficient_resources")
        inst = {
            "name": name, "uuid": str(uuid.uuid4()), "os": os_name, "disk_template": template,
            "hypervisor": op.get("hypervisor") or HYPERVISOR, "beparams": beparams,
            "hvparams": dict(op.get("hvparams") or {}), "osparams": dict(op.get("osparams") or {}),
            "nics": [], "disks": [], "admin_state": "down", "tags": list(op.get("tags") or []),
            # Ganeti's create bumps the serial twice after adding (disks, start): 3
            "ctime": now_ts(), "mtime": now_ts(), "serial_no": 3 if op.get("start", True) else 2,
            "custom_beparams": dict(op.get("beparams") or {}),
        }
        inst["nics"] = [self._nic(spec, i, name) for i, spec in enumerate(op.get("nics") or [])]
        inst["disks"] = [self._disk_record(inst, spec, i) for i, spec in enumerate(disk_specs)]
        env = self.hook_env(inst, op["OP_ID"], {"GANETI_ADD_MODE": "create"}, status="True")
        self._hooks("instance-add", "pre", env, None, feedback)
        for i, disk in enumerate(inst["disks"]):
            feedback(f"* disk {i}, size {disk['size']}M")
        feedback("* creating instance disks...")
        try:
            for disk in inst["disks"]:
                self._create_disk(inst, disk)
            feedback(f"adding instance {name} to cluster config")
            if inst["disks"]:
                feedback("adding disks to cluster config")
            if template != "diskless":
                feedback("* running the instance OS create scripts...")
                programs.run_os_create(os_dir, self.os_env(inst, os_name))
        except Exception:
            self._release(inst)
            raise
        inst["admin_state"] = "up" if start else "down"
        if start:
            feedback("* starting instance...")
        self.store.instances[name] = inst
        self.store.save()
        self._hooks("instance-add", "post", env, env, feedback)
        return [self.store.node["name"]]

    def os_env(self, inst: dict[str, Any], os_name: str) -> dict[str, str]:
        """What Ganeti gives an OS create script (OS API 20)."""
        name, _, variant = os_name.partition("+")
        env = {"OS_API_VERSION": "20", "OS_NAME": name, "OS_VARIANT": variant or "default",
               "INSTANCE_NAME": inst["name"], "INSTANCE_UUID": inst["uuid"],
               "INSTANCE_OS": os_name, "INSTANCE_PRIMARY_NODE": self.store.node["uuid"],
               "INSTANCE_PRIMARY_NODE_NAME": self.store.node["name"],
               "HYPERVISOR": inst["hypervisor"], "DEBUG_LEVEL": "0",
               "DISK_COUNT": str(len(inst["disks"])), "NIC_COUNT": str(len(inst["nics"]))}
        for key, value in inst["beparams"].items():
            env[f"INSTANCE_BE_{key}"] = str(value)
        for key, value in inst["hvparams"].items():
            env[f"INSTANCE_HV_{key}"] = str(value)
        for i, disk in enumerate(inst["disks"]):
            env.update({f"DISK_{i}_PATH": disk["path"], f"DISK_{i}_SIZE": str(disk["size"]),
                        f"DISK_{i}_NAME": disk.get("name") or "", f"DISK_{i}_UUID": disk["uuid"],
                        f"DISK_{i}_ACCESS": "rw",
                        f"DISK_{i}_BACKEND_TYPE": "file:loop" if disk["kind"] == "file" else "block"})
            if disk.get("uri"):
                env[f"DISK_{i}_URI"] = disk["uri"]
        for i, nic in enumerate(inst["nics"]):
            env.update({f"NIC_{i}_MAC": nic["mac"], f"NIC_{i}_MODE": nic["mode"],
                        f"NIC_{i}_LINK": nic["link"], f"NIC_{i}_NAME": nic.get("name") or "",
                        f"NIC_{i}_UUID": nic["uuid"]})
            if nic["mode"] == "bridged":
                env[f"NIC_{i}_BRIDGE"] = nic["link"]
            if nic.get("ip"):
                env[f"NIC_{i}_IP"] = nic["ip"]
        for key, value in inst["osparams"].items():
            env[f"OSP_{key.upper()}"] = str(value)
        if self.paths.progress_monitor:
            env["PROGRESS_MONITOR"] = self.paths.progress_monitor
        return env

    # -- disks ------------------------------------------------------------
    def _disk_record(self, inst: dict[str, Any], spec: dict[str, Any], index: int) -> dict[str, Any]:
        try:
            size = int(spec["size"])
        except (KeyError, TypeError, ValueError):
            raise prereq(f"Disk {index}: missing or invalid size") from None
        disk = {"name": spec.get("name") or None, "uuid": str(uuid.uuid4()), "size": size,
                "mode": spec.get("mode", "rw"), "kind": inst["disk_template"], "path": "",
                "provider": spec.get("provider"),
                "params": {k: v for k, v in spec.items()
                           if k not in ("size", "name", "mode", "provider")}}
        if disk["kind"] == "ext":
            if not disk["provider"]:
                raise prereq("Missing provider for template 'ext'")
            if programs.find_provider(self.paths.extstorage_dirs, disk["provider"]) is None:
                raise prereq(f"ExtStorage provider '{disk['provider']}' not found",
                             "environment_error")
        return disk

    def _ext_env(self, inst: dict[str, Any], disk: dict[str, Any], index: int) -> dict[str, str]:
        env = {"VOL_NAME": f"{disk['uuid']}.ext.disk{index}", "VOL_SIZE": str(disk["size"]),
               "VOL_CNAME": disk.get("name") or "", "VOL_UUID": disk["uuid"],
               "EXTP_PROVIDER": disk["provider"], "EXTP_ACCESS": "kernelspace"}
        for key, value in disk["params"].items():
            env[f"EXTP_{key.upper()}"] = str(value)
        return env

    def _create_disk(self, inst: dict[str, Any], disk: dict[str, Any]) -> None:
        index = inst["disks"].index(disk)
        if disk["kind"] == "file":
            folder = self.paths.file_storage / inst["name"]
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{disk['uuid']}.file.disk{index}"
            with open(path, "wb") as handle:
                handle.truncate(disk["size"] * 1024 * 1024)
            disk["path"] = str(path)
        elif disk["kind"] == "ext":
            provider = programs.find_provider(self.paths.extstorage_dirs, disk["provider"])
            env = self._ext_env(inst, disk, index)
            programs.run_extstorage(provider, "create", env)
            attached = programs.run_extstorage(provider, "attach", env).splitlines()
            if not attached or not attached[0].strip():
                raise execfail(f"ExtStorage {disk['provider']} attach printed no device")
            disk["path"] = attached[0].strip()
            # Further lines are userspace URIs prefixed by hypervisor ("kvm:nbd:unix:...");
            # Ganeti strips the prefix and gives OS scripts the URI as DISK_<i>_URI.
            uris = [line.strip()[4:] for line in attached[1:] if line.strip().startswith("kvm:")]
            disk["uri"] = uris[0] if uris else ""
            programs.run_extstorage(provider, "setinfo",
                                    {**env, "VOL_METADATA": f"originstname+{inst['name']}"})

    def _remove_disk(self, inst: dict[str, Any], disk: dict[str, Any]) -> None:
        if disk["kind"] == "file" and disk["path"]:
            Path(disk["path"]).unlink(missing_ok=True)
        elif disk["kind"] == "ext":
            provider = programs.find_provider(self.paths.extstorage_dirs, disk["provider"])
            if provider is not None:
                env = self._ext_env(inst, disk, inst["disks"].index(disk))
                programs.run_extstorage(provider, "detach", env)
                programs.run_extstorage(provider, "remove", env)

    def _release(self, inst: dict[str, Any]) -> None:
        """Undo a failed create: disks, reserved IPs, MACs."""
        for disk in inst["disks"]:
            try:
                self._remove_disk(inst, disk)
            except Exception:  # best effort, like Ganeti's cleanup
                log.exception("cleanup of %s disk failed", inst["name"])
        shutil.rmtree(self.paths.file_storage / inst["name"], ignore_errors=True)
        for nic in inst["nics"]:
            self._free_nic(nic)

    def _free_nic(self, nic: dict[str, Any]) -> None:
        if nic["mac"] in self.store.data["macs"]:
            self.store.data["macs"].remove(nic["mac"])
        net = self.store.networks.get(nic.get("network") or "")
        if net and nic.get("ip"):
            net["reservations"].pop(nic["ip"], None)

    # -- power ------------------------------------------------------------
    def _touch(self, inst: dict[str, Any]) -> None:
        inst["mtime"] = now_ts()
        inst["serial_no"] += 1
        self.store.save()

    def op_instance_startup(self, op: dict[str, Any], feedback: Feedback) -> None:
        inst = self.instance(op["instance_name"])
        env = self.hook_env(inst, op["OP_ID"], {"GANETI_FORCE": str(op.get("force", False))})
        self._hooks("instance-start", "pre", env, None, feedback)
        if inst["admin_state"] != "up":
            memory_used, _ = self.used()
            if memory_used + int(inst["beparams"]["maxmem"]) > self.capacity.memory_mib:
                raise prereq(f"Not enough memory to start instance {inst['name']}",
                             "insufficient_resources")
        inst["admin_state"] = "up"
        self._touch(inst)
        self._hooks("instance-start", "post", env, self.hook_env(inst, op["OP_ID"]), feedback)

    def op_instance_shutdown(self, op: dict[str, Any], feedback: Feedback) -> None:
        inst = self.instance(op["instance_name"])
        extra = {"GANETI_TIMEOUT": str(op.get("timeout", 120))}
        env = self.hook_env(inst, op["OP_ID"], extra)
        self._hooks("instance-stop", "pre", env, None, feedback)
        inst["admin_state"] = "down"
        self._touch(inst)
        self._console_gone(inst["name"])
        self._hooks("instance-stop", "post", env, self.hook_env(inst, op["OP_ID"], extra), feedback)

    def op_instance_reboot(self, op: dict[str, Any], feedback: Feedback) -> None:
        inst = self.instance(op["instance_name"])
        reboot_type = op.get("reboot_type", "hard")
        if reboot_type not in ("soft", "hard", "full"):
            raise prereq(f"Invalid reboot type {reboot_type!r}")
        extra = {"GANETI_REBOOT_TYPE": reboot_type,
                 "GANETI_SHUTDOWN_TIMEOUT": str(op.get("shutdown_timeout", 120))}
        env = self.hook_env(inst, op["OP_ID"], extra)
        self._hooks("instance-reboot", "pre", env, None, feedback)
        inst["admin_state"] = "up"
        self._touch(inst)
        self._hooks("instance-reboot", "post", env, self.hook_env(inst, op["OP_ID"], extra),
                    feedback)

    def op_instance_remove(self, op: dict[str, Any], feedback: Feedback) -> None:
        inst = self.instance(op["instance_name"])
        extra = {"GANETI_SHUTDOWN_TIMEOUT": str(op.get("shutdown_timeout", 120))}
        env = self.hook_env(inst, op["OP_ID"], extra)
        self._hooks("instance-remove", "pre", env, None, feedback)
        for disk in inst["disks"]:
            self._remove_disk(inst, disk)
        shutil.rmtree(self.paths.file_storage / inst["name"], ignore_errors=True)
        for nic in inst["nics"]:
            self._free_nic(nic)
        del self.store.instances[inst["name"]]
        self.store.save()
        self._console_gone(inst["name"])
        self._hooks("instance-remove", "post", env, env, feedback)  # Ganeti shows the old state

    def op_instance_set_params(self, op: dict[str, Any], feedback: Feedback) -> list:
        inst = self.instance(op["instance_name"])
        changes: list = []
        new = {**inst, "nics": [dict(n) for n in inst["nics"]],
               "beparams": dict(inst["beparams"]), "hvparams": dict(inst["hvparams"]),
               "osparams": dict(inst["osparams"])}
        for action in op.get("nics") or []:
            changes += self._modify_nics(new, action)
        if op.get("beparams"):
            params = dict(op["beparams"])
            if "memory" in params:
                params["maxmem"] = params["minmem"] = params.pop("memory")
            new["beparams"].update(params)
            changes += [[f"be/{k}", v] for k, v in params.items()]
        if op.get("hvparams"):
            new["hvparams"].update(op["hvparams"])
            changes += [[f"hv/{k}", v] for k, v in op["hvparams"].items()]
        if op.get("osparams"):
            new["osparams"].update(op["osparams"])
            changes += [[f"os/{k}", v] for k, v in op["osparams"].items()]
        for action in op.get("disks") or []:
            changes += self._modify_disks(new, action)
        if not changes:
            raise prereq("No changes submitted")
        env = self.hook_env(new, op["OP_ID"])  # both phases already show the new state
        self._hooks("instance-modify", "pre", env, None, feedback)
        removed = {n["mac"] for n in inst["nics"]} - {n["mac"] for n in new["nics"]}
        for nic in inst["nics"]:
            if nic["mac"] in removed:
                self._free_nic(nic)
        inst.update(new)
        self._touch(inst)
        self._hooks("instance-modify", "post", env, env, feedback)
        return changes

    def _find_nic(self, inst: dict[str, Any], ident: Any) -> int:
        for i, nic in enumerate(inst["nics"]):
            if str(ident) in (str(i), nic.get("name"), nic["uuid"]) or (ident == -1 and
                                                                         i == len(inst["nics"]) - 1):
                return i
        raise prereq(f"NIC {ident!r} not found", "unknown_entity")

    def _modify_nics(self, inst: dict[str, Any], action: list) -> list:
        if not isinstance(action, list) or len(action) not in (2, 3):
            raise prereq(f"Invalid NIC modification {action!r}")
        verb = action[0]
        if verb == "add":
            params = action[-1] if isinstance(action[-1], dict) else {}
            nic = self._nic(params, len(inst["nics"]), inst["name"])
            inst["nics"].append(nic)
            return [[f"nic.{len(inst['nics']) - 1}", f"add:mac={nic['mac']},ip={nic['ip']}"]]
        index = self._find_nic(inst, action[1])
        if verb == "remove":
            inst["nics"].pop(index)
            return [[f"nic.{index}", "remove"]]
        if verb == "modify":
            inst["nics"][index].update(action[2] if len(action) == 3 else {})
            return [[f"nic.{index}", "modify"]]
        raise prereq(f"Unknown NIC modification {verb!r}")

    def _find_disk(self, inst: dict[str, Any], ident: Any) -> int:
        for i, disk in enumerate(inst["disks"]):
            if str(ident) in (str(i), disk.get("name"), disk["uuid"]):
                return i
        raise prereq(f"Disk {ident!r} not found", "unknown_entity")

    def _modify_disks(self, inst: dict[str, Any], action: list) -> list:
        if isinstance(action, list) and len(action) in (2, 3) and action[0] == "remove":
            # Ganeti's ["remove", index|name|uuid, {}]: the disk and its data go.
            index = self._find_disk(inst, action[1])
            self._remove_disk(inst, inst["disks"][index])
            inst["disks"] = [d for i, d in enumerate(inst["disks"]) if i != index]
            return [[f"disk/{index}", "remove"]]
        if not isinstance(action, list) or action[0] != "add":
            raise prereq("Only disk 'add' and 'remove' modifications are supported")
        params = action[-1] if isinstance(action[-1], dict) else {}
        disk = self._disk_record(inst, params, len(inst["disks"]))
        inst["disks"] = [*inst["disks"], disk]
        self._create_disk(inst, disk)
        return [[f"disk/{len(inst['disks']) - 1}", "add"]]

    def op_instance_query_data(self, op: dict[str, Any], feedback: Feedback) -> dict:
        from snf_ganeti.devcluster import views  # views imports this module

        if not op.get("static"):
            feedback(" - WARNING: Non-static data requested, locks need to be acquired")
        names = op.get("instances") or sorted(self.store.instances)
        return {name: views.query_data(self, self.instance(name)) for name in names}

    def op_instance_grow_disk(self, op: dict[str, Any], feedback: Feedback) -> None:
        inst = self.instance(op["instance_name"])
        index = int(op.get("disk", 0))
        if index >= len(inst["disks"]):
            raise prereq(f"Invalid disk index {index}")
        disk = inst["disks"][index]
        amount = int(op.get("amount", 0))
        new_size = amount if op.get("absolute") else disk["size"] + amount
        feedback(f"Growing disk {index} of instance '{inst['name']}' by "
                 f"{new_size - disk['size']}M to {new_size}M")
        if disk["kind"] == "file":
            with open(disk["path"], "r+b") as handle:
                handle.truncate(new_size * 1024 * 1024)
        elif disk["kind"] == "ext":
            provider = programs.find_provider(self.paths.extstorage_dirs, disk["provider"])
            programs.run_extstorage(provider, "grow", {**self._ext_env(inst, disk, index),
                                                       "VOL_NEW_SIZE": str(new_size)})
        disk["size"] = new_size
        self._touch(inst)

    # -- tags -------------------------------------------------------------
    def _tag_target(self, op: dict[str, Any]) -> dict[str, Any]:
        if op.get("kind") == "instance":
            return self.instance(op["name"])
        if op.get("kind") == "network":
            net = self.store.networks.get(op.get("name", ""))
            if net is None:
                raise prereq(f"Network '{op.get('name')}' not found", "unknown_entity")
            return net
        return self.store.cluster

    def op_tags_set(self, op: dict[str, Any], feedback: Feedback) -> None:
        target = self._tag_target(op)
        target["tags"] = sorted(set(target["tags"]) | set(op.get("tags") or []))
        self.store.save()

    def op_tags_del(self, op: dict[str, Any], feedback: Feedback) -> None:
        target = self._tag_target(op)
        target["tags"] = [t for t in target["tags"] if t not in set(op.get("tags") or [])]
        self.store.save()

    # -- networks ---------------------------------------------------------
    def _allocate_ip(self, net: dict[str, Any]) -> str:
        subnet = ipaddress.ip_network(net["network"])
        for address in subnet.hosts():
            text = str(address)
            if text != net.get("gateway") and text not in net["reservations"]:
                net["reservations"][text] = "instance"
                return text
        raise prereq(f"Network '{net['name']}' has no free address", "insufficient_resources")

    def _reserve_ip(self, net: dict[str, Any], ip: str, owner: str) -> None:
        if ipaddress.ip_address(ip) not in ipaddress.ip_network(net["network"]):
            raise prereq(f"IP {ip} is not in network {net['name']}")
        if net["reservations"].get(ip) not in (None, owner):
            raise prereq(f"IP address {ip} already in use", "already_exists")
        net["reservations"][ip] = owner

    def op_network_add(self, op: dict[str, Any], feedback: Feedback) -> None:
        name = op["network_name"]
        if name in self.store.networks:
            raise prereq(f"Network '{name}' already exists", "already_exists")
        try:
            subnet = ipaddress.ip_network(op["network"])
        except (KeyError, ValueError):
            raise prereq(f"Invalid network {op.get('network')!r}") from None
        net = {"name": name, "uuid": str(uuid.uuid4()), "network": str(subnet),
               "gateway": op.get("gateway"), "network6": op.get("network6"),
               "gateway6": op.get("gateway6"), "mac_prefix": op.get("mac_prefix"),
               "groups": [], "reservations": {}, "external": [],
               "tags": list(op.get("tags") or []), "serial_no": 1}
        for ip in op.get("add_reserved_ips") or []:
            net["external"].append(ip)
            net["reservations"][ip] = "external"
        self.store.networks[name] = net
        self.store.save()

    def _network(self, op: dict[str, Any]) -> dict[str, Any]:
        net = self.store.networks.get(op["network_name"])
        if net is None:
            raise prereq(f"Network '{op['network_name']}' not found", "unknown_entity")
        return net

    def op_network_connect(self, op: dict[str, Any], feedback: Feedback) -> None:
        net = self._network(op)
        group = op.get("group_name") or self.store.group["name"]
        if group != self.store.group["name"]:
            raise prereq(f"Group '{group}' not found", "unknown_entity")
        net["groups"] = [{"group": group, "mode": op.get("network_mode", "bridged"),
                          "link": op.get("network_link", DEFAULT_NICPARAMS["link"])}]
        self.store.save()

    def op_network_disconnect(self, op: dict[str, Any], feedback: Feedback) -> None:
        net = self._network(op)
        if self._network_users(net["name"]):
            raise prereq(f"Network '{net['name']}' is in use by instances", "wrong_state")
        net["groups"] = []
        self.store.save()

    def op_network_set_params(self, op: dict[str, Any], feedback: Feedback) -> None:
        net = self._network(op)
        for ip in op.get("add_reserved_ips") or []:
            self._reserve_ip(net, ip, "external")
            net["external"].append(ip)
        for ip in op.get("remove_reserved_ips") or []:
            if net["reservations"].get(ip) == "external":
                del net["reservations"][ip]
                net["external"].remove(ip)
        self.store.save()

    def _network_users(self, name: str) -> list[str]:
        return [i["name"] for i in self.store.instances.values()
                if any(n.get("network") == name for n in i["nics"])]

    def op_network_remove(self, op: dict[str, Any], feedback: Feedback) -> None:
        net = self._network(op)
        if net["groups"] or self._network_users(net["name"]):
            raise prereq(f"Network '{net['name']}' is still connected", "wrong_state")
        del self.store.networks[net["name"]]
        self.store.save()


def default_disk_mib(state_dir: Path) -> int:
    """Free space of the state dir's filesystem (file disks are sparse, so this is generous)."""
    usage = shutil.disk_usage(state_dir)
    return usage.free // (1024 * 1024)


def default_memory_mib() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError):
        return 16384
