"""Build tiny ext4 images at test time (mkfs.ext4 -d copies a directory in, no mount)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SHADOW = "root:*:19000:0:99999:7:::\nuser:!:19000:0:99999:7:::\n"
PASSWD = "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"
GROUP = "root:x:0:\nshadow:x:42:\nuser:x:1000:\n"

needs_e2fsprogs = pytest.mark.skipif(
    not (shutil.which("mkfs.ext4") and shutil.which("debugfs")),
    reason="e2fsprogs (mkfs.ext4, debugfs) not installed on this machine")


def build_tree(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "root").mkdir()
    (root / "etc" / "hostname").write_text("localhost\n")
    (root / "etc" / "shadow").write_text(SHADOW)
    (root / "etc" / "passwd").write_text(PASSWD)
    (root / "etc" / "group").write_text(GROUP)
    return root


def make_ext4_image(path: Path, tree: Path, size_mib: int = 8) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(size_mib * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0", "-d", str(tree), str(path)],
                   check=True, capture_output=True)
    return path


def debugfs_cat(image: Path, path: str, offset: int = 0) -> bytes:
    target = f"{image}?offset={offset}" if offset else str(image)
    return subprocess.run(["debugfs", "-R", f"cat {path}", target], check=True,
                          capture_output=True).stdout


def debugfs_stat(image: Path, path: str, offset: int = 0) -> str:
    target = f"{image}?offset={offset}" if offset else str(image)
    return subprocess.run(["debugfs", "-R", f"stat {path}", target], check=True,
                          capture_output=True, env={"DEBUGFS_PAGER": "__none__", "PATH":
                                                    "/usr/sbin:/usr/bin:/sbin:/bin"}).stdout.decode()
