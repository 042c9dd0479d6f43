"""POST /compute/v2.1/servers/{id}/action: one action per body key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from cyclades.api.compute_v2.versions import compute_view
from cyclades.compute import access, servers
from cyclades.compute.models import Server
from cyclades.console import tickets
from snf_common.django.auth import json_body
from snf_common.faults import BadRequest, Conflict, NotImplementedFault

NOT_IMPLEMENTED = {
    "changePassword", "rebuild", "createImage", "suspend",
    "resume", "pause", "unpause", "rescue", "unrescue", "lock", "unlock", "shelve",
    "unshelve", "migrate", "os-migrateLive", "evacuate", "addFloatingIp",
    "removeFloatingIp", "addSecurityGroup", "removeSecurityGroup", "createBackup",
    "os-resetState", "injectNetworkInfo", "resetNetwork", "trigger_crash_dump",
}
UNSUPPORTED_CONSOLES = {"os-getSPICEConsole", "os-getRDPConsole", "os-getSerialConsole"}


def _reboot(server: Server, args: Any) -> None:
    kind = args.get("type", "SOFT") if isinstance(args, dict) else "SOFT"
    servers.reboot(server, kind=str(kind))


def _resize(server: Server, args: Any) -> None:
    if not isinstance(args, dict):
        raise BadRequest("resize needs {\"flavorRef\": ...}.")
    servers.resize(server, flavor=access.flavor_ref_for_request(args.get("flavorRef")))


def _no_resize_to_verify(server: Server, args: Any) -> None:
    # Nova answers these only in VERIFY_RESIZE; a resize here is final when its Ganeti
    # job ends (the server goes back to SHUTOFF or ACTIVE), so there is never one to
    # confirm or revert: Nova's answer for a server in any other state.
    raise Conflict(f"Server {server.id} has no resize to confirm or revert: a resize is "
                   "applied when its job ends (resize again to the previous flavor to undo it).")


def _firewall(server: Server, args: Any) -> None:
    if not isinstance(args, dict):
        raise BadRequest("firewallProfile needs {\"profile\": ...}.")
    nic = args.get("nic")
    servers.set_firewall_profile(server, profile=str(args.get("profile", "")),
                                 nic=None if nic is None else str(nic))


ACTIONS: dict[str, Callable[[Server, Any], None]] = {
    "reboot": _reboot,
    "os-start": lambda server, args: servers.start(server),
    "start": lambda server, args: servers.start(server),
    "os-stop": lambda server, args: servers.stop(server),
    "shutdown": lambda server, args: servers.stop(server),
    "resize": _resize,
    "confirmResize": _no_resize_to_verify,
    "revertResize": _no_resize_to_verify,
    "firewallProfile": _firewall,
}


@compute_view(("POST",))
def action(request: HttpRequest, server_id: str) -> HttpResponse:
    server = access.server_for(request.credentials, server_id)
    body = json_body(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("The action body must hold exactly one action.")
    (name, args), = body.items()
    if name in UNSUPPORTED_CONSOLES:
        raise NotImplementedFault(f"{name}: only VNC consoles are supported.")
    if name in CONSOLE_ACTIONS:
        return CONSOLE_ACTIONS[name](server, args)
    if name in NOT_IMPLEMENTED:
        raise NotImplementedFault(f"Action {name} is not implemented.")
    handler = ACTIONS.get(name)
    if handler is None:
        raise BadRequest(f"Unknown action {name}.")
    handler(server, args)
    return HttpResponse(status=202)


def _console_args(args: Any, default: str) -> dict[str, Any]:
    if args is None:
        return {"type": default}
    if not isinstance(args, dict):
        raise BadRequest("The console request must be an object.")
    return args


def _synnefo_console(server: Server, args: Any) -> HttpResponse:
    """Synnefo's {"console": {"type": "vnc"}} -> type, host, port, password."""
    console = tickets.open_console(server, str(_console_args(args, "vnc").get("type", "vnc")))
    return JsonResponse({"console": {"type": console.type, "host": console.host,
                                      "port": console.port, "password": console.password}})


def _nova_console(server: Server, args: Any) -> HttpResponse:
    """Nova's os-getVNCConsole: {"console": {"type", "url"}} (plus host, port, password)."""
    kind = str(_console_args(args, "novnc").get("type", "novnc"))
    if kind not in ("novnc", "xvpvnc", "vnc"):
        raise BadRequest(f"Unknown VNC console type {kind}.")
    console = tickets.open_console(server, "vnc")
    return JsonResponse({"console": {"type": kind, "url": console.url, "host": console.host,
                                      "port": console.port, "password": console.password}})


CONSOLE_ACTIONS: dict[str, Callable[[Server, Any], HttpResponse]] = {
    "console": _synnefo_console,
    "os-getVNCConsole": _nova_console,
}


@compute_view(("POST",))
def remote_consoles(request: HttpRequest, server_id: str) -> HttpResponse:
    """Nova 2.6+: {"remote_console": {"protocol": "vnc", "type": ...}}."""
    server = access.server_for(request.credentials, server_id)
    body = json_body(request)
    args = body.get("remote_console") if isinstance(body, dict) else None
    if not isinstance(args, dict):
        raise BadRequest("The body must be {\"remote_console\": {\"protocol\", \"type\"}}.")
    protocol, kind = str(args.get("protocol", "")), str(args.get("type", "novnc"))
    if protocol != "vnc":
        raise NotImplementedFault(f"Console protocol {protocol} is not supported; use vnc.")
    if kind not in ("novnc", "xvpvnc", "vnc"):
        raise BadRequest(f"Unknown VNC console type {kind}.")
    console = tickets.open_console(server, "vnc")
    return JsonResponse({"remote_console": {"protocol": "vnc", "type": kind,
                                             "url": console.url, "host": console.host,
                                             "port": console.port,
                                             "password": console.password}}, status=200)
