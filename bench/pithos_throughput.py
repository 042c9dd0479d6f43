#!/usr/bin/env python3
"""Pithos throughput: large-object PUT/GET, and re-upload of an unchanged file by hashmap.

Against any Swift endpoint (--url STORAGE_URL --token TOKEN), or, by default, against
a Pithos it starts itself under gunicorn (filesystem block store, SQLite, test token
validator) in a temporary directory. Prints each figure with the peer it is compared
with, measured in the same run: the machine's single-core SHA-256 and MD5 rates and
plain local file I/O (write+fsync, read) of the same bytes.

With --swift-python PY (a Python that has OpenStack Swift installed, e.g. a separate
virtualenv made with `pip install swift`), the same client also runs against a
one-node Swift it starts in the temporary directory (proxy, account, container and
object servers on loopback, replica count 1, no auth middleware, fsync as shipped),
so both figures come from the same run:

    python3 -m venv /tmp/swiftvenv && /tmp/swiftvenv/bin/pip install swift
    .venv/bin/python bench/pithos_throughput.py --size-mib 256 --rounds 5 \
        --swift-python /tmp/swiftvenv/bin/python

Pithos runs under gunicorn as snf-deploy starts it (gthread, 2 workers x 4 threads;
--gunicorn-args to change). With --rounds N, each round writes a fresh random file
and runs Pithos then Swift on it (so both see the same machine load), and the
figures printed are medians over the rounds, each round's PUT rates listed too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/integration"))


def mib_s(nbytes: int, seconds: float) -> float:
    return nbytes / (1024 * 1024) / seconds


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def digest_rate(data_path: Path, block: int, algorithm: str = "sha256") -> float:
    """One core hashing blocks already in memory (MD5 as one running digest, as for ETags)."""
    size = data_path.stat().st_size
    with open(data_path, "rb") as f:
        chunks = [f.read(block) for _ in range(min(16, -(-size // block)))]
    total = sum(len(c) for c in chunks)
    if algorithm == "md5":
        digest = hashlib.md5(usedforsecurity=False)
        seconds, _ = timed(lambda: [digest.update(c) for c in chunks])
    else:
        seconds, _ = timed(lambda: [hashlib.new(algorithm, c).digest() for c in chunks])
    return mib_s(total, seconds)


def local_io(data_path: Path, tmp: Path) -> tuple[float, float]:
    size = data_path.stat().st_size
    target = tmp / "copy.bin"

    def write() -> None:
        with open(data_path, "rb") as src, open(target, "wb") as dst:
            while chunk := src.read(4 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())

    def read() -> None:
        with open(target, "rb") as f:
            while f.read(4 << 20):
                pass

    w, _ = timed(write)
    r, _ = timed(read)
    target.unlink()
    return mib_s(size, w), mib_s(size, r)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Swift reads /etc/swift/swift.conf at import time; point it at ours first.
SWIFT_LAUNCHER = """
import sys
import swift.common.utils as utils
utils.SWIFT_CONF_FILE = sys.argv[1]
from swift.common import constraints, storage_policy
constraints.reload_constraints()
storage_policy.reload_storage_policies()
from swift.common.wsgi import run_wsgi
sys.exit(run_wsgi(sys.argv[2], sys.argv[3]))
"""

SWIFT_SERVER_CONF = """[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = {workers}
swift_dir = {etc}
devices = {devices}
mount_check = false
log_level = WARNING
user = {user}

[pipeline:main]
pipeline = {pipeline}

[app:{kind}-server]
use = egg:swift#{kind}
{extra}
"""


class SwiftAIO:
    """A one-node OpenStack Swift (one device, one replica) in `root`, started with `python`."""

    def __init__(self, python: str, root: Path) -> None:
        self.python, self.root = python, root
        self.etc, self.devices = root / "etc", root / "srv"
        self.procs: list[subprocess.Popen] = []
        self.ports = {kind: free_port() for kind in ("proxy", "account", "container", "object")}
        self.url = f"http://127.0.0.1:{self.ports['proxy']}/v1/AUTH_bench"

    def setup(self) -> None:
        (self.devices / "sdb1").mkdir(parents=True)
        self.etc.mkdir(parents=True)
        (self.etc / "swift.conf").write_text(
            "[swift-hash]\nswift_hash_path_suffix = bench\nswift_hash_path_prefix = bench\n"
            "[storage-policy:0]\nname = gold\ndefault = yes\n")
        builder = str(Path(self.python).with_name("swift-ring-builder"))
        for kind in ("account", "container", "object"):
            ring = str(self.etc / f"{kind}.builder")
            for args in (["create", "6", "1", "1"],
                         ["add", f"r1z1-127.0.0.1:{self.ports[kind]}/sdb1", "100"],
                         ["rebalance"]):
                # rebalance exits 1 with a warning on a one-device ring; the ring is written
                subprocess.run([builder, ring, *args], capture_output=True, timeout=60)
            assert (self.etc / f"{kind}.ring.gz").exists(), f"no {kind} ring"
        for kind in self.ports:
            pipeline = ("catch_errors proxy-logging proxy-server" if kind == "proxy"
                        else f"{kind}-server")
            extra = "account_autocreate = true" if kind == "proxy" else ""
            if kind == "proxy":
                extra += ("\n\n[filter:catch_errors]\nuse = egg:swift#catch_errors\n"
                          "\n[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n")
            (self.etc / f"{kind}-server.conf").write_text(SWIFT_SERVER_CONF.format(
                port=self.ports[kind], workers=2 if kind in ("proxy", "object") else 1,
                etc=self.etc, devices=self.devices, pipeline=pipeline, kind=kind, extra=extra,
                user=pwd.getpwuid(os.getuid()).pw_name))

    def start(self) -> None:
        self.setup()
        log = open(self.root / "swift.log", "a")
        for kind in ("account", "container", "object", "proxy"):
            self.procs.append(subprocess.Popen(
                [self.python, "-c", SWIFT_LAUNCHER, str(self.etc / "swift.conf"),
                 str(self.etc / f"{kind}-server.conf"), f"{kind}-server"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.ports['proxy']}/info",
                                timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError("swift did not start: " + (self.root / "swift.log").read_text()[-3000:])

    def stop(self) -> None:
        import signal

        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def run(url: str, token: str, data_path: Path, tmp: Path, *, pithos: bool = True) -> dict:
    from snf_common import hashing

    size = data_path.stat().st_size
    auth = {"X-Auth-Token": token}
    session = requests.Session()
    session.put(f"{url}/bench", headers=auth).raise_for_status()
    head = session.head(f"{url}/bench", headers=auth).headers
    block = int(head.get("X-Container-Block-Size", 4 << 20))

    def put() -> None:
        with open(data_path, "rb") as f:
            session.put(f"{url}/bench/big", data=f, headers=auth).raise_for_status()

    def get() -> None:
        with session.get(f"{url}/bench/big", headers=auth, stream=True) as r:
            r.raise_for_status()
            for _ in r.iter_content(1 << 20):
                pass

    put_s, _ = timed(put)
    get_s, _ = timed(get)
    get_s2, _ = timed(get)
    if not pithos:
        return {"size_mib": size / (1 << 20), "put_mib_s": mib_s(size, put_s),
                "get_mib_s": mib_s(size, get_s), "get_again_mib_s": mib_s(size, get_s2)}

    def client_hash() -> tuple[int, list[str]]:
        with open(data_path, "rb") as f:
            return hashing.hashmap_of_stream(f, block)

    hash_s, (hsize, hashes) = timed(client_hash)
    body = json.dumps({"bytes": hsize, "hashes": hashes})

    def reupload() -> int:
        r = session.put(f"{url}/bench/big?hashmap&format=json", data=body, headers=auth)
        return r.status_code

    reup_s, status = timed(reupload)
    return {"size_mib": size / (1 << 20), "put_mib_s": mib_s(size, put_s),
            "get_mib_s": mib_s(size, get_s), "get_again_mib_s": mib_s(size, get_s2),
            "put_seconds": put_s, "reupload_status": status, "reupload_seconds": reup_s,
            "client_hash_seconds": hash_s}


def write_random(path: Path, size_mib: int) -> None:
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1 << 20))


def medians(results: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in results) for key in results[0]
            if isinstance(results[0][key], (int, float))}


def put_rates(results: list[dict]) -> str:
    return ", ".join(f"{r['put_mib_s']:.0f}" for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Storage URL (…/object-store/v1/<account>); "
                        "default: start a local Pithos")
    parser.add_argument("--token", default="tok-bench")
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=1,
                        help="fresh data and Pithos-then-Swift per round; medians printed")
    parser.add_argument("--gunicorn-args", default="-k gthread -w 2 --threads 4",
                        help="worker settings of the local Pithos (snf-deploy's by default)")
    parser.add_argument("--code", help="run the local Pithos from this checkout's pithos, "
                        "archipelago and snf-common folders (before/after comparisons)")
    parser.add_argument("--swift-python", help="A Python with OpenStack Swift installed: "
                        "also measure a one-node Swift started with it")
    args = parser.parse_args()
    results: list[dict] = []
    swift_results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="pithos-bench-") as tmpdir:
        tmp = Path(tmpdir)
        data_path = tmp / "data.bin"
        server = swift = None
        url = args.url
        try:
            if not url:
                from test_pithos_swift import Server

                (tmp / "state").mkdir()
                server = Server(tmp / "state", tuple(shlex.split(args.gunicorn_args)))
                if args.code:
                    code = Path(args.code).resolve()
                    server.env["PYTHONPATH"] = os.pathsep.join(
                        [str(code / d) for d in ("pithos", "archipelago", "snf-common")]
                        + [server.env["PYTHONPATH"]])
                server.migrate()
                server.start()
                url = server.storage_url("bench")
            if args.swift_python:
                swift = SwiftAIO(args.swift_python, tmp / "swift")
                swift.start()
            for round_no in range(max(1, args.rounds)):
                write_random(data_path, args.size_mib)
                results.append(run(url, args.token, data_path, tmp))
                line = f"round {round_no + 1}: Pithos PUT {results[-1]['put_mib_s']:.0f}"
                if swift:
                    swift_results.append(run(swift.url, args.token, data_path, tmp,
                                             pithos=False))
                    line += f", Swift PUT {swift_results[-1]['put_mib_s']:.0f}"
                print(line + f" MiB/s (load {os.getloadavg()[0]:.1f})", flush=True)
        finally:
            if server:
                server.stop()
            if swift:
                swift.stop()
        sha = digest_rate(data_path, 4 << 20)
        md5 = digest_rate(data_path, 4 << 20, "md5")
        write_rate, read_rate = local_io(data_path, tmp)
    result = medians(results)
    swift_result = medians(swift_results) if swift_results else None
    size = result["size_mib"]
    print(f"object size, rounds              {size:.0f} MiB, {len(results)} "
          f"(figures below: medians)")
    print(f"Pithos gunicorn                  {args.gunicorn_args}")
    print(f"single-core SHA-256              {sha:8.1f} MiB/s")
    print(f"single-core MD5                  {md5:8.1f} MiB/s")
    print(f"local file write+fsync / read    {write_rate:8.1f} / {read_rate:.1f} MiB/s")
    print(f"PUT (streamed, MD5+SHA-256)      {result['put_mib_s']:8.1f} MiB/s"
          f"  = {result['put_mib_s'] / sha:.0%} of SHA-256, "
          f"{result['put_mib_s'] / md5:.0%} of MD5, "
          f"{result['put_mib_s'] / write_rate:.0%} of local write"
          f"  (rounds: {put_rates(results)})")
    print(f"GET (first / again)              {result['get_mib_s']:8.1f} / "
          f"{result['get_again_mib_s']:.1f} MiB/s  = "
          f"{result['get_again_mib_s'] / read_rate:.0%} of local read")
    print(f"re-upload unchanged by hashmap   {result['reupload_seconds'] * 1000:8.1f} ms "
          f"(HTTP {results[-1]['reupload_status']}) = "
          f"{result['put_seconds'] / result['reupload_seconds']:.0f}x faster than the full PUT")
    total = result["reupload_seconds"] + result["client_hash_seconds"]
    print(f"  including client-side hashing  {total * 1000:8.1f} ms = "
          f"{result['put_seconds'] / total:.1f}x faster")
    if swift_result:
        print(f"OpenStack Swift PUT              {swift_result['put_mib_s']:8.1f} MiB/s"
              f"  (Pithos/Swift {result['put_mib_s'] / swift_result['put_mib_s']:.2f};"
              f" rounds: {put_rates(swift_results)})")
        print(f"OpenStack Swift GET (first/again){swift_result['get_mib_s']:8.1f} / "
              f"{swift_result['get_again_mib_s']:.1f} MiB/s  (Pithos/Swift again "
              f"{result['get_again_mib_s'] / swift_result['get_again_mib_s']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
