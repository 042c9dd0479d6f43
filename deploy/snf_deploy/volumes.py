"""Bootstrap steps for volumes on Archipelago: one block store for Pithos, Cyclades and
the development cluster, so snapshots and thin clones work out of the box.

Steps:
  phase "before", stage 0  STATE/etc/45-archipelago.conf:
           CYCLADES_ARCHIPELAGO_BLOCKSTORE = the store Pithos writes blocks to
           (STATE/blocks, or PITHOS_BLOCKSTORE when the site sets one); written before
           Cyclades starts, which reads it at start. A site's own value in 50-site.conf wins.
  phase "before", stage 1  `cyclades-manage volume-bootstrap`: volume types `file` and
           `ext_archipelago`, and (with the development cluster) an ext_archipelago flavor.

The development cluster's ExtStorage provider reads the same store from its
environment (`devcluster_env`): SNF_ARCHIPELAGO_BLOCKSTORE, a run directory for its
NBD servers under STATE/devcluster, and userspace NBD (no root, no nbd module).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from snf_deploy.commands import Command, manage
from snf_deploy.images import blockstore_of_pithos
from snf_deploy.state import write_private

if TYPE_CHECKING:
    from snf_deploy.processes import Context

ARCHIPELAGO_CONF = "45-archipelago.conf"


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


def volume_bootstrap(ctx: Context) -> list[Command]:
    extra = [] if ctx.devcluster else ["--no-flavor"]
    return [Command("cyclades-manage volume-bootstrap",
                    manage("cyclades", "volume-bootstrap", *extra, "-o", "json"))]


def keep_volume_bootstrap(ctx: Context, outputs: list[str]) -> None:
    for row in json.loads(outputs[0]) if outputs else []:
        if row.get("created"):
            ctx.say(f"created the {row['kind']} {row['name']!r}")


def devcluster_archipelago_env(ctx: Context) -> dict[str, str]:
    """The ExtStorage provider's settings (Ganeti gives providers a clean environment;
    the development cluster passes SNF_* through)."""
    return {"SNF_ARCHIPELAGO_BLOCKSTORE": cyclades_store_spec(ctx),
            "SNF_ARCHIPELAGO_RUN_DIR": str(ctx.layout.root / "devcluster" / "archipelago"),
            "SNF_ARCHIPELAGO_NBD_MODE": "userspace"}
