"""The cluster's configuration (instances, networks, tags) in one JSON file,
replaced atomically on every change, guarded by one lock."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any


def now_ts() -> float:
    return round(time.time(), 6)


class ConfigStore:
    def __init__(self, path: Path, cluster_name: str, node_name: str):
        self.path = path
        self.lock = threading.RLock()
        if path.exists():
            self.data = json.loads(path.read_text())
        else:
            self.data = {
                "cluster": {"name": cluster_name, "uuid": str(uuid.uuid4()), "ctime": now_ts(),
                            "mtime": now_ts(), "tags": [], "serial_no": 1},
                "node": {"name": node_name, "uuid": str(uuid.uuid4())},
                "group": {"name": "default", "uuid": str(uuid.uuid4())},
                "instances": {},
                "networks": {},
                "macs": [],
            }
            self.save()

    @property
    def cluster(self) -> dict[str, Any]:
        return self.data["cluster"]

    @property
    def node(self) -> dict[str, Any]:
        return self.data["node"]

    @property
    def group(self) -> dict[str, Any]:
        return self.data["group"]

    @property
    def instances(self) -> dict[str, dict[str, Any]]:
        return self.data["instances"]

    @property
    def networks(self) -> dict[str, dict[str, Any]]:
        return self.data["networks"]

    def save(self) -> None:
        with self.lock:
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
