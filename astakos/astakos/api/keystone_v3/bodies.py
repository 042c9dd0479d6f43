"""Keystone v3 JSON shapes: tokens, projects, roles, the domain."""

from __future__ import annotations

import datetime
from typing import Any

from astakos.identity.users import roles_of
from astakos.projects.models import Project
from astakos.tokens import catalog
from astakos.tokens.models import Token

DOMAIN = {"id": "default", "name": "Default"}
# Tokens that never expire are shown with a far expiry: clients need a date.
NEVER_EXPIRES = datetime.timedelta(days=3650)


def timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def expires_of(row: Token) -> datetime.datetime:
    return row.expires_at or (row.issued_at + NEVER_EXPIRES)


def project_name(project_id: str) -> str:
    project = Project.objects.filter(id=project_id).only("name").first()
    return project.name if project else project_id


def roles(user) -> list[dict[str, str]]:
    return [{"id": catalog.stable_id("role", name), "name": name} for name in roles_of(user)]


def token_body(row: Token, *, request_base: str, with_catalog: bool = True) -> dict[str, Any]:
    user = row.user
    body: dict[str, Any] = {
        "methods": row.methods.split(","),
        "audit_ids": [row.audit_id],
        "expires_at": timestamp(expires_of(row)),
        "issued_at": timestamp(row.issued_at),
        "user": {"id": user.uuid, "name": user.username, "domain": dict(DOMAIN),
                 "password_expires_at": None},
        "project": {"id": row.project_id, "name": project_name(row.project_id),
                    "domain": dict(DOMAIN)},
        "is_domain": False,
        "roles": roles(user),
    }
    if with_catalog:
        body["catalog"] = catalog.as_v3(catalog.entries(
            user_id=user.uuid, project_id=row.project_id, request_base=request_base))
    return {"token": body}


def project_body(project: Project, base: str) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "domain_id": "default",
            "description": project.description, "enabled": project.state == "active",
            "is_domain": False, "parent_id": "default", "tags": [],
            "links": {"self": f"{base}/identity/v3/projects/{project.id}"}}
