"""The minimal image registry: what snf-image needs to deploy an image.

The full Glance/Plankton service (images as Pithos files) replaces the admin-side
registration later; servers keep a snapshot of the image metadata they were built
from, so they never depend on this table staying unchanged.
"""

from __future__ import annotations

import uuid

from django.db import models


class SystemImage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    location = models.CharField(max_length=1024, help_text="snf-image img_id")
    format = models.CharField(max_length=32, default="diskdump")
    properties = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)
    owner = models.CharField(max_length=64, blank=True, default="")
    min_disk = models.IntegerField(default=0)   # GiB
    min_ram = models.IntegerField(default=0)    # MiB
    size = models.BigIntegerField(default=0)    # bytes
    status = models.CharField(max_length=16, default="ACTIVE")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]

    def snapshot(self) -> dict:
        """What a server keeps of its image."""
        return {"id": str(self.id), "name": self.name, "location": self.location,
                "format": self.format, "properties": dict(self.properties),
                "owner": self.owner}
