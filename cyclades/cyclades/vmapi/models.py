"""Deployment parameters waiting for snf-image to fetch them (once) through config_url."""

from __future__ import annotations

from django.db import models


class ServerParams(models.Model):
    # The random uuid is the only credential of the document: it is unguessable
    # (122 random bits), travels only inside the Ganeti job, and works once. The
    # database keeps neither the uuid nor the clear document: a hash of the uuid
    # finds the row, and a key derived from the uuid decrypts it (see params.py).
    key_hash = models.CharField(max_length=64, primary_key=True)
    server_id = models.BigIntegerField(db_index=True)
    sealed = models.TextField()
    expires = models.DateTimeField(db_index=True)
    created = models.DateTimeField(auto_now_add=True)
