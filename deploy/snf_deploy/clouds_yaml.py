"""Client configuration for the demo user: clouds.yaml (OpenStack clients) and kamakirc."""

from __future__ import annotations

import json
from typing import Any

from snf_deploy.state import Layout, Ports, write_private

CLOUD_NAME = "synnefo"


def _q(value: str) -> str:
    # A JSON string is a valid YAML scalar, whatever characters the password holds.
    return json.dumps(value)


def clouds_yaml(ports: Ports, demo: dict[str, Any], region: str = "RegionOne") -> str:
    auth = {
        "auth_url": ports.identity_url,
        "username": demo["username"],
        "password": demo["password"],
        "project_name": demo["project_name"],
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    lines = ["clouds:", f"  {CLOUD_NAME}:", "    auth:"]
    lines += [f"      {key}: {_q(value)}" for key, value in auth.items()]
    lines += ["    identity_api_version: 3", f"    region_name: {_q(region)}",
              "    interface: public"]
    return "\n".join(lines) + "\n"


def kamakirc(ports: Ports, token: str) -> str:
    return (f"[global]\ndefault_cloud = {CLOUD_NAME}\n\n"
            f"[cloud \"{CLOUD_NAME}\"]\nurl = {ports.identity_url}\ntoken = {token}\n")


def write_client_configs(layout: Layout, ports: Ports, demo: dict[str, Any]) -> None:
    write_private(layout.clouds_yaml, clouds_yaml(ports, demo))
    if demo.get("token"):
        write_private(layout.kamakirc, kamakirc(ports, demo["token"]))
