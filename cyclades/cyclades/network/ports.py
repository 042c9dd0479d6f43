"""Ports: a MAC and fixed IPs on a network, optionally plugged into a server as a Ganeti NIC.

Creating a port takes its addresses from the subnet pools and its MAC from the
network's prefix, in one transaction with the network row locked. Plugging it
into a server (device_id) records the intent and, after the commit, submits an
instance-modify job adding the NIC (preceded by the network's own jobs when the
server's backend does not have that network yet). Unplugging or deleting an
attached port submits the removal and finishes when Ganeti confirms: the
port's addresses stay taken until the NIC is gone, so no address is handed to
two NICs at once.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from cyclades.backends.ganeti import jobs
from cyclades.backends.ganeti.rapi import client_for
from cyclades.compute import statements
from cyclades.compute.models import Server, ServerAction, ServerNic
from cyclades.network import backend as netbackend
from cyclades.network import pools
from cyclades.network.models import IPAddress, Network, Port, Subnet
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, ItemNotFound, ServiceUnavailable

log = logging.getLogger(__name__)

MAC_RE = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def port_for(credentials: Credentials, port_id: Any) -> Port:
    try:
        port = (Port.objects.select_related("network", "server")
                .filter(pk=int(str(port_id)), owner=credentials.user_id).first())
    except ValueError:
        port = None
    if port is None:
        raise ItemNotFound(f"Port {port_id} could not be found.")
    return port


# -- addresses --------------------------------------------------------------------------------
def new_mac(network: Network) -> str:
    prefix = network.mac_prefix or "aa:00:00"
    for _ in range(50):
        mac = prefix + "".join(f":{b:02x}" for b in secrets.token_bytes(3))
        if not Port.objects.filter(mac=mac).exists():
            return mac
    raise Conflict(f"Could not find a free MAC address with prefix {prefix}.")


def eui64(cidr: str, mac: str) -> str:
    """The SLAAC address of `mac` in a /64."""
    octets = [int(b, 16) for b in mac.split(":")]
    octets[0] ^= 0x02
    interface = octets[:3] + [0xff, 0xfe] + octets[3:]
    net = ipaddress.ip_network(cidr)
    return str(net.network_address + int.from_bytes(bytes(interface), "big"))


def _subnets(network: Network) -> list[Subnet]:
    return list(Subnet.objects.filter(network=network, deleted=False).order_by("ip_version"))


def parse_fixed_ips(network: Network, raw: Any) -> list[tuple[Subnet, str | None]]:
    """[(subnet, address or None)] from Neutron's fixed_ips; the default is one IPv4
    address from the IPv4 subnet (SLAAC IPv6 addresses follow from the MAC)."""
    subnets = _subnets(network)
    v4 = [s for s in subnets if s.ip_version == 4]
    if raw is None:
        return [(v4[0], None)] if v4 else []
    if not isinstance(raw, list):
        raise BadRequest("fixed_ips must be a list of {subnet_id, ip_address}.")
    result: list[tuple[Subnet, str | None]] = []
    for item in raw:
        if not isinstance(item, dict) or not ({"subnet_id", "ip_address"} & set(item)):
            raise BadRequest("Each fixed IP needs subnet_id or ip_address.")
        subnet = None
        address = item.get("ip_address")
        if address is not None:
            try:
                address = str(ipaddress.ip_address(address))
            except (TypeError, ValueError):
                raise BadRequest(f"Invalid IP address {item['ip_address']!r}.") from None
        if "subnet_id" in item:
            subnet = next((s for s in subnets if str(s.id) == str(item["subnet_id"])), None)
            if subnet is None:
                raise BadRequest(f"Subnet {item['subnet_id']} is not on network {network.id}.")
        elif address is not None:
            subnet = next((s for s in subnets
                           if ipaddress.ip_address(address) in ipaddress.ip_network(s.cidr)),
                          None)
            if subnet is None:
                raise BadRequest(f"IP address {address} is in no subnet of network "
                                 f"{network.id}.")
        if address is not None and ipaddress.ip_address(address) not in \
                ipaddress.ip_network(subnet.cidr):
            raise BadRequest(f"IP address {address} is not in subnet {subnet.cidr}.")
        if subnet.ip_version == 6:
            if address is not None:
                raise BadRequest("IPv6 addresses of SLAAC subnets come from the MAC.")
            continue
        if any(s.id == subnet.id for s, _ in result):
            raise BadRequest(f"At most one address per subnet ({subnet.id}).")
        result.append((subnet, address))
    return result


def _take_addresses(port: Port, wanted: list[tuple[Subnet, str | None]],
                    credentials_owner: str) -> None:
    """Allocate the port's IPv4 addresses (or adopt the owner's floating IPs) and its SLAAC
    IPv6 address; in the caller's transaction."""
    network = port.network
    for subnet, address in wanted:
        if network.floating_ip_pool:
            fip = (IPAddress.objects.select_for_update()
                   .filter(subnet=subnet, address=address, floating_ip=True,
                           owner=credentials_owner).first()) if address else None
            if fip is None:
                raise BadRequest(f"A port on external network {network.id} needs one of your "
                                 f"floating IPs as its fixed IP.")
            if fip.port_id is not None:
                raise Conflict(f"Floating IP {address} is already in use.")
            fip.port = port
            fip.save(update_fields=["port", "updated"])
            continue
        taken = pools.allocate_ip(subnet, address)
        IPAddress.objects.create(network=network, subnet=subnet, port=port, owner=port.owner,
                                 project=port.project, address=taken, ip_version=4)
    for subnet in _subnets(network):
        if subnet.ip_version == 6:
            IPAddress.objects.create(network=network, subnet=subnet, port=port,
                                     owner=port.owner, project=port.project,
                                     address=eui64(subnet.cidr, port.mac), ip_version=6,
                                     pooled=False)


