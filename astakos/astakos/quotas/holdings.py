"""Holder names and the limits of holdings, derived from projects and their grants."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from astakos.quotas.models import Holding, Resource

USER_TAG = "user:"
PROJECT_TAG = "project:"


def user_holder(user_uuid: str) -> str:
    return USER_TAG + user_uuid


def project_holder(project_id: str) -> str:
    return PROJECT_TAG + project_id


def strip_tag(name: str) -> str:
    return name.split(":", 1)[1] if ":" in name else name


def set_limits(limits: Iterable[tuple[str, str, str, int]]) -> int:
    """Create or update holdings (holder, source, resource) -> limit; usages are kept."""
    wanted = {(h, s, r): limit for h, s, r, limit in limits}
    if not wanted:
        return 0
    changed = 0
    with transaction.atomic():
        holders = {h for h, _, _ in wanted}
        existing = {(x.holder, x.source, x.resource): x
                    for x in Holding.objects.filter(holder__in=holders)}
        missing = [Holding(holder=h, source=s, resource=r, limit=limit)
                   for (h, s, r), limit in wanted.items() if (h, s, r) not in existing]
        if missing:
            Holding.objects.bulk_create(missing, ignore_conflicts=True)
            changed += len(missing)
        for key, limit in wanted.items():
            row = existing.get(key)
            if row is not None and row.limit != limit:
                Holding.objects.filter(pk=row.pk).update(limit=limit)
                changed += 1
    return changed


def resource_names() -> list[str]:
    return list(Resource.objects.values_list("name", flat=True))
