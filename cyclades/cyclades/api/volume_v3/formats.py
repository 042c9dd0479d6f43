"""Cinder v3 representations of volumes, snapshots and volume types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest

from cyclades.api.public_url import base_url
from cyclades.volume.models import Snapshot, Volume, VolumeType


def isotime(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def links(request: HttpRequest, project_id: str, collection: str, item_id: Any) -> list[dict]:
    base = base_url(request)
    return [{"rel": "self", "href": f"{base}/volume/v3/{project_id}/{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{base}/volume/{project_id}/{collection}/{item_id}"}]


def device_name(index: int | None) -> str | None:
    """Where the guest sees the disk (virtio: vda is the first disk)."""
    if index is None or index < 0 or index > 25:
        return None
    return "/dev/vd" + "abcdefghijklmnopqrstuvwxyz"[index]


def attachment(volume: Volume) -> dict[str, Any]:
    return {"id": str(volume.uuid), "attachment_id": str(volume.uuid),
            "volume_id": str(volume.uuid), "server_id": str(volume.server_id),
            "host_name": None, "device": device_name(volume.index),
            "attached_at": isotime(volume.updated)}


def volume_brief(request: HttpRequest, project_id: str, volume: Volume) -> dict[str, Any]:
    return {"id": str(volume.uuid), "name": volume.name,
            "links": links(request, project_id, "volumes", volume.uuid)}


def volume_detail(request: HttpRequest, project_id: str, volume: Volume) -> dict[str, Any]:
    snapshot_id = volume.source[len("snapshot:"):] if volume.source.startswith("snapshot:") \
        else None
    image_id = volume.source[len("image:"):] if volume.source.startswith("image:") else None
    attached = volume.server_id is not None and volume.status in ("in-use", "detaching")
    data = {
        **volume_brief(request, project_id, volume),
        "description": volume.description or None,
        "size": volume.size,
        "status": volume.status,
        "volume_type": volume.volume_type.name,
        "availability_zone": "nova",
        "bootable": "true" if volume.boot or image_id else "false",
        "encrypted": False,
        "multiattach": False,
        "attachments": [attachment(volume)] if attached else [],
        "metadata": {},
        "snapshot_id": snapshot_id,
        "source_volid": None,
        "consistencygroup_id": None,
        "replication_status": None,
        "user_id": volume.owner,
        "os-vol-tenant-attr:tenant_id": volume.project,
        "created_at": isotime(volume.created),
        "updated_at": isotime(volume.updated),
    }
    if image_id:
        data["volume_image_metadata"] = {"image_id": image_id}
    if volume.fault:
        data["SNF:fault"] = volume.fault
    return data


def snapshot_dict(snapshot: Snapshot, *, detail: bool = True) -> dict[str, Any]:
    data = {"id": str(snapshot.uuid), "name": snapshot.name or None,
            "description": snapshot.description or None, "volume_id": snapshot.volume_uuid,
            "size": snapshot.size, "status": snapshot.status, "metadata": {},
            "created_at": isotime(snapshot.created), "updated_at": isotime(snapshot.updated)}
    if detail:
        data["os-extended-snapshot-attributes:project_id"] = snapshot.project
        data["os-extended-snapshot-attributes:progress"] = \
            "100%" if snapshot.status == "available" else "0%"
        # The owner's Pithos file of the snapshot: register it as an image by location.
        data["SNF:pithos_location"] = snapshot.pithos_location or None
    return data


def type_dict(volume_type: VolumeType) -> dict[str, Any]:
    return {"id": str(volume_type.id), "name": volume_type.name,
            "description": volume_type.description or None, "is_public": True,
            "os-volume-type-access:is_public": True,
            "extra_specs": {"disk_template": volume_type.disk_template}}
