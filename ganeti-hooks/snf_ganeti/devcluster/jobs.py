"""Jobs: submitted opcodes run one at a time by a worker thread, each job kept as a
file in Ganeti's queue format (data/queue/job-<id>, rewritten by rename)."""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from snf_ganeti.jobfiles import job_files, read_job

log = logging.getLogger(__name__)

FINAL = ("success", "error", "canceled")


class OpFailure(Exception):
    """An opcode failed; kind is Ganeti's error class (OpPrereqError, OpExecError)."""

    def __init__(self, kind: str, message: str, code: str | None = None):
        super().__init__(message)
        self.kind, self.message, self.code = kind, message, code

    def result(self) -> list:
        args = [self.message, self.code] if self.code else [self.message]
        return [self.kind, args]


def prereq(message: str, code: str = "wrong_input") -> OpFailure:
    return OpFailure("OpPrereqError", message, code)


def execfail(message: str) -> OpFailure:
    return OpFailure("OpExecError", message)


def ts() -> list[int]:
    now = time.time()
    return [int(now), int((now % 1) * 1_000_000)]


def job_status(job: dict[str, Any]) -> str:
    statuses = [op["status"] for op in job["ops"]]
    for status in ("error", "canceled", "canceling", "running", "waiting"):
        if status in statuses:
            return status
    if statuses and all(s == "success" for s in statuses):
        return "success"
    return "queued"


def summary(op_input: dict[str, Any]) -> str:
    """Ganeti's job summary: OP(target) where the opcode names one instance or network
    (tags and queries show the bare opcode)."""
    op_id = op_input["OP_ID"][3:]
    target = op_input.get("instance_name") or op_input.get("network_name") or ""
    return f"{op_id}({target})" if target else op_id


JOB_FIELDS = ("id", "ops", "status", "summary", "opstatus", "received_ts", "start_ts",
              "end_ts", "oplog", "opresult")


def rapi_job(job: dict[str, Any]) -> dict[str, Any]:
    """GET /2/jobs/<id> as real Ganeti answers it (its key order too)."""
    ops = job["ops"]
    return {
        "id": job["id"], "ops": [op["input"] for op in ops], "status": job_status(job),
        "summary": [summary(op["input"]) for op in ops],
        "opstatus": [op["status"] for op in ops],
        "received_ts": job.get("received_timestamp"),
        "start_ts": job.get("start_timestamp"), "end_ts": job.get("end_timestamp"),
        "oplog": [op.get("log", []) for op in ops],
        "opresult": [op.get("result") for op in ops],
    }


def unknown_job(job_id: int) -> dict[str, Any]:
    """Ganeti's answer for a job id it does not have (never submitted, or archived and
    purged): 200 with every field null. Pollers read status None as "job gone"."""
    return {field: (job_id if field == "id" else None) for field in JOB_FIELDS}


Runner = Callable[[dict[str, Any], Callable[[str], None]], Any]


