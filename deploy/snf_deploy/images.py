"""Bootstrap steps of the image service: the account that owns the system images, the
cluster side's view of the shared block store, and a public image to boot at once.

Steps (phase "after", when Astakos, Pithos and Cyclades answer):
  stage 0  `astakos-manage bootstrap-demo --username images --admin` (password kept
           in STATE/images.json) -> a token of the system images' owner;
           STATE/etc/40-images.conf: SNF_IMAGE_BLOCKSTORE = the store Pithos writes
           blocks to, so snf-image reads `pithosmap://` images from it;
  stage 1  `cyclades-manage image-bootstrap` (token on stdin): build a tiny ext4
           image, upload it to Pithos, register it public (idempotent).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from snf_deploy.commands import Command, manage
from snf_deploy.state import new_password, read_json, write_json, write_private

if TYPE_CHECKING:
    from snf_deploy.processes import Context

IMAGES_USER = "images"
IMAGES_EMAIL = "images@localhost"
IMAGES_CONF = "40-images.conf"
FILESYSTEM_DRIVER = "archipelago.blockstore.filesystem.FilesystemBlockStore"


def _record(ctx: Context) -> Path:
    return ctx.layout.root / "images.json"


def blockstore_of_pithos(ctx: Context) -> dict[str, Any]:
    configured = ctx.settings.get("pithos", {}).get("PITHOS_BLOCKSTORE") or {}
    if configured:
        return dict(configured)
    return {"BACKEND": FILESYSTEM_DRIVER, "OPTIONS": {"path": str(ctx.layout.root / "blocks")}}


def write_image_conf(ctx: Context) -> None:
    text = ("# Written by snf-deploy: where snf-image reads pithosmap:// images.\n"
            f"SNF_IMAGE_BLOCKSTORE = {blockstore_of_pithos(ctx)!r}\n")
    path = ctx.layout.etc / IMAGES_CONF
    if not path.exists() or path.read_text() != text:
        write_private(path, text)


def owner_commands(ctx: Context) -> list[Command]:
    write_image_conf(ctx)
    record = read_json(_record(ctx))
    password = record.get("password") or new_password()
    write_json(_record(ctx), {"username": IMAGES_USER, "password": password})
    return [Command("astakos-manage bootstrap-demo (images)", manage(
        "astakos", "bootstrap-demo", "--username", IMAGES_USER, "--password-file", "-",
        "--email", IMAGES_EMAIL, "--admin", "-o", "json"), stdin=password + "\n")]


def keep_owner(ctx: Context, outputs: list[str]) -> None:
    ctx.images_token = json.loads(outputs[0])["token"] if outputs else ""


def image_commands(ctx: Context) -> list[Command]:
    token = getattr(ctx, "images_token", "")
    if not token:
        return []
    return [Command("cyclades-manage image-bootstrap",
                    manage("cyclades", "image-bootstrap", "-o", "json"), stdin=token + "\n")]


def keep_image(ctx: Context, outputs: list[str]) -> None:
    if outputs:
        image = json.loads(outputs[0])
        record = read_json(_record(ctx))
        write_json(_record(ctx), dict(record, image_id=image["id"], image_name=image["name"]))
        if image.get("created"):
            ctx.say(f"registered the public image {image['name']!r} ({image['id']})")
