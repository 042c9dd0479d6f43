"""Consistency checks of the quota holder, and their repair."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from astakos.quotas.models import Holding, Provision


def problems() -> list[str]:
    """What is inconsistent: bad usages, pending amounts that no commission explains,
    project totals that differ from the sum of their members."""
    found = []
    pending_import: dict[tuple, int] = defaultdict(int)
    pending_release: dict[tuple, int] = defaultdict(int)
    for p in Provision.objects.all():
        key = (p.holder, p.source, p.resource)
        if p.quantity >= 0:
            pending_import[key] += p.quantity
        else:
            pending_release[key] -= p.quantity
    member_sum: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    holdings = list(Holding.objects.all())
    for h in holdings:
        key = (h.holder, h.source, h.resource)
        if h.usage_min < 0:
            found.append(f"{key}: usage_min {h.usage_min} < 0")
        committed_max = h.usage_max - pending_import[key]
        committed_min = h.usage_min + pending_release[key]
        if committed_max != committed_min:
            found.append(f"{key}: usage_min {h.usage_min} / usage_max {h.usage_max} not "
                         f"explained by pending commissions")
        if h.source:
            member_sum[(h.source, h.resource)][0] += h.usage_min
            member_sum[(h.source, h.resource)][1] += h.usage_max
    for h in holdings:
        if not h.source and h.holder.startswith("project:"):
            sums = member_sum.get((h.holder, h.resource), [0, 0])
            if [h.usage_min, h.usage_max] != sums:
                found.append(f"({h.holder}, {h.resource}): project usage {h.usage_min}/"
                             f"{h.usage_max} != members' {sums[0]}/{sums[1]}")
    return found


def fix_project_totals() -> int:
    """Set each project holding's usage to the sum of its members' (members are the truth)."""
    fixed = 0
    with transaction.atomic():
        sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for h in Holding.objects.exclude(source=""):
            sums[(h.source, h.resource)][0] += h.usage_min
            sums[(h.source, h.resource)][1] += h.usage_max
        for h in Holding.objects.select_for_update().filter(source="",
                                                            holder__startswith="project:"):
            low, high = sums.get((h.holder, h.resource), [0, 0])
            if (h.usage_min, h.usage_max) != (low, high):
                Holding.objects.filter(pk=h.pk).update(usage_min=low, usage_max=high)
                fixed += 1
    return fixed
