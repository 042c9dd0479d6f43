"""Reading a Pithos hashmap kept as a named map in the block store (an image that
volumes clone, a map the garbage collector must honour)."""

from __future__ import annotations

import json

from archipelago.mapper import VolumeError


def parse_hashmap(data: bytes) -> list[str]:
    """Block names of a stored map: JSON (a list, or {"hashes": [...]}) or
    concatenated raw sha256 digests (Pithos' and Archipelago v0's format)."""
    # Raw digests are binary: their first byte is '[' or '{' about once in a hundred
    # maps, so JSON is only a first guess and raw digests the fallback.
    if data[:1] in (b"[", b"{"):
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            doc = doc.get("hashes") or doc.get("blocks") or []
        if isinstance(doc, list):
            return [str(h) for h in doc]
    if len(data) % 32:
        raise VolumeError("map is neither JSON nor raw 32-byte digests")
    return [data[i:i + 32].hex() for i in range(0, len(data), 32)]
