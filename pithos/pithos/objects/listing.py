"""Listings of containers and objects: prefix, delimiter, marker, end_marker, limit.

Names sort by their bytes (SQLite's default; PostgreSQL gets COLLATE "C"), as
Swift clients expect when they page with markers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Collate

from pithos.objects.models import CONTAINER, OBJECT, Node, Permission, PublicLink

BATCH = 1000
MAX_CHAR = "\U0010ffff"


@dataclass
class Subdir:
    name: str


def _byte_ordered(qs: QuerySet) -> tuple[QuerySet, str]:
    if connection.vendor == "postgresql":
        return qs.alias(cname=Collate("name", "C")), "cname"
    return qs, "name"


def containers(account: str, *, marker: str = "", end_marker: str = "", prefix: str = "",
               limit: int = 10000, only: set[str] | None = None) -> list[Node]:
    qs, field = _byte_ordered(Node.objects.filter(parent__path=account, depth=CONTAINER))
    if only is not None:
        qs = qs.filter(name__in=only)
    if marker:
        qs = qs.filter(**{f"{field}__gt": marker})
    if end_marker:
        qs = qs.filter(**{f"{field}__lt": end_marker})
    if prefix:
        qs = qs.filter(name__startswith=prefix)
    return list(qs.order_by(field)[:limit])


def objects(container: Node, *, prefix: str = "", delimiter: str = "", marker: str = "",
            end_marker: str = "", limit: int = 10000, shared: bool = False,
            public: bool = False, visible: Callable[[Node], bool] | None = None,
            ) -> list[Node | Subdir]:
    """Current objects (Node with latest loaded) and, with a delimiter, Subdir entries."""
    base = Node.objects.filter(parent=container, depth=OBJECT, latest__isnull=False) \
        .select_related("latest")
    if prefix:
        base = base.filter(name__startswith=prefix)
    if shared:
        shared_paths = Permission.objects.filter(path__startswith=container.path + "/") \
            .values_list("path", flat=True)
        base = base.filter(path__in=shared_paths)
    if public:
        base = base.filter(pk__in=PublicLink.objects.values_list("node_id", flat=True))
    base, field = _byte_ordered(base)
    result: list[Node | Subdir] = []
    cursor = marker
    while len(result) < limit:
        qs = base
        if cursor:
            qs = qs.filter(**{f"{field}__gt": cursor})
        if end_marker:
            qs = qs.filter(**{f"{field}__lt": end_marker})
        batch = list(qs.order_by(field)[:BATCH])
        jumped = False
        for node in batch:
            cursor = node.name
            if visible is not None and not visible(node):
                continue
            if delimiter:
                cut = node.name.find(delimiter, len(prefix))
                if cut >= 0:
                    sub = node.name[:cut + len(delimiter)]
                    if sub > marker:
                        result.append(Subdir(sub))
                    # every name under `sub` sorts before this cursor: skip them at once
                    cursor = sub + MAX_CHAR
                    jumped = True
                    break
            result.append(node)
            if len(result) >= limit:
                break
        if not jumped and len(batch) < BATCH:
            break
    return result[:limit]
