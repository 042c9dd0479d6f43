"""POST /compute/v2.1/servers/{id}/action: one action per body key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from cyclades.api.compute_v2.versions import compute_view
from cyclades.compute import access, servers
from cyclades.compute.models import Server
from snf_common.django.auth import json_body
from snf_common.faults import BadRequest, NotImplementedFault

NOT_IMPLEMENTED = {
    "changePassword", "rebuild", "confirmResize", "revertResize", "createImage", "suspend",
    "resume", "pause", "unpause", "rescue", "unrescue", "lock", "unlock", "shelve",
    "unshelve", "migrate", "os-migrateLive", "evacuate", "addFloatingIp",
    "removeFloatingIp", "addSecurityGroup", "removeSecurityGroup", "createBackup",
    "os-resetState", "injectNetworkInfo", "resetNetwork", "trigger_crash_dump",
}
CONSOLES = {"os-getVNCConsole", "os-getSPICEConsole", "os-getRDPConsole",
            "os-getSerialConsole", "console"}


def _reboot(server: Server, args: Any) -> None:
    kind = args.get("type", "SOFT") if isinstance(args, dict) else "SOFT"
    servers.reboot(server, kind=str(kind))


def _resize(server: Server, args: Any) -> None:
    if not isinstance(args, dict):
        raise BadRequest("resize needs {\"flavorRef\": ...}.")
    servers.resize(server, flavor=access.flavor_ref_for_request(args.get("flavorRef")))


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
    "firewallProfile": _firewall,
}


@compute_view(("POST",))
def action(request: HttpRequest, server_id: str) -> HttpResponse:
    server = access.server_for(request.credentials, server_id)
    body = json_body(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("The action body must hold exactly one action.")
    (name, args), = body.items()
    if name in CONSOLES:
        raise NotImplementedFault("Consoles need the VNC authentication proxy, which is not "
                                  "available yet.")
    if name in NOT_IMPLEMENTED:
        raise NotImplementedFault(f"Action {name} is not implemented.")
    handler = ACTIONS.get(name)
    if handler is None:
        raise BadRequest(f"Unknown action {name}.")
    handler(server, args)
    return HttpResponse(status=202)


@compute_view(("POST",))
def remote_consoles(request: HttpRequest, server_id: str) -> HttpResponse:
    access.server_for(request.credentials, server_id)
    raise NotImplementedFault("Consoles need the VNC authentication proxy, which is not "
                              "available yet.")
