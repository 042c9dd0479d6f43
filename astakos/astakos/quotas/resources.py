"""Resource definitions, as services declare them, and Astakos' own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from astakos.quotas.models import Resource

PENDING_APP = "astakos.pending_app"


def register_resources(component: str, definitions: list[dict[str, Any]]) -> list[Resource]:
    """Create or update resources, then give every project holdings for them."""
    from astakos.projects.quotas import sync_all

    result = []
    with transaction.atomic():
        for d in definitions:
            limit = int(d.get("default_limit", 0))
            resource, _ = Resource.objects.update_or_create(
                name=d["name"],
                defaults={"component": component,
                          "description": d.get("description", ""),
                          "unit": d.get("unit") or "",
                          "service_type": d.get("service_type", ""),
                          "default_limit": limit,
                          "project_default": int(d.get("project_default", limit)),
                          "ui_visible": bool(d.get("ui_visible", True)),
                          "api_visible": bool(d.get("api_visible", True)),
                          "allow_in_projects": bool(d.get("allow_in_projects", True))})
            result.append(resource)
        sync_all()
    return result


def register_astakos_resources() -> None:
    """Astakos' own resource: pending project applications per user (hidden)."""
    if Resource.objects.filter(name=PENDING_APP).exists():
        return
    register_resources("astakos", [{
        "name": PENDING_APP, "description": "Pending project applications",
        "unit": "", "service_type": "account",
        "default_limit": settings.ASTAKOS_PENDING_APPLICATIONS_LIMIT, "project_default": 0,
        "ui_visible": False, "api_visible": False, "allow_in_projects": False}])


def describe(resource: Resource) -> dict[str, Any]:
    return {"service": resource.component, "description": resource.description,
            "unit": resource.unit or None, "ui_visible": resource.ui_visible,
            "api_visible": resource.api_visible, "allow_in_projects": resource.allow_in_projects,
            "default_limit": resource.default_limit, "project_default": resource.project_default}
