#!/usr/bin/env python3
"""Time `snf-deploy up` until every process answers /healthz, on embedded defaults.

Three cases, each repeated: a fresh state directory; a second `up` while the cloud
runs (must be a cheap no-op); `up` after `down` on an existing state directory (a
restart). Prints the median of each and its ratio to the 15 s target.

    .venv/bin/python bench/deploy_up.py [--runs 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import random
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


def deploy(*args: str) -> float:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "snf_deploy.cli", *args],
                            capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"snf-deploy {args[0]} failed:\n{result.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    fresh, again, restart = [], [], []
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
          f"median of {args.runs}:")
    for label, values in (("fresh state dir", fresh), ("second up while running", again),
                          ("up after down (existing state)", restart)):
        median = statistics.median(values)
        print(f"  {label:<32} {median:6.2f} s   ({median / TARGET_SECONDS:.2f} x the "
              f"{TARGET_SECONDS:.0f} s target; runs: {', '.join(f'{v:.2f}' for v in values)})")
    worst = max(statistics.median(v) for v in (fresh, again, restart))
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
