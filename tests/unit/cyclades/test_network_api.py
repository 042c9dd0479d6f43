"""The Network API (/network/v2.0) over the fake RAPI cluster and the update path."""

from __future__ import annotations

import json

import pytest
from conftest import run_cluster_jobs
from django.test import Client

from cyclades.backends.ganeti import fake
from cyclades.network import networks as netlogic
from cyclades.network import subnets as subnetlogic
from cyclades.network.models import BackendNetwork, IPAddress, Network, Pool, Port, Subnet

pytestmark = pytest.mark.django_db(transaction=True)


class NetApi:
    def __init__(self, token: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.token = token

    def call(self, method: str, path: str, body=None, prefix: str = "/network/v2.0/"):
        response = getattr(self.client, method.lower())(
            prefix + path.lstrip("/"), data=json.dumps(body) if body is not None else None,
            content_type="application/json", HTTP_X_AUTH_TOKEN=self.token)
        response.data = json.loads(response.content) if response.content else None
        return response


@pytest.fixture
def anet():
    return NetApi("tok-alice")


@pytest.fixture
def bnet():
    return NetApi("tok-bob")


def make_network(api, name="net1", **extra):
    response = api.call("POST", "networks", {"network": {"name": name, **extra}})
    assert response.status_code == 201, response.content
    return response.data["network"]


def make_subnet(api, network_id, cidr="10.1.0.0/24", **extra):
    response = api.call("POST", "subnets", {"subnet": {"network_id": network_id,
                                                       "cidr": cidr, "ip_version": 4, **extra}})
    assert response.status_code == 201, response.content
    return response.data["subnet"]


def public_network(cidr="203.0.113.0/28"):
    network = netlogic.create_network(None, name="public", public=True, floating_ip_pool=True,
                                      flavor="IP_LESS_ROUTED")
    subnetlogic.create_subnet(None, network, cidr=cidr)
    return network


def test_versions_and_empty_lists(anet):
    assert anet.call("GET", "", prefix="/network/").data["versions"][0]["id"] == "v2.0"
    assert anet.call("GET", "networks").data == {"networks": []}
    assert anet.call("GET", "ports.json").data == {"ports": []}


def test_private_network_mac_prefix_pool_quota_and_visibility(anet, bnet, quota):
    first = make_network(anet, "a")
    second = make_network(anet, "b")
    assert first["type"] == "MAC_FILTERED" and first["status"] == "ACTIVE"
    assert first["router:external"] is False and first["shared"] is False
    prefixes = {Network.objects.get(pk=first["id"]).mac_prefix,
                Network.objects.get(pk=second["id"]).mac_prefix}
    assert prefixes == {"aa:00:01", "aa:00:02"}
    assert quota.held("alice-uuid", "cyclades.network.private") == (2, 2)
    assert bnet.call("GET", f"networks/{first['id']}").status_code == 404
    assert bnet.call("GET", "networks").data["networks"] == []
    assert bnet.call("DELETE", f"networks/{first['id']}").status_code == 404
    listed = anet.call("GET", "networks?name=b").data["networks"]
    assert [n["id"] for n in listed] == [second["id"]]
    renamed = anet.call("PUT", f"networks/{first['id']}", {"network": {"name": "renamed"}})
    assert renamed.status_code == 200 and renamed.data["network"]["name"] == "renamed"
    assert anet.call("DELETE", f"networks/{first['id']}").status_code == 204
    assert quota.held("alice-uuid", "cyclades.network.private") == (1, 1)
    again = make_network(anet, "c")
    assert Network.objects.get(pk=again["id"]).mac_prefix == "aa:00:01"   # prefix came back


def test_only_admins_create_external_networks_or_other_flavors(anet, quota):
    response = anet.call("POST", "networks", {"network": {"name": "x", "router:external": True}})
    assert response.status_code == 403
    assert "message" in response.data["forbidden"]
    assert anet.call("POST", "networks", {"network": {"type": "CUSTOM"}}).status_code == 403
    assert not Network.objects.exists()
    assert quota.held("alice-uuid", "cyclades.network.private") == (0, 0)


def test_network_quota_refusal_creates_nothing(anet, quota):
    quota.limits["cyclades.network.private"] = 1
    make_network(anet, "one")
    response = anet.call("POST", "networks", {"network": {"name": "two"}})
    assert response.status_code == 413
    assert Network.objects.count() == 1
    assert Pool.objects.get(kind="mac_prefix").available.count("0") == 1


def test_admin_flavors_take_their_nic_parameters():
    vlan = netlogic.create_network(None, name="v", flavor="PHYSICAL_VLAN")
    routed = netlogic.create_network(None, name="r", flavor="IP_LESS_ROUTED")
    custom = netlogic.create_network(None, name="c", flavor="CUSTOM", link="br9",
                                     mac_prefix="aa:55:00")
    assert (vlan.mode, vlan.link, vlan.tags) == ("bridged", "prv1", ["physical-vlan"])
    assert (routed.mode, routed.link) == ("routed", "snf_public")
    assert (custom.link, custom.mac_prefix) == ("br9", "aa:55:00")
    second = netlogic.create_network(None, name="v2", flavor="PHYSICAL_VLAN")
    assert second.link == "prv2"


def test_subnet_validation_refuses_bad_input_and_writes_nothing(anet):
    net = make_network(anet)
    bad = [
        {"cidr": "10.1.0.0/24", "gateway_ip": "10.2.0.1"},                    # outside
        {"cidr": "10.1.0.0/24", "allocation_pools": [
            {"start": "10.1.0.10", "end": "10.1.0.20"},
            {"start": "10.1.0.15", "end": "10.1.0.30"}]},                      # overlap
        {"cidr": "10.1.0.0/24", "allocation_pools": [
            {"start": "10.1.0.10", "end": "10.1.1.20"}]},                      # beyond
        {"cidr": "10.1.0.0/24", "gateway_ip": "10.1.0.12", "allocation_pools": [
            {"start": "10.1.0.10", "end": "10.1.0.20"}]},                      # gw in pool
        {"cidr": "10.1.0.5/24"},                                               # host bits
        {"cidr": "fd00::/64", "ip_version": 4},
    ]
    for extra in bad:
        response = anet.call("POST", "subnets", {"subnet": {"network_id": net["id"],
                                                            "ip_version": 4, **extra}})
        assert response.status_code == 400, (extra, response.content)
        assert response.data["badRequest"]["message"]
    assert not Subnet.objects.exists() and not Pool.objects.filter(kind="ip").exists()
    subnet = make_subnet(anet, net["id"], allocation_pools=[
        {"start": "10.1.0.10", "end": "10.1.0.20"}], dns_nameservers=["8.8.8.8"])
    assert subnet["gateway_ip"] == "10.1.0.1"
    assert subnet["allocation_pools"] == [{"start": "10.1.0.10", "end": "10.1.0.20"}]
    overlapping = anet.call("POST", "subnets", {"subnet": {
        "network_id": net["id"], "cidr": "10.1.0.128/25", "ip_version": 4}})
    assert overlapping.status_code == 400 and "overlaps" in \
        overlapping.data["badRequest"]["message"]
    v6 = anet.call("POST", "subnets", {"subnet": {
        "network_id": net["id"], "cidr": "fd00:1::/64", "ip_version": 6,
        "ipv6_address_mode": "slaac"}})
    assert v6.status_code == 201, v6.content
    assert v6.data["subnet"]["ipv6_address_mode"] == "slaac"
    shown = anet.call("GET", f"networks/{net['id']}").data["network"]
    assert sorted(shown["subnets"]) == sorted([subnet["id"], v6.data["subnet"]["id"]])


def test_default_allocation_pool_skips_gateway(anet):
    net = make_network(anet)
    subnet = make_subnet(anet, net["id"], cidr="10.9.0.0/29", gateway_ip="10.9.0.3")
    assert subnet["allocation_pools"] == [{"start": "10.9.0.1", "end": "10.9.0.2"},
                                          {"start": "10.9.0.4", "end": "10.9.0.6"}]


def test_ports_take_distinct_addresses_and_give_them_back(anet, bnet):
    net = make_network(anet)
    subnet = make_subnet(anet, net["id"], cidr="10.2.0.0/29", gateway_ip=None)
    v6 = anet.call("POST", "subnets", {"subnet": {"network_id": net["id"],
                                                  "cidr": "fd00:2::/64", "ip_version": 6}})
    assert v6.status_code == 201
    made = []
    for _ in range(6):
        response = anet.call("POST", "ports", {"port": {"network_id": net["id"],
                                                        "security_groups": ["web"]}})
        assert response.status_code == 201, response.content
        made.append(response.data["port"])
    v4 = [p["fixed_ips"][0]["ip_address"] for p in made]
    assert sorted(v4) == [f"10.2.0.{i}" for i in range(1, 7)]
    assert all(p["mac_address"].startswith("aa:00:01:") for p in made)
    assert len({p["mac_address"] for p in made}) == 6
    assert made[0]["security_groups"] == ["web"]
    assert made[0]["fixed_ips"][1]["ip_address"].startswith("fd00:2::")
    full = anet.call("POST", "ports", {"port": {"network_id": net["id"]}})
    assert full.status_code == 409
    assert "No more IP addresses" in full.data["conflict"]["message"]
    assert Port.objects.count() == 6
    assert anet.call("DELETE", f"ports/{made[2]['id']}").status_code == 204
    specific = anet.call("POST", "ports", {"port": {"network_id": net["id"], "fixed_ips": [
        {"subnet_id": subnet["id"], "ip_address": v4[2]}]}})
    assert specific.status_code == 201
    taken = anet.call("POST", "ports", {"port": {"network_id": net["id"], "fixed_ips": [
        {"ip_address": v4[0]}]}})
    assert taken.status_code == 409
    assert bnet.call("POST", "ports", {"port": {"network_id": net["id"]}}).status_code == 404
    assert bnet.call("GET", f"ports/{made[0]['id']}").status_code == 404
    assert anet.call("DELETE", f"networks/{net['id']}").status_code == 409


def create_server(alice, flavor, image, networks):
    response = alice.call("POST", "servers", {"server": {
        "name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id),
        "networks": networks}})
    assert response.status_code == 202, response.content
    return response.data["server"]["id"]


def test_server_on_private_network_creates_it_on_the_backend_first(alice, anet, backend,
                                                                    flavor, image):
    net = make_network(anet)
    make_subnet(anet, net["id"], cidr="10.3.0.0/24")
    first = create_server(alice, flavor, image, [{"uuid": net["id"]}])
    second = create_server(alice, flavor, image, [{"uuid": net["id"]}])
    cluster = fake.cluster_for("cluster-a")
    kinds = [cluster.jobs[j].kind for j in cluster.pending]
    assert kinds == ["network_add", "network_connect", "create", "create"]   # once
    create_job = cluster.jobs[cluster.pending[2]]
    nic = create_job.body["nics"][0]
    assert nic["network"] == f"snf-net-{net['id']}" and nic["ip"] == "10.3.0.2"
    assert nic["mac"].startswith("aa:00:01:") and nic["mode"] == "bridged"
    assert create_job.body["depends"] == [[cluster.pending[0], ["success"]],
                                          [cluster.pending[1], ["success"]]]
    assert anet.call("GET", f"networks/{net['id']}").data["network"]["status"] == "BUILD"
    run_cluster_jobs()
    assert BackendNetwork.objects.get().operstate == "ACTIVE"
    assert anet.call("GET", f"networks/{net['id']}").data["network"]["status"] == "ACTIVE"
    shown = alice.call("GET", f"servers/{first}").data["server"]
    assert shown["status"] == "ACTIVE"
    assert shown["addresses"][net["id"]][0]["addr"] == "10.3.0.2"
    other = alice.call("GET", f"servers/{second}").data["server"]["addresses"][net["id"]][0]
    assert other["addr"] == "10.3.0.3"
    ports = anet.call("GET", f"ports?device_id={first}").data["ports"]
    assert len(ports) == 1 and ports[0]["status"] == "ACTIVE"
    assert ports[0]["mac_address"] == shown["addresses"][net["id"]][0]["OS-EXT-IPS-MAC:mac_addr"]
    # Deleting both servers frees the addresses and removes the network from the backend.
    for server_id in (first, second):
        assert alice.call("DELETE", f"servers/{server_id}").status_code == 204
    run_cluster_jobs()
    assert not Port.objects.exists() and not IPAddress.objects.exists()
    assert [cluster.jobs[j].kind for j in cluster.pending] == ["network_disconnect",
                                                               "network_remove"]
    run_cluster_jobs()
    assert not BackendNetwork.objects.exists() and not cluster.networks
    assert Pool.objects.get(kind="ip").available == "1" * 253


def test_unknown_or_foreign_network_refuses_server_create(alice, bob, anet, backend, flavor,
                                                          image, quota):
    net = make_network(anet)
    for networks in ([{"uuid": "999"}], [{"uuid": "nope"}], [{"port": "12345"}]):
        response = bob.call("POST", "servers", {"server": {
            "name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id),
            "networks": networks}})
        assert response.status_code in (400, 404), response.content
    response = bob.call("POST", "servers", {"server": {
        "name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id),
        "networks": [{"uuid": net["id"]}]}})
    assert response.status_code == 400
    assert quota.held("bob-uuid", "cyclades.vm") == (0, 0)


def test_attach_and_detach_port_by_device_id(alice, anet, backend, flavor, image):
    net = make_network(anet)
    make_subnet(anet, net["id"], cidr="10.4.0.0/24")
    server_id = create_server(alice, flavor, image, [{"uuid": "public"}])
    run_cluster_jobs()
    port = anet.call("POST", "ports", {"port": {"network_id": net["id"],
                                                "device_id": server_id}})
    assert port.status_code == 201, port.content
    port = port.data["port"]
    assert port["status"] == "BUILD" and port["device_id"] == server_id
    cluster = fake.cluster_for("cluster-a")
    assert [cluster.jobs[j].kind for j in cluster.pending] == [
        "network_add", "network_connect", "modify"]
    run_cluster_jobs()
    shown = alice.call("GET", f"servers/{server_id}").data["server"]
    assert set(shown["addresses"]) == {"public", net["id"]}
    assert anet.call("GET", f"ports/{port['id']}").data["port"]["status"] == "ACTIVE"
    detached = anet.call("PUT", f"ports/{port['id']}", {"port": {"device_id": ""}})
    assert detached.status_code == 200 and detached.data["port"]["status"] == "DOWN"
    run_cluster_jobs()
    after = anet.call("GET", f"ports/{port['id']}").data["port"]
    assert after["device_id"] == "" and after["fixed_ips"]          # keeps its address
    assert set(alice.call("GET", f"servers/{server_id}").data["server"]["addresses"]) == \
        {"public"}
    assert [cluster.jobs[j].kind for j in cluster.pending] == ["network_disconnect",
                                                               "network_remove"]
    # Boot another server on the existing port.
    other = create_server(alice, flavor, image, [{"port": port["id"]}])
    assert anet.call("GET", f"ports/{port['id']}").data["port"]["device_id"] == other


def test_floating_ip_allocate_associate_disassociate_release(alice, anet, bnet, backend,
                                                             flavor, image, quota):
    public = public_network()
    net = make_network(anet)
    make_subnet(anet, net["id"], cidr="10.5.0.0/24")
    server_id = create_server(alice, flavor, image, [{"uuid": net["id"]}])
    run_cluster_jobs()
    port_id = anet.call("GET", f"ports?device_id={server_id}").data["ports"][0]["id"]
    fip = anet.call("POST", "floatingips", {"floatingip": {
        "floating_network_id": str(public.id)}})
    assert fip.status_code == 201, fip.content
    fip = fip.data["floatingip"]
    assert fip["floating_ip_address"] == "203.0.113.2" and fip["port_id"] is None
    assert quota.held("alice-uuid", "cyclades.floating_ip") == (1, 1)
    assert bnet.call("GET", f"floatingips/{fip['id']}").status_code == 404
    assert bnet.call("GET", "floatingips").data["floatingips"] == []
    associated = anet.call("PUT", f"floatingips/{fip['id']}",
                           {"floatingip": {"port_id": port_id}})
    assert associated.status_code == 200, associated.content
    assert associated.data["floatingip"]["port_id"] == port_id
    assert associated.data["floatingip"]["fixed_ip_address"] == "10.5.0.2"
    run_cluster_jobs()
    shown = alice.call("GET", f"servers/{server_id}").data["server"]["addresses"]
    assert shown[str(public.id)][0]["addr"] == "203.0.113.2"
    assert anet.call("GET", f"floatingips/{fip['id']}").data["floatingip"]["status"] == "ACTIVE"
    assert anet.call("DELETE", f"floatingips/{fip['id']}").status_code == 409
    released = anet.call("PUT", f"floatingips/{fip['id']}", {"floatingip": {"port_id": None}})
    assert released.status_code == 200 and released.data["floatingip"]["port_id"] is None
    run_cluster_jobs()
    assert set(alice.call("GET", f"servers/{server_id}").data["server"]["addresses"]) == \
        {net["id"]}
    assert anet.call("DELETE", f"floatingips/{fip['id']}").status_code == 204
    assert quota.held("alice-uuid", "cyclades.floating_ip") == (0, 0)
    assert not IPAddress.objects.filter(floating_ip=True).exists()


def test_boot_with_floating_ip_as_fixed_ip_and_quota_limit(alice, anet, backend, flavor,
                                                           image, quota):
    public = public_network()
    quota.limits["cyclades.floating_ip"] = 1
    fip = anet.call("POST", "floatingips", {"floatingip": {}}).data["floatingip"]
    over = anet.call("POST", "floatingips", {"floatingip": {}})
    assert over.status_code == 413
    assert IPAddress.objects.filter(floating_ip=True).count() == 1
    no_ip = alice.call("POST", "servers", {"server": {
        "name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id),
        "networks": [{"uuid": str(public.id)}]}})
    assert no_ip.status_code == 400
    server_id = create_server(alice, flavor, image, [{"uuid": str(public.id),
                                                      "fixed_ip": fip["floating_ip_address"]}])
    run_cluster_jobs()
    addresses = alice.call("GET", f"servers/{server_id}").data["server"]["addresses"]
    assert addresses[str(public.id)][0]["addr"] == fip["floating_ip_address"]
    assert alice.call("DELETE", f"servers/{server_id}").status_code == 204
    run_cluster_jobs()
    # The floating IP outlives the server and stays the user's.
    assert anet.call("GET", f"floatingips/{fip['id']}").data["floatingip"]["port_id"] is None


def test_port_attach_refused_by_an_unreachable_cluster_leaves_nothing(alice, anet, backend,
                                                                      flavor, image):
    net = make_network(anet)
    make_subnet(anet, net["id"], cidr="10.8.0.0/24")
    server_id = create_server(alice, flavor, image, [{"uuid": "public"}])
    run_cluster_jobs()
    fake.cluster_for("cluster-a").unreachable = True
    response = anet.call("POST", "ports", {"port": {"network_id": net["id"],
                                                    "device_id": server_id}})
    assert response.status_code == 503, response.content
    assert not Port.objects.exists() and not IPAddress.objects.exists()
    assert Pool.objects.get(kind="ip").available.count("0") == 0
    assert BackendNetwork.objects.get().operstate == "ERROR"
    assert anet.call("GET", f"networks/{net['id']}").data["network"]["status"] == "ERROR"
    # The cluster is back: the next attach recreates the network there first.
    fake.cluster_for("cluster-a").unreachable = False
    again = anet.call("POST", "ports", {"port": {"network_id": net["id"],
                                                 "device_id": server_id}})
    assert again.status_code == 201
    run_cluster_jobs()
    assert anet.call("GET", f"networks/{net['id']}").data["network"]["status"] == "ACTIVE"
    assert anet.call("GET", f"ports/{again.data['port']['id']}").data["port"]["status"] == \
        "ACTIVE"


def test_detail_lists_match_the_plain_lists(anet, bnet, quota):
    network = make_network(anet, "detailed")
    make_subnet(anet, network["id"], cidr="10.9.0.0/24")
    for collection in ("networks", "subnets", "ports", "floatingips"):
        plain = anet.call("GET", collection)
        detail = anet.call("GET", f"{collection}/detail")
        assert detail.status_code == 200 and detail.data == plain.data
    assert [n["name"] for n in anet.call("GET", "networks/detail").data["networks"]] \
        == ["detailed"]
    assert bnet.call("GET", "networks/detail").data == {"networks": []}
    assert anet.call("POST", "networks/detail", {"network": {"name": "x"}}).status_code == 405
    assert anet.call("GET", "networks/detail", prefix="/network/v2.0/").status_code == 200
