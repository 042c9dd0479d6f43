"""vlmc: manage Archipelago volumes (maps in the block store) from the shell.

The block store is chosen by --store or the ARCHIPELAGO_BLOCKSTORE
environment variable (see archipelago.blockstore.config for the forms).
Sizes are MiB when bare (as Ganeti passes them) or carry a unit: 512K, 10G, 4096B.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence

from archipelago import mapper, volumes
from archipelago.blockstore import BlockStoreError, open_blockstore
from archipelago.blockstore.config import parse_blockstore_spec
from archipelago.mapper import VolumeError
from snf_common import hashing

STORE_ENV = "ARCHIPELAGO_BLOCKSTORE"
DEFAULT_CONFIG_FILE = "/etc/archipelago/blockstore.json"
_UNITS = {"": 1 << 20, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([BKMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 1024, 512M, 10G, 4096B)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def _store_spec(args: argparse.Namespace) -> str:
    spec = args.store or os.environ.get(STORE_ENV)
    if spec:
        return spec
    if os.path.exists(DEFAULT_CONFIG_FILE):
        return "@" + DEFAULT_CONFIG_FILE
    raise BlockStoreError(f"no block store: give --store or set {STORE_ENV}")


def _info(volume: mapper.VolumeMap) -> dict:
    return {"name": volume.name, "size": volume.size, "block_size": volume.block_size,
            "hash": volume.algorithm, "blocks": len(volume.hashes),
            "allocated_blocks": volume.allocated_blocks(), "readonly": volume.readonly,
            "origin": volume.origin, "created": volume.created}


def _print_json(value: object) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def run(args: argparse.Namespace) -> int:
    with open_blockstore(parse_blockstore_spec(_store_spec(args))) as store:
        cmd = args.command
        if cmd == "create":
            mapper.create(store, args.name, args.size, args.block_size)
        elif cmd == "clone":
            if args.hashmap:
                with (sys.stdin if args.hashmap == "-" else open(args.hashmap)) as f:
                    hm = json.load(f)
                mapper.clone_hashmap(store, args.name, hm["hashes"], hm["bytes"],
                                     hm.get("block_size", hashing.BLOCK_SIZE_BYTES),
                                     new_size=args.size, origin=args.origin or args.hashmap)
            elif args.source:
                mapper.clone(store, args.source, args.name, new_size=args.size)
            else:
                raise VolumeError("clone needs a SOURCE volume or --hashmap FILE")
        elif cmd == "snapshot":
            mapper.snapshot(store, args.volume, args.name)
        elif cmd in ("remove", "rm"):
            mapper.remove(store, args.name)
        elif cmd == "resize":
            mapper.resize(store, args.name, args.size)
        elif cmd == "info":
            _print_json(_info(mapper.load(store, args.name)))
        elif cmd in ("list", "ls"):
            for name in sorted(mapper.list_names(store)):
                print(name)
        elif cmd == "hashmap":
            _print_json(mapper.hashmap(store, args.name))
        elif cmd == "export":
            if args.file in (None, "-"):
                volumes.export_volume(store, args.name, sys.stdout.buffer)
            else:
                with open(args.file, "wb") as out:
                    volumes.export_volume(store, args.name, out)
        elif cmd == "gc":
            from archipelago import gc

            referenced = gc.read_referenced(args.referenced) if args.referenced else set()
            report = gc.collect(store, grace_seconds=args.grace, referenced=referenced,
                                dry_run=args.dry_run)
            _print_json(report.as_dict())
        elif cmd == "import":
            if args.file == "-":
                volumes.import_volume(store, args.name, sys.stdin.buffer, args.block_size)
            else:
                with open(args.file, "rb") as src:
                    volumes.import_volume(store, args.name, src, args.block_size)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vlmc", description="Manage Archipelago volumes.")
    parser.add_argument("--store", help=f"block store (default: ${STORE_ENV} or {DEFAULT_CONFIG_FILE})")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("create", help="create an empty (sparse) volume")
    p.add_argument("name")
    p.add_argument("-s", "--size", type=parse_size, required=True)
    p.add_argument("--block-size", type=parse_size, default=hashing.BLOCK_SIZE_BYTES)

    p = sub.add_parser("clone", help="new volume from a volume, snapshot or Pithos hashmap")
    p.add_argument("source", nargs="?", help="volume or snapshot to clone")
    p.add_argument("name")
    p.add_argument("--hashmap", help='JSON file ("-" for stdin): {"bytes": N, "hashes": [...]}')
    p.add_argument("--origin", help="what the hashmap came from (recorded in the map)")
    p.add_argument("-s", "--size", type=parse_size, help="grow the clone to this size")

    p = sub.add_parser("snapshot", help="frozen copy of a volume's map")
    p.add_argument("volume")
    p.add_argument("name")

    for alias in ("remove", "rm"):
        sub.add_parser(alias, help="remove a volume's map").add_argument("name")

    p = sub.add_parser("resize", help="grow a volume")
    p.add_argument("name")
    p.add_argument("size", type=parse_size)

    sub.add_parser("info", help="a volume's map header as JSON").add_argument("name")
    for alias in ("list", "ls"):
        sub.add_parser(alias, help="list volumes")
    sub.add_parser("hashmap", help="a volume as a Pithos hashmap (JSON)").add_argument("name")

    p = sub.add_parser("export", help="write a volume's bytes to a file or stdout")
    p.add_argument("name")
    p.add_argument("file", nargs="?", help='target file (default or "-": stdout)')

    p = sub.add_parser("import", help="create a volume from a raw file")
    p.add_argument("file", help='source file ("-": stdin)')
    p.add_argument("name")
    p.add_argument("--block-size", type=parse_size, default=hashing.BLOCK_SIZE_BYTES)
    p = sub.add_parser("gc", help="delete blocks no map references (after a grace period)")
    p.add_argument("--dry-run", action="store_true", help="report, delete nothing")
    p.add_argument("--grace", type=float, default=86400.0,
                   help="seconds a block stays unreferenced before deletion (default a day)")
    p.add_argument("--referenced", help="file of block names others keep (Pithos), "
                                        'a JSON list or one per line ("-": stdin)')
    return parser


def _gc_refused() -> type[Exception]:
    from archipelago.gc import GcRefused

    return GcRefused


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (VolumeError, BlockStoreError, OSError, ValueError, KeyError, _gc_refused()) as exc:
        kind = type(exc).__name__
        print(f"vlmc: {kind}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, mapper.VolumeNotFound) else 1


if __name__ == "__main__":
    raise SystemExit(main())
