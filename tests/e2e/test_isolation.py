"""Owner isolation across the running cloud (snf-deploy, embedded parts).

User A owns one of everything: Pithos containers and objects (with history, metadata, a
public link), a running server with metadata, a key pair, a private network with a
subnet and a port, a floating IP, a volume, a private image, a project application.
User B tries to read, list, change and delete each of them through every API, and to
use them from B's own requests (boot on A's port, attach to A's server, charge A's
project). Every attempt is refused in the API's own convention (404 for Cyclades and
the Account API's projects, 403 for Pithos and for Keystone token inspection, 400 when
A's object is only named inside B's request body), and A's view of everything is
byte-for-byte the same afterwards. What A shares on purpose (Pithos read/write shares,
groups, public links, image membership, public images) works, and only that.
"""

from __future__ import annotations

import json
import secrets

import pytest

from tests.e2e.e2e_helpers import (
    CloudUser,
    assert_fault,
    ensure_flavor,
    manage,
    public_image,
    wait_quotas_settled,
    wait_status,
)

pytestmark = [pytest.mark.integration,
              pytest.mark.parametrize("cloud", ["embedded"], indirect=True)]

PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


def floating_network(cloud, user: CloudUser) -> str:
    """A public network with a floating IP pool (made by the operator if none is there)."""
    for net in user.network("GET", "networks?router:external=true").json()["networks"]:
        if net.get("SNF:floating_ip_pool"):
            return net["id"]
    subnet = f"100.{64 + secrets.randbelow(60)}.{secrets.randbelow(250)}.0/24"
    made = json.loads(manage(cloud, "cyclades", "network-create", "--name", "sec-internet",
                             "--public", "--floating-ip-pool", "--flavor", "IP_LESS_ROUTED",
                             "--subnet", subnet, "-o", "json"))
    return str(made["id"])


def volume_type(cloud) -> str:
    types = json.loads(manage(cloud, "cyclades", "volume-type-list", "-o", "json") or "[]")
    for vtype in types:
        if vtype["disk_template"] == "file" and not vtype.get("deleted"):
            return vtype["name"]
    made = json.loads(manage(cloud, "cyclades", "volume-type-create", "--name",
                             "sec-file", "--disk-template", "file", "-o", "json"))
    return made["name"]


