"""Edit an ext2/3/4 filesystem inside an image with e2fsprogs, never mounting it.

debugfs opens the filesystem as a file (at a byte offset for a partition), so
the host kernel never parses untrusted filesystem metadata: that is the
isolation this OS definition offers without a helper VM.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import PurePosixPath


class ExtFsError(Exception):
    """debugfs, e2fsck or resize2fs failed."""


def _quote(path: str) -> str:
    if any(c in path for c in '"\n\r'):
        raise ExtFsError(f"unsupported character in path {path!r}")
    return f'"{path}"'


class ExtFs:
    def __init__(self, device: str, offset: int = 0):
        self.device = device
        self.offset = offset

    @property
    def target(self) -> str:
        return f"{self.device}?offset={self.offset}" if self.offset else self.device

    def debugfs(self, commands: list[str], write: bool = False) -> tuple[str, str]:
        """Run a debugfs script; returns (stdout, stderr). debugfs keeps going past a
        failing command, so callers check what they need (see `read`)."""
        with tempfile.NamedTemporaryFile("w", suffix=".debugfs", delete=False) as script:
            script.write("\n".join(commands) + "\n")
        try:
            args = ["debugfs", *(["-w"] if write else []), "-f", script.name, self.target]
            proc = subprocess.run(args, capture_output=True, timeout=120,
                                  env={**os.environ, "DEBUGFS_PAGER": "__none__"})
        finally:
            os.unlink(script.name)
        if proc.returncode != 0:
            raise ExtFsError(f"debugfs failed: {proc.stderr.decode(errors='replace')[-500:]}")
        return proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")

    def read(self, path: str) -> bytes | None:
        """A file's bytes, or None when it does not exist."""
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            self.debugfs([f"dump {_quote(path)} {out}"])
            if not os.path.exists(out):
                return None
            with open(out, "rb") as handle:
                return handle.read()

    def exists(self, path: str) -> bool:
        _out, err = self.debugfs([f"stat {_quote(path)}"])
        return "File not found" not in err

    def mkdirs(self, path: str, mode: int | None = None, uid: int = 0, gid: int = 0) -> None:
        """Create a directory and its missing parents (existing ones are kept as they are)."""
        parts = PurePosixPath(path).parts[1:]
        created = []
        for depth in range(1, len(parts) + 1):
            current = "/" + "/".join(parts[:depth])
            if not self.exists(current):
                created.append(current)
        if not created:
            return
        commands = []
        for directory in created:
            commands.append(f"mkdir {_quote(directory)}")
            commands.append(f"sif {_quote(directory)} uid {uid}")
            commands.append(f"sif {_quote(directory)} gid {gid}")
        if mode is not None:
            commands.append(f"sif {_quote(created[-1])} mode 040{mode:03o}")
        self.debugfs(commands, write=True)

    def write(self, path: str, data: bytes, mode: int = 0o644, uid: int = 0, gid: int = 0) -> None:
        """Create or replace a regular file with the given owner and permissions."""
        target = PurePosixPath(path)
        self.mkdirs(str(target.parent))
        with tempfile.NamedTemporaryFile(delete=False) as local:
            local.write(data)
        try:
            name = _quote(target.name)
            _out, err = self.debugfs([
                f"cd {_quote(str(target.parent))}",
                f"rm {name}",
                f"write {local.name} {name}",
                f"sif {name} mode 0{0o100000 | (mode & 0o7777):o}",
                f"sif {name} uid {uid}",
                f"sif {name} gid {gid}",
            ], write=True)
        finally:
            os.unlink(local.name)
        if self.read(path) != data:
            raise ExtFsError(f"writing {path} failed: {err.strip()[-300:]}")


def check_and_grow(device: str) -> None:
    """Check a whole-device filesystem, then grow it to fill the device (file or disk)."""
    fsck = subprocess.run(["e2fsck", "-f", "-y", device], capture_output=True, timeout=600)
    if fsck.returncode not in (0, 1):  # 1 = errors corrected
        raise ExtFsError(f"e2fsck failed ({fsck.returncode}): {fsck.stdout.decode()[-300:]}")
    grow = subprocess.run(["resize2fs", device], capture_output=True, timeout=600)
    if grow.returncode != 0:
        raise ExtFsError(f"resize2fs failed: {grow.stderr.decode()[-300:]}")
