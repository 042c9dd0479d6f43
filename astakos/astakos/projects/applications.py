"""Project applications: submit (create or modify), approve, deny, dismiss, cancel; project control.

A pending application holds one unit of astakos.pending_app on its applicant's
base project, committed by Astakos itself, so users cannot flood the admins.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from astakos.identity.models import User
from astakos.identity.users import is_admin
from astakos.projects.models import (
    ApplicationState,
    Membership,
    MembershipState,
    Policy,
    Project,
    ProjectApplication,
    ProjectResource,
    ProjectState,
)
from astakos.projects.quotas import sync_project
from astakos.quotas import commissions
from astakos.quotas.commissions import ProvisionRequest
from astakos.quotas.holdings import project_holder, user_holder
from astakos.quotas.models import Resource
from astakos.quotas.resources import PENDING_APP
from snf_common.faults import BadRequest, Conflict, Forbidden

log = logging.getLogger(__name__)

POLICIES = {p.value for p in Policy}


def may_moderate(user: User) -> bool:
    return is_admin(user) or user.uuid in settings.ASTAKOS_PROJECT_ADMINS


# What the columns hold (PositiveIntegerField, BigIntegerField): larger values would
# fail in the database (a 500 on PostgreSQL) or when the grants become holdings.
MAX_MEMBERS = 2**31 - 1
MAX_CAPACITY = 2**63 - 1


def _str(spec: dict, key: str, default: str = "", *, required: bool = False,
         max_length: int | None = None) -> str:
    value = spec.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest(f"'{key}' must be a {'non-empty ' if required else ''}string.")
    if max_length is not None and len(value.strip()) > max_length:
        raise BadRequest(f"'{key}' is longer than {max_length} characters.")
    return value.strip()


def parse_spec(spec: Any, *, base: Project | None = None) -> dict[str, Any]:
    """Check an application body; fields left out keep the project's current values."""
    if not isinstance(spec, dict):
        raise BadRequest("The project specification must be an object.")
    current = _fields_of(base) if base is not None else {}
    fields: dict[str, Any] = {
        "name": _str(spec, "name", current.get("name", ""), required=True,
                     max_length=Project._meta.get_field("name").max_length),
        "homepage": _str(spec, "homepage", current.get("homepage", ""),
                         max_length=Project._meta.get_field("homepage").max_length),
        "description": _str(spec, "description", current.get("description", "")),
        "comments": _str(spec, "comments"),
    }
    for key in ("join_policy", "leave_policy"):
        value = spec.get(key, current.get(key, Policy.MODERATED if key == "join_policy"
                                          else Policy.AUTO))
        if value not in POLICIES:
            raise BadRequest(f"'{key}' must be one of {sorted(POLICIES)}.")
        fields[key] = value
    max_members = spec.get("max_members", current.get("max_members"))
    if max_members is not None and (not isinstance(max_members, int)
                                    or isinstance(max_members, bool) or max_members < 0
                                    or max_members > MAX_MEMBERS):
        raise BadRequest("'max_members' must be a non-negative integer or null.")
    fields["max_members"] = max_members
    private = spec.get("private", current.get("private", False))
    if not isinstance(private, bool):
        raise BadRequest("'private' must be a boolean.")
    fields["private"] = private
    end_date = spec.get("end_date", current.get("end_date"))
    if isinstance(end_date, str):
        end_date = parse_datetime(end_date)
        if end_date is None:
            raise BadRequest("'end_date' must be an ISO 8601 date and time.")
        if timezone.is_naive(end_date):
            end_date = timezone.make_aware(end_date, datetime.UTC)
    elif end_date is not None and not isinstance(end_date, datetime.datetime):
        raise BadRequest("'end_date' must be an ISO 8601 date and time.")
    fields["end_date"] = end_date
    fields["resources"] = _parse_resources(spec.get("resources", current.get("resources", {})))
    return fields


def _parse_resources(resources: Any) -> dict[str, dict[str, int]]:
    if not isinstance(resources, dict):
        raise BadRequest("'resources' must be {resource: {project_capacity, member_capacity}}.")
    allowed = set(Resource.objects.filter(allow_in_projects=True).values_list("name", flat=True))
    result = {}
    for name, grant in resources.items():
        if name not in allowed:
            raise BadRequest(f"Resource {name!r} does not exist or is not allowed in projects.")
        if not isinstance(grant, dict):
            raise BadRequest(f"The grant of {name} must be an object.")
        values = {}
        for key in ("project_capacity", "member_capacity"):
            value = grant.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise BadRequest(f"{name}.{key} must be a non-negative integer.")
            if value > MAX_CAPACITY:
                raise BadRequest(f"{name}.{key} is larger than {MAX_CAPACITY}.")
            values[key] = value
        if values["member_capacity"] > values["project_capacity"]:
            raise BadRequest(f"{name}: member_capacity exceeds project_capacity.")
        result[name] = values
    return result


def _fields_of(project: Project) -> dict[str, Any]:
    return {"name": project.name, "homepage": project.homepage,
            "description": project.description, "join_policy": project.join_policy,
            "leave_policy": project.leave_policy, "max_members": project.max_members,
            "private": project.private, "end_date": project.end_date,
            "resources": {g.resource: {"project_capacity": g.project_capacity,
                                       "member_capacity": g.member_capacity}
                          for g in project.grants.all()}}


def _charge_pending_app(user: User, quantity: int) -> None:
    """Count (+1) or uncount (-1) a pending application of `user`, committed at once."""
    provisions = [ProvisionRequest(user_holder(user.uuid), project_holder(user.uuid),
                                   PENDING_APP, quantity),
                  ProvisionRequest(project_holder(user.uuid), "", PENDING_APP, quantity)]
    serial = commissions.issue("astakos", provisions, name="pending application",
                               force=may_moderate(user))
    commissions.accept(serial, clientkey="astakos")


