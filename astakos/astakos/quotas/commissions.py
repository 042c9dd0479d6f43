"""Issue, accept and reject commissions: the quota holder's two-phase protocol.

A commission reserves quantities on holdings all at once or not at all
(issue), and is later made final (accept) or undone (reject). Imports (q >= 0)
raise usage_max at issue and usage_min at accept; releases (q < 0) lower
usage_min at issue and usage_max at accept. Holdings are locked in pk order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from astakos.quotas.faults import NoCapacityError, NoHoldingError, NoQuantityError
from astakos.quotas.locks import HoldingKey, lock_commission, lock_holdings
from astakos.quotas.models import Commission, Holding, Provision, ProvisionLog

log = logging.getLogger(__name__)

REASON_MAX_CHARS = 121


@dataclass(frozen=True)
class ProvisionRequest:
    holder: str     # user:<uuid> or project:<uuid>
    source: str     # project:<uuid> for users, '' for projects
    resource: str
    quantity: int

    @property
    def key(self) -> HoldingKey:
        return (self.holder, self.source, self.resource)

    def to_json(self) -> dict:
        return {"holder": self.holder, "source": self.source or None,
                "resource": self.resource, "quantity": self.quantity}


def merge(provisions: Iterable[ProvisionRequest]) -> list[ProvisionRequest]:
    """Provisions on the same holding are summed first (in first-seen order)."""
    sums: dict[HoldingKey, int] = {}
    for p in provisions:
        sums[p.key] = sums.get(p.key, 0) + p.quantity
    return [ProvisionRequest(h, s, r, q) for (h, s, r), q in sums.items()]


def _prepare(holding: Holding, quantity: int, *, check: bool, force: bool,
             provision: ProvisionRequest) -> None:
    if quantity >= 0:
        holding.usage_max += quantity
        if check and not force and holding.usage_max > holding.limit:
            raise NoCapacityError(
                f"Limit exceeded for {provision.resource} of {provision.holder}",
                provision=provision.to_json(), limit=holding.limit,
                usage=holding.usage_max - quantity)
    else:
        holding.usage_min += quantity
        if check and holding.usage_min < 0:  # force never allows negative usage
            raise NoQuantityError(
                f"Release below zero for {provision.resource} of {provision.holder}",
                provision=provision.to_json(), limit=holding.limit,
                usage=holding.usage_min - quantity)


def issue(clientkey: str, provisions: Iterable[ProvisionRequest], *, name: str = "",
          force: bool = False) -> int:
    """Reserve every provision or none; returns the commission's serial."""
    merged = merge(provisions)
    with transaction.atomic():
        holdings = lock_holdings(p.key for p in merged)
        for p in merged:
            holding = holdings.get(p.key)
            if holding is None:
                raise NoHoldingError(f"No holding for {p.resource} of {p.holder} "
                                     f"from {p.source or 'itself'}", provision=p.to_json())
            _prepare(holding, p.quantity, check=True, force=force, provision=p)
        Holding.objects.bulk_update(list(holdings.values()), ["usage_min", "usage_max"])
        commission = Commission.objects.create(clientkey=clientkey, name=name[:300],
                                               issue_time=timezone.now())
        Provision.objects.bulk_create([
            Provision(commission=commission, holder=p.holder, source=p.source,
                      resource=p.resource, quantity=p.quantity) for p in merged])
    log.info("commission %s issued by %s (%d provisions)", commission.serial, clientkey,
             len(merged))
    return commission.serial


def _resolve(commission: Commission, *, accept: bool, reason: str) -> None:
    provisions = list(commission.provisions.all())
    holdings = lock_holdings((p.holder, p.source, p.resource) for p in provisions)
    now = timezone.now()
    logs = []
    for p in provisions:
        holding = holdings.get((p.holder, p.source, p.resource))
        if holding is None:  # removed by an administrator meanwhile: nothing to adjust
            continue
        if accept:
            if p.quantity >= 0:
                holding.usage_min += p.quantity
            else:
                holding.usage_max += p.quantity
        elif p.quantity >= 0:
            holding.usage_max -= p.quantity   # undo the reservation of an import
        else:
            holding.usage_min -= p.quantity   # undo the reservation of a release
        logs.append(ProvisionLog(
            serial=commission.serial, name=commission.name, issue_time=commission.issue_time,
            log_time=now, holder=p.holder, source=p.source, resource=p.resource,
            limit=holding.limit, usage_min=holding.usage_min, usage_max=holding.usage_max,
            delta_quantity=p.quantity,
            reason=(("ACCEPT:" if accept else "REJECT:") + reason)[:REASON_MAX_CHARS]))
    Holding.objects.bulk_update(list(holdings.values()), ["usage_min", "usage_max"])
    ProvisionLog.objects.bulk_create(logs)
    commission.delete()


def resolve(serial: int, *, accept: bool, clientkey: str | None = None,
            reason: str = "") -> bool:
    """Accept or reject one pending commission; False when there is no such serial."""
    with transaction.atomic():
        commission = lock_commission(serial, clientkey)
        if commission is None:
            return False
        _resolve(commission, accept=accept, reason=reason)
    log.info("commission %s %s", serial, "accepted" if accept else "rejected")
    return True


def accept(serial: int, *, clientkey: str | None = None, reason: str = "") -> bool:
    return resolve(serial, accept=True, clientkey=clientkey, reason=reason)


def reject(serial: int, *, clientkey: str | None = None, reason: str = "") -> bool:
    return resolve(serial, accept=False, clientkey=clientkey, reason=reason)


@dataclass
class Resolution:
    accepted: list[int]
    rejected: list[int]
    not_found: list[int]
    conflicting: list[int]


def resolve_pending(clientkey: str | None, accept_serials: Iterable[int],
                    reject_serials: Iterable[int], reason: str = "") -> Resolution:
    """Resolve many; a serial asked both ways is conflicting and left alone."""
    to_accept, to_reject = set(accept_serials), set(reject_serials)
    conflicting = to_accept & to_reject
    result = Resolution([], [], [], sorted(conflicting))
    for serial in sorted(to_accept - conflicting):
        (result.accepted if accept(serial, clientkey=clientkey, reason=reason)
         else result.not_found).append(serial)
    for serial in sorted(to_reject - conflicting):
        (result.rejected if reject(serial, clientkey=clientkey, reason=reason)
         else result.not_found).append(serial)
    return result


def pending_serials(clientkey: str | None = None) -> list[int]:
    query = Commission.objects.all()
    if clientkey is not None:
        query = query.filter(clientkey=clientkey)
    return list(query.order_by("serial").values_list("serial", flat=True))


def describe(commission: Commission) -> dict:
    return {"serial": commission.serial, "name": commission.name,
            "issue_time": commission.issue_time.isoformat(),
            "clientkey": commission.clientkey,
            "provisions": [{"holder": p.holder, "source": p.source or None,
                            "resource": p.resource, "quantity": p.quantity}
                           for p in commission.provisions.order_by("id")]}