@pytest.fixture(scope="module")
def world(cloud, make_user):
    a, b = make_user(cloud, "isoa"), make_user(cloud, "isob")
    flavor, image = ensure_flavor(cloud), public_image(a)
    w: dict = {"a": a, "b": b, "flavor": flavor, "public_image": image, "cloud": cloud}

    # Pithos: a container with an object written twice (history), metadata, a public one
    assert a.pithos("PUT", "priv").status_code in (201, 202)
    assert a.pithos("PUT", "priv/f.txt", data=b"secret-v1",
                    headers={"X-Object-Meta-Color": "red"}).status_code == 201
    assert a.pithos("PUT", "priv/f.txt", data=b"secret-v2",
                    headers={"X-Object-Meta-Color": "red"}).status_code == 201
    assert a.pithos("PUT", "priv/pub.txt", data=b"published",
                    headers={"X-Object-Public": "true"}).status_code == 201
    w["public_url"] = a.pithos("HEAD", "priv/pub.txt").headers["X-Object-Public"]

    # Compute: a server with metadata, a key pair
    made = a.compute("POST", "servers", json={"server": {
        "name": "iso-a", "flavorRef": flavor, "imageRef": image, "metadata": {"k": "v"}}})
    assert made.status_code == 202, made.text
    w["server"] = made.json()["server"]["id"]
    assert a.compute("POST", "os-keypairs",
                     json={"keypair": {"name": "a-only-key"}}).status_code in (200, 201)

    # Network: private network, subnet, port, floating IP
    net = a.network("POST", "networks", json={"network": {"name": "iso-a-net"}})
    assert net.status_code == 201, net.text
    w["network"] = net.json()["network"]["id"]
    sub = a.network("POST", "subnets", json={"subnet": {
        "network_id": w["network"], "cidr": "10.77.0.0/24", "ip_version": 4}})
    assert sub.status_code == 201, sub.text
    w["subnet"] = sub.json()["subnet"]["id"]
    port = a.network("POST", "ports", json={"port": {"network_id": w["network"]}})
    assert port.status_code == 201, port.text
    w["port"] = port.json()["port"]["id"]
    w["floating_network"] = floating_network(cloud, a)
    fip = a.network("POST", "floatingips", json={"floatingip": {
        "floating_network_id": w["floating_network"]}})
    assert fip.status_code == 201, fip.text
    w["fip"] = fip.json()["floatingip"]["id"]
    w["fip_address"] = fip.json()["floatingip"]["floating_ip_address"]

    # Volume (snapshots need an Archipelago store, which the embedded cloud does not set)
    w["volume_type"] = volume_type(cloud)
    vol = a.volume("POST", "volumes", json={"volume": {"size": 1, "name": "iso-a-vol",
                                                       "volume_type": w["volume_type"]}})
    assert vol.status_code == 202, vol.text
    w["volume"] = vol.json()["volume"]["id"]

    # Image: a private one with data
    img = a.image("POST", "images", json={"name": "iso-a-private", "disk_format": "diskdump",
                                          "container_format": "bare",
                                          "visibility": "private"})
    assert img.status_code == 201, img.text
    w["image"] = img.json()["id"]
    up = a.image("PUT", f"images/{w['image']}/file", data=b"\0" * 4096,
                 headers={"Content-Type": "application/octet-stream"})
    assert up.status_code == 204, up.text

    # Astakos: a project application of A
    app = a.account("POST", "projects", json={
        "name": f"iso.{secrets.token_hex(3)}.example.org", "end_date": "2099-01-01T00:00:00Z",
        "join_policy": "moderated", "leave_policy": "auto", "max_members": 5, "private": True,
        "resources": {"cyclades.vm": {"project_capacity": 2, "member_capacity": 1}}})
    assert app.status_code == 201, app.text
    w["project"] = app.json()["id"]

    server = wait_status(a, w["server"])
    assert server["status"] == "ACTIVE", server
    wait_quotas_settled(a)       # A's view (quotas included) must be still from here on
    return w


def a_view(w: dict) -> dict:
    """Everything A can see of A's things; must not change under B's attempts."""
    a = w["a"]
    view = {}
    for key, resp in {
        "server": a.compute("GET", f"servers/{w['server']}"),
        "server_meta": a.compute("GET", f"servers/{w['server']}/metadata"),
        "servers": a.compute("GET", "servers/detail"),
        "keypairs": a.compute("GET", "os-keypairs"),
        "network": a.network("GET", f"networks/{w['network']}"),
        "subnet": a.network("GET", f"subnets/{w['subnet']}"),
        "port": a.network("GET", f"ports/{w['port']}"),
        "ports": a.network("GET", "ports"),
        "fip": a.network("GET", f"floatingips/{w['fip']}"),
        "volume": a.volume("GET", f"volumes/{w['volume']}"),
        "volumes": a.volume("GET", "volumes/detail"),
        "image": a.image("GET", f"images/{w['image']}"),
        "image_members": a.image("GET", f"images/{w['image']}/members"),
        "project": a.account("GET", f"projects/{w['project']}"),
        "quotas": a.account("GET", "quotas"),
        "versions": a.pithos("GET", "priv/f.txt?version=list&format=json"),
        "containers": a.pithos("GET", "?format=json"),
        "objects": a.pithos("GET", "priv?format=json"),
    }.items():
        assert resp.status_code == 200, (key, resp.status_code, resp.text[:300])
        view[key] = resp.json()
    head = a.pithos("HEAD", "priv/f.txt").headers
    view["object_head"] = {k: v for k, v in head.items()
                           if k.lower().startswith("x-object") or k.lower() == "etag"}
    view["object_body"] = a.pithos("GET", "priv/f.txt").content
    view["account_head"] = {k: v for k, v in a.pithos("HEAD").headers.items()
                            if k.lower().startswith("x-account")}
    # timestamps of reads (e.g. last use) are not A's data; the rest is compared whole
    for item in view["servers"]["servers"]:
        item.pop("progress", None)
    view["server"]["server"].pop("progress", None)
    return view