class JobQueue:
    def __init__(self, queue_dir: Path, runner: Runner):
        self.dir = queue_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.runner = runner
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.jobs: dict[int, dict[str, Any]] = {}
        self._pending: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        serial = self.dir / "serial"
        self.last_id = int(serial.read_text()) if serial.exists() else 0
        self._recover()

    def _recover(self) -> None:
        """Jobs of a previous run: queued ones run again, interrupted ones failed."""
        for job_id, path in sorted(job_files(self.dir)):
            job = read_job(path)
            if job is None:
                continue
            self.jobs[job_id] = job
            self.last_id = max(self.last_id, job_id)
            status = job_status(job)
            if status == "queued":
                self._pending.put(job_id)
            elif status not in FINAL:
                for op in job["ops"]:
                    if op["status"] not in FINAL:
                        op["status"] = "error"
                        op["result"] = ["OpExecError", ["cluster restarted during the job"]]
                        op["end_timestamp"] = ts()
                job["end_timestamp"] = ts()
                self._write(job)

    def _write(self, job: dict[str, Any]) -> None:
        path = self.dir / f"job-{job['id']}"
        tmp = self.dir / f"job-{job['id']}.new"
        tmp.write_text(json.dumps(job))
        os.replace(tmp, path)

    def submit(self, ops: list[dict[str, Any]],
               complete: Callable[[dict[str, Any], int, int], dict[str, Any]] | None = None
               ) -> int:
        """Queue a job; `complete(op, job_id, index)` may fill in the opcodes' defaults
        (Ganeti's echo carries the job id in each opcode's reason trail)."""
        with self.lock:
            self.last_id += 1
            job_id = self.last_id
            if complete is not None:
                ops = [complete(op, job_id, i) for i, op in enumerate(ops)]
            (self.dir / "serial").write_text(f"{job_id}\n")
            job = {"id": job_id, "received_timestamp": ts(), "start_timestamp": None,
                   "end_timestamp": None, "process_id": os.getpid(), "livelock": None,
                   "ops": [{"input": op, "status": "queued", "result": None, "log": [],
                            "priority": 0, "start_timestamp": None, "exec_timestamp": None,
                            "end_timestamp": None} for op in ops]}
            self.jobs[job_id] = job
            self._write(job)
            self.changed.notify_all()
        self._pending.put(job_id)
        return job_id

    def get(self, job_id: int) -> dict[str, Any] | None:
        with self.lock:
            job = self.jobs.get(job_id)
            return json.loads(json.dumps(job)) if job else None

    def all_ids(self) -> list[int]:
        with self.lock:
            return sorted(self.jobs)

    def cancel(self, job_id: int) -> bool:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job_status(job) != "queued":
                return False
            for op in job["ops"]:
                op["status"] = "canceled"
                op["result"] = "Job canceled by request"
                op["end_timestamp"] = ts()
            job["end_timestamp"] = ts()
            self._write(job)
            self.changed.notify_all()
            return True

    def wait_for_change(self, job_id: int, previous: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while time.monotonic() < deadline:
                job = self.jobs.get(job_id)
                if job is None or rapi_job(job) != previous or job_status(job) in FINAL:
                    return
                self.changed.wait(max(0.0, deadline - time.monotonic()))

    # -- the worker -------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="devcluster-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._pending.put(None)
        if self._thread:
            self._thread.join(timeout=30)

    def _update(self, job: dict[str, Any]) -> None:
        with self.lock:
            self._write(job)
            self.changed.notify_all()

    def _work(self) -> None:
        while True:
            job_id = self._pending.get()
            if job_id is None:
                return
            with self.lock:
                job = self.jobs.get(job_id)
                if job is None or job_status(job) != "queued":
                    continue
            try:
                self._run(job)
            except Exception:  # a bug must not stop the queue
                log.exception("job %s crashed", job_id)

    def _run(self, job: dict[str, Any]) -> None:
        job["start_timestamp"] = ts()
        failed = False
        for op in job["ops"]:
            if failed:
                op["status"] = "error"
                op["result"] = ["OpExecError", ["Previous opcode failure"]]
                op["end_timestamp"] = ts()
                continue
            op["status"] = "waiting"
            op["start_timestamp"] = ts()
            self._update(job)
            op["status"] = "running"
            op["exec_timestamp"] = ts()
            self._update(job)

            def feedback(message: str, op: dict = op) -> None:
                serial = sum(len(o["log"]) for o in job["ops"]) + 1
                op["log"].append([serial, ts(), "message", message])
                self._update(job)

            try:
                op["result"] = self.runner(op["input"], feedback)
                op["status"] = "success"
            except OpFailure as exc:
                op["result"] = exc.result()
                op["status"] = "error"
                failed = True
            except Exception as exc:
                log.exception("opcode %s crashed", op["input"].get("OP_ID"))
                op["result"] = ["OpExecError", [f"{exc.__class__.__name__}: {exc}"]]
                op["status"] = "error"
                failed = True
            op["end_timestamp"] = ts()
            log.info("job %s %s: %s", job["id"], summary(op["input"]), op["status"])
        job["end_timestamp"] = ts()
        self._update(job)
