"""/compute/v2.1/flavors[/detail], /flavors/{id}."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from cyclades.api.compute_v2 import formats
from cyclades.api.compute_v2.versions import compute_view
from cyclades.compute import access
from cyclades.compute.models import Flavor
from snf_common.faults import BadRequest


def _filtered(request: HttpRequest) -> list[Flavor]:
    query = Flavor.objects.filter(deleted=False)
    is_public = request.GET.get("is_public", "true").lower()
    if is_public in ("true", "1", "yes"):
        query = query.filter(public=True)
    elif is_public in ("false", "0", "no"):
        query = query.filter(public=False)
    try:
        if request.GET.get("minRam"):
            query = query.filter(ram__gte=int(request.GET["minRam"]))
        if request.GET.get("minDisk"):
            query = query.filter(disk__gte=int(request.GET["minDisk"]))
        limit = int(request.GET.get("limit", settings.CYCLADES_LIST_LIMIT))
    except ValueError:
        raise BadRequest("minRam, minDisk and limit must be integers.") from None
    flavors = list(query.order_by("id"))
    marker = request.GET.get("marker")
    if marker:
        ids = [f.public_id for f in flavors]
        if marker not in ids:
            raise BadRequest(f"marker [{marker}] not found")
        flavors = flavors[ids.index(marker) + 1:]
    return flavors[:max(0, min(limit, settings.CYCLADES_LIST_LIMIT))]


@compute_view(("GET",))
def collection(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"flavors": [formats.flavor_brief(request, f)
                                     for f in _filtered(request)]})


@compute_view(("GET",))
def detail(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"flavors": [formats.flavor_detail(request, f)
                                     for f in _filtered(request)]})


@compute_view(("GET",))
def item(request: HttpRequest, flavor_id: str) -> JsonResponse:
    flavor = access.flavor_for(flavor_id, allow_deleted=True)
    return JsonResponse({"flavor": formats.flavor_detail(request, flavor)})