def _give_back(port: Port) -> None:
    """Free the port's addresses: pool addresses return, floating IPs stay the owner's."""
    for address in IPAddress.objects.select_for_update().filter(port=port):
        if address.floating_ip:
            address.port, address.target_port = None, None
            address.save(update_fields=["port", "target_port", "updated"])
            continue
        if address.pooled:
            pools.release_ip(address.subnet, address.address)
        address.delete()


def ipv4_of(port: Port) -> str | None:
    return IPAddress.objects.filter(port=port, ip_version=4).values_list("address", flat=True) \
        .first()


def ipv6_of(port: Port) -> str | None:
    return IPAddress.objects.filter(port=port, ip_version=6).values_list("address", flat=True) \
        .first()


def validate_security_groups(raw: Any) -> list[str]:
    if raw is None:
        return ["default"]
    if not isinstance(raw, list) or not all(isinstance(g, str) and g for g in raw):
        raise BadRequest("security_groups must be a list of names.")
    return list(dict.fromkeys(raw))


# -- create / update / delete -----------------------------------------------------------------
def create_port(credentials: Credentials, network: Network, *, name: str = "",
                fixed_ips: Any = None, device_id: Any = None, security_groups: Any = None,
                mac_address: Any = None, device_owner: str = "") -> Port:
    groups = validate_security_groups(security_groups)
    server = None
    if device_id not in (None, ""):
        server = _server_of(credentials, device_id)
    with transaction.atomic():
        locked = Network.objects.select_for_update().get(pk=network.pk)
        if locked.deleted:
            raise ItemNotFound(f"Network {network.id} could not be found.")
        wanted = parse_fixed_ips(locked, fixed_ips)
        if locked.floating_ip_pool and not wanted:
            raise BadRequest(f"A port on external network {locked.id} needs one of your "
                             f"floating IPs as its fixed IP.")
        port = Port(network=locked, owner=credentials.user_id,
                    project=credentials.project_id or credentials.user_id, name=name,
                    security_groups=groups, device_owner=device_owner)
        port.mac = _mac_for(locked, mac_address, credentials)
        port.save()
        _take_addresses(port, wanted, credentials.user_id)
        if server is not None:
            attach(port, server)
    port.refresh_from_db()
    if server is not None and port.status == "ERROR":
        # The NIC job never reached Ganeti: leave nothing behind.
        with transaction.atomic():
            _finish_delete(Port.objects.select_for_update().get(pk=port.pk))
        raise ServiceUnavailable(f"The cluster did not accept the NIC of server {server.id}.")
    return port


