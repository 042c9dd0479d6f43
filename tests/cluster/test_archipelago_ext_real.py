"""The Archipelago ExtStorage provider under the real Ganeti cluster.

deploy/ganeti/setup-ganeti.sh installs archipelago/extstorage/ as the provider
`archipelago` (wrappers that load /etc/ganeti/snf.env, which names a filesystem block
store under /srv/ganeti/archipelago). The image is stored there as Pithos leaves one: its
blocks, and its hashmap as a map; the instance's disk is a copy-on-write clone of it
(`origin=pithosmap://<map>/<bytes>`).

Ganeti 3.0 needs the first line `attach` prints to be a block device. Without the kernel
nbd module the provider can only print its NBD socket, and Ganeti refuses it
(docs/real-ganeti.md has the exact error); both cases are tested, each where it applies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.cluster.test_rapi_lifecycle import (
    create_body,
    job_id_of,
    new_name,
    node_name,
    run_job,
    wait_job,
)
from tests.fixtures.ganeti import ROOT, RapiCluster

pytestmark = [pytest.mark.cluster,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]

PROVIDER_DIR = Path("/srv/ganeti/extstorage/archipelago")
NODE_ENV = Path("/etc/ganeti/snf.env")
IMAGE_BYTES = 1024 * 1024
DISK_MIB = 64
PROVIDER_TIMEOUT_SECONDS = 90


def kernel_nbd_missing() -> str | None:
    if not os.path.exists("/dev/nbd0"):
        return "the kernel nbd module is not loaded (no /dev/nbd0)"
    if shutil.which("nbd-client") is None:
        return "nbd-client is not installed"
    return None


def _node_setting(name: str) -> str | None:
    for line in NODE_ENV.read_text().splitlines():
        prefix = f"export {name}='"
        if line.startswith(prefix):
            return line[len(prefix):].rstrip("'")
    return None


@pytest.fixture
def provider_store(ganeti_cluster: RapiCluster):
    """The block store the cluster's archipelago provider uses (opened from this host)."""
    from archipelago.blockstore import open_blockstore
    from archipelago.blockstore.config import parse_blockstore_spec

    if ganeti_cluster.file_storage is None:
        pytest.skip("the cluster's block store is not on this machine (SNF_TEST_GANETI_RAPI)")
    if not (ROOT / "archipelago" / "extstorage" / "create").exists():
        pytest.skip("archipelago/extstorage is not in the tree")
    if not (PROVIDER_DIR / "attach").exists():
        pytest.fail(f"{PROVIDER_DIR} is missing: the cluster was set up by an older "
                    "setup-ganeti.sh (re-run it)")
    spec = _node_setting("SNF_ARCHIPELAGO_BLOCKSTORE")
    assert spec, f"{NODE_ENV} names no SNF_ARCHIPELAGO_BLOCKSTORE"
    with open_blockstore(parse_blockstore_spec(spec)) as store:
        yield store


def _store_image(store) -> tuple[bytes, str]:
    """An image as a Pithos upload leaves it: blocks, and the hashmap as raw digests."""
    data = uuid.uuid4().bytes * (IMAGE_BYTES // 16)
    map_name = f"test-image-{uuid.uuid4().hex[:12]}"
    names = store.put_blocks([data])  # one block: the image is smaller than 4 MiB
    store.put_map(map_name, b"".join(bytes.fromhex(n) for n in names))
    return data, f"pithosmap://{map_name}/{len(data)}"


def _ext_body(cluster: RapiCluster, name: str, origin: str) -> dict:
    body = create_body(cluster, name, "ext")
    body["disks"] = [{"size": DISK_MIB, "name": f"{name}-disk0", "provider": "archipelago",
                      "origin": origin}]
    return body


def _provider(verb: str, volume: str) -> None:
    """Run the installed provider as Ganeti would (its wrapper loads snf.env)."""
    proc = subprocess.run([str(PROVIDER_DIR / verb)], env={"PATH": os.environ["PATH"],
                                                            "VOL_NAME": volume},
                          capture_output=True, text=True, timeout=PROVIDER_TIMEOUT_SECONDS)
    assert proc.returncode == 0, (verb, volume, proc.stderr)


def _volume_of(http, cluster: RapiCluster, name: str) -> str:
    job = run_job(http, cluster, http.get(f"{cluster.url}/2/instances/{name}/info", timeout=30))
    provider, volume = job["opresult"][0][name]["disks"][0]["logical_id"]
    assert provider == "archipelago"
    return volume


def test_ext_archipelago_instance_from_a_pithos_hashmap(ganeti_cluster, provider_store):
    missing = kernel_nbd_missing()
    if missing:
        pytest.skip(f"{missing}: the provider's attach can print only its NBD socket, and "
                    "Ganeti 3.0 refuses a path that is not a block device")
    from archipelago import mapper

    http = ganeti_cluster.session()
    _, origin = _store_image(provider_store)
    name = new_name()
    run_job(http, ganeti_cluster, http.post(f"{ganeti_cluster.url}/2/instances",
                                            json=_ext_body(ganeti_cluster, name, origin),
                                            timeout=30))
    try:
        volume = _volume_of(http, ganeti_cluster, name)
        stored = mapper.load(provider_store, volume)
        assert stored.size == DISK_MIB * 1024 * 1024 and stored.origin == origin
    finally:
        run_job(http, ganeti_cluster,
                http.delete(f"{ganeti_cluster.url}/2/instances/{name}", timeout=30))
        http.close()


def test_ext_archipelago_without_kernel_nbd_is_refused_by_ganeti(ganeti_cluster,
                                                                  provider_store):
    """What real Ganeti does with a userspace-only attach: the volume is created (a clone
    of the hashmap), attach runs, and then the job fails because the device is not a block
    device. The instance stays in the cluster, admin down; its removal leaves the volume
    (Ganeti finds no device to remove), so this test removes it through the provider."""
    if kernel_nbd_missing() is None:
        pytest.skip("the kernel nbd module is loaded: the create succeeds (other test)")
    from archipelago import mapper

    http = ganeti_cluster.session()
    _, origin = _store_image(provider_store)
    name = new_name()
    job = wait_job(http, ganeti_cluster, job_id_of(http.post(
        f"{ganeti_cluster.url}/2/instances", json=_ext_body(ganeti_cluster, name, origin),
        timeout=30)))
    volume = None
    try:
        assert job["status"] == "error"
        error_class, [message] = job["opresult"][0]
        assert error_class == "OpExecError"
        volume = _volume_of(http, ganeti_cluster, name)
        node = node_name(http, ganeti_cluster)
        assert message == (
            f"Could not add os for instance {name} on node {node}: Block device "
            f"'<Disk(type=ext, logical_id=('archipelago', '{volume}'), children=[], "
            f"visible as /dev/disk/0, size={DISK_MIB}m)>' is not set up")
        # create, attach and setinfo ran: the volume is a clone of the image's hashmap
        stored = mapper.load(provider_store, volume)
        assert stored.size == DISK_MIB * 1024 * 1024 and stored.origin == origin
        inst = http.get(f"{ganeti_cluster.url}/2/instances/{name}", timeout=30).json()
        assert (inst["admin_state"], inst["status"]) == ("down", "ADMIN_down")
    finally:
        run_job(http, ganeti_cluster,
                http.delete(f"{ganeti_cluster.url}/2/instances/{name}", timeout=30))
        http.close()
        if volume is not None:
            assert mapper.exists(provider_store, volume)  # Ganeti's remove left it
            _provider("detach", volume)
            _provider("remove", volume)
            assert not mapper.exists(provider_store, volume)
