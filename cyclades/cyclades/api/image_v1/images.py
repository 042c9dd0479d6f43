"""Plankton (Glance v1) at /image/v1.0: register Pithos files, list, show, members.

Metadata travels in `X-Image-Meta-*` headers; free-form properties in
`X-Image-Meta-Property-<KEY>` (header names are case-insensitive, so property keys
come back upper case; snf-image reads them case-insensitively).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from cyclades.api.image_v2.formats import isotime
from cyclades.images import access, blockmaps, members, registry
from cyclades.images.models import SystemImage
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest, Conflict, ItemNotFound

META = "HTTP_X_IMAGE_META_"
PROPERTY = META + "PROPERTY_"
TRUE = ("true", "1", "yes", "on")


# ---- headers in -----------------------------------------------------------------------
def _int_header(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"X-Image-Meta-{name} must be an integer.") from None


def read_headers(request: HttpRequest) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(attributes, properties, other meta) from the X-Image-Meta-* headers."""
    attributes: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    other: dict[str, str] = {}
    for key, value in request.META.items():
        if key.startswith(PROPERTY):
            properties[key[len(PROPERTY):]] = value
        elif key.startswith(META):
            name = key[len(META):].lower()
            if name == "name":
                attributes["name"] = value
            elif name in ("disk_format", "container_format"):
                attributes[name] = value
            elif name in ("min_ram", "min_disk"):
                attributes[name] = _int_header(name.replace("_", "-").title(), value)
            elif name == "is_public":
                attributes["visibility"] = "public" if value.lower() in TRUE else "private"
            elif name == "protected":
                attributes["protected"] = value.lower() in TRUE
            else:
                other[name] = value
    if "id" in other:
        raise Conflict("An image id cannot be chosen: it is assigned at registration.")
    return attributes, properties, other


def _check_expected(image: SystemImage, other: dict[str, str]) -> None:
    """Plankton refuses a registration whose claimed size or checksum is not the file's."""
    if "size" in other and _int_header("Size", other["size"]) != image.size:
        raise BadRequest(f"X-Image-Meta-Size {other['size']} is not the file's size "
                         f"{image.size}.")
    if other.get("checksum") and other["checksum"].lower() != image.checksum.lower():
        raise BadRequest("X-Image-Meta-Checksum is not the file's checksum.")


# ---- representations ------------------------------------------------------------------
def detail(image: SystemImage) -> dict[str, Any]:
    return {"id": str(image.id), "name": image.name, "location": image.pithos_location,
            "mapfile": image.map_name, "checksum": image.checksum, "size": image.size,
            "disk_format": image.format, "container_format": image.container_format,
            "status": image.status, "is_public": image.visibility in ("public", "community"),
            "owner": image.owner, "store": "pithos", "protected": image.protected,
            "min_ram": image.min_ram, "min_disk": image.min_disk,
            "created_at": isotime(image.created), "updated_at": isotime(image.updated),
            "deleted_at": isotime(image.updated) if image.deleted else "",
            "deleted": image.deleted, "properties": dict(image.properties or {})}


def headers_of(image: SystemImage) -> dict[str, str]:
    body = detail(image)
    headers = {}
    for key, value in body.items():
        if key == "properties":
            continue
        if isinstance(value, bool):
            value = "True" if value else "False"
        headers[f"X-Image-Meta-{key.replace('_', '-').title()}"] = "" if value is None \
            else str(value)
    for key, value in body["properties"].items():
        headers[f"X-Image-Meta-Property-{key}"] = str(value)
    return headers


def with_headers(response: HttpResponse, image: SystemImage) -> HttpResponse:
    for key, value in headers_of(image).items():
        response[key] = value.encode("latin-1", "replace").decode("latin-1")
    return response


# ---- views ----------------------------------------------------------------------------
def _listing(request: HttpRequest) -> list[SystemImage]:
    params = request.GET
    query = access.listed(request.credentials, visibility="all", member_status="accepted")
    if params.get("is_public") is not None:
        wanted = params["is_public"].lower() in TRUE
        query = query.filter(visibility__in=("public", "community")) if wanted else \
            query.exclude(visibility__in=("public", "community"))
    for name, column in (("name", "name"), ("disk_format", "format"),
                         ("container_format", "container_format"), ("status", "status")):
        if name in params:
            query = query.filter(**{column: params[name]})
    for bound, lookup in (("size_min", "size__gte"), ("size_max", "size__lte")):
        if bound in params:
            query = query.filter(**{lookup: _int_header(bound, params[bound])})
    key = params.get("sort_key", "created_at")
    column = {"created_at": "created", "updated_at": "updated"}.get(key, key)
    if column not in ("created", "updated", "name", "size", "status", "id", "format"):
        raise BadRequest(f"Invalid sort_key {key}.")
    order = "-" if params.get("sort_dir", "desc") == "desc" else ""
    return list(query.order_by(order + column, "id"))


