"""/volume/v3/{project_id}/types[/{id}]."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from cyclades.api.volume_v3 import formats
from cyclades.api.volume_v3.versions import volume_view
from cyclades.volume import volume_types


@volume_view(("GET",))
def collection(request: HttpRequest, project_id: str) -> JsonResponse:
    return JsonResponse({"volume_types": [formats.type_dict(t)
                                          for t in volume_types.live_types()]})


@volume_view(("GET",))
def item(request: HttpRequest, project_id: str, type_id: str) -> JsonResponse:
    return JsonResponse({"volume_type": formats.type_dict(volume_types.type_for(type_id))})
