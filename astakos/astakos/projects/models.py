"""Projects, their applications (requests to create or change them) and memberships."""

from __future__ import annotations

from django.db import models

from astakos.identity.models import User, new_uuid


class ProjectState(models.TextChoices):
    UNINITIALIZED = "uninitialized"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    DELETED = "deleted"


class Policy(models.TextChoices):
    AUTO = "auto"
    MODERATED = "moderated"
    CLOSED = "closed"


class ApplicationState(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REPLACED = "replaced"
    DENIED = "denied"
    DISMISSED = "dismissed"
    CANCELLED = "cancelled"


class MembershipState(models.TextChoices):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    LEAVE_REQUESTED = "leave_requested"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    REMOVED = "removed"


class Project(models.Model):
    # A user's base project has the user's uuid as its id.
    id = models.CharField(max_length=36, primary_key=True, default=new_uuid)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(User, null=True, on_delete=models.SET_NULL,
                              related_name="owned_projects")
    is_base = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=ProjectState.choices,
                             default=ProjectState.UNINITIALIZED)
    homepage = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    end_date = models.DateTimeField(null=True, blank=True)
    join_policy = models.CharField(max_length=16, choices=Policy.choices, default=Policy.MODERATED)
    leave_policy = models.CharField(max_length=16, choices=Policy.choices, default=Policy.AUTO)
    max_members = models.PositiveIntegerField(null=True, blank=True)
    private = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")


class ProjectResource(models.Model):
    """A grant: the project's total and each member's share of a resource."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="grants")
    resource = models.CharField(max_length=128)
    project_capacity = models.BigIntegerField()
    member_capacity = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "resource"],
                                               name="uniq_project_resource")]


class ProjectApplication(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=ApplicationState.choices,
                             default=ApplicationState.PENDING)
    name = models.CharField(max_length=200)
    homepage = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    end_date = models.DateTimeField(null=True, blank=True)
    join_policy = models.CharField(max_length=16, choices=Policy.choices, default=Policy.MODERATED)
    leave_policy = models.CharField(max_length=16, choices=Policy.choices, default=Policy.AUTO)
    max_members = models.PositiveIntegerField(null=True, blank=True)
    private = models.BooleanField(default=False)
    resources = models.JSONField(default=dict)  # {res: {project_capacity, member_capacity}}
    comments = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(blank=True, default="")
    response_at = models.DateTimeField(null=True, blank=True)
    # The serial of the astakos.pending_app commission held while pending.
    pending_serial = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("id",)


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    state = models.CharField(max_length=20, choices=MembershipState.choices,
                             default=MembershipState.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)
        constraints = [models.UniqueConstraint(fields=["project", "user"],
                                               name="uniq_membership")]
