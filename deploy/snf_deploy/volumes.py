"""Bootstrap steps for volumes on Archipelago: one block store for Pithos, Cyclades and
the development cluster, so snapshots and thin clones work out of the box.

Steps:
  phase "before", stage 0  STATE/etc/45-archipelago.conf:
           CYCLADES_ARCHIPELAGO_BLOCKSTORE = the store Pithos writes blocks to
           (STATE/blocks, or PITHOS_BLOCKSTORE when the site sets one); written before
           Cyclades starts, which reads it at start. A site's own value in 50-site.conf wins.
  phase "before", stage 1  `cyclades-manage volume-bootstrap`: volume types `file` and
           `ext_archipelago`, and (with the development cluster) an ext_archipelago flavor;
           once per Cyclades database (recorded in STATE/volumes.json).

The development cluster's ExtStorage provider reads the same store from its
environment (`devcluster_env`): SNF_ARCHIPELAGO_BLOCKSTORE, a run directory for its
NBD servers under STATE/devcluster, and userspace NBD (no root, no nbd module).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from snf_deploy.commands import Command, manage
from snf_deploy.images import blockstore_of_pithos
from snf_deploy.state import read_json, write_json, write_private

if TYPE_CHECKING:
    from snf_deploy.processes import Context
    from snf_deploy.state import Layout

ARCHIPELAGO_CONF = "45-archipelago.conf"
VOLUMES_JSON = "volumes.json"
SOCKET_PATH_MAX = 100   # AF_UNIX paths end at 108 bytes; keep a margin   # which database volume-bootstrap already ran on


def shared_store_spec(ctx: Context) -> str:
    """The store Pithos uses, as a block store spec (JSON covers every driver's options)."""
    return json.dumps(blockstore_of_pithos(ctx), sort_keys=True)


def cyclades_store_spec(ctx: Context) -> str:
    """What Cyclades will use: the site's CYCLADES_ARCHIPELAGO_BLOCKSTORE, else Pithos' store."""
    configured = ctx.settings.get("cyclades", {}).get("CYCLADES_ARCHIPELAGO_BLOCKSTORE") or ""
    return configured or shared_store_spec(ctx)


def write_archipelago_conf(ctx: Context) -> list[Command]:
    text = ("# Written by snf-deploy: the block store Pithos, Cyclades and the nodes share.\n"
            f"CYCLADES_ARCHIPELAGO_BLOCKSTORE = {shared_store_spec(ctx)!r}\n")
    path = ctx.layout.etc / ARCHIPELAGO_CONF
    if not path.exists() or path.read_text() != text:
        write_private(path, text)
    return []


def _bootstrap_key(ctx: Context) -> str:
    """What the types and flavor were made for: this database, with or without a flavor."""
    database = ctx.settings.get("cyclades", {}).get("CYCLADES_DATABASE_URL") or ""
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    return f"{digest}:{'flavor' if ctx.devcluster else 'types'}"


def volume_bootstrap(ctx: Context) -> list[Command]:
    # Done once per database: a later `up` saves a Django start (~0.5 CPU-s), and what an
    # administrator changed or removed since stays as they left it.
    if read_json(ctx.layout.root / VOLUMES_JSON).get("bootstrapped") == _bootstrap_key(ctx):
        return []
    extra = [] if ctx.devcluster else ["--no-flavor"]
    return [Command("cyclades-manage volume-bootstrap",
                    manage("cyclades", "volume-bootstrap", *extra, "-o", "json"))]


def keep_volume_bootstrap(ctx: Context, outputs: list[str]) -> None:
    if not outputs:
        return
    for row in json.loads(outputs[0]):
        if row.get("created"):
            ctx.say(f"created the {row['kind']} {row['name']!r}")
    write_json(ctx.layout.root / VOLUMES_JSON, {"bootstrapped": _bootstrap_key(ctx)})


def nbd_run_dir(layout: Layout) -> Path:
    """Where the provider keeps its NBD servers' sockets: under the state dir, unless a
    socket path there would pass the kernel's 108-byte limit (then a short /tmp folder
    named after the state dir)."""
    preferred = layout.root / "devcluster" / "archipelago"
    if len(str(preferred / "nbd" / ("0" * 24 + ".sock"))) < SOCKET_PATH_MAX:
        return preferred
    digest = hashlib.sha256(str(layout.root).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"snf-archip-{digest}"


def devcluster_archipelago_env(ctx: Context) -> dict[str, str]:
    """The ExtStorage provider's settings (Ganeti gives providers a clean environment;
    the development cluster passes SNF_* through)."""
    return {"SNF_ARCHIPELAGO_BLOCKSTORE": cyclades_store_spec(ctx),
            "SNF_ARCHIPELAGO_RUN_DIR": str(nbd_run_dir(ctx.layout)),
            "SNF_ARCHIPELAGO_NBD_MODE": "userspace"}


def stop_nbd_servers(layout: Layout) -> list[str]:
    """`down`: the NBD servers the provider's attach started run in their own sessions
    (Ganeti reads the provider's output to its end), so stopping the development
    cluster leaves them; stop them too. Returns the volumes they served."""
    from archipelago.extprovider import attach

    run_dir = nbd_run_dir(layout)
    stopped = []
    for state in sorted((run_dir / "nbd").glob("*.json")) if (run_dir / "nbd").is_dir() else []:
        try:
            volume = json.loads(state.read_text())["volume"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        attach.detach(str(run_dir), volume)
        stopped.append(volume)
    return stopped
