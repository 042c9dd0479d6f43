"""Run one-shot commands (`<svc>-manage ...`) with their output kept in STATE/log/bootstrap.log."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

from snf_deploy import DeployError
from snf_deploy.state import Layout


def manage(service: str, *args: str) -> list[str]:
    """argv of `<service>-manage ARGS` with this interpreter (works without the venv on PATH)."""
    return [sys.executable, "-m", f"{service}.project.manage", *args]


@dataclass(frozen=True)
class Command:
    label: str          # e.g. "pithos-manage migrate": how errors name it
    argv: list[str]
    stdin: str | None = None


def error_line(output: str) -> str:
    """The line that explains a failure: an `error:` line if any, else the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.lower().startswith(("error:", "commanderror:")):
            return line
    return lines[-1] if lines else "(no output)"


def run_all(layout: Layout, env: dict[str, str], commands: list[Command],
            timeout: float = 300.0) -> list[str]:
    """Run commands in parallel; return their stdout in order, or raise naming the first failure."""
    procs = []
    for command in commands:
        procs.append(subprocess.Popen(command.argv, cwd=layout.root, env=env, text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
    results: list[tuple[Command, int, str, str]] = []
    deadline = time.monotonic() + timeout
    try:
        for command, proc in zip(commands, procs, strict=True):
            try:
                out, err = proc.communicate(command.stdin, timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise DeployError(f"{command.label} did not finish within {timeout:.0f}s") from None
            results.append((command, proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with open(layout.log_file("bootstrap"), "a") as log:
            for command, code, _out, err in results:
                log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {command.label} (exit {code})\n")
                # stdout may carry tokens and passwords: only stderr goes to the log.
                log.write(err)
    for command, code, _out, err in results:
        if code != 0:
            raise DeployError(f"{command.label} failed: {error_line(err)}")
    return [out for _command, _code, out, _err in results]
