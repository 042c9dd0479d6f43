"""Helpers for the node-side unit tests: a sample hook env and an in-memory queue."""

from __future__ import annotations

from snf_common.queue.base import QueueError, QueueTransport


class MemoryTransport(QueueTransport):
    """Records published messages; `down=True` refuses them like an unreachable broker."""

    def __init__(self, down: bool = False):
        self.down = down
        self.published: list[tuple[str, bytes]] = []

    def declare_queue(self, queue, bindings):
        pass

    def publish(self, routing_key, body):
        if self.down:
            raise QueueError("connection refused")
        self.published.append((routing_key, body))

    def get(self, queue, timeout=0.0):
        return None


# The env of instance-add-post as recorded on real Ganeti 3.0.2 (docs/notes), trimmed.
ADD_POST = {
    "GANETI_ADD_MODE": "create", "GANETI_CLUSTER": "cluster.snf.test",
    "GANETI_DATA_DIR": "/nonexistent", "GANETI_HOOKS_PATH": "instance-add",
    "GANETI_HOOKS_PHASE": "post", "GANETI_HOOKS_VERSION": "2",
    "GANETI_INSTANCE_BE_maxmem": "256", "GANETI_INSTANCE_BE_vcpus": "1",
    "GANETI_INSTANCE_DISK_COUNT": "1", "GANETI_INSTANCE_DISK_TEMPLATE": "file",
    "GANETI_INSTANCE_DISK0_MODE": "rw", "GANETI_INSTANCE_DISK0_NAME": "disk-1-0",
    "GANETI_INSTANCE_DISK0_SIZE": "1024", "GANETI_INSTANCE_DISK0_UUID": "d-uuid",
    "GANETI_INSTANCE_HV_migration_mode": "live", "GANETI_INSTANCE_HYPERVISOR": "fake",
    "GANETI_INSTANCE_NAME": "snf-1.snf.test", "GANETI_INSTANCE_NIC_COUNT": "1",
    "GANETI_INSTANCE_NIC0_BRIDGE": "snfbr0", "GANETI_INSTANCE_NIC0_IP": "10.0.0.5",
    "GANETI_INSTANCE_NIC0_LINK": "snfbr0", "GANETI_INSTANCE_NIC0_MAC": "aa:00:00:11:22:33",
    "GANETI_INSTANCE_NIC0_MODE": "bridged", "GANETI_INSTANCE_NIC0_NAME": "nic-1-0",
    "GANETI_INSTANCE_NIC0_UUID": "n-uuid", "GANETI_INSTANCE_NIC0_VLAN": "",
    "GANETI_INSTANCE_OS_TYPE": "snf-image+default", "GANETI_INSTANCE_PRIMARY": "node1.snf.test",
    "GANETI_INSTANCE_SECONDARIES": "", "GANETI_INSTANCE_STATUS": "True",
    "GANETI_INSTANCE_TAGS": "synnefo:network:0:public", "GANETI_MASTER": "node1.snf.test",
    "GANETI_OBJECT_TYPE": "INSTANCE", "GANETI_OP_CODE": "OP_INSTANCE_CREATE",
    "GANETI_OP_TARGET": "snf-1.snf.test",
}


def with_post(env: dict[str, str]) -> dict[str, str]:
    """Add the GANETI_POST_* copies a post hook also receives."""
    out = dict(env)
    for key, value in env.items():
        if key.startswith("GANETI_") and key not in ("GANETI_HOOKS_PATH", "GANETI_HOOKS_PHASE",
                                                    "GANETI_HOOKS_VERSION", "GANETI_DATA_DIR"):
            out["GANETI_POST_" + key[len("GANETI_"):]] = value
    return out


