"""/image/v2/images/{id}/members[/{member}]: share an image, accept or reject a share."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.image_v2 import formats
from cyclades.images import access, members
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest


def _object(request: HttpRequest) -> dict:
    body = json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


@api_view(("GET", "POST"))
def collection(request: HttpRequest, image_id: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    if request.method == "POST":
        entry = members.add_member(request.credentials, image, _object(request).get("member"))
        return JsonResponse(formats.member(entry))
    return JsonResponse({"members": [formats.member(m) for m in
                                     members.list_members(request.credentials, image)],
                         "schema": "/v2/schemas/members"})


@api_view(("GET", "PUT", "DELETE"))
def item(request: HttpRequest, image_id: str, member_id: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    if request.method == "DELETE":
        members.remove_member(request.credentials, image, member_id)
        return HttpResponse(status=204)
    if request.method == "PUT":
        entry = members.set_status(request.credentials, image, member_id,
                                   _object(request).get("status"))
    else:
        entry = members.get_member(request.credentials, image, member_id)
    return JsonResponse(formats.member(entry))
