"""Accounts: one user base for the whole cloud, addressed everywhere by uuid."""

from __future__ import annotations

import uuid

from django.db import models


def new_uuid() -> str:
    return str(uuid.uuid4())


class UserState(models.TextChoices):
    PENDING_VERIFICATION = "pending_verification"
    PENDING_MODERATION = "pending_moderation"
    ACTIVE = "active"
    REJECTED = "rejected"
    DEACTIVATED = "deactivated"


class Group(models.Model):
    """A named group; its name is a role in tokens (e.g. 'admin')."""

    name = models.CharField(max_length=80, unique=True)

    def __str__(self) -> str:
        return self.name


class User(models.Model):
    uuid = models.CharField(max_length=36, unique=True, default=new_uuid)
    # Lower-cased; the login name. For people it defaults to the email address.
    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=255, blank=True, default="")
    # A Django hasher string ('' means no local password can match).
    password = models.CharField(max_length=128, blank=True, default="")
    state = models.CharField(max_length=32, choices=UserState.choices,
                             default=UserState.PENDING_VERIFICATION)
    # Component accounts (pithos, cyclades, ...) that call the Account API.
    is_service = models.BooleanField(default=False)
    groups = models.ManyToManyField(Group, blank=True, related_name="users")
    email_verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    # How the account was accepted: manual, email pattern, auth_provider_<module>, ...
    accepted_policy = models.CharField(max_length=64, blank=True, default="")
    rejected_reason = models.TextField(blank=True, default="")
    deactivated_reason = models.TextField(blank=True, default="")
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.username} ({self.uuid})"

    @property
    def is_active(self) -> bool:
        return self.state == UserState.ACTIVE

    @property
    def name(self) -> str:
        return self.display_name or self.username


class AuthProvider(models.Model):
    """One way a user logs in (several per account): local password, LDAP, SAML, OAuth."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_providers")
    module = models.CharField(max_length=32)          # local, ldap, saml, oauth:<name>
    identifier = models.CharField(max_length=255)     # the id the provider knows the user by
    enabled = models.BooleanField(default=True)
    info = models.JSONField(default=dict, blank=True)  # attributes the provider returned
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["module", "identifier"],
                                               name="uniq_auth_provider_identity")]


class LoginFailure(models.Model):
    """One failed login, counted per account name and per client address (throttling)."""

    key = models.CharField(max_length=300, db_index=True)  # "account:<name>" or "addr:<ip>"
    at = models.DateTimeField(db_index=True)
