"""Opcodes as Ganeti 3.0's RAPI builds them: parameter types checked when the request
is parsed (a bad one is HTTP 400 and no job), and every field a client can see in
`job["ops"]` filled in with Ganeti's default, in Ganeti's order."""

from __future__ import annotations

import time
from typing import Any

# Every template Ganeti knows; one that is known but not enabled fails as a job.
KNOWN_DISK_TEMPLATES = ("diskless", "file", "sharedfile", "plain", "drbd", "rbd",
                        "blockdev", "ext", "gluster")
CREATE_MODES = ("create", "import", "remote-import")
REBOOT_TYPES = ("soft", "hard", "full")
FILE_TEMPLATES = ("file", "sharedfile")


class InvalidParameter(Exception):
    """A parameter failed Ganeti's opcode type check (RAPI answers 400, no job)."""

    def __init__(self, op_id: str, param: str):
        self.op_id, self.param = op_id, param
        super().__init__(self.message)

    @property
    def message(self) -> str:
        # Ganeti shows the repr of the error's arguments
        args = (f"Parameter '{self.op_id}.{self.param}' fails validation", "wrong_input")
        return f"Invalid body parameters: {args!r}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


# param -> check, per opcode; a missing parameter is not checked (its default applies)
_CHECKS: dict[str, dict[str, Any]] = {
    "OP_INSTANCE_CREATE": {
        "instance_name": lambda v: isinstance(v, str) and bool(v),
        "disk_template": lambda v: v in KNOWN_DISK_TEMPLATES,
        "mode": lambda v: v in CREATE_MODES,
        "disks": lambda v: isinstance(v, list) and all(isinstance(d, dict) for d in v),
        "nics": lambda v: isinstance(v, list) and all(isinstance(n, dict) for n in v),
        "beparams": lambda v: isinstance(v, dict), "hvparams": lambda v: isinstance(v, dict),
        "osparams": lambda v: isinstance(v, dict),
        "tags": lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
        "os_type": _is_str_or_none, "pnode": _is_str_or_none, "hypervisor": _is_str_or_none,
        "start": lambda v: isinstance(v, bool), "ip_check": lambda v: isinstance(v, bool),
        "name_check": lambda v: isinstance(v, bool),
        "wait_for_sync": lambda v: isinstance(v, bool),
    },
    "OP_INSTANCE_REBOOT": {"reboot_type": lambda v: v in REBOOT_TYPES,
                           "shutdown_timeout": _is_int},
    "OP_INSTANCE_SHUTDOWN": {"timeout": _is_int},
    "OP_INSTANCE_REMOVE": {"shutdown_timeout": _is_int},
    "OP_INSTANCE_GROW_DISK": {"disk": _is_int, "amount": _is_int,
                              "absolute": lambda v: isinstance(v, bool)},
    "OP_INSTANCE_SET_PARAMS": {
        "nics": lambda v: isinstance(v, list), "disks": lambda v: isinstance(v, list),
        "beparams": lambda v: isinstance(v, dict), "hvparams": lambda v: isinstance(v, dict),
        "osparams": lambda v: isinstance(v, dict),
    },
}


def validate(op: dict[str, Any]) -> None:
    """Raise InvalidParameter for the first parameter of the wrong type or value."""
    for param, check in _CHECKS.get(op["OP_ID"], {}).items():
        if param in op and not check(op[param]):
            raise InvalidParameter(op["OP_ID"], param)


def _common(op_id: str, source: str, job_id: int, index: int, dry_run: bool | None) -> dict:
    now = time.time_ns()
    opcode = op_id[3:].lower()
    out: dict[str, Any] = {} if dry_run is None else {"dry_run": dry_run}
    out.update({"debug_level": 0, "priority": 0, "depends": None, "comment": None,
                "reason": [[f"gnt:library:rlib2:{source}", "", now],
                           [f"gnt:opcode:{opcode}", f"job={job_id};index={index}", now]],
                "OP_ID": op_id})
    return out


