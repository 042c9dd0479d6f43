"""Garbage collection of blocks no version references.

Safe beside running uploads: a block is removed only when it is unreferenced,
was first found unreferenced ("condemned") at least `grace` seconds ago, and
was not stored or referenced (touched) since. Uploads touch every block they
store or point at, and commits re-check that their blocks exist under the lock.

The block store is shared with Archipelago: volumes, snapshots and published
image hashmaps are maps in the same store that name blocks no Pithos object may
name any more (a volume cloned from an image that was then deleted). Every block a
map names counts as referenced (archipelago.gc.marked_blocks reads them all), and
the maps are read again right before deleting, so a volume created during the
scan keeps its blocks. A store that cannot list its maps gets nothing deleted.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from archipelago import gc as archipelago_gc
from archipelago.blockstore import BlockStore
from pithos.objects import blocks
from pithos.objects.models import BlockTouch, Version

log = logging.getLogger(__name__)


@dataclass
class GcReport:
    scanned: int = 0
    referenced: int = 0
    condemned: int = 0
    deleted: int = 0
    deleted_bytes: int = 0


class GcRefused(Exception):
    """Collection cannot tell which blocks volumes use, so it deletes nothing."""


def version_blocks() -> set[str]:
    names: set[str] = {blocks.empty_block_name()}
    for hashes in Version.objects.values_list("hashes", flat=True).iterator(chunk_size=2000):
        names.update(json.loads(hashes))
    return names


def volume_blocks(store: BlockStore) -> set[str]:
    """Blocks the maps in the same store point at: Archipelago volumes and snapshots,
    and hashmaps published there (Cyclades' images)."""
    try:
        return archipelago_gc.marked_blocks(store)
    except (archipelago_gc.GcRefused, NotImplementedError) as exc:
        raise GcRefused(f"{exc}; blocks shared with volumes would be lost") from None


def referenced_blocks(store: BlockStore | None = None) -> set[str]:
    store = store or blocks.get_store()
    return version_blocks() | volume_blocks(store)


def collect(*, grace_seconds: float, dry_run: bool = False) -> GcReport:
    store = blocks.get_store()
    report = GcReport()
    now = time.time()
    referenced = referenced_blocks(store)
    doomed: list[str] = []
    for name in list(store.iter_block_names()):
        report.scanned += 1
        if name in referenced:
            report.referenced += 1
            continue
        touch = BlockTouch.objects.filter(name=name).values_list("touched", flat=True).first()
        condemned = _condemned_at(name)
        if touch is not None and touch > now - grace_seconds:
            continue  # an upload stored or named it recently
        if condemned is None or (touch is not None and touch >= condemned):
            report.condemned += 1
            if not dry_run:
                _condemn(name, now)
            continue
        if condemned > now - grace_seconds:
            continue
        doomed.append(name)
    if doomed:
        # volumes created or cloned while we scanned (they do not touch blocks)
        in_volumes = volume_blocks(store)
        doomed = [n for n in doomed if n not in in_volumes]
    for name in doomed:
        # last look right before deleting: a commit may have started using it
        if Version.objects.filter(hashes__contains=name).exists():
            continue
        if dry_run:
            report.deleted += 1
            continue
        try:
            report.deleted_bytes += len(store.get_block(name))
        except Exception:  # already gone: nothing to measure
            pass
        store.delete_block(name)
        BlockTouch.objects.filter(name__in=[name, "gc:" + name]).delete()
        report.deleted += 1
        log.info("gc deleted block %s", name)
    return report


# Condemnation marks share the BlockTouch table under a prefixed name:
# name "gc:<block>" -> when it was first seen unreferenced.
def _condemned_at(name: str) -> float | None:
    return BlockTouch.objects.filter(name="gc:" + name).values_list("touched", flat=True).first()


def _condemn(name: str, when: float) -> None:
    BlockTouch.objects.update_or_create(name="gc:" + name, defaults={"touched": when})
