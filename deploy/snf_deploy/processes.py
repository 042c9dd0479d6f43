"""What a cloud is made of, as data: the processes to run and the bootstrap steps.

Each part of the system adds its entries here: a ProcessSpec for a long-running
process (the port it binds, how to tell it is healthy), a BootstrapStep for a one-shot
step that `up` runs before the processes start ("before") or once they all answer
("after"). Every step is idempotent: `up` runs them again on an existing state dir.
"""

from __future__ import annotations

import base64
import functools
import json
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from snf_deploy import images, volumes
from snf_deploy.commands import Command, manage, run_all
from snf_deploy.state import SERVICES, Layout, Ports, new_password, read_json, write_json


@dataclass
class Context:
    """What steps and process specs see: where things are and what bootstrap learnt."""

    layout: Layout
    ports: Ports
    env: dict[str, str]
    workers: int = 2
    threads: int = 4
    devcluster: bool = True
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    demo: dict[str, Any] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    say: Callable[[str], None] = print


Probe = Callable[[Layout, Ports], bool]


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Callable[[Context], list[str]]
    port: str | None = None                 # a key of state.PORT_OFFSETS
    probe: Probe | None = None              # None: running is healthy
    probe_what: str = ""                    # how errors name the probe (a URL)
    env: Callable[[Context], dict[str, str]] | None = None
    needs_restart_on_new_tokens: bool = False
    enabled: Callable[[Context], bool] = lambda ctx: True

    def port_number(self, ports: Ports) -> int | None:
        return ports.of(self.port) if self.port else None


@dataclass(frozen=True)
class BootstrapStep:
    """One-shot commands; the commands of all steps of one stage run in parallel.

    `commands(ctx)` lists what to run (it may also do quick local work and return []);
    `collect(ctx, outputs)` reads their stdout, in the same order.
    """

    name: str
    commands: Callable[[Context], list[Command]]
    collect: Callable[[Context, list[str]], None] = lambda ctx, outputs: None
    stage: int = 0          # stages run in increasing order within a phase
    phase: str = "before"   # "before" the processes start, or "after" they all answer


# ---- probes -----------------------------------------------------------------------------

def get_ok(url: str, *, timeout: float = 2.0, headers: dict[str, str] | None = None,
           context: ssl.SSLContext | None = None) -> bool:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def healthz(service: str) -> Probe:
    return lambda layout, ports: get_ok(f"{ports.url(service)}/healthz")


# ---- the APIs under gunicorn -----------------------------------------------------------

@functools.cache
def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import Config

    return "control_socket" in Config().settings


# Idle keep-alive connections stay open this long. gunicorn's default (2 s) equals the
# openstack CLI's polling interval (`server delete --wait` and friends), so the server
# closed a connection just as the client reused it: "Connection reset by peer".
KEEP_ALIVE_SECONDS = 75


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
                "--keep-alive", str(KEEP_ALIVE_SECONDS), *extra, f"{service}.project.wsgi:application"]
    return argv


def api(service: str) -> ProcessSpec:
    return ProcessSpec(service, gunicorn(service), port=service, probe=healthz(service),
                       probe_what=f"/healthz on port {service}",
                       needs_restart_on_new_tokens=True)


# ---- the development cluster (Ganeti look-alike over RAPI/HTTPS) --------------------------

DEVCLUSTER_USER = "snf"
BACKEND_NAME = "devcluster"


def devcluster_dir(layout: Layout):
    return layout.root / "devcluster"


def devcluster_password(layout: Layout) -> str:
    """The RAPI password, made once per state dir (kept in STATE/devcluster.json)."""
    path = layout.root / "devcluster.json"
    saved = read_json(path).get("password")
    if saved:
        return saved
    password = new_password()
    write_json(path, {"user": DEVCLUSTER_USER, "password": password})
    return password


def devcluster_argv(ctx: Context) -> list[str]:
    return [sys.executable, "-m", "snf_ganeti.devcluster",
            "--state-dir", str(devcluster_dir(ctx.layout)), "--port", str(ctx.ports.of("rapi")),
            "--with-eventd"]


