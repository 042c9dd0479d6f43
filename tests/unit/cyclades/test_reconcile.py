"""reconcile-servers: drift between the database and Ganeti is reported, then fixed."""

from __future__ import annotations

import pytest
from conftest import run_cluster_jobs

from cyclades.backends.ganeti import fake
from cyclades.compute.models import Commission, Server
from cyclades.updates.reconcile.servers import reconcile

pytestmark = pytest.mark.django_db(transaction=True)


def create(api, flavor, image):
    body = {"server": {"name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id)}}
    return int(api.call("POST", "servers", body).data["server"]["id"])


def kinds(report):
    return sorted((f.kind, f.server) for f in report.findings)


def test_build_whose_messages_were_lost_is_finished(alice, backend, flavor, image, quota):
    server_id = create(alice, flavor, image)
    fake.cluster_for("cluster-a").run_jobs()          # messages dropped on the floor
    report = reconcile()
    assert kinds(report) == [("task-finished", server_id)]
    assert Server.objects.get(pk=server_id).operstate == "BUILD"   # report only
    reconcile(fix=True)
    server = Server.objects.get(pk=server_id)
    assert server.operstate == "STARTED" and server.task == ""
    assert not quota.pending() and quota.held("alice-uuid", "cyclades.vm") == (1, 1)
    assert reconcile().findings == []


def test_admin_shutdown_and_removal_in_ganeti_are_synced(alice, backend, flavor, image, quota):
    first, second = create(alice, flavor, image), create(alice, flavor, image)
    run_cluster_jobs()
    cluster = fake.cluster_for("cluster-a")
    cluster.instances[f"snf-{first}"].update(admin_state="down", oper_state=False)
    del cluster.instances[f"snf-{second}"]
    assert kinds(reconcile()) == [("stale", second), ("unsynced", first)]
    reconcile(fix=True)
    assert Server.objects.get(pk=first).operstate == "STOPPED"
    gone = Server.objects.get(pk=second)
    assert gone.operstate == "DESTROYED" and gone.deleted
    assert quota.held("alice-uuid", "cyclades.vm") == (1, 1)
    assert quota.held("alice-uuid", "cyclades.cpu") == (0, 0)
    assert not quota.pending()
    assert reconcile().findings == []


def test_orphans_are_reported_and_removed_only_when_asked(alice, backend, flavor, image):
    server_id = create(alice, flavor, image)
    run_cluster_jobs()
    cluster = fake.cluster_for("cluster-a")
    cluster.instances["snf-9999"] = dict(cluster.instances[f"snf-{server_id}"],
                                         name="snf-9999")
    cluster.instances["someone-else"] = dict(cluster.instances[f"snf-{server_id}"],
                                             name="someone-else")
    assert kinds(reconcile(fix=True)) == [("orphan", 9999)]
    assert "snf-9999" in cluster.instances
    reconcile(fix_orphans=True)
    cluster.run_jobs()
    assert "snf-9999" not in cluster.instances and "someone-else" in cluster.instances


def test_commissions_left_by_a_crash_are_resolved(alice, backend, flavor, image, quota):
    server_id = create(alice, flavor, image)
    run_cluster_jobs()
    # Crash after issue, before our commit: Astakos holds a serial we never recorded.
    orphan_serial = quota.issue(owner="alice-uuid", project="alice-uuid",
                                provisions={"cyclades.vm": 1}, name="lost")
    # Crash after the decision was committed, before Astakos heard of it.
    quota.down = True
    alice.call("POST", f"servers/{server_id}/action", {"os-stop": None})
    quota.down = False
    assert Server.objects.get(pk=server_id).task == ""   # Astakos down: nothing started
    alice.call("POST", f"servers/{server_id}/action", {"os-stop": None})
    quota.down = True
    run_cluster_jobs()
    quota.down = False
    assert Commission.objects.filter(resolved=False).exclude(decision="").count() == 1
    report = reconcile(fix=True)
    assert [f.kind for f in report.findings] == ["commissions", "commissions"]
    assert all(f.fixed for f in report.findings)
    assert quota.pending() == []
    assert quota.held("alice-uuid", "cyclades.vm") == (1, 1)
    assert quota.held("alice-uuid", "cyclades.cpu") == (0, 0)
    assert orphan_serial not in quota.pending_


def test_instance_left_by_a_failed_build_is_removed_not_adopted(alice, backend, flavor, image,
                                                                 quota):
    cluster = fake.cluster_for("cluster-a")
    cluster.failures["create"] = "OS create script failed"
    server_id = create(alice, flavor, image)
    run_cluster_jobs()
    assert Server.objects.get(pk=server_id).operstate == "ERROR"
    # Real Ganeti keeps a failed create's instance, admin down, with its disks.
    cluster.instances[f"snf-{server_id}"] = {
        "name": f"snf-{server_id}", "admin_state": "down", "oper_state": False,
        "status": "ADMIN_down", "beparams": {}, "nics": [], "disks": [], "tags": []}
    assert kinds(reconcile()) == [("failed-build-leftover", server_id)]
    reconcile(fix=True)
    cluster.run_jobs()
    assert f"snf-{server_id}" not in cluster.instances
    assert Server.objects.get(pk=server_id).operstate == "ERROR"   # not adopted as STOPPED
    assert not quota.pending()


def test_a_job_ganeti_forgot_counts_as_missing():
    from cyclades.updates.reconcile.servers import _job_status

    class ForgetfulRapi:
        def job(self, job_id):
            return {"id": None, "status": None, "opresult": None, "ops": None}

    assert _job_status(ForgetfulRapi(), 42) == ("missing", "")


@pytest.mark.parametrize("action", ["delete", "os-stop"])
def test_action_right_after_active_waits_for_nothing_the_dispatcher_left_unresolved(
        alice, backend, flavor, image, quota, action):
    server_id = create(alice, flavor, image)
    run_cluster_jobs(resolve=False)     # ACTIVE committed; Astakos not told yet
    assert Server.objects.get(pk=server_id).operstate == "STARTED"
    if action == "delete":
        response = alice.call("DELETE", f"servers/{server_id}")
    else:
        response = alice.call("POST", f"servers/{server_id}/action", {"os-stop": None})
    assert response.status_code in (202, 204), response.content
    run_cluster_jobs()
    assert not quota.pending()
    expected_vm = 0 if action == "delete" else 1
    assert quota.held("alice-uuid", "cyclades.vm") == (expected_vm, expected_vm)
    assert quota.held("alice-uuid", "cyclades.cpu") == (0, 0)
