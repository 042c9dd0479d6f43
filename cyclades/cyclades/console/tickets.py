"""Open a server's console: ask Ganeti where its VNC server is, issue a one-time ticket.

The client then speaks RFB to the proxy (`cyclades-manage vncproxy`), which checks
the VNC password against the live tickets, deletes the one that matches, and
relays to the instance's console. Tickets expire after CYCLADES_CONSOLE_TTL_SECONDS.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import secrets
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from cyclades.backends.ganeti import jobs
from cyclades.backends.ganeti.rapi import RapiError, client_for
from cyclades.compute.models import Server
from cyclades.console import rfb
from cyclades.console.models import ConsoleTicket
from snf_common.faults import BadRequest, Conflict, NotImplementedFault, ServiceUnavailable

log = logging.getLogger(__name__)

PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 8          # VNC auth uses only the first 8 bytes
CONSOLE_TYPES = ("vnc",)     # plain RFB; websockets (vnc-ws, noVNC) need a gateway


@dataclass(frozen=True)
class Console:
    type: str
    host: str
    port: int
    password: str

    @property
    def url(self) -> str:
        return f"vnc://{self.host}:{self.port}/?password={self.password}"


def proxy_address() -> tuple[str, int]:
    """Where clients reach the proxy; by default snf-deploy's layout (Cyclades port + 2)."""
    base = urlsplit(settings.CYCLADES_BASE_URL or "http://127.0.0.1:8702")
    host = settings.CYCLADES_VNCPROXY_HOST or base.hostname or "127.0.0.1"
    port = settings.CYCLADES_VNCPROXY_PORT or (base.port or 8702) + 2
    return host, port


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def instance_console(server: Server) -> tuple[str, int]:
    """(host, port) of the instance's VNC server, from RAPI (or its network_port)."""
    name = jobs.instance_name(server.id)
    rapi = client_for(server.backend)
    try:
        console = rapi.console(name)
    except RapiError as exc:
        if exc.status == 503:    # Ganeti: the instance is not running
            raise Conflict(f"Server {server.id} is not running.") from None
        raise ServiceUnavailable(f"The cluster did not describe the console: {exc}") from None
    if console.get("kind") == "vnc" and console.get("port"):
        return str(console.get("host") or "127.0.0.1"), int(console["port"])
    try:
        info = rapi.instance(name)
    except RapiError as exc:
        raise ServiceUnavailable(f"The cluster did not describe the instance: {exc}") from None
    if info.get("network_port") and info.get("pnode"):
        return str(info["pnode"]), int(info["network_port"])
    raise ServiceUnavailable(f"Server {server.id} has no VNC console "
                             f"({console.get('message') or console.get('kind')}).")


def open_console(server: Server, kind: str = "vnc") -> Console:
    if kind not in CONSOLE_TYPES:
        if kind in ("vnc-ws", "vnc-wss", "novnc", "xvpvnc", "spice-html5", "rdp-html5",
                    "serial"):
            raise NotImplementedFault(f"Console type {kind} is not supported; use vnc.")
        raise BadRequest(f"Unknown console type {kind}.")
    if server.deleted or server.operstate != "STARTED":
        raise Conflict(f"Server {server.id} is not running.")
    host, port = instance_console(server)
    now = timezone.now()
    ConsoleTicket.objects.filter(expires__lt=now).delete()
    password = _new_password()
    ttl = datetime.timedelta(seconds=settings.CYCLADES_CONSOLE_TTL_SECONDS)
    ConsoleTicket.objects.create(server_id=server.id, password=password, host=host,
                                 port=port, expires=now + ttl)
    proxy_host, proxy_port = proxy_address()
    log.info("server %s: console ticket issued (instance console %s:%s)", server.id, host, port)
    return Console(type=kind, host=proxy_host, port=proxy_port, password=password)


def redeem(challenge: bytes, response: bytes) -> ConsoleTicket | None:
    """The live ticket whose password answers the challenge, deleted; None if none does."""
    now = timezone.now()
    for ticket in ConsoleTicket.objects.filter(expires__gte=now):
        expected = rfb.vnc_response(ticket.password, challenge)
        if hmac.compare_digest(expected, response):
            # Only the caller whose delete removed the row may use it: single use.
            deleted, _ = ConsoleTicket.objects.filter(pk=ticket.pk).delete()
            return ticket if deleted else None
    return None
