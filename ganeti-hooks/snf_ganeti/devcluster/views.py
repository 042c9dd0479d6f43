"""RAPI representations: the JSON shapes real Ganeti 3.0 returns."""

from __future__ import annotations

from typing import Any

from snf_ganeti.devcluster.cluster import DEFAULT_BEPARAMS, DEFAULT_NICPARAMS, HYPERVISOR, Cluster

SOFTWARE_VERSION = "3.0.2"
FAKE_HVPARAMS = {"migration_mode": "live"}


def info(cluster: Cluster) -> dict[str, Any]:
    store = cluster.store
    return {
        "software_version": SOFTWARE_VERSION, "protocol_version": 3000000, "os_api_version": 20,
        "export_version": 0, "vcs_version": "snf-devcluster", "architecture": ["64bit", "x86_64"],
        "name": store.cluster["name"], "master": store.node["name"],
        "default_hypervisor": HYPERVISOR, "enabled_hypervisors": [HYPERVISOR],
        "hvparams": {HYPERVISOR: FAKE_HVPARAMS}, "os_hvp": {},
        "beparams": {"default": DEFAULT_BEPARAMS}, "osparams": {},
        "nicparams": {"default": DEFAULT_NICPARAMS}, "ndparams": {},
        "enabled_disk_templates": ["diskless", "file", "ext"],
        "ipolicy": {"disk-templates": ["diskless", "file", "ext"]},
        "candidate_pool_size": 10, "master_netdev": "lo", "uuid": store.cluster["uuid"],
        "ctime": store.cluster["ctime"], "mtime": store.cluster["mtime"],
        "tags": store.cluster["tags"], "file_storage_dir": str(cluster.paths.file_storage),
        "shared_file_storage_dir": "", "maintain_node_health": False, "uid_pool": [],
    }


def node(cluster: Cluster, bulk: bool) -> dict[str, Any]:
    store = cluster.store
    name = store.node["name"]
    if not bulk:
        return {"id": name, "uri": f"/2/nodes/{name}"}
    memory_used, disk_used = cluster.used()
    capacity = cluster.capacity
    return {
        "name": name, "uuid": store.node["uuid"], "offline": False, "master_candidate": True,
        "drained": False, "master_capable": True, "vm_capable": True, "role": "M",
        "mtotal": capacity.memory_mib, "mnode": 0, "mfree": capacity.memory_mib - memory_used,
        "dtotal": capacity.disk_mib, "dfree": capacity.disk_mib - disk_used,
        "ctotal": capacity.cpus, "cnodes": 1, "csockets": 1, "spfree": 0, "sptotal": 0,
        "pip": "127.0.0.1", "sip": "127.0.0.1",
        "pinst_list": sorted(store.instances), "pinst_cnt": len(store.instances),
        "sinst_list": [], "sinst_cnt": 0, "ndparams": {}, "group.uuid": store.group["uuid"],
        "tags": [], "ctime": store.cluster["ctime"], "mtime": store.cluster["mtime"],
        "serial_no": 1,
    }


def group(cluster: Cluster, bulk: bool) -> dict[str, Any]:
    store = cluster.store
    name = store.group["name"]
    if not bulk:
        return {"name": name, "uri": f"/2/groups/{name}"}
    return {"name": name, "uuid": store.group["uuid"], "node_cnt": 1,
            "node_list": [store.node["name"]], "alloc_policy": "preferred",
            "networks": [n["name"] for n in store.networks.values() if n["groups"]],
            "ipolicy": {}, "tags": [], "serial_no": 1, "ctime": store.cluster["ctime"],
            "mtime": store.cluster["mtime"]}


def instance(cluster: Cluster, inst: dict[str, Any]) -> dict[str, Any]:
    up = inst["admin_state"] == "up"
    nics, disks = inst["nics"], inst["disks"]
    beparams = {**inst["beparams"], "memory": inst["beparams"]["maxmem"]}
    return {
        "name": inst["name"], "uuid": inst["uuid"], "os": inst["os"],
        "pnode": cluster.store.node["name"], "snodes": [], "disk_template": inst["disk_template"],
        "admin_state": "up" if up else "down", "admin_up": up, "oper_state": up,
        "oper_ram": inst["beparams"]["maxmem"] if up else None,
        "oper_vcpus": inst["beparams"]["vcpus"] if up else None,
        "status": "running" if up else "ADMIN_down", "hypervisor": inst["hypervisor"],
        "nic.ips": [n.get("ip") for n in nics], "nic.macs": [n["mac"] for n in nics],
        "nic.modes": [n["mode"] for n in nics], "nic.links": [n["link"] for n in nics],
        "nic.bridges": [n["link"] if n["mode"] == "bridged" else None for n in nics],
        "nic.names": [n.get("name") for n in nics], "nic.uuids": [n["uuid"] for n in nics],
        "nic.networks": [n.get("network") for n in nics],
        "nic.networks.names": [n.get("network") for n in nics],
        "disk.sizes": [d["size"] for d in disks], "disk.names": [d.get("name") for d in disks],
        "disk.uuids": [d["uuid"] for d in disks],
        "disk.providers": [d.get("provider") for d in disks],
        "disk_usage": sum(d["size"] for d in disks),
        "network_port": cluster.consoles.running_port(inst["name"]) if cluster.consoles else None,
        "beparams": beparams, "hvparams": {**FAKE_HVPARAMS, **inst["hvparams"]},
        "osparams": {k: v for k, v in inst["osparams"].items() if "passwd" not in k},
        "custom_beparams": inst.get("custom_beparams", {}), "custom_hvparams": inst["hvparams"],
        "custom_nicparams": [{"mode": n["mode"], "link": n["link"]} for n in nics],
        "ctime": inst["ctime"], "mtime": inst["mtime"], "serial_no": inst["serial_no"],
        "tags": inst["tags"],
    }


def network(cluster: Cluster, net: dict[str, Any]) -> dict[str, Any]:
    users = [i["name"] for i in cluster.store.instances.values()
             if any(n.get("network") == net["name"] for n in i["nics"])]
    return {
        "name": net["name"], "uuid": net["uuid"], "network": net["network"],
        "gateway": net["gateway"], "network6": net["network6"], "gateway6": net["gateway6"],
        "mac_prefix": net["mac_prefix"], "reserved_count": len(net["reservations"]),
        "external_reservations": ", ".join(net["external"]),
        "group_list": [[g["group"], g["mode"], g["link"]] for g in net["groups"]],
        "inst_list": users, "tags": net["tags"], "serial_no": net["serial_no"],
    }
