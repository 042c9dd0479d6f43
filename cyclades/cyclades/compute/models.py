"""Flavors, servers and what hangs off a server: NICs, metadata, actions, commissions."""

from __future__ import annotations

from django.db import models

OPERSTATES = ("BUILD", "STARTED", "STOPPED", "ERROR", "DESTROYED")
TASKS = ("CREATE", "START", "STOP", "REBOOT", "RESIZE", "DESTROY", "FIREWALL")


class Flavor(models.Model):
    """cpu count, ram in MiB, disk in GiB on one disk template (e.g. file, ext_archipelago)."""

    public_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    cpu = models.PositiveIntegerField()
    ram = models.PositiveIntegerField()
    disk = models.PositiveIntegerField()
    disk_template = models.CharField(max_length=64)
    public = models.BooleanField(default=True)
    deleted = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cpu", "ram", "disk", "id"]
        constraints = [models.UniqueConstraint(
            fields=["cpu", "ram", "disk", "disk_template"], condition=models.Q(deleted=False),
            name="unique_live_flavor_spec")]

    def __str__(self) -> str:
        return f"flavor {self.public_id}"


class Server(models.Model):
    owner = models.CharField(max_length=64, db_index=True)          # user uuid
    project = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=255)
    flavor = models.ForeignKey(Flavor, on_delete=models.PROTECT)
    image_id = models.CharField(max_length=64)
    image = models.JSONField(default=dict)                           # snapshot at create time
    key_names = models.JSONField(default=list)
    personality = models.JSONField(default=list)
    operstate = models.CharField(max_length=16, default="BUILD", db_index=True)
    task = models.CharField(max_length=16, blank=True, default="")
    task_job_id = models.BigIntegerField(null=True, blank=True)
    reboot_type = models.CharField(max_length=8, blank=True, default="")
    resize_flavor = models.ForeignKey(Flavor, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    build_progress = models.IntegerField(default=0)
    backend = models.ForeignKey("backends.Backend", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="servers")
    backend_job_id = models.BigIntegerField(null=True, blank=True)
    backend_opcode = models.CharField(max_length=64, blank=True, default="")
    backend_job_status = models.CharField(max_length=16, blank=True, default="")
    backend_log_msg = models.TextField(blank=True, default="")
    backend_time = models.DateTimeField(null=True, blank=True)      # last applied event
    instance_created = models.BooleanField(default=False)
    disks = models.JSONField(default=list)                          # [{name, size, uuid}]
    fault = models.TextField(blank=True, default="")
    # What Astakos counts for this server once its commissions were accepted.
    quota_held = models.JSONField(default=dict)
    deleted = models.BooleanField(default=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["owner", "deleted", "id"])]

    def __str__(self) -> str:
        return f"server {self.id}"


class ServerNic(models.Model):
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="nics")
    index = models.PositiveIntegerField()
    name = models.CharField(max_length=128, blank=True, default="")
    network_id = models.CharField(max_length=64)
    mac = models.CharField(max_length=32, blank=True, default="")
    ipv4 = models.CharField(max_length=64, blank=True, default="")
    ipv6 = models.CharField(max_length=64, blank=True, default="")
    firewall_profile = models.CharField(max_length=16, blank=True, default="")
    state = models.CharField(max_length=16, default="BUILD")

    class Meta:
        ordering = ["server", "index"]
        constraints = [models.UniqueConstraint(fields=["server", "index"],
                                               name="unique_nic_index")]


class ServerMetadata(models.Model):
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="metadata")
    key = models.CharField(max_length=255)
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["server", "key"],
                                               name="unique_metadata_key")]


class ServerAction(models.Model):
    """The action log: one row per request that became (or should become) a Ganeti job."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=16)
    job_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, default="pending")  # pending/submitted/success/error
    message = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class Commission(models.Model):
    """A commission issued to Astakos for one server action.

    `decision` is written in the same transaction as the state change that decides
    it; the call to Astakos follows the commit and sets `resolved`. A crash between
    the two leaves a decided, unresolved row that the dispatcher or reconciliation
    finishes.
    """

    serial = models.BigIntegerField(unique=True)
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="commissions")
    action = models.CharField(max_length=16)
    provisions = models.JSONField(default=dict)
    job_id = models.BigIntegerField(null=True, blank=True)
    decision = models.CharField(max_length=8, blank=True, default="")  # "", accept, reject
    resolved = models.BooleanField(default=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["serial"]


class KeyPair(models.Model):
    owner = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=255)
    public_key = models.TextField()
    fingerprint = models.CharField(max_length=128)
    type = models.CharField(max_length=16, default="ssh")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"],
                                               name="unique_keypair_name")]
