"""/volume/v3/{project_id}/snapshots[/detail][/{id}]."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.volume_v3 import formats
from cyclades.api.volume_v3.versions import volume_view
from cyclades.api.volume_v3.volumes import _section
from cyclades.volume import snapshots, volumes
from cyclades.volume.models import Snapshot
from snf_common.faults import BadRequest


def _listing(request: HttpRequest):
    query = Snapshot.objects.filter(owner=request.credentials.user_id, deleted=False)
    if request.GET.get("volume_id"):
        query = query.filter(volume_uuid=request.GET["volume_id"])
    if request.GET.get("status"):
        query = query.filter(status=request.GET["status"])
    return list(query.order_by("id")[:settings.CYCLADES_LIST_LIMIT])


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


@volume_view(("GET", "POST"))
def collection(request: HttpRequest, project_id: str) -> JsonResponse:
    if request.method == "GET":
        return JsonResponse({"snapshots": [formats.snapshot_dict(s, detail=False)
                                           for s in _listing(request)]})
    data = _section(request, "snapshot")
    if not data.get("volume_id"):
        raise BadRequest("volume_id is required.")
    try:
        volume = volumes.volume_for(request.credentials, data["volume_id"])
    except Exception as exc:
        raise BadRequest(f"Invalid volume_id {data['volume_id']}.") from exc
    snapshot = snapshots.create_snapshot(
        request.credentials, volume, name=data.get("name") or data.get("display_name"),
        description=data.get("description"), force=_flag(data.get("force", False)))
    return JsonResponse({"snapshot": formats.snapshot_dict(snapshot)}, status=202)


@volume_view(("GET",))
def detail(request: HttpRequest, project_id: str) -> JsonResponse:
    return JsonResponse({"snapshots": [formats.snapshot_dict(s) for s in _listing(request)]})


@volume_view(("GET", "PUT", "DELETE"))
def item(request: HttpRequest, project_id: str, snapshot_id: str) -> HttpResponse:
    snapshot = snapshots.snapshot_for(request.credentials, snapshot_id)
    if request.method == "DELETE":
        snapshots.delete_snapshot(snapshot, request.credentials)
        return HttpResponse(status=202)
    if request.method == "PUT":
        data = _section(request, "snapshot")
        snapshot = snapshots.update_snapshot(snapshot, name=data.get("name"),
                                             description=data.get("description"))
    return JsonResponse({"snapshot": formats.snapshot_dict(snapshot)})
