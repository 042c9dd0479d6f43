"""/compute/v2.1/servers/{id}/os-volume_attachments[/{volume_id}] (Nova's extension).

Attach and detach are instance-modify jobs on the server's Ganeti instance; the
volume is `attaching`/`detaching` until the job's message arrives.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.compute_v2.versions import compute_view
from cyclades.api.volume_v3.formats import device_name
from cyclades.volume import volumes
from cyclades.volume.models import Volume
from snf_common.django.auth import json_body
from snf_common.faults import BadRequest, ItemNotFound


def attachment_dict(volume: Volume, server_id: int) -> dict:
    return {"id": str(volume.uuid), "serverId": str(server_id), "volumeId": str(volume.uuid),
            "device": device_name(volume.index)}


@compute_view(("GET", "POST"))
def collection(request: HttpRequest, server_id: str) -> JsonResponse:
    server = volumes.server_for(request.credentials, server_id)
    if request.method == "GET":
        return JsonResponse({"volumeAttachments": [
            attachment_dict(v, server.id) for v in volumes.attached_to(server)
            if v.status in ("attaching", "in-use", "detaching")]})
    body = json_body(request)
    data = body.get("volumeAttachment") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not data.get("volumeId"):
        raise BadRequest("Request body must be {\"volumeAttachment\": {\"volumeId\": ...}}.")
    try:
        volume = volumes.volume_for(request.credentials, data["volumeId"])
    except ItemNotFound:
        raise ItemNotFound(f"Volume {data['volumeId']} could not be found.") from None
    if data.get("delete_on_termination") is not None:
        Volume.objects.filter(pk=volume.pk).update(
            delete_on_termination=bool(data["delete_on_termination"]))
    volume = volumes.attach(volume, server)
    return JsonResponse({"volumeAttachment": attachment_dict(volume, server.id)})


@compute_view(("GET", "DELETE"))
def item(request: HttpRequest, server_id: str, volume_id: str) -> HttpResponse:
    server = volumes.server_for(request.credentials, server_id)
    volume = volumes.attachment_for(server, volume_id)
    if request.method == "DELETE":
        volumes.detach(volume, server)
        return HttpResponse(status=202)
    return JsonResponse({"volumeAttachment": attachment_dict(volume, server.id)})
