"""`up`, `down` and `status`: the orchestration over processes.py's data."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from snf_deploy import conf, preflight, supervise, volumes
from snf_deploy.clouds_yaml import write_client_configs
from snf_deploy.health import healthy, wait_healthy
from snf_deploy.processes import PROCESSES, Context, ProcessSpec, run_bootstrap
from snf_deploy.state import Layout, choose_ports, read_json, write_json


def child_env(layout: Layout) -> dict[str, str]:
    """The environment of every process: ours, pointed at this state directory's settings."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # each *-manage and wsgi module picks its own
    env["SNF_SETTINGS_DIR"] = str(layout.etc)
    env["SNF_STATE_DIR"] = str(layout.root)  # the environment wins over files: keep them agreeing
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start(ctx: Context, spec: ProcessSpec) -> int:
    env = dict(ctx.env, **spec.env(ctx)) if spec.env else ctx.env
    pid = supervise.start(ctx.layout, spec.name, spec.argv(ctx), env)
    port = spec.port_number(ctx.ports)
    ctx.say(f"started {spec.name} (pid {pid}" + (f", 127.0.0.1:{port})" if port else ")"))
    return pid


def up(state_dir: Path, *, port_base: int | None = None, config: str | None = None,
       workers: int = 2, threads: int = 4, timeout: float = 60.0, devcluster: bool = True,
       say: Callable[[str], None] = print) -> Context:
    """Bring the cloud up (or complete it); on failure stop what this run started."""
    started_at = time.monotonic()
    layout = Layout(state_dir)
    layout.create()
    ports = choose_ports(layout, port_base)
    conf.install_site_config(layout, config)
    conf.write_base_settings(layout, ports)
    ctx = Context(layout=layout, ports=ports, env=child_env(layout), workers=workers,
                  threads=threads, devcluster=devcluster, say=say)
    processes = [spec for spec in PROCESSES if spec.enabled(ctx)]
    write_json(layout.deploy_json, {
        "port_base": ports.base, "workers": workers, "threads": threads,
        "disabled": [spec.name for spec in PROCESSES if spec not in processes]})
    ctx.demo = read_json(layout.demo_json)
    ctx.settings = conf.check_settings(layout, ctx.env)

    live = {spec.name: supervise.owned_pid(layout, spec.name) for spec in processes}
    to_start = [spec for spec in processes if live[spec.name] is None]
    for spec in processes:
        if live[spec.name] is not None:
            say(f"{spec.name} already runs (pid {live[spec.name]})")
    preflight.check_ports({spec.name: spec.port_number(ports) for spec in to_start
                           if spec.port is not None})
    preflight.check_servers(ctx.settings)

    started: list[str] = []
    try:
        run_bootstrap(ctx, "before")
        if ctx.tokens and conf.write_service_tokens(layout, ctx.tokens):
            # Running services read their token at start: restart those that need it.
            for spec in processes:
                if live[spec.name] is not None and spec.needs_restart_on_new_tokens:
                    supervise.stop(layout, spec.name)
                    say(f"restarting {spec.name} for its new service token")
                    to_start.append(spec)
        for spec in processes:
            if spec in to_start:
                _start(ctx, spec)
                started.append(spec.name)
        wait_healthy(layout, ports, processes, timeout)
        run_bootstrap(ctx, "after")
        if ctx.demo.get("password"):
            write_client_configs(layout, ports, ctx.demo)
    except BaseException:
        supervise.stop_all(layout, list(reversed(started)))
        raise
    say(f"all healthy in {time.monotonic() - started_at:.1f}s")
    return ctx


def known_names(layout: Layout) -> list[str]:
    """Our processes in start order, then any other pid file left by an older process list."""
    names = [spec.name for spec in PROCESSES]
    extra = sorted(p.stem for p in layout.run.glob("*.pid") if p.stem not in names) \
        if layout.run.is_dir() else []
    return names + extra


def down(state_dir: Path, *, timeout: float = 10.0,
         say: Callable[[str], None] = print) -> list[int]:
    layout = Layout(state_dir)
    stopped = supervise.stop_all(layout, list(reversed(known_names(layout))), timeout=timeout)
    for name, pid in stopped.items():
        say(f"stopped {name} (pid {pid})")
    for volume in volumes.stop_nbd_servers(layout):
        say(f"stopped the NBD server of {volume}")
    if not stopped:
        say("nothing was running")
    return list(stopped.values())


def status(state_dir: Path, *, port_base: int | None = None) -> list[dict[str, Any]]:
    layout = Layout(state_dir)
    ports = choose_ports(layout, port_base)
    rows = []
    specs = {spec.name: spec for spec in PROCESSES}
    disabled = set(read_json(layout.deploy_json).get("disabled", []))
    for name in known_names(layout):
        spec = specs.get(name)
        pid = supervise.owned_pid(layout, name)
        if pid is None and name in disabled:
            continue
        port = spec.port_number(ports) if spec else None
        if pid is None:
            health = "-"
        elif spec is None:
            health = "unknown"
        else:
            health = "ok" if healthy(layout, ports, spec) else "unhealthy"
        rows.append({"name": name, "pid": pid, "port": port,
                     "state": "running" if pid else "stopped", "health": health,
                     "log": str(layout.log_file(name))})
    return rows


def summary(ctx: Context) -> str:
    ports, layout = ctx.ports, ctx.layout
    lines = ["", "Synnefo is up:"]
    lines += [f"  {name:<9} {ports.url(name)}" for name in ("astakos", "pithos", "cyclades")]
    lines.append(f"  identity  {ports.identity_url}")
    lines.append(f"  dashboard {ports.url('cyclades')}/ui/")
    if ctx.demo.get("password"):
        lines += ["", "Demo user:",
                  f"  username  {ctx.demo['username']}", f"  password  {ctx.demo['password']}",
                  f"  project   {ctx.demo['project_name']}"]
        lines += ["", "Clients:",
                  f"  export OS_CLIENT_CONFIG_FILE={layout.clouds_yaml}",
                  "  openstack --os-cloud synnefo token issue"]
        if layout.kamakirc.exists():
            lines.append(f"  export KAMAKI_CONFIG={layout.kamakirc}")
    lines += ["", f"Settings {layout.etc}, logs {layout.log}; "
              f"`snf-deploy down --state-dir {layout.root}` stops it."]
    return "\n".join(lines)
