"""network, subnet, port, ip: Cyclades networking (Neutron v2.0)."""

from __future__ import annotations

import click

from kamaki.commands import session
from kamaki.output import output_option, print_done, print_item, print_list


def _net():
    return session().network()


@click.group()
def network() -> None:
    """Private and public networks."""


@network.command("list")
@output_option
def network_list() -> None:
    """Networks the user can use."""
    print_list(_net().list_networks(), ["id", "name", "status", "type", "public", "subnets"])


@network.command("info")
@click.argument("network_id")
@output_option
def network_info(network_id: str) -> None:
    """One network."""
    print_item(_net().get_network(network_id))


@network.command("create")
@click.option("--name", required=True)
@click.option("--type", "type_", default="MAC_FILTERED", show_default=True)
@click.option("--project-id")
@output_option
def network_create(name: str, type_: str, project_id: str | None) -> None:
    """Create a private network."""
    print_item(_net().create_network(name, type=type_, project=project_id))


@network.command("rename")
@click.argument("network_id")
@click.argument("name")
@output_option
def network_rename(network_id: str, name: str) -> None:
    """Rename a network."""
    print_item(_net().update_network(network_id, name=name))


@network.command("delete")
@click.argument("network_id")
@output_option
def network_delete(network_id: str) -> None:
    """Delete a network (it must have no ports)."""
    _net().delete_network(network_id)
    print_done(f"network {network_id} deleted", id=network_id)


@click.group()
def subnet() -> None:
    """IP ranges of networks (at most one IPv4 and one IPv6 per network)."""


@subnet.command("list")
@output_option
def subnet_list() -> None:
    print_list(_net().list_subnets(), ["id", "name", "network_id", "cidr", "ip_version",
                                       "gateway_ip", "enable_dhcp"])


@subnet.command("info")
@click.argument("subnet_id")
@output_option
def subnet_info(subnet_id: str) -> None:
    print_item(_net().get_subnet(subnet_id))


@subnet.command("create")
@click.option("--network-id", required=True)
@click.option("--cidr", required=True)
@click.option("--name")
@click.option("--ip-version", type=click.Choice(["4", "6"]), default="4")
@click.option("--gateway")
@click.option("--no-dhcp", is_flag=True)
@output_option
def subnet_create(network_id: str, cidr: str, name: str | None, ip_version: str,
                  gateway: str | None, no_dhcp: bool) -> None:
    """Add a subnet to a network."""
    print_item(_net().create_subnet(network_id, cidr, ip_version=int(ip_version), name=name,
                                    gateway_ip=gateway, enable_dhcp=not no_dhcp))


@click.group()
def port() -> None:
    """Connections of servers to networks."""


@port.command("list")
@output_option
def port_list() -> None:
    print_list(_net().list_ports(), ["id", "name", "network_id", "device_id", "status",
                                     "mac_address", "fixed_ips"])


@port.command("info")
@click.argument("port_id")
@output_option
def port_info(port_id: str) -> None:
    print_item(_net().get_port(port_id))


@port.command("create")
@click.option("--network-id", required=True)
@click.option("--device-id", help="Server to connect.")
@click.option("--name")
@click.option("--ip", "ip_address", help="A floating IP address to use.")
@output_option
def port_create(network_id: str, device_id: str | None, name: str | None,
                ip_address: str | None) -> None:
    """Connect a server to a network."""
    fixed = [{"ip_address": ip_address}] if ip_address else None
    print_item(_net().create_port(network_id, device_id=device_id, name=name, fixed_ips=fixed))


@port.command("delete")
@click.argument("port_id")
@output_option
def port_delete(port_id: str) -> None:
    """Disconnect (delete a port)."""
    _net().delete_port(port_id)
    print_done(f"port {port_id} deleted", id=port_id)


@click.group()
def ip() -> None:
    """Floating (public) IP addresses."""


@ip.command("list")
@output_option
def ip_list() -> None:
    print_list(_net().list_floating_ips(), ["id", "floating_ip_address",
                                            "floating_network_id", "port_id", "instance_id"])


@ip.command("info")
@click.argument("ip_id")
@output_option
def ip_info(ip_id: str) -> None:
    print_item(_net().get_floating_ip(ip_id))


@ip.command("create")
@click.option("--network-id", help="Public network (default: any pool).")
@click.option("--address")
@click.option("--project-id")
@output_option
def ip_create(network_id: str | None, address: str | None, project_id: str | None) -> None:
    """Reserve a floating IP."""
    print_item(_net().create_floating_ip(network_id, floating_ip_address=address,
                                         project=project_id))


@ip.command("delete")
@click.argument("ip_id")
@output_option
def ip_delete(ip_id: str) -> None:
    """Release a floating IP."""
    _net().delete_floating_ip(ip_id)
    print_done(f"floating IP {ip_id} released", id=ip_id)
