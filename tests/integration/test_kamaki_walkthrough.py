"""kamaki (the CLI, as a subprocess) against a whole cloud brought up by snf-deploy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kamaki.session import authenticate
from snf_common.clients.catalog import Catalog
from snf_common.clients.object_store import ObjectStoreClient
from snf_common.clients.sync import upload_file

pytestmark = pytest.mark.integration
KAMAKI = str(Path(sys.executable).with_name("kamaki"))
MIB = 1024 * 1024


@pytest.fixture()
def kamaki(cloud, tmp_path):
    config = tmp_path / "kamakirc"
    shutil.copy(cloud.state_dir / "kamakirc", config)
    env = {**cloud.env, "KAMAKI_CONFIG": str(config)}

    def run(*args: str, code: int = 0) -> subprocess.CompletedProcess:
        proc = subprocess.run([KAMAKI, *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc

    return run


def store_of(cloud) -> ObjectStoreClient:
    token, body = authenticate(cloud.urls["identity"], cloud.demo["token"])
    return ObjectStoreClient(Catalog.from_token_body(body).url_for("object-store"), token)


def test_walkthrough(cloud, kamaki, tmp_path):
    store = store_of(cloud)
    info = json.loads(kamaki("user", "authenticate", "-o", "json").stdout)
    assert info["name"] == cloud.demo["username"]
    kamaki("container", "create", "walk")
    block = int(store.get_container_info("walk")["x-container-block-size"])

    data = bytearray(os.urandom(3 * block + 1000))
    (tmp_path / "big.bin").write_bytes(data)
    up = json.loads(kamaki("file", "upload", "big.bin", "walk/big.bin", "-o", "json").stdout)
    assert up["blocks_total"] == 4 and up["blocks_sent"] == 4

    listing = json.loads(kamaki("file", "list", "walk", "-o", "json").stdout)
    assert [(o["name"], o["bytes"]) for o in listing] == [("big.bin", len(data))]
    assert "big.bin" in kamaki("file", "list", "walk").stdout

    kamaki("file", "download", "walk/big.bin", "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == bytes(data)

    # A change made on the server by someone else: download --sync fetches one block.
    changed = bytearray(data)
    changed[2 * block + 7] ^= 0xFF
    (tmp_path / "other.bin").write_bytes(changed)
    upload_file(store, "walk", "big.bin", str(tmp_path / "other.bin"))
    out = json.loads(kamaki("file", "download", "--sync", "walk/big.bin", "copy.bin",
                            "-o", "json").stdout)
    assert out["blocks_fetched"] == 1
    assert (tmp_path / "copy.bin").read_bytes() == bytes(changed)

    # A local change of one block: upload --sync sends one block.
    changed[block + 3] ^= 0xFF
    (tmp_path / "copy.bin").write_bytes(changed)
    out = json.loads(kamaki("file", "upload", "--sync", "copy.bin", "walk/big.bin", "-o",
                            "json").stdout)
    assert out["blocks_sent"] == 1
    assert store.get_object("walk", "big.bin") == bytes(changed)

    # Unchanged: nothing is sent and no version is made.
    versions = len(store.list_versions("walk", "big.bin"))
    out = json.loads(kamaki("file", "upload", "--sync", "copy.bin", "walk/big.bin", "-o",
                            "json").stdout)
    assert out["blocks_sent"] == 0
    assert len(store.list_versions("walk", "big.bin")) == versions

    kamaki("file", "info", "walk/absent", code=4)
    kamaki("container", "delete", "walk", code=5)
    kamaki("file", "delete", "walk/big.bin")
    kamaki("container", "delete", "walk")
