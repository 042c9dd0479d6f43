"""The original kamaki 0.16 (Python 2.7) against our cloud: Keystone v2.0, the Synnefo
catalog names/versions it matches, and the Synnefo API shapes behind its core commands
(user info, quota list, file list/upload/download, server list/create, flavor list,
image list, network list, volume list).

kamaki 0.16 and its dependencies are installed with Python 2.7's pip into a cache
directory (pip --target, reused across runs), so nothing touches the system Python.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _find_python27() -> str | None:
    """A working Python 2.7 (pyenv shims exist even when no 2.7 is selected)."""
    for candidate in ("/root/.pyenv/versions/2.7.18/bin/python2.7", shutil.which("python2.7")):
        if candidate and os.path.exists(candidate) and subprocess.run(
                [candidate, "-c", "import sys; assert sys.version_info[:2] == (2, 7)"],
                capture_output=True).returncode == 0:
            return candidate
    return None


PYTHON27 = _find_python27()
CACHE = Path(tempfile.gettempdir()) / f"snf-kamaki-0.16-py27-{os.getuid()}"


def kamaki016() -> Path:
    """The --target dir holding kamaki 0.16, installed once."""
    if PYTHON27 is None:
        pytest.skip("no Python 2.7 interpreter on this machine")
    if (CACHE / "bin" / "kamaki").exists():
        return CACHE
    staging = Path(tempfile.mkdtemp(prefix="kamaki016-"))
    proc = subprocess.run([PYTHON27, "-m", "pip", "install", "--disable-pip-version-check",
                           "-q", "--target", str(staging), "kamaki==0.16"],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        if "Could not find a version" in proc.stderr or "NewConnectionError" in proc.stderr:
            pytest.skip("PyPI is not reachable to fetch kamaki 0.16")
        raise AssertionError(proc.stderr)
    try:
        staging.rename(CACHE)
    except OSError:  # another run won the race
        shutil.rmtree(staging, ignore_errors=True)
    return CACHE


@pytest.fixture()
def old_kamaki(cloud, tmp_path):
    site = kamaki016()
    config = tmp_path / "kamakirc"
    identity_v2 = cloud.urls["identity"].replace("/identity/v3", "/identity/v2.0")
    config.write_text(f'[global]\ndefault_cloud = synnefo\n\n[cloud "synnefo"]\n'
                      f'url = {identity_v2}\ntoken = {cloud.demo["token"]}\n')
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(site)}

    def run(*args: str) -> str:
        proc = subprocess.run([PYTHON27, str(site / "bin" / "kamaki"), "-c", str(config),
                               *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        # kamaki 0.16 prints some errors and still exits 0: no error text may appear.
        assert "Error" not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr, \
            (args, proc.stdout, proc.stderr)
        return proc.stdout

    return run


@pytest.fixture()
def new_kamaki(cloud, tmp_path):
    """Our kamaki (for checks and cleanup) on the same cloud."""
    config = tmp_path / "ourrc"
    shutil.copy(cloud.state_dir / "kamakirc", config)

    def run(*args: str) -> str:
        proc = subprocess.run([str(Path(sys.executable).with_name("kamaki")), *args],
                              capture_output=True, text=True, timeout=120,
                              env={**cloud.env, "KAMAKI_CONFIG": str(config),
                                   "KAMAKI_HASH_CACHE": str(tmp_path / "hashes")})
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc.stdout

    return run


def test_kamaki_016_authenticates_with_keystone_v2(cloud, old_kamaki):
    out = old_kamaki("user", "authenticate")
    assert cloud.demo["user_id"] in out and "astakos_account" in out


def test_kamaki_016_files(cloud, old_kamaki, new_kamaki, tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 77)
    (tmp_path / "up.bin").write_bytes(data)
    container = f"compat{secrets.token_hex(3)}"
    old_kamaki("container", "create", container)
    old_kamaki("file", "upload", "-N", "up.bin", f"/{container}/up.bin")
    old_kamaki("file", "download", "-N", f"/{container}/up.bin", "down.bin")
    assert (tmp_path / "down.bin").read_bytes() == data
    assert "up.bin" in old_kamaki("file", "list", f"/{container}")
    listed = json.loads(old_kamaki("file", "list", f"/{container}", "--output-format", "json"))
    assert [(o["name"], int(o["bytes"])) for o in listed] == [("up.bin", len(data))]
    # What 0.16 stored is what our client reads: the same Pithos object.
    ours = json.loads(new_kamaki("file", "list", container, "-o", "json"))
    assert [(o["name"], o["bytes"]) for o in ours] == [("up.bin", len(data))]
    new_kamaki("file", "delete", f"{container}/up.bin")
    new_kamaki("container", "delete", container)


def test_kamaki_016_user_and_quota(cloud, old_kamaki):
    info = old_kamaki("user", "info")
    assert cloud.demo["user_id"] in info and cloud.demo["username"] in info
    quotas = old_kamaki("quota", "list")
    for resource in ("pithos.diskspace", "cyclades.vm", "cyclades.ram"):
        assert resource in quotas


def _flavor(cloud) -> str:
    def manage(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "cyclades.project.manage", *args],
                                env=cloud.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    flavors = json.loads(manage("flavor-list", "-o", "json"))
    found = next((f["id"] for f in flavors if f["disk_template"] == "file"
                  and f["disk"] == 1 and f["ram"] == 128), None)
    if found is None:
        found = json.loads(manage("flavor-create", "--cpu", "1", "--ram", "128", "--disk",
                                  "1", "--disk-template", "file", "-o", "json"))["id"]
    return str(found)


def test_kamaki_016_compute_image_network_volume(cloud, old_kamaki, new_kamaki):
    flavor = _flavor(cloud)
    assert flavor in old_kamaki("flavor", "list")
    images = json.loads(old_kamaki("image", "list", "--output-format", "json"))
    quickstart = next(i for i in images if i["name"] == "Tiny Linux (ext4)")
    name = f"compat-vm-{secrets.token_hex(3)}"
    created = json.loads(old_kamaki("server", "create", "--name", name, "--flavor-id", flavor,
                                    "--image-id", quickstart["id"], "--output-format", "json"))
    server_id = str(created["id"])
    assert created.get("adminPass")
    try:
        new_kamaki("server", "wait", server_id, "--timeout", "120")
        listed = old_kamaki("server", "list")
        assert server_id in listed and name in listed
        # The boot volume is a Cyclades volume: 0.16 lists it through /volume/v2.0.
        ours = json.loads(new_kamaki("volume", "list", "-o", "json"))
        boot = [v["id"] for v in ours
                if any(str(a.get("server_id")) == server_id for a in v["attachments"])]
        volumes = json.loads(old_kamaki("volume", "list", "--output-format", "json"))
        assert len(boot) == 1 and boot[0] in [v["id"] for v in volumes]
    finally:
        new_kamaki("server", "delete", server_id, "--wait")
    network = json.loads(new_kamaki("network", "create", "--name", f"compat-{secrets.token_hex(3)}",
                                    "-o", "json"))
    try:
        assert network["name"] in old_kamaki("network", "list")
    finally:
        new_kamaki("network", "delete", network["id"])
