"""/compute/v2.1/servers/{id}/metadata[/{key}]."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.compute_v2.versions import compute_view
from cyclades.compute import access, servers
from snf_common.django.auth import json_body
from snf_common.faults import BadRequest, ItemNotFound


def _current(server) -> dict[str, str]:
    return {m.key: m.value for m in server.metadata.all()}


@compute_view(("GET", "POST", "PUT"))
def collection(request: HttpRequest, server_id: str) -> JsonResponse:
    server = access.server_for(request.credentials, server_id)
    if request.method == "GET":
        return JsonResponse({"metadata": _current(server)})
    body = json_body(request)
    items = body.get("metadata") if isinstance(body, dict) else None
    if not isinstance(items, dict):
        raise BadRequest("Request body must be {\"metadata\": {...}}.")
    merged = servers.set_metadata(server, items, replace=request.method == "PUT")
    return JsonResponse({"metadata": merged})


@compute_view(("GET", "PUT", "DELETE"))
def item(request: HttpRequest, server_id: str, key: str) -> HttpResponse:
    server = access.server_for(request.credentials, server_id)
    if request.method == "GET":
        current = _current(server)
        if key not in current:
            raise ItemNotFound(f"Metadata item {key} not found.")
        return JsonResponse({"meta": {key: current[key]}})
    if request.method == "DELETE":
        servers.delete_metadata(server, key)
        return HttpResponse(status=204)
    body = json_body(request)
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(meta, dict) or list(meta) != [key]:
        raise BadRequest("Request body must be {\"meta\": {key: value}} naming the URL's key.")
    servers.set_metadata(server, meta, replace=False)
    return JsonResponse({"meta": meta})
