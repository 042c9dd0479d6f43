"""reconcile-pools, reconcile-networks and the network admin commands."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from conftest import run_cluster_jobs
from django.core.management import call_command
from django.db import transaction
from test_network_api import anet  # noqa: F401  (fixture)
from test_network_api import create_server, make_network, make_subnet

from cyclades.backends.ganeti import fake
from cyclades.network import pools
from cyclades.network.models import BackendNetwork, Network, Pool, Subnet
from cyclades.updates.reconcile import networks as reconcile_networks
from cyclades.updates.reconcile import pools as reconcile_pools

pytestmark = pytest.mark.django_db(transaction=True)


def manage(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_reconcile_pools_finds_and_fixes_leaks_and_unmarked(anet):  # noqa: F811
    net = make_network(anet)
    make_subnet(anet, net["id"], cidr="10.6.0.0/29", gateway_ip=None)
    port = anet.call("POST", "ports", {"port": {"network_id": net["id"]}}).data["port"]
    assert reconcile_pools.reconcile() == []
    subnet = Subnet.objects.get()
    pool = Pool.objects.get(kind="ip")
    # A leak: an address marked taken that nothing holds.
    with transaction.atomic():
        pools.allocate_ip(subnet, "10.6.0.5")
    # Unmarked: a held address marked free (could be handed out twice).
    with transaction.atomic():
        pools.release_ip(subnet, port["fixed_ips"][0]["ip_address"])
    findings = {(f["kind"], f["value"]) for f in reconcile_pools.reconcile()}
    assert findings == {("leak", "10.6.0.5"), ("unmarked", "10.6.0.1")}
    reconcile_pools.reconcile(fix=True)
    assert reconcile_pools.reconcile() == []
    pool.refresh_from_db()
    assert pool.available == "0" + "1" * 5
    # A MAC prefix two networks hold.
    other = make_network(anet, "other")
    Network.objects.filter(pk=other["id"]).update(
        mac_prefix=Network.objects.get(pk=net["id"]).mac_prefix)
    kinds = {(f["kind"]) for f in reconcile_pools.reconcile()}
    assert "duplicate" in kinds and "leak" in kinds
    output = json.loads(manage("reconcile-pools", "-o", "json"))
    assert {f["kind"] for f in output} == kinds


def test_reconcile_networks_missing_unsynced_orphan(alice, anet, backend, flavor,  # noqa: F811
                                                    image):
    net = make_network(anet)
    make_subnet(anet, net["id"], cidr="10.7.0.0/24")
    create_server(alice, flavor, image, [{"uuid": net["id"]}])
    cluster = fake.cluster_for("cluster-a")
    cluster_messages = cluster.run_jobs()          # run, but drop the network messages
    from cyclades.updates.dispatcher import apply

    for message in cluster_messages:
        if message.type == "ganeti-op-status":
            apply(message)
    assert BackendNetwork.objects.get().operstate == "PENDING"
    findings = reconcile_networks.reconcile()
    assert [(f["kind"], f["network"]) for f in findings] == [("unsynced", f"snf-net-{net['id']}")]
    reconcile_networks.reconcile(fix=True)
    assert BackendNetwork.objects.get().operstate == "ACTIVE"
    assert Network.objects.get(pk=net["id"]).status == "ACTIVE"
    cluster.networks["snf-net-999"] = {"name": "snf-net-999", "groups": []}
    del cluster.networks[f"snf-net-{net['id']}"]
    kinds = {f["kind"] for f in reconcile_networks.reconcile()}
    assert kinds == {"missing", "orphan"}
    out = json.loads(manage("reconcile-networks", "--fix", "--fix-orphans", "-o", "json"))
    assert all(f["fixed"] for f in out)
    run_cluster_jobs()
    assert "snf-net-999" not in cluster.networks and not BackendNetwork.objects.exists()


def test_admin_commands_public_network_with_subnet(anet):  # noqa: F811
    out = json.loads(manage("network-create", "--name", "internet", "--public",
                            "--floating-ip-pool", "--flavor", "IP_LESS_ROUTED", "--subnet",
                            "198.51.100.0/24", "--gateway", "198.51.100.1",
                            "--allocation-pool", "198.51.100.10,198.51.100.20", "-o", "json"))
    assert out["router:external"] and out["SNF:floating_ip_pool"] and out["mode"] == "routed"
    listed = anet.call("GET", "networks?router:external=true").data["networks"]
    assert [n["id"] for n in listed] == [out["id"]]
    shown = json.loads(manage("network-show", out["id"], "-o", "json"))
    assert shown["subnets"][0]["pools"][0]["size"] == 11
    assert "internet" in manage("network-list")
    pool = json.loads(manage("pool-show", "ip", "--subnet", str(shown["subnets"][0]["id"]),
                             "-o", "json"))
    assert pool["free"] == 11 and pool["first"] == "198.51.100.10"
    mac = json.loads(manage("pool-show", "mac_prefix", "-o", "json"))
    assert mac["first"] == "aa:00:01" and mac["size"] == 4095
    with pytest.raises(Exception):
        manage("network-create", "--name", "bad", "--public", "--subnet", "10.0.0.0/24",
               "--gateway", "10.9.9.9")
    assert not Network.objects.filter(name="bad", deleted=False).exists()


def test_admin_network_modify_and_remove(anet):  # noqa: F811
    net = make_network(anet)
    port = anet.call("POST", "ports", {"port": {"network_id": net["id"]}}).data["port"]
    prefix = Network.objects.get(pk=net["id"]).mac_prefix
    changed = json.loads(manage("network-modify", net["id"], "--name", "renamed",
                                "--admin-state-up", "no", "-o", "json"))
    assert changed["name"] == "renamed" and changed["status"] == "DOWN"
    with pytest.raises(Exception, match="public"):
        manage("network-modify", net["id"], "--floating-ip-pool", "yes")
    with pytest.raises(Exception, match="nothing to change"):
        manage("network-modify", net["id"])
    with pytest.raises(Exception, match="ports"):
        manage("network-remove", net["id"])
    assert anet.call("DELETE", f"ports/{port['id']}").status_code == 204
    assert json.loads(manage("network-remove", net["id"], "-o", "json"))["removed"]
    assert anet.call("GET", f"networks/{net['id']}").status_code == 404
    assert prefix not in {n.mac_prefix for n in Network.objects.filter(deleted=False)}
    assert pools.global_pool("mac_prefix", lock=False).available[0] == "1"
    with pytest.raises(Exception, match="not found"):
        manage("network-remove", net["id"])


def test_service_definition_publishes_network_endpoint():
    definition = json.loads(manage("service-definition"))
    network = [e for e in definition["endpoints"] if e["type"] == "network"]
    assert network and network[0]["url"].endswith("/network")
    names = {r["name"] for r in definition["resources"]}
    assert {"cyclades.network.private", "cyclades.floating_ip"} <= names
