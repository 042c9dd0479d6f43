"""ext_archipelago end to end on the development cluster: an ext4 image stored the
way Pithos stores it (blocks + a raw-digest map in the shared block store), two
instances created from it with disk_template ext / provider archipelago. The
provider clones the image's map (no data copied), attach serves each volume
over NBD (userspace mode: no /dev/nbd* here), snf-image notices the clone and
customises through NBD. Checked on the store: both volumes still point at the
image's untouched blocks, each has its own hostname in its own new blocks, and
the store grew by exactly the blocks the customisation changed."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from archipelago import mapper, volumes
from archipelago.blockstore.filesystem import FilesystemBlockStore
from snf_common import hashing

pytestmark = pytest.mark.skipif(
    not (shutil.which("mkfs.ext4") and shutil.which("debugfs") and shutil.which("resize2fs")),
    reason="e2fsprogs (mkfs.ext4, debugfs, resize2fs) not installed on this machine")

START_TIMEOUT_SECONDS = 30
JOB_TIMEOUT_SECONDS = 120
BS = hashing.BLOCK_SIZE_BYTES
IMAGE_MIB = 24
DISK_MIB = 64


def _image(root: Path) -> bytes:
    tree = root / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "root").mkdir()
    (tree / "srv").mkdir()
    (tree / "etc" / "hostname").write_text("localhost\n")
    (tree / "etc" / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (tree / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (tree / "etc" / "group").write_text("root:x:0:\n")
    # 12 MiB of file data no customisation touches: these blocks must stay shared
    (tree / "srv" / "data.bin").write_bytes(random.Random(7).randbytes(12 << 20))
    path = root / "image.raw"
    with open(path, "wb") as handle:
        handle.truncate(IMAGE_MIB << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0", "-d", str(tree), str(path)],
                   check=True, capture_output=True, timeout=60)
    return path.read_bytes()


def _store_as_pithos(store: FilesystemBlockStore, data: bytes, map_name: str) -> str:
    """What a Pithos upload leaves in the shared store: the blocks, and the object's
    hashmap as raw digests under a map name."""
    names = store.put_blocks([data[i:i + BS] for i in range(0, len(data), BS)])
    store.put_map(map_name, b"".join(bytes.fromhex(n) for n in names))
    return f"pithosmap://{map_name}/{len(data)}"


class Cluster:
    def __init__(self, root: Path, store_dir: Path, run_dir: Path):
        self.root = root
        (root / "conf").mkdir(parents=True)
        store_config = {"BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
                        "OPTIONS": {"path": str(store_dir), "fsync": False}}
        env = {**os.environ, "SNF_SETTINGS_DIR": str(root / "conf"),
               "SNF_STATE_DIR": str(root / "var"), "SNF_QUEUE_URL": "", "SNF_LOG_LEVEL": "WARNING",
               "SNF_ARCHIPELAGO_BLOCKSTORE": json.dumps(store_config),
               "SNF_ARCHIPELAGO_RUN_DIR": str(run_dir),
               "SNF_ARCHIPELAGO_NBD_MODE": "userspace"}
        # snf-image reads the shared store from the settings dir, as on a node
        (root / "conf" / "50-image.conf").write_text(f"SNF_IMAGE_BLOCKSTORE = {store_config!r}\n")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "snf_ganeti.devcluster", "--state-dir", str(root / "state"),
             "--port", "0", "--memory-mib", "4096", "--disk-mib", "4096", "--cpus", "4",
             "--no-hooks"],
            env=env, stdout=subprocess.PIPE, stderr=open(root / "devcluster.log", "wb"), text=True)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        line = ""
        while time.monotonic() < deadline and self.proc.poll() is None:
            line = self.proc.stdout.readline()
            if line.startswith("devcluster ready"):
                break
        if not line.startswith("devcluster ready"):
            self.stop()
            raise AssertionError("devcluster did not start: "
                                 + (root / "devcluster.log").read_text()[-2000:])
        self.url = line.split()[-1]
        self.http = requests.Session()
        self.http.auth = ("snf", "snfpass")
        self.http.verify = str(root / "state" / "rapi.pem")
        self.http.trust_env = False

    def run(self, method: str, path: str, body=None) -> dict:
        response = self.http.request(method, self.url + path, json=body, timeout=10)
        assert response.status_code == 200, response.text
        job_id = response.json()
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            job = self.http.get(f"{self.url}/2/jobs/{job_id}", timeout=10).json()
            if job["status"] in ("success", "error", "canceled"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def _debugfs_cat(volume_bytes: bytes, path: str) -> bytes:
    with tempfile.NamedTemporaryFile() as disk:
        disk.write(volume_bytes)
        disk.flush()
        return subprocess.run(["debugfs", "-R", f"cat {path}", disk.name], check=True,
                              capture_output=True, timeout=60).stdout


def _create_body(name: str, img_id: str) -> dict:
    return {"__version__": 1, "name": name, "disk_template": "ext",
            "disks": [{"size": DISK_MIB, "provider": "archipelago", "origin": img_id}],
            "nics": [], "os": "snf-image+default", "start": False,
            "beparams": {"maxmem": 128, "vcpus": 1},
            "osparams": {"img_id": img_id, "img_format": "diskdump",
                         "img_passwd": "s3cret-pass", "img_properties": "{}"}}


def _stop_leftover_servers(run_dir: Path) -> None:
    for state in (run_dir / "nbd").glob("*.json") if (run_dir / "nbd").is_dir() else []:
        try:
            os.kill(json.loads(state.read_text())["pid"], 15)
        except (OSError, ValueError, KeyError):
            pass


def test_two_instances_share_the_image_blocks(tmp_path):
    store_dir = tmp_path / "store"
    run_dir = Path(tempfile.mkdtemp(prefix="snf-arch-", dir="/tmp"))  # short socket paths
    store = FilesystemBlockStore(str(store_dir), fsync=False)
    image = _image(tmp_path)
    img_id = _store_as_pithos(store, image, "pithos/img-debian-1")
    image_map = store.get_map("pithos/img-debian-1")
    image_hashes = [image_map[i:i + 32] for i in range(0, len(image_map), 32)]
    blocks_before = set(store.iter_block_names())
    cluster = Cluster(tmp_path / "cluster", store_dir, run_dir)
    try:
        names = ["vm-arch-1.example", "vm-arch-2.example"]
        for name in names:
            job = cluster.run("POST", "/2/instances", _create_body(name, img_id))
            assert job["status"] == "success", json.dumps(job)[-2000:] + \
                (tmp_path / "cluster" / "devcluster.log").read_text()[-2000:]
        vols = {}
        for vol_name in mapper.list_names(store):
            vol = mapper.load(store, vol_name)
            assert vol.origin == img_id and vol.size == DISK_MIB << 20
            vols[vol_name] = vol
        assert len(vols) == 2
        # attached: each volume has its NBD server (the instance "runs")
        assert len(list((run_dir / "nbd").glob("*.sock"))) == 2

        changed: set[str] = set()
        per_volume_changed = []
        for vol_name, vol in vols.items():
            differing = {i for i, h in enumerate(vol.hashes[:len(image_hashes)])
                         if h != image_hashes[i]}
            shared = len(image_hashes) - len(differing)
            assert shared >= 2, f"{vol_name}: only {shared} image blocks still shared"
            per_volume_changed.append(differing)
            changed |= {vol.hashes[i].hex() for i in differing}
            changed |= {h.hex() for h in vol.hashes[len(image_hashes):]}  # the grown range
            data = volumes.open_volume(store, vol_name).read(0, vol.size)
            hostname = _debugfs_cat(data, "/etc/hostname").decode()
            assert hostname in (f"{n}\n" for n in names)
            assert b"root:$6$" in _debugfs_cat(data, "/etc/shadow")
            assert hashing.block_hash(data[BS * 3:BS * 4]) == image_hashes[3] or 3 in differing
        hostnames = {_debugfs_cat(volumes.open_volume(store, v).read(0, DISK_MIB << 20),
                                  "/etc/hostname") for v in vols}
        assert hostnames == {f"{n}\n".encode() for n in names}  # each its own customisation
        # the store grew by exactly the blocks the customisation changed: no copy of
        # the image, no intermediate blocks of partial writes
        empty = {hashing.empty_hash().hex()}
        grown = set(store.iter_block_names()) - blocks_before
        assert grown - empty == changed - empty
        assert len(grown - empty) < 2 * len(image_hashes)
        # each volume has blocks of its own (its hostname), not the other's
        own = [{vols[v].hashes[i] for i in d} for v, d in zip(vols, per_volume_changed)]
        assert own[0] != own[1]
        # the image itself is untouched
        assert store.get_map("pithos/img-debian-1") == image_map
        assert not store.missing_blocks(h.hex() for h in image_hashes)

        for name in names:
            assert cluster.run("DELETE", f"/2/instances/{name}")["status"] == "success"
        assert list(mapper.list_names(store)) == []
        assert list((run_dir / "nbd").glob("*.sock")) == []
    finally:
        cluster.stop()
        _stop_leftover_servers(run_dir)
        shutil.rmtree(run_dir, ignore_errors=True)
        store.close()
