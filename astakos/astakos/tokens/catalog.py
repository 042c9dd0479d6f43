"""The service catalog: Astakos' own entries plus every imported component's services.

Entries are built in one neutral shape, then formatted for Keystone v3 (one
endpoint per interface) or v2.0 (publicURL/internalURL/adminURL with the
versionId and SNF:uiURL that kamaki looks for).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from django.conf import settings

from astakos.tokens.models import Service

INTERFACES = ("public", "internal", "admin")
_ID_NAMESPACE = uuid.UUID("6c7e1a4e-5b1b-4c0c-9d1e-0a57a7a05e01")


def stable_id(*parts: str) -> str:
    return uuid.uuid5(_ID_NAMESPACE, ":".join(parts)).hex


def base_url(request_base: str = "") -> str:
    """ASTAKOS_BASE_URL, or the URL the request came in on when it is unset."""
    return (settings.ASTAKOS_BASE_URL or request_base).rstrip("/")


def ui_url(base: str) -> str:
    return settings.ASTAKOS_UI_URL or f"{base}/ui"


def astakos_entries(base: str, *, keystone_version: str) -> list[dict[str, Any]]:
    identity = ({"name": "keystone", "type": "identity", "version": "v3",
                 "url": f"{base}/identity/v3"} if keystone_version == "v3" else
                {"name": "astakos_identity", "type": "identity", "version": "v2.0",
                 "url": f"{base}/identity/v2.0"})
    identity["ui_url"] = ui_url(base)
    account = {"name": "astakos_account", "type": "account", "version": "v1.0",
               "url": f"{base}/account/v1.0", "ui_url": ui_url(base)}
    return [identity, account]


def substitute(url: str, *, user_id: str, project_id: str) -> str:
    return url.replace("{user_id}", user_id).replace("{project_id}", project_id)


# Components change rarely (service-import); other processes see a change within this time.
SERVICES_CACHE_SECONDS = 10.0
_services: tuple[float, list[tuple[str, str, str, str, str]]] | None = None
_services_lock = threading.Lock()


def service_rows() -> list[tuple[str, str, str, str, str]]:
    """(name, type, version, url, ui_url) of every registered service, cached."""
    global _services
    now = time.monotonic()
    with _services_lock:
        if _services is not None and _services[0] > now:
            return _services[1]
    rows = list(Service.objects.order_by("id").values_list("name", "type", "version", "url",
                                                           "ui_url"))
    with _services_lock:
        _services = (now + SERVICES_CACHE_SECONDS, rows)
    return rows


def forget_services() -> None:
    global _services
    with _services_lock:
        _services = None
    # Cached token bodies embed the catalog.
    from astakos.tokens import cache

    cache.forget()


def entries(*, user_id: str, project_id: str, request_base: str = "",
            keystone_version: str = "v3") -> list[dict[str, Any]]:
    base = base_url(request_base)
    result = astakos_entries(base, keystone_version=keystone_version)
    for name, type_, version, url, service_ui_url in service_rows():
        result.append({"name": name, "type": type_, "version": version,
                       "url": substitute(url, user_id=user_id, project_id=project_id),
                       "ui_url": service_ui_url or ui_url(base),
                       "per_user": "{user_id}" in url or "{project_id}" in url})
    return result


def as_v3(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    region = settings.REGION
    return [{"id": stable_id(e["name"]), "type": e["type"], "name": e["name"],
             "endpoints": [{"id": stable_id(e["name"], iface), "interface": iface,
                            "region": region, "region_id": region, "url": e["url"]}
                           for iface in INTERFACES]}
            for e in items]


def as_v2(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    region = settings.REGION
    # Synnefo's clients (kamaki 0.16) take the first entry of a type and append the
    # account themselves: in v2.0, entries with a per-user URL (swift's) come last.
    items = sorted(items, key=lambda e: bool(e.get("per_user")))
    return [{"type": e["type"], "name": e["name"], "endpoints_links": [],
             "endpoints": [{"id": stable_id(e["name"]), "region": region,
                            "versionId": e["version"], "publicURL": e["url"],
                            "internalURL": e["url"], "adminURL": e["url"],
                            "SNF:uiURL": e["ui_url"]}]}
            for e in items]
