"""JSON shapes of projects, applications and memberships (shared by the API and commands)."""

from __future__ import annotations

from typing import Any

from astakos.projects.models import Membership, Project, ProjectApplication


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def application_json(app: ProjectApplication) -> dict[str, Any]:
    return {"id": app.id, "project": app.project_id, "state": app.state, "name": app.name,
            "owner": app.owner.uuid, "applicant": app.applicant.uuid,
            "homepage": app.homepage, "description": app.description,
            "end_date": _iso(app.end_date), "join_policy": app.join_policy,
            "leave_policy": app.leave_policy, "max_members": app.max_members,
            "private": app.private, "resources": app.resources, "comments": app.comments,
            "date": _iso(app.submitted_at), "response": app.response,
            "response_date": _iso(app.response_at)}


def project_json(project: Project) -> dict[str, Any]:
    last = project.applications.order_by("-id").first()
    return {"id": project.id, "state": project.state, "name": project.name,
            "owner": project.owner.uuid if project.owner else None,
            "creation_date": _iso(project.created_at), "homepage": project.homepage,
            "description": project.description, "end_date": _iso(project.end_date),
            "join_policy": project.join_policy, "leave_policy": project.leave_policy,
            "max_members": project.max_members, "private": project.private,
            "system_project": project.is_base, "deactivation_date": _iso(project.deactivated_at),
            "resources": {g.resource: {"project_capacity": g.project_capacity,
                                       "member_capacity": g.member_capacity}
                          for g in project.grants.all()},
            "last_application": application_json(last) if last else None}


def membership_json(m: Membership, allowed: list[str] | None = None) -> dict[str, Any]:
    return {"id": m.id, "user": m.user.uuid, "project": m.project_id, "state": m.state,
            "requested": _iso(m.requested_at), "accepted": _iso(m.accepted_at),
            "removed": _iso(m.left_at), "allowed_actions": allowed or []}
