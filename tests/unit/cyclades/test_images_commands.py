"""Image admin commands: list, show, modify (make public/private, properties), remove."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from test_images_doubles import ImageApi, install

from cyclades.images.models import SystemImage
from snf_common.credentials import Credentials
from snf_common.django import auth

pytestmark = pytest.mark.django_db(transaction=True)
USERS = {"tok-alice": "alice-uuid", "tok-bob": "bob-uuid"}


def validate(token: str):
    user = USERS.get(token)
    return None if user is None else Credentials(user_id=user, user_name=user[:-5],
                                                 project_id=user, token=token)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def pithos(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(auth, "_validator", validate)
    return install(monkeypatch, settings, tmp_path)


def test_show_modify_and_remove_an_image(pithos):
    alice, bob = ImageApi("tok-alice"), ImageApi("tok-bob")
    pithos.put("alice-uuid", "files", "os.img", b"\x02" * 5000)
    created = alice.call("POST", "v2/images", {
        "name": "mine", "disk_format": "diskdump", "location":
        "pithos://alice-uuid/files/os.img", "OSFAMILY": "linux", "visibility": "private"})
    assert created.status_code == 201, created.data
    image_id = created.data["id"]
    SystemImage.objects.create(name="gone", deleted=True, status="deleted", owner="x")

    listed = json.loads(run("image-list", "-o", "json"))
    assert [i["id"] for i in listed] == [image_id] and listed[0]["size"] == 5000
    assert json.loads(run("image-list", "--user", "bob-uuid", "-o", "json")) == []
    assert json.loads(run("image-list", "--visibility", "public", "-o", "json")) == []
    assert len(json.loads(run("image-list", "--deleted", "-o", "json"))) == 2
    shown = json.loads(run("image-show", image_id, "-o", "json"))
    assert shown["pithos_location"] == "pithos://alice-uuid/files/os.img"
    assert shown["map"] == f"plankton-{image_id}" and shown["properties"] == {"OSFAMILY": "linux"}
    assert shown["img_id"] == f"pithosmap://plankton-{image_id}/5000"
    for bad in ("no-such", "7b0e7c6e-0000-4000-8000-000000000000"):
        with pytest.raises(CommandError, match="not found"):
            run("image-show", bad)

    # make public: bob now sees it; then private again: 404 for bob
    assert bob.call("GET", f"v2/images/{image_id}").status_code == 404
    public = json.loads(run("image-modify", image_id, "--visibility", "public", "--name",
                            "System", "--property", "OS=debian", "--remove-property",
                            "OSFAMILY", "--protected", "yes", "-o", "json"))
    assert public["visibility"] == "public" and public["properties"] == {"OS": "debian"}
    seen = bob.call("GET", f"v2/images/{image_id}")
    assert seen.status_code == 200 and seen.data["name"] == "System"
    run("image-modify", image_id, "--visibility", "private")
    assert bob.call("GET", f"v2/images/{image_id}").status_code == 404
    with pytest.raises(CommandError):
        run("image-modify", image_id)                          # nothing to change
    with pytest.raises(CommandError):
        run("image-modify", image_id, "--property", "noequals")
    with pytest.raises(CommandError):
        run("image-modify", image_id, "--property", "name=x")  # an attribute, not a property

    # remove: protected images first need --protected no; the Pithos file stays
    with pytest.raises(CommandError, match="protected"):
        run("image-remove", image_id)
    run("image-modify", image_id, "--protected", "no")
    assert json.loads(run("image-remove", image_id, "-o", "json"))["removed"] is True
    assert alice.call("GET", f"v2/images/{image_id}").status_code == 404
    assert ("alice-uuid", "files", "os.img") in pithos.objects
    with pytest.raises(CommandError, match="not found"):
        run("image-remove", image_id)
