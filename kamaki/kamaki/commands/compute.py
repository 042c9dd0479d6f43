"""server and flavor: Cyclades compute."""

from __future__ import annotations

import click

from kamaki.commands import parse_pairs, session, show_progress
from kamaki.output import output_option, print_done, print_item, print_list
from kamaki.progress import status_spinner

SERVER_COLUMNS = ["id", "name", "status", ("flavor.id", "flavor"), ("image.id", "image")]


def _compute():
    return session().compute()


def _wait(server_id: str, status: str, timeout: float, interval: float = 2.0) -> dict:
    with status_spinner(show_progress(), f"server {server_id}: waiting for {status}") as say:
        def on_poll(server: dict) -> None:
            progress = server.get("progress")
            extra = f" {progress}%" if progress not in (None, "", 0) else ""
            say(f"server {server_id}: {server.get('status')}{extra} (want {status})")

        return _compute().wait_server(server_id, {status}, timeout=timeout,
                                      interval=interval, on_poll=on_poll)


@click.group()
def server() -> None:
    """Virtual machines."""


@server.command("list")
@output_option
def server_list() -> None:
    """Servers with status, flavor and image."""
    print_list(_compute().list_servers(), SERVER_COLUMNS)


@server.command("info")
@click.argument("server_id")
@output_option
def server_info(server_id: str) -> None:
    """Every attribute of a server."""
    print_item(_compute().get_server(server_id))


@server.command("create")
@click.option("--name", required=True)
@click.option("--flavor-id", required=True)
@click.option("--image-id", required=True)
@click.option("--network", "networks", multiple=True,
              help="Network id to connect (repeat); default: the cloud's choice.")
@click.option("--no-network", is_flag=True, help="No network interface at all.")
@click.option("--key-name", help="A keypair name.")
@click.option("--project-id", help="The project whose quota pays.")
@click.option("-m", "--metadata", multiple=True, metavar="KEY=VALUE")
@click.option("-w", "--wait", is_flag=True, help="Wait until ACTIVE.")
@click.option("--timeout", type=float, default=600, show_default=True)
@output_option
def server_create(name: str, flavor_id: str, image_id: str, networks: tuple[str, ...],
                  no_network: bool, key_name: str | None, project_id: str | None,
                  metadata: tuple[str, ...], wait: bool, timeout: float) -> None:
    """Create a server (prints the admin password once)."""
    nets: list[dict] | str | None = [{"uuid": n} for n in networks] if networks else None
    if no_network:
        nets = []
    created = _compute().create_server(name, flavor_id, image_id, networks=nets,
                                       metadata=parse_pairs(metadata) or None,
                                       key_name=key_name, project=project_id)
    if wait:
        created = {**created, **_wait(created["id"], "ACTIVE", timeout)}
    print_item(created)


@server.command("rename")
@click.argument("server_id")
@click.argument("name")
@output_option
def server_rename(server_id: str, name: str) -> None:
    """Change a server's name."""
    _compute().rename_server(server_id, name)
    print_done(f"server {server_id} renamed to {name}", id=server_id, name=name)


@server.command("delete")
@click.argument("server_id")
@click.option("-w", "--wait", is_flag=True, help="Wait until it is gone.")
@click.option("--timeout", type=float, default=600, show_default=True)
@output_option
def server_delete(server_id: str, wait: bool, timeout: float) -> None:
    """Destroy a server."""
    _compute().delete_server(server_id)
    if wait:
        _wait(server_id, "DELETED", timeout)
    print_done(f"server {server_id} deleted", id=server_id)


def _action(verb: str, method: str, target: str):
    @server.command(verb)
    @click.argument("server_id")
    @click.option("-w", "--wait", is_flag=True, help=f"Wait until {target}.")
    @click.option("--timeout", type=float, default=600, show_default=True)
    @output_option
    def command(server_id: str, wait: bool, timeout: float) -> None:
        getattr(_compute(), method)(server_id)
        if wait:
            _wait(server_id, target, timeout)
        print_done(f"server {server_id}: {verb} {'done' if wait else 'requested'}",
                   id=server_id, action=verb)

    command.__doc__ = f"{verb.capitalize()} a server."
    return command


_action("start", "start_server", "ACTIVE")
_action("shutdown", "shutdown_server", "STOPPED")


@server.command("reboot")
@click.argument("server_id")
@click.option("--hard", is_flag=True, help="Power-cycle instead of an ACPI reboot.")
@output_option
def server_reboot(server_id: str, hard: bool) -> None:
    """Reboot a server."""
    _compute().reboot_server(server_id, hard=hard)
    print_done(f"server {server_id}: reboot requested", id=server_id, action="reboot")


@server.command("resize")
@click.argument("server_id")
@click.argument("flavor_id")
@output_option
def server_resize(server_id: str, flavor_id: str) -> None:
    """Change the flavor of a stopped server."""
    _compute().resize_server(server_id, flavor_id)
    print_done(f"server {server_id}: resize to flavor {flavor_id} requested",
               id=server_id, flavor=flavor_id)


@server.command("wait")
@click.argument("server_id")
@click.option("--status", default="ACTIVE", show_default=True,
              help="ACTIVE, STOPPED, DELETED, ...")
@click.option("--timeout", type=float, default=600, show_default=True)
@click.option("--interval", type=click.FloatRange(0.05), default=2.0, show_default=True,
              help="Seconds between polls.")
@output_option
def server_wait(server_id: str, status: str, timeout: float, interval: float) -> None:
    """Wait until a server reaches a status (exit 8 on timeout)."""
    reached = _wait(server_id, status.upper(), timeout, interval)
    print_done(f"server {server_id} is {reached.get('status')}", **reached)


@server.command("console")
@click.argument("server_id")
@output_option
def server_console(server_id: str) -> None:
    """VNC console host, port and password."""
    print_item(_compute().get_console(server_id))


@server.command("metadata")
@click.argument("server_id")
@click.option("--set", "set_", multiple=True, metavar="KEY=VALUE")
@click.option("--delete", multiple=True, metavar="KEY")
@output_option
def server_metadata(server_id: str, set_: tuple[str, ...], delete: tuple[str, ...]) -> None:
    """Show, set or delete server metadata."""
    compute = _compute()
    if set_:
        compute.update_server_metadata(server_id, parse_pairs(set_))
    for key in delete:
        compute.delete_server_metadata(server_id, key)
    print_item(compute.get_server_metadata(server_id))


@click.group()
def flavor() -> None:
    """Hardware templates of servers."""


@flavor.command("list")
@output_option
def flavor_list() -> None:
    """Flavors: CPUs, RAM (MiB), disk (GiB)."""
    print_list(_compute().list_flavors(), ["id", "name", "vcpus", "ram", "disk",
                                           "SNF:volume_type"])


@flavor.command("info")
@click.argument("flavor_id")
@output_option
def flavor_info(flavor_id: str) -> None:
    """One flavor."""
    print_item(_compute().get_flavor(flavor_id))
