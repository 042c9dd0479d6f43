"""Reading Ganeti's job queue files (queue/job-<id>, JSON, replaced by rename)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

JOB_FILE = re.compile(r"^job-(\d+)$")


def job_files(queue_dir: str | Path) -> list[tuple[int, Path]]:
    """(job id, path) of every live job file, newest first."""
    folder = Path(queue_dir)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = JOB_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry))
    return sorted(found, reverse=True)


def read_job(path: Path) -> dict[str, Any] | None:
    """The job's JSON, or None if it vanished or is not a complete document."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def op_target(op_input: dict[str, Any]) -> tuple[str, str] | None:
    """("instance", name) or ("network", name) for the opcodes the update path reports."""
    op_id = op_input.get("OP_ID", "")
    if op_id.startswith("OP_INSTANCE_") and op_input.get("instance_name"):
        return "instance", op_input["instance_name"]
    if op_id.startswith("OP_NETWORK_") and op_input.get("network_name"):
        return "network", op_input["network_name"]
    return None


def find_running_job(queue_dir: str | Path, op_code: str, target: str,
                     newest: int = 50) -> int | None:
    """The id of the running job whose opcode is `op_code` on `target`, if any.

    A hook runs inside its job, so the job is `running` in the queue at that
    moment. Only the newest few files are read: the job is recent.
    """
    for job_id, path in job_files(queue_dir)[:newest]:
        job = read_job(path)
        if not job:
            continue
        for op in job.get("ops", []):
            op_input = op.get("input", {})
            if (op.get("status") == "running" and op_input.get("OP_ID") == op_code
                    and target in (op_input.get("instance_name"), op_input.get("network_name"))):
                return job_id
    return None


def read_ssconf(data_dir: str | Path, name: str) -> str | None:
    """A value of Ganeti's ssconf files (data_dir/ssconf_<name>), if readable."""
    try:
        return (Path(data_dir) / f"ssconf_{name}").read_text().strip() or None
    except OSError:
        return None