def test_pithos_account_container_object_refused(world):
    a, b = world["a"], world["b"]
    before = a_view(world)
    acc = a.id
    attempts = [
        ("HEAD", "", {}, None), ("GET", "", {}, None),
        ("POST", "", {"X-Account-Meta-X": "1"}, None),
        ("POST", "", {"X-Account-Group-g": b.id}, None),
        ("HEAD", "priv", {}, None), ("GET", "priv", {}, None),
        ("GET", "priv?public&format=json", {}, None),
        ("GET", "priv?shared&format=json", {}, None),
        ("GET", "priv?until=9999999999", {}, None),
        ("PUT", "priv", {}, None), ("PUT", "newc", {}, None),
        ("POST", "priv", {"X-Container-Meta-X": "1"}, None),
        ("POST", "priv", {"X-Container-Policy-Versioning": "none"}, None),
        ("POST", "priv", {"Content-Type": "application/octet-stream"}, b"blockdata"),
        ("DELETE", "priv", {}, None), ("DELETE", "priv?delimiter=/", {}, None),
        ("GET", "priv/f.txt", {}, None), ("HEAD", "priv/f.txt", {}, None),
        ("GET", "priv/f.txt?hashmap&format=json", {}, None),
        ("GET", "priv/f.txt?version=list&format=json", {}, None),
        ("GET", "priv/f.txt?version=1", {}, None),
        ("GET", "priv/nosuch.txt", {}, None),
        ("PUT", "priv/f.txt", {}, b"evil"), ("PUT", "priv/new.txt", {}, b"evil"),
        ("POST", "priv/f.txt", {"X-Object-Meta-Color": "blue"}, None),
        ("POST", "priv/f.txt", {"X-Object-Sharing": f"read={b.id}"}, None),
        ("POST", "priv/f.txt", {"X-Object-Public": "true"}, None),
        ("POST", "priv/f.txt", {"Content-Range": "bytes */*",
                                "Content-Type": "application/octet-stream"}, b"more"),
        ("DELETE", "priv/f.txt", {}, None), ("DELETE", "priv/f.txt?until=9999999999", {}, None),
        ("COPY", "priv/f.txt", {"Destination": "/mine/f.txt", "Destination-Account": b.id}, None),
        ("MOVE", "priv/f.txt", {"Destination": "/mine/f.txt", "Destination-Account": b.id}, None),
    ]
    for method, path, headers, data in attempts:
        assert_fault(b.pithos(method, path, account=acc, headers=headers, data=data), 403, "swift")
    # B's own requests that name A's objects as their source
    assert b.pithos("PUT", "mine").status_code in (201, 202)
    for headers in ({"X-Copy-From": "/priv/f.txt", "X-Source-Account": acc},
                    {"X-Move-From": "/priv/f.txt", "X-Source-Account": acc}):
        assert_fault(b.pithos("PUT", "mine/stolen", headers=headers), 403, "swift")
    assert b.pithos("PUT", "mine/base", data=b"x").status_code == 201
    assert_fault(b.pithos("POST", "mine/base", headers={
        "X-Source-Object": "/priv/f.txt", "X-Source-Account": acc,
        "Content-Range": "bytes */*"}), 403, "swift")
    # A shares nothing with B: B's "shared with me" listing is empty
    assert acc not in b.call("pithos", "GET", "object-store/v1?format=json").text
    assert [o["name"] for o in b.pithos("GET", "mine?format=json").json()] == ["base"]
    assert a_view(world) == before


