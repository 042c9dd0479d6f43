"""Volume snapshots: on Archipelago a read-only copy of the volume's map (no data copied).

Other disk templates have no way to freeze a Ganeti disk through upstream RAPI
(Synnefo's original needed a patched Ganeti), so a snapshot of such a volume is a
clear 400. Publishing a snapshot to Pithos as an image is not done yet.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from typing import Any

from django.db import transaction

from cyclades.volume import archipelago
from cyclades.volume.models import Snapshot, Volume
from cyclades.volume.volumes import validate_text
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, ItemNotFound

log = logging.getLogger(__name__)


def snapshot_for(credentials: Credentials, ref: Any) -> Snapshot:
    try:
        key = uuidlib.UUID(str(ref))
    except ValueError:
        raise ItemNotFound(f"Snapshot {ref} not found.") from None
    found = Snapshot.objects.filter(uuid=key, owner=credentials.user_id, deleted=False).first()
    if found is None:
        raise ItemNotFound(f"Snapshot {ref} not found.")
    return found


def create_snapshot(credentials: Credentials, volume: Volume, *, name: Any = "",
                    description: Any = "", force: bool = False) -> Snapshot:
    name, description = validate_text(name, "name"), validate_text(description, "description")
    template = volume.volume_type.disk_template
    if not archipelago.supported(template):
        raise BadRequest(f"Snapshots are supported only for Archipelago volumes; volume "
                         f"{volume.uuid} is {template}.")
    if volume.status not in ("available", "in-use"):
        raise Conflict(f"Volume {volume.uuid} is {volume.status}.")
    if volume.status == "in-use" and not force:
        raise BadRequest(f"Volume {volume.uuid} is in use: pass force=true to snapshot it "
                         "while attached (crash-consistent).")
    snapshot = Snapshot.objects.create(
        owner=credentials.user_id, project=volume.project, volume=volume,
        volume_uuid=str(volume.uuid), name=name, description=description, size=volume.size,
        disk_template=template, status="creating")
    map_name = f"snapshot-{snapshot.uuid}"
    try:
        archipelago.freeze(volume, map_name)
    except Exception:
        snapshot.delete()
        raise
    snapshot.status, snapshot.map_name = "available", map_name
    snapshot.save(update_fields=["status", "map_name", "updated"])
    log.info("snapshot %s of volume %s: map %s", snapshot.uuid, volume.uuid, map_name)
    return snapshot


def update_snapshot(snapshot: Snapshot, *, name: Any = None, description: Any = None) -> Snapshot:
    if name is not None:
        snapshot.name = validate_text(name, "name")
    if description is not None:
        snapshot.description = validate_text(description, "description")
    snapshot.save(update_fields=["name", "description", "updated"])
    return snapshot


def delete_snapshot(snapshot: Snapshot) -> None:
    """Forget the snapshot and its map; volumes cloned from it keep their own maps."""
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status not in ("available", "error"):
            raise Conflict(f"Snapshot {locked.uuid} is {locked.status}.")
        if locked.map_name and Volume.objects.filter(
                origin=f"snapshot:{locked.map_name}", deleted=False).exists():
            raise Conflict(f"Snapshot {locked.uuid} has volumes that start from it.")
        locked.status, locked.deleted = "deleted", True
        locked.save(update_fields=["status", "deleted", "updated"])
    if locked.map_name:
        archipelago.remove_map_quietly(locked.map_name)
