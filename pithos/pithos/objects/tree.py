"""Accounts and containers: find or create their nodes, metadata, policies, usage."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum

from pithos.objects import paths
from pithos.objects.models import (
    ACCOUNT,
    CONTAINER,
    NORMAL,
    OBJECT,
    Node,
    NodeMeta,
    Policy,
    Version,
)
from snf_common.faults import BadRequest, Conflict, ItemNotFound

CONTAINER_POLICIES = ("versioning", "quota", "project")


def ensure_account(account: str) -> Node:
    """Accounts exist from their first request (as in Synnefo)."""
    paths.check_account(account)
    node = Node.objects.filter(path=account).first()
    if node is None:
        node, _ = Node.objects.get_or_create(
            path=account, defaults={"depth": ACCOUNT, "name": account, "created": time.time()})
    return node


def find_account(account: str) -> Node | None:
    return Node.objects.filter(path=account, depth=ACCOUNT).first()


def get_container(account: str, container: str) -> Node:
    paths.check_container(container)
    node = Node.objects.filter(path=paths.container_path(account, container),
                               depth=CONTAINER).first()
    if node is None:
        raise ItemNotFound(f"Container {container} not found.")
    return node


def create_container(account: str, container: str, *, policies: dict[str, str],
                     meta: dict[str, str]) -> tuple[Node, bool]:
    """Create (True) or, when it exists, update metadata and policies (False)."""
    paths.check_container(container)
    check_policies(policies)
    acct = ensure_account(account)
    with transaction.atomic():
        node, created = Node.objects.get_or_create(
            path=paths.container_path(account, container),
            defaults={"parent": acct, "depth": CONTAINER, "name": container,
                      "created": time.time()})
        if created:
            defaults = {"versioning": settings.PITHOS_DEFAULT_VERSIONING}
            set_policies(node, {**defaults, **policies})
        else:
            set_policies(node, policies)
        update_node_meta(node, meta, replace=False)
    return node, created


def check_policies(policies: dict[str, str]) -> None:
    for key, value in policies.items():
        if key not in CONTAINER_POLICIES:
            raise BadRequest(f"Unknown container policy {key!r}.")
        if key == "versioning" and value not in ("auto", "none"):
            raise BadRequest("X-Container-Policy-Versioning must be auto or none.")
        if key == "quota" and (not value.isdigit()):
            raise BadRequest("X-Container-Policy-Quota must be a number of bytes.")
        if key == "project" and (not value or len(value) > 255):
            raise BadRequest("Invalid X-Container-Policy-Project.")


def set_policies(node: Node, policies: dict[str, str]) -> None:
    for key, value in policies.items():
        Policy.objects.update_or_create(node=node, key=key, defaults={"value": value})


def policies_of(node: Node) -> dict[str, str]:
    values = {"versioning": settings.PITHOS_DEFAULT_VERSIONING, "quota": "0"}
    values.update({p.key: p.value for p in node.policies.all()})
    return values


def node_meta(node: Node) -> dict[str, str]:
    return {m.key: m.value for m in node.meta.all()}


def update_node_meta(node: Node, meta: dict[str, str], *, replace: bool) -> None:
    """Merge (an empty value deletes a key) or replace account/container metadata."""
    with transaction.atomic():
        if replace:
            NodeMeta.objects.filter(node=node).delete()
        for key, value in meta.items():
            if value == "":
                NodeMeta.objects.filter(node=node, key=key).delete()
            else:
                NodeMeta.objects.update_or_create(node=node, key=key, defaults={"value": value})
        paths.check_meta(node_meta(node), limit=settings.PITHOS_MAX_METADATA)


def container_usage(node: Node) -> tuple[int, int, float]:
    """(object count, bytes, last modified) of a container's current objects."""
    stats = Version.objects.filter(node__parent=node, cluster=NORMAL,
                                   node__latest__isnull=False).aggregate(
        count=Count("serial"), size=Sum("size"))
    last = Version.objects.filter(node__parent=node).order_by("-mtime").values_list(
        "mtime", flat=True).first()
    return stats["count"] or 0, stats["size"] or 0, max(last or 0, node.created)


def account_usage(account: str) -> tuple[int, int, int]:
    """(containers, objects, bytes) of an account's current objects."""
    containers = Node.objects.filter(parent__path=account, depth=CONTAINER).count()
    stats = Version.objects.filter(node__path__startswith=account + "/", node__depth=OBJECT,
                                   cluster=NORMAL).aggregate(count=Count("serial"),
                                                             size=Sum("size"))
    return containers, stats["count"] or 0, stats["size"] or 0


def delete_container(account: str, container: str, *, purge_contents: bool = False) -> int:
    """Remove a container; 409 unless empty or purge_contents. Returns bytes freed."""
    node = get_container(account, container)
    with transaction.atomic():
        live = Version.objects.filter(node__parent=node, cluster=NORMAL)
        if live.exists() and not purge_contents:
            raise Conflict("Container is not empty.")
        freed = live.aggregate(size=Sum("size"))["size"] or 0
        node.delete()
    return freed
