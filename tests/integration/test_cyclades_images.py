"""The image service against a running cloud (snf-deploy: Astakos, Pithos, Cyclades,
the development cluster running the real snf-image): images are Pithos files.

An owner uploads an image file through Glance v2 (openstacksdk; the data lands in
Pithos), registers another Pithos file by location (Glance v2 and Plankton v1.0),
boots a server from it (snf-image reads the published map from the shared block store
and writes the image onto the server's disk), shares it with a member (who sees and
boots it only once accepted), while a stranger neither sees nor boots it, and a
location the user cannot read registers nothing. The quickstart's public image is
there from the start.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from cyclades.images.tinyimage import build_tiny_image
from snf_common.clients.base import ClientError
from snf_common.clients.image import ImageClient
from snf_common.clients.object_store import ObjectStoreClient

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]
WAIT_SECONDS = 120
DEBUGFS = "/usr/sbin/debugfs"


def manage(cloud, service: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", f"{service}.project.manage", *args],
                            env=cloud.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class User:
    def __init__(self, cloud, name: str) -> None:
        self.name, self.password = name, secrets.token_urlsafe(12)
        # --password=X: a generated password may begin with "-" (an option to argparse).
        made = json.loads(manage(cloud, "astakos", "bootstrap-demo", "--username", name,
                                 f"--password={self.password}", "--email",
                                 f"{name}@example.org", "-o", "json"))
        self.id, self.token = made["user_id"], made["token"]
        self.cloud = cloud
        self.images = ImageClient(f"{cloud.urls['cyclades']}/image", self.token)
        self.files = ObjectStoreClient(
            f"{cloud.urls['pithos']}/object-store/v1/{self.id}", self.token)

    def sdk(self):
        import openstack

        return openstack.connect(auth_url=self.cloud.urls["identity"], username=self.name,
                                 password=self.password, project_name=self.name,
                                 user_domain_name="Default", project_domain_name="Default",
                                 region_name="RegionOne", identity_api_version="3")

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.cloud.urls['cyclades']}/{path}", timeout=60,
                                headers={"X-Auth-Token": self.token}, **kwargs)

    def boot(self, image_id: str, flavor: str) -> requests.Response:
        return self.call("POST", "compute/v2.1/servers", json={"server": {
            "name": f"{self.name}-vm", "flavorRef": flavor, "imageRef": image_id}})


@pytest.fixture(scope="module")
def world(cloud, tmp_path_factory):
    flavors = json.loads(manage(cloud, "cyclades", "flavor-list", "-o", "json"))
    flavor = next((f["id"] for f in flavors if f["disk_template"] == "file"
                   and f["disk"] == 1 and f["ram"] == 128), None)
    if flavor is None:
        flavor = json.loads(manage(cloud, "cyclades", "flavor-create", "--cpu", "1", "--ram",
                                   "128", "--disk", "1", "--disk-template", "file",
                                   "-o", "json"))["id"]
    suffix = secrets.token_hex(3)
    users = {role: User(cloud, f"img-{role}-{suffix}") for role in ("owner", "member",
                                                                     "stranger")}
    marker = secrets.token_hex(16)
    path = build_tiny_image(tmp_path_factory.mktemp("image") / "mine.diskdump",
                            extra_files={"etc/marker": marker})
    return {"cloud": cloud, "flavor": flavor, "marker": marker, "path": path, **users}


def wait_active(user: User, server_id: str) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        server = user.call("GET", f"compute/v2.1/servers/{server_id}").json()["server"]
        if server["status"] in ("ACTIVE", "ERROR"):
            return server
        time.sleep(0.5)
    raise AssertionError(f"server {server_id} is still {server['status']}")


def disk_file(cloud, server_id: str) -> Path:
    (found,) = (cloud.state_dir / "devcluster" / "file-storage" / f"snf-{server_id}").glob(
        "*disk0")
    return found


def read_from_disk(disk: Path, path: str) -> str:
    result = subprocess.run([DEBUGFS, "-R", f"cat {path}", str(disk)], capture_output=True,
                            text=True, timeout=30)
    return result.stdout


def delete_server(user: User, server_id: str) -> None:
    user.call("DELETE", f"compute/v2.1/servers/{server_id}")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and \
            user.call("GET", f"compute/v2.1/servers/{server_id}").status_code != 404:
        time.sleep(0.5)


def test_discovery_and_the_quickstart_public_image(world):
    owner = world["owner"]
    versions = requests.get(f"{world['cloud'].urls['cyclades']}/image", timeout=10)
    assert versions.status_code == 300 and versions.json()["versions"][0]["id"] == "v2.5"
    public = [i for i in owner.sdk().image.images() if i.visibility == "public"]
    assert any(i.name == "Tiny Linux (ext4)" and i.status == "active" for i in public)


def test_upload_register_boot_share(world):
    owner, member, stranger = world["owner"], world["member"], world["stranger"]
    conn = owner.sdk()
    # Glance v2 upload through openstacksdk: the data becomes the owner's Pithos file
    uploaded = conn.image.create_image(
        name="mine", filename=str(world["path"]), disk_format="diskdump",
        container_format="bare", visibility="private", allow_duplicates=True,
        validate_checksum=True, OSFAMILY="linux", USERS="root")
    uploaded = conn.image.get_image(uploaded.id)
    assert uploaded.status == "active" and uploaded.size == world["path"].stat().st_size
    stored = owner.files.get_object_info("images", uploaded.id)
    assert int(stored["content-length"]) == uploaded.size
    assert stored["etag"].strip('"') == uploaded.checksum

    # the same Pithos file registered by location: Glance v2 and Plankton v1.0 (kamaki's way)
    location = f"pithos://{owner.id}/images/{uploaded.id}"
    by_v2 = owner.call("POST", "image/v2/images", json={
        "name": "by-location", "disk_format": "diskdump", "container_format": "bare",
        "location": location, "OSFAMILY": "linux"})
    assert by_v2.status_code == 201, by_v2.text
    by_v1 = owner.images.register("by-v1", location, properties={"OSFAMILY": "linux"})
    assert by_v1["size"] == uploaded.size and by_v1["checksum"] == uploaded.checksum
    mine = {i.name for i in conn.image.images(owner=owner.id)}
    assert {"mine", "by-location", "by-v1"} <= mine

    # boot: snf-image wrote this image (its marker) onto the server's disk
    response = owner.boot(uploaded.id, world["flavor"])
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    assert wait_active(owner, server_id)["status"] == "ACTIVE"
    disk = disk_file(world["cloud"], server_id)
    assert read_from_disk(disk, "/etc/marker") == world["marker"]
    assert read_from_disk(disk, "/etc/hostname").strip() == f"snf-{server_id}"
    delete_server(owner, server_id)

    # private: nobody else sees or boots it
    assert member.call("GET", f"image/v2/images/{uploaded.id}").status_code == 404
    assert member.boot(uploaded.id, world["flavor"]).status_code == 400

    # share with the member: visible by id at once, bootable only once accepted
    conn.image.update_image(uploaded, visibility="shared")
    conn.image.add_member(uploaded, member_id=member.id)
    assert member.call("GET", f"image/v2/images/{uploaded.id}").status_code == 200
    assert uploaded.id not in {i.id for i in member.sdk().image.images()}
    assert member.boot(uploaded.id, world["flavor"]).status_code == 400
    member.sdk().image.update_member(member.id, uploaded, status="accepted")
    assert uploaded.id in {i.id for i in member.sdk().image.images()}
    response = member.boot(uploaded.id, world["flavor"])
    assert response.status_code == 202, response.text
    member_server = response.json()["server"]["id"]
    assert wait_active(member, member_server)["status"] == "ACTIVE"
    assert read_from_disk(disk_file(world["cloud"], member_server), "/etc/marker") == \
        world["marker"]
    delete_server(member, member_server)

    # a stranger still sees nothing and boots nothing
    assert stranger.call("GET", f"image/v2/images/{uploaded.id}").status_code == 404
    assert uploaded.id not in {i.id for i in stranger.sdk().image.images()}
    assert stranger.boot(uploaded.id, world["flavor"]).status_code == 400

    # deregistering keeps the Pithos file
    conn.image.delete_image(by_v2.json()["id"])
    assert owner.call("GET", f"image/v2/images/{by_v2.json()['id']}").status_code == 404
    assert owner.files.get_object_info("images", uploaded.id)


def test_a_location_the_user_cannot_read_registers_nothing(world):
    owner, stranger = world["owner"], world["stranger"]
    owner.files.create_container("secret")
    with open(world["path"], "rb") as handle:
        owner.files.put_object("secret", "mine.diskdump", handle)
    before = {i["id"] for i in stranger.images.list_images()}
    for location, status in ((f"pithos://{owner.id}/secret/mine.diskdump", 403),
                             (f"pithos://{stranger.id}/none/such.img", 400),
                             ("https://example.org/image.img", 400)):
        response = stranger.call("POST", "image/v2/images", json={
            "name": "stolen", "disk_format": "diskdump", "location": location})
        assert response.status_code == status, response.text
        with pytest.raises(ClientError) as raised:
            stranger.images.register("stolen", location)
        assert raised.value.status == status
    after = {i["id"] for i in stranger.images.list_images()}
    assert after == before
    assert "stolen" not in {i["name"] for i in stranger.images.list_images(visibility="all")}
