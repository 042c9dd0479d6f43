"""Image lifecycle: create (queued), register a Pithos file or upload data (active),
update, delete (deregister: the Pithos file stays).

An image becomes active in one step that cannot leave half a record: read the
Pithos file as the caller (its headers and hashmap), publish the hashmap into the
shared block store, then record size, checksum, map and location in one update.
"""

from __future__ import annotations

import logging
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction

from cyclades.images import blockmaps, pithos
from cyclades.images.models import STATUSES, VISIBILITIES, SystemImage
from snf_common.clients.base import ClientError
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, Forbidden, LengthRequired, OverLimit

log = logging.getLogger(__name__)

CONTAINER_FORMATS = ("bare",)
# Attributes a client may set; everything else that is not read-only is a property.
SETTABLE = ("name", "visibility", "protected", "min_disk", "min_ram", "tags", "disk_format",
            "container_format")
READ_ONLY = ("id", "status", "checksum", "size", "virtual_size", "owner", "created_at",
             "updated_at", "file", "self", "schema", "direct_url", "locations", "location",
             "os_hash_algo", "os_hash_value", "deleted", "deleted_at", "members")
FORMAT_WHILE_QUEUED = ("disk_format", "container_format")
DISK_FORMAT_ALIASES = {"raw": "diskdump"}


# ---- validation ---------------------------------------------------------------------
def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"{name} must be a non-negative integer.")
    return value


def validate_attribute(name: str, value: Any) -> Any:
    """A settable attribute's checked value (400 on a bad one)."""
    if name == "name":
        if value is not None and (not isinstance(value, str) or len(value) > 255):
            raise BadRequest("name must be a string of at most 255 characters.")
        return value or ""
    if name == "visibility":
        if value not in VISIBILITIES:
            raise BadRequest(f"visibility must be one of {', '.join(VISIBILITIES)}.")
        return value
    if name == "protected":
        if not isinstance(value, bool):
            raise BadRequest("protected must be a boolean.")
        return value
    if name in ("min_disk", "min_ram"):
        return _int(name, value)
    if name == "tags":
        if not isinstance(value, list) or not all(isinstance(t, str) and 0 < len(t) <= 255
                                                  for t in value):
            raise BadRequest("tags must be a list of strings.")
        return sorted(set(value))
    if name == "disk_format":
        allowed = settings.CYCLADES_IMAGE_DISK_FORMATS
        # The openstack CLI offers only Glance's formats (default raw); a raw disk image
        # is what snf-image calls a diskdump.
        if value in DISK_FORMAT_ALIASES and DISK_FORMAT_ALIASES[value] in allowed:
            value = DISK_FORMAT_ALIASES[value]
        if value not in allowed:
            raise BadRequest(f"disk_format must be one of {', '.join(allowed)}.")
        return value
    if name == "container_format":
        if value not in CONTAINER_FORMATS:
            raise BadRequest(f"container_format must be one of {', '.join(CONTAINER_FORMATS)}.")
        return value
    raise BadRequest(f"Unknown attribute {name}.")


def validate_property(key: Any, value: Any) -> str:
    if not isinstance(key, str) or not key or len(key) > 255 or key in READ_ONLY \
            or key in SETTABLE:
        raise BadRequest(f"Invalid property name {key!r}.")
    if not isinstance(value, (str, int, float, bool)) or len(str(value)) > 65535:
        raise BadRequest(f"Property {key} must be a string.")
    return value if isinstance(value, str) else str(value).lower() \
        if isinstance(value, bool) else str(value)


def _apply(image: SystemImage, attributes: dict[str, Any]) -> None:
    for name, value in attributes.items():
        value = validate_attribute(name, value)
        setattr(image, "format" if name == "disk_format" else name, value)


def _check_properties(properties: dict[str, Any]) -> None:
    if len(properties) > settings.CYCLADES_IMAGE_MAX_PROPERTIES:
        raise OverLimit("Maximum number of image properties exceeded.")


# ---- create / register ----------------------------------------------------------------
def create_image(credentials: Credentials, attributes: dict[str, Any],
                 properties: dict[str, Any], *, location: str | None = None,
                 image_id: str | None = None) -> SystemImage:
    """A queued image record; with `location`, the Pithos file registered at once."""
    image = SystemImage(owner=credentials.user_id, status="queued", visibility="shared",
                        format=settings.CYCLADES_IMAGE_DISK_FORMATS[0])
    if image_id is not None:
        image.id = image_id
        if SystemImage.objects.filter(pk=image_id).exists():
            raise Conflict(f"Image ID {image_id} already exists!")
    _apply(image, attributes)
    image.properties = {str(k): validate_property(k, v) for k, v in properties.items()}
    _check_properties(image.properties)
    if location is None:
        image.save()
        log.info("image %s queued for user %s", image.id, credentials.user_id)
        return image
    return _activate(credentials, image, pithos.parse_location(location), created=False)


