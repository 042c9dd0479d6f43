"""The quickstart's volume types and flavor (`cyclades-manage volume-bootstrap`), and the
boot disk of an Archipelago server as a thin clone of its image."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from cyclades.backends.ganeti import fake
from cyclades.compute.models import Flavor
from cyclades.images.models import SystemImage
from cyclades.volume.models import Volume, VolumeType

pytestmark = pytest.mark.django_db(transaction=True)


def bootstrap(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("volume-bootstrap", *args, "-o", "json", stdout=out)
    return json.loads(out.getvalue())


def test_types_and_flavor_created_once():
    first = bootstrap()
    assert [(r["kind"], r["name"], r["created"]) for r in first] == [
        ("volume-type", "file", True), ("volume-type", "ext_archipelago", True),
        ("flavor", "C1R128D1ext_archipelago", True)]
    again = bootstrap()
    assert [r["created"] for r in again] == [False, False, False]
    assert [r["id"] for r in again] == [r["id"] for r in first]
    assert VolumeType.objects.count() == 2
    flavor = Flavor.objects.get()
    assert (flavor.cpu, flavor.ram, flavor.disk, flavor.disk_template) == \
        (1, 128, 1, "ext_archipelago")
    assert flavor.public_id == str(flavor.id) and flavor.public
    # `file` first: a create naming no type keeps getting file volumes
    assert VolumeType.objects.filter(deleted=False).first().name == "file"


def test_an_administrators_choices_are_kept():
    VolumeType.objects.create(name="ext_archipelago", disk_template="ext_archipelago",
                              deleted=True)
    Flavor.objects.create(public_id="small", name="mine", cpu=1, ram=128, disk=1,
                          disk_template="ext_archipelago")
    rows = bootstrap()
    assert not next(r for r in rows if r["name"] == "ext_archipelago")["created"]
    assert VolumeType.objects.get(name="ext_archipelago").deleted    # retired stays retired
    assert next(r for r in rows if r["kind"] == "flavor")["id"] == "small"
    assert Flavor.objects.count() == 1


def test_no_flavor_without_archipelago_nodes():
    rows = bootstrap("--no-flavor")
    assert {r["kind"] for r in rows} == {"volume-type"} and not Flavor.objects.exists()


def test_boot_disk_of_an_archipelago_flavor_clones_the_image(alice, backend):
    flavor = Flavor.objects.create(public_id="9", name="ext", cpu=1, ram=512, disk=2,
                                   disk_template="ext_archipelago")
    image = SystemImage.objects.create(name="tiny", location="pithosmap://plankton-x/4096",
                                       format="diskdump", properties={"OSFAMILY": "linux"})
    plain = SystemImage.objects.create(name="plain", location="debian-base",
                                       format="diskdump", properties={"OSFAMILY": "linux"})
    for img, origin in ((image, "pithosmap://plankton-x/4096"), (plain, None)):
        response = alice.call("POST", "servers", {"server": {
            "name": "vm", "flavorRef": flavor.public_id, "imageRef": str(img.id)}})
        assert response.status_code == 202, response.data
        cluster = fake.cluster_for("cluster-a")
        disk = cluster.jobs[max(cluster.jobs)].body["disks"][0]
        assert disk["provider"] == "archipelago" and disk.get("origin") == origin
    boot = Volume.objects.filter(boot=True).order_by("id").first()
    assert boot.origin == "pithosmap://plankton-x/4096"     # what the disk started from
