"""The Cyclades dashboard in a real headless Chromium (Playwright, Debian's /usr/bin/chromium)
against a running cloud (snf-deploy, embedded parts).

Open the dashboard, get sent to the Astakos login, log in, land back on the dashboard
with the token moved from the URL fragment to sessionStorage; create a server from the
quickstart image and flavor, watch it become ACTIVE, open its page, stop it, delete
it; another user's server never shows. Logging out revokes the token.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.e2e_helpers import CloudUser, ensure_flavor, public_image
from tests.e2e.test_astakos_browser import browser  # noqa: F401 - the Chromium fixture

pytestmark = [pytest.mark.integration,
              pytest.mark.parametrize("cloud", ["embedded"], indirect=True)]

BUILD_TIMEOUT_MS = 120_000
TOKEN_KEY = "synnefo.dashboard.token"


def row(name: str) -> str:
    return f'#servers-table tr:has(a.server-name:text-is("{name}"))'


def test_login_create_watch_stop_delete_and_isolation(cloud, browser, make_user):  # noqa: F811
    alice, bob = make_user(cloud, "dasha"), make_user(cloud, "dashb")
    flavor, image = ensure_flavor(cloud), public_image(alice)
    made = bob.compute("POST", "servers", json={"server": {
        "name": "bob-private-server", "flavorRef": flavor, "imageRef": image}})
    assert made.status_code == 202, made.text
    dashboard = f"{cloud.urls['cyclades']}/ui/"
    astakos = cloud.urls["astakos"]

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        # No token yet: the dashboard sends the browser to the Astakos login page.
        page.goto(dashboard)
        page.wait_for_url(re.compile(re.escape(f"{astakos}/ui/login?next=")))
        page.fill("#provider-local input[name=username]", alice.name)
        page.fill("#provider-local input[name=password]", alice.password)
        page.click("#login-local")
        page.wait_for_url(f"{dashboard}#/servers")
        assert "token=" not in page.url          # the fragment is gone from the address bar
        token = page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')")
        assert token and token != alice.token
        page.wait_for_selector(f"#user-name:text-is('{alice.name}')")
        page.wait_for_selector("#servers-table, #servers-table-empty")
        assert "bob-private-server" not in page.inner_text("main")

        # Create a server from the quickstart image and flavor.
        page.click("#create-server")
        page.fill("#create-name", "web-1")
        page.select_option("#create-flavor", flavor)
        page.select_option("#create-image", image)
        page.click("#form-dialog-submit")
        page.wait_for_selector("#form-dialog", state="hidden")
        page.wait_for_selector(row("web-1"))
        page.wait_for_selector(f'{row("web-1")} [data-status="ACTIVE"]', timeout=BUILD_TIMEOUT_MS)
        servers = alice.compute("GET", "servers").json()["servers"]
        assert [s["name"] for s in servers] == ["web-1"]
        server_id = servers[0]["id"]
        assert page.get_attribute(row("web-1"), "data-server-id") == server_id

        # Its page: addresses and facts.
        page.click(f'{row("web-1")} a.server-name')
        page.wait_for_selector("#server-title:text-is('web-1')")
        assert server_id in page.inner_text("#server-facts")
        page.wait_for_selector("#server-addresses, #server-addresses-empty")
        page.click("#nav a[data-route=servers]")

        # Stop (after confirming), then delete.
        page.click(f'{row("web-1")} button[data-action=stop]')
        page.click("#confirm-ok")
        page.wait_for_selector(f'{row("web-1")} [data-status="SHUTOFF"]', timeout=BUILD_TIMEOUT_MS)
        page.click(f'{row("web-1")} button[data-action=delete]')
        page.click("#confirm-ok")
        page.wait_for_selector(row("web-1"), state="detached", timeout=BUILD_TIMEOUT_MS)
        assert alice.compute("GET", f"servers/{server_id}").status_code == 404
        assert "bob-private-server" not in page.inner_text("main")
        assert [s["name"] for s in bob.compute("GET", "servers").json()["servers"]] \
            == ["bob-private-server"]

        # An API fault is shown as the API's own message.
        page.click("#nav a[data-route=keypairs]")
        page.click("#add-keypair")
        page.fill("#keypair-name", "bad-key")
        page.fill("#keypair-public", "this is not a key")
        page.click("#form-dialog-submit")
        page.wait_for_selector("#form-dialog-error:has-text('not an OpenSSH public key')")
        page.click("#form-dialog-cancel")
        page.goto(f"{dashboard}#/servers/999999999")
        page.wait_for_selector("#server-gone")

        # Log out: the token is revoked, and Astakos offers to end its session too.
        page.click("#logout")
        page.wait_for_url(f"{astakos}/ui/logout")
        check = requests.get(f"{cloud.urls['identity']}/auth/tokens", timeout=10,
                             headers={"X-Auth-Token": alice.token, "X-Subject-Token": token})
        assert check.status_code == 404, check.text
        page.click("#logout-confirm")
        page.wait_for_url(f"{astakos}/ui/login")
        page.goto(dashboard)
        page.wait_for_url(re.compile(re.escape(f"{astakos}/ui/login?next=")))
    finally:
        context.close()


def logged_in_page(browser, cloud, user: CloudUser):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{cloud.urls['cyclades']}/ui/")
    page.wait_for_url(re.compile(re.escape(f"{cloud.urls['astakos']}/ui/login?next=")))
    page.fill("#provider-local input[name=username]", user.name)
    page.fill("#provider-local input[name=password]", user.password)
    page.click("#login-local")
    page.wait_for_url(f"{cloud.urls['cyclades']}/ui/#/servers")
    return context, page


def test_network_with_subnet_and_volume_from_the_dashboard(cloud, browser,  # noqa: F811
                                                           make_user):
    carol = make_user(cloud, "dashc")
    context, page = logged_in_page(browser, cloud, carol)
    try:
        page.click("#nav a[data-route=networks]")
        page.click("#create-network")
        page.fill("#network-name", "backend-net")
        page.fill("#network-cidr", "192.168.77.0/24")
        page.click("#form-dialog-submit")
        net_row = '#networks-table tr:has(td:text-is("backend-net"))'
        page.wait_for_selector(f"{net_row} .subnet:has-text('192.168.77.0/24')")
        nets = carol.network("GET", "networks?name=backend-net").json()["networks"]
        assert len(nets) == 1 and len(nets[0]["subnets"]) == 1
        page.click(f"{net_row} button[data-action=delete-subnet]")
        page.click("#confirm-ok")
        page.wait_for_selector(f"{net_row} .subnet", state="detached")
        page.click(f"{net_row} button[data-action=delete]")
        page.click("#confirm-ok")
        page.wait_for_selector(net_row, state="detached")
        assert carol.network("GET", "networks?name=backend-net").json()["networks"] == []

        page.click("#nav a[data-route=volumes]")
        page.click("#create-volume")
        page.fill("#volume-name", "data-1")
        page.fill("#volume-size", "1")
        page.click("#form-dialog-submit")
        vol_row = '#volumes-table tr:has(td:text-is("data-1"))'
        page.wait_for_selector(f'{vol_row} [data-status="available"]')
        page.click(f"{vol_row} button[data-action=delete]")
        page.click("#confirm-ok")
        page.wait_for_selector(vol_row, state="detached")
        volumes = carol.volume("GET", "volumes").json()["volumes"]
        assert [v for v in volumes if v["name"] == "data-1"] == []

        page.click("#nav a[data-route=usage]")
        page.wait_for_selector('#usage-body tr[data-resource="cyclades.vm"]')
    finally:
        context.close()
