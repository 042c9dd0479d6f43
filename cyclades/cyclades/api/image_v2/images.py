"""/image/v2/images: list, create, show, update (JSON patch), delete, data, tags, import."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from cyclades.api.image_v2 import formats, patch
from cyclades.images import access, blockmaps, registry
from cyclades.images.models import MEMBER_STATUSES, SystemImage
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest, Conflict, ItemNotFound

DEFAULT_LIMIT = 25
SORT_KEYS = {"name": "name", "created_at": "created", "updated_at": "updated", "size": "size",
             "status": "status", "id": "id", "disk_format": "format", "owner": "owner"}
CORE_FIELDS = {"name", "visibility", "protected", "min_disk", "min_ram", "tags",
               "disk_format", "container_format"}
IGNORED_ON_CREATE = {"os_hidden"}   # accepted by Glance; meaningless here


# ---- listing --------------------------------------------------------------------------
def _limit(request: HttpRequest) -> int:
    raw = request.GET.get("limit")
    maximum = settings.CYCLADES_LIST_LIMIT
    if raw is None:
        return min(DEFAULT_LIMIT, maximum)
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("limit param must be an integer") from None
    if value < 0:
        raise BadRequest("limit param must be positive")
    return min(value, maximum)


def _filtered(request: HttpRequest):
    params = request.GET
    member_status = params.get("member_status", "accepted")
    if member_status not in (*MEMBER_STATUSES, "all"):
        raise BadRequest(f"Invalid member_status value: {member_status}")
    query = access.listed(request.credentials, visibility=params.get("visibility"),
                          member_status=member_status)
    for name, column in (("name", "name"), ("owner", "owner"), ("disk_format", "format"),
                         ("container_format", "container_format")):
        if name in params:
            query = query.filter(**{column: params[name]})
    if "status" in params:
        query = query.filter(status=registry.check_status(params["status"]))
    for bound, lookup in (("size_min", "size__gte"), ("size_max", "size__lte")):
        if bound in params:
            try:
                query = query.filter(**{lookup: int(params[bound])})
            except ValueError:
                raise BadRequest(f"{bound} must be an integer") from None
    tags = params.getlist("tag")
    images = list(query)
    if tags:
        images = [i for i in images if set(tags) <= set(i.tags or [])]
    for key, value in params.items():
        if key.startswith("property-"):   # a property filter, as glanceclient sends it
            images = [i for i in images if str(i.properties.get(key[9:])) == value]
    return images


def _sorted(request: HttpRequest, images: list[SystemImage]) -> list[SystemImage]:
    key = request.GET.get("sort_key", "created_at")
    direction = request.GET.get("sort_dir", "desc")
    if key not in SORT_KEYS or direction not in ("asc", "desc"):
        raise BadRequest("Invalid sort_key or sort_dir.")
    column = SORT_KEYS[key]
    images.sort(key=lambda i: (getattr(i, column) is None, getattr(i, column), str(i.id)),
                reverse=direction == "desc")
    return images


def list_images(request: HttpRequest) -> JsonResponse:
    images = _sorted(request, _filtered(request))
    marker = request.GET.get("marker")
    if marker:
        ids = [str(i.id) for i in images]
        if marker not in ids:
            raise BadRequest(f"Invalid marker {marker}: image not found.")
        images = images[ids.index(marker) + 1:]
    limit = _limit(request)
    page = images[:limit]
    body: dict[str, Any] = {"images": [formats.image(request, i) for i in page],
                            "first": "/v2/images", "schema": "/v2/schemas/images"}
    if limit and len(images) > limit:
        params = request.GET.copy()
        params["marker"] = str(page[-1].id)
        body["next"] = "/v2/images?" + urlencode(params, doseq=True)
    return JsonResponse(body)


# ---- create ---------------------------------------------------------------------------
def create_image(request: HttpRequest) -> JsonResponse:
    data = json_body(request)
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    attributes, properties = {}, {}
    location = data.get("location")
    for key, value in data.items():
        if key in CORE_FIELDS:
            attributes[key] = value
        elif key in ("id", "location") or key in IGNORED_ON_CREATE:
            continue
        elif key in registry.READ_ONLY:
            raise BadRequest(f"Attribute '{key}' is read-only.")
        else:
            properties[key] = value
    image_id = data.get("id")
    if image_id is not None and not access.valid_id(image_id):
        raise BadRequest(f"Invalid image id {image_id!r}.")
    image = registry.create_image(request.credentials, attributes, properties,
                                  location=location, image_id=image_id)
    response = JsonResponse(formats.image(request, image), status=201)
    response["Location"] = f"/v2/images/{image.id}"
    return response


@api_view(("GET", "POST"))
def collection(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return create_image(request)
    return list_images(request)


# ---- one image ------------------------------------------------------------------------
@api_view(("GET", "PATCH", "DELETE"))
def item(request: HttpRequest, image_id: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    if request.method == "DELETE":
        registry.delete_image(request.credentials, image)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        patch.check_media_type(request.headers.get("Content-Type", ""))
        changes = patch.parse(json_body(request), image)
        image = registry.update_image(request.credentials, image, changes.attributes,
                                      changes.properties, changes.removed)
        if changes.location is not None:
            image = registry.register_location(request.credentials, image, changes.location)
    return JsonResponse(formats.image(request, image))


@api_view(("GET", "PUT"))
def data(request: HttpRequest, image_id: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    if request.method == "PUT":
        length = request.headers.get("Content-Length")
        try:
            size = int(length) if length not in (None, "") else None
        except ValueError:
            raise BadRequest("Invalid Content-Length.") from None
        registry.upload_data(request.credentials, image, request, size)
        return HttpResponse(status=204)
    if image.status != "active" or not image.map_name:
        if image.status == "active":   # an admin-registered image: not a Pithos file
            raise ItemNotFound(f"Image {image.id} has no downloadable data.")
        return HttpResponse(status=204)
    response = StreamingHttpResponse(blockmaps.read_data(image.map_name, image.size),
                                     content_type="application/octet-stream")
    response["Content-Length"] = str(image.size)
    if image.checksum:
        response["Content-MD5"] = image.checksum
    return response


@api_view(("PUT", "DELETE"))
def tag(request: HttpRequest, image_id: str, value: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    tags = set(image.tags or [])
    if request.method == "PUT":
        tags.add(value)
    elif value not in tags:
        raise ItemNotFound(f"Tag {value} not found.")
    else:
        tags.discard(value)
    registry.update_image(request.credentials, image, {"tags": sorted(tags)}, {}, [])
    return HttpResponse(status=204)


@api_view(("POST",))
def import_image(request: HttpRequest, image_id: str) -> HttpResponse:
    """Import method `pithos-location`: register an existing Pithos file (`uri`)."""
    image = access.image_for(request.credentials, image_id)
    body = json_body(request)
    method = body.get("method") if isinstance(body, dict) else None
    if not isinstance(method, dict) or method.get("name") != "pithos-location":
        raise BadRequest("Import method must be {\"name\": \"pithos-location\", "
                         "\"uri\": \"pithos://<account>/<container>/<path>\"}.")
    if image.status != "queued":
        raise Conflict(f"Image {image.id} is {image.status}, not queued.")
    registry.register_location(request.credentials, image, method.get("uri"))
    return HttpResponse(status=202)
