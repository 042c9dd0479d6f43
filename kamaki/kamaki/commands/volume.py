"""volume and snapshot: Cyclades block storage (Cinder v3)."""

from __future__ import annotations

import click

from kamaki.commands import session
from kamaki.output import output_option, print_done, print_item, print_list


def _vol():
    return session().volume()


@click.group()
def volume() -> None:
    """Disks that can be attached to servers."""


@volume.command("list")
@output_option
def volume_list() -> None:
    rows = _vol().list_volumes()
    for row in rows:  # the table shows the servers; JSON keeps the attachments as they are
        row.setdefault("_servers", [a.get("server_id") for a in row.get("attachments") or []])
    print_list(rows, ["id", "name", "status", "size", "volume_type", ("_servers", "servers")])


@volume.command("info")
@click.argument("volume_id")
@output_option
def volume_info(volume_id: str) -> None:
    print_item(_vol().get_volume(volume_id))


@volume.command("create")
@click.option("--size", type=int, required=True, help="GiB.")
@click.option("--name")
@click.option("--volume-type")
@click.option("--image-id")
@click.option("--snapshot-id")
@click.option("--server-id", help="Attach to this server.")
@click.option("--project-id")
@output_option
def volume_create(size: int, name: str | None, volume_type: str | None,
                  image_id: str | None, snapshot_id: str | None, server_id: str | None,
                  project_id: str | None) -> None:
    """Create a volume (empty, from an image or from a snapshot)."""
    print_item(_vol().create_volume(size, name=name, volume_type=volume_type,
                                    image_ref=image_id, snapshot_id=snapshot_id,
                                    server_id=server_id, project=project_id))


@volume.command("delete")
@click.argument("volume_id")
@output_option
def volume_delete(volume_id: str) -> None:
    _vol().delete_volume(volume_id)
    print_done(f"volume {volume_id} deleted", id=volume_id)


@volume.command("types")
@output_option
def volume_types() -> None:
    """Volume types (disk templates)."""
    print_list(_vol().list_volume_types(), ["id", "name", "extra_specs"])


@click.group()
def snapshot() -> None:
    """Frozen copies of volumes (usable as images)."""


@snapshot.command("list")
@output_option
def snapshot_list() -> None:
    print_list(_vol().list_snapshots(), ["id", "name", "status", "size", "volume_id"])


@snapshot.command("info")
@click.argument("snapshot_id")
@output_option
def snapshot_info(snapshot_id: str) -> None:
    print_item(_vol().get_snapshot(snapshot_id))


@snapshot.command("create")
@click.argument("volume_id")
@click.option("--name")
@output_option
def snapshot_create(volume_id: str, name: str | None) -> None:
    """Snapshot a volume."""
    print_item(_vol().create_snapshot(volume_id, name=name))


@snapshot.command("delete")
@click.argument("snapshot_id")
@output_option
def snapshot_delete(snapshot_id: str) -> None:
    _vol().delete_snapshot(snapshot_id)
    print_done(f"snapshot {snapshot_id} deleted", id=snapshot_id)
