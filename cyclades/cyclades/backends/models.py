"""Ganeti clusters Cyclades drives over RAPI, with the capacity the allocator scores."""

from __future__ import annotations

from django.db import models


class Backend(models.Model):
    """One Ganeti cluster. `offline`: unreachable, never used; `drained`: no new servers."""

    name = models.CharField(max_length=128, unique=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=5080)
    username = models.CharField(max_length=64, blank=True, default="")
    password = models.CharField(max_length=255, blank=True, default="")
    # "true", "false" or the path of a CA bundle (requests' `verify`).
    tls_verify = models.CharField(max_length=512, default="true")
    hypervisor = models.CharField(max_length=32, default="kvm")
    disk_templates = models.JSONField(default=list)
    offline = models.BooleanField(default=False)
    drained = models.BooleanField(default=False)
    mfree = models.BigIntegerField(default=0)      # MiB
    mtotal = models.BigIntegerField(default=0)     # MiB
    dfree = models.BigIntegerField(default=0)      # MiB
    dtotal = models.BigIntegerField(default=0)     # MiB
    pinst_cnt = models.IntegerField(default=0)
    ctotal = models.IntegerField(default=0)
    updated = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"backend {self.id} {self.name}"

    @property
    def verify(self) -> bool | str:
        value = self.tls_verify.strip()
        if value.lower() in ("true", "1", "yes", ""):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        return value

    def as_row(self) -> dict:
        return {"id": self.id, "name": self.name, "host": self.host, "port": self.port,
                "hypervisor": self.hypervisor, "disk_templates": ",".join(self.disk_templates),
                "offline": self.offline, "drained": self.drained, "mfree": self.mfree,
                "mtotal": self.mtotal, "dfree": self.dfree, "dtotal": self.dtotal,
                "pinst_cnt": self.pinst_cnt, "ctotal": self.ctotal,
                "updated": self.updated.isoformat() if self.updated else None}
