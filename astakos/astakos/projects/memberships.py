"""Memberships: join, enroll, accept, reject, remove, leave, cancel."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from astakos.identity.models import User
from astakos.projects.applications import may_moderate
from astakos.projects.models import Membership, MembershipState, Policy, Project, ProjectState
from astakos.projects.quotas import ACTIVE_MEMBER_STATES, sync_project
from snf_common.faults import BadRequest, Conflict, Forbidden

log = logging.getLogger(__name__)
S = MembershipState


def _may_manage(project: Project, actor: User) -> bool:
    return project.owner_id == actor.id or may_moderate(actor)


def _joinable(project: Project) -> None:
    if project.is_base:
        raise Forbidden("Nobody joins a base project.")
    if project.state != ProjectState.ACTIVE:
        raise Conflict(f"Project {project.id} is {project.state}.")


def _check_room(project: Project) -> None:
    if project.max_members is not None:
        members = project.memberships.filter(state__in=ACTIVE_MEMBER_STATES).count()
        if members >= project.max_members:
            raise Conflict(f"Project {project.id} is full ({project.max_members} members).")


def _set(membership: Membership, state: str) -> Membership:
    membership.state = state
    now = timezone.now()
    if state == S.ACCEPTED:
        membership.accepted_at = now
    if state in (S.REMOVED, S.CANCELLED, S.REJECTED):
        membership.left_at = now
    membership.save()
    sync_project(membership.project)
    log.info("membership %s of %s in %s -> %s", membership.id, membership.user.uuid,
             membership.project_id, state)
    return membership


def _membership(project: Project, user: User) -> Membership:
    membership, created = Membership.objects.get_or_create(project=project, user=user)
    if not created and membership.state in (S.ACCEPTED, S.LEAVE_REQUESTED, S.REQUESTED):
        raise Conflict(f"User {user.uuid} is already {membership.state} in {project.id}.")
    return membership


def join(user: User, project: Project) -> Membership:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _joinable(project)
        if project.join_policy == Policy.CLOSED:
            raise Forbidden(f"Project {project.id} is closed to join requests.")
        membership = _membership(project, user)
        if project.join_policy == Policy.AUTO:
            _check_room(project)
            return _set(membership, S.ACCEPTED)
        return _set(membership, S.REQUESTED)


def enroll(actor: User, project: Project, user: User) -> Membership:
    if not _may_manage(project, actor):
        raise Forbidden("Only the owner enrolls members.")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _joinable(project)
        membership = _membership(project, user)
        _check_room(project)
        return _set(membership, S.ACCEPTED)


ACTIONS = {
    # action: (who: "manager" | "member", from states, to state)
    "accept": ("manager", (S.REQUESTED,), S.ACCEPTED),
    "reject": ("manager", (S.REQUESTED,), S.REJECTED),
    "remove": ("manager", (S.ACCEPTED, S.LEAVE_REQUESTED), S.REMOVED),
    "cancel": ("member", (S.REQUESTED,), S.CANCELLED),
    "leave": ("member", (S.ACCEPTED,), None),  # by the leave policy
}


def act(membership: Membership, action: str, actor: User) -> Membership:
    if action not in ACTIONS:
        raise BadRequest(f"Unknown membership action {action!r}.")
    who, sources, target = ACTIONS[action]
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related(
            "project", "user").get(pk=membership.pk)
        project = membership.project
        if project.is_base:
            raise Forbidden("Base project memberships do not change.")
        if who == "manager" and not _may_manage(project, actor):
            raise Forbidden(f"Only the project owner may {action} members.")
        if who == "member" and membership.user_id != actor.id:
            raise Forbidden(f"Only the member may {action}.")
        if action == "leave" and membership.state == S.LEAVE_REQUESTED:
            raise Conflict("Leaving is already requested.")
        if membership.state not in sources:
            raise Conflict(f"Cannot {action} a membership that is {membership.state}.")
        if action == "accept":
            _check_room(project)
        if action == "leave":
            if project.leave_policy == Policy.CLOSED:
                raise Forbidden(f"Project {project.id} does not let members leave.")
            target = S.REMOVED if project.leave_policy == Policy.AUTO else S.LEAVE_REQUESTED
        return _set(membership, target)


def allowed_actions(membership: Membership, actor: User) -> list[str]:
    result = []
    for action, (who, sources, _) in ACTIONS.items():
        if membership.state not in sources or membership.project.is_base:
            continue
        if who == "manager" and _may_manage(membership.project, actor):
            result.append(action)
        if who == "member" and membership.user_id == actor.id:
            result.append(action)
    return result
