"""Who is calling: what a validated token says, passed from Astakos to every service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Credentials:
    user_id: str
    user_name: str
    project_id: str
    project_name: str = ""
    roles: tuple[str, ...] = field(default_factory=tuple)
    expires_at: str = ""
    token: str = field(default="", repr=False, compare=False)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_service(self) -> bool:
        return "service" in self.roles

    @classmethod
    def from_keystone_v3(cls, body: dict[str, Any], token: str = "") -> Credentials:
        """Build from the body of GET /identity/v3/auth/tokens."""
        data = body["token"]
        project = data.get("project") or {}
        return cls(
            user_id=data["user"]["id"],
            user_name=data["user"].get("name", ""),
            project_id=project.get("id", ""),
            project_name=project.get("name", ""),
            roles=tuple(role["name"] for role in data.get("roles", [])),
            expires_at=data.get("expires_at", ""),
            token=token,
        )