def test_pithos_shares_on_purpose(world):
    a, b = world["a"], world["b"]
    assert a.pithos("PUT", "team").status_code in (201, 202)
    for name, body in (("docs/r.txt", b"read me"), ("docs/sub/deep.txt", b"deep"),
                       ("w.txt", b"write me"), ("g.txt", b"group"), ("hidden.txt", b"no")):
        assert a.pithos("PUT", f"team/{name}", data=body).status_code == 201
    # read share on a folder, write share on an object, a group share
    assert a.pithos("PUT", "team/docs", data=b"", headers={
        "Content-Type": "application/directory",
        "X-Object-Sharing": f"read={b.id}"}).status_code == 201
    assert a.pithos("POST", "team/w.txt",
                    headers={"X-Object-Sharing": f"write={b.id}"}).status_code == 202
    assert a.pithos("POST", "", headers={"X-Account-Group-friends": b.id}).status_code == 204
    assert a.pithos("POST", "team/g.txt",
                    headers={"X-Object-Sharing": f"read={a.id}:friends"}).status_code == 202

    assert b.pithos("GET", "team/docs/r.txt", account=a.id).content == b"read me"
    assert b.pithos("GET", "team/docs/sub/deep.txt", account=a.id).content == b"deep"
    assert b.pithos("GET", "team/g.txt", account=a.id).content == b"group"
    head = b.pithos("HEAD", "team/docs/r.txt", account=a.id)
    assert head.headers["X-Object-Allowed-To"] == "read"
    assert "X-Object-Public" not in head.headers
    listed = {o["name"] for o in b.pithos("GET", "team?format=json", account=a.id).json()}
    assert "hidden.txt" not in listed and "docs/r.txt" in listed
    assert a.id in b.call("pithos", "GET", "object-store/v1?format=json").text
    # read is not write; unshared siblings stay closed; sharing stays the owner's
    assert_fault(b.pithos("PUT", "team/docs/r.txt", account=a.id, data=b"x"), 403, "swift")
    assert_fault(b.pithos("DELETE", "team/docs/r.txt", account=a.id), 403, "swift")
    assert_fault(b.pithos("GET", "team/hidden.txt", account=a.id), 403, "swift")
    assert_fault(b.pithos("POST", "team/docs/r.txt", account=a.id, headers={
        "X-Object-Sharing": f"read={b.id},*"}), 403, "swift")
    assert_fault(b.pithos("GET", "team?until=9999999999", account=a.id), 403, "swift")
    # write share: B writes, but may not change sharing or publish
    assert b.pithos("PUT", "team/w.txt", account=a.id, data=b"written by b").status_code == 201
    got = a.pithos("GET", "team/w.txt")
    assert got.content == b"written by b" and got.headers["X-Object-Modified-By"] == b.id
    assert_fault(b.pithos("POST", "team/w.txt", account=a.id,
                          headers={"X-Object-Public": "true"}), 403, "swift")
    assert "X-Object-Public" not in a.pithos("HEAD", "team/w.txt").headers
    # the group share follows the group: B removed, access gone
    assert a.pithos("POST", "", headers={"X-Account-Group-friends": ""}).status_code == 204
    assert_fault(b.pithos("GET", "team/g.txt", account=a.id), 403, "swift")
    # un-sharing closes the folder again
    assert a.pithos("POST", "team/docs", headers={"X-Object-Sharing": ""}).status_code == 202
    assert_fault(b.pithos("GET", "team/docs/r.txt", account=a.id), 403, "swift")


def test_pithos_public_link(world):
    import requests

    a = world["a"]
    url = world["public_url"]
    assert requests.get(url, timeout=30).content == b"published"
    # the public link serves that object only
    token = url.rsplit("/", 1)[-1]
    base = url[: -len(token)]
    assert_fault(requests.get(base + "x" * len(token), timeout=30), 404, "openstack")
    assert a.pithos("POST", "priv/pub.txt", headers={"X-Object-Public": "false"}).status_code \
        == 202
    assert requests.get(url, timeout=30).status_code == 404
    assert a.pithos("POST", "priv/pub.txt", headers={"X-Object-Public": "true"}).status_code \
        == 202
    world["public_url"] = a.pithos("HEAD", "priv/pub.txt").headers["X-Object-Public"]