def _mac_for(network: Network, requested: Any, credentials: Credentials) -> str:
    if requested in (None, ""):
        return new_mac(network)
    if not credentials.is_admin:
        raise BadRequest("Only administrators choose a port's MAC address.")
    mac = str(requested).lower()
    if not MAC_RE.match(mac):
        raise BadRequest(f"Invalid MAC address {requested!r}.")
    if Port.objects.filter(mac=mac).exists():
        raise Conflict(f"MAC address {mac} is in use.")
    return mac


def _server_of(credentials: Credentials, device_id: Any) -> Server:
    from cyclades.compute.access import server_for

    try:
        return server_for(credentials, str(device_id))
    except ItemNotFound:
        raise BadRequest(f"Server {device_id} not found (device_id).") from None


def update_port(credentials: Credentials, port: Port, data: dict[str, Any]) -> Port:
    allowed = {"name", "security_groups", "device_id", "device_owner"}
    unknown = set(data) - allowed
    if unknown:
        raise BadRequest(f"Cannot update {', '.join(sorted(unknown))} of a port.")
    server = None
    if data.get("device_id") not in (None, ""):
        server = _server_of(credentials, data["device_id"])
    with transaction.atomic():
        locked = Port.objects.select_for_update().select_related("network").get(pk=port.pk)
        if "name" in data:
            if not isinstance(data["name"], str):
                raise BadRequest("name must be a string.")
            locked.name = data["name"]
        if "security_groups" in data:
            locked.security_groups = validate_security_groups(data["security_groups"])
        if "device_owner" in data and isinstance(data["device_owner"], str):
            locked.device_owner = data["device_owner"]
        locked.save()
        if "device_id" in data:
            if server is None:
                if locked.server_id is not None:
                    detach(locked, delete=False)
            elif locked.server_id != server.id:
                if locked.server_id is not None:
                    raise Conflict(f"Port {locked.id} is attached to server {locked.server_id}; "
                                   f"detach it first.")
                attach(locked, server)
    locked.refresh_from_db()
    _raise_if_submission_failed(locked)
    return locked


def delete_port(port: Port) -> None:
    with transaction.atomic():
        locked = Port.objects.select_for_update().select_related("network").get(pk=port.pk)
        if locked.server_id is not None and locked.server.instance_created \
                and not locked.server.deleted:
            detach(locked, delete=True)
        else:
            _finish_delete(locked)
    if Port.objects.filter(pk=port.pk, status="ERROR").exists():
        raise ServiceUnavailable("The cluster did not accept the NIC removal.")


def _finish_delete(port: Port) -> None:
    _give_back(port)
    if port.server_id and port.nic_name:
        ServerNic.objects.filter(server_id=port.server_id, name=port.nic_name).delete()
    network_id, backend_id = port.network_id, None
    if port.server_id:
        backend_id = Server.objects.filter(pk=port.server_id).values_list("backend_id",
                                                                       flat=True).first()
    port.delete()
    if backend_id is not None:
        netbackend.release_unused_later({network_id}, backend_id)


def _raise_if_submission_failed(port: Port) -> None:
    if port.status == "ERROR" and port.pending == "":
        raise ServiceUnavailable(f"The cluster did not accept the NIC change of port {port.id}.")


# -- plugging into servers --------------------------------------------------------------------
def _check_server(server: Server) -> Server:
    locked = Server.objects.select_for_update(of=("self",)).select_related("backend") \
        .get(pk=server.pk)
    if locked.deleted:
        raise BadRequest(f"Server {server.id} not found (device_id).")
    if locked.operstate not in ("STARTED", "STOPPED") or locked.task:
        raise Conflict(f"Server {locked.id} is busy ({locked.task or locked.operstate}); "
                       f"try again when it is ACTIVE or SHUTOFF.")
    return locked


