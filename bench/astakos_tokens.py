#!/usr/bin/env python3
"""Token validation throughput of Astakos vs a no-op view, on the same gunicorn.

Starts Astakos under gunicorn in a temporary state directory (SQLite unless
--database-url is given), creates a user, then for each target runs the same
closed-loop load (N client threads with keep-alive sessions, D seconds):

  validate: GET /identity/v3/auth/tokens  (X-Auth-Token + X-Subject-Token, ?nocatalog;
            after the first request, served by Astakos' per-process token cache)
  validate+catalog: the same with the catalog in the answer
  noop:     GET /identity/v3               (the version document: no DB, no auth)

and prints requests per second and the ratio validate/noop.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load(url: str, headers: dict[str, str], *, threads: int, seconds: float) -> float:
    """Requests per second over `seconds` with `threads` closed-loop clients."""
    counts = [0] * threads
    errors = [0] * threads
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            response = session.get(url, headers=headers, timeout=10)
            if response.status_code == 200:
                counts[i] += 1
            else:
                errors[i] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 30)
    elapsed = time.monotonic() - started
    if sum(errors):
        raise SystemExit(f"{url}: {sum(errors)} non-200 answers")
    return sum(counts) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="per target, all rounds")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds per target")
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="gunicorn threads")
    parser.add_argument("--database-url", default="", help="e.g. postgresql://postgres@127.0.0.1/db")
    parser.add_argument("--token-cache-seconds", type=float, default=None,
                        help="ASTAKOS_TOKEN_CACHE_SECONDS for the server (default: Astakos' "
                             "own, 3; 0 = every validation queries the database)")
    args = parser.parse_args()

    state = tempfile.mkdtemp(prefix="astakos-bench-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SNF_STATE_DIR=state, SNF_LOG_LEVEL="WARNING",
               SNF_ASTAKOS_BASE_URL=base, DJANGO_SETTINGS_MODULE="astakos.project.settings")
    if args.database_url:
        env["SNF_ASTAKOS_DATABASE_URL"] = args.database_url
    if args.token_cache_seconds is not None:
        env["SNF_ASTAKOS_TOKEN_CACHE_SECONDS"] = str(args.token_cache_seconds)
    manage = str(BIN / "astakos-manage")
    subprocess.run([manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    demo = json.loads(subprocess.run(
        [manage, "bootstrap-demo", "--username", "bench", "--password", "bench-pw", "-o", "json"],
        env=env, check=True, cwd=ROOT, capture_output=True, text=True).stdout)
    log = open(Path(state) / "gunicorn.log", "w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "astakos.project.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "-k", "gthread", "--threads", str(args.worker_threads)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("astakos did not start; see " + str(Path(state) / "gunicorn.log"))
            time.sleep(0.2)
        token = demo["token"]
        auth = {"X-Auth-Token": token, "X-Subject-Token": token}
        targets = [("noop", f"{base}/identity/v3", {}),
                   ("validate", f"{base}/identity/v3/auth/tokens?nocatalog", auth),
                   ("validate+catalog", f"{base}/identity/v3/auth/tokens", auth)]
        for _, url, headers in targets:  # warm up connections, caches, imports
            load(url, headers, threads=args.threads, seconds=1.0)
        # Interleaved rounds, median per target: a shared machine's load drifts.
        samples: dict[str, list[float]] = {name: [] for name, _, _ in targets}
        for _ in range(args.rounds):
            for name, url, headers in targets:
                samples[name].append(load(url, headers, threads=args.threads,
                                          seconds=args.seconds / args.rounds))
        rates = {name: statistics.median(values) for name, values in samples.items()}
        for name, rate in rates.items():
            spread = ", ".join(f"{v:.0f}" for v in samples[name])
            print(f"{name:18s} {rate:8.0f} req/s  (rounds: {spread})")
        print(f"ratio validate/noop          {rates['validate'] / rates['noop']:.2f}")
        print(f"ratio validate+catalog/noop  {rates['validate+catalog'] / rates['noop']:.2f}")
        print(f"(gunicorn -w {args.workers} --threads {args.worker_threads}, "
              f"{args.threads} client threads, {args.seconds:.0f}s per target in "
              f"{args.rounds} interleaved rounds, "
              f"{'PostgreSQL' if args.database_url else 'SQLite'}, token cache "
              f"{env.get('SNF_ASTAKOS_TOKEN_CACHE_SECONDS', 'default (3)')} s)")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
