"""Version discovery, microversions, flavors, images, key pairs, limits."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cyclades.compute import keypairs

pytestmark = pytest.mark.django_db


def test_version_discovery_documents():
    client = Client()
    root = json.loads(client.get("/compute/").content)
    ids = {v["id"]: v for v in root["versions"]}
    assert ids["v2.1"]["status"] == "CURRENT" and ids["v2.1"]["version"] == "2.1"
    assert ids["v2.1"]["min_version"] == "2.1" and ids["v2.0"]["status"] == "SUPPORTED"
    for path in ("/compute/v2.1", "/compute/v2.1/"):
        doc = json.loads(client.get(path).content)["version"]
        assert doc["id"] == "v2.1" and doc["links"][0]["href"].endswith("/compute/v2.1/")


def test_microversion_is_echoed_and_out_of_range_is_406(alice):
    response = alice.call("GET", "flavors", HTTP_OPENSTACK_API_VERSION="compute 2.1")
    assert response.status_code == 200
    assert response["OpenStack-API-Version"] == "compute 2.1"
    assert response["X-OpenStack-Nova-API-Version"] == "2.1"
    assert "OpenStack-API-Version" in response["Vary"]
    assert alice.call("GET", "flavors",
                      HTTP_OPENSTACK_API_VERSION="compute 2.61").status_code == 406
    assert alice.call("GET", "flavors",
                      HTTP_X_OPENSTACK_NOVA_API_VERSION="2.50").status_code == 406
    latest = alice.call("GET", "flavors", HTTP_OPENSTACK_API_VERSION="compute latest")
    assert latest["OpenStack-API-Version"] == "compute 2.1"


def test_flavors_list_detail_show(alice, flavor, big_flavor):
    listed = alice.call("GET", "flavors").data["flavors"]
    assert [f["id"] for f in listed] == ["1", "2"]
    detail = alice.call("GET", "flavors/detail?minRam=1024").data["flavors"]
    assert [(f["id"], f["vcpus"], f["ram"], f["disk"]) for f in detail] == [("2", 2, 1024, 5)]
    assert alice.call("GET", "flavors/2").data["flavor"]["SNF:disk_template"] == "file"
    assert alice.call("GET", "flavors/42").status_code == 404


def test_images_from_registry(alice, image):
    assert alice.call("GET", "images").data["images"][0]["id"] == str(image.id)
    shown = alice.call("GET", f"images/{image.id}").data["image"]
    assert shown["metadata"] == {"OSFAMILY": "linux"} and shown["status"] == "ACTIVE"
    assert alice.call("GET", "images/not-a-uuid").status_code == 404


def test_keypair_generate_import_list_show_delete(alice, bob):
    created = alice.call("POST", "os-keypairs", {"keypair": {"name": "gen"}})
    assert created.status_code == 200
    assert created.data["keypair"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY")
    public, _ = keypairs.generate()
    imported = alice.call("POST", "os-keypairs",
                          {"keypair": {"name": "imp", "public_key": public}}).data["keypair"]
    assert "private_key" not in imported and len(imported["fingerprint"].split(":")) == 16
    assert alice.call("POST", "os-keypairs", {"keypair": {"name": "imp",
                                                          "public_key": public}}).status_code \
        == 409
    assert alice.call("POST", "os-keypairs", {"keypair": {"name": "bad",
                                                          "public_key": "ssh-rsa AAAA"}}) \
        .status_code == 400
    names = [k["keypair"]["name"] for k in alice.call("GET", "os-keypairs").data["keypairs"]]
    assert names == ["gen", "imp"]
    assert alice.call("GET", "os-keypairs/imp").data["keypair"]["public_key"] == public
    assert bob.call("GET", "os-keypairs/imp").status_code == 404
    assert alice.call("DELETE", "os-keypairs/imp").status_code == 202
    assert alice.call("GET", "os-keypairs/imp").status_code == 404


def test_limits_come_from_quotas(alice, quota):
    quota.limits.update({"cyclades.vm": 5, "cyclades.total_cpu": 8,
                         "cyclades.total_ram": 8 << 30})
    absolute = alice.call("GET", "limits").data["limits"]["absolute"]
    assert absolute["maxTotalInstances"] == 5 and absolute["maxTotalCores"] == 8
    assert absolute["maxTotalRAMSize"] == 8192 and absolute["totalInstancesUsed"] == 0
