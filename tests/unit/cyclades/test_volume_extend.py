"""os-extend: an unattached volume grows at once; an attached one through a Ganeti grow job
(OP_INSTANCE_GROW_DISK) applied by the update path; cyclades.disk charged for the delta."""

from __future__ import annotations

import pytest
from conftest import run_cluster_jobs
from test_volumes_api import GIB, VolumeApi, make_server

from cyclades.backends.ganeti import fake
from cyclades.backends.ganeti.rapi import RapiClient
from cyclades.compute.models import Flavor, Server, ServerAction
from cyclades.volume.models import Volume, VolumeType

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def valice():
    return VolumeApi("tok-alice", "alice-uuid")


@pytest.fixture
def vbob():
    return VolumeApi("tok-bob", "bob-uuid")


@pytest.fixture
def archip_type(db):
    return VolumeType.objects.create(name="archip", disk_template="ext_archipelago")


@pytest.fixture
def ext_flavor(db):
    return Flavor.objects.create(public_id="9", name="ext", cpu=1, ram=512, disk=2,
                                 disk_template="ext_archipelago")


def extend(api, volume_id, new_size):
    return api.call("POST", f"volumes/{volume_id}/action", {"os-extend": {"new_size": new_size}})


def disk(quota):
    return quota.held("alice-uuid", "cyclades.disk")


def attached_volume(alice, valice, ext_flavor, image, size=10):
    server_id = make_server(alice, ext_flavor, image)
    volume = valice.call("POST", "volumes", {"volume": {"size": size}}).data["volume"]
    alice.call("POST", f"servers/{server_id}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": volume["id"]}})
    run_cluster_jobs()
    assert Volume.objects.get(uuid=volume["id"]).status == "in-use"
    return server_id, volume["id"]


def test_an_unattached_volume_grows_at_once(valice, quota, archip_type):
    volume = valice.call("POST", "volumes", {"volume": {"size": 10}}).data["volume"]
    response = extend(valice, volume["id"], 15)
    assert response.status_code == 202, response.data
    shown = valice.call("GET", f"volumes/{volume['id']}").data["volume"]
    assert shown["size"] == 15 and shown["status"] == "available"
    assert disk(quota) == (15 * GIB, 15 * GIB) and quota.pending() == []
    assert not fake.cluster_for("cluster-a").jobs              # no disk, no job
    # delete gives the grown size back
    assert valice.call("DELETE", f"volumes/{volume['id']}").status_code == 202
    assert disk(quota) == (0, 0)


def test_bad_extends_change_nothing(valice, vbob, quota, archip_type):
    volume = valice.call("POST", "volumes", {"volume": {"size": 10}}).data["volume"]
    for bad in (10, 5, 0, "x", None, 10**6):
        assert extend(valice, volume["id"], bad).status_code == 400, bad
    assert valice.call("POST", f"volumes/{volume['id']}/action",
                       {"os-extend": 20}).status_code == 400
    assert extend(vbob, volume["id"], 20).status_code == 404
    quota.limits["cyclades.disk"] = 12 * GIB
    over = extend(valice, volume["id"], 13)
    assert over.status_code == 413, over.data
    assert Volume.objects.get(uuid=volume["id"]).size == 10
    assert disk(quota) == (10 * GIB, 10 * GIB) and quota.pending() == []


