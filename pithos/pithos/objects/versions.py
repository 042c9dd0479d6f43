"""Object versions: committing a new one (the only way content becomes visible),
deleting, listing and purging history. Quota is charged here, once per size change."""

from __future__ import annotations

import json
import time
import uuid as uuidlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from pithos import quota
from pithos.objects import blocks, md5s, paths, tree
from pithos.objects.models import (
    DELETED,
    HISTORY,
    NORMAL,
    OBJECT,
    Node,
    Version,
    VersionMeta,
)
from snf_common import hashing
from snf_common.faults import Conflict, ItemNotFound, OverLimit


@dataclass
class Content:
    """What a new version holds; `md5` may be "" (computed later, see md5s)."""

    size: int
    hashes: list[str]
    md5: str = ""
    content_type: str = "application/octet-stream"
    content_encoding: str = ""
    content_disposition: str = ""
    manifest: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def object_node(account: str, container: str, name: str) -> Node | None:
    paths.check_object(name)
    return Node.objects.filter(path=paths.object_path(account, container, name),
                               depth=OBJECT).select_related("latest").first()


def current(account: str, container: str, name: str) -> Version:
    """The visible version of an object, or 404."""
    node = object_node(account, container, name)
    if node is None or node.latest_id is None:
        raise ItemNotFound(f"Object {name} not found.")
    version = node.latest
    version.node = node
    return version


def get_version(node: Node, serial: int) -> Version:
    version = Version.objects.filter(node=node, serial=serial).exclude(cluster=DELETED).first()
    if version is None:
        raise ItemNotFound(f"Version {serial} not found.")
    return version


def meta_of(version: Version) -> dict[str, str]:
    return {m.key: m.value for m in version.meta.all()}


def check_hashmap(size: int, hashes: list[str]) -> None:
    from snf_common.faults import BadRequest

    if size < 0 or hashing.block_count(size, blocks.block_size()) != len(hashes):
        raise BadRequest("The hashmap does not match the object size.")


def commit(account: str, container: str, name: str, content: Content, *, user: str,
           keep_uuid: str | None = None, if_none_match_any: bool = False,
           if_match: str | None = None) -> Version:
    """Make `content` the object's visible version (previous one to history or gone)."""
    paths.check_object(name)
    paths.check_meta(content.meta, limit=settings.PITHOS_MAX_METADATA)
    check_hashmap(content.size, content.hashes)
    cont = tree.get_container(account, container)
    policy = tree.policies_of(cont)
    path = paths.object_path(account, container, name)
    object_hash = hashing.merkle_root_hex(content.hashes)
    if not content.md5:
        content.md5 = md5s.known(object_hash, content.size)
    prev_size = Version.objects.filter(node__path=path, cluster=NORMAL).aggregate(
        s=Sum("size"))["s"] or 0
    delta = content.size - prev_size
    check_container_quota(cont, policy, delta)
    with quota.charge(account, policy.get("project", ""), delta, path):
        with transaction.atomic():
            node, _ = Node.objects.select_for_update().get_or_create(
                path=path, defaults={"parent": cont, "depth": OBJECT, "name": name,
                                     "created": time.time()})
            prev = node.latest
            if if_none_match_any and prev is not None:
                from snf_common.faults import PreconditionFailed

                raise PreconditionFailed("The object exists (If-None-Match: *).")
            if if_match is not None:
                check_if_match(prev, if_match)
            # Re-check under the lock: the block store must hold every block we point at.
            blocks.touch(content.hashes)
            if blocks.missing_blocks(content.hashes):
                raise Conflict("Some blocks are missing; upload them and retry.")
            version = Version.objects.create(
                node=node, size=content.size, hashes=json.dumps(content.hashes),
                object_hash=object_hash, md5=content.md5,
                uuid=keep_uuid or (prev.uuid if prev else str(uuidlib.uuid4())),
                mtime=time.time(), modified_by=user, cluster=NORMAL,
                content_type=content.content_type, content_encoding=content.content_encoding,
                content_disposition=content.content_disposition, manifest=content.manifest)
            VersionMeta.objects.bulk_create(
                [VersionMeta(version=version, key=k, value=v) for k, v in content.meta.items()])
            if prev is not None:
                retire(prev, policy)
            node.latest = version
            node.save(update_fields=["latest"])
            md5s.schedule(version)
    version.node = node
    return version


