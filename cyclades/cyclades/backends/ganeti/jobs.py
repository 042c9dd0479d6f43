"""What Cyclades asks Ganeti to do: instance names and the bodies of RAPI jobs."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from cyclades.backends.allocator import ganeti_template
from cyclades.vmapi.params import seal_osparams
from cyclades.volume.archipelago import CLONE_TEMPLATES


def instance_name(server_id: int) -> str:
    return f"{settings.CYCLADES_BACKEND_PREFIX}{server_id}"


def server_id_of(instance: str) -> int | None:
    """The server id in an instance name (a DNS suffix is allowed), or None if not ours."""
    prefix = settings.CYCLADES_BACKEND_PREFIX
    short = instance.split(".", 1)[0]
    if not short.startswith(prefix):
        return None
    try:
        return int(short[len(prefix):])
    except ValueError:
        return None


def nic_name(server_id: int, index: int) -> str:
    return f"nic-{server_id}-{index}"


def firewall_tag(nic_index: int, profile: str) -> str:
    """snf-network enforces a NIC's firewall profile from this instance tag."""
    return f"synnefo:network:{nic_index}:{profile.lower()}"


def create_body(server: Any, *, password: str, nic_count: int) -> dict[str, Any]:
    flavor = server.flavor
    template = ganeti_template(flavor.disk_template)
    disk: dict[str, Any] = {"size": flavor.disk * 1024, "name": f"disk-{server.id}-0"}
    if template == "ext" and "_" in flavor.disk_template:
        disk["provider"] = flavor.disk_template.split("_", 1)[1]
    image = server.image or {}
    if flavor.disk_template in CLONE_TEMPLATES and \
            str(image.get("location", "")).startswith("pithosmap://"):
        # A copy-on-write clone of the image's map: the provider copies no data and
        # snf-image, seeing origin == img_id, skips the copy (as the boot Volume records).
        disk["origin"] = image["location"]
    body: dict[str, Any] = {
        "name": instance_name(server.id),
        "disk_template": template,
        "disks": [] if template == "diskless" else [disk],
        "nics": [{"name": nic_name(server.id, i), **settings.CYCLADES_NIC_PARAMS}
                 for i in range(nic_count)],
        "os": settings.CYCLADES_GANETI_OS,
        "hypervisor": server.backend.hypervisor,
        "ip_check": False,
        "name_check": False,
        "wait_for_sync": False,
        "beparams": {"auto_balance": True, "vcpus": flavor.cpu,
                     "maxmem": flavor.ram, "minmem": flavor.ram},
        "osparams": {"img_id": image.get("location", ""),
                     "img_format": image.get("format", "diskdump"),
                     "img_passwd": password,
                     "img_properties": json.dumps(image.get("properties", {}))},
        "tags": [f"synnefo:user:{server.owner}"],
    }
    if server.personality:
        body["osparams"]["img_personality"] = json.dumps(server.personality)
    # Ganeti keeps job inputs (in its queue and archive) readable by its admins:
    # the secrets travel as a one-time config_url instead (snf-image fetches it).
    body["osparams"] = seal_osparams(server.id, body["osparams"])
    body.update(settings.CYCLADES_GANETI_CREATE_PARAMS)
    return body


def resize_body(flavor: Any) -> dict[str, Any]:
    return {"beparams": {"vcpus": flavor.cpu, "maxmem": flavor.ram, "minmem": flavor.ram}}