def _next_nic_index(server: Server) -> int:
    indexes = list(ServerNic.objects.filter(server=server).values_list("index", flat=True))
    return max(indexes, default=-1) + 1


def attach(port: Port, server: Server) -> None:
    """Plug the port into a running or stopped server (caller's transaction)."""
    server = _check_server(server)
    if port.server_id is not None:
        raise Conflict(f"Port {port.id} is already attached to server {port.server_id}.")
    if ServerNic.objects.filter(server=server).count() >= settings.CYCLADES_MAX_PORTS_PER_SERVER:
        raise Conflict(f"Server {server.id} has the maximum number of NICs.")
    network = Network.objects.select_for_update().get(pk=port.network_id)
    index = _next_nic_index(server)
    port.server, port.nic_name = server, f"nic-{server.id}-p{port.id}"
    port.status, port.pending, port.device_owner = "BUILD", "", port.device_owner or "compute:nova"
    port.save()
    ipv4, ipv6 = ipv4_of(port), ipv6_of(port)
    ServerNic.objects.create(server=server, index=index, name=port.nic_name,
                             network_id=str(network.id), mac=port.mac, ipv4=ipv4 or "",
                             ipv6=ipv6 or "", state="BUILD")
    create_network = netbackend.needs(network, server.backend)
    entry = ServerAction.objects.create(server=server, action="NIC_ADD")
    body = netbackend.nic_body(port, ipv4)
    transaction.on_commit(partial(_submit_nic_job, port.id, server.id, entry.id,
                                  {"nics": [["add", -1, body]], "hotplug_if_possible": True},
                                  network.id if create_network else None))


def detach(port: Port, *, delete: bool) -> None:
    """Unplug (and maybe delete) an attached port once Ganeti removed the NIC."""
    server = _check_server(port.server)
    if port.pending:
        raise Conflict(f"Port {port.id} is already being {port.pending}ed.")
    port.pending, port.status = ("delete" if delete else "detach"), "DOWN"
    port.save(update_fields=["pending", "status", "updated"])
    entry = ServerAction.objects.create(server=server, action="NIC_REMOVE")
    transaction.on_commit(partial(_submit_nic_job, port.id, server.id, entry.id,
                                  {"nics": [["remove", port.nic_name, {}]],
                                   "hotplug_if_possible": True}, None))


def _submit_nic_job(port_id: int, server_id: int, action_id: int, body: dict,
                    create_network_id: int | None) -> None:
    server = Server.objects.select_related("backend").get(pk=server_id)
    rapi = client_for(server.backend)
    try:
        depends = []
        if create_network_id is not None:
            depends = submit_network(rapi, create_network_id, server.backend_id)
        if depends:
            body = {**body, "depends": [[j, ["success"]] for j in depends]}
        job_id = rapi.modify(jobs.instance_name(server_id), body)
    except Exception as exc:  # the NIC job never reached Ganeti: undo the intent
        log.error("port %s: NIC job submission failed: %s", port_id, exc)
        ServerAction.objects.filter(pk=action_id).update(status="error", message=str(exc)[:2000])
        _nic_job_failed(port_id, str(exc))
        return
    Port.objects.filter(pk=port_id).update(job_id=job_id)
    ServerAction.objects.filter(pk=action_id).update(job_id=job_id, status="submitted")


def submit_network(rapi: Any, network_id: int, backend_id: int) -> list[int]:
    from cyclades.network.models import BackendNetwork

    try:
        return netbackend.submit_create(rapi, network_id, backend_id)
    except Exception as exc:
        BackendNetwork.objects.filter(network_id=network_id, backend_id=backend_id) \
            .update(operstate="ERROR", log_msg=str(exc)[:2000])
        netbackend.refresh_status(Network.objects.get(pk=network_id))
        raise


