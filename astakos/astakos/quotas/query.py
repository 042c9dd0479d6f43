"""Read quotas in the Account API shape: {project: {resource: {limit, usage, pending, ...}}}."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from astakos.quotas.holdings import project_holder, strip_tag, user_holder
from astakos.quotas.models import Holding


def values(holding: Holding | None) -> tuple[int, int, int]:
    """(limit, usage, pending): usage counts pending imports, pending is what is unresolved."""
    if holding is None:
        return 0, 0, 0
    return holding.limit, holding.usage_max, holding.usage_max - holding.usage_min


def user_quotas(user_uuids: Iterable[str], *, resources: Iterable[str] | None = None,
                projects: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """{user: {project: {resource: {...}}}} for the users' member holdings."""
    holders = {user_holder(u): u for u in user_uuids}
    query = Holding.objects.filter(holder__in=list(holders)).exclude(source="")
    if resources is not None:
        query = query.filter(resource__in=list(resources))
    if projects is not None:
        query = query.filter(source__in=[project_holder(p) for p in projects])
    rows = list(query.order_by("holder", "source", "resource"))
    sources = {h.source for h in rows}
    totals = {(h.holder, h.resource): h for h in
              Holding.objects.filter(holder__in=list(sources), source="")}
    result: dict[str, dict[str, Any]] = {u: {} for u in holders.values()}
    for h in rows:
        limit, usage, pending = values(h)
        p_limit, p_usage, p_pending = values(totals.get((h.source, h.resource)))
        result[holders[h.holder]].setdefault(strip_tag(h.source), {})[h.resource] = {
            "limit": limit, "usage": usage, "pending": pending,
            "project_limit": p_limit, "project_usage": p_usage, "project_pending": p_pending}
    return result


def project_quotas(project_ids: Iterable[str], *, resources: Iterable[str] | None = None
                   ) -> dict[str, dict[str, Any]]:
    query = Holding.objects.filter(holder__in=[project_holder(p) for p in project_ids], source="")
    if resources is not None:
        query = query.filter(resource__in=list(resources))
    result: dict[str, dict[str, Any]] = {}
    for h in query.order_by("holder", "resource"):
        limit, usage, pending = values(h)
        result.setdefault(strip_tag(h.holder), {})[h.resource] = {
            "project_limit": limit, "project_usage": usage, "project_pending": pending}
    return result
