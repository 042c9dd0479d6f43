"""Archipelago volumes seen from Cyclades: frozen maps in the block store the nodes share.

A Ganeti ExtStorage disk of provider `archipelago` is the map `<disk uuid>.ext.disk<i>`
(Ganeti's volume name). A snapshot is a read-only copy of that map (no data
copied); a new volume from a snapshot or an image is a copy-on-write clone made by
the provider's `create` from the `origin` disk parameter. Cyclades reaches the store
through CYCLADES_ARCHIPELAGO_BLOCKSTORE; without it snapshots are unsupported.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from snf_common.faults import BadRequest, Conflict, ServiceUnavailable

log = logging.getLogger(__name__)

CLONE_TEMPLATES = ("ext_archipelago", "ext_vlmc")
GIB = 1 << 30


def supported(disk_template: str) -> bool:
    return disk_template in CLONE_TEMPLATES


@contextlib.contextmanager
def blockstore() -> Iterator[Any]:
    from archipelago.blockstore import BlockStoreError, open_blockstore
    from archipelago.blockstore.config import parse_blockstore_spec

    spec = settings.CYCLADES_ARCHIPELAGO_BLOCKSTORE
    if not spec:
        raise BadRequest("Snapshots of Archipelago volumes are not enabled here "
                         "(CYCLADES_ARCHIPELAGO_BLOCKSTORE is not set).")
    try:
        store = open_blockstore(parse_blockstore_spec(spec))
    except (BlockStoreError, OSError, ValueError) as exc:
        raise ServiceUnavailable(f"The Archipelago block store is unreachable: {exc}") from None
    with store:
        yield store


def disk_map_name(store: Any, disk_uuid: str) -> str | None:
    """The map of the Ganeti disk with this uuid (`<uuid>.ext.disk<index>`)."""
    from archipelago import mapper

    prefix = f"{disk_uuid}.ext."
    return next((n for n in mapper.list_names(store) if n.startswith(prefix)), None)


def freeze(volume: Any, name: str) -> None:
    """Write the read-only map `name` holding the volume's current content."""
    from archipelago import mapper
    from archipelago.extprovider.origin import create_volume, parse_origin
    from archipelago.mapper import VolumeError

    with blockstore() as store:
        try:
            if volume.server_id is not None and volume.status == "in-use":
                if not volume.backend_disk_uuid:
                    raise Conflict(f"The disk of volume {volume.uuid} is not known yet; "
                                   "retry in a moment.")
                source = disk_map_name(store, volume.backend_disk_uuid)
                if source is None:
                    raise Conflict(f"The disk of volume {volume.uuid} is not in the block store.")
                mapper.snapshot(store, source, name)
                return
            # Not attached: its content is what its next disk would start from.
            frozen = create_volume(store, name, volume.size * GIB, parse_origin(volume.origin))
            frozen.readonly = True
            mapper.save(store, frozen)
        except VolumeError as exc:
            raise Conflict(f"Cannot snapshot volume {volume.uuid}: {exc}") from None


def freeze_for_detach(volume: Any) -> str:
    """Keep a detached Archipelago volume's data: freeze its disk map before Ganeti
    removes the disk; the next attach clones the frozen map. '' for other templates."""
    if not supported(volume.volume_type.disk_template):
        return ""
    name = f"detached-{volume.uuid}-{time.time_ns()}"
    freeze(volume, name)
    return name


def remove_map_quietly(name: str) -> None:
    from archipelago import mapper

    try:
        with blockstore() as store:
            if mapper.exists(store, name):
                mapper.remove(store, name)
    except Exception as exc:  # a leftover map costs only its size; GC is separate
        log.warning("could not remove archipelago map %s: %s", name, exc)
