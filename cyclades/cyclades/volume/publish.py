"""Publishing an Archipelago snapshot to Pithos: a file of the owner made from the
frozen map's block list (a hashmap PUT with the owner's token; no data is copied).

The blocks are already in the store Pithos and Archipelago share, so Pithos only
records the list. The file is what the original Synnefo made of every snapshot: the
owner sees it in Pithos, it counts in their `pithos.diskspace` (Pithos charges it at
the PUT and refuses it over quota: 413), and it can be registered as an image.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from typing import Any

from archipelago import mapper
from cyclades.images import pithos
from cyclades.volume import archipelago
from snf_common.clients.base import ClientError
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict

log = logging.getLogger(__name__)

CONTAINER = "snapshots"   # the original Synnefo's container of snapshot files


def object_name(snapshot_uuid: str) -> str:
    return str(snapshot_uuid)


def publish(credentials: Credentials, map_name: str, object_path: str,
            meta: dict[str, str], container: str = CONTAINER) -> str:
    """Make `pithos://<caller>/<container>/<object_path>` from the frozen map; its location."""
    with archipelago.blockstore() as store:
        try:
            hashmap = mapper.hashmap(store, map_name)
        except mapper.VolumeNotFound:
            raise Conflict(f"The frozen map {map_name} is missing from the block store.") \
                from None
        store.put_block(b"")        # the empty block every sparse range names
    client = pithos.client(credentials)
    headers = {f"X-Object-Meta-{key}": value for key, value in meta.items()}
    try:
        client.create_container(container)
        missing, _ = client.put_hashmap(container, object_path, hashmap["bytes"],
                                        hashmap["hashes"], headers=headers)
    except ClientError as exc:       # 413 over pithos.diskspace, 503 Pithos down
        raise exc.as_fault() from None
    if missing:
        raise Conflict(f"{len(missing)} blocks of the snapshot are not in Pithos' store "
                       f"(e.g. {missing[0]}): Pithos and Archipelago must share one store.")
    location = pithos.Location(credentials.user_id, container, object_path)
    log.info("map %s published as %s (%d bytes)", map_name, location, hashmap["bytes"])
    return str(location)


def unpublish_quietly(credentials: Credentials, location: str) -> None:
    """Delete the snapshot's Pithos file (frees its quota); gone already is fine."""
    if not location:
        return
    parsed = pithos.parse_location(location)
    try:
        pithos.client(credentials, parsed.account).delete_object(parsed.container, parsed.path)
    except ClientError as exc:
        if exc.status != 404:
            log.warning("could not delete %s: %s", location, exc)
    except Exception as exc:  # Pithos unreachable: the file stays, the owner can delete it
        log.warning("could not delete %s: %s", location, exc)


def volume_to_image(credentials: Credentials, volume: Any, *, name: Any, disk_format: Any,
                    container_format: Any = "bare", visibility: Any = "private",
                    force: bool = False) -> Any:
    """Cinder's os-volume_upload_image on Archipelago: freeze the volume, publish the
    map as the owner's Pithos file `images/<image id>` (as an upload would), register
    it. The image inherits the properties of the image the volume came from (snf-image
    needs OSFAMILY, ROOT_PARTITION...). The temporary map goes; the image's published
    maps and the Pithos file keep the blocks."""
    from django.conf import settings

    from cyclades.images import registry
    from cyclades.images.models import SystemImage

    template = volume.volume_type.disk_template
    if not archipelago.supported(template):
        raise BadRequest(f"Only Archipelago volumes can become images; volume "
                         f"{volume.uuid} is {template}.")
    if volume.status not in ("available", "in-use"):
        raise Conflict(f"Volume {volume.uuid} is {volume.status}.")
    if volume.status == "in-use" and not force:
        raise BadRequest(f"Volume {volume.uuid} is in use: pass force=true to upload it "
                         "while attached (crash-consistent).")
    properties = {}
    if volume.source.startswith("image:"):
        source = SystemImage.objects.filter(pk=volume.source[len("image:"):]).first()
        properties = dict(source.properties) if source is not None else {}
    image = registry.create_image(credentials, {
        "name": name or f"volume-{volume.uuid}",
        "disk_format": disk_format or settings.CYCLADES_IMAGE_DISK_FORMATS[0],
        "container_format": container_format or "bare",
        "visibility": visibility or "private"}, properties)
    map_name = f"upload-{uuidlib.uuid4()}"
    location = ""
    try:
        archipelago.freeze(volume, map_name)
        location = publish(credentials, map_name, str(image.id),
                           {"Volume-Id": str(volume.uuid)},
                           container=settings.CYCLADES_IMAGE_CONTAINER)
        return registry.register_location(credentials, image, location)
    except BaseException:
        registry.delete_image(credentials, image)
        unpublish_quietly(credentials, location)
        raise
    finally:
        archipelago.remove_map_quietly(map_name)