def test_compute_servers_and_keypairs_refused(world):
    a, b = world["a"], world["b"]
    before = a_view(world)
    sid = world["server"]
    attempts = [
        ("GET", f"servers/{sid}", None), ("PUT", f"servers/{sid}", {"server": {"name": "x"}}),
        ("DELETE", f"servers/{sid}", None),
        ("POST", f"servers/{sid}/action", {"os-stop": None}),
        ("POST", f"servers/{sid}/action", {"reboot": {"type": "HARD"}}),
        ("POST", f"servers/{sid}/action", {"resize": {"flavorRef": world["flavor"]}}),
        ("POST", f"servers/{sid}/action", {"firewallProfile": {"profile": "DISABLED"}}),
        ("POST", f"servers/{sid}/action", {"console": {"type": "vnc"}}),
        ("POST", f"servers/{sid}/action", {"os-getVNCConsole": {"type": "novnc"}}),
        ("POST", f"servers/{sid}/remote-consoles",
         {"remote_console": {"protocol": "vnc", "type": "novnc"}}),
        ("GET", f"servers/{sid}/metadata", None), ("GET", f"servers/{sid}/metadata/k", None),
        ("POST", f"servers/{sid}/metadata", {"metadata": {"x": "y"}}),
        ("PUT", f"servers/{sid}/metadata", {"metadata": {}}),
        ("PUT", f"servers/{sid}/metadata/k", {"meta": {"k": "evil"}}),
        ("DELETE", f"servers/{sid}/metadata/k", None),
        ("GET", f"servers/{sid}/os-volume_attachments", None),
        ("POST", f"servers/{sid}/os-volume_attachments",
         {"volumeAttachment": {"volumeId": world["volume"]}}),
        ("GET", f"servers/{sid}/ips", None),
        ("GET", "os-keypairs/a-only-key", None), ("DELETE", "os-keypairs/a-only-key", None),
    ]
    for method, path, body in attempts:
        assert_fault(b.compute(method, path, json=body), 404, "openstack")
    for listing in ("servers", "servers/detail",
                    "servers/detail?changes-since=2000-01-01T00:00:00Z"):
        assert b.compute("GET", listing).json()["servers"] == []
    assert b.compute("GET", "os-keypairs").json()["keypairs"] == []
    # B's create naming A's key pair or A's private image is a bad request
    for extra in ({"key_name": "a-only-key"}, {"imageRef": world["image"]}):
        server = {"name": "b", "flavorRef": world["flavor"], "imageRef": world["public_image"],
                  **extra}
        assert_fault(b.compute("POST", "servers", json={"server": server}), 400, "openstack")
    # B's key pair may share the name: names are per user
    mine = b.compute("POST", "os-keypairs", json={"keypair": {"name": "a-only-key"}})
    assert mine.status_code in (200, 201)
    assert b.compute("DELETE", "os-keypairs/a-only-key").status_code in (202, 204)
    assert a_view(world) == before
    # A still drives the server and gets its console
    console = a.compute("POST", f"servers/{sid}/action", json={"console": {"type": "vnc"}})
    assert console.status_code == 200 and console.json()["console"]["password"]


