"""Sharing by path and account groups.

Permissions set on a path apply to it and to everything under `path/`; the
closest path that has any wins. Holders are user uuids, `*` (everybody) or
`owner:group`.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction

from pithos.objects.models import READ, WRITE, Group, Permission
from snf_common.faults import BadRequest

HOLDER = re.compile(r"^(\*|[^\s,;=:]{1,255}|[^\s,;=:]{1,255}:[^\s,;=:]{1,128})$")


def parse_sharing(header: str) -> dict[int, list[str]]:
    """'read=u1,acc:grp;write=u2' -> {READ: [...], WRITE: [...]}; '' means none."""
    result: dict[int, list[str]] = {READ: [], WRITE: []}
    header = header.strip()
    if not header:
        return result
    for part in header.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in ("read", "write"):
            raise BadRequest("Bad X-Object-Sharing: use read=...;write=...")
        holders = [h.strip() for h in value.split(",") if h.strip()]
        for holder in holders:
            if not HOLDER.match(holder):
                raise BadRequest(f"Bad sharing holder {holder!r}.")
        access = READ if key == "read" else WRITE
        result[access] = list(dict.fromkeys(result[access] + holders))
    return result


def format_sharing(perms: dict[int, list[str]]) -> str:
    parts = []
    if perms.get(READ):
        parts.append("read=" + ",".join(perms[READ]))
    if perms.get(WRITE):
        parts.append("write=" + ",".join(perms[WRITE]))
    return ";".join(parts)


def set_permissions(path: str, perms: dict[int, list[str]]) -> None:
    account = path.split("/", 1)[0]
    with transaction.atomic():
        Permission.objects.filter(path=path).delete()
        Permission.objects.bulk_create(
            [Permission(path=path, account=account, access=access, holder=holder)
             for access, holders in perms.items() for holder in holders])


def exact_permissions(path: str) -> dict[int, list[str]]:
    perms: dict[int, list[str]] = {READ: [], WRITE: []}
    for access, holder in Permission.objects.filter(path=path).values_list("access", "holder"):
        perms[access].append(holder)
    return perms


def ancestors(path: str) -> list[str]:
    """'a/c/x/y' -> ['a/c/x/y', 'a/c/x'] (object-level prefixes only, closest first)."""
    account, container, name = path.split("/", 2)
    parts = name.split("/")
    found = []
    for i in range(len(parts), 0, -1):
        prefix = "/".join(parts[:i])
        if prefix:
            found.append(f"{account}/{container}/{prefix}")
    return list(dict.fromkeys(found))


def effective_permissions(path: str) -> tuple[str, dict[int, list[str]]]:
    """(the path that grants, its permissions) for `path`; ('', {}) when not shared."""
    candidates = ancestors(path)
    rows = list(Permission.objects.filter(path__in=candidates).values_list(
        "path", "access", "holder"))
    if not rows:
        return "", {}
    closest = max({r[0] for r in rows}, key=len)
    perms: dict[int, list[str]] = {READ: [], WRITE: []}
    for p, access, holder in rows:
        if p == closest:
            perms[access].append(holder)
    return closest, perms


def holder_names(user: str) -> set[str]:
    """Every holder string that designates `user`: the uuid, '*', and owner:group."""
    names = {user, "*"}
    names.update(f"{owner}:{name}" for owner, name in
                 Group.objects.filter(member=user).values_list("owner", "name"))
    return names


def allowed_access(path: str, user: str) -> int | None:
    """WRITE, READ or None for a user who does not own `path`."""
    _, perms = effective_permissions(path)
    if not perms:
        return None
    names = holder_names(user)
    if names & set(perms.get(WRITE, [])):
        return WRITE
    if names & set(perms.get(READ, [])):
        return READ
    return None


def accounts_sharing_with(user: str) -> list[str]:
    return sorted(set(Permission.objects.filter(holder__in=holder_names(user)).exclude(
        account=user).values_list("account", flat=True)))


def shared_paths_with(account: str, user: str) -> list[str]:
    """Paths in `account` carrying a permission for `user` (directly or via group/*)."""
    return list(Permission.objects.filter(account=account, holder__in=holder_names(user))
                .values_list("path", flat=True).distinct())


def groups_of(owner: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name, member in Group.objects.filter(owner=owner).order_by("name", "member") \
            .values_list("name", "member"):
        groups.setdefault(name, []).append(member)
    return groups


def set_groups(owner: str, groups: dict[str, list[str]], *, replace: bool = False) -> None:
    """Set groups (an empty member list deletes the group)."""
    with transaction.atomic():
        if replace:
            Group.objects.filter(owner=owner).delete()
        for name, members in groups.items():
            if not name or len(name) > 128 or ":" in name:
                raise BadRequest(f"Bad group name {name!r}.")
            if len(members) > settings.PITHOS_MAX_GROUP_MEMBERS:
                raise BadRequest(f"Too many members in group {name!r}.")
            Group.objects.filter(owner=owner, name=name).delete()
            Group.objects.bulk_create([Group(owner=owner, name=name, member=m)
                                       for m in dict.fromkeys(members)])
        if len(groups_of(owner)) > settings.PITHOS_MAX_GROUPS:
            raise BadRequest(f"Too many groups (at most {settings.PITHOS_MAX_GROUPS}).")
