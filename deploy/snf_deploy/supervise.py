"""Start processes in the background with pid files; stop exactly the ones we started.

Each process gets STATE/run/<name>.pid (the pid) and STATE/run/<name>.proc (JSON: the
argv and the kernel start time). A pid counts as ours only when /proc/<pid> shows the
same command line and start time, so a recycled pid is never signalled.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from snf_deploy.state import Layout, write_private


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after "pid (comm)"; comm may contain spaces or parentheses.
    return stat.rsplit(")", 1)[1].split()


def start_time(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[19] if fields else None


def is_running(pid: int) -> bool:
    """True while the process exists and is not a zombie (we reap our own children)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str] | None:
    """The command line /proc shows; waits out the instant of an exec in progress.

    Popen returns once the child's exec is under way, but the kernel publishes the new
    argv a moment later: meanwhile /proc/<pid>/cmdline reads empty.
    """
    for _ in range(100):
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        if raw or not is_running(pid):
            break
        time.sleep(0.005)
    return [part.decode(errors="replace") for part in raw.split(b"\0")[:-1]]


def _proc_file(layout: Layout, name: str) -> Path:
    return layout.run / f"{name}.proc"


def owned_pid(layout: Layout, name: str) -> int | None:
    """The live pid of our process `name`, or None (stale pid files are removed)."""
    try:
        pid = int(layout.pid_file(name).read_text().strip())
        record = json.loads(_proc_file(layout, name).read_text())
    except (OSError, ValueError):
        return None
    if (is_running(pid) and cmdline(pid) == record.get("argv")
            and start_time(pid) == record.get("start_time")):
        return pid
    forget(layout, name)
    return None


def forget(layout: Layout, name: str) -> None:
    for path in (layout.pid_file(name), _proc_file(layout, name)):
        path.unlink(missing_ok=True)


def start(layout: Layout, name: str, argv: list[str], env: dict[str, str]) -> int:
    """Start `argv` in its own session (so its workers can be signalled as a group)."""
    log_path = layout.log_file(name)
    with open(log_path, "ab") as log:
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} snf-deploy starts {name}\n".encode())
        log.flush()
        proc = subprocess.Popen(argv, cwd=layout.root, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    seen = cmdline(proc.pid) or argv
    write_private(layout.pid_file(name), f"{proc.pid}\n")
    write_private(_proc_file(layout, name),
                  json.dumps({"argv": seen, "start_time": start_time(proc.pid)}) + "\n")
    return proc.pid


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group: a stopped leader's leftover workers."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def stop_all(layout: Layout, names: list[str], timeout: float = 10.0) -> dict[str, int]:
    """SIGTERM our processes together, SIGKILL their groups after `timeout`; {name: pid} stopped.

    Each was started as a session leader, so its group (pgid == pid) holds only its own
    workers: once the leader is gone the group cannot be reused for anyone else's.
    """
    pids = {name: pid for name in names if (pid := owned_pid(layout, name)) is not None}
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def all_gone() -> bool:
        return not any(is_running(pid) or group_members(pid) for pid in pids.values())

    if not _wait(all_gone, timeout):
        for pid in pids.values():
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _wait(all_gone, 5.0)
    for name in pids:
        forget(layout, name)
    return pids


def stop(layout: Layout, name: str, timeout: float = 10.0) -> int | None:
    """Stop our process `name` (and its workers); returns the pid stopped, if any."""
    return stop_all(layout, [name], timeout).get(name)


def log_tail(layout: Layout, name: str, lines: int = 15) -> str:
    try:
        text = layout.log_file(name).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.rstrip().splitlines()[-lines:])
