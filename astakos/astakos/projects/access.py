"""Which projects a user may act in: the funnels every scope and API check goes through."""

from __future__ import annotations

from django.db.models import Q

from astakos.identity.models import User
from astakos.projects.models import Membership, MembershipState, Project, ProjectState
from snf_common.faults import ItemNotFound, Unauthorized

MEMBER_STATES = (MembershipState.ACCEPTED, MembershipState.LEAVE_REQUESTED)


def member_projects(user: User) -> list[Project]:
    """Active projects where the user is an active member, base project first."""
    ids = Membership.objects.filter(user=user, state__in=MEMBER_STATES).values("project_id")
    projects = Project.objects.filter(id__in=ids, state=ProjectState.ACTIVE)
    return sorted(projects, key=lambda p: (not p.is_base, p.created_at))


def scope_project(user: User, *, project_id: str = "", project_name: str = "") -> Project:
    """The project a token is scoped to; 401 when the user is no active member of it."""
    if not project_id and not project_name:
        project_id = user.uuid
    query = Membership.objects.filter(user=user, state__in=MEMBER_STATES,
                                      project__state=ProjectState.ACTIVE)
    if project_id:
        query = query.filter(project_id=project_id)
    else:
        # The user's own base project wins over a regular project of the same name.
        query = query.filter(project__name=project_name).order_by("-project__is_base")
    membership = query.select_related("project").first()
    if membership is None:
        raise Unauthorized(f"User {user.uuid} has no access to project "
                           f"{project_id or project_name}.")
    return membership.project


def visible_project(user: User, project_id: str, *, is_admin: bool = False) -> Project:
    """A project the user may see: public ones, ones they belong to or own, all for admins."""
    project = Project.objects.filter(id=project_id).exclude(state=ProjectState.DELETED).first()
    if project is None:
        raise ItemNotFound(f"No such project: {project_id}")
    if is_admin or not project.private or project.owner_id == user.id:
        return project
    if Membership.objects.filter(Q(project=project) & Q(user=user)).exists():
        return project
    raise ItemNotFound(f"No such project: {project_id}")
