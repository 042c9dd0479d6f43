"""snf-ganeti-eventd following the job queue of the real Ganeti cluster.

The cluster's namespaces share the host's filesystem, so /var/lib/ganeti/queue (and the
ssconf files beside it) are the real ones: eventd runs here as a plain subprocess, as it
runs on a master node, and publishes to a spool queue this test reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.cluster.test_rapi_lifecycle import (
    create_body,
    disk_template,
    job_id_of,
    new_name,
    run_job,
)
from tests.fixtures.ganeti import ROOT, RapiCluster

pytestmark = [pytest.mark.cluster,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]

REAL_DATA_DIR = Path("/var/lib/ganeti")
START_TIMEOUT_SECONDS = 20
MESSAGE_TIMEOUT_SECONDS = 90
# Ganeti keeps a new job queued for a few hundred ms before it runs it: polling faster
# than that sees the queued status too.
POLL_SECONDS = 0.05


def _seed_state(queue_dir: Path, state_file: Path) -> None:
    """Mark what the queue already holds as published, so the first poll publishes only
    what happens from now on (other tests' jobs are not this test's business)."""
    from snf_ganeti.jobfiles import job_files, read_job

    published = {}
    for job_id, path in job_files(queue_dir):
        job = read_job(path)
        for index, op in enumerate((job or {}).get("ops") or []):
            published[f"{job_id}/{index}"] = op.get("status")
    state_file.write_text(json.dumps({"published": published}))


def _start_eventd(queue_dir: Path, tmp: Path) -> tuple[subprocess.Popen, Path]:
    state_file = tmp / "eventd.json"
    _seed_state(queue_dir, state_file)
    env = {**os.environ, "SNF_SETTINGS_DIR": "", "SNF_QUEUE_URL": f"spool://{tmp / 'queue'}",
           "SNF_STATE_DIR": str(tmp / "state"), "SNF_GTOOLS_POLL_SECONDS": str(POLL_SECONDS),
           "SNF_LOG_LEVEL": "INFO"}
    env.pop("SNF_GTOOLS_CLUSTER_NAME", None)  # the name must come from Ganeti's ssconf
    log = tmp / "eventd.log"
    with open(log, "wb") as out:
        # --all-nodes: the master is node1.snf.test inside the namespaces, not this host
        proc = subprocess.Popen(
            [sys.executable, "-m", "snf_ganeti.eventd", "--queue-dir", str(queue_dir),
             "--state-file", str(state_file), "--all-nodes"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while b"following" not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"eventd did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)
    time.sleep(3 * POLL_SECONDS)  # its first poll (of the seeded queue) is done
    return proc, log


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_eventd_publishes_a_real_create_with_its_job_id(ganeti_cluster: RapiCluster, tmp_path):
    from snf_common.queue import open_transport

    if ganeti_cluster.file_storage is None:
        pytest.skip("the cluster's job queue is not on this machine (SNF_TEST_GANETI_RAPI)")
    queue_dir = REAL_DATA_DIR / "queue"
    transport = open_transport(f"spool://{tmp_path / 'queue'}", str(tmp_path / "state"))
    queue_name = f"test-eventd-{uuid.uuid4().hex[:8]}"
    transport.declare_queue(queue_name, ["ganeti.#"])
    proc, log = _start_eventd(queue_dir, tmp_path)
    http = ganeti_cluster.session()
    name = new_name()
    job_id = None
    try:
        job_id = job_id_of(http.post(
            f"{ganeti_cluster.url}/2/instances",
            json=create_body(ganeti_cluster, name, disk_template(http, ganeti_cluster)),
            timeout=30))
        seen: list[tuple[str, dict]] = []
        deadline = time.monotonic() + MESSAGE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            delivery = transport.get(queue_name, timeout=0.5)
            if delivery is None:
                continue
            delivery.ack()
            body = json.loads(delivery.body)
            if body.get("instance") == name:
                seen.append((delivery.routing_key, body))
                if body["status"] in ("success", "error"):
                    break
        statuses = [body["status"] for _, body in seen]
        assert statuses and statuses[-1] == "success", \
            (statuses, log.read_text(errors="replace")[-2000:])
        # every status eventd saw, in order; queued and running last long enough to be seen
        assert statuses[0] == "queued" and "running" in statuses, statuses
        assert statuses == sorted(set(statuses),
                                  key=["queued", "waiting", "running", "success"].index)
        job = http.get(f"{ganeti_cluster.url}/2/jobs/{job_id}", timeout=30).json()
        for routing_key, body in seen:
            assert routing_key == "ganeti.snf.event.op"
            assert body["type"] == "ganeti-op-status"
            assert (body["operation"], body["jobId"]) == ("OP_INSTANCE_CREATE", job_id)
            assert body["cluster"] == ganeti_cluster.name  # read from Ganeti's ssconf
        by_status = {body["status"]: body for _, body in seen}
        # eventd's times are Ganeti's own timestamps from the job file
        assert by_status["queued"]["event_time"] == job["received_ts"]
        # (the opcode's end, a few microseconds before the job's)
        assert job["start_ts"] <= by_status["success"]["event_time"] <= job["end_ts"]
        assert by_status["success"]["job_fields"]["disks"] == \
            [{"size": 64, "name": f"{name}-disk0"}]
    finally:
        _stop(proc)
        transport.close()
        if job_id is not None:
            run_job(http, ganeti_cluster,
                    http.delete(f"{ganeti_cluster.url}/2/instances/{name}", timeout=30))
        http.close()
