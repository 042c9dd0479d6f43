"""What the image commands share: finding an image by id and the admin credentials."""

from __future__ import annotations

from django.core.management.base import CommandError

from cyclades.images.access import valid_id
from cyclades.images.models import SystemImage
from snf_common.credentials import Credentials

# The registry checks ownership; an operator acts as an administrator.
ADMIN = Credentials(user_id="cyclades-manage", user_name="cyclades-manage", project_id="",
                    roles=("admin",), token="")


def image_by_id(image_id: str) -> SystemImage:
    image = SystemImage.objects.filter(pk=image_id, deleted=False).first() \
        if valid_id(image_id) else None
    if image is None:
        raise CommandError(f"image {image_id} not found")
    return image


def image_row(image: SystemImage) -> dict:
    return {"id": str(image.id), "name": image.name, "status": image.status,
            "visibility": image.visibility, "protected": image.protected,
            "owner": image.owner, "disk_format": image.format,
            "container_format": image.container_format, "size": image.size,
            "checksum": image.checksum, "min_disk": image.min_disk, "min_ram": image.min_ram,
            "tags": image.tags, "properties": image.properties,
            "pithos_location": image.pithos_location, "pithos_uuid": image.pithos_uuid,
            "pithos_version": image.pithos_version, "map": image.map_name,
            "img_id": image.location, "created": image.created, "updated": image.updated,
            "members": [{"member": m.member, "status": m.status}
                        for m in image.members.order_by("member")]}
