"""Row locks for the quota holder, always taken in primary-key order (no deadlocks)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from astakos.quotas.models import Commission, Holding

HoldingKey = tuple[str, str, str]  # (holder, source, resource)


def lock_holdings(keys: Iterable[HoldingKey]) -> dict[HoldingKey, Holding]:
    """SELECT ... FOR UPDATE the holdings of `keys`, in pk order; missing keys are absent."""
    keys = set(keys)
    if not keys:
        return {}
    condition = Q()
    for holder, source, resource in keys:
        condition |= Q(holder=holder, source=source, resource=resource)
    rows = Holding.objects.select_for_update().filter(condition).order_by("pk")
    return {(h.holder, h.source, h.resource): h for h in rows}


def lock_commission(serial: int, clientkey: str | None = None) -> Commission | None:
    query = Commission.objects.select_for_update().filter(serial=serial)
    if clientkey is not None:
        query = query.filter(clientkey=clientkey)
    return query.first()