def devcluster_env(ctx: Context) -> dict[str, str]:
    # Through the environment, not argv: a password on a command line is public (ps).
    return {"SNF_DEVCLUSTER_USER": DEVCLUSTER_USER,
            "SNF_DEVCLUSTER_PASSWORD": devcluster_password(ctx.layout),
            **volumes.devcluster_archipelago_env(ctx)}


def devcluster_probe(layout: Layout, ports: Ports) -> bool:
    auth = base64.b64encode(f"{DEVCLUSTER_USER}:{devcluster_password(layout)}".encode()).decode()
    # Loopback liveness only: the certificate is checked by Cyclades (pinned rapi.pem).
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return get_ok(f"https://127.0.0.1:{ports.of('rapi')}/2/info", context=context,
                  headers={"Authorization": f"Basic {auth}"})


# ---- Cyclades' background processes -----------------------------------------------------

def dispatcher_argv(ctx: Context) -> list[str]:
    return manage("cyclades", "dispatcher", "--poll-seconds", "0.5")


def reconciler_argv(ctx: Context) -> list[str]:
    every = ctx.settings.get("cyclades", {}).get("CYCLADES_RECONCILE_INTERVAL_SECONDS", 300)
    return [sys.executable, "-m", "snf_deploy.periodic", "--every", str(every), "--",
            *manage("cyclades", "reconcile-servers", "--fix")]


def vncproxy_argv(ctx: Context) -> list[str]:
    return manage("cyclades", "vncproxy", "--port", str(ctx.ports.of("console")))


def vncproxy_probe(layout: Layout, ports: Ports) -> bool:
    """The proxy greets every client with its RFB version."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", ports.of("console")), timeout=2) as sock:
            return sock.recv(12).startswith(b"RFB 003.")
    except OSError:
        return False


# ---- bootstrap steps ------------------------------------------------------------------
# Stage 0: every migration and the components' definitions (no step needs another's
# output). Stage 1: what writes to Astakos' migrated database.

def migrate(ctx: Context) -> list[Command]:
    """Each service has its own database, so the three migrate in parallel."""
    return [Command(f"{service}-manage migrate", manage(service, "migrate", "--no-input", "-v", "0"))
            for service in SERVICES]


# Components whose `<svc>-manage service-definition` exists; each lands with its service.
REGISTERED_COMPONENTS: list[str] = ["pithos", "cyclades"]


def service_definitions(ctx: Context) -> list[Command]:
    return [Command(f"{svc}-manage service-definition", manage(svc, "service-definition"))
            for svc in REGISTERED_COMPONENTS]


def keep_definitions(ctx: Context, outputs: list[str]) -> None:
    ctx.definitions = dict(zip(REGISTERED_COMPONENTS, outputs, strict=True))


def service_imports(ctx: Context) -> list[Command]:
    """Every component's service-definition goes to one `astakos-manage service-import`."""
    return [Command("astakos-manage service-import",
                    manage("astakos", "service-import", "-o", "json", "-"),
                    stdin="\n".join(ctx.definitions[svc] for svc in REGISTERED_COMPONENTS))]


def keep_tokens(ctx: Context, outputs: list[str]) -> None:
    imported = json.loads(outputs[0])  # one object for one definition, else a list
    for item in imported if isinstance(imported, list) else [imported]:
        ctx.tokens[item["component"]] = item["service_token"]


DEMO_USER = "demo"
DEMO_EMAIL = "demo@example.org"


def demo_user(ctx: Context) -> list[Command]:
    """The demo user (password kept in STATE/demo.json) and a fresh token for kamaki."""
    ctx.demo["password"] = ctx.demo.get("password") or new_password()
    return [Command("astakos-manage bootstrap-demo", manage(
        # The password goes through stdin: it never shows in `ps`.
        "astakos", "bootstrap-demo", "--username", DEMO_USER, "--password-file", "-",
        "--email", DEMO_EMAIL, "-o", "json"), stdin=ctx.demo["password"] + "\n")]


