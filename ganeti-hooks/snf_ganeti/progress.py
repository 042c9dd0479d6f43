"""snf-progress-monitor: turn snf-image's progress events into build-progress messages.

Run as `python -m snf_ganeti.progress INSTANCE` (snf-image's PROGRESS_MONITOR).
It reads one JSON object per line on stdin:
  {"type": "image-copy-progress", "position": N, "total": N, "progress": 42.0}
  {"type": "image-info" | "image-error", "messages": [...]} (or "stderr": [...])
  {"type": "image-helper", "subtype": "task-start|task-end|warning|error|info",
   "task": "...", "messages": [...]}
and publishes each as `ganeti-create-progress` on ganeti.<prefix>.event.progress.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from snf_common.ganeti_events import BuildProgress, routing_key, to_json
from snf_ganeti import settings as gtools_settings
from snf_ganeti.jobfiles import read_ssconf
from snf_ganeti.notify import Notifier, notifier_from_settings

log = logging.getLogger("snf_ganeti.progress")

KNOWN_TYPES = ("image-copy-progress", "image-info", "image-error", "image-helper")


def _text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def parse_event(line: str, instance: str, cluster: str) -> BuildProgress | None:
    """One stdin line -> a message; None for blank or unusable lines."""
    line = line.strip()
    if not line:
        return None
    try:
        event = json.loads(line)
    except ValueError:
        # a stray text line is still worth showing to the operator
        return BuildProgress(instance=instance, cluster=cluster, subtype="image-info",
                             messages=[line])
    if not isinstance(event, dict) or event.get("type") not in KNOWN_TYPES:
        log.warning("ignoring progress event %r", line[:200])
        return None
    kind = event["type"]
    if kind == "image-copy-progress":
        progress = event.get("progress")
        if progress is None and event.get("total"):
            progress = 100.0 * float(event.get("position", 0)) / float(event["total"])
        return BuildProgress(instance=instance, cluster=cluster, subtype=kind,
                             progress=round(float(progress or 0.0), 2))
    messages = _text_list(event.get("messages")) + _text_list(event.get("stderr"))
    if kind == "image-helper":
        sub = event.get("subtype", "info")
        detail = event.get("task")
        messages = [f"{sub}: {detail}"] if detail else [f"{sub}: {m}" for m in messages] or [sub]
    return BuildProgress(instance=instance, cluster=cluster, subtype=kind, messages=messages)


def forward(lines: Iterable[str], instance: str, cluster: str, notifier: Notifier,
            prefix: str) -> int:
    count = 0
    key = routing_key(prefix, "progress")
    for line in lines:
        message = parse_event(line, instance, cluster)
        if message is not None:
            notifier.publish(key, to_json(message))
            count += 1
    return count


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m snf_ganeti.progress INSTANCE", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="snf-progress-monitor: %(message)s")
    conf = gtools_settings.load()
    notifier = notifier_from_settings(conf)
    try:
        cluster = conf["GTOOLS_CLUSTER_NAME"] or read_ssconf(
            Path(conf["GTOOLS_QUEUE_DIR"]).parent, "cluster_name") or ""
        forward(stdin or sys.stdin, argv[0], cluster, notifier,
                conf["GTOOLS_BACKEND_PREFIX"])
    finally:
        notifier.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