def test_network_resources_refused(world):
    b = world["b"]
    before = a_view(world)
    net, sub, port, fip = world["network"], world["subnet"], world["port"], world["fip"]
    attempts = [
        ("GET", f"networks/{net}", None), ("PUT", f"networks/{net}", {"network": {"name": "x"}}),
        ("DELETE", f"networks/{net}", None),
        ("GET", f"subnets/{sub}", None), ("PUT", f"subnets/{sub}", {"subnet": {"name": "x"}}),
        ("DELETE", f"subnets/{sub}", None),
        ("GET", f"ports/{port}", None), ("PUT", f"ports/{port}", {"port": {"name": "x"}}),
        ("PUT", f"ports/{port}", {"port": {"device_id": ""}}), ("DELETE", f"ports/{port}", None),
        ("GET", f"floatingips/{fip}", None),
        ("PUT", f"floatingips/{fip}", {"floatingip": {"port_id": None}}),
        ("DELETE", f"floatingips/{fip}", None),
        ("POST", "ports", {"port": {"network_id": net}}),
    ]
    for method, path, body in attempts:
        assert_fault(b.network(method, path, json=body), 404, "openstack")
    # A subnet on A's network: A's network is named in the body, so 400 (or 404)
    assert_fault(b.network("POST", "subnets", json={"subnet": {
        "network_id": net, "cidr": "10.78.0.0/24", "ip_version": 4}}), (400, 404), "openstack")
    for collection, theirs in (("networks", net), ("subnets", sub), ("ports", port),
                               ("floatingips", fip)):
        ids = {item["id"] for item in b.network("GET", collection).json()[collection]}
        assert theirs not in ids, collection
    assert b.network("GET", f"ports?network_id={net}").json()["ports"] == []
    assert b.network("GET", f"ports?device_id={world['server']}").json()["ports"] == []

    # B's own port and floating IP cannot reach A's server or A's port
    bnet = b.network("POST", "networks", json={"network": {"name": "b-net"}}).json()["network"]
    assert b.network("POST", "subnets", json={"subnet": {
        "network_id": bnet["id"], "cidr": "10.79.0.0/24", "ip_version": 4}}).status_code == 201
    bport = b.network("POST", "ports", json={"port": {"network_id": bnet["id"]}}).json()["port"]
    bfip = b.network("POST", "floatingips", json={"floatingip": {
        "floating_network_id": world["floating_network"]}}).json()["floatingip"]
    assert_fault(b.network("POST", "ports", json={"port": {
        "network_id": bnet["id"], "device_id": world["server"]}}), (400, 404), "openstack")
    assert_fault(b.network("PUT", f"ports/{bport['id']}", json={"port": {
        "device_id": world["server"]}}), (400, 404), "openstack")
    assert_fault(b.network("PUT", f"floatingips/{bfip['id']}", json={"floatingip": {
        "port_id": port}}), (400, 404), "openstack")
    assert_fault(b.network("POST", "floatingips", json={"floatingip": {
        "floating_network_id": world["floating_network"], "port_id": port}}), (400, 404),
        "openstack")
    assert_fault(b.network("POST", "floatingips", json={"floatingip": {
        "floating_network_id": world["floating_network"],
        "floating_ip_address": world["fip_address"]}}), (400, 404, 409), "openstack")
    # B's server on A's port, A's network, A's floating IP
    for nets in ([{"port": port}], [{"uuid": net}],
                 [{"uuid": world["floating_network"], "fixed_ip": world["fip_address"]}]):
        assert_fault(b.compute("POST", "servers", json={"server": {
            "name": "b", "flavorRef": world["flavor"], "imageRef": world["public_image"],
            "networks": nets}}), (400, 404), "openstack")
    assert b.compute("GET", "servers").json()["servers"] == []
    for path in (f"ports/{bport['id']}", f"floatingips/{bfip['id']}", f"networks/{bnet['id']}"):
        assert b.network("DELETE", path).status_code == 204, path
    assert a_view(world) == before


def test_charging_another_users_project_is_refused(world):
    a, b = world["a"], world["b"]
    before = a_view(world)
    quotas_b = b.account("GET", "quotas").json()
    refused = [
        b.compute("POST", "servers", json={"server": {
            "name": "b", "flavorRef": world["flavor"], "imageRef": world["public_image"],
            "project": a.project_id}}),
        b.network("POST", "networks", json={"network": {"name": "x",
                                                        "project_id": a.project_id}}),
        b.network("POST", "floatingips", json={"floatingip": {
            "floating_network_id": world["floating_network"], "project_id": a.project_id}}),
    ]
    for resp in refused:
        # Astakos has no holding of B in A's project: refused, nothing made
        assert resp.status_code in (400, 403, 404, 413), resp.text
        assert_fault(resp, resp.status_code, "openstack")
    assert b.compute("GET", "servers").json()["servers"] == []
    assert [n for n in b.network("GET", "networks").json()["networks"]
            if n["tenant_id"] == b.id] == []
    assert b.network("GET", "floatingips").json()["floatingips"] == []
    # the volume API's project is the path's, which must be the token's
    assert_fault(b.volume("POST", "volumes", project=a.project_id, json={"volume": {
        "size": 1, "volume_type": world["volume_type"]}}), 403, "openstack")
    assert b.account("GET", "quotas").json() == quotas_b
    assert a_view(world) == before


