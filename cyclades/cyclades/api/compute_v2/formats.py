"""Compute API representations of servers, flavors, images and key pairs (Nova v2.1 shapes)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpRequest

from cyclades.api.public_url import base_url
from cyclades.compute import states
from cyclades.compute.models import Flavor, KeyPair, Server, ServerMetadata, ServerNic


def isotime(value: datetime | str | None) -> str | None:
    """ISO 8601 UTC; also takes the database's own text of a UTC timestamp (see below)."""
    if value is None:
        return None
    if isinstance(value, str):   # "YYYY-MM-DD HH:MM:SS[.ffffff][+00]"
        return f"{value[:10]}T{value[11:19]}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def links(request: HttpRequest, collection: str, item_id: Any) -> list[dict[str, str]]:
    base = base_url(request)
    return [{"rel": "self", "href": f"{base}/compute/v2.1/{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{base}/compute/{collection}/{item_id}"}]


def server_brief(request: HttpRequest, server: Server) -> dict[str, Any]:
    return {"id": str(server.id), "name": server.name,
            "links": links(request, "servers", server.id)}


SERVER_FIELDS = ("id", "name", "owner", "project", "image_id", "flavor__public_id",
                 "operstate", "task", "reboot_type", "build_progress", "key_names", "fault",
                 "deleted")


def server_views(query) -> list[SimpleNamespace]:
    """Plain rows for listing (model instances cost too much per server at 1,000 servers).

    Timestamps are read as the database's text (UTC: Django stores them so on SQLite
    and sets the PostgreSQL session to UTC) and reshaped by isotime(): parsing then
    formatting two datetimes per server was a quarter of a 1,000-server listing.
    """
    prefix = settings.CYCLADES_BACKEND_PREFIX
    rows = [SimpleNamespace(**row, nics=[], metadata={}, volumes=[], fqdn=f"{prefix}{row['id']}")
            for row in query.values(*SERVER_FIELDS, created_text=Cast("created", TextField()),
                                    updated_text=Cast("updated", TextField()))]
    by_id = {row.id: row for row in rows}
    if not by_id:
        return rows
    # An id range instead of IN (1,000 ids): no thousand bind parameters to prepare;
    # rows of servers in the range but not on this page are skipped below.
    span = {"server_id__gte": min(by_id), "server_id__lte": max(by_id)}
    for nic in (ServerNic.objects.filter(**span)
                .values("server_id", "network_id", "ipv4", "ipv6", "mac", "name",
                        "firewall_profile").order_by("server_id", "index")):
        row = by_id.get(nic["server_id"])
        if row is not None:
            row.nics.append(nic)
    for server_id, key, value in (ServerMetadata.objects.filter(**span)
                                  .values_list("server_id", "key", "value")):
        row = by_id.get(server_id)
        if row is not None:
            row.metadata[key] = value
    from cyclades.volume.models import Volume

    # Attached as Cinder shows them (in-use or detaching), boot volume first.
    for server_id, volume_uuid, on_delete in (
            Volume.objects.filter(**span, deleted=False, status__in=("in-use", "detaching"))
            .order_by("server_id", "index", "id")
            .values_list("server_id", "uuid", "delete_on_termination")):
        row = by_id.get(server_id)
        if row is not None:
            row.volumes.append({"id": str(volume_uuid), "delete_on_termination": on_delete})
    return rows


def addresses(view: SimpleNamespace) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for nic in view.nics:
        entries = result.setdefault(nic["network_id"], [])
        for version, addr in ((4, nic["ipv4"]), (6, nic["ipv6"])):
            if addr:
                entries.append({"version": version, "addr": addr,
                                "OS-EXT-IPS:type": "fixed",
                                "OS-EXT-IPS-MAC:mac_addr": nic["mac"]})
    return result