# Defaults after OP_ID, in Ganeti's order (None: "take it from the request, if given")
_DEFAULTS: dict[str, list[tuple[str, Any]]] = {
    "OP_INSTANCE_CREATE": [
        ("instance_name", None), ("force_variant", False), ("wait_for_sync", True),
        ("name_check", True), ("ignore_ipolicy", False), ("opportunistic_locking", False),
        ("beparams", {}), ("disks", []), ("disk_template", None), ("file_driver", None),
        ("hvparams", {}), ("hypervisor", None), ("identify_defaults", False),
        ("ip_check", True), ("conflicts_check", True), ("mode", "create"), ("nics", []),
        ("osparams", {}), ("osparams_private", {}), ("osparams_secret", {}),
        ("os_type", None), ("pnode", None), ("pnode_uuid", None),
        ("source_shutdown_timeout", 120), ("compress", "none"), ("start", True),
        ("forthcoming", False), ("commit", False), ("tags", []),
        ("instance_communication", False), ("helper_startup_timeout", 300),
        ("helper_shutdown_timeout", 7200)],
    "OP_INSTANCE_REMOVE": [("instance_name", None), ("instance_uuid", None),
                           ("shutdown_timeout", 120), ("ignore_failures", False)],
    "OP_INSTANCE_SHUTDOWN": [
        ("instance_name", None), ("instance_uuid", None), ("force", False),
        ("ignore_offline_nodes", False), ("timeout", 120), ("no_remember", False),
        ("admin_state_source", "admin")],
    "OP_INSTANCE_STARTUP": [
        ("instance_name", None), ("instance_uuid", None), ("force", False),
        ("ignore_offline_nodes", False), ("hvparams", {}), ("beparams", {}),
        ("no_remember", False), ("startup_paused", False), ("shutdown_timeout", 120)],
    "OP_INSTANCE_REBOOT": [
        ("instance_name", None), ("instance_uuid", None), ("shutdown_timeout", 120),
        ("ignore_secondaries", False), ("reboot_type", "hard")],
    "OP_INSTANCE_SET_PARAMS": [
        ("instance_name", None), ("instance_uuid", None), ("force", False),
        ("force_variant", False), ("ignore_ipolicy", False), ("nics", []), ("disks", []),
        ("beparams", {}), ("hvparams", {}), ("ext_params", {}), ("osparams", {}),
        ("wait_for_sync", True), ("conflicts_check", True), ("hotplug", False),
        ("hotplug_if_possible", False)],
    "OP_INSTANCE_GROW_DISK": [
        ("instance_name", None), ("instance_uuid", None), ("wait_for_sync", True),
        ("disk", 0), ("amount", 0), ("absolute", False), ("ignore_ipolicy", False)],
    "OP_INSTANCE_QUERY_DATA": [("use_locking", True), ("instances", []), ("static", False)],
    "OP_TAGS_SET": [("kind", None), ("tags", []), ("name", None)],
    "OP_TAGS_DEL": [("kind", None), ("tags", []), ("name", None)],
}
# Opcodes whose echo has no dry_run (Ganeti fills it only for LUs that support it)
_NO_DRY_RUN = ("OP_INSTANCE_SET_PARAMS", "OP_INSTANCE_GROW_DISK", "OP_INSTANCE_QUERY_DATA")


def complete(op: dict[str, Any], source: str, job_id: int, index: int,
             context: dict[str, Any]) -> dict[str, Any]:
    """`op` with Ganeti's defaults filled in. `context`: hypervisor, node_uuid and
    instance_uuid (None when the instance is unknown), which Ganeti resolves too."""
    op_id = op["OP_ID"]
    dry_run = None if op_id in _NO_DRY_RUN else bool(op.get("dry_run", False))
    out = _common(op_id, source, job_id, index, dry_run)
    defaults = _DEFAULTS.get(op_id)
    if defaults is None:  # not one Synnefo sends: keep what was given
        out.update({k: v for k, v in op.items() if k not in out})
        return out
    for key, default in defaults:
        value = op.get(key, default)
        if key == "hypervisor" and value is None:
            value = context.get("hypervisor")
        elif key == "file_driver" and value is None and op.get("disk_template") in FILE_TEMPLATES:
            value = "loop"
        elif key == "pnode_uuid" and value is None and op.get("pnode"):
            value = context.get("node_uuid")
        elif key == "instance_uuid" and value is None:
            value = context.get("instance_uuid")
            if value is None:
                continue  # Ganeti fails such a job; no uuid to show
        if value is None and key in ("file_driver", "pnode_uuid"):
            continue
        out[key] = value
    for key, value in op.items():  # what the request gave beyond the defaults
        if key not in out and key != "dry_run":
            out[key] = value
    return out
