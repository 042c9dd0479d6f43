"""Consoles: VNC auth (DES), the console actions' shapes, and the proxy relaying to the
development cluster's RFB server with one-time, expiring passwords."""

from __future__ import annotations

import datetime
import socket
import threading

import pytest
from conftest import run_cluster_jobs

from cyclades.backends.ganeti import fake
from cyclades.console import rfb, tickets
from cyclades.console.models import ConsoleTicket
from cyclades.console.proxy import VncProxy
from snf_ganeti.devcluster.console import HEIGHT, WIDTH, Consoles, colour_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_des_matches_the_textbook_vector():
    # The classic worked example of DES (key 133457799BBCDFF1).
    key = bytes.fromhex("133457799BBCDFF1")
    assert rfb.des_ecb(key, bytes.fromhex("0123456789ABCDEF")).hex() == "85e813540f0ab405"


def test_vnc_key_reverses_bits_and_pads():
    assert rfb.vnc_key("\x01") == b"\x80" + b"\0" * 7
    assert rfb.vnc_key("abcdefghij") == bytes(int(f"{c:08b}"[::-1], 2) for c in b"abcdefgh")
    challenge = bytes(range(16))
    assert rfb.vnc_response("secret", challenge) != rfb.vnc_response("secreT", challenge)
    assert len(rfb.vnc_response("secret", challenge)) == 16


def create_active(api, flavor, image) -> str:
    response = api.call("POST", "servers", {"server": {
        "name": "vm", "flavorRef": flavor.public_id, "imageRef": str(image.id)}})
    assert response.status_code == 202, response.content
    run_cluster_jobs()
    return response.data["server"]["id"]


def test_console_actions_return_one_time_passwords(alice, bob, backend, flavor, image,
                                                   settings):
    settings.CYCLADES_BASE_URL = "http://cloud.example.org:8702"
    server_id = create_active(alice, flavor, image)
    response = alice.call("POST", f"servers/{server_id}/action", {"console": {"type": "vnc"}})
    assert response.status_code == 200, response.content
    console = response.data["console"]
    assert (console["type"], console["host"], console["port"]) == \
        ("vnc", "cloud.example.org", 8704)
    assert len(console["password"]) == 8
    ticket = ConsoleTicket.objects.get(password=console["password"])
    assert (ticket.host, ticket.port, ticket.server_id) == ("127.0.0.1", 5901, int(server_id))

    nova = alice.call("POST", f"servers/{server_id}/action",
                      {"os-getVNCConsole": {"type": "novnc"}}).data["console"]
    assert nova["type"] == "novnc" and nova["url"].startswith("vnc://cloud.example.org:8704/")
    assert nova["password"] != console["password"]
    remote = alice.call("POST", f"servers/{server_id}/remote-consoles",
                        {"remote_console": {"protocol": "vnc", "type": "novnc"}})
    assert remote.status_code == 200 and remote.data["remote_console"]["protocol"] == "vnc"
    assert alice.call("POST", f"servers/{server_id}/remote-consoles", {"remote_console": {
        "protocol": "spice", "type": "spice-html5"}}).status_code == 501
    assert alice.call("POST", f"servers/{server_id}/action",
                      {"console": {"type": "vnc-ws"}}).status_code == 501
    assert alice.call("POST", f"servers/{server_id}/action",
                      {"console": {"type": "bogus"}}).status_code == 400
    assert bob.call("POST", f"servers/{server_id}/action",
                    {"console": {"type": "vnc"}}).status_code == 404
    assert ConsoleTicket.objects.count() == 3


def test_console_of_a_stopped_server_is_409(alice, backend, flavor, image):
    server_id = create_active(alice, flavor, image)
    alice.call("POST", f"servers/{server_id}/action", {"os-stop": None})
    run_cluster_jobs()
    assert alice.call("POST", f"servers/{server_id}/action",
                      {"console": {"type": "vnc"}}).status_code == 409
    cluster = fake.cluster_for("cluster-a")
    alice.call("POST", f"servers/{server_id}/action", {"os-start": None})
    run_cluster_jobs()
    cluster.consoles_down.add(f"snf-{server_id}")     # Ganeti: console unavailable
    assert alice.call("POST", f"servers/{server_id}/action",
                      {"console": {"type": "vnc"}}).status_code == 409
    assert not ConsoleTicket.objects.exists()


@pytest.fixture
def consoles():
    running = Consoles("127.0.0.1")
    yield running
    running.stop_all()


@pytest.fixture
def proxy():
    server = VncProxy(("127.0.0.1", 0), tickets.redeem)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def test_proxy_authenticates_once_and_relays_to_the_instance_console(
        alice, backend, flavor, image, consoles, proxy):
    server_id = create_active(alice, flavor, image)
    instance = f"snf-{server_id}"
    fake.cluster_for("cluster-a").console_at = ("127.0.0.1", consoles.port_of(instance))
    password = alice.call("POST", f"servers/{server_id}/action",
                          {"console": {"type": "vnc"}}).data["console"]["password"]

    with connect(proxy) as sock:
        with pytest.raises(rfb.RfbError, match="Authentication failed"):
            rfb.client_connect(sock, "wrong!!!")
    with connect(proxy) as sock:
        init = rfb.client_connect(sock, password)
        assert (init.width, init.height, init.name) == (WIDTH, HEIGHT, instance)
        count, pixel = rfb.request_frame(sock, init.width, init.height)
        red, green, blue = colour_of(instance)
        assert count == 1 and pixel == bytes((blue, green, red, 0))
    assert not ConsoleTicket.objects.exists()          # used: gone
    with connect(proxy) as sock:                        # and it does not work twice
        with pytest.raises(rfb.RfbError, match="Authentication failed"):
            rfb.client_connect(sock, password)


def test_expired_password_is_refused(alice, backend, flavor, image, consoles, proxy):
    server_id = create_active(alice, flavor, image)
    fake.cluster_for("cluster-a").console_at = ("127.0.0.1",
                                                consoles.port_of(f"snf-{server_id}"))
    password = alice.call("POST", f"servers/{server_id}/action",
                          {"console": {"type": "vnc"}}).data["console"]["password"]
    from django.utils import timezone

    ConsoleTicket.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    with connect(proxy) as sock:
        with pytest.raises(rfb.RfbError, match="Authentication failed"):
            rfb.client_connect(sock, password)


def test_unreachable_instance_console_fails_cleanly(alice, backend, flavor, image, proxy):
    server_id = create_active(alice, flavor, image)
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        dead_port = spare.getsockname()[1]
    fake.cluster_for("cluster-a").console_at = ("127.0.0.1", dead_port)
    password = alice.call("POST", f"servers/{server_id}/action",
                          {"console": {"type": "vnc"}}).data["console"]["password"]
    with connect(proxy) as sock:
        with pytest.raises(rfb.RfbError, match="not reachable"):
            rfb.client_connect(sock, password)


def test_devcluster_console_speaks_rfb_without_auth(consoles):
    with connect(consoles.port_of("snf-9")) as sock:
        init = rfb.client_connect(sock, None)
        assert init.name == "snf-9" and init.pixel_format[0] == 32
    port = consoles.port_of("snf-9")
    assert consoles.port_of("snf-9") == port            # one server per instance
    consoles.stop("snf-9")
    with pytest.raises(OSError):
        connect(port).close()
