#!/usr/bin/env python3
"""Time `snf-deploy up` until every process answers /healthz, on embedded defaults.

Three cases, each repeated: a fresh state directory; a second `up` while the cloud
runs (must be a cheap no-op); `up` after `down` on an existing state directory (a
restart). Prints the median of each and its ratio to the 15 s target.

    .venv/bin/python bench/deploy_up.py [--runs 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 15.0


def free_base() -> int:
    for _ in range(200):
        base = random.randrange(20000, 32700)
        ok = True
        for port in range(base, base + 5):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise SystemExit("no free ports")


CPU: list[float] = []  # CPU seconds of each measured `up`, same order as the wall times


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def daemons_cpu(state: Path) -> float:
    """CPU seconds of every process of the cloud (each group: leader and workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    leaders = {int(p.read_text()) for p in (state / "run").glob("*.pid")}
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in leaders:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def deploy(*args: str) -> float:
    state = Path(args[args.index("--state-dir") + 1])
    before = children_cpu() + (daemons_cpu(state) if (state / "run").exists() else 0.0)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "snf_deploy.cli", *args],
                            capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"snf-deploy {args[0]} failed:\n{result.stderr}")
    if args[0] == "up":
        CPU.append(children_cpu() + daemons_cpu(state) - before)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    fresh, again, restart = [], [], []
    load_before = os.getloadavg()[0]
    for _ in range(args.runs):
        workdir = Path(tempfile.mkdtemp(prefix="snf-bench-deploy-"))
        state = str(workdir / "var")
        common = ["--state-dir", state]
        try:
            fresh.append(deploy("up", *common, "--port-base", str(free_base()),
                                "--workers", str(args.workers)))
            again.append(deploy("up", *common, "--workers", str(args.workers)))
            deploy("down", *common)
            restart.append(deploy("up", *common, "--workers", str(args.workers)))
        finally:
            subprocess.run([sys.executable, "-m", "snf_deploy.cli", "down", *common],
                           capture_output=True, timeout=120)
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"snf-deploy up, embedded defaults, {args.workers} gunicorn workers per API, "
          f"median of {args.runs}; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs:")
    cpu = {"fresh": CPU[0::3], "again": CPU[1::3], "restart": CPU[2::3]}
    for key, label, values in (("fresh", "fresh state dir", fresh),
                               ("again", "second up while running", again),
                               ("restart", "up after down (existing state)", restart)):
        median = statistics.median(values)
        print(f"  {label:<32} {median:6.2f} s wall, {statistics.median(cpu[key]):5.1f} CPU-s  "
              f"({median / TARGET_SECONDS:.2f} x the {TARGET_SECONDS:.0f} s target; "
              f"runs: {', '.join(f'{v:.2f}' for v in values)})")
    worst = max(statistics.median(v) for v in (fresh, again, restart))
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
