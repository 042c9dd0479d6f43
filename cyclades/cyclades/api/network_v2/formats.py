"""Neutron v2.0 representations of networks, subnets, ports and floating IPs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from cyclades.network import pools
from cyclades.network.floating_ips import reported_port_id
from cyclades.network.models import IPAddress, Network, Port, Subnet


def isotime(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _common(obj: Any, owner: str, project: str) -> dict[str, Any]:
    return {"id": str(obj.id), "tenant_id": project or owner, "project_id": project or owner,
            "created_at": isotime(obj.created), "updated_at": isotime(obj.updated),
            "description": "", "tags": [], "revision_number": 0}


def networks(items: Iterable[Network]) -> list[dict[str, Any]]:
    items = list(items)
    subnets: dict[int, list[str]] = defaultdict(list)
    for network_id, subnet_id in (Subnet.objects.filter(network__in=items, deleted=False)
                                  .values_list("network_id", "id").order_by("id")):
        subnets[network_id].append(str(subnet_id))
    return [{
        **_common(n, n.owner, n.project),
        "name": n.name, "status": n.status, "admin_state_up": n.admin_state_up,
        "shared": n.shared, "router:external": n.public, "subnets": subnets[n.id],
        "mtu": 1500, "port_security_enabled": True, "availability_zones": [],
        "is_default": False, "user_id": n.owner, "type": n.flavor, "public": n.public,
        "SNF:floating_ip_pool": n.floating_ip_pool,
    } for n in items]


def subnets(items: Iterable[Subnet]) -> list[dict[str, Any]]:
    return [{
        **_common(s, s.network.owner, s.network.project),
        "name": s.name, "network_id": str(s.network_id), "ip_version": s.ip_version,
        "cidr": s.cidr, "gateway_ip": s.gateway or None, "enable_dhcp": s.dhcp,
        "allocation_pools": pools.pool_ranges(s), "dns_nameservers": list(s.dns_nameservers),
        "host_routes": list(s.host_routes),
        "ipv6_address_mode": s.ipv6_address_mode or None,
        "ipv6_ra_mode": s.ipv6_ra_mode or None, "subnetpool_id": None,
        "service_types": [],
    } for s in items]


def ports(items: Iterable[Port]) -> list[dict[str, Any]]:
    items = list(items)
    fixed: dict[int, list[dict[str, str]]] = defaultdict(list)
    for port_id, subnet_id, address in (IPAddress.objects.filter(port__in=items)
                                        .values_list("port_id", "subnet_id", "address")
                                        .order_by("ip_version", "id")):
        fixed[port_id].append({"subnet_id": str(subnet_id), "ip_address": address})
    return [{
        **_common(p, p.owner, p.project),
        "name": p.name, "network_id": str(p.network_id), "mac_address": p.mac,
        "admin_state_up": True, "status": p.status,
        "device_id": str(p.server_id) if p.server_id else "",
        "device_owner": p.device_owner if p.server_id else "",
        "fixed_ips": fixed[p.id], "security_groups": list(p.security_groups),
        "allowed_address_pairs": [], "extra_dhcp_opts": [], "binding:vnic_type": "normal",
        "port_security_enabled": True,
    } for p in items]


def floating_ips(items: Iterable[IPAddress]) -> list[dict[str, Any]]:
    items = list(items)
    result = []
    for f in items:
        port_id = reported_port_id(f)
        fixed_ip = None
        if f.target_port_id:
            fixed_ip = IPAddress.objects.filter(port_id=f.target_port_id, ip_version=4) \
                .values_list("address", flat=True).first()
        attached = f.port_id is not None and f.port.status == "ACTIVE"
        result.append({
            **_common(f, f.owner, f.project),
            "floating_ip_address": f.address, "floating_network_id": str(f.network_id),
            "router_id": None, "port_id": str(port_id) if port_id else None,
            "fixed_ip_address": fixed_ip, "status": "ACTIVE" if attached else "DOWN",
            "port_details": None,
            "instance_id": str(f.port.server_id) if f.port_id and f.port.server_id else None,
        })
    return result


def matches(item: dict[str, Any], request: HttpRequest) -> bool:
    """Neutron's list filters: ?field=value for any field of the representation."""
    for key in request.GET:
        if key in ("fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse") \
                or key not in item:
            continue
        wanted = request.GET.getlist(key)
        value = item[key]
        text = str(value).lower() if isinstance(value, bool) else \
            "" if value is None else str(value)
        if isinstance(value, list):
            continue
        if text not in [w.lower() if isinstance(value, bool) else w for w in wanted]:
            return False
    return True


def only_fields(item: dict[str, Any], request: HttpRequest) -> dict[str, Any]:
    fields = request.GET.getlist("fields")
    return {k: v for k, v in item.items() if k in fields} if fields else item
