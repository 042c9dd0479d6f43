"""Progress events for the PROGRESS_MONITOR command (one JSON object per line on its
stdin, with the instance name as its argument), mirrored to stderr for Ganeti's OS log."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from typing import Any

COPY_REPORT_STEP_PERCENT = 5.0


class Reporter:
    def __init__(self, command: str | None, instance: str):
        self.instance = instance
        self._proc: subprocess.Popen | None = None
        self._last_percent = -COPY_REPORT_STEP_PERCENT
        if command:
            self._proc = subprocess.Popen(f"{command} {shlex.quote(instance)}", shell=True,
                                          stdin=subprocess.PIPE, text=True)

    def send(self, event: dict[str, Any]) -> None:
        if self._proc is None or self._proc.stdin is None:
            return
        try:
            self._proc.stdin.write(json.dumps(event) + "\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            self._proc = None  # the monitor died: deployment goes on without it

    def info(self, message: str) -> None:
        print(f"snf-image: {message}", file=sys.stderr, flush=True)
        self.send({"type": "image-info", "messages": [message]})

    def error(self, message: str) -> None:
        print(f"snf-image: ERROR {message}", file=sys.stderr, flush=True)
        self.send({"type": "image-error", "messages": [message]})

    def task(self, subtype: str, text: str) -> None:
        print(f"snf-image: {subtype} {text}", file=sys.stderr, flush=True)
        key = "task" if subtype in ("task-start", "task-end") else "messages"
        self.send({"type": "image-helper", "subtype": subtype,
                   key: text if key == "task" else [text]})

    def copy_progress(self, position: int, total: int) -> None:
        percent = 100.0 * position / total if total else 100.0
        if percent - self._last_percent < COPY_REPORT_STEP_PERCENT and position < total:
            return
        self._last_percent = percent
        self.send({"type": "image-copy-progress", "position": position, "total": total,
                   "progress": round(percent, 2)})

    def close(self, timeout: float = 30.0) -> None:
        if self._proc is None:
            return
        try:
            if self._proc.stdin:
                self._proc.stdin.close()
            self._proc.wait(timeout=timeout)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self._proc.kill()
        self._proc = None
