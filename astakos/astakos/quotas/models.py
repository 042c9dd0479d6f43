"""Resources, holdings (holder, source, resource) and commissions with their provisions."""

from __future__ import annotations

from django.db import models


class Resource(models.Model):
    name = models.CharField(max_length=128, unique=True)   # e.g. cyclades.vm
    description = models.TextField(blank=True, default="")
    unit = models.CharField(max_length=32, blank=True, default="")  # '' (a count) or 'bytes'
    service_type = models.CharField(max_length=64, blank=True, default="")
    component = models.CharField(max_length=64)   # the service that owns it (clientkey)
    default_limit = models.BigIntegerField(default=0)     # every user's base project
    project_default = models.BigIntegerField(default=0)   # new projects, unless granted
    ui_visible = models.BooleanField(default=True)
    api_visible = models.BooleanField(default=True)
    allow_in_projects = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)


class Holding(models.Model):
    """What one holder may use of one resource from one source, and what it uses.

    usage_max counts pending imports, usage_min pending releases: after every
    commission is resolved the two are equal. Project holdings have source ''.
    """

    holder = models.CharField(max_length=80)    # user:<uuid> or project:<uuid>
    source = models.CharField(max_length=80, blank=True, default="")  # project:<uuid> or ''
    resource = models.CharField(max_length=128)
    limit = models.BigIntegerField(default=0)
    usage_min = models.BigIntegerField(default=0)
    usage_max = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["holder", "source", "resource"],
                                               name="uniq_holding")]
        indexes = [models.Index(fields=["source", "resource"])]


class Commission(models.Model):
    serial = models.BigAutoField(primary_key=True)
    clientkey = models.CharField(max_length=64, db_index=True)  # the issuing component
    name = models.CharField(max_length=300, blank=True, default="")
    issue_time = models.DateTimeField()


class Provision(models.Model):
    commission = models.ForeignKey(Commission, on_delete=models.CASCADE,
                                   related_name="provisions")
    holder = models.CharField(max_length=80)
    source = models.CharField(max_length=80, blank=True, default="")
    resource = models.CharField(max_length=128)
    quantity = models.BigIntegerField()


class ProvisionLog(models.Model):
    """The record of every resolved provision (accepted or rejected)."""

    serial = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=300, blank=True, default="")
    issue_time = models.DateTimeField()
    log_time = models.DateTimeField()
    holder = models.CharField(max_length=80)
    source = models.CharField(max_length=80, blank=True, default="")
    resource = models.CharField(max_length=128)
    limit = models.BigIntegerField()
    usage_min = models.BigIntegerField()
    usage_max = models.BigIntegerField()
    delta_quantity = models.BigIntegerField()
    reason = models.CharField(max_length=128, blank=True, default="")
