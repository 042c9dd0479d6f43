"""Rows the volume commands print."""

from __future__ import annotations

from cyclades.volume.models import Volume, VolumeType


def type_row(volume_type: VolumeType) -> dict:
    return {"id": volume_type.id, "name": volume_type.name,
            "disk_template": volume_type.disk_template,
            "description": volume_type.description, "deleted": volume_type.deleted}


def volume_row(volume: Volume) -> dict:
    return {"id": str(volume.uuid), "owner": volume.owner, "name": volume.name,
            "size": volume.size, "type": volume.volume_type.name, "status": volume.status,
            "server": volume.server_id, "index": volume.index, "boot": volume.boot}
