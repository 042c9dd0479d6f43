"""Floating IPs: addresses of an external network's pool that a user holds (quota
cyclades.floating_ip) and plugs into one of her servers.

Associating a floating IP with a port of a server gives that server one more
NIC on the external network carrying the floating IP (a port made for it, which
goes when the IP is disassociated or the server is deleted); the API reports the
port the client named. A floating IP can also be a port's fixed IP directly
(create a port on the external network, or boot with networks=[{uuid, fixed_ip}]).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.db import transaction

from cyclades.network import pools, quota
from cyclades.network.models import IPAddress, Network, Port, Subnet
from cyclades.network.networks import visible
from cyclades.network.ports import attach, detach, new_mac, port_for
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, ItemNotFound

log = logging.getLogger(__name__)


def floating_ip_for(credentials: Credentials, fip_id: Any) -> IPAddress:
    try:
        fip = (IPAddress.objects.select_related("network", "port", "target_port")
               .filter(pk=int(str(fip_id)), floating_ip=True, owner=credentials.user_id)
               .first())
    except ValueError:
        fip = None
    if fip is None:
        raise ItemNotFound(f"Floating IP {fip_id} could not be found.")
    return fip


def _pool_network(credentials: Credentials, network_id: Any) -> Network:
    query = visible(credentials).filter(floating_ip_pool=True)
    if network_id in (None, ""):
        network = query.order_by("id").first()
        if network is None:
            raise BadRequest("No external network with a floating IP pool exists.")
        return network
    try:
        network = query.filter(pk=int(str(network_id))).first()
    except ValueError:
        network = None
    if network is None:
        raise ItemNotFound(f"External network {network_id} could not be found.")
    return network


def allocate(credentials: Credentials, *, floating_network_id: Any = None,
             floating_ip_address: Any = None, port_id: Any = None,
             project: str | None = None) -> IPAddress:
    network = _pool_network(credentials, floating_network_id)
    address = None
    if floating_ip_address not in (None, ""):
        try:
            address = str(ipaddress.ip_address(floating_ip_address))
        except ValueError:
            raise BadRequest(f"Invalid floating_ip_address {floating_ip_address!r}.") from None
    target = port_for(credentials, port_id) if port_id not in (None, "") else None
    project = project or credentials.project_id or credentials.user_id
    with quota.commission(credentials.user_id, project, quota.FLOATING_IP, 1,
                          f"floating ip on network {network.id}"):
        with transaction.atomic():
            locked = Network.objects.select_for_update().get(pk=network.pk)
            subnet = Subnet.objects.filter(network=locked, ip_version=4, deleted=False).first()
            if locked.deleted or subnet is None:
                raise Conflict(f"Network {network.id} has no IPv4 subnet to allocate from.")
            taken = pools.allocate_ip(subnet, address)
            fip = IPAddress.objects.create(network=locked, subnet=subnet,
                                           owner=credentials.user_id, project=project,
                                           address=taken, ip_version=4, floating_ip=True)
            if target is not None:
                _associate(credentials, fip, target)
    log.info("floating IP %s (%s) allocated to %s", fip.id, fip.address, credentials.user_id)
    fip.refresh_from_db()
    return fip


def _associate(credentials: Credentials, fip: IPAddress, target: Port) -> None:
    if fip.port_id is not None:
        raise Conflict(f"Floating IP {fip.address} is already associated.")
    if target.server_id is None:
        raise BadRequest(f"Port {target.id} is not attached to a server.")
    if target.network_id == fip.network_id:
        raise BadRequest(f"Port {target.id} is on the floating IP's own network.")
    network = Network.objects.select_for_update().get(pk=fip.network_id)
    carrier = Port.objects.create(network=network, owner=fip.owner, project=fip.project,
                                  name=f"floating-ip-{fip.id}", auto=True,
                                  device_owner="network:floatingip", mac=new_mac(network),
                                  security_groups=["default"])
    fip.port, fip.target_port = carrier, target
    fip.save(update_fields=["port", "target_port", "updated"])
    attach(carrier, target.server)


def update(credentials: Credentials, fip: IPAddress, data: dict[str, Any]) -> IPAddress:
    unknown = set(data) - {"port_id", "description"}
    if unknown:
        raise BadRequest(f"Cannot update {', '.join(sorted(unknown))} of a floating IP.")
    if "port_id" not in data:
        return fip
    target = port_for(credentials, data["port_id"]) if data["port_id"] else None
    with transaction.atomic():
        locked = IPAddress.objects.select_for_update().get(pk=fip.pk)
        if target is None:
            _disassociate(locked)
        elif locked.target_port_id != target.id:
            if locked.port_id is not None:
                raise Conflict(f"Floating IP {locked.address} is associated with port "
                               f"{locked.target_port_id or locked.port_id}; disassociate it "
                               f"first.")
            _associate(credentials, locked, target)
    fip.refresh_from_db()
    return fip


def _disassociate(fip: IPAddress) -> None:
    if fip.port_id is None:
        return
    carrier = Port.objects.select_for_update(of=("self",)).select_related("server").get(pk=fip.port_id)
    if carrier.device_owner != "network:floatingip":
        raise Conflict(f"Floating IP {fip.address} is the fixed IP of port {carrier.id}; "
                       f"delete that port instead.")
    fip.target_port = None
    fip.save(update_fields=["target_port", "updated"])
    if carrier.server_id is not None and carrier.server.instance_created:
        detach(carrier, delete=True)
    else:
        from cyclades.network.ports import _finish_delete

        _finish_delete(carrier)


def release(credentials: Credentials, fip: IPAddress) -> None:
    if fip.port_id is not None:
        raise Conflict(f"Floating IP {fip.address} is in use; disassociate it first.")
    with quota.commission(fip.owner, fip.project, quota.FLOATING_IP, -1,
                          f"floating ip release {fip.id}", force=True):
        with transaction.atomic():
            locked = IPAddress.objects.select_for_update().filter(pk=fip.pk).first()
            if locked is None:
                raise ItemNotFound(f"Floating IP {fip.id} could not be found.")
            if locked.port_id is not None:
                raise Conflict(f"Floating IP {fip.address} is in use; disassociate it first.")
            pools.release_ip(locked.subnet, locked.address)
            locked.delete()
    log.info("floating IP %s (%s) released", fip.id, fip.address)


def reported_port_id(fip: IPAddress) -> int | None:
    if fip.target_port_id is not None:
        return fip.target_port_id
    if fip.port_id is not None and fip.port.device_owner != "network:floatingip":
        return fip.port_id
    return None
