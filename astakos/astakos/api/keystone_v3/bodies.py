"""Keystone v3 JSON shapes: tokens, projects, roles, the domain."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from astakos.identity.users import roles_of
from astakos.projects.models import Project
from astakos.tokens import catalog
from astakos.tokens.models import Token
from astakos.tokens.snapshot import TokenInfo

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
    return role_refs(roles_of(user))


def role_refs(names) -> list[dict[str, str]]:
    return [{"id": role_id(name), "name": name} for name in names]


@functools.lru_cache(maxsize=256)
def role_id(name: str) -> str:
    return catalog.stable_id("role", name)


def token_body(info: TokenInfo, *, request_base: str, with_catalog: bool = True
               ) -> dict[str, Any]:
    body: dict[str, Any] = {
        "methods": list(info.methods),
        "audit_ids": [info.audit_id],
        "expires_at": timestamp(info.expires_at or (info.issued_at + NEVER_EXPIRES)),
        "issued_at": timestamp(info.issued_at),
        "user": {"id": info.user_uuid, "name": info.username, "domain": dict(DOMAIN),
                 "password_expires_at": None},
        "project": {"id": info.project_id, "name": info.project_name, "domain": dict(DOMAIN)},
        "is_domain": False,
        "roles": role_refs(info.roles),
    }
    if with_catalog:
        body["catalog"] = catalog.as_v3(catalog.entries(
            user_id=info.user_uuid, project_id=info.project_id, request_base=request_base))
    return {"token": body}


def project_body(project: Project, base: str) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "domain_id": "default",
            "description": project.description, "enabled": project.state == "active",
            "is_domain": False, "parent_id": "default", "tags": [],
            "links": {"self": f"{base}/identity/v3/projects/{project.id}"}}
