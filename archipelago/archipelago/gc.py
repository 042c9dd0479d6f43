"""Garbage collection of blocks in a store shared by volumes and Pithos.

Mark: a block is live when a volume or snapshot map names it, when any other
map in the store that reads as a hashmap names it (Pithos images published as
maps), when it is the empty block, or when the caller says so (`referenced`:
Pithos passes the blocks of every object version it keeps, which live in its
database, not in the store).

Sweep: an unmarked block is first *condemned* (the time is kept in the store
map `gc/condemned`) and deleted only by a later run at least `grace_seconds`
after that, if it is still unmarked and, where the driver can tell (the
filesystem store: the file's mtime), was not written during the grace period
either. Volume maps are read again right before deleting, so a clone made
during the scan keeps its blocks. The window this leaves is a writer that
stored a block and has not yet saved the map naming it for longer than the
grace period; the NBD server saves its map whenever it stores blocks, so keep
the grace well above a Pithos upload's duration (the default is a day).

A store that cannot list its maps gets nothing deleted (GcRefused).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from archipelago import mapper
from archipelago.blockstore.base import BlockNotFound, BlockStore, BlockStoreError
from archipelago.hashmaps import parse_hashmap
from snf_common import hashing

log = logging.getLogger(__name__)

STATE_MAP = "gc/condemned"
DEFAULT_GRACE_SECONDS = 86400.0
SKIPPED_MAP_PREFIXES = ("gc/", "extstorage-info/")


class GcRefused(Exception):
    """The collector cannot see every reference, so it deletes nothing."""


@dataclass
class GcReport:
    scanned: int = 0
    referenced: int = 0
    condemned: int = 0       # newly condemned in this run
    waiting: int = 0         # condemned earlier, grace not over yet
    deleted: int = 0
    deleted_bytes: int = 0
    dry_run: bool = False
    deleted_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["deleted_names"] = out["deleted_names"][:100]
        return out


def _hashmap_names(data: bytes) -> list[str]:
    """Block names a non-volume map holds, if it reads as a hashmap (else none)."""
    try:
        return parse_hashmap(data)
    except (mapper.VolumeError, ValueError):
        return []


def marked_blocks(store: BlockStore, referenced: Iterable[str] = ()) -> set[str]:
    """Every block something points at (see the module docstring)."""
    names = set(referenced)
    names.add(hashing.empty_hash(store.hash_algorithm).hex())
    try:
        map_names = list(store.iter_map_names())
    except NotImplementedError as exc:
        raise GcRefused(f"the block store cannot list its maps ({exc})") from None
    for map_name in map_names:
        if map_name.startswith(SKIPPED_MAP_PREFIXES):
            continue
        try:
            data = store.get_map(map_name)
        except BlockNotFound:
            continue  # removed while we listed
        if data.startswith(mapper.MAP_MAGIC):
            names.update(mapper.VolumeMap.from_bytes(data).hex_hashes())
        else:
            names.update(_hashmap_names(data))
    return names


def _block_mtime(store: BlockStore, name: str) -> float | None:
    """When the block was stored, for drivers that keep it (the filesystem store)."""
    block_path = getattr(store, "_block_path", None)
    if block_path is None:
        return None
    try:
        return os.stat(block_path(name)).st_mtime
    except OSError:
        return None


def _load_state(store: BlockStore) -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(store.get_map(STATE_MAP)).items()}
    except BlockNotFound:
        return {}
    except (ValueError, AttributeError):
        log.warning("unreadable %s; starting the grace periods again", STATE_MAP)
        return {}


def collect(store: BlockStore, *, grace_seconds: float = DEFAULT_GRACE_SECONDS,
            referenced: Iterable[str] = (), dry_run: bool = False,
            now: float | None = None) -> GcReport:
    """One mark-and-sweep pass; see the module docstring for the rules."""
    now = time.time() if now is None else now
    report = GcReport(dry_run=dry_run)
    extra = set(referenced)
    marked = marked_blocks(store, extra)
    previous = _load_state(store)
    state: dict[str, float] = {}
    doomed: list[str] = []
    for name in list(store.iter_block_names()):
        report.scanned += 1
        if name in marked:
            report.referenced += 1
            continue
        since = previous.get(name)
        if since is None:
            state[name] = now
            report.condemned += 1
            continue
        state[name] = since
        stored_at = _block_mtime(store, name)
        if now - since < grace_seconds or (stored_at is not None
                                           and now - stored_at < grace_seconds):
            report.waiting += 1
            continue
        doomed.append(name)
    if doomed:
        # Maps made during the scan (a clone of an image, a flushed volume) win.
        again = marked_blocks(store, extra)
        doomed = [n for n in doomed if n not in again]
    for name in doomed:
        state.pop(name, None)
        report.deleted += 1
        report.deleted_names.append(name)
        if dry_run:
            continue
        try:
            report.deleted_bytes += len(store.get_block(name))
        except BlockStoreError:
            pass
        store.delete_block(name)
    if not dry_run:
        store.put_map(STATE_MAP, json.dumps(state, sort_keys=True).encode())
    return report


def read_referenced(path: str) -> set[str]:
    """Names from a file: a JSON list, or one name per line ("-" for stdin)."""
    import sys

    text = sys.stdin.read() if path == "-" else open(path).read()
    if text.lstrip().startswith("["):
        return {str(n) for n in json.loads(text)}
    return {line.strip() for line in text.splitlines() if line.strip()}
