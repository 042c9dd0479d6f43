"""The Compute API over the effect path (fake RAPI) and the update path (handlers)."""

from __future__ import annotations

import pytest
from conftest import run_cluster_jobs

from cyclades.backends.ganeti import fake
from cyclades.compute.models import Commission, Server, ServerAction

pytestmark = pytest.mark.django_db(transaction=True)


def create(api, flavor, image, **extra):
    body = {"server": {"name": "vm1", "flavorRef": flavor.public_id,
                       "imageRef": str(image.id), **extra}}
    return api.call("POST", "servers", body)


def test_create_builds_then_becomes_active_and_accepts_commission(alice, backend, flavor,
                                                                  image, quota):
    response = create(alice, flavor, image, metadata={"role": "web"})
    assert response.status_code == 202, response.content
    server_id = response.data["server"]["id"]
    assert len(response.data["server"]["adminPass"]) >= 10
    shown = alice.call("GET", f"servers/{server_id}").data["server"]
    assert shown["status"] == "BUILD" and shown["metadata"] == {"role": "web"}
    cluster = fake.cluster_for("cluster-a")
    job = cluster.jobs[cluster.pending[0]]
    assert job.body["name"] == f"snf-{server_id}"
    assert job.body["beparams"]["maxmem"] == 512 and job.body["disks"][0]["size"] == 5 * 1024
    assert job.body["osparams"]["img_id"] == "debian-base"
    assert quota.pending()            # reserved, not yet final
    run_cluster_jobs()
    shown = alice.call("GET", f"servers/{server_id}").data["server"]
    assert shown["status"] == "ACTIVE"
    assert shown["addresses"]["public"][0]["addr"].startswith("10.0.0.")
    assert not quota.pending()
    assert quota.held("alice-uuid", "cyclades.vm") == (1, 1)
    assert ServerAction.objects.get(server_id=int(server_id)).status == "success"


def test_stop_start_reboot_resize_delete_cycle(alice, backend, flavor, big_flavor, image,
                                               quota):
    server_id = create(alice, flavor, image).data["server"]["id"]
    run_cluster_jobs()
    assert alice.call("POST", f"servers/{server_id}/action", {"os-stop": None}).status_code \
        == 202
    run_cluster_jobs()
    assert alice.call("GET", f"servers/{server_id}").data["server"]["status"] == "SHUTOFF"
    assert quota.held("alice-uuid", "cyclades.cpu") == (0, 0)
    assert quota.held("alice-uuid", "cyclades.total_cpu") == (1, 1)
    response = alice.call("POST", f"servers/{server_id}/action",
                          {"resize": {"flavorRef": big_flavor.public_id}})
    assert response.status_code == 202, response.content
    assert alice.call("GET", f"servers/{server_id}").data["server"]["status"] == "RESIZE"
    run_cluster_jobs()
    shown = alice.call("GET", f"servers/{server_id}").data["server"]
    assert shown["status"] == "SHUTOFF" and shown["flavor"]["id"] == big_flavor.public_id
    assert quota.held("alice-uuid", "cyclades.total_cpu") == (2, 2)
    for verify in ("confirmResize", "revertResize"):   # a resize here is final
        response = alice.call("POST", f"servers/{server_id}/action", {verify: None})
        assert response.status_code == 409 and "no resize to confirm" in str(response.data)
    assert alice.call("GET", f"servers/{server_id}").data["server"]["flavor"]["id"] == \
        big_flavor.public_id
    alice.call("POST", f"servers/{server_id}/action", {"os-start": None})
    run_cluster_jobs()
    assert quota.held("alice-uuid", "cyclades.cpu") == (2, 2)
    response = alice.call("POST", f"servers/{server_id}/action",
                          {"reboot": {"type": "HARD"}})
    assert response.status_code == 202
    assert alice.call("GET", f"servers/{server_id}").data["server"]["status"] == "HARD_REBOOT"
    run_cluster_jobs()
    assert alice.call("GET", f"servers/{server_id}").data["server"]["status"] == "ACTIVE"
    assert alice.call("DELETE", f"servers/{server_id}").status_code == 204
    run_cluster_jobs()
    assert alice.call("GET", f"servers/{server_id}").status_code == 404
    for resource in ("cyclades.vm", "cyclades.cpu", "cyclades.total_ram", "cyclades.disk"):
        assert quota.held("alice-uuid", resource) == (0, 0), resource
    assert not quota.pending()
    actions = list(ServerAction.objects.filter(server_id=int(server_id))
                   .values_list("action", "status"))
    assert actions == [("CREATE", "success"), ("STOP", "success"), ("RESIZE", "success"),
                       ("START", "success"), ("REBOOT", "success"), ("DESTROY", "success")]


