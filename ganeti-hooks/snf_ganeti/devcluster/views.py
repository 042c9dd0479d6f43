"""RAPI representations: the JSON shapes real Ganeti 3.0 returns."""

from __future__ import annotations

from typing import Any

from snf_ganeti.devcluster.cluster import DEFAULT_BEPARAMS, DEFAULT_NICPARAMS, HYPERVISOR, Cluster

SOFTWARE_VERSION = "3.0.2"
FAKE_HVPARAMS = {"migration_mode": "live"}  # the cluster's; an instance shows its own


# Ganeti 3.0's defaults for what the development cluster does not model
NDPARAMS = {"oob_program": "", "spindle_count": 1, "exclusive_storage": False, "ovs": False,
            "ovs_name": "switch1", "ovs_link": "", "ssh_port": 22, "cpu_speed": 1}
ISPECS_STD = {"memory-size": 128, "disk-size": 1024, "disk-count": 1, "cpu-count": 1,
              "nic-count": 1, "spindle-use": 1}
DISK_TEMPLATES_ENABLED = ["diskless", "file", "ext"]
DATA_COLLECTORS = ("cpu-avg-load", "diskstats", "drbd", "inst-status-xen", "lv",
                   "xen-cpu-avg-load")
DISKPARAMS = {"blockdev": {}, "diskless": {}, "ext": {"access": "kernelspace"}, "file": {},
              "plain": {"stripes": 1}, "rbd": {"access": "kernelspace", "pool": "rbd"},
              "sharedfile": {}}


def ipolicy(cluster: Cluster) -> dict[str, Any]:
    """Ganeti's instance policy; the bounds are wide (the development cluster enforces none)."""
    return {"minmax": [{"min": {"memory-size": 32, "disk-size": 1, "disk-count": 0,
                                "cpu-count": 1, "nic-count": 0, "spindle-use": 0},
                        "max": {"memory-size": cluster.capacity.memory_mib,
                                "disk-size": 1048576, "disk-count": 16, "cpu-count": 32,
                                "nic-count": 8, "spindle-use": 12}}],
            "std": dict(ISPECS_STD), "spindle-ratio": 32, "vcpu-ratio": 4,
            "disk-templates": list(DISK_TEMPLATES_ENABLED)}


def info(cluster: Cluster) -> dict[str, Any]:
    """GET /2/info, with Ganeti 3.0's keys in its order."""
    store = cluster.store
    return {
        "software_version": SOFTWARE_VERSION, "protocol_version": 3000000,
        "config_version": 3000000, "os_api_version": 20, "export_version": 0,
        "vcs_version": "(ganeti) version 3.0.2 (snf-devcluster)",
        "architecture": ["64bits", "x86_64"],
        "name": store.cluster["name"], "master": store.node["name"],
        "default_hypervisor": HYPERVISOR, "enabled_hypervisors": [HYPERVISOR],
        "hvparams": {HYPERVISOR: FAKE_HVPARAMS}, "os_hvp": {},
        "beparams": {"default": DEFAULT_BEPARAMS}, "osparams": {},
        "ipolicy": ipolicy(cluster), "nicparams": {"default": DEFAULT_NICPARAMS},
        "ndparams": dict(NDPARAMS), "diskparams": DISKPARAMS,
        "candidate_pool_size": 10, "max_running_jobs": 1, "max_tracked_jobs": 25,
        "mac_prefix": "aa:00:00", "master_netdev": "lo", "master_netmask": 32,
        "use_external_mip_script": False, "volume_group_name": None,
        "drbd_usermode_helper": None, "file_storage_dir": str(cluster.paths.file_storage),
        "shared_file_storage_dir": "", "gluster_storage_dir": "",
        "maintain_node_health": False, "ctime": store.cluster["ctime"],
        "mtime": store.cluster["mtime"], "uuid": store.cluster["uuid"],
        "tags": store.cluster["tags"], "uid_pool": [], "default_iallocator": "",
        "default_iallocator_params": {}, "reserved_lvs": [], "primary_ip_version": 4,
        "prealloc_wipe_disks": False, "hidden_os": [], "blacklisted_os": [],
        "enabled_disk_templates": list(DISK_TEMPLATES_ENABLED), "install_image": "",
        "instance_communication_network": "", "zeroing_image": "",
        "compression_tools": ["gzip", "gzip-fast", "gzip-slow"],
        "enabled_user_shutdown": False,
        "enabled_data_collectors": {c: True for c in DATA_COLLECTORS},
        "data_collector_interval": {c: 5000000 for c in DATA_COLLECTORS},
        "modify_ssh_setup": False, "ssh_key_type": "rsa", "ssh_key_bits": 2048,
        "vg_name": None, "drbd_helper": None,
    }


