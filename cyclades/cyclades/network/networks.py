"""Networks: create (flavor -> NIC parameters, pooled link / MAC prefix, quota), rename, delete.

Visibility: a user sees her own networks, public (router:external) ones and
shared ones; anything else is 404, as if it did not exist. Public networks are
created by administrators only.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from cyclades.network import pools, quota
from cyclades.network.backend import refresh_status, release_unused_later
from cyclades.network.models import FLAVORS, BackendNetwork, Network, Port, Subnet
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, Forbidden, ItemNotFound

log = logging.getLogger(__name__)

NAME_MAX_CHARS = 255


def visible(credentials: Credentials) -> QuerySet:
    return Network.objects.filter(deleted=False).filter(
        Q(owner=credentials.user_id) | Q(public=True) | Q(shared=True))


def network_for(credentials: Credentials, network_id: Any, *, write: bool = False,
                lock: bool = False) -> Network:
    query = visible(credentials)
    if lock:
        query = query.select_for_update()
    try:
        network = query.filter(pk=int(str(network_id))).first()
    except ValueError:
        network = None
    if network is None:
        raise ItemNotFound(f"Network {network_id} could not be found.")
    if write and network.owner != credentials.user_id and not credentials.is_admin:
        raise Forbidden(f"Network {network_id} belongs to another user.")
    return network


def validate_name(name: Any) -> str:
    if name is None:
        return ""
    if not isinstance(name, str) or len(name) > NAME_MAX_CHARS:
        raise BadRequest(f"name must be a string of at most {NAME_MAX_CHARS} characters.")
    return name


def flavor_params(flavor: str) -> dict[str, Any]:
    table = settings.CYCLADES_NETWORK_FLAVORS
    if flavor not in table:
        raise BadRequest(f"Unknown network type {flavor}; one of {', '.join(sorted(table))}.")
    return dict(table[flavor])


def create_network(credentials: Credentials | None, *, name: str = "", flavor: str | None = None,
                   public: bool = False, shared: bool = False, project: str | None = None,
                   floating_ip_pool: bool = False, mode: str | None = None,
                   link: str | None = None, mac_prefix: str | None = None,
                   tags: list[str] | None = None, admin: bool = False) -> Network:
    """Create a network. `credentials` None = the administrator (cyclades-manage)."""
    admin = admin or credentials is None or credentials.is_admin
    flavor = (flavor or ("CUSTOM" if public else "MAC_FILTERED")).upper()
    if flavor not in FLAVORS:
        raise BadRequest(f"Unknown network type {flavor}; one of {', '.join(FLAVORS)}.")
    if not admin and flavor not in settings.CYCLADES_API_NETWORK_FLAVORS:
        raise Forbidden(f"Network type {flavor} is for administrators.")
    if (public or floating_ip_pool) and not admin:
        raise Forbidden("Only administrators create external (public) networks.")
    if not admin and (mode or link or mac_prefix or tags):
        raise Forbidden("Only administrators set NIC mode, link, MAC prefix or tags.")
    params = flavor_params(flavor)
    owner = "" if credentials is None else credentials.user_id
    if public:
        owner = owner if not admin else ""
    project = project or (credentials.project_id if credentials else "") or owner
    network = Network(name=validate_name(name), owner=owner, project=project, flavor=flavor,
                      mode=mode or params["mode"], public=public, shared=shared or public,
                      floating_ip_pool=floating_ip_pool,
                      tags=list(tags if tags is not None else params.get("tags", [])))

    def write() -> Network:
        with transaction.atomic():
            wanted_link = link or params["link"]
            if wanted_link == "pool":
                network.link, network.pooled_link = pools.allocate_value("bridge"), True
            else:
                network.link = wanted_link
            wanted_prefix = mac_prefix or params.get("mac_prefix") or "aa:00:00"
            if wanted_prefix == "pool":
                network.mac_prefix = pools.allocate_value("mac_prefix")
                network.pooled_mac_prefix = True
            else:
                network.mac_prefix = wanted_prefix
            network.save()
        return network

    if public or not owner:
        write()
    else:
        network.quota_charged = True
        with quota.commission(owner, project, quota.PRIVATE_NETWORK, 1,
                              f"network create {name}"[:100]):
            write()
    log.info("network %s (%s, %s) created by %s", network.id, flavor, network.link,
             owner or "admin")
    return network


def rename(credentials: Credentials, network: Network, name: Any) -> Network:
    with transaction.atomic():
        locked = Network.objects.select_for_update().get(pk=network.pk)
        locked.name = validate_name(name)
        locked.save(update_fields=["name", "updated"])
    return locked


def update(credentials: Credentials, network: Network, data: dict[str, Any]) -> Network:
    allowed = {"name", "admin_state_up", "shared"}
    unknown = set(data) - allowed
    if unknown:
        raise BadRequest(f"Cannot update {', '.join(sorted(unknown))} of a network.")
    with transaction.atomic():
        locked = Network.objects.select_for_update().get(pk=network.pk)
        if "name" in data:
            locked.name = validate_name(data["name"])
        if "shared" in data:
            if not isinstance(data["shared"], bool):
                raise BadRequest("shared must be a boolean.")
            locked.shared = data["shared"] or locked.public
        if "admin_state_up" in data:
            if not isinstance(data["admin_state_up"], bool):
                raise BadRequest("admin_state_up must be a boolean.")
            locked.admin_state_up = data["admin_state_up"]
        locked.save()
        refresh_status(locked)
    return locked


def delete_network(network: Network) -> None:
    """Refused while ports (or floating IPs) use it; gives back pools and quota."""
    if network.quota_charged:
        with quota.commission(network.owner, network.project, quota.PRIVATE_NETWORK, -1,
                              f"network delete {network.id}", force=True):
            _delete(network)
    else:
        _delete(network)
    log.info("network %s deleted", network.id)


def _delete(network: Network) -> None:
    with transaction.atomic():
        locked = Network.objects.select_for_update().get(pk=network.pk)
        if locked.deleted:
            raise ItemNotFound(f"Network {locked.id} could not be found.")
        if Port.objects.filter(network=locked).exists() or \
                locked.addresses.filter(floating_ip=True).exists():
            raise Conflict(f"Unable to complete operation on network {locked.id}. "
                           f"There are one or more ports or floating IPs still in use "
                           f"on the network.")
        for subnet in Subnet.objects.filter(network=locked, deleted=False):
            subnet.pools.all().delete()
            subnet.deleted = True
            subnet.save(update_fields=["deleted", "updated"])
        if locked.pooled_link:
            pools.release_value("bridge", locked.link)
        if locked.pooled_mac_prefix:
            pools.release_value("mac_prefix", locked.mac_prefix)
        locked.deleted = True
        locked.save(update_fields=["deleted", "updated"])
        if BackendNetwork.objects.filter(network=locked).exists():
            release_unused_later({locked.id}, None)
