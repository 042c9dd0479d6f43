"""The node tree and its versions (facts only: logic lives in the sibling modules).

A node is an account (`acct`), a container (`acct/cont`) or an object
(`acct/cont/name`). An object's content is a Version row: it becomes visible
only when the row is committed and the node points at it (`latest`), so an
interrupted upload never shows, and the previous version stays readable.
"""

from __future__ import annotations

import json

from django.db import models

ACCOUNT, CONTAINER, OBJECT = 0, 1, 2

# Version clusters, as in Synnefo: the current version, older ones, deleted ones.
NORMAL, HISTORY, DELETED = 0, 1, 2


class Node(models.Model):
    path = models.TextField(unique=True)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE,
                               related_name="children")
    depth = models.PositiveSmallIntegerField()  # ACCOUNT, CONTAINER or OBJECT
    name = models.TextField()  # last component: account uuid, container or object name
    latest = models.ForeignKey("Version", null=True, on_delete=models.SET_NULL,
                               related_name="+")
    created = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["parent", "name"])]

    @property
    def account(self) -> str:
        return self.path.split("/", 1)[0]


class Version(models.Model):
    serial = models.BigAutoField(primary_key=True)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="versions")
    size = models.BigIntegerField()
    hashes = models.TextField()  # JSON list of hex block names (the hashmap)
    object_hash = models.CharField(max_length=128, db_index=True)  # Merkle root (hex)
    md5 = models.CharField(max_length=32, blank=True, default="")  # "" until computed
    uuid = models.CharField(max_length=36, db_index=True)
    mtime = models.FloatField()
    modified_by = models.CharField(max_length=255)
    cluster = models.PositiveSmallIntegerField(default=NORMAL)
    content_type = models.CharField(max_length=256, default="application/octet-stream")
    content_encoding = models.CharField(max_length=256, blank=True, default="")
    content_disposition = models.CharField(max_length=512, blank=True, default="")
    manifest = models.TextField(blank=True, default="")  # X-Object-Manifest "cont/prefix"

    class Meta:
        indexes = [models.Index(fields=["node", "cluster"])]

    def hash_list(self) -> list[str]:
        return json.loads(self.hashes)


class VersionMeta(models.Model):
    """User metadata (X-Object-Meta-*) of one version; copied forward on update."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="meta")
    key = models.CharField(max_length=128)
    value = models.TextField()

    class Meta:
        unique_together = [("version", "key")]


class NodeMeta(models.Model):
    """X-Account-Meta-* and X-Container-Meta-*."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="meta")
    key = models.CharField(max_length=128)
    value = models.TextField()

    class Meta:
        unique_together = [("node", "key")]


class Policy(models.Model):
    """Container policies (versioning auto|none, quota bytes, project) and account ones."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="policies")
    key = models.CharField(max_length=64)
    value = models.CharField(max_length=256)

    class Meta:
        unique_together = [("node", "key")]


class Group(models.Model):
    """Account groups, referenced in sharing as `owner:name`."""

    owner = models.CharField(max_length=255, db_index=True)
    name = models.CharField(max_length=128)
    member = models.CharField(max_length=255, db_index=True)

    class Meta:
        unique_together = [("owner", "name", "member")]


READ, WRITE = 0, 1


class Permission(models.Model):
    """One holder's access to a path and everything under `path/` (closest path wins)."""

    path = models.TextField(db_index=True)  # acct/cont/object
    account = models.CharField(max_length=255, db_index=True)
    access = models.PositiveSmallIntegerField()  # READ or WRITE
    holder = models.CharField(max_length=512, db_index=True)  # uuid, "*" or "owner:group"

    class Meta:
        unique_together = [("path", "access", "holder")]


class PublicLink(models.Model):
    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="public")
    token = models.CharField(max_length=32, unique=True)


class BlockTouch(models.Model):
    """When a block was last stored or referenced by an upload: GC spares recent ones."""

    name = models.CharField(max_length=128, primary_key=True)
    touched = models.FloatField(db_index=True)


class QuotaSerial(models.Model):
    """Commissions issued to Astakos, kept until resolved (for reconcile-usage)."""

    serial = models.BigIntegerField(primary_key=True)
    account = models.CharField(max_length=255)
    delta = models.BigIntegerField()
    accept = models.BooleanField(null=True)
    created = models.FloatField()
