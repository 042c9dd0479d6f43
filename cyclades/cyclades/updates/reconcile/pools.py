"""Compare every pool's bitmap with what the database says is taken.

Findings: `leak` (marked taken, nothing holds it: freed with fix), `unmarked`
(held by a row but marked free, so it could be handed out twice: marked taken
with fix), `duplicate` (one MAC prefix or bridge held by two live networks; reported
only, an administrator decides), `reserved-in-use` (an address kept back, e.g. a
gateway, held by a port).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Q

from cyclades.network.models import IPAddress, Network, Pool
from cyclades.network.pools import FREE, USED, _set, global_pool, index_of, value_of

log = logging.getLogger(__name__)


def _held(pool: Pool) -> list[str]:
    if pool.kind == "ip":
        return list(IPAddress.objects.filter(subnet_id=pool.subnet_id, pooled=True)
                    .values_list("address", flat=True))
    field, flag = ("mac_prefix", "pooled_mac_prefix") if pool.kind == "mac_prefix" \
        else ("link", "pooled_link")
    return list(Network.objects.filter(deleted=False, **{flag: True})
                .values_list(field, flat=True))


def reconcile(*, fix: bool = False) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    for kind in ("mac_prefix", "bridge"):
        with transaction.atomic():
            global_pool(kind, lock=False)       # make sure both exist
    live = Pool.objects.filter(Q(subnet__isnull=True) | Q(subnet__deleted=False))
    for pool_id in list(live.values_list("id", flat=True)):
        with transaction.atomic():
            pool = Pool.objects.select_for_update().get(pk=pool_id)
            held = _held(pool)
            counts = Counter(held)
            held_indexes = set()
            for value, count in counts.items():
                index = index_of(pool, value)
                if index is None:
                    continue
                held_indexes.add(index)
                if count > 1:
                    findings.append({"kind": "duplicate", "pool": pool.id, "value": value,
                                     "fixed": False})
                if pool.reserved[index] == FREE:
                    findings.append({"kind": "reserved-in-use", "pool": pool.id,
                                     "value": value, "fixed": False})
                if pool.available[index] == FREE:
                    findings.append({"kind": "unmarked", "pool": pool.id, "value": value,
                                     "fixed": fix})
                    if fix:
                        pool.available = _set(pool.available, index, USED)
            for index, char in enumerate(pool.available):
                if char != FREE and index not in held_indexes:
                    findings.append({"kind": "leak", "pool": pool.id,
                                     "value": value_of(pool, index), "fixed": fix})
                    if fix:
                        pool.available = _set(pool.available, index, FREE)
            if fix:
                pool.save(update_fields=["available"])
    for finding in findings:
        log.info("reconcile-pools: %s", finding)
    return findings