def submit(applicant: User, spec: Any, *, project: Project | None = None) -> ProjectApplication:
    """A new project (project=None) or a change to an existing one, pending approval."""
    if project is not None:
        if project.is_base:
            raise Forbidden("Base projects are changed by administrators only.")
        if project.owner_id != applicant.id and not may_moderate(applicant):
            raise Forbidden("Only the owner may modify a project.")
        if project.state in (ProjectState.TERMINATED, ProjectState.DELETED):
            raise Conflict(f"Project {project.id} is {project.state}.")
    fields = parse_spec(spec, base=project)
    with transaction.atomic():
        if project is None:
            project = Project.objects.create(
                owner=applicant, state=ProjectState.UNINITIALIZED,
                **{k: fields[k] for k in ("name", "homepage", "description", "join_policy",
                                          "leave_policy", "max_members", "private",
                                          "end_date")})
        # A newer application replaces a pending one of the same project.
        for old in project.applications.filter(state=ApplicationState.PENDING):
            _close(old, ApplicationState.CANCELLED, "replaced by a newer application")
        _charge_pending_app(applicant, 1)
        application = ProjectApplication.objects.create(
            project=project, applicant=applicant, owner=project.owner or applicant, **fields)
    log.info("application %s for project %s submitted by %s", application.id, project.id,
             applicant.uuid)
    return application


def _close(application: ProjectApplication, state: str, reason: str) -> None:
    application.state = state
    application.response = reason
    application.response_at = timezone.now()
    application.save(update_fields=["state", "response", "response_at"])
    _charge_pending_app(application.applicant, -1)


def _pending(application: ProjectApplication) -> None:
    if application.state != ApplicationState.PENDING:
        raise Conflict(f"Application {application.id} is {application.state}, not pending.")


def approve(application: ProjectApplication, actor: User, reason: str = "") -> Project:
    if not may_moderate(actor):
        raise Forbidden("Only project administrators approve applications.")
    with transaction.atomic():
        application = ProjectApplication.objects.select_for_update().get(pk=application.pk)
        _pending(application)
        project = Project.objects.select_for_update().get(pk=application.project_id)
        project.applications.filter(state=ApplicationState.APPROVED).update(
            state=ApplicationState.REPLACED)
        _close(application, ApplicationState.APPROVED, reason)
        for key in ("name", "homepage", "description", "join_policy", "leave_policy",
                    "max_members", "private", "end_date"):
            setattr(project, key, getattr(application, key))
        if project.state == ProjectState.UNINITIALIZED:
            project.state = ProjectState.ACTIVE
        project.save()
        project.grants.all().delete()
        ProjectResource.objects.bulk_create([
            ProjectResource(project=project, resource=name, **grant)
            for name, grant in application.resources.items()])
        if project.owner is not None:
            membership, _ = Membership.objects.get_or_create(project=project, user=project.owner)
            if membership.state != MembershipState.ACCEPTED:
                membership.state = MembershipState.ACCEPTED
                membership.accepted_at = timezone.now()
                membership.save()
        sync_project(project)
    log.info("application %s approved by %s: project %s", application.id, actor.uuid, project.id)
    return project


def deny(application: ProjectApplication, actor: User, reason: str = "") -> None:
    if not may_moderate(actor):
        raise Forbidden("Only project administrators deny applications.")
    with transaction.atomic():
        _pending(application)
        _close(application, ApplicationState.DENIED, reason)


def cancel(application: ProjectApplication, actor: User, reason: str = "") -> None:
    if actor.id != application.applicant_id:
        raise Forbidden("Only the applicant cancels an application.")
    with transaction.atomic():
        _pending(application)
        _close(application, ApplicationState.CANCELLED, reason)


def dismiss(application: ProjectApplication, actor: User, reason: str = "") -> None:
    """The applicant acknowledges a denial (no quota involved any more)."""
    if actor.id != application.applicant_id:
        raise Forbidden("Only the applicant dismisses an application.")
    if application.state != ApplicationState.DENIED:
        raise Conflict(f"Application {application.id} is not denied.")
    application.state = ApplicationState.DISMISSED
    application.save(update_fields=["state"])


PROJECT_TRANSITIONS = {
    "suspend": ((ProjectState.ACTIVE,), ProjectState.SUSPENDED),
    "unsuspend": ((ProjectState.SUSPENDED,), ProjectState.ACTIVE),
    "terminate": ((ProjectState.ACTIVE, ProjectState.SUSPENDED), ProjectState.TERMINATED),
    "reinstate": ((ProjectState.TERMINATED,), ProjectState.ACTIVE),
}


def control(project: Project, action: str, actor: User, reason: str = "") -> Project:
    """suspend, unsuspend, terminate, reinstate: limits follow (0 while not active)."""
    if not may_moderate(actor):
        raise Forbidden("Only project administrators control projects.")
    if action not in PROJECT_TRANSITIONS:
        raise BadRequest(f"Unknown project action {action!r}.")
    allowed, target = PROJECT_TRANSITIONS[action]
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.state not in allowed:
            raise Conflict(f"Cannot {action} a project that is {project.state}.")
        project.state = target
        project.deactivated_at = None if target == ProjectState.ACTIVE else timezone.now()
        project.save(update_fields=["state", "deactivated_at"])
        sync_project(project)
    log.info("project %s %s by %s (%s)", project.id, action, actor.uuid, reason)
    return project
