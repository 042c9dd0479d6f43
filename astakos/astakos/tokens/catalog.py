"""The service catalog: Astakos' own entries plus every imported component's services.

Entries are built in one neutral shape, then formatted for Keystone v3 (one
endpoint per interface) or v2.0 (publicURL/internalURL/adminURL with the
versionId and SNF:uiURL that kamaki looks for).
"""

from __future__ import annotations

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


def entries(*, user_id: str, project_id: str, request_base: str = "",
            keystone_version: str = "v3") -> list[dict[str, Any]]:
    base = base_url(request_base)
    result = astakos_entries(base, keystone_version=keystone_version)
    for service in Service.objects.all():
        result.append({"name": service.name, "type": service.type, "version": service.version,
                       "url": substitute(service.url, user_id=user_id, project_id=project_id),
                       "ui_url": service.ui_url or ui_url(base)})
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
    return [{"type": e["type"], "name": e["name"], "endpoints_links": [],
             "endpoints": [{"id": stable_id(e["name"]), "region": region,
                            "versionId": e["version"], "publicURL": e["url"],
                            "internalURL": e["url"], "adminURL": e["url"],
                            "SNF:uiURL": e["ui_url"]}]}
            for e in items]
