"""Glance v2 at /image/v2 over a Pithos double and a real filesystem block store."""

from __future__ import annotations

import hashlib

import pytest
from test_images_doubles import ImageApi, install

from archipelago import mapper
from archipelago.blockstore.base import open_blockstore
from archipelago.blockstore.config import parse_blockstore_spec
from cyclades.images.models import SystemImage
from snf_common import hashing
from snf_common.credentials import Credentials
from snf_common.django import auth

pytestmark = pytest.mark.django_db(transaction=True)
USERS = {"tok-alice": "alice-uuid", "tok-bob": "bob-uuid", "tok-carol": "carol-uuid"}
PATCH = "application/openstack-images-v2.1-json-patch"
DATA = b"\x01" * (hashing.BLOCK_SIZE_BYTES + 1000)   # two blocks, the last one partial


def validate(token: str):
    user = USERS.get(token)
    return None if user is None else Credentials(user_id=user, user_name=user[:-5],
                                                 project_id=user, token=token)


@pytest.fixture
def pithos(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(auth, "_validator", validate)
    return install(monkeypatch, settings, tmp_path)


@pytest.fixture
def users(pithos):
    return {name: ImageApi(f"tok-{name}") for name in ("alice", "bob", "carol")}


def register(api, location, **extra):
    body = {"name": "debian", "disk_format": "diskdump", "container_format": "bare",
            "location": location, "OSFAMILY": "linux", **extra}
    return api.call("POST", "v2/images", body)


def test_version_discovery_without_token(client):
    response = client.get("/image")
    assert response.status_code == 300
    versions = response.json()["versions"]
    assert versions[0]["id"] == "v2.5" and versions[0]["status"] == "CURRENT"
    assert versions[0]["links"][0]["href"].endswith("/image/v2/")
    assert client.get("/image/versions").status_code == 200


def test_create_then_upload_streams_into_pithos_and_publishes_the_map(pithos, users, settings):
    alice = users["alice"]
    created = alice.call("POST", "v2/images", {"name": "up", "disk_format": "diskdump",
                                               "container_format": "bare", "ROOT_PARTITION": "1"})
    assert created.status_code == 201, created.content
    image = created.data
    assert image["status"] == "queued" and image["visibility"] == "shared"
    assert image["ROOT_PARTITION"] == "1" and image["size"] is None
    upload = alice.call("PUT", f"v2/images/{image['id']}/file", raw=DATA,
                        content_type="application/octet-stream")
    assert upload.status_code == 204, upload.content
    shown = alice.call("GET", f"v2/images/{image['id']}").data
    assert shown["status"] == "active" and shown["size"] == len(DATA)
    assert shown["checksum"] == hashlib.md5(DATA).hexdigest()
    assert shown["locations"][0]["url"] == f"pithos://alice-uuid/images/{image['id']}"
    # the data went to Pithos as alice's file, and the image points at its blocks
    assert pithos.objects[("alice-uuid", "images", image["id"])]["data"] == DATA
    row = SystemImage.objects.get(pk=image["id"])
    assert row.location == f"pithosmap://plankton-{image['id']}/{len(DATA)}"
    store = open_blockstore(parse_blockstore_spec(settings.CYCLADES_ARCHIPELAGO_BLOCKSTORE))
    raw = store.get_map(f"plankton-{image['id']}")
    assert [raw[i:i + 32].hex() for i in range(0, len(raw), 32)] == \
        pithos.objects[("alice-uuid", "images", image["id"])]["hashes"]
    snapshot = mapper.load(store, f"plankton-{image['id']}")
    assert snapshot.readonly and snapshot.size == len(DATA)
    downloaded = alice.call("GET", f"v2/images/{image['id']}/file")
    assert b"".join(downloaded.streaming_content) == DATA
    again = alice.call("PUT", f"v2/images/{image['id']}/file", raw=b"x",
                       content_type="application/octet-stream")
    assert again.status_code == 409


def test_register_location_of_own_file_marks_it(pithos, users):
    pithos.put("alice-uuid", "pithos", "deb.diskdump", DATA)
    response = register(users["alice"], "pithos://alice-uuid/pithos/deb.diskdump")
    assert response.status_code == 201, response.content
    assert response.data["status"] == "active" and response.data["OSFAMILY"] == "linux"
    meta = pithos.objects[("alice-uuid", "pithos", "deb.diskdump")]["meta"]
    assert meta["Plankton-Image-Id"] == response.data["id"]


@pytest.mark.parametrize("location,status", [
    ("pithos://bob-uuid/pithos/private.img", 403),      # bob's file, not shared
    ("pithos://alice-uuid/pithos/missing.img", 400),    # no such file
    ("http://example.org/deb.img", 400),                # not a Pithos location
    ("pithos://alice-uuid/only-container", 400),
])
def test_unreadable_or_bad_location_creates_nothing(pithos, users, location, status):
    pithos.put("bob-uuid", "pithos", "private.img", DATA)
    response = register(users["alice"], location)
    assert response.status_code == status, response.content
    assert SystemImage.objects.count() == 0


def test_a_file_shared_with_the_user_can_be_registered(pithos, users):
    pithos.put("bob-uuid", "pithos", "shared.img", DATA, readers=("alice-uuid",))
    response = register(users["alice"], "pithos://bob-uuid/pithos/shared.img")
    assert response.status_code == 201, response.content
    assert response.data["owner"] == "alice-uuid"
    # only the file's owner may label it: alice's registration leaves bob's file as it was
    assert pithos.objects[("bob-uuid", "pithos", "shared.img")]["meta"] == {}


def test_patch_location_registers_a_queued_image(pithos, users):
    alice = users["alice"]
    pithos.put("alice-uuid", "pithos", "a.img", DATA)
    image = alice.call("POST", "v2/images", {"name": "later"}).data
    bad = alice.call("PATCH", f"v2/images/{image['id']}", [
        {"op": "add", "path": "/locations/-",
         "value": {"url": "pithos://bob-uuid/pithos/x", "metadata": {}}}], content_type=PATCH)
    assert bad.status_code == 403
    assert alice.call("GET", f"v2/images/{image['id']}").data["status"] == "queued"
    ok = alice.call("PATCH", f"v2/images/{image['id']}", [
        {"op": "add", "path": "/locations/-",
         "value": {"url": "pithos://alice-uuid/pithos/a.img", "metadata": {}}}],
        content_type=PATCH)
    assert ok.status_code == 200 and ok.data["status"] == "active"


def test_json_patch_rules(pithos, users):
    alice = users["alice"]
    pithos.put("alice-uuid", "pithos", "a.img", DATA)
    image = register(alice, "pithos://alice-uuid/pithos/a.img").data
    url = f"v2/images/{image['id']}"
    changed = alice.call("PATCH", url, [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/description", "value": "Debian 12"},
        {"op": "remove", "path": "/OSFAMILY"},
        {"op": "replace", "path": "/min_ram", "value": 256}], content_type=PATCH)
    assert changed.status_code == 200, changed.content
    assert changed.data["name"] == "renamed" and changed.data["description"] == "Debian 12"
    assert "OSFAMILY" not in changed.data and changed.data["min_ram"] == 256
    assert alice.call("PATCH", url, [{"op": "replace", "path": "/size", "value": 1}],
                      content_type=PATCH).status_code == 403
    assert alice.call("PATCH", url, [{"op": "remove", "path": "/nope"}],
                      content_type=PATCH).status_code == 409
    assert alice.call("PATCH", url, [{"op": "replace", "path": "/disk_format",
                                      "value": "extdump"}], content_type=PATCH).status_code == 403
    assert alice.call("PATCH", url, [{"op": "replace", "path": "/visibility",
                                      "value": "galaxy"}], content_type=PATCH).status_code == 400
    assert alice.call("PATCH", url, [{"op": "replace", "path": "/name", "value": "x"}],
                      content_type="application/json").status_code == 415
    assert users["bob"].call("PATCH", url, [{"op": "replace", "path": "/name", "value": "x"}],
                             content_type=PATCH).status_code == 404   # private to alice
    assert alice.call("GET", url).data["name"] == "renamed"


def test_delete_deregisters_and_keeps_the_file(pithos, users, settings):
    alice = users["alice"]
    pithos.put("alice-uuid", "pithos", "a.img", DATA)
    image = register(alice, "pithos://alice-uuid/pithos/a.img", protected=True).data
    assert alice.call("DELETE", f"v2/images/{image['id']}").status_code == 403
    alice.call("PATCH", f"v2/images/{image['id']}",
               [{"op": "replace", "path": "/protected", "value": False}], content_type=PATCH)
    assert alice.call("DELETE", f"v2/images/{image['id']}").status_code == 204
    assert alice.call("GET", f"v2/images/{image['id']}").status_code == 404
    assert ("alice-uuid", "pithos", "a.img") in pithos.objects
    store = open_blockstore(parse_blockstore_spec(settings.CYCLADES_ARCHIPELAGO_BLOCKSTORE))
    assert not mapper.exists(store, f"plankton-{image['id']}")


def test_list_filters_and_pagination(pithos, users):
    alice, bob = users["alice"], users["bob"]
    pithos.put("alice-uuid", "pithos", "a.img", DATA)
    pithos.put("bob-uuid", "pithos", "b.img", DATA)
    public = register(alice, "pithos://alice-uuid/pithos/a.img", name="pub",
                      visibility="public").data
    private = register(alice, "pithos://alice-uuid/pithos/a.img", name="priv",
                       visibility="private").data
    queued = alice.call("POST", "v2/images", {"name": "empty"}).data
    bobs = register(bob, "pithos://bob-uuid/pithos/b.img", name="bobs",
                    visibility="private").data

    def names(api, query=""):
        return sorted(i["name"] for i in api.call("GET", f"v2/images{query}").data["images"])

    assert names(alice) == ["empty", "priv", "pub"]
    assert names(bob) == ["bobs", "pub"]
    assert names(alice, "?visibility=private") == ["priv"]
    assert names(alice, "?status=queued") == ["empty"]
    assert names(alice, "?name=pub") == ["pub"]
    assert names(bob, f"?owner={bobs['owner']}") == ["bobs"]
    assert alice.call("GET", "v2/images?visibility=bogus").status_code == 400
    first = alice.call("GET", "v2/images?limit=2&sort_key=name&sort_dir=asc").data
    assert [i["name"] for i in first["images"]] == ["empty", "priv"]
    assert first["next"].startswith("/v2/images?")
    rest = alice.call("GET", first["next"][len("/v2/"):].replace("images?", "v2/images?", 1))
    assert [i["name"] for i in rest.data["images"]] == ["pub"] and "next" not in rest.data
    assert {public["id"], private["id"], queued["id"]} >= {i["id"] for i in first["images"]}


def test_members_follow_glance_semantics(pithos, users, backend, flavor):
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    pithos.put("alice-uuid", "pithos", "a.img", DATA)
    private = register(alice, "pithos://alice-uuid/pithos/a.img", visibility="private").data
    assert alice.call("POST", f"v2/images/{private['id']}/members",
                      {"member": "bob-uuid"}).status_code == 403
    image = register(alice, "pithos://alice-uuid/pithos/a.img", name="shared").data
    assert image["visibility"] == "shared"
    url = f"v2/images/{image['id']}/members"
    added = alice.call("POST", url, {"member": "bob-uuid"})
    assert added.status_code == 200 and added.data["status"] == "pending"
    assert alice.call("POST", url, {"member": "bob-uuid"}).status_code == 409
    # a pending member sees the image by id, not in the default listing, and cannot boot it
    assert bob.call("GET", f"v2/images/{image['id']}").status_code == 200
    assert [i["id"] for i in bob.call("GET", "v2/images").data["images"]] == []
    assert [i["id"] for i in bob.call("GET", "v2/images?member_status=pending")
            .data["images"]] == [image["id"]]
    assert boot(bob, image["id"], flavor).status_code == 400
    # only the member changes the status; only the owner adds members
    assert alice.call("PUT", f"{url}/bob-uuid", {"status": "accepted"}).status_code == 403
    assert bob.call("POST", url, {"member": "carol-uuid"}).status_code == 403
    accepted = bob.call("PUT", f"{url}/bob-uuid", {"status": "accepted"})
    assert accepted.status_code == 200 and accepted.data["status"] == "accepted"
    assert [i["id"] for i in bob.call("GET", "v2/images").data["images"]] == [image["id"]]
    assert boot(bob, image["id"], flavor).status_code == 202
    # a member sees only their own membership; a stranger sees nothing at all
    assert [m["member_id"] for m in bob.call("GET", url).data["members"]] == ["bob-uuid"]
    assert carol.call("GET", f"v2/images/{image['id']}").status_code == 404
    assert carol.call("GET", url).status_code == 404
    assert boot(carol, image["id"], flavor).status_code == 400
    assert alice.call("DELETE", f"{url}/bob-uuid").status_code == 204
    assert bob.call("GET", f"v2/images/{image['id']}").status_code == 404


def boot(api, image_id, flavor):
    from django.test import Client

    client = Client(raise_request_exception=False)
    return client.post("/compute/v2.1/servers", content_type="application/json",
                       data={"server": {"name": "vm", "flavorRef": flavor.public_id,
                                        "imageRef": image_id}},
                       HTTP_X_AUTH_TOKEN=api.token)


def test_boot_passes_the_published_map_to_snf_image(pithos, users, backend, flavor):
    from cyclades.backends.ganeti import fake

    alice = users["alice"]
    pithos.put("alice-uuid", "pithos", "a.img", DATA)
    image = register(alice, "pithos://alice-uuid/pithos/a.img", ROOT_PARTITION="1",
                     visibility="public").data
    response = boot(users["bob"], image["id"], flavor)   # a public image: anyone boots it
    assert response.status_code == 202, response.content
    cluster = fake.cluster_for("cluster-a")
    (create_job,) = [j for j in cluster.jobs.values() if j.kind == "create"]
    osparams = fake.effective_osparams(create_job.body)   # with its config_url document
    assert osparams["img_id"] == f"pithosmap://plankton-{image['id']}/{len(DATA)}"
    assert osparams["img_format"] == "diskdump"
    assert '"OSFAMILY": "linux"' in osparams["img_properties"]
    assert '"ROOT_PARTITION": "1"' in osparams["img_properties"]
    # the compute API lists it too, Nova style
    shown = alice_compute(users["bob"], f"images/{image['id']}")
    assert shown["image"]["status"] == "ACTIVE" and shown["image"]["metadata"]["OSFAMILY"] == \
        "linux"


def alice_compute(api, path):
    from django.test import Client

    return Client().get(f"/compute/v2.1/{path}", HTTP_X_AUTH_TOKEN=api.token).json()


def test_queued_image_cannot_boot(pithos, users, backend, flavor):
    image = users["alice"].call("POST", "v2/images", {"name": "empty"}).data
    assert boot(users["alice"], image["id"], flavor).status_code == 400