def precheck_upload(account: str, container: str, name: str, size: int) -> None:
    """Before receiving a body of known size: a missing container (404), a bad name
    (400), and container or account quota (413) fail before any block is stored.
    Astakos is asked only for bodies over one block (two extra round trips are not
    worth it for small ones: the commit refuses them all the same)."""
    paths.check_object(name)
    cont = tree.get_container(account, container)
    policy = tree.policies_of(cont)
    path = paths.object_path(account, container, name)
    prev_size = Version.objects.filter(node__path=path, cluster=NORMAL).aggregate(
        s=Sum("size"))["s"] or 0
    check_container_quota(cont, policy, size - prev_size)
    if size > blocks.block_size():
        quota.precheck(account, policy.get("project", ""), size - prev_size, path)


def check_if_match(prev: Version | None, if_match: str) -> None:
    from snf_common.faults import PreconditionFailed

    tags = {t.strip().strip('"') for t in if_match.split(",")}
    if prev is None or not ("*" in tags or prev.md5 in tags or prev.object_hash in tags):
        raise PreconditionFailed("If-Match does not match the current version.")


def retire(prev: Version, policy: dict[str, str]) -> None:
    """The previous version goes to history (versioning auto) or away (none)."""
    if policy.get("versioning") == "none":
        prev.delete()
    else:
        Version.objects.filter(pk=prev.pk).update(cluster=HISTORY)


def check_container_quota(cont: Node, policy: dict[str, str], delta: int) -> None:
    limit = int(policy.get("quota") or 0)
    if limit and delta > 0:
        _, used, _ = tree.container_usage(cont)
        if used + delta > limit:
            raise OverLimit("Container quota exceeded.")


def delete(account: str, container: str, name: str, *, user: str) -> None:
    """The visible version moves to the deleted cluster; history stays (versioning auto)."""
    cont = tree.get_container(account, container)
    policy = tree.policies_of(cont)
    version = current(account, container, name)
    node = version.node
    path = node.path
    with quota.charge(account, policy.get("project", ""), -version.size, path):
        with transaction.atomic():
            node = Node.objects.select_for_update().get(pk=node.pk)
            if node.latest_id != version.pk:
                raise Conflict("The object changed while deleting; retry.")
            node.latest = None
            node.save(update_fields=["latest"])
            if policy.get("versioning") == "none":
                Version.objects.filter(node=node).delete()
            else:
                # The content keeps its own mtime in history; a tombstone records when
                # it was deleted, so listings and reads `until` a time see the truth.
                Version.objects.filter(pk=version.pk).update(cluster=HISTORY)
                Version.objects.create(
                    node=node, size=0, hashes="[]", object_hash=hashing.merkle_root_hex([]),
                    md5="", uuid=version.uuid, mtime=time.time(), modified_by=user,
                    cluster=DELETED, content_type=version.content_type)


def list_versions(node: Node) -> list[tuple[int, float]]:
    return list(Version.objects.filter(node=node).exclude(cluster=DELETED)
                .order_by("serial").values_list("serial", "mtime"))


def purge_history(node: Node, *, until: float) -> int:
    """Remove non-current versions modified up to `until`; returns how many."""
    count, _ = Version.objects.filter(node=node, mtime__lte=until).exclude(
        cluster=NORMAL).delete()
    return count


def version_at(node: Node, until: float) -> Version:
    """The version that was current at time `until`."""
    version = Version.objects.filter(node=node, mtime__lte=until).order_by("-serial").first()
    if version is None or version.cluster == DELETED:
        raise ItemNotFound("No version at that time.")
    return version