def test_an_attached_volume_grows_through_a_grow_job(alice, valice, quota, backend,
                                                     ext_flavor, image, archip_type):
    server_id, volume_id = attached_volume(alice, valice, ext_flavor, image)
    before = disk(quota)
    response = extend(valice, volume_id, 12)
    assert response.status_code == 202, response.data
    row = Volume.objects.get(uuid=volume_id)
    assert row.status == "extending" and row.size == 10
    assert valice.call("GET", f"volumes/{volume_id}").data["volume"]["status"] == "extending"
    cluster = fake.cluster_for("cluster-a")
    job = cluster.jobs[max(cluster.jobs)]
    assert (job.kind, job.body) == ("grow_disk", {"disk": row.index, "amount": 2048})
    assert row.backend_job_id == job.id
    # charged at once for the 2 GiB it grows by
    assert disk(quota) == (before[0] + 2 * GIB, before[1] + 2 * GIB)
    # nothing else may happen to it meanwhile
    assert valice.call("POST", "snapshots", {"snapshot": {"volume_id": volume_id,
                                                          "force": True}}).status_code == 409
    assert extend(valice, volume_id, 14).status_code == 409
    messages = run_cluster_jobs()
    assert [m.operation for m in messages][-1] == "OP_INSTANCE_GROW_DISK"
    row = Volume.objects.get(uuid=volume_id)
    assert (row.status, row.size, row.quota_held) == ("in-use", 12, 12 * GIB)
    instance = cluster.instances[f"snf-{server_id}"]
    assert instance["disks"][row.index]["size"] == 12 * 1024
    server = Server.objects.get(pk=server_id)
    assert next(d for d in server.disks if d["name"] == f"vol-{volume_id}")["size"] == 12 * 1024
    action = ServerAction.objects.filter(server=server, action="EXTEND_VOLUME").get()
    assert action.status == "success" and action.job_id == job.id
    assert valice.call("GET", f"volumes/{volume_id}").data["volume"]["size"] == 12
    assert quota.pending() == []


def test_a_failed_grow_gives_the_quota_back(alice, valice, quota, backend, ext_flavor, image,
                                            archip_type):
    server_id, volume_id = attached_volume(alice, valice, ext_flavor, image)
    before = disk(quota)
    fake.cluster_for("cluster-a").failures["grow_disk"] = "Not enough disk space"
    assert extend(valice, volume_id, 20).status_code == 202
    run_cluster_jobs()
    row = Volume.objects.get(uuid=volume_id)
    assert (row.status, row.size, row.quota_held) == ("in-use", 10, 10 * GIB)
    assert "Not enough disk space" in row.fault
    assert disk(quota)[1] == before[1] and quota.pending() == []
    assert fake.cluster_for("cluster-a").instances[f"snf-{server_id}"]["disks"][row.index][
        "size"] == 10 * 1024


def test_an_unsubmitted_grow_is_503_and_changes_nothing(alice, valice, quota, backend,
                                                        ext_flavor, image, archip_type):
    server_id, volume_id = attached_volume(alice, valice, ext_flavor, image)
    before = disk(quota)
    fake.cluster_for("cluster-a").unreachable = True
    response = extend(valice, volume_id, 20)
    assert response.status_code == 503, response.data
    row = Volume.objects.get(uuid=volume_id)
    assert (row.status, row.size, row.quota_held) == ("in-use", 10, 10 * GIB)
    assert disk(quota) == before and quota.pending() == []


def test_boot_volumes_and_busy_servers_are_refused(alice, valice, quota, backend, ext_flavor,
                                                   image, archip_type):
    server_id, volume_id = attached_volume(alice, valice, ext_flavor, image)
    boot = Volume.objects.get(boot=True)
    assert extend(valice, boot.uuid, 5).status_code == 400
    Server.objects.filter(pk=server_id).update(task="REBOOT")
    assert extend(valice, volume_id, 11).status_code == 409
    assert Volume.objects.get(uuid=volume_id).status == "in-use"
    assert quota.pending() == []


def test_rapi_grow_disk_posts_the_amount(monkeypatch, settings):
    seen = {}

    class Session:
        def request(self, method, url, **kwargs):
            seen.update(method=method, url=url, body=kwargs["json"])

            class Answer:
                status_code, content = 200, b"42"

                def json(self):
                    return 42
            return Answer()

    backend = type("B", (), {"host": "g.example.org", "port": 5080, "username": "",
                             "password": "", "verify": True})()
    client = RapiClient(backend, retries=0)
    client.session = Session()
    assert client.grow_disk("snf-7", 1, 2048) == 42
    assert seen == {"method": "POST", "url": "https://g.example.org:5080/2/instances/snf-7/disk/1/grow",
                    "body": {"amount": 2048, "wait_for_sync": False}}