def test_action_while_building_is_conflict(alice, backend, flavor, image):
    server_id = create(alice, flavor, image).data["server"]["id"]
    response = alice.call("POST", f"servers/{server_id}/action", {"reboot": {"type": "SOFT"}})
    assert response.status_code == 409
    assert "buildInProgress" in response.data


def test_start_of_running_server_is_conflict(alice, backend, flavor, image):
    server_id = create(alice, flavor, image).data["server"]["id"]
    run_cluster_jobs()
    assert alice.call("POST", f"servers/{server_id}/action", {"os-start": None}).status_code \
        == 409


def test_other_users_server_is_not_found(alice, bob, backend, flavor, image):
    server_id = create(alice, flavor, image).data["server"]["id"]
    assert bob.call("GET", f"servers/{server_id}").status_code == 404
    assert bob.call("DELETE", f"servers/{server_id}").status_code == 404
    assert bob.call("POST", f"servers/{server_id}/action", {"os-stop": None}).status_code == 404
    assert bob.call("GET", f"servers/{server_id}/metadata").status_code == 404
    assert bob.call("GET", "servers").data["servers"] == []


def test_failed_build_job_sets_error_and_releases_quota(alice, backend, flavor, image, quota):
    fake.cluster_for("cluster-a").failures["create"] = "Can't create block device"
    server_id = create(alice, flavor, image).data["server"]["id"]
    run_cluster_jobs()
    shown = alice.call("GET", f"servers/{server_id}").data["server"]
    assert shown["status"] == "ERROR" and "block device" in shown["fault"]["message"]
    assert quota.held("alice-uuid", "cyclades.vm") == (0, 0)
    assert not quota.pending()
    # Deleting a server Ganeti never built needs no job and releases nothing twice.
    assert alice.call("DELETE", f"servers/{server_id}").status_code == 204
    assert fake.cluster_for("cluster-a").pending == []
    assert alice.call("GET", f"servers/{server_id}").status_code == 404
    assert quota.held("alice-uuid", "cyclades.vm") == (0, 0)


def test_rapi_failure_at_submit_sets_error_and_rejects_commission(alice, backend, flavor,
                                                                  image, quota):
    fake.cluster_for("cluster-a").unreachable = True
    response = create(alice, flavor, image)
    assert response.status_code == 202
    server = Server.objects.get(pk=int(response.data["server"]["id"]))
    assert server.operstate == "ERROR" and "connection refused" in server.fault
    assert quota.held("alice-uuid", "cyclades.vm") == (0, 0)
    assert Commission.objects.get(server=server).decision == "reject"
    assert not quota.pending()


def test_over_quota_create_is_refused_and_records_nothing(alice, backend, flavor, image,
                                                          quota):
    quota.limits["cyclades.vm"] = 1
    assert create(alice, flavor, image).status_code == 202
    response = create(alice, flavor, image)
    assert response.status_code == 413
    assert Server.objects.count() == 1


def test_offline_and_drained_backends_are_never_chosen(alice, flavor, image):
    from conftest import make_backend

    make_backend("cluster-off", offline=True, mfree=100_000, mtotal=100_000)
    make_backend("cluster-drained", drained=True, mfree=100_000, mtotal=100_000)
    busy = make_backend("cluster-busy", mfree=1000, mtotal=32768)
    for _ in range(3):
        response = create(alice, flavor, image)
        assert response.status_code == 202
    assert set(Server.objects.values_list("backend_id", flat=True)) == {busy.id}


def test_no_usable_backend_is_503_and_commission_rejected(alice, flavor, image, quota):
    from conftest import make_backend

    make_backend("cluster-off", offline=True)
    response = create(alice, flavor, image)
    assert response.status_code == 503
    assert not quota.pending() and quota.held("alice-uuid", "cyclades.vm") == (0, 0)


def test_list_filters_and_pagination(alice, backend, flavor, image):
    ids = [create(alice, flavor, image, name=f"web{i}").data["server"]["id"]
           for i in range(3)]
    listed = alice.call("GET", "servers?limit=2").data
    assert [s["id"] for s in listed["servers"]] == ids[:2]
    assert "marker=" + ids[1] in listed["servers_links"][0]["href"]
    rest = alice.call("GET", f"servers?marker={ids[1]}").data["servers"]
    assert [s["id"] for s in rest] == ids[2:]
    assert len(alice.call("GET", "servers/detail?status=BUILD").data["servers"]) == 3
    assert alice.call("GET", "servers/detail?status=ACTIVE").data["servers"] == []
    run_cluster_jobs()
    assert len(alice.call("GET", "servers/detail?status=ACTIVE").data["servers"]) == 3
    assert [s["name"] for s in alice.call("GET", "servers?name=web2").data["servers"]] \
        == ["web2"]


