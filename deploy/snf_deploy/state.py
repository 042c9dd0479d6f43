"""Where a deployment keeps its files, and which ports it uses."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PORT_BASE = 8700
SERVICES = ("astakos", "pithos", "cyclades")
# Offsets from the port base (the project-wide convention).
PORT_OFFSETS = {"astakos": 0, "pithos": 1, "cyclades": 2, "rapi": 3, "console": 4}


@dataclass(frozen=True)
class Ports:
    base: int

    def of(self, name: str) -> int:
        return self.base + PORT_OFFSETS[name]

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.of(service)}"

    @property
    def identity_url(self) -> str:
        return f"{self.url('astakos')}/identity/v3"


@dataclass(frozen=True)
class Layout:
    """The state directory: settings, databases, pid files, logs, client configs."""

    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def demo_json(self) -> Path:
        return self.root / "demo.json"

    @property
    def deploy_json(self) -> Path:
        return self.root / "deploy.json"

    @property
    def clouds_yaml(self) -> Path:
        return self.root / "clouds.yaml"

    @property
    def kamakirc(self) -> Path:
        return self.root / "kamakirc"

    def pid_file(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.log / f"{name}.log"

    def create(self) -> None:
        for folder in (self.root, self.etc, self.run, self.log):
            folder.mkdir(parents=True, exist_ok=True)
        # Settings hold secrets (service tokens, database passwords).
        os.chmod(self.etc, 0o700)


def resolve_state_dir(arg: str | None) -> Path:
    """--state-dir, else $SNF_STATE_DIR, else ./var; always absolute."""
    return Path(arg or os.environ.get("SNF_STATE_DIR") or "./var").resolve()


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        return {}


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically (rename over the old one)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def saved_port_base(layout: Layout) -> int | None:
    value = read_json(layout.deploy_json).get("port_base")
    return int(value) if value is not None else None


def choose_ports(layout: Layout, arg: int | None) -> Ports:
    """--port-base, else what the last `up` in this state dir used, else 8700."""
    if arg is not None:
        return Ports(arg)
    return Ports(saved_port_base(layout) or DEFAULT_PORT_BASE)


PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password(length: int = 20) -> str:
    """A random password of letters and digits: safe on any command line (no leading '-',
    no shell metacharacters) and still ~115 bits at the default length."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
