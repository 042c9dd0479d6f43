"""The original kamaki 0.16 (Python 2.7) against our cloud: Keystone v2.0 + Pithos protocol.

kamaki 0.16 and its dependencies are installed with Python 2.7's pip into a cache
directory (pip --target, reused across runs), so nothing touches the system Python.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from kamaki.session import authenticate
from snf_common.clients.catalog import Catalog

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

    def run(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([PYTHON27, str(site / "bin" / "kamaki"), "-c", str(config),
                               *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc

    return run


def test_kamaki_016_authenticates_with_keystone_v2(cloud, old_kamaki):
    out = old_kamaki("user", "authenticate").stdout
    assert cloud.demo["user_id"] in out and "astakos_account" in out


def test_kamaki_016_uploads_and_downloads(cloud, old_kamaki, tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 77)
    (tmp_path / "up.bin").write_bytes(data)
    old_kamaki("container", "create", "compat016")
    old_kamaki("file", "upload", "-N", "up.bin", "/compat016/up.bin")
    old_kamaki("file", "download", "-N", "/compat016/up.bin", "down.bin")
    assert (tmp_path / "down.bin").read_bytes() == data
    listing = old_kamaki("-o", "json", "file", "list", "/compat016").stdout
    assert "up.bin" in listing
    json.dumps(listing)  # printable output, no traceback
