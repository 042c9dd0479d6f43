"""The Volume service: Cinder v3 API, quota, attach/detach through the fake cluster, snapshots."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from archipelago import mapper
from archipelago.blockstore.memory import MemoryBlockStore
from cyclades.backends.ganeti import fake
from cyclades.compute.models import Flavor
from cyclades.volume.models import Snapshot, Volume, VolumeType
from conftest import run_cluster_jobs
from test_images_doubles import ImageApi, install

GIB = 1 << 30

pytestmark = pytest.mark.django_db(transaction=True)


class VolumeApi:
    def __init__(self, token: str, project: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.token = token
        self.project = project

    def call(self, method: str, path: str, body=None, *, root: str | None = None, **headers):
        kwargs = {"HTTP_X_AUTH_TOKEN": self.token, **headers}
        url = root if root is not None else f"/volume/v3/{self.project}/{path.lstrip('/')}"
        response = getattr(self.client, method.lower())(
            url, data=json.dumps(body) if body is not None else None,
            content_type="application/json", **kwargs)
        response.data = json.loads(response.content) if response.content and \
            response["Content-Type"].startswith("application/json") else None
        return response


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
def file_type(db):
    return VolumeType.objects.create(name="file", disk_template="file")


@pytest.fixture
def store(settings, monkeypatch, tmp_path):
    """One in-memory Archipelago store shared by every open (what the nodes share), and
    a Pithos double on the same store (snapshots are published there)."""
    shared = MemoryBlockStore()
    shared.close = lambda: None
    monkeypatch.setattr("archipelago.blockstore.open_blockstore", lambda config: shared)
    monkeypatch.setattr("cyclades.images.blockmaps.open_blockstore", lambda config: shared)
    settings.CYCLADES_ARCHIPELAGO_BLOCKSTORE = "memory:"
    shared.pithos = install(monkeypatch, settings, tmp_path, store=shared)
    return shared


@pytest.fixture
def ext_flavor(db):
    return Flavor.objects.create(public_id="9", name="ext", cpu=1, ram=512, disk=2,
                                 disk_template="ext_archipelago")


def make_server(alice, flavor, image):
    body = {"server": {"name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id)}}
    response = alice.call("POST", "servers", body)
    assert response.status_code == 202, response.data
    run_cluster_jobs()
    return response.data["server"]["id"]


# -- discovery and microversions ------------------------------------------------------
def test_version_discovery_without_token_at_root_and_v3():
    client = Client()
    root = client.get("/volume/")
    assert root.status_code == 300
    doc = json.loads(root.content)["versions"][0]
    assert doc["id"] == "v3.0" and doc["version"] == "3.0" and doc["min_version"] == "3.0"
    assert doc["links"][0]["href"].endswith("/volume/v3/")
    v3 = client.get("/volume/v3/")
    assert v3.status_code == 200 and json.loads(v3.content)["versions"][0]["id"] == "v3.0"
    assert v3["OpenStack-API-Version"] == "volume 3.0"


def test_microversion_echo_latest_and_406(valice, archip_type):
    ok = valice.call("GET", "types", HTTP_OPENSTACK_API_VERSION="volume 3.0")
    assert ok.status_code == 200 and ok["OpenStack-API-Version"] == "volume 3.0"
    assert "OpenStack-API-Version" in ok["Vary"]
    latest = valice.call("GET", "types", HTTP_OPENSTACK_API_VERSION="volume latest")
    assert latest["OpenStack-API-Version"] == "volume 3.0"
    too_new = valice.call("GET", "types", HTTP_OPENSTACK_API_VERSION="volume 3.71")
    assert too_new.status_code == 406 and too_new["OpenStack-API-Version"] == "volume 3.0"
    # another service's header is not ours to judge
    other = valice.call("GET", "types", HTTP_OPENSTACK_API_VERSION="compute 2.90")
    assert other.status_code == 200


def test_project_in_url_must_be_the_tokens(valice, archip_type):
    assert valice.call("GET", "volumes", root="/volume/v3/bob-uuid/volumes").status_code == 403
    assert valice.call("GET", "volumes").status_code == 200


def test_types_list_and_show(valice, archip_type, file_type):
    listed = valice.call("GET", "types").data["volume_types"]
    assert [t["name"] for t in listed] == ["archip", "file"]
    assert listed[0]["extra_specs"] == {"disk_template": "ext_archipelago"}
    assert valice.call("GET", f"types/{archip_type.id}").data["volume_type"]["name"] == "archip"
    assert valice.call("GET", "types/nope").status_code == 404


# -- volumes ----------------------------------------------------------------------------
def test_create_list_show_update_delete_with_quota(valice, quota, archip_type):
    response = valice.call("POST", "volumes", {"volume": {"size": 10, "name": "data"}})
    assert response.status_code == 202, response.data
    volume = response.data["volume"]
    assert volume["status"] == "available" and volume["size"] == 10
    assert volume["volume_type"] == "archip" and volume["attachments"] == []
    assert quota.held("alice-uuid", "cyclades.disk") == (10 * GIB, 10 * GIB)
    assert quota.pending() == []
    brief = valice.call("GET", "volumes").data["volumes"]
    assert [v["id"] for v in brief] == [volume["id"]] and set(brief[0]) == {"id", "name", "links"}
    assert valice.call("GET", "volumes/detail").data["volumes"][0]["size"] == 10
    updated = valice.call("PUT", f"volumes/{volume['id']}",
                          {"volume": {"name": "renamed", "description": "d"}})
    assert updated.data["volume"]["name"] == "renamed"
    assert updated.data["volume"]["description"] == "d"
    assert valice.call("DELETE", f"volumes/{volume['id']}").status_code == 202
    assert valice.call("GET", f"volumes/{volume['id']}").status_code == 404
    assert quota.held("alice-uuid", "cyclades.disk") == (0, 0)


def test_volume_over_quota_is_413_and_nothing_is_created(valice, quota, archip_type):
    quota.limits["cyclades.disk"] = 5 * GIB
    response = valice.call("POST", "volumes", {"volume": {"size": 10}})
    assert response.status_code == 413, response.data
    assert Volume.objects.count() == 0
    assert quota.held("alice-uuid", "cyclades.disk") == (0, 0) and quota.pending() == []


def test_bad_requests(valice, archip_type):
    assert valice.call("POST", "volumes", {"volume": {"size": 0}}).status_code == 400
    assert valice.call("POST", "volumes", {"volume": {"size": "x"}}).status_code == 400
    assert valice.call("POST", "volumes", {"volume": {"size": 1, "volume_type": "gold"}}) \
        .status_code == 404
    assert valice.call("POST", "volumes", {"size": 1}).status_code == 400
    assert valice.call("POST", "volumes", {"volume": {"size": 1, "source_volid": "x"}}) \
        .status_code == 400
    assert Volume.objects.count() == 0


def test_another_user_cannot_see_or_touch_a_volume(valice, vbob, archip_type):
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    assert vbob.call("GET", "volumes/detail").data["volumes"] == []
    assert vbob.call("GET", f"volumes/{volume['id']}").status_code == 404
    assert vbob.call("DELETE", f"volumes/{volume['id']}").status_code == 404
    assert vbob.call("POST", "snapshots", {"snapshot": {"volume_id": volume["id"]}}) \
        .status_code == 400


def test_create_from_image_is_a_thin_clone_origin(valice, archip_type, file_type, image):
    image.location = "pithosmap://img-map/1048576"
    image.save()
    response = valice.call("POST", "volumes", {"volume": {"size": 1, "imageRef": str(image.id),
                                                          "volume_type": "archip"}})
    assert response.status_code == 202, response.data
    row = Volume.objects.get()
    assert row.origin == "pithosmap://img-map/1048576" and row.source == f"image:{image.id}"
    assert response.data["volume"]["bootable"] == "true"
    # other templates cannot start from an image: a clear 400, nothing created
    refused = valice.call("POST", "volumes", {"volume": {"size": 1, "imageRef": str(image.id),
                                                         "volume_type": "file"}})
    assert refused.status_code == 400 and "ext_archipelago" in refused.data["badRequest"]["message"]
    assert Volume.objects.count() == 1


# -- attach / detach ------------------------------------------------------------------
def test_attach_detach_through_modify_jobs(alice, valice, quota, backend, ext_flavor, image,
                                           archip_type, store):
    server_id = make_server(alice, ext_flavor, image)
    boot = Volume.objects.get(boot=True)
    assert boot.status == "in-use" and boot.server_id == int(server_id) and boot.size == 2
    volume = valice.call("POST", "volumes", {"volume": {"size": 10}}).data["volume"]
    attach = alice.call("POST", f"servers/{server_id}/os-volume_attachments",
                        {"volumeAttachment": {"volumeId": volume["id"]}})
    assert attach.status_code == 200, attach.data
    assert attach.data["volumeAttachment"]["volumeId"] == volume["id"]
    assert valice.call("GET", f"volumes/{volume['id']}").data["volume"]["status"] == "attaching"
    job = fake.cluster_for("cluster-a").jobs[max(fake.cluster_for("cluster-a").jobs)]
    assert job.kind == "modify"
    assert job.body["disks"] == [["add", {"size": 10240, "name": f"vol-{volume['id']}",
                                          "provider": "archipelago"}]]
    run_cluster_jobs()
    shown = valice.call("GET", f"volumes/{volume['id']}").data["volume"]
    assert shown["status"] == "in-use"
    assert shown["attachments"][0]["server_id"] == server_id
    assert shown["attachments"][0]["device"] == "/dev/vdb"
    listed = alice.call("GET", f"servers/{server_id}/os-volume_attachments").data
    assert {a["volumeId"] for a in listed["volumeAttachments"]} == {volume["id"], str(boot.uuid)}
    # Nova's server detail lists them too (openstacksdk's server.attached_volumes)
    expected = [{"id": str(boot.uuid), "delete_on_termination": True},
                {"id": volume["id"], "delete_on_termination": False}]
    assert alice.call("GET", f"servers/{server_id}").data["server"][
        "os-extended-volumes:volumes_attached"] == expected
    assert alice.call("GET", "servers/detail").data["servers"][0][
        "os-extended-volumes:volumes_attached"] == expected
    # in use: no delete
    assert valice.call("DELETE", f"volumes/{volume['id']}").status_code == 409
    # the boot volume cannot be detached
    assert alice.call("DELETE", f"servers/{server_id}/os-volume_attachments/{boot.uuid}") \
        .status_code == 400
    # detach: freeze the disk map (data kept), then a remove job
    disk_uuid = Volume.objects.get(uuid=volume["id"]).backend_disk_uuid
    mapper.create(store, f"{disk_uuid}.ext.disk1", 10 * GIB)
    detach = alice.call("DELETE", f"servers/{server_id}/os-volume_attachments/{volume['id']}")
    assert detach.status_code == 202, detach.data
    job = fake.cluster_for("cluster-a").jobs[max(fake.cluster_for("cluster-a").jobs)]
    assert job.body["disks"] == [["remove", f"vol-{volume['id']}", {}]]
    run_cluster_jobs()
    row = Volume.objects.get(uuid=volume["id"])
    assert row.status == "available" and row.server_id is None
    assert row.origin.startswith("snapshot:detached-")
    assert mapper.load(store, row.origin.split(":", 1)[1]).readonly
    assert alice.call("GET", f"servers/{server_id}/os-volume_attachments").data[
        "volumeAttachments"] == [{"id": str(boot.uuid), "serverId": server_id,
                                  "volumeId": str(boot.uuid), "device": "/dev/vda"}]
    assert alice.call("GET", f"servers/{server_id}").data["server"][
        "os-extended-volumes:volumes_attached"] == expected[:1]
    # re-attach clones the frozen map
    alice.call("POST", f"servers/{server_id}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": volume["id"]}})
    job = fake.cluster_for("cluster-a").jobs[max(fake.cluster_for("cluster-a").jobs)]
    assert job.body["disks"][0][1]["origin"] == row.origin
    run_cluster_jobs()
    assert Volume.objects.get(uuid=volume["id"]).status == "in-use"


def test_failed_attach_returns_the_volume(alice, valice, backend, ext_flavor, image,
                                          archip_type):
    server_id = make_server(alice, ext_flavor, image)
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    fake.cluster_for("cluster-a").failures["modify"] = "no space"
    alice.call("POST", f"servers/{server_id}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": volume["id"]}})
    run_cluster_jobs()
    row = Volume.objects.get(uuid=volume["id"])
    assert row.status == "available" and row.server_id is None and "no space" in row.fault


def test_attach_submission_failure_is_503_and_undone(alice, valice, backend, ext_flavor,
                                                     image, archip_type):
    server_id = make_server(alice, ext_flavor, image)
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    fake.cluster_for("cluster-a").unreachable = True
    response = alice.call("POST", f"servers/{server_id}/os-volume_attachments",
                          {"volumeAttachment": {"volumeId": volume["id"]}})
    assert response.status_code == 503
    assert Volume.objects.get(uuid=volume["id"]).status == "available"


def test_attach_rules(alice, bob, valice, backend, flavor, ext_flavor, image, archip_type,
                      file_type, store):
    ext_server = make_server(alice, ext_flavor, image)
    file_server = make_server(alice, flavor, image)
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    # template mismatch
    assert alice.call("POST", f"servers/{file_server}/os-volume_attachments",
                      {"volumeAttachment": {"volumeId": volume["id"]}}).status_code == 400
    # another user's server and volume are not found
    assert bob.call("POST", f"servers/{ext_server}/os-volume_attachments",
                    {"volumeAttachment": {"volumeId": volume["id"]}}).status_code == 404
    # file volumes attach but cannot be detached (Ganeti would destroy the data)
    file_volume = valice.call("POST", "volumes", {"volume": {"size": 1, "volume_type": "file"}}) \
        .data["volume"]
    assert alice.call("POST", f"servers/{file_server}/os-volume_attachments",
                      {"volumeAttachment": {"volumeId": file_volume["id"]}}).status_code == 200
    run_cluster_jobs()
    assert Volume.objects.get(uuid=file_volume["id"]).status == "in-use"
    refused = alice.call("DELETE",
                         f"servers/{file_server}/os-volume_attachments/{file_volume['id']}")
    assert refused.status_code == 400
    # twice: the second attach is a conflict
    alice.call("POST", f"servers/{ext_server}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": volume["id"]}})
    again = alice.call("POST", f"servers/{ext_server}/os-volume_attachments",
                       {"volumeAttachment": {"volumeId": volume["id"]}})
    assert again.status_code == 409


def test_server_delete_removes_boot_volume_and_frees_others(alice, valice, quota, backend,
                                                            ext_flavor, image, archip_type):
    server_id = make_server(alice, ext_flavor, image)
    keep = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    drop = valice.call("POST", "volumes", {"volume": {"size": 3}}).data["volume"]
    alice.call("POST", f"servers/{server_id}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": keep["id"]}})
    alice.call("POST", f"servers/{server_id}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": drop["id"], "delete_on_termination": True}})
    run_cluster_jobs()
    assert quota.held("alice-uuid", "cyclades.disk")[0] == (2 + 1 + 3) * GIB
    assert alice.call("DELETE", f"servers/{server_id}").status_code == 204
    run_cluster_jobs()
    assert Volume.objects.get(boot=True).deleted
    assert Volume.objects.get(uuid=drop["id"]).deleted
    kept = Volume.objects.get(uuid=keep["id"])
    assert kept.status == "available" and kept.server_id is None and not kept.deleted
    assert quota.held("alice-uuid", "cyclades.disk") == (1 * GIB, 1 * GIB)


# -- snapshots --------------------------------------------------------------------------
def test_snapshot_of_available_volume_and_volume_from_snapshot(valice, vbob, archip_type,
                                                               store):
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    response = valice.call("POST", "snapshots", {"snapshot": {"volume_id": volume["id"],
                                                              "name": "s1"}})
    assert response.status_code == 202, response.data
    snap = response.data["snapshot"]
    assert snap["status"] == "available" and snap["volume_id"] == volume["id"]
    frozen = mapper.load(store, f"snapshot-{snap['id']}")
    assert frozen.readonly and frozen.size == GIB
    assert [s["id"] for s in valice.call("GET", "snapshots/detail").data["snapshots"]] == \
        [snap["id"]]
    assert vbob.call("GET", f"snapshots/{snap['id']}").status_code == 404
    assert vbob.call("GET", "snapshots").data["snapshots"] == []
    clone = valice.call("POST", "volumes", {"volume": {"size": 2, "snapshot_id": snap["id"]}})
    assert clone.status_code == 202, clone.data
    assert clone.data["volume"]["snapshot_id"] == snap["id"]
    assert Volume.objects.get(uuid=clone.data["volume"]["id"]).origin == \
        f"snapshot:snapshot-{snap['id']}"
    # a snapshot that volumes still start from stays
    assert valice.call("DELETE", f"snapshots/{snap['id']}").status_code == 409
    valice.call("DELETE", f"volumes/{clone.data['volume']['id']}")
    assert valice.call("DELETE", f"snapshots/{snap['id']}").status_code == 202
    assert not mapper.exists(store, f"snapshot-{snap['id']}")
    assert Snapshot.objects.get().deleted


def test_snapshot_of_attached_volume_needs_force_and_freezes_the_disk_map(
        alice, valice, backend, ext_flavor, image, archip_type, store):
    server_id = make_server(alice, ext_flavor, image)
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    alice.call("POST", f"servers/{server_id}/os-volume_attachments",
               {"volumeAttachment": {"volumeId": volume["id"]}})
    run_cluster_jobs()
    disk_uuid = Volume.objects.get(uuid=volume["id"]).backend_disk_uuid
    assert disk_uuid
    from archipelago import volumes as avolumes

    mapper.create(store, f"{disk_uuid}.ext.disk1", GIB)
    with avolumes.open_volume(store, f"{disk_uuid}.ext.disk1") as handle:
        handle.write(0, b"hello")
    body = {"snapshot": {"volume_id": volume["id"]}}
    assert valice.call("POST", "snapshots", body).status_code == 400
    body["snapshot"]["force"] = True
    snap = valice.call("POST", "snapshots", body).data["snapshot"]
    with avolumes.open_volume(store, f"snapshot-{snap['id']}") as handle:
        assert handle.read(0, 5) == b"hello"


def test_snapshot_is_a_pithos_file_of_the_owner_charged_to_pithos_quota(valice, archip_type,
                                                                        store):
    pithos = store.pithos
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    snap = valice.call("POST", "snapshots", {"snapshot": {"volume_id": volume["id"],
                                                          "name": "s"}}).data["snapshot"]
    location = f"pithos://alice-uuid/snapshots/{snap['id']}"
    assert snap["SNF:pithos_location"] == location
    entry = pithos.objects[("alice-uuid", "snapshots", snap["id"])]
    frozen = mapper.load(store, f"snapshot-{snap['id']}")
    assert entry["size"] == GIB and entry["hashes"] == frozen.hex_hashes()
    assert entry["meta"]["Snapshot-Volume"] == volume["id"]
    # over the owner's Pithos quota: 413, no snapshot, no map, no file
    pithos.quota["alice-uuid"] = pithos.used("alice-uuid") + GIB // 2
    refused = valice.call("POST", "snapshots", {"snapshot": {"volume_id": volume["id"]}})
    assert refused.status_code == 413, refused.data
    assert Snapshot.objects.filter(deleted=False).count() == 1
    assert sorted(n for n in mapper.list_names(store) if n.startswith("snapshot-")) == \
        [f"snapshot-{snap['id']}"]
    assert len(pithos.objects) == 1
    # delete gives the file (and so the quota) back
    assert valice.call("DELETE", f"snapshots/{snap['id']}").status_code == 202
    assert pithos.objects == {} and pithos.used("alice-uuid") == 0


def test_snapshot_registered_as_image_boots_a_thin_clone(alice, valice, backend, ext_flavor,
                                                         archip_type, store):
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    snap = valice.call("POST", "snapshots", {"snapshot": {"volume_id": volume["id"]}}) \
        .data["snapshot"]
    images = ImageApi("tok-alice")
    registered = images.call("POST", "v2/images", {
        "name": "from-snapshot", "disk_format": "diskdump", "container_format": "bare",
        "location": snap["SNF:pithos_location"], "OSFAMILY": "linux"})
    assert registered.status_code == 201, registered.data
    image = registered.data
    assert image["status"] == "active" and image["size"] == GIB
    published = mapper.load(store, f"plankton-{image['id']}")
    assert published.hex_hashes() == mapper.load(store, f"snapshot-{snap['id']}").hex_hashes()
    # boot from it: snf-image reads the image's published map
    server = alice.call("POST", "servers", {"server": {
        "name": "again", "flavorRef": ext_flavor.public_id, "imageRef": image["id"]}})
    assert server.status_code == 202, server.data
    jobs = fake.cluster_for("cluster-a").jobs
    body = jobs[max(jobs)].body
    assert body["osparams"]["img_id"] == f"pithosmap://plankton-{image['id']}/{GIB}"


def test_volume_upload_image_action(alice, valice, backend, ext_flavor, archip_type, file_type,
                                    store):
    pithos = store.pithos
    pithos.put("alice-uuid", "files", "os.img", b"\x07" * 5000)
    source = ImageApi("tok-alice").call("POST", "v2/images", {
        "name": "os", "disk_format": "diskdump", "location": "pithos://alice-uuid/files/os.img",
        "OSFAMILY": "linux", "ROOT_PARTITION": "1"}).data
    volume = valice.call("POST", "volumes", {"volume": {"size": 1, "imageRef": source["id"]}}) \
        .data["volume"]
    response = valice.call("POST", f"volumes/{volume['id']}/action", {
        "os-volume_upload_image": {"image_name": "copy", "disk_format": "diskdump",
                                   "container_format": "bare"}})
    assert response.status_code == 202, response.data
    result = response.data["os-volume_upload_image"]
    assert result["id"] == volume["id"] and result["image_name"] == "copy"
    image = ImageApi("tok-alice").call("GET", f"v2/images/{result['image_id']}").data
    assert image["status"] == "active" and image["size"] == GIB
    assert image["OSFAMILY"] == "linux" and image["ROOT_PARTITION"] == "1"
    assert image["visibility"] == "private"
    # the data: the owner's images/<id> file, whose first block is the source image's
    entry = pithos.objects[("alice-uuid", "images", result["image_id"])]
    assert entry["hashes"][0] == pithos.objects[("alice-uuid", "files", "os.img")]["hashes"][0]
    assert not [n for n in mapper.list_names(store) if n.startswith("upload-")]
    # other templates and unknown actions are 400; another user's volume 404
    plain = valice.call("POST", "volumes", {"volume": {"size": 1, "volume_type": "file"}}) \
        .data["volume"]
    assert valice.call("POST", f"volumes/{plain['id']}/action", {
        "os-volume_upload_image": {"image_name": "x"}}).status_code == 400
    assert valice.call("POST", f"volumes/{volume['id']}/action",
                       {"os-reset_status": {}}).status_code == 400
    assert VolumeApi("tok-bob", "bob-uuid").call("POST", f"volumes/{volume['id']}/action", {
        "os-volume_upload_image": {"image_name": "x"}}).status_code == 404
    # over Pithos quota: 413 and no image is left
    pithos.quota["alice-uuid"] = pithos.used("alice-uuid")
    refused = valice.call("POST", f"volumes/{volume['id']}/action", {
        "os-volume_upload_image": {"image_name": "too-big"}})
    assert refused.status_code == 413, refused.data
    from cyclades.images.models import SystemImage

    assert not SystemImage.objects.filter(name="too-big", deleted=False).exists()


def test_snapshot_unsupported_on_other_templates(valice, file_type, store):
    volume = valice.call("POST", "volumes", {"volume": {"size": 1, "volume_type": "file"}}) \
        .data["volume"]
    response = valice.call("POST", "snapshots", {"snapshot": {"volume_id": volume["id"]}})
    assert response.status_code == 400 and "Archipelago" in response.data["badRequest"]["message"]
    assert Snapshot.objects.count() == 0


def test_snapshot_without_a_configured_store_is_a_clear_400(valice, archip_type, settings):
    settings.CYCLADES_ARCHIPELAGO_BLOCKSTORE = ""
    volume = valice.call("POST", "volumes", {"volume": {"size": 1}}).data["volume"]
    response = valice.call("POST", "snapshots", {"snapshot": {"volume_id": volume["id"]}})
    assert response.status_code == 400 and Snapshot.objects.count() == 0


# -- admin commands -----------------------------------------------------------------------
def test_admin_commands(valice):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    def run(*args):
        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    created = json.loads(run("volume-type-create", "--name", "fast", "--disk-template",
                             "ext_archipelago", "-o", "json"))
    assert created["disk_template"] == "ext_archipelago"
    with pytest.raises(CommandError):
        run("volume-type-create", "--name", "bad", "--disk-template", "floppy")
    with pytest.raises(CommandError):
        run("volume-type-create", "--name", "fast", "--disk-template", "file")
    assert [t["name"] for t in json.loads(run("volume-type-list", "-o", "json"))] == ["fast"]
    volume = valice.call("POST", "volumes", {"volume": {"size": 3, "name": "v"}}).data["volume"]
    listed = json.loads(run("volume-list", "-o", "json"))
    assert listed == [{"id": volume["id"], "owner": "alice-uuid", "name": "v", "size": 3,
                       "type": "fast", "status": "available", "server": None, "index": None,
                       "boot": False}]
    assert json.loads(run("volume-list", "--user", "bob-uuid", "-o", "json")) == []
    shown = json.loads(run("volume-show", volume["id"], "-o", "json"))
    assert shown["quota_held"] == 3 * GIB and shown["snapshots"] == []
    assert "available" in run("volume-list")
    with pytest.raises(CommandError):
        run("volume-show", "not-a-uuid")

    # modify/remove: the template is fixed while volumes use the type, removal refused too
    renamed = json.loads(run("volume-type-modify", "fast", "--name", "quick", "--description",
                             "ssd", "-o", "json"))
    assert renamed["name"] == "quick" and renamed["description"] == "ssd"
    with pytest.raises(CommandError, match="cannot change"):
        run("volume-type-modify", "quick", "--disk-template", "file")
    with pytest.raises(CommandError, match="delete them first"):
        run("volume-type-remove", "quick")
    assert valice.call("DELETE", f"volumes/{volume['id']}").status_code == 202
    assert json.loads(run("volume-type-modify", str(created["id"]), "--disk-template",
                          "file", "-o", "json"))["disk_template"] == "file"
    with pytest.raises(CommandError):
        run("volume-type-modify", "quick", "--disk-template", "floppy")
    assert json.loads(run("volume-type-remove", "quick", "-o", "json"))["deleted"] is True
    assert json.loads(run("volume-type-list", "-o", "json")) == []
    assert valice.call("GET", "types").data["volume_types"] == []
    with pytest.raises(CommandError):
        run("volume-type-remove", "quick")


def test_synnefo_v2_paths_act_on_the_tokens_project(valice, vbob, quota, archip_type):
    # /volume/v2.0/... (kamaki 0.16): the v3 views without the project in the path.
    created = valice.call("POST", "", {"volume": {"size": 1, "name": "old"}},
                          root="/volume/v2.0/volumes")
    assert created.status_code == 202, created.data
    volume_id = created.data["volume"]["id"]
    listed = valice.call("GET", "", root="/volume/v2.0/volumes/detail").data["volumes"]
    assert [v["id"] for v in listed] == [volume_id] and listed[0]["size"] == 1
    assert valice.call("GET", "", root=f"/volume/v3/alice-uuid/volumes/{volume_id}") \
        .data["volume"]["name"] == "old"
    assert vbob.call("GET", "", root="/volume/v2.0/volumes/detail").data["volumes"] == []
    assert vbob.call("GET", "", root=f"/volume/v2.0/volumes/{volume_id}").status_code == 404
    assert [t["name"] for t in valice.call("GET", "", root="/volume/v2.0/types")
            .data["volume_types"]] == ["archip"]
    assert VolumeApi("", "").call("GET", "", root="/volume/v2.0/volumes").status_code == 401
    assert valice.call("DELETE", "", root=f"/volume/v2.0/volumes/{volume_id}").status_code \
        == 202
