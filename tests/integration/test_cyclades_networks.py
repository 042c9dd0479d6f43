"""Cyclades networks end to end: Astakos + Cyclades + the development cluster + openstacksdk.

A private network with a subnet, two servers booted on it (distinct IPs and
MACs with the network's prefix, the network created in Ganeti first), a
floating IP from an admin's public network attached to one of them, another
user who sees none of it, and bad input that is refused with nothing left behind.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from test_cyclades_devcluster import DEMO_PASSWORD, manage, running_stack, wait_status

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

WAIT_SECONDS = 60


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("cyclades-networks")
    with running_stack(root) as coordinates:
        astakos_env = dict(coordinates["env"], SNF_STATE_DIR=str(root / "astakos"),
                           SNF_ASTAKOS_BASE_URL=coordinates["astakos"])
        other = json.loads(manage("astakos", astakos_env, "bootstrap-demo", "--username",
                                  "other", "--password", "other-secret-1", "-o", "json"))
        public = json.loads(manage("cyclades", coordinates["env"], "network-create", "--name",
                                   "internet", "--public", "--floating-ip-pool", "--flavor",
                                   "IP_LESS_ROUTED", "--subnet", "198.51.100.0/24",
                                   "-o", "json"))
        yield dict(coordinates, other_token=other["token"], public=public["id"])


def sdk(stack):
    import openstack

    return openstack.connect(auth_url=stack["astakos"] + "/identity/v3", username="demo",
                             password=DEMO_PASSWORD, project_name="demo",
                             user_domain_name="Default", project_domain_name="Default",
                             region_name="RegionOne", identity_api_version="3")


def net_api(stack, method, path, body=None, token=None):
    return requests.request(method, f"{stack['cyclades']}/network/v2.0/{path}", json=body,
                            timeout=60, headers={"X-Auth-Token": token or stack["token"]})


def rapi(stack, path):
    response = requests.get(f"{stack['rapi']}{path}", auth=("snf", "snfpass"), verify=False,
                            timeout=10)
    return response.status_code, (response.json() if response.content else None)


def wait_for(stack, predicate, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; dispatcher log: "
                         f"{(stack['root'] / 'dispatcher.log').read_text()[-2000:]}")


def test_private_network_two_servers_floating_ip_and_isolation(stack):
    import openstack

    conn = sdk(stack)
    network = conn.network.create_network(name="private")
    subnet = conn.network.create_subnet(network_id=network.id, ip_version=4,
                                        cidr="10.20.0.0/24", name="private-v4")
    assert subnet.gateway_ip == "10.20.0.1"
    assert subnet.allocation_pools == [{"start": "10.20.0.2", "end": "10.20.0.254"}]
    shown = json.loads(manage("cyclades", stack["env"], "network-show", network.id, "-o",
                              "json"))
    prefix = shown["mac_prefix"]
    assert shown["flavor"] == "MAC_FILTERED" and prefix.startswith("aa:00:")

    servers = [conn.compute.create_server(name=f"net-vm-{i}", flavor_id=stack["flavors"]["small"],
                                          image_id=stack["image"],
                                          networks=[{"uuid": network.id}]) for i in range(2)]
    for server in servers:
        assert wait_status(stack, server.id, {"ACTIVE", "ERROR"})["status"] == "ACTIVE"
    ports = [list(conn.network.ports(device_id=s.id)) for s in servers]
    assert all(len(p) == 1 for p in ports)
    ips = {p[0].fixed_ips[0]["ip_address"] for p in ports}
    macs = {p[0].mac_address for p in ports}
    assert len(ips) == 2 and all(ip.startswith("10.20.0.") for ip in ips)
    assert len(macs) == 2 and all(m.startswith(prefix + ":") for m in macs)
    assert all(p[0].status == "ACTIVE" for p in ports)
    # Ganeti has the network (connected) and the NICs on it, with our MACs and IPs.
    status, ganeti_net = rapi(stack, f"/2/networks/snf-net-{network.id}")
    assert status == 200 and ganeti_net["network"] == "10.20.0.0/24"
    assert ganeti_net["group_list"] and ganeti_net["mac_prefix"] == prefix
    for server, port in zip(servers, ports, strict=True):
        _, instance = rapi(stack, f"/2/instances/snf-{server.id}")
        assert port[0].mac_address in instance["nic.macs"]
        assert port[0].fixed_ips[0]["ip_address"] in instance["nic.ips"]
        assert f"snf-net-{network.id}" in instance["nic.networks"]
    # Network jobs are reported by eventd (hooks cover instance operations only): under
    # load its success may reach the dispatcher after the instances' hooks did.
    wait_for(stack, lambda: conn.network.get_network(network.id).status == "ACTIVE",
             f"network {network.id} ACTIVE")

    # A floating IP from the public network, attached to the first server's port.
    fip = conn.network.create_ip(floating_network_id=stack["public"])
    assert fip.floating_ip_address.startswith("198.51.100.")
    fip = conn.network.update_ip(fip, port_id=ports[0][0].id)
    assert fip.port_id == ports[0][0].id
    assert fip.fixed_ip_address == ports[0][0].fixed_ips[0]["ip_address"]

    def fip_on_server():
        addresses = conn.compute.get_server(servers[0].id).addresses
        return any(a["addr"] == fip.floating_ip_address
                   for a in addresses.get(stack["public"], []))

    wait_for(stack, fip_on_server, "the floating IP NIC")
    assert wait_for(stack, lambda: conn.network.get_ip(fip.id).status == "ACTIVE", "fip ACTIVE")

    # Another user sees neither the private network nor the floating IP.
    other = stack["other_token"]
    assert net_api(stack, "GET", f"networks/{network.id}", token=other).status_code == 404
    listed = net_api(stack, "GET", "networks", token=other).json()["networks"]
    assert [n["id"] for n in listed] == [stack["public"]]
    assert net_api(stack, "GET", "floatingips", token=other).json()["floatingips"] == []
    assert net_api(stack, "GET", f"floatingips/{fip.id}", token=other).status_code == 404
    # ... and cannot put a port on it.
    port_count = len(list(conn.network.ports()))
    response = net_api(stack, "POST", "ports", {"port": {"network_id": network.id}},
                       token=other)
    assert response.status_code == 404 and "message" in next(iter(response.json().values()))

    # Bad input: refused (4xx) with nothing half-created.
    with pytest.raises(openstack.exceptions.BadRequestException) as overlapping:
        conn.network.create_subnet(network_id=network.id, ip_version=4, cidr="10.20.0.128/25")
    assert "overlaps" in str(overlapping.value)
    other_net = conn.network.create_network(name="second")
    with pytest.raises(openstack.exceptions.BadRequestException) as outside:
        conn.network.create_subnet(network_id=other_net.id, ip_version=4,
                                   cidr="10.30.0.0/24", gateway_ip="10.31.0.1")
    assert "outside" in str(outside.value)
    assert conn.network.get_network(network.id).subnet_ids == [subnet.id]
    assert conn.network.get_network(other_net.id).subnet_ids == []
    assert len(list(conn.network.ports())) == port_count
    conn.network.delete_network(other_net)

    # Teardown through the API: detach and release the IP, delete servers and network.
    conn.network.update_ip(fip, port_id=None)
    wait_for(stack, lambda: not fip_on_server(), "the floating IP NIC to go")
    conn.network.delete_ip(fip)
    for server in servers:
        conn.compute.delete_server(server)
    for server in servers:
        wait_status(stack, server.id, {"DELETED"})
    wait_for(stack, lambda: rapi(stack, f"/2/networks/snf-net-{network.id}")[0] == 404,
             "the Ganeti network to be removed")
    assert list(conn.network.ports(network_id=network.id)) == []
    conn.network.delete_network(network)
    assert net_api(stack, "GET", f"networks/{network.id}").status_code == 404
    findings = json.loads(manage("cyclades", stack["env"], "reconcile-networks", "-o", "json"))
    assert findings == []
    assert json.loads(manage("cyclades", stack["env"], "reconcile-pools", "-o", "json")) == []
