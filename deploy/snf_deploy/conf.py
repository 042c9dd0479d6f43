"""The settings directory STATE/etc/*.conf that every process of the cloud reads.

Files are read in name order and a later file wins (snf_common.conf.loader):
    10-common.conf          STATE_DIR, IDENTITY_URL, QUEUE_URL
    20-services.conf        <SERVICE>_BASE_URL, <SERVICE>_DATABASE_URL
    30-service-tokens.conf  <SERVICE>_SERVICE_TOKEN, written once Astakos issued them
    50-site.conf            a copy of `up --config FILE` (production parts), wins over the above
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from snf_common.conf.common import COMMON_SETTINGS
from snf_common.conf.loader import SettingsError, load_settings
from snf_common.django.project import service_specs
from snf_deploy import DeployError
from snf_deploy.state import SERVICES, Layout, Ports, write_private

COMMON_FILE = "10-common.conf"
SERVICES_FILE = "20-services.conf"
TOKENS_FILE = "30-service-tokens.conf"
SITE_FILE = "50-site.conf"


def render(values: dict[str, Any], header: str) -> str:
    lines = [f"# {header}", "# Written by snf-deploy; edit 50-site.conf (or use --config) instead."]
    lines += [f"{name} = {value!r}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def write_base_settings(layout: Layout, ports: Ports) -> None:
    common = {
        "STATE_DIR": str(layout.root),
        "IDENTITY_URL": ports.identity_url,
        "QUEUE_URL": f"spool://{layout.root / 'queue'}",
    }
    write_private(layout.etc / COMMON_FILE, render(common, "Settings every process shares."))
    services: dict[str, Any] = {}
    for service in SERVICES:
        prefix = service.upper()
        services[f"{prefix}_BASE_URL"] = ports.url(service)
        services[f"{prefix}_DATABASE_URL"] = f"sqlite:///{layout.root / (service + '.sqlite3')}"
    write_private(layout.etc / SERVICES_FILE,
                  render(services, "Where each service listens and keeps its data."))


def write_service_tokens(layout: Layout, tokens: dict[str, str]) -> bool:
    """Record the components' service tokens; True when the file changed."""
    values = {f"{service.upper()}_SERVICE_TOKEN": token for service, token in sorted(tokens.items())}
    text = render(values, "Service tokens issued by Astakos (astakos-manage service-import).")
    path = layout.etc / TOKENS_FILE
    if path.exists() and path.read_text() == text:
        return False
    write_private(path, text)
    return True


def install_site_config(layout: Layout, config: str | None) -> None:
    """Copy --config FILE into the settings dir; without it a previous copy stays."""
    if not config:
        return
    source = Path(config)
    if not source.is_file():
        raise DeployError(f"--config {config}: no such file")
    target = layout.etc / SITE_FILE
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)


def service_values(layout: Layout, service: str, env: dict[str, str]) -> dict[str, Any]:
    """The settings one service will see (files, then SNF_* environment), or the bad one named."""
    defaults = importlib.import_module(f"{service}.defaults")
    specs = COMMON_SETTINGS + service_specs(service) + list(defaults.SETTINGS)
    try:
        return load_settings(specs, prefixes=(service.upper() + "_",), environ=env,
                             settings_dir=str(layout.etc))
    except SettingsError as exc:
        raise DeployError(f"bad setting: {exc}") from None


def check_settings(layout: Layout, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Load every service's settings once, before anything starts."""
    values = {service: service_values(layout, service, env) for service in SERVICES}
    for service, settings in values.items():
        url = settings[f"{service.upper()}_DATABASE_URL"]
        scheme = urlparse(url).scheme if url else "sqlite"
        if scheme not in ("sqlite", "postgres", "postgresql"):
            raise DeployError(f"bad setting: {service.upper()}_DATABASE_URL: unsupported scheme "
                              f"{scheme!r} (use sqlite:///path or postgresql://...)")
    queue = values["astakos"]["QUEUE_URL"]
    if queue and urlparse(queue).scheme not in ("spool", "amqp", "amqps"):
        raise DeployError(f"bad setting: QUEUE_URL: unsupported scheme {urlparse(queue).scheme!r} "
                          "(use spool:///path or amqp://...)")
    return values
