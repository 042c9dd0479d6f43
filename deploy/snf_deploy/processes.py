"""What a cloud is made of, as data: the processes to run and the bootstrap steps.

Each part of the system adds its entries here: a ProcessSpec for a long-running
process (with the port it binds and how to tell it is healthy), a BootstrapStep for
a one-shot step run by `up` before the processes start (every step is idempotent,
because `up` runs them again on an existing state directory).
"""

from __future__ import annotations

import functools
import json
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from snf_deploy.commands import Command, manage, run_all
from snf_deploy.state import SERVICES, Layout, Ports, write_json


@dataclass
class Context:
    """What steps and process specs see: where things are and what bootstrap learnt."""

    layout: Layout
    ports: Ports
    env: dict[str, str]
    workers: int = 2
    threads: int = 4
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    demo: dict[str, Any] = field(default_factory=dict)
    say: Callable[[str], None] = print


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Callable[[Context], list[str]]
    port: str | None = None            # a key of state.PORT_OFFSETS
    health_path: str | None = "/healthz"  # GET over http on the port; None: alive is healthy
    needs_restart_on_new_tokens: bool = False

    def port_number(self, ports: Ports) -> int | None:
        return ports.of(self.port) if self.port else None

    def health_url(self, ports: Ports) -> str | None:
        if self.port is None or self.health_path is None:
            return None
        return f"http://127.0.0.1:{ports.of(self.port)}{self.health_path}"


@dataclass(frozen=True)
class BootstrapStep:
    name: str
    run: Callable[[Context], None]


@functools.cache
def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import Config

    return "control_socket" in Config().settings


def gunicorn(service: str) -> Callable[[Context], list[str]]:
    def argv(ctx: Context) -> list[str]:
        extra = []
        if _gunicorn_has_control_socket():
            # Its default is one path per user, which several clouds on a host would share.
            extra = ["--no-control-socket"]
        return [sys.executable, "-m", "gunicorn",
                "--bind", f"127.0.0.1:{ctx.ports.of(service)}",
                "--workers", str(ctx.workers), "--threads", str(ctx.threads),
                "--worker-class", "gthread", "--timeout", "120", "--graceful-timeout", "10",
                *extra, f"{service}.project.wsgi:application"]
    return argv


# ---- bootstrap steps ------------------------------------------------------------------

def migrate(ctx: Context) -> None:
    """Each service has its own database, so the three migrate in parallel."""
    ctx.say("migrating " + ", ".join(SERVICES))
    run_all(ctx.layout, ctx.env,
            [Command(f"{service}-manage migrate", manage(service, "migrate", "--no-input", "-v", "0"))
             for service in SERVICES])


# Components whose `<svc>-manage service-definition` exists; each lands with its service.
REGISTERED_COMPONENTS: list[str] = []


def register_components(ctx: Context) -> None:
    """Each component's service-definition goes to `astakos-manage service-import`."""
    if not REGISTERED_COMPONENTS:
        return
    ctx.say("registering " + ", ".join(REGISTERED_COMPONENTS) + " with astakos")
    definitions = run_all(ctx.layout, ctx.env, [
        Command(f"{svc}-manage service-definition", manage(svc, "service-definition"))
        for svc in REGISTERED_COMPONENTS])
    outputs = run_all(ctx.layout, ctx.env, [
        Command(f"astakos-manage service-import ({svc})",
                manage("astakos", "service-import", "-o", "json", "-"), stdin=definition)
        for svc, definition in zip(REGISTERED_COMPONENTS, definitions, strict=True)])
    for svc, output in zip(REGISTERED_COMPONENTS, outputs, strict=True):
        ctx.tokens[svc] = json.loads(output)["service_token"]


DEMO_USER = "demo"
DEMO_EMAIL = "demo@example.org"


def demo_user(ctx: Context) -> None:
    """The demo user (password kept in STATE/demo.json) and a fresh token for kamaki."""
    password = ctx.demo.get("password") or secrets.token_urlsafe(12)
    output = run_all(ctx.layout, ctx.env, [Command(
        "astakos-manage bootstrap-demo",
        manage("astakos", "bootstrap-demo", "--username", DEMO_USER, "--password", password,
               "--email", DEMO_EMAIL, "-o", "json"))])[0]
    created = json.loads(output)
    # A user's base project carries the user's name (Astakos' ensure_base_project).
    ctx.demo = {"username": created["username"], "password": password, "email": DEMO_EMAIL,
                "user_id": created["user_id"], "project_id": created["project_id"],
                "project_name": created["username"], "token": created["token"]}
    write_json(ctx.layout.demo_json, ctx.demo)
    ctx.say(f"demo user {created['username']} ready")


PROCESSES: list[ProcessSpec] = [
    ProcessSpec("astakos", gunicorn("astakos"), port="astakos", needs_restart_on_new_tokens=True),
    ProcessSpec("pithos", gunicorn("pithos"), port="pithos", needs_restart_on_new_tokens=True),
    ProcessSpec("cyclades", gunicorn("cyclades"), port="cyclades", needs_restart_on_new_tokens=True),
]

BOOTSTRAP: list[BootstrapStep] = [
    BootstrapStep("migrate", migrate),
    BootstrapStep("register components", register_components),
    BootstrapStep("demo user", demo_user),
]
