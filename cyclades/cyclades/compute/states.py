"""The server state table: operstate + pending task -> API status, and what is allowed when."""

from __future__ import annotations

from cyclades.compute.models import Server
from snf_common.faults import BuildInProgress, Conflict

# Operstate after a successful Ganeti opcode.
OPERSTATE_AFTER = {
    "OP_INSTANCE_CREATE": "STARTED",
    "OP_INSTANCE_STARTUP": "STARTED",
    "OP_INSTANCE_SHUTDOWN": "STOPPED",
    "OP_INSTANCE_REBOOT": "STARTED",
    "OP_INSTANCE_REMOVE": "DESTROYED",
}

# The pending task each opcode finishes.
TASK_OF_OPCODE = {
    "OP_INSTANCE_CREATE": "CREATE",
    "OP_INSTANCE_STARTUP": "START",
    "OP_INSTANCE_SHUTDOWN": "STOP",
    "OP_INSTANCE_REBOOT": "REBOOT",
    "OP_INSTANCE_REMOVE": "DESTROY",
    "OP_INSTANCE_SET_PARAMS": "RESIZE",
}

BASE_STATUS = {"BUILD": "BUILD", "STARTED": "ACTIVE", "STOPPED": "SHUTOFF",
               "ERROR": "ERROR", "DESTROYED": "DELETED"}

# Where each action may start from.
ALLOWED_FROM = {
    "START": {"STOPPED"},
    "STOP": {"STARTED"},
    "REBOOT": {"STARTED"},
    "RESIZE": {"STOPPED"},
    "FIREWALL": {"STARTED", "STOPPED"},
    "DESTROY": {"BUILD", "STARTED", "STOPPED", "ERROR"},
}


def api_status(server: Server) -> str:
    if server.deleted or server.operstate == "DESTROYED":
        return "DELETED"
    if server.task == "REBOOT" and server.operstate == "STARTED":
        return "HARD_REBOOT" if server.reboot_type == "HARD" else "REBOOT"
    if server.task == "RESIZE":
        return "RESIZE"
    return BASE_STATUS.get(server.operstate, "UNKNOWN")


def task_state(server: Server) -> str | None:
    """Nova's OS-EXT-STS:task_state for the pending task."""
    return {"CREATE": "spawning", "START": "powering-on", "STOP": "powering-off",
            "REBOOT": "rebooting_hard" if server.reboot_type == "HARD" else "rebooting",
            "RESIZE": "resize_prep", "DESTROY": "deleting"}.get(server.task)


def vm_state(server: Server) -> str:
    return {"BUILD": "building", "STARTED": "active", "STOPPED": "stopped",
            "ERROR": "error", "DESTROYED": "deleted"}.get(server.operstate, "error")


def check_action(server: Server, action: str) -> None:
    """Raise 409 unless `action` may start now (one pending task at a time; DESTROY always)."""
    if server.deleted or server.operstate == "DESTROYED":
        raise Conflict(f"Server {server.id} is deleted.")
    if action != "DESTROY" and server.task:
        if server.operstate == "BUILD":
            raise BuildInProgress(f"Server {server.id} is being built.")
        raise Conflict(f"Server {server.id} has a pending {server.task.lower()} action.")
    if action == "DESTROY" and server.task == "DESTROY":
        raise Conflict(f"Server {server.id} is already being deleted.")
    if server.operstate not in ALLOWED_FROM[action]:
        if server.operstate == "BUILD":
            raise BuildInProgress(f"Server {server.id} is being built.")
        raise Conflict(f"Cannot {action.lower()} server {server.id} while it is "
                       f"{api_status(server)}.")
