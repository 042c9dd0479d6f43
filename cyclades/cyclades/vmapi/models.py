"""Deployment parameters waiting for snf-image to fetch them (once) through config_url."""

from __future__ import annotations

from django.db import models


class ServerParams(models.Model):
    # The random uuid is the only credential of the document: it is unguessable
    # (122 random bits), travels only inside the Ganeti job, and works once.
    uuid = models.CharField(max_length=36, primary_key=True)
    server_id = models.BigIntegerField(db_index=True)
    params = models.JSONField(default=dict)
    expires = models.DateTimeField(db_index=True)
    created = models.DateTimeField(auto_now_add=True)
