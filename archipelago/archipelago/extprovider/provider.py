"""The ExtStorage verbs, each reading Ganeti's environment.

Configuration (Ganeti runs providers with a clean environment, so a node sets
these in /etc/archipelago/ or in the one-line scripts):
    ARCHIPELAGO_BLOCKSTORE (or SNF_ARCHIPELAGO_BLOCKSTORE)  block store spec, as vlmc;
        default /etc/archipelago/blockstore.json
    ARCHIPELAGO_RUN_DIR (or SNF_ARCHIPELAGO_RUN_DIR)  NBD sockets and state;
        default /run/archipelago
    ARCHIPELAGO_NBD_MODE (or SNF_ARCHIPELAGO_NBD_MODE)  auto | kernel | userspace
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence

from archipelago import mapper
from archipelago.blockstore import BlockStore, BlockStoreError, open_blockstore
from archipelago.blockstore.config import parse_blockstore_spec
from archipelago.extprovider import attach as attaching
from archipelago.extprovider.origin import check_origin, create_volume, parse_origin
from archipelago.mapper import VolumeError

DEFAULT_CONFIG_FILE = "/etc/archipelago/blockstore.json"
DEFAULT_RUN_DIR = "/run/archipelago"
INFO_PREFIX = "extstorage-info/"  # setinfo's metadata, one small map per volume
MIB = 1024 * 1024


def _setting(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name) or env.get("SNF_" + name) or default


def store_spec(env: Mapping[str, str]) -> str:
    spec = _setting(env, "ARCHIPELAGO_BLOCKSTORE")
    if spec:
        return spec
    if os.path.exists(DEFAULT_CONFIG_FILE):
        return "@" + DEFAULT_CONFIG_FILE
    raise BlockStoreError("no block store: set ARCHIPELAGO_BLOCKSTORE or write "
                          f"{DEFAULT_CONFIG_FILE}")


def run_dir(env: Mapping[str, str]) -> str:
    return _setting(env, "ARCHIPELAGO_RUN_DIR", DEFAULT_RUN_DIR)


def _need(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise VolumeError(f"{name} is not set")
    return value


def _mib(env: Mapping[str, str], name: str) -> int:
    text = _need(env, name)
    if not text.isdigit():
        raise VolumeError(f"{name}={text!r} is not a size in MiB")
    return int(text) * MIB


def _origin(env: Mapping[str, str]):
    return parse_origin(env.get("EXTP_ORIGIN"), env.get("EXTP_ORIGIN_SIZE"))


def do_create(store: BlockStore, env: Mapping[str, str]) -> None:
    create_volume(store, _need(env, "VOL_NAME"), _mib(env, "VOL_SIZE"), _origin(env))


def do_attach(store: BlockStore, env: Mapping[str, str]) -> None:
    name = _need(env, "VOL_NAME")
    mapper.load(store, name)  # fail here, not inside the server, when it does not exist
    state = attaching.attach(store_spec(env), run_dir(env), name,
                             _setting(env, "ARCHIPELAGO_NBD_MODE", "auto"))
    sys.stdout.write("\n".join(state.lines()) + "\n")


def do_detach(store: BlockStore, env: Mapping[str, str]) -> None:
    attaching.detach(run_dir(env), _need(env, "VOL_NAME"))


def do_remove(store: BlockStore, env: Mapping[str, str]) -> None:
    name = _need(env, "VOL_NAME")
    if attaching.current(run_dir(env), name) is not None:
        raise VolumeError(f"{name} is still attached; detach it first")
    if mapper.exists(store, name):
        mapper.remove(store, name)  # blocks stay: they may be shared (see archipelago.gc)
    store.delete_map(INFO_PREFIX + name)


def do_grow(store: BlockStore, env: Mapping[str, str]) -> None:
    mapper.resize(store, _need(env, "VOL_NAME"), _mib(env, "VOL_NEW_SIZE"))


def _flush_server(env: Mapping[str, str], name: str) -> None:
    """Make an attached volume's buffered writes part of the stored map."""
    state = attaching.current(run_dir(env), name)
    if state is not None:
        from archipelago.nbd import NbdClient

        with NbdClient(state.socket, name) as client:
            client.flush()


def do_snapshot(store: BlockStore, env: Mapping[str, str]) -> None:
    name = _need(env, "VOL_NAME")
    _flush_server(env, name)
    mapper.snapshot(store, name, _need(env, "VOL_SNAPSHOT_NAME"))


def do_setinfo(store: BlockStore, env: Mapping[str, str]) -> None:
    name = _need(env, "VOL_NAME")
    mapper.load(store, name)
    store.put_map(INFO_PREFIX + name, json.dumps({"metadata": env.get("VOL_METADATA", "")}).encode())


def do_verify(store: BlockStore, env: Mapping[str, str]) -> None:
    check_origin(store, _origin(env))


def volume_metadata(store: BlockStore, name: str) -> str:
    try:
        return json.loads(store.get_map(INFO_PREFIX + name)).get("metadata", "")
    except BlockStoreError:
        return ""


VERBS: dict[str, Callable[[BlockStore, Mapping[str, str]], None]] = {
    "create": do_create, "attach": do_attach, "detach": do_detach, "remove": do_remove,
    "grow": do_grow, "snapshot": do_snapshot, "setinfo": do_setinfo, "verify": do_verify,
}


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    if not argv or argv[0] not in VERBS or argv[0] in ("-h", "--help"):
        print(f"usage: python3 -m archipelago.extprovider {{{','.join(VERBS)}}} "
              "(input in Ganeti's VOL_* and EXTP_* variables)", file=sys.stderr)
        return 2
    verb = argv[0]
    try:
        if verb == "detach":  # needs no store: a sick cluster must not keep a volume mapped
            attaching.detach(run_dir(env), _need(env, "VOL_NAME"))
            return 0
        with open_blockstore(parse_blockstore_spec(store_spec(env))) as store:
            VERBS[verb](store, env)
    except (VolumeError, BlockStoreError, OSError, ValueError) as exc:
        print(f"archipelago {verb} {env.get('VOL_NAME', '')}: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    return 0
