"""Messages of the update path, shared by their producers (hooks, eventd, progress
monitor, the development cluster) and their consumer (the Cyclades dispatcher).

Formats follow the original Synnefo update path so that a deployment reads the
same JSON on the wire: `ganeti-op-status`, `ganeti-network-status`,
`ganeti-create-progress` (build progress and diagnostics). Every message has an
`event_time` of [seconds, microseconds]; together with `jobId` it orders events
of one instance (a consumer ignores one older than what it has applied).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

EXCHANGE = "ganeti"
OP_STATUSES = ("queued", "waiting", "running", "canceling", "success", "error", "canceled")
FINAL_STATUSES = ("success", "error", "canceled")


def routing_key(prefix: str, kind: str) -> str:
    """`ganeti.snf.event.op` and friends; kind is op, network or progress."""
    return f"ganeti.{prefix}.event.{kind}"


def event_time_now() -> list[int]:
    now = time.time()
    return [int(now), int((now % 1) * 1_000_000)]


@dataclass(frozen=True)
class OpStatus:
    """A Ganeti job's opcode on one instance changed status."""

    instance: str
    operation: str                      # OP_INSTANCE_CREATE, OP_INSTANCE_STARTUP, ...
    status: str                         # one of OP_STATUSES
    jobId: int
    cluster: str
    event_time: list[int] = field(default_factory=event_time_now)
    logmsg: str | None = None
    result: Any = None
    job_fields: dict[str, Any] = field(default_factory=dict)
    instance_nics: list[dict[str, Any]] | None = None   # [{name, network, ip, mac, mode, link, uuid}]
    instance_disks: list[dict[str, Any]] | None = None  # [{name, size, uuid}]
    tags: list[str] = field(default_factory=list)
    type: str = "ganeti-op-status"


@dataclass(frozen=True)
class NetworkStatus:
    network: str
    operation: str                      # OP_NETWORK_ADD, OP_NETWORK_CONNECT, ...
    status: str
    jobId: int
    cluster: str
    event_time: list[int] = field(default_factory=event_time_now)
    logmsg: str | None = None
    result: Any = None
    job_fields: dict[str, Any] = field(default_factory=dict)
    type: str = "ganeti-network-status"


@dataclass(frozen=True)
class BuildProgress:
    """snf-image's progress: `subtype` image-copy-progress (with `progress` %), image-info,
    image-error, image-helper (task-start/task-end/warning/error)."""

    instance: str
    cluster: str
    subtype: str
    progress: float | None = None
    messages: list[str] = field(default_factory=list)
    event_time: list[int] = field(default_factory=event_time_now)
    type: str = "ganeti-create-progress"


MESSAGE_TYPES = {"ganeti-op-status": OpStatus, "ganeti-network-status": NetworkStatus,
                 "ganeti-create-progress": BuildProgress}


def to_json(message: OpStatus | NetworkStatus | BuildProgress) -> bytes:
    return json.dumps(asdict(message), sort_keys=True).encode()


class BadMessage(ValueError):
    """Not JSON, an unknown type, or missing fields: such a message is dead-lettered."""


def from_json(body: bytes) -> OpStatus | NetworkStatus | BuildProgress:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadMessage("not a JSON object")
    cls = MESSAGE_TYPES.get(data.get("type", ""))
    if cls is None:
        raise BadMessage(f"unknown message type {data.get('type')!r}")
    names = set(cls.__dataclass_fields__)
    try:
        return cls(**{k: v for k, v in data.items() if k in names})
    except TypeError as exc:
        raise BadMessage(f"{data.get('type')}: {exc}") from None


def event_order(message: OpStatus | NetworkStatus | BuildProgress) -> tuple[int, int]:
    """Sort key of events of one target: (seconds, microseconds)."""
    seconds, micros = message.event_time
    return int(seconds), int(micros)
