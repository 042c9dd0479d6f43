#!/usr/bin/env python3
"""Pithos throughput: large-object PUT/GET, and re-upload of an unchanged file by hashmap.

Against any Swift endpoint (--url STORAGE_URL --token TOKEN), or, by default, against
a Pithos it starts itself under gunicorn (filesystem block store, SQLite, test token
validator) in a temporary directory. Prints each figure with the peer it is compared
with, measured in the same run: the machine's single-core SHA-256 rate and plain
local file I/O (write+fsync, read) of the same bytes.

    .venv/bin/python bench/pithos_throughput.py --size-mib 256
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
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


def sha256_rate(data_path: Path, block: int) -> float:
    size = data_path.stat().st_size
    with open(data_path, "rb") as f:
        chunks = [f.read(block) for _ in range(min(16, -(-size // block)))]
    total = sum(len(c) for c in chunks)
    seconds, _ = timed(lambda: [hashlib.sha256(c).digest() for c in chunks])
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


def run(url: str, token: str, data_path: Path, tmp: Path) -> dict:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Storage URL (…/object-store/v1/<account>); "
                        "default: start a local Pithos")
    parser.add_argument("--token", default="tok-bench")
    parser.add_argument("--size-mib", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pithos-bench-") as tmpdir:
        tmp = Path(tmpdir)
        data_path = tmp / "data.bin"
        with open(data_path, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(1 << 20))
        server = None
        url = args.url
        if not url:
            from test_pithos_swift import Server

            (tmp / "state").mkdir()
            server = Server(tmp / "state")
            server.migrate()
            server.start()
            url = server.storage_url("bench")
        try:
            result = run(url, args.token, data_path, tmp)
        finally:
            if server:
                server.stop()
        sha = sha256_rate(data_path, 4 << 20)
        md5_s, _ = timed(lambda: hashlib.md5(data_path.read_bytes()).digest())
        write_rate, read_rate = local_io(data_path, tmp)
    size = result["size_mib"]
    print(f"object size                      {size:.0f} MiB")
    print(f"single-core SHA-256              {sha:8.1f} MiB/s")
    print(f"single-core MD5                  {size / md5_s:8.1f} MiB/s")
    print(f"local file write+fsync / read    {write_rate:8.1f} / {read_rate:.1f} MiB/s")
    print(f"PUT (streamed, MD5+SHA-256)      {result['put_mib_s']:8.1f} MiB/s"
          f"  = {result['put_mib_s'] / sha:.0%} of SHA-256, "
          f"{result['put_mib_s'] / write_rate:.0%} of local write")
    print(f"GET (first / again)              {result['get_mib_s']:8.1f} / "
          f"{result['get_again_mib_s']:.1f} MiB/s  = "
          f"{result['get_again_mib_s'] / read_rate:.0%} of local read")
    print(f"re-upload unchanged by hashmap   {result['reupload_seconds'] * 1000:8.1f} ms "
          f"(HTTP {result['reupload_status']}) = "
          f"{result['put_seconds'] / result['reupload_seconds']:.0f}x faster than the full PUT")
    total = result["reupload_seconds"] + result["client_hash_seconds"]
    print(f"  including client-side hashing  {total * 1000:8.1f} ms = "
          f"{result['put_seconds'] / total:.1f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