def _activate(credentials: Credentials, image: SystemImage, location: pithos.Location, *,
              created: bool) -> SystemImage:
    """Read the file as the caller, publish its map, record the image active (one write)."""
    state = pithos.read_object(credentials, location)
    if state.size <= 0:
        raise BadRequest(f"{location} is empty.")
    name = blockmaps.publish(str(image.id), state.hashes, state.size,
                             block_size=state.block_size, origin=str(location))
    image.map_name = name
    image.location = blockmaps.image_location(name, state.size)
    image.size, image.checksum = state.size, state.checksum
    image.pithos_location, image.pithos_uuid = str(location), state.uuid
    image.pithos_version, image.status = state.version, "active"
    try:
        image.save(force_update=created)
    except Exception:
        blockmaps.unpublish(name)
        raise
    pithos.mark_object(credentials, location, {"Plankton-Image-Id": str(image.id),
                                               "Plankton-Name": image.name,
                                               "Plankton-Disk-Format": image.format})
    log.info("image %s active for user %s: %s (%d bytes)", image.id, credentials.user_id,
             location, state.size)
    return image


def _claim(image: SystemImage) -> SystemImage:
    """queued -> saving under the row lock: one data source per image, ever."""
    with transaction.atomic():
        locked = SystemImage.objects.select_for_update().get(pk=image.pk)
        if locked.status != "queued":
            raise Conflict(f"Image status transition from {locked.status} to saving "
                           "is not allowed")
        locked.status = "saving"
        locked.save(update_fields=["status", "updated"])
    return locked


def _unclaim(image: SystemImage) -> None:
    SystemImage.objects.filter(pk=image.pk, status="saving").update(status="queued")


def register_location(credentials: Credentials, image: SystemImage,
                      location: str) -> SystemImage:
    """Attach a Pithos file to a queued image of the caller (Glance's add location)."""
    parsed = pithos.parse_location(location)
    _require_owner(credentials, image)
    locked = _claim(image)
    try:
        return _activate(credentials, locked, parsed, created=True)
    except BaseException:
        _unclaim(image)
        raise


class _BoundedStream:
    """The request body as a file with a length, so it is streamed, never buffered."""

    def __init__(self, source: BinaryIO, length: int) -> None:
        self.source, self.remaining, self.length = source, length, length

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.source.read(want)
        self.remaining -= len(data)
        return data


def upload_data(credentials: Credentials, image: SystemImage, body: BinaryIO,
                length: int | None) -> SystemImage:
    """Stream the data into the caller's Pithos container, then activate the image."""
    _require_owner(credentials, image)
    if length is None:
        raise LengthRequired("Image uploads need a Content-Length.")
    locked = _claim(image)
    container = settings.CYCLADES_IMAGE_CONTAINER
    location = pithos.Location(credentials.user_id, container, str(image.id))
    try:
        store = pithos.client(credentials)
        try:
            store.create_container(container)
            store.put_object(container, location.path, _BoundedStream(body, length),
                             headers={"Content-Length": str(length)})
        except ClientError as exc:
            raise exc.as_fault() from None
        return _activate(credentials, locked, location, created=True)
    except BaseException:
        _unclaim(image)
        raise


# ---- update / delete ------------------------------------------------------------------
def _require_owner(credentials: Credentials, image: SystemImage) -> None:
    if image.owner != credentials.user_id and not credentials.is_admin:
        raise Forbidden("You are not permitted to modify this image.")


def update_image(credentials: Credentials, image: SystemImage, attributes: dict[str, Any],
                 properties: dict[str, Any], removed: list[str]) -> SystemImage:
    """Set attributes, set or remove properties; formats only change while queued."""
    _require_owner(credentials, image)
    with transaction.atomic():
        locked = SystemImage.objects.select_for_update().get(pk=image.pk)
        for name in FORMAT_WHILE_QUEUED:
            if name in attributes and locked.status != "queued" and \
                    DISK_FORMAT_ALIASES.get(attributes[name], attributes[name]) != \
                    getattr(locked, "format" if name == "disk_format" else name):
                raise Forbidden(f"{name} can only be changed while the image is queued.")
        _apply(locked, attributes)
        merged = dict(locked.properties)
        for key in removed:
            merged.pop(key, None)
        merged.update({k: validate_property(k, v) for k, v in properties.items()})
        _check_properties(merged)
        locked.properties = merged
        locked.save()
    return locked


def delete_image(credentials: Credentials, image: SystemImage) -> None:
    """Deregister: the record goes, the Pithos file stays, running servers are unaffected."""
    _require_owner(credentials, image)
    with transaction.atomic():
        locked = SystemImage.objects.select_for_update().get(pk=image.pk)
        if locked.protected:
            raise Forbidden(f"Image {image.id} is protected and cannot be deleted.")
        locked.deleted, locked.status = True, "deleted"
        locked.save(update_fields=["deleted", "status", "updated"])
        locked.members.all().delete()
    if locked.map_name:
        try:
            blockmaps.unpublish(locked.map_name)
        except Exception as exc:  # the record is gone; a stale map only costs a few bytes
            log.warning("image %s: could not remove map %s: %s", image.id, locked.map_name, exc)
    log.info("image %s deregistered by %s", image.id, credentials.user_id)


def check_status(value: str) -> str:
    if value not in STATUSES:
        raise BadRequest(f"Invalid status value: {value}")
    return value