def server_detail(request: HttpRequest, view: SimpleNamespace) -> dict[str, Any]:
    """`view` is one of server_views()."""
    base = base_url(request)
    status = states.api_status(view)
    power = {"STARTED": 1, "STOPPED": 4}.get(view.operstate, 0)
    flavor_id = view.flavor__public_id
    return {
        "id": str(view.id),
        "name": view.name,
        "status": status,
        "tenant_id": view.project,
        "user_id": view.owner,
        "metadata": dict(view.metadata),
        "hostId": "",
        "image": {"id": view.image_id,
                  "links": [{"rel": "bookmark", "href": f"{base}/compute/images/{view.image_id}"}]},
        "flavor": {"id": flavor_id,
                   "links": [{"rel": "bookmark", "href": f"{base}/compute/flavors/{flavor_id}"}]},
        "created": isotime(view.created_text),
        "updated": isotime(view.updated_text),
        "addresses": addresses(view),
        "accessIPv4": "",
        "accessIPv6": "",
        "links": [{"rel": "self", "href": f"{base}/compute/v2.1/servers/{view.id}"},
                  {"rel": "bookmark", "href": f"{base}/compute/servers/{view.id}"}],
        "progress": 100 if status == "ACTIVE" else view.build_progress,
        "key_name": view.key_names[0] if view.key_names else None,
        "config_drive": "",
        "security_groups": [{"name": "default"}],
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": "nova",
        "OS-EXT-STS:task_state": states.task_state(view),
        "OS-EXT-STS:vm_state": states.vm_state(view),
        "OS-EXT-STS:power_state": power,
        "OS-SRV-USG:launched_at": None,
        "OS-SRV-USG:terminated_at": None,
        "os-extended-volumes:volumes_attached": list(getattr(view, "volumes", [])),
        "fault": {"code": 500, "message": view.fault, "created": isotime(view.updated_text)}
        if view.operstate == "ERROR" and view.fault else None,
        "SNF:task_state": view.task or None,
        "SNF:key_names": list(view.key_names),
        "SNF:fqdn": view.fqdn,
        "SNF:firewall_profiles": {n["name"]: n["firewall_profile"] for n in view.nics
                                  if n["firewall_profile"]},
        "deleted": view.deleted,
    }


def flavor_brief(request: HttpRequest, flavor: Flavor) -> dict[str, Any]:
    return {"id": flavor.public_id, "name": flavor.name,
            "links": links(request, "flavors", flavor.public_id)}


def flavor_detail(request: HttpRequest, flavor: Flavor) -> dict[str, Any]:
    return {**flavor_brief(request, flavor), "ram": flavor.ram, "vcpus": flavor.cpu,
            "disk": flavor.disk, "swap": "", "rxtx_factor": 1.0,
            "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": flavor.deleted,
            "os-flavor-access:is_public": flavor.public,
            "SNF:disk_template": flavor.disk_template}


def image_brief(request: HttpRequest, image: Any) -> dict[str, Any]:
    return {"id": str(image.id), "name": image.name, "links": links(request, "images", image.id)}


def image_detail(request: HttpRequest, image: Any) -> dict[str, Any]:
    metadata = {str(k): str(v) for k, v in (image.properties or {}).items()}
    return {**image_brief(request, image), "status": image.status.upper(), "progress": 100,
            "created": isotime(image.created), "updated": isotime(image.updated),
            "minDisk": image.min_disk, "minRam": image.min_ram, "metadata": metadata,
            "OS-EXT-IMG-SIZE:size": image.size, "SNF:location": image.location,
            "SNF:format": image.format, "SNF:public": image.public, "user_id": image.owner}


def keypair_dict(keypair: KeyPair, *, detail: bool = False) -> dict[str, Any]:
    data = {"name": keypair.name, "public_key": keypair.public_key,
            "fingerprint": keypair.fingerprint}
    if detail:
        data.update({"user_id": keypair.owner, "created_at": isotime(keypair.created),
                     "deleted": False, "deleted_at": None, "updated_at": None, "id": keypair.id})
    return data
