"""snf-deploy against real processes: up, status, a second up, down, and each failure."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.cloud import SERVICES, free_port_base, port_free, production_parts, snf_deploy

pytestmark = pytest.mark.integration


@pytest.fixture
def workdir():
    path = Path(tempfile.mkdtemp(prefix="snf-deploy-test-"))
    yield path
    snf_deploy("down", "--state-dir", str(path / "var"), "--timeout", "5")
    shutil.rmtree(path, ignore_errors=True)


def processes_of(state: Path) -> list[int]:
    """Pids of every live process started for this state dir (its SNF_STATE_DIR), leaked or not."""
    mark = f"SNF_STATE_DIR={state}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if mark in environ and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def status_rows(state: Path) -> list[dict]:
    result = snf_deploy("status", "--state-dir", str(state), "-o", "json")
    return json.loads(result.stdout)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("parts", ["embedded", "production"])
def test_up_status_second_up_and_down(workdir, parts):
    state, base = workdir / "var", free_port_base()
    args = ["up", "--state-dir", str(state), "--port-base", str(base), "--workers", "1"]
    with production_parts(workdir) if parts == "production" else _nothing() as config:
        if config:
            args += ["--config", str(config)]
        first = snf_deploy(*args)
        assert first.returncode == 0, first.stderr
        rows = status_rows(state)
        assert [row["name"] for row in rows][:3] == list(SERVICES)
        assert all(row["health"] == "ok" and row["state"] == "running" for row in rows), rows
        for i, service in enumerate(SERVICES):
            with urllib.request.urlopen(f"http://127.0.0.1:{base + i}/healthz", timeout=5) as r:
                assert json.load(r)["service"] == service
        pids = {row["name"]: row["pid"] for row in rows}
        assert (state / "etc" / "10-common.conf").exists()
        if config:
            assert (state / "etc" / "50-site.conf").read_text() == config.read_text()

        second = snf_deploy(*args)
        assert second.returncode == 0, second.stderr
        assert {row["name"]: row["pid"] for row in status_rows(state)} == pids
        assert all(f"{name} already runs (pid {pid})" in second.stdout
                   for name, pid in pids.items())
        # No duplicates: every process of this cloud belongs to one of the first up's groups.
        assert processes_of(state)
        assert all(os.getpgid(pid) in pids.values() for pid in processes_of(state))

        down = snf_deploy("down", "--state-dir", str(state))
        assert down.returncode == 0, down.stderr
        assert not any(alive(pid) for pid in pids.values())
        assert processes_of(state) == []
        assert all(port_free(base + i) for i in range(5))
        assert not list((state / "run").glob("*.pid"))
        status = snf_deploy("status", "--state-dir", str(state))
        assert status.returncode == 3 and "stopped" in status.stdout


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def assert_nothing_left(state: Path, base: int) -> None:
    assert processes_of(state) == []
    assert not list((state / "run").glob("*.pid")) if (state / "run").exists() else True


def test_bad_setting_is_one_line_naming_it(workdir):
    state, base = workdir / "var", free_port_base()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["SNF_PITHOS_BLOCK_SIZE"] = "4M"
    result = snf_deploy("up", "--state-dir", str(state), "--port-base", str(base), env=env)
    assert result.returncode != 0
    line = one_line(result.stderr)
    assert "PITHOS_BLOCK_SIZE" in line and "4M" in line
    assert_nothing_left(state, base)


def test_port_in_use_is_one_line_naming_port_and_service(workdir):
    state, base = workdir / "var", free_port_base()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 1))
        squatter.listen()
        result = snf_deploy("up", "--state-dir", str(state), "--port-base", str(base))
    assert result.returncode != 0
    line = one_line(result.stderr)
    assert f"port {base + 1}" in line and "pithos" in line
    assert_nothing_left(state, base)


def test_missing_database_server_is_one_line(workdir):
    state, base = workdir / "var", free_port_base()
    dead = free_port_base(1)
    config = workdir / "dead.conf"
    config.write_text(f"ASTAKOS_DATABASE_URL = 'postgresql://postgres:pw@127.0.0.1:{dead}/astakos'\n")
    result = snf_deploy("up", "--state-dir", str(state), "--port-base", str(base),
                        "--config", str(config))
    assert result.returncode != 0
    line = one_line(result.stderr)
    assert "astakos database" in line and "does not answer" in line and "pw@" not in line
    assert_nothing_left(state, base)


def test_failure_after_start_stops_everything_started(workdir):
    """A health wait that cannot succeed (0 s) must leave no process behind."""
    state, base = workdir / "var", free_port_base()
    result = snf_deploy("up", "--state-dir", str(state), "--port-base", str(base),
                        "--workers", "1", "--timeout", "0")
    assert result.returncode != 0
    assert "did not answer" in result.stderr and "last lines of" in result.stderr
    assert "started astakos" in result.stdout
    assert_nothing_left(state, base)


def test_the_cloud_fixture_is_healthy(cloud):
    for service in SERVICES:
        with urllib.request.urlopen(f"{cloud.urls[service]}/healthz", timeout=5) as response:
            assert json.load(response) == {"service": service, "status": "ok", "database": "ok"}
    rows = json.loads(cloud.deploy("status", "-o", "json").stdout)
    assert all(row["health"] == "ok" for row in rows)
    assert cloud.env["SNF_SETTINGS_DIR"].endswith("/etc")


def test_clouds_yaml_gets_a_token_through_openstacksdk(cloud):
    openstack = pytest.importorskip("openstack")
    config = openstack.config.OpenStackConfig(config_files=[cloud.env["OS_CLIENT_CONFIG_FILE"]])
    connection = openstack.connection.Connection(config=config.get_one(cloud="synnefo"))
    assert connection.auth_token
    assert connection.current_user_id == cloud.demo["user_id"]
    assert connection.current_project_id == cloud.demo["project_id"]


def test_kamakirc_token_is_valid(cloud):
    import configparser

    import requests

    parser = configparser.ConfigParser()
    parser.read(cloud.env["KAMAKI_CONFIG"])
    token = parser['cloud "synnefo"']["token"]
    response = requests.get(f"{cloud.urls['identity']}/auth/tokens", timeout=10,
                            headers={"X-Auth-Token": token, "X-Subject-Token": token})
    assert response.status_code == 200, response.text
    assert response.json()["token"]["user"]["name"] == "demo"


def test_demo_command_passes(cloud):
    result = cloud.deploy("demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "token    ok" in result.stdout


def test_apis_keep_idle_connections_open_longer_than_clients_poll(cloud):
    """The openstack CLI polls every 2 s over one kept-alive connection; an API that
    closed idle connections after 2 s (gunicorn's default) reset some of its requests."""
    import http.client
    import time
    from urllib.parse import urlsplit

    for service in ("astakos", "pithos", "cyclades"):
        url = urlsplit(cloud.urls[service])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            first = conn.getresponse()
            first.read()
            assert first.status == 200 and not first.will_close
            time.sleep(3)
            conn.request("GET", "/healthz")           # the same connection, 3 s idle
            again = conn.getresponse()
            again.read()
            assert again.status == 200, service
        finally:
            conn.close()
