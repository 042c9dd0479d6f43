"""The embedded queue: a durable spool directory, safe with several processes.

Layout under the root:
    bindings/<queue>            JSON list of routing-key patterns
    queues/<queue>/new/<name>   ready messages (FIFO by name)
    queues/<queue>/cur/<name>@<pid>-<start>   taken, not yet acknowledged
    unrouted/<name>             published before any queue matched
Each message file is one JSON header line ({"routing_key", "id"}) then the body.
Writes go to a temporary name, are fsynced, then renamed: a reader never sees a
torn message, and a rename is how one consumer (and only one) takes a message.
A taken message whose consumer died goes back to new/ as redelivered.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from snf_common.queue.base import Delivery, QueueTransport
from snf_common.queue.routing import topic_matches

POLL_SECONDS = 0.05


def _process_start(pid: int) -> str:
    """Start time of a process (field 22 of /proc/pid/stat); '' when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SpoolTransport(QueueTransport):
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        for sub in ("bindings", "queues", "unrouted", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._owner = f"{os.getpid()}-{_process_start(os.getpid())}"
        self._seq = 0

    # -- bindings ---------------------------------------------------------
    def _bindings(self) -> dict[str, list[str]]:
        result = {}
        for path in (self.root / "bindings").iterdir():
            try:
                result[path.name] = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
        return result

    def declare_queue(self, queue: str, bindings: Iterable[str]) -> None:
        if not queue or "/" in queue or queue.startswith("."):
            raise ValueError(f"bad queue name {queue!r}")
        qdir = self.root / "queues" / queue
        for sub in ("new", "cur"):
            (qdir / sub).mkdir(parents=True, exist_ok=True)
        patterns = sorted(set(bindings))
        self._write_atomic(self.root / "bindings" / queue, json.dumps(patterns).encode())
        # Messages published before anyone listened are handed over now.
        for path in sorted((self.root / "unrouted").iterdir()):
            try:
                header = json.loads(path.read_bytes().split(b"\n", 1)[0])
            except (OSError, ValueError):
                continue
            if any(topic_matches(p, header["routing_key"]) for p in patterns):
                try:
                    os.rename(path, qdir / "new" / path.name)
                except FileNotFoundError:
                    pass  # another declarer took it

    # -- publishing -------------------------------------------------------
    def _next_name(self) -> str:
        self._seq += 1
        return f"{time.time_ns():020d}-{os.getpid()}-{self._seq:08d}-{uuid.uuid4().hex[:8]}"

    def _write_atomic(self, target: Path, data: bytes) -> None:
        tmp = self.root / "tmp" / f"{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, target)
        _fsync_dir(target.parent)

    def publish(self, routing_key: str, body: bytes) -> None:
        name = self._next_name()
        header = json.dumps({"routing_key": routing_key, "id": name}).encode()
        data = header + b"\n" + body
        targets = [q for q, patterns in self._bindings().items()
                   if any(topic_matches(p, routing_key) for p in patterns)]
        if not targets:
            self._write_atomic(self.root / "unrouted" / name, data)
            return
        for queue in targets:
            self._write_atomic(self.root / "queues" / queue / "new" / name, data)

    # -- consuming --------------------------------------------------------
    def _requeue_orphans(self, qdir: Path) -> None:
        for path in (qdir / "cur").iterdir():
            name, _, owner = path.name.rpartition("@")
            pid_text, _, start = owner.partition("-")
            if owner == self._owner or not pid_text.isdigit():
                continue
            if _process_start(int(pid_text)) != start:
                base = name if name.endswith(".r") else name + ".r"
                try:
                    os.rename(path, qdir / "new" / base)
                except FileNotFoundError:
                    pass

    def get(self, queue: str, timeout: float = 0.0) -> Delivery | None:
        qdir = self.root / "queues" / queue
        if not qdir.is_dir():
            raise ValueError(f"queue {queue!r} is not declared")
        deadline = time.monotonic() + timeout
        self._requeue_orphans(qdir)
        while True:
            for name in sorted(os.listdir(qdir / "new")):
                taken = qdir / "cur" / f"{name}@{self._owner}"
                try:
                    os.rename(qdir / "new" / name, taken)
                except FileNotFoundError:
                    continue  # another consumer was faster
                return self._delivery(qdir, name, taken)
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_SECONDS)

    def _delivery(self, qdir: Path, name: str, taken: Path) -> Delivery:
        header_line, _, body = taken.read_bytes().partition(b"\n")
        header = json.loads(header_line)
        base = name[:-2] if name.endswith(".r") else name

        def ack() -> None:
            taken.unlink(missing_ok=True)

        def nack(requeue: bool) -> None:
            if requeue:
                os.rename(taken, qdir / "new" / (base + ".r"))
            else:
                dead = self.root / "dead" / qdir.name
                dead.mkdir(parents=True, exist_ok=True)
                os.rename(taken, dead / base)

        return Delivery(routing_key=header["routing_key"], body=body, message_id=header["id"],
                        redelivered=name.endswith(".r"), _ack=ack, _nack=nack)

    def pending(self, queue: str) -> int:
        """Messages waiting or taken (for status pages and tests)."""
        qdir = self.root / "queues" / queue
        return len(os.listdir(qdir / "new")) + len(os.listdir(qdir / "cur"))
