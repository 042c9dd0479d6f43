"""/volume/v3/{project_id}/volumes[/detail][/{id}]."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.volume_v3 import formats
from cyclades.api.volume_v3.versions import volume_view
from cyclades.volume import snapshots, volume_types, volumes
from cyclades.volume.models import Volume
from snf_common.django.auth import json_body
from snf_common.faults import BadRequest


def _section(request: HttpRequest, key: str) -> dict[str, Any]:
    body = json_body(request)
    data = body.get(key) if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise BadRequest(f"Request body must be {{\"{key}\": {{...}}}}.")
    return data


def _listing(request: HttpRequest):
    query = (Volume.objects.filter(owner=request.credentials.user_id, deleted=False)
             .select_related("volume_type").order_by("id"))
    if request.GET.get("status"):
        query = query.filter(status=request.GET["status"])
    if request.GET.get("name"):
        query = query.filter(name=request.GET["name"])
    limit = settings.CYCLADES_LIST_LIMIT
    raw = request.GET.get("limit")
    if raw is not None:
        # as the compute listings: a malformed limit is refused, never ignored
        if not raw.isdigit():
            raise BadRequest("limit must be a non-negative integer.")
        limit = min(limit, int(raw))
    marker = request.GET.get("marker")
    if marker:
        query = query.filter(id__gt=volumes.volume_for(request.credentials, marker).id)
    return list(query[:limit])


def _image(request: HttpRequest, ref: Any):
    from cyclades.images.models import SystemImage

    key = str(ref).rstrip("/").rsplit("/", 1)[-1]
    try:
        image = SystemImage.objects.filter(pk=key, deleted=False).first()
    except Exception:  # not a uuid
        image = None
    if image is None or not (image.public or image.owner == request.credentials.user_id):
        raise BadRequest(f"Invalid imageRef {ref}.")
    return image


@volume_view(("GET", "POST"))
def collection(request: HttpRequest, project_id: str) -> JsonResponse:
    if request.method == "GET":
        return JsonResponse({"volumes": [formats.volume_brief(request, project_id, v)
                                         for v in _listing(request)]})
    data = _section(request, "volume")
    if data.get("source_volid"):
        raise BadRequest("Cloning a volume (source_volid) is not supported; "
                         "snapshot it and create from the snapshot.")
    if data.get("multiattach"):
        raise BadRequest("Multi-attach volumes are not supported.")
    image_ref = data.get("imageRef") or data.get("image_id")
    type_ref = data.get("volume_type")
    volume = volumes.create_volume(
        request.credentials, size=data.get("size"), name=data.get("name"),
        description=data.get("description"),
        volume_type=volume_types.type_for(type_ref) if type_ref else None,
        image=_image(request, image_ref) if image_ref else None,
        snapshot=snapshots.snapshot_for(request.credentials, data["snapshot_id"])
        if data.get("snapshot_id") else None)
    return JsonResponse({"volume": formats.volume_detail(request, project_id, volume)},
                        status=202)


@volume_view(("GET",))
def detail(request: HttpRequest, project_id: str) -> JsonResponse:
    return JsonResponse({"volumes": [formats.volume_detail(request, project_id, v)
                                     for v in _listing(request)]})


@volume_view(("GET", "PUT", "DELETE"))
def item(request: HttpRequest, project_id: str, volume_id: str) -> HttpResponse:
    volume = volumes.volume_for(request.credentials, volume_id)
    if request.method == "DELETE":
        volumes.delete_volume(volume)
        return HttpResponse(status=202)
    if request.method == "PUT":
        data = _section(request, "volume")
        volume = volumes.update_volume(volume, name=data.get("name"),
                                       description=data.get("description"))
    return JsonResponse({"volume": formats.volume_detail(request, project_id, volume)})


@volume_view(("POST",))
def action(request: HttpRequest, project_id: str, volume_id: str) -> JsonResponse:
    """Cinder volume actions: os-volume_upload_image (Archipelago volume -> image),
    os-extend (grow; a Ganeti grow job when attached)."""
    from cyclades.volume import publish

    volume = volumes.volume_for(request.credentials, volume_id)
    body = json_body(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("Request body must be one action: {\"<action>\": {...}}.")
    (name, data), = body.items()
    if not isinstance(data, dict):
        raise BadRequest(f"{name} takes an object.")
    if name == "os-volume_upload_image":
        image = publish.volume_to_image(
            request.credentials, volume, name=data.get("image_name"),
            disk_format=data.get("disk_format"),
            container_format=data.get("container_format"),
            visibility=data.get("visibility"),
            force=str(data.get("force", False)).strip().lower() in ("true", "1", "yes", "on"))
        volume.refresh_from_db()
        return JsonResponse({"os-volume_upload_image": {
            "id": str(volume.uuid), "updated_at": formats.isotime(volume.updated),
            "status": volume.status, "display_description": volume.description or None,
            "size": volume.size, "volume_type": formats.type_dict(volume.volume_type),
            "image_id": str(image.id), "image_name": image.name,
            "container_format": image.container_format, "disk_format": image.format,
            "visibility": image.visibility, "protected": image.protected}}, status=202)
    if name == "os-extend":
        from cyclades.volume import extend

        extend.extend_volume(volume, data.get("new_size"))
        return HttpResponse(status=202)
    raise BadRequest(f"Unsupported volume action {name}.")
