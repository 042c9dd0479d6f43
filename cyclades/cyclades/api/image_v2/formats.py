"""Glance v2 representations of images and members."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cyclades.images.models import ImageMember, SystemImage


def isotime(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def image(request: HttpRequest, item: SystemImage) -> dict[str, Any]:
    """Core attributes plus the free-form properties at the top level (Glance v2)."""
    body: dict[str, Any] = {
        **{str(k): v for k, v in (item.properties or {}).items()},
        "id": str(item.id),
        "name": item.name or None,
        "status": item.status,
        "visibility": item.visibility,
        "protected": item.protected,
        "os_hidden": False,
        "checksum": item.checksum or None,
        "os_hash_algo": None,
        "os_hash_value": None,
        "owner": item.owner or None,
        "size": item.size if item.status == "active" else None,
        "virtual_size": None,
        "min_ram": item.min_ram,
        "min_disk": item.min_disk,
        "disk_format": item.format,
        "container_format": item.container_format,
        "tags": list(item.tags or []),
        "created_at": isotime(item.created),
        "updated_at": isotime(item.updated),
        "self": f"/v2/images/{item.id}",
        "file": f"/v2/images/{item.id}/file",
        "schema": "/v2/schemas/image",
    }
    if item.pithos_location and item.owner == request.credentials.user_id:
        # Only the owner learns where the file is (another user may not read it anyway).
        body["locations"] = [{"url": item.pithos_location, "metadata": {}}]
        body["direct_url"] = item.pithos_location
    return body


def member(entry: ImageMember) -> dict[str, Any]:
    return {"image_id": str(entry.image_id), "member_id": entry.member,
            "status": entry.status, "created_at": isotime(entry.created),
            "updated_at": isotime(entry.updated), "schema": "/v2/schemas/member"}
