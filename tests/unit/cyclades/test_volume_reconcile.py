"""cyclades-manage reconcile-volumes: volumes against the disks of the fake cluster's instances."""

from __future__ import annotations

import io
import json

import pytest
from conftest import run_cluster_jobs
from django.core.management import call_command
from test_volumes_api import GIB, VolumeApi, make_server
from test_volumes_api import store as store  # noqa: F401  (the shared Archipelago store)

from cyclades.backends.ganeti import fake
from cyclades.compute.models import Flavor
from cyclades.volume.models import Volume, VolumeType

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def valice():
    return VolumeApi("tok-alice", "alice-uuid")


@pytest.fixture
def world(alice, valice, quota, backend, image):
    VolumeType.objects.create(name="archip", disk_template="ext_archipelago")
    flavor = Flavor.objects.create(public_id="9", name="ext", cpu=1, ram=512, disk=2,
                                   disk_template="ext_archipelago")
    server_id = make_server(alice, flavor, image)
    volume = valice.call("POST", "volumes", {"volume": {"size": 3}}).data["volume"]
    alice.call("POST", f"servers/{server_id}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": volume["id"]}})
    run_cluster_jobs()
    cluster = fake.cluster_for("cluster-a")
    return {"server": server_id, "volume": volume["id"], "cluster": cluster,
            "instance": cluster.instances[f"snf-{server_id}"], "quota": quota}


def reconcile(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("reconcile-volumes", *args, "-o", "json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["errors"] == []
    return result["findings"]


def kinds(findings):
    return [(f["kind"], f["fixed"]) for f in findings]


def test_in_step_volumes_show_no_drift(world):
    assert reconcile() == [] and reconcile("--fix") == []


def test_attached_in_db_but_not_in_ganeti(world):
    disks = world["instance"]["disks"]
    world["instance"]["disks"] = [d for d in disks if d["name"] != f"vol-{world['volume']}"]
    found = reconcile()
    assert kinds(found) == [("missing-disk", False)] and found[0]["volume"] == world["volume"]
    assert Volume.objects.get(uuid=world["volume"]).status == "in-use"   # report only
    assert kinds(reconcile("--fix")) == [("missing-disk", True)]
    row = Volume.objects.get(uuid=world["volume"])
    assert (row.status, row.server_id, row.index) == ("available", None, None)
    assert "not found in Ganeti" in row.fault
    assert reconcile() == []


def test_unknown_disks_adopted_removed_or_reported(world, valice):
    spare = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    gone = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    valice.call("DELETE", f"volumes/{gone['id']}")
    world["instance"]["disks"] += [
        {"name": f"vol-{spare['id']}", "size": 1024, "uuid": "u-spare"},
        {"name": f"vol-{gone['id']}", "size": 1024, "uuid": "u-gone"},
        {"name": None, "size": 512, "uuid": "u-anon"}]
    assert kinds(reconcile()) == [("unknown-disk", False)] * 3
    fixed = reconcile("--fix")
    assert kinds(fixed) == [("unknown-disk", True), ("unknown-disk", True),
                            ("unknown-disk", False)]
    row = Volume.objects.get(uuid=spare["id"])
    assert (row.status, row.server_id, row.index, row.backend_disk_uuid) == \
        ("in-use", int(world["server"]), 2, "u-spare")
    job = world["cluster"].jobs[max(world["cluster"].jobs)]
    assert job.body == {"disks": [["remove", f"vol-{gone['id']}", {}]]}
    run_cluster_jobs()
    names = [d["name"] for d in world["instance"]["disks"]]
    assert f"vol-{gone['id']}" not in names
    assert kinds(reconcile()) == [("unknown-disk", False)]   # the anonymous one stays


def test_size_drift_larger_is_adopted_and_charged(world):
    quota = world["quota"]
    before = quota.held("alice-uuid", "cyclades.disk")
    disk = next(d for d in world["instance"]["disks"] if d["name"] == f"vol-{world['volume']}")
    disk["size"] = 5 * 1024
    assert kinds(reconcile()) == [("size-drift", False)]
    assert kinds(reconcile("--fix")) == [("size-drift", True)]
    row = Volume.objects.get(uuid=world["volume"])
    assert (row.size, row.quota_held) == (5, 5 * GIB)
    after = quota.held("alice-uuid", "cyclades.disk")
    assert after == (before[0] + 2 * GIB, before[1] + 2 * GIB) and quota.pending() == []
    assert reconcile() == []


def test_size_drift_smaller_is_grown_by_a_job(world):
    disk = next(d for d in world["instance"]["disks"] if d["name"] == f"vol-{world['volume']}")
    disk["size"] = 2 * 1024
    assert kinds(reconcile("--fix")) == [("size-drift", True)]
    job = world["cluster"].jobs[max(world["cluster"].jobs)]
    assert job.kind == "grow_disk" and job.body["amount"] == 1024
    run_cluster_jobs()
    assert disk["size"] == 3 * 1024
    row = Volume.objects.get(uuid=world["volume"])
    assert (row.status, row.size) == ("in-use", 3)
    assert reconcile() == []


def test_lost_job_outcomes_are_applied(world, alice, valice, store):
    from archipelago import mapper

    cluster = world["cluster"]
    disk_uuid = Volume.objects.get(uuid=world["volume"]).backend_disk_uuid
    mapper.create(store, f"{disk_uuid}.ext.disk1", 3 * GIB)   # the provider's disk map
    # a detach whose message never came
    alice.call("DELETE", f"servers/{world['server']}/os-volume_attachments/{world['volume']}")
    cluster.run_jobs()                                    # messages dropped
    assert Volume.objects.get(uuid=world["volume"]).status == "detaching"
    assert kinds(reconcile()) == [("job-finished", False)]
    assert kinds(reconcile("--fix")) == [("job-finished", True)]
    assert Volume.objects.get(uuid=world["volume"]).status == "available"
    # an attach and an extend likewise
    alice.call("POST", f"servers/{world['server']}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": world["volume"]}})
    cluster.run_jobs()
    assert kinds(reconcile("--fix")) == [("job-finished", True)]
    assert Volume.objects.get(uuid=world["volume"]).status == "in-use"
    valice.call("POST", f"volumes/{world['volume']}/action", {"os-extend": {"new_size": 4}})
    queued = list(cluster.pending)
    assert reconcile() == []                              # in flight: left alone
    assert queued
    cluster.run_jobs()
    assert kinds(reconcile("--fix")) == [("job-finished", True)]
    row = Volume.objects.get(uuid=world["volume"])
    assert (row.status, row.size) == ("in-use", 4)
    assert reconcile() == []
