"""Listings of containers and objects: prefix, delimiter, marker, end_marker, limit,
and metadata queries (`meta=key,!key,key<op>value`).

Names sort by their bytes (SQLite's default; PostgreSQL gets COLLATE "C"), as
Swift clients expect when they page with markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Collate

from pithos.objects.models import (
    CONTAINER,
    DELETED,
    OBJECT,
    Node,
    Permission,
    PublicLink,
    Version,
    VersionMeta,
)
from snf_common.faults import BadRequest

BATCH = 1000
MAX_CHAR = "\U0010ffff"


@dataclass
class Subdir:
    name: str


@dataclass(frozen=True)
class MetaTerm:
    """One metadata condition on an object's current version."""

    key: str
    negate: bool = False        # `!key`: the key is absent
    op: str = ""                # "", "=", "!=", "<", "<=", ">", ">="
    value: str = ""


_TERM = re.compile(r"^(!?)\s*([^=!<>]+?)\s*(?:(!=|<=|>=|=|<|>)(.*))?$")
_LOOKUPS = {"=": "exact", "!=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


def parse_meta_query(raw: str) -> list[MetaTerm]:
    """`color,!draft,size>=10` -> terms; keys match X-Object-Meta-* names (lower case).
    Values compare as text, as in Pithos."""
    terms = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        match = _TERM.match(part)
        if not match or (match.group(1) and match.group(3)):
            raise BadRequest(f"Bad metadata query term {part!r}: use key, !key or key<op>value "
                             "with op one of = != < <= > >=.")
        negate, key, op, value = match.groups()
        terms.append(MetaTerm(key.strip().lower(), bool(negate), op or "", (value or "").strip()))
    return terms


def _meta_filter(qs: QuerySet, term: MetaTerm, version_field: str = "latest") -> QuerySet:
    has_key = VersionMeta.objects.filter(version=OuterRef(version_field), key=term.key)
    if term.negate:
        return qs.exclude(Exists(has_key))
    if not term.op:
        return qs.filter(Exists(has_key))
    matching = has_key.filter(**{f"value__{_LOOKUPS[term.op]}": term.value})
    if term.op == "!=":  # has the key, with another value
        return qs.filter(Exists(has_key)).exclude(Exists(matching))
    return qs.filter(Exists(matching))


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
            meta: list[MetaTerm] | None = None,
            until: float | None = None) -> list[Node | Subdir]:
    """Current objects (Node with latest loaded) and, with a delimiter, Subdir entries.

    With `until`, the objects as they were at that time: each node's last version
    modified by then, unless that was a deletion; `latest` then holds that version
    (in memory only).
    """
    if until is None:
        base = Node.objects.filter(parent=container, depth=OBJECT, latest__isnull=False) \
            .select_related("latest")
        version_field = "latest"
    else:
        at = Version.objects.filter(node=OuterRef("pk"), mtime__lte=until).order_by("-serial")
        base = Node.objects.filter(parent=container, depth=OBJECT).annotate(
            at_serial=Subquery(at.values("serial")[:1]),
            at_cluster=Subquery(at.values("cluster")[:1]),
        ).filter(at_serial__isnull=False).exclude(at_cluster=DELETED)
        version_field = "at_serial"
    if prefix:
        base = base.filter(name__startswith=prefix)
    for term in meta or ():
        base = _meta_filter(base, term, version_field)
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
    result = result[:limit]
    if until is not None:
        nodes = [e for e in result if isinstance(e, Node)]
        found = Version.objects.in_bulk([n.at_serial for n in nodes])
        for node in nodes:
            node.latest = found[node.at_serial]
    return result