def keep_demo(ctx: Context, outputs: list[str]) -> None:
    created = json.loads(outputs[0])
    # A user's base project carries the user's name (Astakos' ensure_base_project).
    ctx.demo = {"username": created["username"], "password": ctx.demo["password"],
                "email": DEMO_EMAIL, "user_id": created["user_id"],
                "project_id": created["project_id"], "project_name": created["username"],
                "token": created["token"]}
    write_json(ctx.layout.demo_json, ctx.demo)


def devcluster_backend(ctx: Context) -> list[Command]:
    """Refresh the `devcluster` backend of Cyclades (it says whether it exists)."""
    if not ctx.devcluster:
        return []
    return [Command("cyclades-manage backend-update-status", manage(
        "cyclades", "backend-update-status", BACKEND_NAME, "-o", "json"))]


def register_devcluster(ctx: Context, outputs: list[str]) -> None:
    """Add the running development cluster as Cyclades' backend, or fix its address."""
    if not outputs:
        return
    rows = json.loads(outputs[0] or "[]")
    port = str(ctx.ports.of("rapi"))
    connection = ["--host", "127.0.0.1", "--port", port, "--user", DEVCLUSTER_USER,
                  f"--password={devcluster_password(ctx.layout)}",
                  "--tls-verify", str(devcluster_dir(ctx.layout) / "rapi.pem")]
    record = read_json(ctx.layout.root / "devcluster.json")
    if not rows:
        ctx.say(f"registering the development cluster with cyclades (RAPI port {port})")
        run_all(ctx.layout, ctx.env, [Command("cyclades-manage backend-add", manage(
            "cyclades", "backend-add", "--name", BACKEND_NAME, *connection))])
    elif record.get("backend_port") != port:
        run_all(ctx.layout, ctx.env, [Command("cyclades-manage backend-modify", manage(
            "cyclades", "backend-modify", BACKEND_NAME, *connection))])
    write_json(ctx.layout.root / "devcluster.json", dict(record, backend_port=port))


PROCESSES: list[ProcessSpec] = [
    api("astakos"),
    api("pithos"),
    api("cyclades"),
    ProcessSpec("devcluster", devcluster_argv, port="rapi", probe=devcluster_probe,
                probe_what="RAPI /2/info", env=devcluster_env,
                enabled=lambda ctx: ctx.devcluster),
    ProcessSpec("dispatcher", dispatcher_argv, needs_restart_on_new_tokens=True),
    ProcessSpec("reconciler", reconciler_argv),
    ProcessSpec("vncproxy", vncproxy_argv, port="console", probe=vncproxy_probe,
                probe_what="RFB greeting on the console port"),
]

BOOTSTRAP: list[BootstrapStep] = [
    BootstrapStep("migrate", migrate, stage=0),
    BootstrapStep("service definitions", service_definitions, keep_definitions, stage=0),
    BootstrapStep("service import", service_imports, keep_tokens, stage=1),
    BootstrapStep("demo user", demo_user, keep_demo, stage=1),
    BootstrapStep("archipelago store", volumes.write_archipelago_conf, stage=0),
    BootstrapStep("volume types and flavor", volumes.volume_bootstrap,
                  volumes.keep_volume_bootstrap, stage=1),
    BootstrapStep("development cluster backend", devcluster_backend, register_devcluster,
                  phase="after"),
    BootstrapStep("system images owner", images.owner_commands, images.keep_owner,
                  phase="after"),
    BootstrapStep("system image", images.image_commands, images.keep_image, stage=1,
                  phase="after"),
]


def run_bootstrap(ctx: Context, phase: str) -> None:
    """Run the steps of one phase, stage by stage, each stage's commands in parallel."""
    steps = [step for step in BOOTSTRAP if step.phase == phase]
    for stage in sorted({step.stage for step in steps}):
        batch = [(step, step.commands(ctx)) for step in steps if step.stage == stage]
        names = [step.name for step, commands in batch if commands]
        if names:
            ctx.say(", ".join(names))
        outputs = run_all(ctx.layout, ctx.env, [c for _step, commands in batch for c in commands])
        position = 0
        for step, commands in batch:
            step.collect(ctx, outputs[position:position + len(commands)] if commands else [])
            position += len(commands)
