"""Every user's base (system) project: id == user uuid, name == username, default quotas."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from astakos.identity.models import User
from astakos.projects.models import Membership, MembershipState, Project, ProjectState
from astakos.projects.quotas import sync_project


def ensure_base_project(user: User) -> Project:
    with transaction.atomic():
        project, _ = Project.objects.get_or_create(
            id=user.uuid,
            defaults={"name": user.username, "owner": user, "is_base": True,
                      "state": ProjectState.ACTIVE, "join_policy": "closed",
                      "leave_policy": "closed", "max_members": 1, "private": True,
                      "description": f"System project of {user.username}"})
        Membership.objects.get_or_create(
            project=project, user=user,
            defaults={"state": MembershipState.ACCEPTED, "accepted_at": timezone.now()})
        sync_project(project)
    return project
