#!/usr/bin/env python3
"""Cyclades servers: concurrent creates against the development cluster, list latency,
and Cyclades CPU per server.

Brings up Astakos, Cyclades (gunicorn), the development cluster and the dispatcher in
a temp dir (as tests/integration/test_cyclades_devcluster.py does), then:
1. N concurrent POST /servers (default 200); time until every server is ACTIVE;
2. pads the database to 1,000 servers and times GET /servers/detail (p50, p90)
   against the limit of 100 ms;
3. reports the CPU seconds the Cyclades processes (gunicorn workers + dispatcher)
   spent per created server.
Usage: .venv/bin/python bench/cyclades_servers.py [--servers 200] [--list-total 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.integration.test_cyclades_devcluster import (  # noqa: E402
    api,
    create,
    manage,
    running_stack,
)

LIST_LIMIT_MS = 100.0


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of processes and their children that still run (from /proc)."""
    total = 0.0
    tick = 100.0
    seen = set()
    queue = list(pids)
    while queue:
        pid = queue.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        queue.extend(int(c) for c in children)
    return total


def wait_all_active(stack, ids: list[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    status: dict[str, str] = {}
    while time.monotonic() < deadline:
        listed = api(stack, "GET", "servers/detail").json()["servers"]
        status = {s["id"]: s["status"] for s in listed if s["id"] in set(ids)}
        if all(status.get(i) in ("ACTIVE", "ERROR") for i in ids):
            break
        time.sleep(1.0)
    return status


PAD_SCRIPT = """
from cyclades.compute.models import Server, ServerNic, ServerMetadata, Flavor
from cyclades.backends.models import Backend
flavor = Flavor.objects.get(public_id="{flavor}")
backend = Backend.objects.first()
owner = "{owner}"
have = Server.objects.filter(owner=owner, deleted=False).count()
new = [Server(owner=owner, project=owner, name=f"pad-{{i}}", flavor=flavor,
              image_id="{image}", image={{"id": "{image}"}}, operstate="STARTED",
              backend=backend, instance_created=True) for i in range(max(0, {total} - have))]
Server.objects.bulk_create(new, batch_size=500)
rows = Server.objects.filter(owner=owner, name__startswith="pad-")
ServerNic.objects.bulk_create([ServerNic(server=s, index=0, name=f"nic-{{s.id}}-0",
    network_id="public", mac="aa:00:00:00:00:01", ipv4="10.0.0.9", state="ACTIVE")
    for s in rows], batch_size=500)
ServerMetadata.objects.bulk_create([ServerMetadata(server=s, key="role", value="pad")
    for s in rows], batch_size=500)
print(Server.objects.filter(owner=owner, deleted=False).count())
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--list-total", type=int, default=1000)
    parser.add_argument("--list-requests", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=1200.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-cyclades-"))
    with running_stack(root, vm_limit=args.list_total + args.servers + 10,
                       workers=2) as stack:
        pids = [stack["cyclades_proc"].pid, stack["dispatcher"].pid]
        cpu_before = cpu_seconds(pids)
        dispatcher_before = cpu_seconds(pids[1:])
        started = time.monotonic()
        with ThreadPoolExecutor(args.concurrency) as pool:
            responses = list(pool.map(lambda i: create(stack, name=f"b{i}"),
                                      range(args.servers)))
        submit_seconds = time.monotonic() - started
        codes = [r.status_code for r in responses]
        ids = [r.json()["server"]["id"] for r in responses if r.status_code == 202]
        status = wait_all_active(stack, ids, args.timeout)
        all_active_seconds = time.monotonic() - started
        cpu_used = cpu_seconds(pids) - cpu_before
        dispatcher_used = cpu_seconds(pids[1:]) - dispatcher_before
        active = sum(1 for s in status.values() if s == "ACTIVE")
        print(f"creates: {args.servers} requested with {args.concurrency} in flight; "
              f"202: {codes.count(202)}, other: {len(codes) - codes.count(202)}")
        print(f"  all POSTs answered in {submit_seconds:.1f} s "
              f"({args.servers / submit_seconds:.1f} creates/s)")
        print(f"  {active} ACTIVE, {len(ids) - active} not, after {all_active_seconds:.1f} s "
              f"({active / all_active_seconds:.2f} servers/s end to end)")
        print(f"  Cyclades CPU (gunicorn + dispatcher): {cpu_used:.1f} s, "
              f"{1000 * cpu_used / max(1, len(ids)):.0f} ms per server "
              f"(dispatcher {1000 * dispatcher_used / max(1, len(ids)):.0f} ms)")

        owner = stack["demo"]["user_id"]
        total = manage("cyclades", stack["env"], "shell", "-c", PAD_SCRIPT.format(
            flavor=stack["flavors"]["small"], owner=owner, image=stack["image"],
            total=args.list_total)).strip().splitlines()[-1]
        session = requests.Session()
        url = f"{stack['compute']}/servers/detail"
        headers = {"X-Auth-Token": stack["token"]}
        count = len(session.get(url, headers=headers, timeout=60).json()["servers"])
        timings = []
        for _ in range(args.list_requests):
            t0 = time.perf_counter()
            response = session.get(url, headers=headers, timeout=60)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        p50 = statistics.median(timings)
        p90 = sorted(timings)[int(0.9 * (len(timings) - 1))]
        print(f"GET /servers/detail with {total} servers ({count} returned): "
              f"p50 {p50:.0f} ms, p90 {p90:.0f} ms; p50 / limit {LIST_LIMIT_MS:.0f} ms = "
              f"{p50 / LIST_LIMIT_MS:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
