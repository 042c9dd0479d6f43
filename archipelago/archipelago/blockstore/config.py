"""Block store configuration from one string (CLI option, environment, settings).

Accepted forms:
    /srv/archip  or  file:/srv/archip         filesystem driver at that path
    rados:POOL?conffile=/etc/ceph/ceph.conf&client=client.archip&block_namespace=blocks&map_namespace=maps
    memory:                                    in-process (tests, experiments)
    {"BACKEND": "...", "OPTIONS": {...}}        the full dictionary, as JSON
    @/etc/archipelago/blockstore.json           that JSON, read from a file
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from archipelago.blockstore.base import BlockStoreError

BACKENDS = {
    "file": "archipelago.blockstore.filesystem.FilesystemBlockStore",
    "rados": "archipelago.blockstore.rados.RadosBlockStore",
    "memory": "archipelago.blockstore.memory.MemoryBlockStore",
}
_INT_OPTIONS = {"connect_timeout_seconds", "op_timeout_seconds", "max_inflight", "io_threads"}
_BOOL_OPTIONS = {"fsync"}


def _typed(key: str, value: str) -> Any:
    if key in _INT_OPTIONS:
        return int(value)
    if key in _BOOL_OPTIONS:
        return value.lower() in ("1", "true", "yes", "on")
    return value


def parse_blockstore_spec(spec: str) -> dict[str, Any]:
    """The {"BACKEND", "OPTIONS"} dictionary a spec string describes."""
    spec = spec.strip()
    if not spec:
        raise BlockStoreError("empty block store specification")
    if spec.startswith("{"):
        return json.loads(spec)
    if spec.startswith("@"):
        with open(spec[1:]) as f:
            return json.load(f)
    if spec.startswith("/") or spec.startswith("."):
        return {"BACKEND": BACKENDS["file"], "OPTIONS": {"path": spec}}
    scheme, _, rest = spec.partition(":")
    if scheme not in BACKENDS:
        raise BlockStoreError(f"unknown block store {spec!r} (file:, rados:, memory:, JSON or @file)")
    parts = urlsplit(spec)
    options = {k: _typed(k, v) for k, v in parse_qsl(parts.query)}
    target = unquote(parts.netloc + parts.path) if parts.netloc else unquote(parts.path)
    if scheme == "file":
        options["path"] = target
    elif scheme == "rados":
        options["pool"] = target.strip("/")
        if not options["pool"]:
            raise BlockStoreError("rados: needs a pool, e.g. rados:archipelago")
    return {"BACKEND": BACKENDS[scheme], "OPTIONS": options}