def _nic_job_failed(port_id: int, message: str) -> None:
    with transaction.atomic():
        port = Port.objects.select_for_update().filter(pk=port_id).first()
        if port is None:
            return
        if port.pending:      # removal refused: the NIC is still there
            port.pending, port.status = "", "ERROR"
            port.save(update_fields=["pending", "status", "updated"])
            return
        ServerNic.objects.filter(server_id=port.server_id, name=port.nic_name).delete()
        port.server, port.nic_name, port.status, port.job_id = None, "", "ERROR", None
        port.save()


# -- server create ---------------------------------------------------------------------------
class NicPlan:
    """One requested NIC of a new server: a network (new port), an existing port, or the
    legacy network of CYCLADES_NIC_PARAMS."""

    def __init__(self, *, network: Network | None = None, port: Port | None = None,
                 fixed_ip: str | None = None, legacy: str | None = None) -> None:
        self.network, self.port, self.fixed_ip, self.legacy = network, port, fixed_ip, legacy


def plan_server_nics(credentials: Credentials, requests: list[Any]) -> list[NicPlan]:
    """Check every requested network/port before quota is asked or anything written."""
    from cyclades.network.networks import network_for

    plans = []
    for item in requests:
        if isinstance(item, str):
            item = {"uuid": item}
        if item.get("port"):
            port = port_for(credentials, item["port"])
            if port.server_id is not None:
                raise Conflict(f"Port {port.id} is already in use by server {port.server_id}.")
            plans.append(NicPlan(port=port))
            continue
        uuid = str(item.get("uuid") or "")
        if uuid == settings.CYCLADES_DEFAULT_NETWORK and not uuid.isdigit():
            plans.append(NicPlan(legacy=uuid))
            continue
        try:
            network = network_for(credentials, uuid)
        except ItemNotFound:
            raise BadRequest(f"Network {uuid} could not be found.") from None
        fixed_ip = item.get("fixed_ip")
        if fixed_ip is not None:
            try:
                fixed_ip = str(ipaddress.ip_address(fixed_ip))
            except ValueError:
                raise BadRequest(f"Invalid fixed_ip {fixed_ip!r}.") from None
        if network.floating_ip_pool and fixed_ip is None:
            raise BadRequest(f"Network {network.id} is external: give one of your floating IPs "
                             f"as fixed_ip.")
        plans.append(NicPlan(network=network, fixed_ip=fixed_ip))
    if len(plans) > settings.CYCLADES_MAX_PORTS_PER_SERVER:
        raise BadRequest(f"At most {settings.CYCLADES_MAX_PORTS_PER_SERVER} networks per server.")
    return plans


def create_server_nics(server: Server, plans: list[NicPlan]) -> tuple[list[dict], list[int]]:
    """Ports and ServerNic rows of a new server (its transaction); returns the Ganeti NIC
    bodies and the networks whose backend jobs must precede the create job."""
    nics: list[dict] = []
    new_networks: list[int] = []
    rows = []
    for index, plan in enumerate(plans):
        nic_name = jobs.nic_name(server.id, index)
        if plan.legacy is not None:
            nics.append({"name": nic_name, **settings.CYCLADES_NIC_PARAMS})
            rows.append(ServerNic(server=server, index=index, name=nic_name,
                                  network_id=plan.legacy))
            continue
        if plan.port is not None:
            port = Port.objects.select_for_update().get(pk=plan.port.pk)
            if port.server_id is not None:
                raise Conflict(f"Port {port.id} is already in use by server {port.server_id}.")
            network = Network.objects.select_for_update().get(pk=port.network_id)
            port.server, port.nic_name, port.status = server, nic_name, "BUILD"
            port.device_owner = port.device_owner or "compute:nova"
            port.save()
        else:
            network = Network.objects.select_for_update().get(pk=plan.network.pk)
            if network.deleted:
                raise BadRequest(f"Network {network.id} could not be found.")
            port = Port.objects.create(
                network=network, owner=server.owner, project=server.project, server=server,
                nic_name=nic_name, status="BUILD", auto=True, device_owner="compute:nova",
                security_groups=["default"], mac=new_mac(network))
            _take_addresses(port, parse_fixed_ips(
                network, None if plan.fixed_ip is None else [{"ip_address": plan.fixed_ip}]),
                server.owner)
        port.network = network
        ipv4, ipv6 = ipv4_of(port), ipv6_of(port)
        nics.append(netbackend.nic_body(port, ipv4))
        rows.append(ServerNic(server=server, index=index, name=nic_name,
                              network_id=str(network.id), mac=port.mac, ipv4=ipv4 or "",
                              ipv6=ipv6 or ""))
        if netbackend.needs(network, server.backend) and network.id not in new_networks:
            new_networks.append(network.id)
    ServerNic.objects.bulk_create(rows)
    return nics, new_networks


