#!/usr/bin/env python3
"""kamaki vs swift on the same Pithos: upload/download MB/s, unchanged re-upload, memory.

Usage (against a running `snf-deploy up`):
    .venv/bin/python bench/kamaki_upload.py --state-dir var [--size-mib 1024] [--memory-gib 2]

Both clients run as subprocesses on the same file. The object-store URL comes from the
catalog, or from --object-store-url (`{user_id}` is filled in) when the catalog lacks it.
Each round uploads a new object with both, re-uploads it unchanged, and downloads it;
medians over --rounds are reported with the ratios (swift time / kamaki time).
Prints one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
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


def compile_sources() -> None:
    """As an installed kamaki would be: byte-compiled (with PYTHONDONTWRITEBYTECODE set,
    an editable checkout is otherwise compiled again at every command's start)."""
    import compileall

    for init in sorted(ROOT.glob("*/*/__init__.py")):
        compileall.compile_dir(init.parent, quiet=1, workers=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--memory-gib", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3,
                        help="Rounds of the six transfers; medians are reported.")
    parser.add_argument("--object-store-url")
    args = parser.parse_args()

    compile_sources()
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
        for container in ("bench-kamaki", "bench-swift"):
            store.create_container(container)
        figures: dict[str, list[float]] = {key: [] for key in (
            "up_k", "up_s", "re_k", "re_s", "down_k", "down_s")}
        for round_no in range(args.rounds):
            name = f"data-{round_no}.bin"       # new random content, a new object
            make_file(data, size)
            figures["up_k"].append(timed(kamaki + ["file", "upload", "-f", str(data),
                                                   f"bench-kamaki/{name}"], env))
            # swift's upload sends the bytes again even though Pithos has the blocks.
            figures["up_s"].append(timed(swift + ["upload", "--object-name", name,
                                                  "bench-swift", str(data)], env))
            figures["re_k"].append(timed(kamaki + ["file", "upload", "--sync", str(data),
                                                   f"bench-kamaki/{name}"], env))
            figures["re_s"].append(timed(swift + ["upload", "--object-name", name,
                                                  "bench-swift", str(data)], env))
            figures["down_k"].append(timed(kamaki + ["file", "download", "-f",
                                                     f"bench-kamaki/{name}",
                                                     str(work / "k.out")], env))
            figures["down_s"].append(timed(swift + ["download", "bench-swift", name, "-o",
                                                    str(work / "s.out")], env))
            for path in (work / "k.out", work / "s.out"):
                path.unlink(missing_ok=True)
        med = {key: statistics.median(values) for key, values in figures.items()}
        results.update({
            "rounds": args.rounds,
            "kamaki_upload_MBps": round(mb / med["up_k"], 1),
            "swift_upload_MBps": round(mb / med["up_s"], 1),
            "kamaki_download_MBps": round(mb / med["down_k"], 1),
            "swift_download_MBps": round(mb / med["down_s"], 1),
            "kamaki_unchanged_reupload_s": round(med["re_k"], 3),
            "swift_unchanged_reupload_s": round(med["re_s"], 2),
            "upload_ratio": round(med["up_s"] / med["up_k"], 2),
            "download_ratio": round(med["down_s"] / med["down_k"], 2),
            "reupload_ratio": round(med["re_s"] / med["re_k"], 1),
            "per_round_seconds": {key: [round(v, 3) for v in values]
                                  for key, values in figures.items()}})
        data.unlink()
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
