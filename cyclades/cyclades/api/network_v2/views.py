"""/network/v2.0: one collection view and one item view per resource (Neutron shapes).

Views parse the request, call cyclades.network, and format; faults are raised
and rendered by the middleware (OpenStack JSON, which openstacksdk reads the
same way as Neutron's own NeutronError: it takes `message` from any top-level
object).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.network_v2 import formats
from cyclades.api.public_url import base_url
from cyclades.network import floating_ips, networks, ports, subnets
from cyclades.network.models import IPAddress, Port, Subnet
from snf_common.django.auth import api_view, json_body
from snf_common.faults import BadRequest

V2 = "v2.0"


def _body(request: HttpRequest, key: str) -> dict[str, Any]:
    data = json_body(request)
    item = data.get(key) if isinstance(data, dict) else None
    if not isinstance(item, dict):
        raise BadRequest(f"Request body must be {{\"{key}\": {{...}}}}.")
    return item


def _bool(data: dict, key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{key} must be a boolean.")
    return value


def _list(request: HttpRequest, key: str, rows: list[dict[str, Any]]) -> JsonResponse:
    rows = [formats.only_fields(r, request) for r in rows if formats.matches(r, request)]
    return JsonResponse({key: rows})


def _one(key: str, row: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse({key: row}, status=status)


# -- discovery ----------------------------------------------------------------------------
@api_view(("GET",), auth=False)
def versions(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"versions": [{
        "id": V2, "status": "CURRENT",
        "links": [{"rel": "self", "href": f"{base_url(request)}/network/{V2}/"}]}]})


@api_view(("GET",), auth=False)
def v2(request: HttpRequest) -> JsonResponse:
    base = f"{base_url(request)}/network/{V2}"
    return JsonResponse({"resources": [
        {"name": name, "collection": collection,
         "links": [{"rel": "self", "href": f"{base}/{collection}"}]}
        for name, collection in (("network", "networks"), ("subnet", "subnets"),
                                 ("port", "ports"), ("floatingip", "floatingips"))]})


@api_view(("GET",))
def extensions(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"extensions": []})


# -- networks -----------------------------------------------------------------------------
@api_view(("GET", "POST"))
def network_collection(request: HttpRequest) -> HttpResponse:
    credentials = request.credentials
    if request.method == "POST":
        data = _body(request, "network")
        network = networks.create_network(
            credentials, name=data.get("name", ""), flavor=data.get("type"),
            public=_bool(data, "router:external"), shared=_bool(data, "shared"),
            project=data.get("project_id") or data.get("tenant_id") or data.get("project"))
        return _one("network", formats.networks([network])[0], 201)
    return _list(request, "networks", formats.networks(networks.visible(credentials)))


@api_view(("GET", "PUT", "DELETE"))
def network_item(request: HttpRequest, network_id: str) -> HttpResponse:
    credentials = request.credentials
    network = networks.network_for(credentials, network_id,
                                   write=request.method != "GET")
    if request.method == "DELETE":
        networks.delete_network(network)
        return HttpResponse(status=204)
    if request.method == "PUT":
        network = networks.update(credentials, network, _body(request, "network"))
    return _one("network", formats.networks([network])[0])


# -- subnets ------------------------------------------------------------------------------
def _visible_subnets(request: HttpRequest):
    return (Subnet.objects.filter(deleted=False, network__in=networks.visible(
        request.credentials)).select_related("network"))


@api_view(("GET", "POST"))
def subnet_collection(request: HttpRequest) -> HttpResponse:
    credentials = request.credentials
    if request.method == "POST":
        data = _body(request, "subnet")
        if "network_id" not in data or "cidr" not in data:
            raise BadRequest("A subnet needs network_id and cidr.")
        try:
            network = networks.network_for(credentials, data["network_id"])
        except Exception:
            raise BadRequest(f"Network {data['network_id']} could not be found.") from None
        extra = {"gateway_ip": data["gateway_ip"]} if "gateway_ip" in data else {}
        subnet = subnets.create_subnet(
            credentials, network, cidr=data["cidr"], ip_version=data.get("ip_version", 4),
            allocation_pools=data.get("allocation_pools"),
            enable_dhcp=data.get("enable_dhcp", True),
            dns_nameservers=data.get("dns_nameservers"), host_routes=data.get("host_routes"),
            ipv6_address_mode=data.get("ipv6_address_mode"),
            ipv6_ra_mode=data.get("ipv6_ra_mode"), name=data.get("name", ""), **extra)
        return _one("subnet", formats.subnets([subnet])[0], 201)
    return _list(request, "subnets", formats.subnets(_visible_subnets(request)))


@api_view(("GET", "PUT", "DELETE"))
def subnet_item(request: HttpRequest, subnet_id: str) -> HttpResponse:
    credentials = request.credentials
    subnet = subnets.subnet_for(credentials, subnet_id)
    if request.method == "DELETE":
        subnets.delete_subnet(credentials, subnet)
        return HttpResponse(status=204)
    if request.method == "PUT":
        if subnet.network.owner != credentials.user_id and not credentials.is_admin:
            from snf_common.faults import Forbidden

            raise Forbidden(f"Subnet {subnet.id} belongs to another user.")
        subnet = subnets.update_subnet(subnet, _body(request, "subnet"))
    return _one("subnet", formats.subnets([subnet])[0])


# -- ports --------------------------------------------------------------------------------
@api_view(("GET", "POST"))
def port_collection(request: HttpRequest) -> HttpResponse:
    credentials = request.credentials
    if request.method == "POST":
        data = _body(request, "port")
        if "network_id" not in data:
            raise BadRequest("A port needs network_id.")
        network = networks.network_for(credentials, data["network_id"])
        port = ports.create_port(
            credentials, network, name=data.get("name") or "",
            fixed_ips=data.get("fixed_ips"), device_id=data.get("device_id"),
            security_groups=data.get("security_groups"),
            mac_address=data.get("mac_address"), device_owner=data.get("device_owner") or "")
        return _one("port", formats.ports([port])[0], 201)
    query = Port.objects.filter(owner=credentials.user_id)
    return _list(request, "ports", formats.ports(query))


@api_view(("GET", "PUT", "DELETE"))
def port_item(request: HttpRequest, port_id: str) -> HttpResponse:
    credentials = request.credentials
    port = ports.port_for(credentials, port_id)
    if request.method == "DELETE":
        ports.delete_port(port)
        return HttpResponse(status=204)
    if request.method == "PUT":
        port = ports.update_port(credentials, port, _body(request, "port"))
    return _one("port", formats.ports([Port.objects.get(pk=port.pk)])[0])


# -- floating IPs -------------------------------------------------------------------------
@api_view(("GET", "POST"))
def floating_ip_collection(request: HttpRequest) -> HttpResponse:
    credentials = request.credentials
    if request.method == "POST":
        data = _body(request, "floatingip")
        fip = floating_ips.allocate(
            credentials, floating_network_id=data.get("floating_network_id"),
            floating_ip_address=data.get("floating_ip_address"), port_id=data.get("port_id"),
            project=data.get("project_id") or data.get("tenant_id"))
        return _one("floatingip", formats.floating_ips([fip])[0], 201)
    query = IPAddress.objects.filter(owner=credentials.user_id, floating_ip=True) \
        .select_related("port")
    return _list(request, "floatingips", formats.floating_ips(query))


@api_view(("GET", "PUT", "DELETE"))
def floating_ip_item(request: HttpRequest, fip_id: str) -> HttpResponse:
    credentials = request.credentials
    fip = floating_ips.floating_ip_for(credentials, fip_id)
    if request.method == "DELETE":
        floating_ips.release(credentials, fip)
        return HttpResponse(status=204)
    if request.method == "PUT":
        fip = floating_ips.update(credentials, fip, _body(request, "floatingip"))
    fresh = IPAddress.objects.select_related("port").get(pk=fip.pk)
    return _one("floatingip", formats.floating_ips([fresh])[0])


# -- Synnefo's `/<collection>/detail` lists (kamaki 0.16 lists networks this way) ------
_COLLECTIONS = {"networks": network_collection, "subnets": subnet_collection,
                "ports": port_collection, "floatingips": floating_ip_collection}


@api_view(("GET",))
def collection_detail(request: HttpRequest, collection: str) -> HttpResponse:
    # The same rows as the plain list; __wrapped__ skips the second auth pass.
    return _COLLECTIONS[collection].__wrapped__(request)
