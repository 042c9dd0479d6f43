"""Block hashes of local files, kept between runs so an unchanged file is not hashed again.

An entry is trusted while the file's (device, inode, size, mtime in ns) stay the same,
the rule rsync uses to skip files; a write to the file changes its mtime. Entries
are small JSON files named by the hash of the file's absolute path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def stamp_of(path: str) -> list[int]:
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


class HashCache:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _entry(self, path: str) -> Path:
        name = hashlib.sha256(os.path.abspath(path).encode()).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get(self, path: str, block_size: int, algorithm: str) -> list[str] | None:
        try:
            entry = json.loads(self._entry(path).read_text())
            current = stamp_of(path)
        except (OSError, ValueError):
            return None
        if (entry.get("stamp") != current or entry.get("block_size") != block_size
                or entry.get("algorithm") != algorithm):
            return None
        hashes = entry.get("hashes")
        return hashes if isinstance(hashes, list) else None

    def put(self, path: str, block_size: int, algorithm: str, hashes: list[str],
            stamp: list[int]) -> None:
        """Remember `hashes`, computed when the file had `stamp`, if it still has it."""
        try:
            if stamp_of(path) != stamp:
                return  # changed while it was hashed: nothing trustworthy to keep
            entry = self._entry(path)
            entry.parent.mkdir(parents=True, exist_ok=True)
            import tempfile  # only writers pay for it: kamaki starts for every command

            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "w") as out:
                json.dump({"path": os.path.abspath(path), "stamp": stamp,
                           "block_size": block_size, "algorithm": algorithm,
                           "hashes": hashes}, out)
            os.replace(tmp, entry)
        except OSError as exc:  # a cache that cannot be written only costs time
            log.debug("hash cache: cannot store %s: %s", path, exc)

    def forget(self, path: str) -> None:
        try:
            self._entry(path).unlink()
        except OSError:
            pass
