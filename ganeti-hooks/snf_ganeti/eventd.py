"""snf-ganeti-eventd: follow Ganeti's job queue and publish every opcode status change.

Ganeti rewrites queue/job-<id> atomically (write a temp file, rename) whenever a
job changes. Polling the directory every few hundred milliseconds and reading
the files whose (mtime, size) changed is portable and needs no Ganeti import.

For each opcode on one instance (OP_INSTANCE_*) or network (OP_NETWORK_*) it
publishes `ganeti-op-status` / `ganeti-network-status` with the job id, once per
status it sees (queued, waiting, running, success, error, canceled). A status
that came and went between two polls is not seen; the final one always is.
The last published status of every job/opcode is kept in a small state file,
so a restart publishes only what changed meanwhile (a crash between publish
and save may repeat one message: consumers treat repeats as no-ops).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from snf_common.ganeti_events import (
    FINAL_STATUSES,
    NetworkStatus,
    OpStatus,
    event_time_now,
    routing_key,
    to_json,
)
from snf_ganeti import settings as gtools_settings
from snf_ganeti.jobfiles import job_files, op_target, read_job, read_ssconf
from snf_ganeti.notify import Notifier, notifier_from_settings

log = logging.getLogger("snf_ganeti.eventd")

OUTBOX_RETRY_SECONDS = 5.0
INSTANCE_JOB_FIELDS = ("nics", "disks", "hvparams", "beparams")
NETWORK_JOB_FIELDS = ("network", "gateway", "network6", "gateway6", "add_reserved_ips",
                      "remove_reserved_ips", "group_name", "network_mode", "network_link")


def _timestamp(value: Any) -> list[int] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return [int(value[0]), int(value[1])]
    return None


def status_time(job: dict[str, Any], op: dict[str, Any], status: str) -> list[int]:
    """When Ganeti says the opcode reached `status` (the job file's own timestamps)."""
    if status == "queued":
        stamp = job.get("received_timestamp")
    elif status == "waiting":
        stamp = op.get("start_timestamp")
    elif status == "running":
        stamp = op.get("exec_timestamp") or op.get("start_timestamp")
    else:
        stamp = op.get("end_timestamp") or job.get("end_timestamp")
    return _timestamp(stamp) or event_time_now()


def last_log_message(op: dict[str, Any]) -> str | None:
    entries = op.get("log") or []
    if entries and isinstance(entries[-1], (list, tuple)) and len(entries[-1]) >= 4:
        return str(entries[-1][3])
    return None


def build_messages(job: dict[str, Any], index: int, cluster: str) -> tuple[str, OpStatus | NetworkStatus] | None:
    """(kind, message) for the opcode at `index` in its current status, or None."""
    op = job["ops"][index]
    op_input = op.get("input") or {}
    target = op_target(op_input)
    if target is None:
        return None
    status = op.get("status", "")
    common = dict(operation=op_input["OP_ID"], status=status, jobId=int(job["id"]),
                  cluster=cluster, event_time=status_time(job, op, status),
                  logmsg=last_log_message(op),
                  result=op.get("result") if status in FINAL_STATUSES else None)
    kind, name = target
    if kind == "network":
        fields = {k: op_input[k] for k in NETWORK_JOB_FIELDS if k in op_input}
        return "network", NetworkStatus(network=name, job_fields=fields, **common)
    fields: dict[str, Any] = {}
    if op_input["OP_ID"] in ("OP_INSTANCE_CREATE", "OP_INSTANCE_SET_PARAMS"):
        fields = {k: op_input[k] for k in INSTANCE_JOB_FIELDS if k in op_input}
        if op_input["OP_ID"] == "OP_INSTANCE_CREATE" and status == "error":
            fields = dict(op_input)  # the consumer needs the whole request to undo it
    return "op", OpStatus(instance=name, job_fields=fields, tags=list(op_input.get("tags") or []),
                          **common)


class TransitionState:
    """The last published status per "job/op", in a JSON file replaced atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.published: dict[str, str] = {}
        try:
            self.published = json.loads(self.path.read_text()).get("published", {})
        except FileNotFoundError:
            pass
        except ValueError:
            log.error("state file %s unreadable; starting afresh", self.path)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w") as handle:
            json.dump({"published": self.published}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def forget_jobs_except(self, live_ids: set[int]) -> bool:
        stale = [k for k in self.published if int(k.split("/")[0]) not in live_ids]
        for key in stale:
            del self.published[key]
        return bool(stale)


class EventDaemon:
    def __init__(self, queue_dir: str | Path, notifier: Notifier, state_path: str | Path,
                 prefix: str, cluster: str = "", master_only: bool = False):
        self.queue_dir = Path(queue_dir)
        self.data_dir = self.queue_dir.parent
        self.notifier = notifier
        self.state = TransitionState(state_path)
        self.prefix = prefix
        self.cluster = cluster or read_ssconf(self.data_dir, "cluster_name") or ""
        self.master_only = master_only
        self._seen: dict[Path, tuple[int, int]] = {}
        self._last_outbox_try = 0.0

    def is_master(self) -> bool:
        master = read_ssconf(self.data_dir, "master_node")
        return master is None or master in (socket.getfqdn(), socket.gethostname())

    def poll_once(self) -> int:
        """Publish the transitions of changed job files; returns how many were published."""
        if self.master_only and not self.is_master():
            return 0
        published = 0
        files = job_files(self.queue_dir)
        live = {job_id for job_id, _ in files}
        dirty = self.state.forget_jobs_except(live)
        for path in list(self._seen):
            if path.name not in {p.name for _, p in files}:
                del self._seen[path]
        for _job_id, path in sorted(files):  # oldest first: the queue sees jobs in order
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_mtime_ns, stat.st_size)
            if self._seen.get(path) == signature:
                continue
            job = read_job(path)
            if job is None or "id" not in job:
                continue  # mid-rewrite or foreign; the next poll reads it
            count = self._publish_job(job)
            self._seen[path] = signature
            published += count
            dirty = dirty or count > 0
        if dirty:
            self.state.save()
        if time.monotonic() - self._last_outbox_try > OUTBOX_RETRY_SECONDS:
            self._last_outbox_try = time.monotonic()
            self.notifier.flush()
        return published

    def _publish_job(self, job: dict[str, Any]) -> int:
        count = 0
        for index, op in enumerate(job.get("ops") or []):
            key = f"{job['id']}/{index}"
            status = op.get("status")
            if not status or self.state.published.get(key) == status:
                continue
            built = build_messages(job, index, self.cluster)
            self.state.published[key] = status
            if built is None:
                continue
            kind, message = built
            sent = self.notifier.publish(routing_key(self.prefix, kind), to_json(message))
            log.info("job %s op %s %s %s: %s", job["id"], index, message.operation, status,
                     "published" if sent else "spooled")
            count += 1
        return count

    def run(self, should_stop: Callable[[], bool], poll_seconds: float) -> None:
        log.info("following %s (cluster %s)", self.queue_dir, self.cluster or "?")
        while not should_stop():
            try:
                self.poll_once()
            except Exception:  # keep following; the next poll retries the file
                log.exception("poll failed")
            time.sleep(poll_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="snf-ganeti-eventd", description=__doc__.split("\n")[0])
    parser.add_argument("--queue-dir", help="Ganeti job queue dir (GTOOLS_QUEUE_DIR)")
    parser.add_argument("--state-file", help="published-transitions file (GTOOLS_EVENTD_STATE)")
    parser.add_argument("--once", action="store_true", help="one poll, then exit")
    parser.add_argument("--all-nodes", action="store_true",
                        help="publish even when this node is not the master")
    args = parser.parse_args(argv)
    conf = gtools_settings.load()
    logging.basicConfig(level=conf["LOG_LEVEL"],
                        format="%(asctime)s snf-ganeti-eventd %(levelname)s %(message)s")
    daemon = EventDaemon(args.queue_dir or conf["GTOOLS_QUEUE_DIR"], notifier_from_settings(conf, retries=None),
                         args.state_file or conf["GTOOLS_EVENTD_STATE"],
                         conf["GTOOLS_BACKEND_PREFIX"], conf["GTOOLS_CLUSTER_NAME"],
                         master_only=conf["GTOOLS_MASTER_ONLY"] and not args.all_nodes)
    if args.once:
        daemon.poll_once()
        return 0
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    daemon.run(lambda: bool(stopping), conf["GTOOLS_POLL_SECONDS"])
    daemon.notifier.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
