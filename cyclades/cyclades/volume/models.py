"""Volume types, volumes (the disks of servers, boot disks included) and snapshots.

A volume is a record first: an unattached volume holds no Ganeti disk. Attaching
it adds a disk named `vol-<uuid>` to the instance (an instance-modify job), and
Ganeti's disk uuid is learnt from the job's op-status message. On Archipelago
(`ext_archipelago`) a volume's content is a map in the shared block store, so a
volume from an image or a snapshot starts as a copy-on-write clone (`origin`).
"""

from __future__ import annotations

import uuid

from django.db import models

STATUSES = ("creating", "available", "attaching", "in-use", "detaching", "deleting",
            "error", "deleted")
SNAPSHOT_STATUSES = ("creating", "available", "deleting", "error", "deleted")


class VolumeType(models.Model):
    """A name users pick + the Ganeti disk template behind it (`ext_<provider>` for ExtStorage)."""

    name = models.CharField(max_length=128, unique=True)
    disk_template = models.CharField(max_length=64)
    description = models.CharField(max_length=255, blank=True, default="")
    deleted = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    @property
    def template(self) -> str:
        """Ganeti's disk template: the part before `_` (ext_archipelago -> ext)."""
        return self.disk_template.split("_", 1)[0]

    @property
    def provider(self) -> str:
        """The ExtStorage provider: the part after `_` ('' for other templates)."""
        return self.disk_template.split("_", 1)[1] if "_" in self.disk_template else ""

    def __str__(self) -> str:
        return f"volume type {self.name}"


class Volume(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.CharField(max_length=64, db_index=True)        # user uuid
    project = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=255, blank=True, default="")
    description = models.CharField(max_length=255, blank=True, default="")
    size = models.PositiveIntegerField()                            # GiB
    volume_type = models.ForeignKey(VolumeType, on_delete=models.PROTECT,
                                    related_name="volumes")
    status = models.CharField(max_length=16, default="creating", db_index=True)
    server = models.ForeignKey("compute.Server", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="volumes")
    index = models.IntegerField(null=True, blank=True)             # disk index in the instance
    boot = models.BooleanField(default=False)                      # the server's root disk
    delete_on_termination = models.BooleanField(default=False)
    source = models.CharField(max_length=128, blank=True, default="")  # image:<id> / snapshot:<id>
    # What a new Ganeti disk of this volume starts from (ExtStorage `origin` parameter):
    # pithosmap://<map>/<bytes>, snapshot:<map>, or '' for an empty disk.
    origin = models.CharField(max_length=1024, blank=True, default="")
    backend_disk_uuid = models.CharField(max_length=64, blank=True, default="")
    backend_job_id = models.BigIntegerField(null=True, blank=True)  # attach/detach job
    fault = models.TextField(blank=True, default="")
    quota_held = models.BigIntegerField(default=0)                 # cyclades.disk bytes
    deleted = models.BooleanField(default=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["owner", "deleted", "id"])]

    @property
    def disk_name(self) -> str:
        """The Ganeti disk name: how messages about the instance's disks name this volume."""
        if self.boot:
            return f"disk-{self.server_id}-0"   # named by the server's create job
        return f"vol-{self.uuid}"

    def __str__(self) -> str:
        return f"volume {self.uuid}"


class Snapshot(models.Model):
    """A frozen copy of a volume; on Archipelago a read-only map named `map_name`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.CharField(max_length=64, db_index=True)
    project = models.CharField(max_length=64)
    volume = models.ForeignKey(Volume, null=True, on_delete=models.SET_NULL,
                               related_name="snapshots")
    volume_uuid = models.CharField(max_length=64)                  # kept after the volume goes
    name = models.CharField(max_length=255, blank=True, default="")
    description = models.CharField(max_length=255, blank=True, default="")
    size = models.PositiveIntegerField()                            # GiB
    disk_template = models.CharField(max_length=64)
    status = models.CharField(max_length=16, default="creating")
    map_name = models.CharField(max_length=255, blank=True, default="")
    # The owner's Pithos file holding the same blocks (pithos://<owner>/snapshots/<uuid>):
    # what makes it registrable as an image and what its pithos.diskspace quota is charged on.
    pithos_location = models.CharField(max_length=2048, blank=True, default="")
    deleted = models.BooleanField(default=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"snapshot {self.uuid}"
