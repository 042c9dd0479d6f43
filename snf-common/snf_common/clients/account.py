"""Synnefo Account API client (Astakos /account/v1.0): quotas, commissions, user catalogs.

Services call it with their service token (as `token`); users' own calls
(`get_quotas`, `user_catalogs`) take a user token.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from snf_common.clients.base import ClientError, HttpClient


def account_url_from_identity(identity_url: str) -> str:
    """.../identity/v3 (or v2.0) -> .../account/v1.0 on the same Astakos."""
    base = identity_url.rstrip("/")
    for suffix in ("/identity/v3", "/identity/v2.0", "/identity"):
        if base.endswith(suffix):
            return base[: -len(suffix)] + "/account/v1.0"
    return base + "/account/v1.0"


def provision(holder: str, source: str | None, resource: str, quantity: int) -> dict[str, Any]:
    """One provision: `holder` a user uuid, `source` the project uuid it is charged to."""
    return {"holder": holder, "source": source, "resource": resource, "quantity": quantity}


def fault_data(error: ClientError) -> dict[str, Any]:
    """The `data` of a commission failure: name (NoCapacityError, ...), provision, limit, usage."""
    try:
        payload = json.loads(error.body or b"{}")
    except ValueError:
        return {}
    if isinstance(payload, dict) and len(payload) == 1:
        inner = next(iter(payload.values()))
        if isinstance(inner, dict) and isinstance(inner.get("data"), dict):
            return inner["data"]
    return {}


class AccountClient(HttpClient):
    """`endpoint` is the Account API base, e.g. http://host:8700/account/v1.0."""

    # -- commissions (service token) --
    def issue_commission(self, provisions: Iterable[dict[str, Any]], *, force: bool = False,
                         auto_accept: bool = False, name: str = "") -> int:
        """Reserve all provisions or none; returns the serial.

        Raises ClientError 413 (over limit: see fault_data), 404 (no holding), 400.
        """
        body = {"provisions": list(provisions), "force": force, "auto_accept": auto_accept,
                "name": name}
        return self.post_json("commissions", body, expect=(201,), retry=False)["serial"]

    def issue_one_commission(self, holder: str, provisions: dict[tuple[str, str], int], *,
                             force: bool = False, auto_accept: bool = False,
                             name: str = "") -> int:
        """{(source project, resource): quantity} for one holder."""
        items = [provision(holder, source, resource, quantity)
                 for (source, resource), quantity in provisions.items()]
        return self.issue_commission(items, force=force, auto_accept=auto_accept, name=name)

    def get_pending_commissions(self) -> list[int]:
        return self.get_json("commissions")

    def get_commission(self, serial: int) -> dict[str, Any]:
        return self.get_json(f"commissions/{int(serial)}")

    def accept_commission(self, serial: int, reason: str = "") -> None:
        self.request("POST", f"commissions/{int(serial)}/action",
                     json_body={"accept": reason}, expect=(200,), retry=True)

    def reject_commission(self, serial: int, reason: str = "") -> None:
        self.request("POST", f"commissions/{int(serial)}/action",
                     json_body={"reject": reason}, expect=(200,), retry=True)

    def resolve_commissions(self, accept: Iterable[int] = (), reject: Iterable[int] = (),
                            reason: str = "") -> dict[str, Any]:
        """{"accepted": [...], "rejected": [...], "failed": [[serial, fault], ...]}.

        Resolving is idempotent (a resolved serial is reported as failed), so it is retried.
        """
        return self.post_json("commissions/action",
                              {"accept": list(accept), "reject": list(reject), "reason": reason},
                              expect=(200,), retry=True)

    # -- quotas --
    def get_quotas(self) -> dict[str, Any]:
        """The caller's quotas: {project: {resource: {limit, usage, pending, project_*}}}."""
        return self.get_json("quotas")

    def service_quotas(self, users: Iterable[str] | None = None,
                       projects: Iterable[str] | None = None) -> dict[str, Any]:
        params = {}
        if users is not None:
            params["user"] = ",".join(users)
        if projects is not None:
            params["project"] = ",".join(projects)
        return self.get_json("service_quotas", params=params)

    def service_project_quotas(self, projects: Iterable[str] | None = None) -> dict[str, Any]:
        params = {"project": ",".join(projects)} if projects is not None else None
        return self.get_json("service_project_quotas", params=params)

    def resources(self) -> dict[str, Any]:
        return self.get_json("resources")

    # -- users --
    def user_catalogs(self, uuids: Iterable[str] = (), displaynames: Iterable[str] = (), *,
                      service: bool = False) -> dict[str, dict[str, str]]:
        """{"uuid_catalog": {uuid: name}, "displayname_catalog": {name: uuid}}."""
        path = "service/user_catalogs" if service else "user_catalogs"
        return self.post_json(path, {"uuids": list(uuids), "displaynames": list(displaynames)},
                              expect=(200,), retry=True)

    # -- projects --
    def list_projects(self, **filters: str) -> list[dict[str, Any]]:
        return self.get_json("projects", params=filters or None)

    def get_project(self, project_id: str) -> dict[str, Any]:
        return self.get_json(f"projects/{project_id}")

    def create_project(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.post_json("projects", spec, expect=(201,), retry=False)

    def project_action(self, project_id: str, action: str, reason: str = "",
                       app_id: int | None = None) -> None:
        body: dict[str, Any] = {"reason": reason}
        if app_id is not None:
            body["app_id"] = app_id
        self.request("POST", f"projects/{project_id}/action", json_body={action: body},
                     expect=(200,), retry=False)

    def join_project(self, project_id: str) -> int:
        return self.post_json("projects/memberships", {"join": {"project": project_id}},
                              expect=(200, 201), retry=False)["id"]

    def enroll_member(self, project_id: str, email: str) -> int:
        return self.post_json("projects/memberships",
                              {"enroll": {"project": project_id, "user": email}},
                              expect=(200, 201), retry=False)["id"]

    def list_memberships(self, project_id: str | None = None) -> list[dict[str, Any]]:
        return self.get_json("projects/memberships",
                             params={"project": project_id} if project_id else None)

    def membership_action(self, membership_id: int, action: str, reason: str = "") -> None:
        self.request("POST", f"projects/memberships/{int(membership_id)}/action",
                     json_body={action: reason}, expect=(200,), retry=False)
