"""Consistency checks of the quota holder, and their repair.

A project's total holding (`project:<id>`, source '') is charged by two kinds of
provisions: a member's (charged on the member holding and on the total) and a
raw one, whose holder is the tagged `project:<id>` (charged on the total
alone). So the total's committed usage must equal its members' committed usage
plus the raw part. The raw part is not stored anywhere else: it is read from the
log of accepted provisions, where each member delta has a matching delta on the
total in the same commission, so (deltas on the total) - (deltas on its
members) is exactly what raw provisions added.

"Committed" usage is what a holding would hold once its pending commissions
are resolved: usage_max minus pending imports (= usage_min plus pending
releases, when the holding is consistent).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Sum

from astakos.quotas.holdings import PROJECT_TAG
from astakos.quotas.models import Holding, Provision, ProvisionLog

Key = tuple[str, str, str]


def _pending() -> tuple[dict[Key, int], dict[Key, int]]:
    """(pending imports, pending releases as positive amounts) per holding."""
    imports: dict[Key, int] = defaultdict(int)
    releases: dict[Key, int] = defaultdict(int)
    for holder, source, resource, quantity in Provision.objects.values_list(
            "holder", "source", "resource", "quantity"):
        if quantity >= 0:
            imports[(holder, source, resource)] += quantity
        else:
            releases[(holder, source, resource)] -= quantity
    return imports, releases


def raw_usage() -> dict[tuple[str, str], int]:
    """(project holder, resource) -> committed usage added by raw `project:` provisions."""
    accepted = ProvisionLog.objects.filter(reason__startswith="ACCEPT:")
    raw: dict[tuple[str, str], int] = defaultdict(int)
    for holder, resource, total in accepted.filter(
            holder__startswith=PROJECT_TAG, source="").values_list(
            "holder", "resource").annotate(total=Sum("delta_quantity")):
        raw[(holder, resource)] += total
    for source, resource, total in accepted.filter(
            source__startswith=PROJECT_TAG).values_list(
            "source", "resource").annotate(total=Sum("delta_quantity")):
        raw[(source, resource)] -= total
    return raw


def _project_targets(holdings: list[Holding], imports: dict[Key, int]
                     ) -> dict[tuple[str, str], int]:
    """(project holder, resource) -> the committed usage its total should have."""
    targets: dict[tuple[str, str], int] = defaultdict(int)
    for h in holdings:
        if h.source:
            targets[(h.source, h.resource)] += h.usage_max - imports[(h.holder, h.source,
                                                                      h.resource)]
    for key, amount in raw_usage().items():
        targets[key] += amount
    return targets


def problems() -> list[str]:
    """What is inconsistent: bad usages, pending amounts that no commission explains,
    project totals that differ from their members' plus raw project provisions."""
    found = []
    imports, releases = _pending()
    holdings = list(Holding.objects.all())
    for h in holdings:
        key = (h.holder, h.source, h.resource)
        if h.usage_min < 0:
            found.append(f"{key}: usage_min {h.usage_min} < 0")
        if h.usage_max - imports[key] != h.usage_min + releases[key]:
            found.append(f"{key}: usage_min {h.usage_min} / usage_max {h.usage_max} not "
                         f"explained by pending commissions")
    targets = _project_targets(holdings, imports)
    for h in holdings:
        if not h.source and h.holder.startswith(PROJECT_TAG):
            committed = h.usage_max - imports[(h.holder, "", h.resource)]
            target = targets.get((h.holder, h.resource), 0)
            if committed != target:
                found.append(f"({h.holder}, {h.resource}): project usage {committed} != "
                             f"members' plus raw project provisions {target}")
    return found


def fix_project_totals() -> int:
    """Set each project total to its members' usage plus its raw provisions (the log's),
    keeping the total's own pending commissions."""
    fixed = 0
    with transaction.atomic():
        projects = list(Holding.objects.select_for_update().filter(
            source="", holder__startswith=PROJECT_TAG).order_by("pk"))
        imports, releases = _pending()
        targets = _project_targets(list(Holding.objects.exclude(source="")), imports)
        for h in projects:
            key = (h.holder, "", h.resource)
            committed = targets.get((h.holder, h.resource), 0)
            low, high = committed - releases[key], committed + imports[key]
            if (h.usage_min, h.usage_max) != (low, high):
                Holding.objects.filter(pk=h.pk).update(usage_min=low, usage_max=high)
                fixed += 1
    return fixed
