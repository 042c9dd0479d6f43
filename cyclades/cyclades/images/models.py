"""Plankton images: a Pithos file's blocks plus the metadata that makes it bootable.

An image's data is never copied. When an image becomes active, Cyclades reads the
Pithos object's hashmap through the Pithos API and writes it into the block store
Pithos and Archipelago share (see `blockmaps.py`); `location` is then the
`pithosmap://<map>/<size>` that snf-image and the Archipelago ExtStorage provider read.
This table is the index of every registered image (the authority for visibility,
members and metadata); Pithos keeps the file and a few `X-Object-Meta-Plankton-*` marks.

Admin-registered images (`cyclades-manage image-register`) live here too: their
`location` is whatever img_id snf-image understands. Servers keep a snapshot of the
image metadata they were built from, so they never depend on this table later.
"""

from __future__ import annotations

import uuid

from django.db import models

VISIBILITIES = ("public", "community", "shared", "private")
STATUSES = ("queued", "saving", "active", "killed", "deleted", "deactivated")
MEMBER_STATUSES = ("pending", "accepted", "rejected")


class SystemImage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255, blank=True, default="")
    location = models.CharField(max_length=1024, blank=True, default="",
                                help_text="snf-image img_id")
    format = models.CharField(max_length=32, default="diskdump")       # disk_format
    container_format = models.CharField(max_length=32, default="bare")
    properties = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(max_length=16, default="public")
    protected = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True)
    owner = models.CharField(max_length=64, blank=True, default="")
    min_disk = models.IntegerField(default=0)   # GiB
    min_ram = models.IntegerField(default=0)    # MiB
    size = models.BigIntegerField(default=0)    # bytes
    checksum = models.CharField(max_length=64, blank=True, default="")  # MD5 (Pithos ETag)
    status = models.CharField(max_length=16, default="active")
    # Where the data is: the Pithos file and the version whose hashmap was published.
    pithos_location = models.CharField(max_length=2048, blank=True, default="")
    pithos_uuid = models.CharField(max_length=64, blank=True, default="")
    pithos_version = models.CharField(max_length=64, blank=True, default="")
    map_name = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "deleted"]),
                   models.Index(fields=["visibility", "deleted"])]

    @property
    def public(self) -> bool:
        return self.visibility == "public"

    @property
    def disk_format(self) -> str:
        return self.format

    def snapshot(self) -> dict:
        """What a server keeps of its image."""
        return {"id": str(self.id), "name": self.name, "location": self.location,
                "format": self.format, "properties": dict(self.properties),
                "owner": self.owner}


Image = SystemImage


class ImageMember(models.Model):
    """Glance membership: the owner shares, the member accepts (or rejects)."""

    image = models.ForeignKey(SystemImage, on_delete=models.CASCADE, related_name="members")
    member = models.CharField(max_length=64)
    status = models.CharField(max_length=16, default="pending")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["image", "member"],
                                               name="image_member_unique")]
        indexes = [models.Index(fields=["member", "status"])]
