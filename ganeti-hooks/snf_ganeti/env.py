"""The environment Ganeti gives a hook, parsed into one typed value.

Ganeti 3.0 sets GANETI_<NAME> in both phases and repeats every variable as
GANETI_POST_<NAME> in the post phase (the state after the operation). The post
values win when present. There is no job id and there are no osparams in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HookNic:
    index: int
    name: str | None
    mac: str | None
    ip: str | None
    network: str | None
    link: str | None
    mode: str | None
    uuid: str | None
    bridge: str | None = None
    vlan: str | None = None

    def as_message(self) -> dict[str, Any]:
        """The instance_nics entry of an OpStatus message."""
        return {"name": self.name, "mac": self.mac, "ip": self.ip, "network": self.network,
                "link": self.link, "mode": self.mode, "uuid": self.uuid}


@dataclass(frozen=True)
class HookDisk:
    index: int
    name: str | None
    size: int | None            # MiB
    uuid: str | None
    mode: str | None = None

    def as_message(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "uuid": self.uuid}


@dataclass(frozen=True)
class HookEnv:
    hooks_path: str             # instance-add, instance-start, ...
    phase: str                  # pre | post
    op_code: str                # OP_INSTANCE_CREATE, ...
    object_type: str            # INSTANCE, NETWORK, CLUSTER, ...
    op_target: str
    cluster: str
    master: str
    data_dir: str
    instance_name: str | None
    instance_status: str | None
    primary_node: str | None
    os_type: str | None
    disk_template: str | None
    tags: tuple[str, ...] = ()
    nics: tuple[HookNic, ...] = ()
    disks: tuple[HookDisk, ...] = ()
    beparams: dict[str, str] = field(default_factory=dict)
    hvparams: dict[str, str] = field(default_factory=dict)

    @property
    def is_instance_op(self) -> bool:
        return self.object_type == "INSTANCE" and bool(self.instance_name)


def _none_if_empty(value: str | None) -> str | None:
    if value is None or value == "" or value == "None":
        return None
    return value


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class _View:
    """Looks a name up in GANETI_POST_* first (post phase), then GANETI_*."""

    def __init__(self, environ: Mapping[str, str], post: bool):
        self.environ = environ
        self.prefixes = ("GANETI_POST_", "GANETI_") if post else ("GANETI_",)

    def get(self, name: str) -> str | None:
        for prefix in self.prefixes:
            if prefix + name in self.environ:
                return self.environ[prefix + name]
        return None

    def params(self, stem: str) -> dict[str, str]:
        """INSTANCE_BE_vcpus=1 -> {"vcpus": "1"}, post values overriding."""
        found: dict[str, str] = {}
        for prefix in reversed(self.prefixes):
            head = prefix + stem
            for key, value in self.environ.items():
                if key.startswith(head):
                    found[key[len(head):]] = value
        return found


def parse_hook_env(environ: Mapping[str, str]) -> HookEnv:
    """Build a HookEnv from os.environ as Ganeti sets it for a hook script."""
    phase = environ.get("GANETI_HOOKS_PHASE", "")
    view = _View(environ, post=phase == "post")
    object_type = view.get("OBJECT_TYPE") or ""
    instance_name = _none_if_empty(view.get("INSTANCE_NAME"))
    if instance_name is None and object_type == "INSTANCE":
        instance_name = _none_if_empty(view.get("OP_TARGET"))

    nics = []
    for index in range(_int_or_none(view.get("INSTANCE_NIC_COUNT")) or 0):
        def nic(key: str, i: int = index) -> str | None:
            return _none_if_empty(view.get(f"INSTANCE_NIC{i}_{key}"))
        nics.append(HookNic(
            index=index, name=nic("NAME"), mac=nic("MAC"), ip=nic("IP"),
            network=nic("NETWORK_NAME") or nic("NETWORK"), link=nic("LINK"), mode=nic("MODE"),
            uuid=nic("UUID"), bridge=nic("BRIDGE"), vlan=nic("VLAN")))
    disks = []
    for index in range(_int_or_none(view.get("INSTANCE_DISK_COUNT")) or 0):
        def disk(key: str, i: int = index) -> str | None:
            return _none_if_empty(view.get(f"INSTANCE_DISK{i}_{key}"))
        disks.append(HookDisk(index=index, name=disk("NAME"), size=_int_or_none(disk("SIZE")),
                              uuid=disk("UUID"), mode=disk("MODE")))

    tags = tuple(t for t in (view.get("INSTANCE_TAGS") or "").split() if t)
    return HookEnv(
        hooks_path=environ.get("GANETI_HOOKS_PATH", ""),
        phase=phase,
        op_code=view.get("OP_CODE") or "",
        object_type=object_type,
        op_target=view.get("OP_TARGET") or "",
        cluster=view.get("CLUSTER") or "",
        master=view.get("MASTER") or "",
        data_dir=environ.get("GANETI_DATA_DIR", "/var/lib/ganeti"),
        instance_name=instance_name,
        instance_status=_none_if_empty(view.get("INSTANCE_STATUS")),
        primary_node=_none_if_empty(view.get("INSTANCE_PRIMARY")),
        os_type=_none_if_empty(view.get("INSTANCE_OS_TYPE")),
        disk_template=_none_if_empty(view.get("INSTANCE_DISK_TEMPLATE")),
        tags=tags,
        nics=tuple(nics),
        disks=tuple(disks),
        beparams=view.params("INSTANCE_BE_"),
        hvparams=view.params("INSTANCE_HV_"),
    )
