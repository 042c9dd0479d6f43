"""Subnets: one IPv4 (with allocation pools) and one IPv6 (SLAAC) subnet per network.

Validation follows Neutron's rules: the gateway must lie inside the subnet and
outside the allocation pools, pools must lie inside the subnet and must not
overlap each other, and a network's subnets must not overlap. Everything is
checked before anything is written, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import transaction

from cyclades.network import pools
from cyclades.network.models import BackendNetwork, Network, Subnet
from cyclades.network.networks import validate_name, visible
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, Forbidden, ItemNotFound

UNSET = object()
MAX_DNS = 5


def subnet_for(credentials: Credentials, subnet_id: Any) -> Subnet:
    try:
        subnet = (Subnet.objects.filter(pk=int(str(subnet_id)), deleted=False,
                                        network__in=visible(credentials))
                  .select_related("network").first())
    except ValueError:
        subnet = None
    if subnet is None:
        raise ItemNotFound(f"Subnet {subnet_id} could not be found.")
    return subnet


def _address(value: Any, what: str, version: int) -> ipaddress._BaseAddress:
    try:
        address = ipaddress.ip_address(value)
    except (TypeError, ValueError):
        raise BadRequest(f"Invalid {what} {value!r}.") from None
    if address.version != version:
        raise BadRequest(f"{what} {value} is not an IPv{version} address.")
    return address


def _pools(raw: Any, cidr: ipaddress._BaseNetwork, gateway: ipaddress._BaseAddress | None
           ) -> list[tuple[ipaddress._BaseAddress, ipaddress._BaseAddress]]:
    hosts_first, hosts_last = cidr.network_address + 1, cidr.broadcast_address - 1
    if raw is None:
        if int(hosts_last) < int(hosts_first):
            raise BadRequest(f"Subnet {cidr} has no room for hosts.")
        # Neutron's default: every host address except the gateway.
        ranges, start = [], hosts_first
        if gateway is not None and hosts_first <= gateway <= hosts_last:
            if gateway > hosts_first:
                ranges.append((hosts_first, gateway - 1))
            start = gateway + 1
        if start <= hosts_last:
            ranges.append((start, hosts_last))
        return ranges
    if not isinstance(raw, list):
        raise BadRequest("allocation_pools must be a list of {start, end}.")
    ranges = []
    for item in raw:
        if not isinstance(item, dict) or "start" not in item or "end" not in item:
            raise BadRequest("Each allocation pool needs start and end.")
        first = _address(item["start"], "allocation pool start", cidr.version)
        last = _address(item["end"], "allocation pool end", cidr.version)
        if last < first:
            raise BadRequest(f"Allocation pool {first}-{last}: end before start.")
        if first not in cidr or last not in cidr or first == cidr.network_address or \
                last == cidr.broadcast_address:
            raise BadRequest(f"Allocation pool {first}-{last} is outside subnet {cidr}.")
        if gateway is not None and first <= gateway <= last:
            raise BadRequest(f"Gateway {gateway} is inside allocation pool {first}-{last}.")
        ranges.append((first, last))
    ranges.sort()
    for (a_first, a_last), (b_first, b_last) in zip(ranges, ranges[1:]):
        if b_first <= a_last:
            raise BadRequest(f"Allocation pools {a_first}-{a_last} and {b_first}-{b_last} "
                             f"overlap.")
    return ranges


def _dns(raw: Any, version: int) -> list[str]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_DNS:
        raise BadRequest(f"dns_nameservers must be a list of at most {MAX_DNS} addresses.")
    result = []
    for value in raw:
        try:
            result.append(str(ipaddress.ip_address(value)))
        except (TypeError, ValueError):
            raise BadRequest(f"Invalid DNS nameserver {value!r}.") from None
    if len(set(result)) != len(result):
        raise BadRequest("Duplicate DNS nameserver.")
    return result


def _host_routes(raw: Any) -> list[dict[str, str]]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        raise BadRequest("host_routes must be a list of {destination, nexthop}.")
    routes = []
    for item in raw:
        try:
            routes.append({"destination": str(ipaddress.ip_network(item["destination"])),
                           "nexthop": str(ipaddress.ip_address(item["nexthop"]))})
        except (TypeError, KeyError, ValueError):
            raise BadRequest(f"Invalid host route {item!r}.") from None
    return routes


def create_subnet(credentials: Credentials | None, network: Network, *, cidr: Any,
                  ip_version: Any = 4, gateway_ip: Any = UNSET, allocation_pools: Any = None,
                  enable_dhcp: Any = True, dns_nameservers: Any = None, host_routes: Any = None,
                  ipv6_address_mode: Any = None, ipv6_ra_mode: Any = None,
                  name: Any = "") -> Subnet:
    if credentials is not None and network.owner != credentials.user_id and \
            not credentials.is_admin:
        raise Forbidden(f"Network {network.id} belongs to another user.")
    try:
        version = int(ip_version)
    except (TypeError, ValueError):
        raise BadRequest("ip_version must be 4 or 6.") from None
    if version not in (4, 6):
        raise BadRequest("ip_version must be 4 or 6.")
    try:
        net = ipaddress.ip_network(str(cidr), strict=True)
    except ValueError as exc:
        raise BadRequest(f"Invalid cidr {cidr!r}: {exc}.") from None
    if net.version != version:
        raise BadRequest(f"cidr {cidr} is not an IPv{version} network.")
    if not isinstance(enable_dhcp, bool):
        raise BadRequest("enable_dhcp must be a boolean.")
    gateway: Any
    if gateway_ip is UNSET:
        gateway = None if version == 6 and net.prefixlen == 128 else net.network_address + 1
        if version == 4 and net.prefixlen >= 31:
            gateway = None
    elif gateway_ip in (None, ""):
        gateway = None
    else:
        gateway = _address(gateway_ip, "gateway_ip", version)
        if gateway not in net or gateway in (net.network_address,) or \
                (version == 4 and gateway == net.broadcast_address):
            raise BadRequest(f"Gateway IP {gateway} is outside subnet {net}.")
    if version == 6:
        mode = ipv6_address_mode or "slaac"
        if mode != "slaac" or ipv6_ra_mode not in (None, "slaac"):
            raise BadRequest("Only ipv6_address_mode slaac is supported.")
        if net.prefixlen != 64:
            raise BadRequest("A SLAAC subnet must be a /64.")
        if allocation_pools:
            raise BadRequest("SLAAC subnets take no allocation pools.")
        ranges = []
    else:
        if ipv6_address_mode or ipv6_ra_mode:
            raise BadRequest("ipv6_address_mode applies to IPv6 subnets only.")
        mode = ""
        ranges = _pools(allocation_pools, net, gateway)
    dns = _dns(dns_nameservers, version)
    routes = _host_routes(host_routes)
    name = validate_name(name)
    with transaction.atomic():
        locked = Network.objects.select_for_update().get(pk=network.pk)
        if locked.deleted:
            raise ItemNotFound(f"Network {network.id} could not be found.")
        existing = list(Subnet.objects.filter(network=locked, deleted=False))
        for other in existing:
            if ipaddress.ip_network(other.cidr).overlaps(net):
                raise BadRequest(f"Invalid input for operation: Requested subnet with cidr: "
                                 f"{net} for network: {locked.id} overlaps with another "
                                 f"subnet ({other.cidr}).")
            if other.ip_version == version:
                raise BadRequest(f"Network {locked.id} already has an IPv{version} subnet.")
        if BackendNetwork.objects.filter(network=locked).exclude(operstate="DELETING").exists():
            raise Conflict(f"Network {locked.id} is already in use on a Ganeti cluster; add "
                           f"subnets before attaching servers.")
        subnet = Subnet.objects.create(
            network=locked, name=name, ip_version=version, cidr=str(net),
            gateway=str(gateway) if gateway is not None else "", dhcp=enable_dhcp,
            dns_nameservers=dns, host_routes=routes, ipv6_address_mode=mode,
            ipv6_ra_mode=mode if version == 6 else "")
        if ranges:
            pools.create_ip_pools(subnet, [(str(a), str(b)) for a, b in ranges],
                                  reserved=[str(gateway)] if gateway is not None else [])
    return subnet


def update_subnet(subnet: Subnet, data: dict[str, Any]) -> Subnet:
    allowed = {"name", "dns_nameservers", "host_routes"}
    unknown = set(data) - allowed
    if unknown:
        raise BadRequest(f"Cannot update {', '.join(sorted(unknown))} of a subnet.")
    with transaction.atomic():
        locked = Subnet.objects.select_for_update().get(pk=subnet.pk)
        if "name" in data:
            locked.name = validate_name(data["name"])
        if "dns_nameservers" in data:
            locked.dns_nameservers = _dns(data["dns_nameservers"], locked.ip_version)
        if "host_routes" in data:
            locked.host_routes = _host_routes(data["host_routes"])
        locked.save()
    return locked


def delete_subnet(credentials: Credentials, subnet: Subnet) -> None:
    if subnet.network.owner != credentials.user_id and not credentials.is_admin:
        raise Forbidden(f"Subnet {subnet.id} belongs to another user.")
    with transaction.atomic():
        Network.objects.select_for_update().get(pk=subnet.network_id)
        locked = Subnet.objects.select_for_update().get(pk=subnet.pk)
        if locked.addresses.exists():
            raise Conflict(f"Unable to complete operation on subnet {locked.id}: one or more "
                           f"ports have an IP allocation from this subnet.")
        if BackendNetwork.objects.filter(network_id=locked.network_id) \
                .exclude(operstate="DELETING").exists():
            raise Conflict(f"Network {locked.network_id} is in use on a Ganeti cluster.")
        locked.pools.all().delete()
        locked.deleted = True
        locked.save(update_fields=["deleted", "updated"])
