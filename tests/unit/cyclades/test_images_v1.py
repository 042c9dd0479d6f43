"""Plankton (Glance v1) at /image/v1.0: registration by headers, listing, members."""

from __future__ import annotations

import hashlib

import pytest
from test_images_doubles import ImageApi, install
from test_images_v2 import validate

from cyclades.images.models import SystemImage
from snf_common.django import auth

pytestmark = pytest.mark.django_db
DATA = b"plankton" * 1000


@pytest.fixture
def pithos(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(auth, "_validator", validate)
    fake = install(monkeypatch, settings, tmp_path)
    fake.put("alice-uuid", "pithos", "deb.img", DATA)
    return fake


def headers(location="pithos://alice-uuid/pithos/deb.img", **extra):
    values = {"HTTP_X_IMAGE_META_NAME": "debian", "HTTP_X_IMAGE_META_LOCATION": location,
              "HTTP_X_IMAGE_META_DISK_FORMAT": "diskdump",
              "HTTP_X_IMAGE_META_CONTAINER_FORMAT": "bare",
              "HTTP_X_IMAGE_META_PROPERTY_OSFAMILY": "linux",
              "HTTP_X_IMAGE_META_PROPERTY_ROOT_PARTITION": "1"}
    values.update(extra)
    return values


def test_register_show_list_and_unregister(pithos):
    alice = ImageApi("tok-alice")
    created = alice.call("POST", "v1.0/images", **headers(HTTP_X_IMAGE_META_IS_PUBLIC="true"))
    assert created.status_code == 201, created.content
    image = created.data["image"]
    assert image["location"] == "pithos://alice-uuid/pithos/deb.img"
    assert image["size"] == len(DATA) and image["checksum"] == hashlib.md5(DATA).hexdigest()
    assert image["is_public"] is True and image["properties"]["OSFAMILY"] == "linux"
    head = alice.call("HEAD", f"v1.0/images/{image['id']}")
    assert head.status_code == 200
    assert head["X-Image-Meta-Property-ROOT_PARTITION"] == "1"
    assert head["X-Image-Meta-Location"] == "pithos://alice-uuid/pithos/deb.img"
    bob = ImageApi("tok-bob")
    assert [i["id"] for i in bob.call("GET", "v1.0/images/detail").data] == \
        [image["id"]]
    assert [i["name"] for i in bob.call("GET", "v1.0/images").data] == ["debian"]
    assert bob.call("DELETE", f"v1.0/images/{image['id']}").status_code == 403
    updated = alice.call("PUT", f"v1.0/images/{image['id']}",
                         HTTP_X_IMAGE_META_NAME="deb12",
                         HTTP_X_IMAGE_META_PROPERTY_OSFAMILY="linux")
    assert updated.status_code == 200
    assert updated.data["image"]["name"] == "deb12"
    assert updated.data["image"]["properties"] == {"OSFAMILY": "linux"}  # v1 PUT replaces
    assert alice.call("DELETE", f"v1.0/images/{image['id']}").status_code == 204
    assert alice.call("HEAD", f"v1.0/images/{image['id']}").status_code == 404
    assert ("alice-uuid", "pithos", "deb.img") in pithos.objects


@pytest.mark.parametrize("extra,status", [
    ({"HTTP_X_IMAGE_META_ID": "1234"}, 409),
    ({"HTTP_X_IMAGE_META_SIZE": "1"}, 400),              # not the file's size
    ({"HTTP_X_IMAGE_META_LOCATION": "pithos://bob-uuid/pithos/deb.img"}, 403),
    ({"HTTP_X_IMAGE_META_LOCATION": ""}, 400),
])
def test_bad_registrations_leave_nothing(pithos, extra, status):
    pithos.put("bob-uuid", "pithos", "deb.img", DATA)
    response = ImageApi("tok-alice").call("POST", "v1.0/images", **headers(**extra))
    assert response.status_code == status, response.content
    assert not SystemImage.objects.filter(deleted=False).exists()


def test_v1_members_share_at_once(pithos):
    alice, bob = ImageApi("tok-alice"), ImageApi("tok-bob")
    image = alice.call("POST", "v1.0/images", **headers()).data["image"]
    assert image["is_public"] is False
    assert bob.call("HEAD", f"v1.0/images/{image['id']}").status_code == 404
    assert alice.call("PUT", f"v1.0/images/{image['id']}/members/bob-uuid").status_code == 204
    assert bob.call("HEAD", f"v1.0/images/{image['id']}").status_code == 200
    assert [i["id"] for i in bob.call("GET", "v1.0/images").data] == [image["id"]]
    assert alice.call("GET", f"v1.0/images/{image['id']}/members").data["members"] == \
        [{"member_id": "bob-uuid", "can_share": False}]
    assert bob.call("GET", "v1.0/shared-images/bob-uuid").data["shared_images"][0][
        "image_id"] == image["id"]
    replaced = alice.call("PUT", f"v1.0/images/{image['id']}/members",
                          {"memberships": [{"member_id": "carol-uuid"}]})
    assert replaced.status_code == 204
    assert bob.call("HEAD", f"v1.0/images/{image['id']}").status_code == 404
    # the v2 view of the same image: shared, carol accepted
    shown = alice.call("GET", f"v2/images/{image['id']}/members").data["members"]
    assert [(m["member_id"], m["status"]) for m in shown] == [("carol-uuid", "accepted")]
