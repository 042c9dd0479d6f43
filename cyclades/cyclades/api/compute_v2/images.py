"""/compute/v2.1/images[/detail], /images/{id}: a read-only view of the image registry."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, JsonResponse

from cyclades.api.compute_v2 import formats
from cyclades.api.compute_v2.versions import compute_view
from cyclades.images import access as image_access
from snf_common.faults import ItemNotFound


def visible(request: HttpRequest):
    """What the image service lists for this user (Glance's default listing)."""
    return image_access.listed(request.credentials)


@compute_view(("GET",))
def collection(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"images": [formats.image_brief(request, i) for i in visible(request)]})


@compute_view(("GET",))
def detail(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"images": [formats.image_detail(request, i)
                                    for i in visible(request)]})


@compute_view(("GET",))
def item(request: HttpRequest, image_id: str) -> JsonResponse:
    try:
        uuid.UUID(image_id)
    except ValueError:
        raise ItemNotFound(f"Image {image_id} not found.") from None
    try:
        image = image_access.image_for(request.credentials, image_id)
    except ItemNotFound:
        raise ItemNotFound(f"Image {image_id} not found.") from None
    return JsonResponse({"image": formats.image_detail(request, image)})
