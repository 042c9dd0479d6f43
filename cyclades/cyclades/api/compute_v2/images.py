"""/compute/v2.1/images[/detail], /images/{id}: a read-only view of the image registry."""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import HttpRequest, JsonResponse

from cyclades.api.compute_v2 import formats
from cyclades.api.compute_v2.versions import compute_view
from cyclades.images.models import SystemImage
from snf_common.faults import ItemNotFound


def visible(request: HttpRequest):
    return SystemImage.objects.filter(deleted=False).filter(
        Q(public=True) | Q(owner=request.credentials.user_id))


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
    image = visible(request).filter(pk=image_id).first()
    if image is None:
        raise ItemNotFound(f"Image {image_id} not found.")
    return JsonResponse({"image": formats.image_detail(request, image)})