def test_volumes_refused(world):
    a, b = world["a"], world["b"]
    before = a_view(world)
    vid = world["volume"]
    for method, path, body in [("GET", f"volumes/{vid}", None),
                               ("PUT", f"volumes/{vid}", {"volume": {"name": "x"}}),
                               ("DELETE", f"volumes/{vid}", None)]:
        assert_fault(b.volume(method, path, json=body), 404, "openstack")
        # through A's project in the path: the token is not scoped there
        assert_fault(b.volume(method, path, project=a.project_id, json=body), 403, "openstack")
    for path in ("volumes", "volumes/detail", "snapshots/detail"):
        assert_fault(b.volume("GET", path, project=a.project_id), 403, "openstack")
    assert vid not in b.volume("GET", "volumes/detail").text
    # A's volume named in B's requests
    assert_fault(b.volume("POST", "snapshots", json={"snapshot": {"volume_id": vid}}),
                 (400, 404), "openstack")
    bserver = b.compute("POST", "servers", json={"server": {
        "name": "b-vm", "flavorRef": world["flavor"], "imageRef": world["public_image"]}})
    assert bserver.status_code == 202, bserver.text
    bsid = bserver.json()["server"]["id"]
    try:
        wait_status(b, bsid)
        assert_fault(b.compute("POST", f"servers/{bsid}/os-volume_attachments", json={
            "volumeAttachment": {"volumeId": vid}}), (400, 404), "openstack")
        assert_fault(b.compute("GET", f"servers/{bsid}/os-volume_attachments/{vid}"),
                     404, "openstack")
    finally:
        b.compute("DELETE", f"servers/{bsid}")
    assert a_view(world) == before


def test_images_private_shared_public(world, make_user):
    a, b = world["a"], world["b"]
    cloud = world["cloud"]
    before = a_view(world)
    iid = world["image"]
    attempts = [
        ("GET", f"image/v2/images/{iid}", None, {}),
        ("GET", f"image/v2/images/{iid}/file", None, {}),
        ("PATCH", f"image/v2/images/{iid}", [{"op": "replace", "path": "/name", "value": "x"}],
         PATCH),
        ("DELETE", f"image/v2/images/{iid}", None, {}),
        ("PUT", f"image/v2/images/{iid}/tags/t", None, {}),
        ("GET", f"image/v2/images/{iid}/members", None, {}),
        ("POST", f"image/v2/images/{iid}/members", {"member": b.id}, {}),
        ("PUT", f"image/v2/images/{iid}/members/{b.id}", {"status": "accepted"}, {}),
        ("GET", f"image/v1.0/images/{iid}", None, {}),
        ("HEAD", f"image/v1.0/images/{iid}", None, {}),
        ("DELETE", f"image/v1.0/images/{iid}", None, {}),
        ("GET", f"compute/v2.1/images/{iid}", None, {}),
    ]
    for method, path, body, headers in attempts:
        assert_fault(b.call("cyclades", method, path, json=body, headers=headers), 404,
                     "openstack")
    assert iid not in b.image("GET", "images?visibility=all&member_status=all").text
    assert a_view(world) == before

    # shared with B: seen by id while pending, listed and bootable only once accepted
    shared = a.image("POST", "images", json={"name": "iso-a-shared", "disk_format": "diskdump",
                                             "container_format": "bare",
                                             "visibility": "shared"}).json()["id"]
    assert a.image("PUT", f"images/{shared}/file", data=b"\0" * 4096, headers={
        "Content-Type": "application/octet-stream"}).status_code == 204
    assert a.image("POST", f"images/{shared}/members", json={"member": b.id}).status_code == 200
    assert b.image("GET", f"images/{shared}").status_code == 200
    assert shared not in b.image("GET", "images").text
    boot = {"name": "b", "flavorRef": world["flavor"], "imageRef": shared}
    assert_fault(b.compute("POST", "servers", json={"server": boot}), 400, "openstack")
    assert b.image("PUT", f"images/{shared}/members/{b.id}",
                   json={"status": "accepted"}).status_code == 200
    assert shared in b.image("GET", "images").text
    # a member is not an owner; a stranger sees nothing
    assert_fault(b.image("PATCH", f"images/{shared}", json=[
        {"op": "replace", "path": "/name", "value": "x"}], headers=PATCH), (403, 404),
        "openstack")
    assert_fault(b.image("DELETE", f"images/{shared}"), (403, 404), "openstack")
    assert_fault(b.image("POST", f"images/{shared}/members", json={"member": "someone"}),
                 (403, 404), "openstack")
    stranger = make_user(cloud, "isoc")
    assert_fault(stranger.image("GET", f"images/{shared}"), 404, "openstack")
    assert_fault(stranger.image("PUT", f"images/{shared}/members/{b.id}",
                                json={"status": "rejected"}), (403, 404), "openstack")
    assert a.image("GET", f"images/{shared}").json()["name"] == "iso-a-shared"
    assert [m["status"] for m in a.image("GET", f"images/{shared}/members").json()["members"]] \
        == ["accepted"]

    # public: everyone sees it, nobody but the owner changes it
    pub = world["public_image"]
    assert b.image("GET", f"images/{pub}").status_code == 200
    assert "locations" not in b.image("GET", f"images/{pub}").json()
    assert_fault(b.image("PATCH", f"images/{pub}", json=[
        {"op": "replace", "path": "/name", "value": "x"}], headers=PATCH), (403, 404),
        "openstack")
    assert_fault(b.image("DELETE", f"images/{pub}"), (403, 404), "openstack")
    assert b.image("GET", f"images/{pub}").json()["status"] == "active"


