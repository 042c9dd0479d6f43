#!/usr/bin/env python3
"""kamaki vs swift on the same Pithos: upload/download MB/s, unchanged re-upload, memory.

Usage (against a running `snf-deploy up`):
    .venv/bin/python bench/kamaki_upload.py --state-dir var [--size-mib 1024] [--memory-gib 2]

Both clients run as subprocesses on the same file. The object-store URL comes from the
catalog, or from --object-store-url (`{user_id}` is filled in) when the catalog lacks it.
Prints one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "kamaki"))
sys.path.insert(0, str(ROOT / "snf-common"))

from kamaki.config import Config  # noqa: E402
from kamaki.session import Session  # noqa: E402


def make_file(path: Path, size: int) -> None:
    chunk = 8 * 1024 * 1024
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(chunk, left)
            out.write(os.urandom(n))
            left -= n


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - started
    if os.environ.get("BENCH_VERBOSE"):
        print(f"{elapsed:7.2f}s {' '.join(cmd[-4:])}: {proc.stdout.strip()[:200]}",
              file=sys.stderr)
    return elapsed


def max_rss_kib(cmd: list[str], env: dict[str, str]) -> int:
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--memory-gib", type=float, default=2.0)
    parser.add_argument("--object-store-url")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kamaki-bench-"))
    config = work / "kamakirc"
    shutil.copy(args.state_dir / "kamakirc", config)
    cfg = Config(config)
    name, settings = cfg.cloud()
    if args.object_store_url:
        cfg.set_cloud(name, "object_store_url", args.object_store_url)
        cfg.save()
        settings["object_store_url"] = args.object_store_url
    session = Session(name, settings)
    store = session.object_store()
    env = {**os.environ, "KAMAKI_CONFIG": str(config)}
    kamaki = [str(BIN / "kamaki"), "-N"]
    swift = [str(BIN / "swift"), "--os-storage-url", store.endpoint,
             "--os-auth-token", session.token, "-q"]
    size = args.size_mib * 1024 * 1024
    mb = size / 1e6
    data = work / "data.bin"
    results: dict[str, object] = {"size_mib": args.size_mib}
    try:
        make_file(data, size)
        for container in ("bench-kamaki", "bench-swift"):
            store.create_container(container)
        up_k = timed(kamaki + ["file", "upload", "-f", str(data), "bench-kamaki/data.bin"], env)
        # swift's upload sends the bytes again even though Pithos already has the blocks.
        up_s = timed(swift + ["upload", "--object-name", "data.bin", "bench-swift",
                              str(data)], env)
        re_k = timed(kamaki + ["file", "upload", "--sync", str(data),
                               "bench-kamaki/data.bin"], env)
        re_s = timed(swift + ["upload", "--object-name", "data.bin", "bench-swift",
                              str(data)], env)
        down_k = timed(kamaki + ["file", "download", "-f", "bench-kamaki/data.bin",
                                 str(work / "k.out")], env)
        down_s = timed(swift + ["download", "bench-swift", "data.bin", "-o",
                                str(work / "s.out")], env)
        results.update({
            "kamaki_upload_MBps": round(mb / up_k, 1), "swift_upload_MBps": round(mb / up_s, 1),
            "kamaki_download_MBps": round(mb / down_k, 1),
            "swift_download_MBps": round(mb / down_s, 1),
            "kamaki_unchanged_reupload_s": round(re_k, 2),
            "swift_unchanged_reupload_s": round(re_s, 2)})
        for path in (data, work / "k.out", work / "s.out"):
            path.unlink(missing_ok=True)
        if args.memory_gib > 0:
            big = work / "big.bin"
            make_file(big, int(args.memory_gib * 1024 ** 3))
            rss = max_rss_kib(kamaki + ["file", "upload", "-f", str(big),
                                        "bench-kamaki/big.bin"], env)
            results[f"kamaki_upload_{args.memory_gib:g}GiB_max_rss_MiB"] = round(rss / 1024, 1)
            big.unlink()
            store.delete_object("bench-kamaki", "big.bin")
        for container in ("bench-kamaki", "bench-swift"):
            store.delete_container(container, delimiter="/")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
