"""Glance's JSON patch (application/openstack-images-v2.1-json-patch) as three lists:
attributes to set, properties to set, properties to remove, plus a location to add."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cyclades.images.models import SystemImage
from cyclades.images.registry import READ_ONLY, SETTABLE
from snf_common.faults import BadRequest, Conflict, Forbidden, UnsupportedMediaType

MEDIA_TYPES = ("application/openstack-images-v2.1-json-patch",
               "application/openstack-images-v2.0-json-patch")
OPS = ("add", "replace", "remove")


@dataclass
class Changes:
    attributes: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    location: str | None = None


def check_media_type(content_type: str) -> None:
    if content_type.split(";", 1)[0].strip().lower() not in MEDIA_TYPES:
        raise UnsupportedMediaType(f"Unsupported Content-Type {content_type!r}: use "
                                   f"{MEDIA_TYPES[0]}.")


def _key(operation: dict[str, Any]) -> str:
    path = operation.get("path")
    if not isinstance(path, str) or not path.startswith("/") or len(path) < 2:
        raise BadRequest(f"Invalid JSON pointer {path!r}.")
    return path[1:].replace("~1", "/").replace("~0", "~")


def _location_of(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict) and isinstance(value.get("url"), str):
        return value["url"]
    raise BadRequest("A location is {\"url\": \"pithos://<account>/<container>/<path>\", "
                     "\"metadata\": {}}.")


def parse(body: Any, image: SystemImage) -> Changes:
    if not isinstance(body, list):
        raise BadRequest("A JSON patch is a list of operations.")
    changes = Changes()
    for operation in body:
        if not isinstance(operation, dict) or operation.get("op") not in OPS:
            raise BadRequest(f"Invalid operation {operation!r}: op must be one of "
                             f"{', '.join(OPS)}.")
        op, key = operation["op"], _key(operation)
        if op != "remove" and "value" not in operation:
            raise BadRequest(f"Operation {op} {key} needs a value.")
        value = operation.get("value")
        if key == "locations" or key.startswith("locations/"):
            if op == "remove":
                raise Forbidden("The location of an image cannot be removed.")
            changes.location = _location_of(value)
        elif key in READ_ONLY:
            raise Forbidden(f"Attribute '{key}' is read-only.")
        elif key in SETTABLE:
            if op == "remove":
                raise Forbidden(f"Attribute '{key}' cannot be removed.")
            changes.attributes[key] = value
        elif op == "remove":
            known = set(image.properties) | set(changes.properties)
            if key not in known:
                raise Conflict(f"Property {key} does not exist.")
            changes.properties.pop(key, None)
            changes.removed.append(key)
        else:
            changes.properties[key] = value
            if key in changes.removed:
                changes.removed.remove(key)
    return changes
