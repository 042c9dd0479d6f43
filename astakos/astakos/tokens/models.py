"""Tokens (only their sha256 is stored), components and their catalog entries."""

from __future__ import annotations

from django.db import models

from astakos.identity.models import User


class Token(models.Model):
    digest = models.CharField(max_length=64, primary_key=True)  # sha256 hex of the token
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    project_id = models.CharField(max_length=36)   # the scope; a base project id == user uuid
    methods = models.CharField(max_length=64, default="password")  # comma separated
    audit_id = models.CharField(max_length=32)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)   # None: never (service tokens)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]


class Component(models.Model):
    """A registered service (pithos, cyclades, astakos) and the account it calls us with."""

    name = models.CharField(max_length=64, unique=True)
    account = models.OneToOneField(User, on_delete=models.PROTECT, related_name="component")
    # The service token is derived from SECRET_KEY, the name and this generation, so
    # service-import can print it again while only its digest is stored.
    token_generation = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)


class Service(models.Model):
    """One catalog entry: public, internal and admin endpoints share its URL."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=64)
    version = models.CharField(max_length=32, blank=True, default="")
    url = models.CharField(max_length=500)   # may hold {user_id} / {project_id}
    ui_url = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ("id",)