def test_changes_since_shows_deleted_servers(alice, backend, flavor, image):
    server_id = create(alice, flavor, image).data["server"]["id"]
    run_cluster_jobs()
    alice.call("DELETE", f"servers/{server_id}")
    run_cluster_jobs()
    assert alice.call("GET", "servers").data["servers"] == []
    changed = alice.call("GET", "servers/detail?changes-since=2000-01-01T00:00:00Z").data
    assert [(s["id"], s["status"]) for s in changed["servers"]] == [(server_id, "DELETED")]


def test_rename_and_metadata(alice, backend, flavor, image):
    server_id = create(alice, flavor, image).data["server"]["id"]
    response = alice.call("PUT", f"servers/{server_id}", {"server": {"name": "renamed"}})
    assert response.data["server"]["name"] == "renamed"
    alice.call("POST", f"servers/{server_id}/metadata", {"metadata": {"a": "1", "b": "2"}})
    assert alice.call("PUT", f"servers/{server_id}/metadata/b",
                      {"meta": {"b": "3"}}).status_code == 200
    assert alice.call("GET", f"servers/{server_id}/metadata").data["metadata"] == \
        {"a": "1", "b": "3"}
    assert alice.call("DELETE", f"servers/{server_id}/metadata/a").status_code == 204
    assert alice.call("GET", f"servers/{server_id}/metadata/a").status_code == 404
    alice.call("PUT", f"servers/{server_id}/metadata", {"metadata": {"only": "x"}})
    assert alice.call("GET", f"servers/{server_id}/metadata").data["metadata"] == {"only": "x"}


def test_spice_console_is_not_faked(alice, backend, flavor, image):
    server_id = create(alice, flavor, image).data["server"]["id"]
    run_cluster_jobs()
    response = alice.call("POST", f"servers/{server_id}/action",
                          {"os-getSPICEConsole": {"type": "spice-html5"}})
    assert response.status_code == 501


def test_firewall_profile_tags_the_instance(alice, backend, flavor, image):
    server_id = create(alice, flavor, image).data["server"]["id"]
    run_cluster_jobs()
    response = alice.call("POST", f"servers/{server_id}/action",
                          {"firewallProfile": {"profile": "PROTECTED"}})
    assert response.status_code == 202
    run_cluster_jobs()
    tags = fake.cluster_for("cluster-a").instances[f"snf-{server_id}"]["tags"]
    assert "synnefo:network:0:protected" in tags
    alice.call("POST", f"servers/{server_id}/action", {"firewallProfile": {"profile": "ENABLED"}})
    run_cluster_jobs()
    tags = fake.cluster_for("cluster-a").instances[f"snf-{server_id}"]["tags"]
    assert "synnefo:network:0:enabled" in tags and "synnefo:network:0:protected" not in tags


def test_bad_requests(alice, backend, flavor, image):
    assert alice.call("POST", "servers", {"server": {"name": "x", "flavorRef": "nope",
                                                     "imageRef": str(image.id)}}).status_code \
        == 400
    assert alice.call("POST", "servers", {"server": {"name": "x", "flavorRef": "1",
                                                     "imageRef": "missing"}}).status_code == 400
    assert alice.call("POST", "servers", {"server": {"flavorRef": "1",
                                                     "imageRef": str(image.id)}}).status_code \
        == 400
    assert alice.call("GET", "servers/abc").status_code == 404


def test_unauthenticated_is_401(backend):
    from conftest import Api

    assert Api("bad-token").call("GET", "servers").status_code == 401


def test_listing_timestamps_and_pages_match_the_database(alice, backend, flavor, image):
    ids = [create(alice, flavor, image).data["server"]["id"] for _ in range(3)]
    listed = alice.call("GET", "servers/detail?limit=2").data
    assert [s["id"] for s in listed["servers"]] == ids[:2]
    for shown in listed["servers"]:
        row = Server.objects.get(pk=int(shown["id"]))
        assert shown["created"] == row.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert shown["updated"] == row.updated.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert shown["SNF:fqdn"] == f"snf-{row.id}" and len(shown["addresses"]) == 1
    rest = alice.call("GET", f"servers/detail?marker={ids[1]}").data["servers"]
    assert [s["id"] for s in rest] == ids[2:] and len(rest[0]["addresses"]) == 1