def test_astakos_tokens_quotas_commissions_projects(world):
    a, b = world["a"], world["b"]
    before = a_view(world)
    subject = {"X-Subject-Token": a.token}
    for method in ("GET", "HEAD", "DELETE"):
        assert_fault(b.identity(method, "auth/tokens", headers=subject), 403, "keystone")
    assert a.identity("GET", "auth/tokens", headers=subject).status_code == 200
    assert_fault(b.identity("GET", f"users/{a.id}/projects"), 403, "keystone")
    # a v2.0 token id in a path is not served
    assert b.call("astakos", "GET", f"identity/v2.0/tokens/{a.token}").status_code == 404
    # quotas are the caller's own, whatever the query says
    mine = b.account("GET", f"quotas?user={a.id}&project={a.project_id}").json()
    assert set(mine) == {b.project_id}
    # the service parts need a service token
    for method, path, body in [
        ("GET", "service_quotas", None), ("GET", "service_project_quotas", None),
        ("GET", "commissions", None), ("GET", "commissions/1", None),
        ("POST", "commissions", {"provisions": [{"holder": a.id, "source": a.project_id,
                                                 "resource": "cyclades.vm", "quantity": -1}],
                                 "force": True, "auto_accept": True}),
        ("POST", "commissions/1/action", {"reject": ""}),
        ("POST", "commissions/action", {"accept": [1, 2, 3], "reject": []}),
        ("POST", "service/user_catalogs", {"uuids": [a.id]}),
    ]:
        assert_fault(b.account(method, path, json=body), 403, "openstack")
    # A's pending project application and A's base project
    for project in (world["project"], a.project_id):
        assert_fault(b.account("GET", f"projects/{project}"), 404, "openstack")
        assert_fault(b.account("PUT", f"projects/{project}", json={"name": "x.example.org"}),
                     404, "openstack")
        assert_fault(b.account("POST", f"projects/{project}/action",
                               json={"suspend": {}}), 404, "openstack")
    assert world["project"] not in b.account("GET", "projects").text
    # a project that is not private is public on purpose: seen, not changed
    public = a.account("POST", "projects", json={
        "name": f"isopub.{secrets.token_hex(3)}.example.org", "max_members": 5,
        "end_date": "2099-01-01T00:00:00Z", "private": False,
        "resources": {"cyclades.vm": {"project_capacity": 2, "member_capacity": 1}}})
    assert public.status_code == 201, public.text
    pid = public.json()["id"]
    assert b.account("GET", f"projects/{pid}").json()["owner"] == a.id
    assert_fault(b.account("PUT", f"projects/{pid}", json={"name": "x.example.org"}),
                 (403, 404), "openstack")
    for action in ({"suspend": {}}, {"terminate": {}},
                   {"approve": {"app_id": public.json()["application"]}}):
        assert_fault(b.account("POST", f"projects/{pid}/action", json=action), (403, 404),
                     "openstack")
    assert a.account("GET", f"projects/{pid}").json()["state"] == "uninitialized"
    assert [p["id"] for p in b.account("GET", f"projects?owner={a.id}").json()] == [pid]
    assert b.account("GET", "projects/memberships").json() == []
    assert a_view(world) == before