def register(request: HttpRequest) -> HttpResponse:
    attributes, properties, other = read_headers(request)
    location = other.get("location")
    if not location:
        raise BadRequest("X-Image-Meta-Location (pithos://<account>/<container>/<path>) "
                         "is required.")
    if not attributes.get("name"):
        raise BadRequest("X-Image-Meta-Name is required.")
    attributes.setdefault("visibility", "private")
    attributes.setdefault("disk_format", "diskdump")
    image = registry.create_image(request.credentials, attributes, properties,
                                  location=location)
    try:
        _check_expected(image, other)
    except BadRequest:
        registry.delete_image(request.credentials, image)
        raise
    return with_headers(JsonResponse({"image": detail(image)}, status=201), image)


@api_view(("GET", "POST"))
def collection(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return register(request)
    # Plankton lists are bare JSON arrays (not Glance v1's {"images": [...]}):
    # kamaki 0.16 and snf-image-creator iterate the body itself.
    return JsonResponse([{"id": str(i.id), "name": i.name, "disk_format": i.format,
                          "container_format": i.container_format, "size": i.size,
                          "checksum": i.checksum, "status": i.status}
                         for i in _listing(request)], safe=False)


@api_view(("GET",))
def detail_list(request: HttpRequest) -> JsonResponse:
    return JsonResponse([detail(i) for i in _listing(request)], safe=False)


@api_view(("GET", "HEAD", "PUT", "DELETE"))
def item(request: HttpRequest, image_id: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    if request.method == "DELETE":
        registry.delete_image(request.credentials, image)
        return HttpResponse(status=204)
    if request.method == "PUT":
        attributes, properties, other = read_headers(request)
        if properties or request.headers.get("X-Glance-Registry-Purge-Props", "").lower() \
                in TRUE:
            # Glance v1: the properties sent replace the old ones.
            removed = [k for k in image.properties if k not in properties]
        else:
            removed = []
        image = registry.update_image(request.credentials, image, attributes, properties,
                                      removed)
        if other.get("location") and image.status == "queued":
            image = registry.register_location(request.credentials, image, other["location"])
        return with_headers(JsonResponse({"image": detail(image)}), image)
    if request.method == "HEAD":
        return with_headers(HttpResponse(status=200), image)
    if not image.map_name:
        raise ItemNotFound(f"Image {image.id} has no downloadable data.")
    response = StreamingHttpResponse(blockmaps.read_data(image.map_name, image.size),
                                     content_type="application/octet-stream")
    response["Content-Length"] = str(image.size)
    return with_headers(response, image)


@api_view(("GET", "PUT"))
def member_list(request: HttpRequest, image_id: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    if request.method == "PUT":
        body = json_body(request)
        memberships = body.get("memberships") if isinstance(body, dict) else None
        if not isinstance(memberships, list) or not all(
                isinstance(m, dict) and "member_id" in m for m in memberships):
            raise BadRequest("Body must be {\"memberships\": [{\"member_id\": ...}]}.")
        members.set_members_v1(request.credentials, image,
                               [m["member_id"] for m in memberships])
        return HttpResponse(status=204)
    return JsonResponse({"members": [{"member_id": m.member, "can_share": False}
                                     for m in members.list_members(request.credentials,
                                                                   image)]})


@api_view(("PUT", "DELETE"))
def member_item(request: HttpRequest, image_id: str, member_id: str) -> HttpResponse:
    image = access.image_for(request.credentials, image_id)
    if request.method == "DELETE":
        members.remove_member(request.credentials, image, member_id)
    else:
        members.share_v1(request.credentials, image, member_id)
    return HttpResponse(status=204)


@api_view(("GET",))
def shared_images(request: HttpRequest, member_id: str) -> JsonResponse:
    """Images the caller owns that are shared with `member_id` (or, for the member
    themselves, every image shared with them)."""
    user = request.credentials.user_id
    query = access.live().filter(members__member=member_id)
    if member_id != user:
        query = query.filter(owner=user)
    return JsonResponse({"shared_images": [{"image_id": str(i.id), "can_share": False}
                                           for i in query.distinct()]})
