"""`snf-deploy demo`: walk through the running cloud as the demo user, step by step.

Each step prints one line (ok / FAILED and why); later issues add steps here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from snf_deploy import DeployError
from snf_deploy.deploy import status
from snf_deploy.state import Layout, Ports, choose_ports, read_json


@dataclass
class DemoContext:
    layout: Layout
    ports: Ports
    demo: dict[str, Any]
    token: str | None = None
    catalog: list[dict[str, Any]] | None = None


def step_health(ctx: DemoContext) -> str:
    rows = status(ctx.layout.root, port_base=ctx.ports.base)
    bad = [row["name"] for row in rows if row["health"] != "ok"]
    if bad:
        raise DeployError("not healthy: " + ", ".join(bad) + " (see `snf-deploy status`)")
    return "healthy: " + ", ".join(row["name"] for row in rows)


def step_token(ctx: DemoContext) -> str:
    if not ctx.demo.get("password"):
        raise DeployError(f"no demo user in {ctx.layout.demo_json} (run `snf-deploy up`)")
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": ctx.demo["username"], "domain": {"name": "Default"},
            "password": ctx.demo["password"]}}},
        "scope": {"project": {"name": ctx.demo["project_name"], "domain": {"name": "Default"}}},
    }}
    response = requests.post(f"{ctx.ports.identity_url}/auth/tokens", json=body, timeout=10)
    if response.status_code != 201:
        raise DeployError(f"token issue answered {response.status_code}: {response.text[:200]}")
    ctx.token = response.headers.get("X-Subject-Token")
    token = response.json().get("token", {})
    ctx.catalog = token.get("catalog", [])
    types = sorted({entry.get("type", "?") for entry in ctx.catalog})
    return (f"token issued for {token.get('user', {}).get('name')} "
            f"(project {token.get('project', {}).get('name')}); catalog: {', '.join(types)}")


STEPS: list[tuple[str, Callable[[DemoContext], str]]] = [
    ("health", step_health),
    ("token", step_token),
]


def run_demo(state_dir: Path, *, port_base: int | None = None,
             say: Callable[[str], None] = print) -> bool:
    layout = Layout(state_dir)
    ctx = DemoContext(layout, choose_ports(layout, port_base), read_json(layout.demo_json))
    ok = True
    for name, step in STEPS:
        try:
            say(f"{name:<8} ok      {step(ctx)}")
        except (DeployError, requests.RequestException) as exc:
            say(f"{name:<8} FAILED  {exc}")
            ok = False
            break  # later steps build on earlier ones
    return ok
