"""Quickstart content: the tiny image of `tinyimage.py`, uploaded and registered public."""

from __future__ import annotations

import logging
from pathlib import Path

from cyclades.images import pithos, registry
from cyclades.images.models import SystemImage
from snf_common.clients.base import ClientError
from snf_common.credentials import Credentials

log = logging.getLogger(__name__)

PROPERTIES = {"OSFAMILY": "linux", "OS": "linux", "USERS": "root",
              "description": "A minimal ext4 root filesystem for trying the cloud out",
              "gui": "none"}


def ensure_system_image(credentials: Credentials, name: str, data_path: Path, *,
                        container: str = "images") -> tuple[SystemImage, bool]:
    """Upload the file as the caller and register it public, unless already there."""
    existing = SystemImage.objects.filter(owner=credentials.user_id, name=name,
                                          deleted=False, status="active").first()
    if existing is not None:
        return existing, False
    store = pithos.client(credentials)
    path = data_path.name
    try:
        store.create_container(container)
        with open(data_path, "rb") as handle:
            store.put_object(container, path, handle)
    except ClientError as exc:
        raise exc.as_fault() from None
    image = registry.create_image(
        credentials, {"name": name, "visibility": "public", "disk_format": "diskdump",
                      "container_format": "bare", "min_disk": 1},
        dict(PROPERTIES), location=f"pithos://{credentials.user_id}/{container}/{path}")
    log.info("system image %s (%s) registered from %s", image.id, name, image.pithos_location)
    return image, True
