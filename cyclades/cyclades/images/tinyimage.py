"""A tiny real Linux root filesystem image, built without root and without mounting.

`build_tiny_image` makes an ext4 filesystem (mkfs.ext4 -d) holding the files snf-image
customises (/etc/passwd, group, shadow, hostname, /root). It is a `diskdump` of a
whole-disk filesystem: snf-image copies it, grows it to the disk, sets the hostname and
the root password. There is no kernel inside, which is all a development cluster
needs; real clouds register real images the same way. No Django here: tests and
tools import it as it is.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TINY_IMAGE_MIB = 16
ETC_FILES = {
    "passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "group": "root:x:0:\nshadow:x:42:\n",
    "shadow": "root:*:19000:0:99999:7:::\n",
    "hostname": "tiny\n",
    "os-release": 'NAME="Synnefo tiny"\nID=synnefo-tiny\n',
}

def build_tiny_image(target: Path, size_mib: int = TINY_IMAGE_MIB,
                     extra_files: dict[str, str] | None = None) -> Path:
    """An ext4 filesystem image at `target` populated from a small tree (plus
    `extra_files`, {"relative/path": text})."""
    mkfs = shutil.which("mkfs.ext4") or "/sbin/mkfs.ext4"
    with tempfile.TemporaryDirectory(prefix="snf-tiny-") as tmp:
        tree = Path(tmp)
        (tree / "etc").mkdir()
        (tree / "root").mkdir(mode=0o700)
        for name in ("bin", "tmp", "var", "home"):
            (tree / name).mkdir()
        for name, text in ETC_FILES.items():
            (tree / "etc" / name).write_text(text)
        (tree / "etc" / "shadow").chmod(0o640)
        for relative, text in (extra_files or {}).items():
            path = tree / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        with open(target, "wb") as handle:
            handle.truncate(size_mib * 1024 * 1024)
        subprocess.run([mkfs, "-q", "-F", "-L", "root", "-d", str(tree), str(target)],
                       check=True, capture_output=True, timeout=60)
    return target
