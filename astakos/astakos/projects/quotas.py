"""Project quotas -> holdings: the project's total and each active member's share."""

from __future__ import annotations

from astakos.projects.models import Membership, MembershipState, Project, ProjectState
from astakos.quotas.holdings import project_holder, set_limits, user_holder
from astakos.quotas.models import Resource

ACTIVE_MEMBER_STATES = (MembershipState.ACCEPTED, MembershipState.LEAVE_REQUESTED)


def capacities(project: Project) -> dict[str, tuple[int, int]]:
    """{resource: (project_capacity, member_capacity)} of a project."""
    grants = {g.resource: (g.project_capacity, g.member_capacity) for g in project.grants.all()}
    result = {}
    for resource in Resource.objects.all():
        if resource.name in grants:
            result[resource.name] = grants[resource.name]
        elif project.is_base:
            result[resource.name] = (resource.default_limit, resource.default_limit)
        else:
            result[resource.name] = (resource.project_default, resource.project_default)
    return result


def sync_project(project: Project) -> int:
    """Rewrite the limits of the project's holdings (usages are kept).

    A project that is not active, or a member who is not, gets limit 0: existing
    usage stays recorded but nothing new can be allocated.
    """
    active = project.state == ProjectState.ACTIVE
    limits = []
    source = project_holder(project.id)
    members = list(Membership.objects.filter(project=project).select_related("user"))
    for resource, (project_cap, member_cap) in capacities(project).items():
        limits.append((source, "", resource, project_cap if active else 0))
        for m in members:
            member_active = active and m.state in ACTIVE_MEMBER_STATES and m.user.is_active
            limits.append((user_holder(m.user.uuid), source, resource,
                           member_cap if member_active else 0))
    return set_limits(limits)


def sync_all() -> int:
    return sum(sync_project(p) for p in Project.objects.exclude(state=ProjectState.DELETED))