def node(cluster: Cluster, bulk: bool) -> dict[str, Any]:
    store = cluster.store
    name = store.node["name"]
    if not bulk:
        return {"id": name, "uri": f"/2/nodes/{name}"}
    memory_used, disk_used = cluster.used()
    capacity = cluster.capacity
    # Ganeti's keys in its order; no spindles (sp*: null) and no node memory (mnode: 0)
    return {
        "name": name, "offline": False, "master_candidate": True, "drained": False,
        "dtotal": capacity.disk_mib, "dfree": capacity.disk_mib - disk_used,
        "sptotal": None, "spfree": None, "mtotal": capacity.memory_mib, "mnode": 0,
        "mfree": capacity.memory_mib - memory_used, "pinst_cnt": len(store.instances),
        "sinst_cnt": 0, "ctotal": capacity.cpus, "cnos": capacity.cpus, "cnodes": 1,
        "csockets": 1, "pip": "127.0.0.1", "sip": "127.0.0.1", "role": "M",
        "pinst_list": sorted(store.instances), "sinst_list": [], "master_capable": True,
        "vm_capable": True, "ndparams": dict(NDPARAMS), "group.uuid": store.group["uuid"],
        "ctime": store.cluster["ctime"], "mtime": store.cluster["mtime"],
        "uuid": store.node["uuid"], "serial_no": 1, "tags": [],
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
    """GET /2/instances/<name>, with Ganeti 3.0's keys in its order. One extra key:
    `osparams` (without passwords), which snf tools read; Ganeti has it only in /info."""
    up = inst["admin_state"] == "up"
    nics, disks = inst["nics"], inst["disks"]
    beparams = {**inst["beparams"], "memory": inst["beparams"]["maxmem"]}
    return {
        "name": inst["name"], "admin_state": "up" if up else "down", "os": inst["os"],
        "pnode": cluster.store.node["name"], "snodes": [], "disk_template": inst["disk_template"],
        "nic.ips": [n.get("ip") for n in nics], "nic.macs": [n["mac"] for n in nics],
        "nic.modes": [n["mode"] for n in nics], "nic.uuids": [n["uuid"] for n in nics],
        "nic.names": [n.get("name") for n in nics], "nic.links": [n["link"] for n in nics],
        "nic.networks": [n.get("network") for n in nics],
        "nic.networks.names": [n.get("network") for n in nics],
        "nic.bridges": [n["link"] if n["mode"] == "bridged" else None for n in nics],
        "network_port": inst.get("network_port"),
        "disk.sizes": [d["size"] for d in disks], "disk.spindles": [None for _ in disks],
        "disk_usage": sum(d["size"] for d in disks), "disk.uuids": [d["uuid"] for d in disks],
        "disk.names": [d.get("name") for d in disks],
        "beparams": beparams, "hvparams": dict(inst["hvparams"]),
        "oper_state": up, "oper_ram": inst["beparams"]["maxmem"] if up else None,
        "oper_vcpus": inst["beparams"]["vcpus"] if up else None,
        "status": "running" if up else "ADMIN_down", "custom_hvparams": inst["hvparams"],
        "custom_beparams": inst.get("custom_beparams", {}),
        "custom_nicparams": [{"mode": n["mode"], "link": n["link"]} for n in nics],
        "ctime": inst["ctime"], "mtime": inst["mtime"], "uuid": inst["uuid"],
        "serial_no": inst["serial_no"], "tags": inst["tags"],
        "osparams": {k: v for k, v in inst["osparams"].items() if "passwd" not in k},
    }


def query_data(cluster: Cluster, inst: dict[str, Any]) -> dict[str, Any]:
    """One instance in the result of OP_INSTANCE_QUERY_DATA (GET .../info's job)."""
    up = inst["admin_state"] == "up"
    group = cluster.store.group
    disks = []
    for i, disk in enumerate(inst["disks"]):
        logical = ["loop", disk["path"]] if disk["kind"] == "file" else \
            [disk.get("provider"), f"{disk['uuid']}.ext.disk{i}"]
        disks.append({"iv_name": f"disk/{i}", "dev_type": disk["kind"], "logical_id": logical,
                      "drbd_info": None,
                      "pstatus": [disk["path"], None, None, None, None, False, 1] if up else None,
                      "sstatus": None, "children": [], "mode": disk.get("mode", "rw"),
                      "size": disk["size"], "spindles": None, "name": disk.get("name"),
                      "uuid": disk["uuid"]})
    return {
        "name": inst["name"], "config_state": inst["admin_state"],
        "run_state": "up" if up else "down", "pnode": cluster.store.node["name"],
        "pnode_group_uuid": group["uuid"], "pnode_group_name": group["name"], "snodes": [],
        "snodes_group_uuids": [], "snodes_group_names": [], "os": inst["os"],
        "nics": [[n.get("name"), n["uuid"], n.get("ip"), n["mac"], n["mode"], n["link"],
                  n.get("vlan", ""), n.get("network"), n.get("network")] for n in inst["nics"]],
        "disk_template": inst["disk_template"], "disks": disks,
        "hypervisor": inst["hypervisor"], "network_port": inst.get("network_port"),
        "hv_instance": dict(inst["hvparams"]), "hv_actual": dict(inst["hvparams"]),
        "be_instance": inst.get("custom_beparams", {}), "be_actual": dict(inst["beparams"]),
        "os_instance": dict(inst["osparams"]), "os_actual": dict(inst["osparams"]),
        "serial_no": inst["serial_no"], "mtime": inst["mtime"], "ctime": inst["ctime"],
        "uuid": inst["uuid"],
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
