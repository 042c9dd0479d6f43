#!/usr/bin/env python3
"""Block store throughput: 4 MiB blocks through the filesystem (and RADOS) drivers.

Compares, in the same run, with the machine's single-core SHA-256 rate (every
put hashes its block) and with plain sequential file write/read of the same
bytes. Reads come from a warm page cache on the filesystem side.

    .venv/bin/python bench/blockstore.py [--mib 256] [--repeat 3] [--dir /var/tmp] [--start-ceph]
        [--rados-conf /etc/ceph/ceph.conf --rados-pool POOL]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "archipelago"))
sys.path.insert(0, str(ROOT / "snf-common"))

from archipelago.blockstore import open_blockstore  # noqa: E402

BLOCK = 4 * 1024 * 1024
BATCH = 16


def rate(nbytes: int, seconds: float) -> float:
    return nbytes / (1 << 20) / seconds


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def sha256_rate(blocks: list[bytes]) -> float:
    def run() -> None:
        for b in blocks:
            hashlib.sha256(b).digest()
    return rate(len(blocks) * BLOCK, timed(run))


def plain_file(blocks: list[bytes], directory: str, fsync: bool) -> tuple[float, float]:
    path = os.path.join(directory, f"plain-{uuid.uuid4().hex}")

    def write() -> None:
        with open(path, "wb") as f:
            for b in blocks:
                f.write(b)
            f.flush()
            if fsync:
                os.fsync(f.fileno())

    def read() -> None:
        with open(path, "rb") as f:
            while f.read(BLOCK):
                pass

    w = timed(write)
    r = timed(read)
    os.unlink(path)
    n = len(blocks) * BLOCK
    return rate(n, w), rate(n, r)


def store_rates(config: dict, blocks: list[bytes], repeat: int) -> tuple[float, float]:
    """Median write and read rates over `repeat` runs (the first run also warms caches)."""
    runs = sorted((store_rates_once(config, blocks) for _ in range(repeat)), key=lambda wr: wr[0])
    reads = sorted(r for _, r in runs)
    return runs[len(runs) // 2][0], reads[len(reads) // 2]


def store_rates_once(config: dict, blocks: list[bytes]) -> tuple[float, float]:
    with open_blockstore(config) as store:
        names: list[str] = []

        def write() -> None:
            for i in range(0, len(blocks), BATCH):
                names.extend(store.put_blocks(blocks[i:i + BATCH]))

        def read() -> None:
            for i in range(0, len(names), BATCH):
                store.get_blocks(names[i:i + BATCH])

        w = timed(write)
        r = timed(read)
        for name in names:
            store.delete_block(name)
    n = len(blocks) * BLOCK
    return rate(n, w), rate(n, r)


def start_ceph(directory: str) -> str:
    proc = subprocess.run(["bash", str(ROOT / "deploy/ceph/start-test-cluster.sh"), directory,
                           "bench"], capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, SNF_CEPH_MEMSTORE_BYTES=str(4 << 30)))
    if proc.returncode:
        raise SystemExit(f"ceph did not start: {proc.stderr}")
    return proc.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="data per run (MiB, multiple of 4)")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where files go")
    parser.add_argument("--repeat", type=int, default=3, help="runs per store (median)")
    parser.add_argument("--rados-conf")
    parser.add_argument("--rados-pool", default="bench")
    parser.add_argument("--start-ceph", action="store_true", help="start a memstore test cluster")
    args = parser.parse_args()

    count = max(1, args.mib // 4)
    blocks = [os.urandom(BLOCK) for _ in range(count)]
    total = count * BLOCK
    print(f"{count} blocks of 4 MiB ({total >> 20} MiB), {os.cpu_count()} CPUs, dir {args.dir}")

    sha = sha256_rate(blocks)
    plain_w, plain_r = plain_file(blocks, args.dir, fsync=True)
    nosync_w, nosync_r = plain_file(blocks, args.dir, fsync=False)
    rows = [("sha256, one core", sha, None), ("plain file (one fsync)", plain_w, plain_r),
            ("plain file (no fsync)", nosync_w, nosync_r)]

    work = tempfile.mkdtemp(prefix="bench-blockstore-", dir=args.dir)
    ceph_dir = None
    try:
        for label, fsync in (("filesystem store, fsync per block", True),
                             ("filesystem store, no fsync", False)):
            config = {"BACKEND": "archipelago.blockstore.filesystem.FilesystemBlockStore",
                      "OPTIONS": {"path": os.path.join(work, label.split(",")[1].strip()),
                                  "fsync": fsync}}
            w, r = store_rates(config, blocks, args.repeat)
            rows.append((label, w, r))
        conf = args.rados_conf
        if args.start_ceph and not conf:
            ceph_dir = tempfile.mkdtemp(prefix="bench-ceph-")
            conf = start_ceph(ceph_dir)
        if conf:
            config = {"BACKEND": "archipelago.blockstore.rados.RadosBlockStore",
                      "OPTIONS": {"pool": args.rados_pool, "conffile": conf,
                                  "block_namespace": f"bench-{uuid.uuid4().hex[:8]}",
                                  "map_namespace": "bench-maps"}}
            w, r = store_rates(config, blocks, args.repeat)
            rows.append(("rados store (memstore OSD)" if ceph_dir else "rados store", w, r))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if ceph_dir:
            subprocess.run(["bash", str(ROOT / "deploy/ceph/stop-test-cluster.sh"), ceph_dir,
                            "--purge"], timeout=60)

    print(f"| {'path':36} | write MiB/s | read MiB/s | write / sha256 | write / plain |")
    print(f"|{'-' * 38}|-------------|------------|----------------|---------------|")
    for label, w, r in rows:
        read = f"{r:10.0f}" if r is not None else f"{'':10}"
        print(f"| {label:36} | {w:11.0f} | {read} | {w / sha:14.2f} | {w / plain_w:13.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
