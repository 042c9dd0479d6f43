"""The Astakos UI in a real headless Chromium (Playwright driving Debian's /usr/bin/chromium).

Sign up, verify the email (the link is read from the file email backend), log
in, see the API token (and check it against the Keystone API), apply for a project.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fixtures.astakos_web import astakos_server  # noqa: E402

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium)")
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                  headless=True, timeout=60_000)
        except Exception as exc:  # noqa: BLE001 - any launch failure means no usable browser
            pytest.skip(f"chromium cannot start here: {str(exc).splitlines()[0]}")
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def astakos(tmp_path_factory):
    settings = {"ASTAKOS_MODERATION_ENABLED": "false",
                "ASTAKOS_EMAIL_VERIFICATION_REQUIRED": "true"}
    with astakos_server(tmp_path_factory.mktemp("astakos-ui"), settings) as server:
        yield server


def verification_link(mail_dir: Path, email: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
            text = path.read_text()
            if f"To: {email}" in text:
                match = re.search(r"http://\S+/ui/verify/\S+", text)
                if match:
                    return match.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no verification mail for {email} in {mail_dir}")


def test_signup_verify_login_token_and_project(browser, astakos):
    base = astakos["base"]
    page = browser.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{base}/ui/signup")
        page.fill("input[name=email]", "kim@example.org")
        page.fill("input[name=display_name]", "Kim Lane")
        page.fill("input[name=password]", "kim-secret-pw")
        page.fill("input[name=password2]", "kim-secret-pw")
        with page.expect_navigation():
            page.click("#signup")
        page.wait_for_url(f"{base}/ui/login")
        assert "verification link" in page.content()

        # Not verified yet: the login is refused.
        page.fill("#provider-local input[name=username]", "kim@example.org")
        page.fill("#provider-local input[name=password]", "kim-secret-pw")
        with page.expect_navigation():
            page.click("#login-local")
        assert "pending verification" in page.content()

        page.goto(verification_link(astakos["mail_dir"], "kim@example.org"))
        assert "verified" in page.content()

        page.fill("#provider-local input[name=username]", "kim@example.org")
        page.fill("#provider-local input[name=password]", "kim-secret-pw")
        page.click("#login-local")
        page.wait_for_url(f"{base}/ui/profile")
        token = page.inner_text("#api-token").strip()
        assert len(token) == 43
        check = requests.get(f"{base}/identity/v3/auth/tokens", timeout=10,
                             headers={"X-Auth-Token": token, "X-Subject-Token": token})
        assert check.status_code == 200
        assert check.json()["token"]["user"]["name"] == "kim@example.org"

        page.click("text=Projects")
        page.click("#apply-project")
        page.fill("input[name=name]", "kim-lab")
        page.fill("textarea[name=description]", "Experiments")
        with page.expect_navigation():
            page.click("#submit-application")
        assert page.inner_text("#project-name") == "kim-lab"
        assert page.inner_text("#application-state") == "pending"
        with page.expect_navigation():
            page.click("text=Projects")
        assert "kim-lab" in page.inner_text("#my-applications")
    finally:
        page.close()