# -- the update path --------------------------------------------------------------------------
def apply_server_update(server: Server, message: Any) -> None:
    """Called by the instance handler inside its transaction, after the server changed."""
    opcode, final = message.operation, message.status in ("success", "error", "canceled")
    if message.instance_nics is not None:
        _sync_ports(server, message.instance_nics)
    if final and opcode == "OP_INSTANCE_SET_PARAMS" and message.status != "success":
        for port in Port.objects.select_for_update().filter(server=server,
                                                            job_id=message.jobId):
            if port.pending:
                port.pending, port.status = "", "ACTIVE"
                port.save(update_fields=["pending", "status", "updated"])
            else:
                ServerNic.objects.filter(server=server, name=port.nic_name).delete()
                port.server, port.nic_name, port.status, port.job_id = None, "", "ERROR", None
                port.save()
    if server.deleted or server.operstate == "DESTROYED":
        server_destroyed(server)


def _sync_ports(server: Server, nics: list[dict]) -> None:
    present = {n.get("name") for n in nics if n.get("name")}
    by_name = {n.get("name"): n for n in nics}
    for port in statements.lock_server_ports(server):
        if port.nic_name in present:
            mac = by_name[port.nic_name].get("mac")
            if port.pending:
                continue            # the removal job has not run yet
            port.status = "ACTIVE"
            if mac and mac != port.mac and not Port.objects.filter(mac=mac).exists():
                port.mac = mac
            port.save(update_fields=["status", "mac", "updated"])
            ServerNic.objects.filter(server=server, name=port.nic_name) \
                .update(network_id=str(port.network_id))
        elif port.pending == "delete" or (port.pending == "detach"):
            _finish_detach(port, delete=port.pending == "delete")
        elif port.status == "ACTIVE":
            # Gone from Ganeti behind our back: the port is no longer plugged in.
            _finish_detach(port, delete=port.auto)


def _finish_detach(port: Port, *, delete: bool) -> None:
    if delete:
        _finish_delete(port)
        return
    backend_id = port.server.backend_id if port.server_id else None
    ServerNic.objects.filter(server_id=port.server_id, name=port.nic_name).delete()
    for fip in IPAddress.objects.filter(target_port=port):
        fip.target_port = None
        fip.save(update_fields=["target_port", "updated"])
    port.server, port.nic_name, port.pending, port.status, port.job_id = None, "", "", "DOWN", None
    port.save()
    if backend_id is not None:
        netbackend.release_unused_later({port.network_id}, backend_id)


def server_destroyed(server: Server) -> None:
    """The server is gone: its own ports go with it, ports the user made are unplugged,
    floating IPs stay the user's; networks it alone used leave its backend."""
    networks = set()
    for port in Port.objects.select_for_update().filter(server=server):
        networks.add(port.network_id)
        if port.auto or port.pending == "delete":
            _give_back(port)
            port.delete()
        else:
            _give_back_floating_targets(port)
            port.server, port.nic_name, port.pending, port.status = None, "", "", "DOWN"
            port.job_id = None
            port.save()
    if networks and server.backend_id:
        netbackend.release_unused_later(networks, server.backend_id)


def _give_back_floating_targets(port: Port) -> None:
    IPAddress.objects.filter(target_port=port).update(target_port=None)
