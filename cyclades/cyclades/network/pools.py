"""Allocation pools: the IPs of a subnet, the MAC prefixes and the bridges of networks.

A pool row holds one character per value ('1' = free in `available`, '1' =
kept back in `reserved`, e.g. a gateway). Taking or returning a value locks the
row first (SELECT ... FOR UPDATE), so concurrent transactions queue on the row
and never hand out a value twice; the unique (subnet, address) constraint of
IPAddress is the second guard. Callers run inside their own transaction, so a
request that fails later gives its value back by rolling back.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from cyclades.network.models import Pool, Subnet
from snf_common.faults import BadRequest, Conflict

FREE, USED = "1", "0"


class PoolExhausted(Conflict):
    """Neutron's IpAddressGenerationFailure / no free MAC prefix or bridge."""


# -- values of each kind --------------------------------------------------------------------
def _mac_int(prefix: str) -> int:
    return int(prefix.replace(":", ""), 16)


def _mac_text(value: int) -> str:
    raw = f"{value:06x}"
    return ":".join(raw[i:i + 2] for i in range(0, 6, 2))


def value_of(pool: Pool, index: int) -> str:
    if pool.kind == "ip":
        return str(ipaddress.ip_address(pool.base) + index)
    if pool.kind == "mac_prefix":
        return _mac_text(_mac_int(pool.base) + index)
    return f"{pool.base}{pool.offset + index}"


def index_of(pool: Pool, value: str) -> int | None:
    try:
        if pool.kind == "ip":
            index = int(ipaddress.ip_address(value)) - int(ipaddress.ip_address(pool.base))
        elif pool.kind == "mac_prefix":
            index = _mac_int(value) - _mac_int(pool.base)
        else:
            if not value.startswith(pool.base):
                return None
            index = int(value[len(pool.base):]) - pool.offset
    except ValueError:
        return None
    return index if 0 <= index < pool.size else None


def _set(bits: str, index: int, char: str) -> str:
    return bits[:index] + char + bits[index + 1:]


# -- IP pools of a subnet ---------------------------------------------------------------------
def create_ip_pools(subnet: Subnet, ranges: Iterable[tuple[str, str]],
                    reserved: Iterable[str] = ()) -> list[Pool]:
    reserved = set(reserved)
    pools = []
    for start, end in ranges:
        first, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
        size = int(last) - int(first) + 1
        pool = Pool(kind="ip", subnet=subnet, base=str(first), size=size,
                    available=FREE * size, reserved=USED * size)
        for address in reserved:
            index = index_of(pool, address)
            if index is not None:
                pool.reserved = _set(pool.reserved, index, FREE)
        pool.save()
        pools.append(pool)
    return pools


def _locked_pools(subnet: Subnet) -> list[Pool]:
    return list(Pool.objects.select_for_update().filter(subnet=subnet, kind="ip").order_by("id"))


def allocate_ip(subnet: Subnet, address: str | None = None) -> str:
    """Take `address` (or the first free one) from the subnet's pools; in the caller's
    transaction."""
    pools = _locked_pools(subnet)
    if address is not None:
        for pool in pools:
            index = index_of(pool, address)
            if index is None:
                continue
            if pool.reserved[index] == FREE:
                raise Conflict(f"IP address {address} is reserved in subnet {subnet.id}.")
            if pool.available[index] != FREE:
                raise Conflict(f"IP address {address} is already allocated in subnet "
                               f"{subnet.id}.")
            pool.available = _set(pool.available, index, USED)
            pool.save(update_fields=["available"])
            return address
        raise BadRequest(f"IP address {address} is not in an allocation pool of subnet "
                         f"{subnet.id}.")
    for pool in pools:
        for index, char in enumerate(pool.available):
            if char == FREE and pool.reserved[index] != FREE:
                pool.available = _set(pool.available, index, USED)
                pool.save(update_fields=["available"])
                return value_of(pool, index)
    raise PoolExhausted(f"No more IP addresses available on network {subnet.network_id} "
                        f"(subnet {subnet.cidr}).")


def release_ip(subnet: Subnet, address: str) -> bool:
    for pool in _locked_pools(subnet):
        index = index_of(pool, address)
        if index is not None:
            pool.available = _set(pool.available, index, FREE)
            pool.save(update_fields=["available"])
            return True
    return False


def pool_ranges(subnet: Subnet) -> list[dict[str, str]]:
    return [{"start": p.base, "end": value_of(p, p.size - 1)}
            for p in Pool.objects.filter(subnet=subnet, kind="ip").order_by("id")]


# -- global pools: MAC prefixes and bridges ---------------------------------------------------
def _global_spec(kind: str) -> dict:
    spec = dict(settings.CYCLADES_MAC_PREFIX_POOL if kind == "mac_prefix"
                else settings.CYCLADES_BRIDGE_POOL)
    return {"base": str(spec["base"]), "size": int(spec["size"]),
            "offset": int(spec.get("offset", 0))}


def global_pool(kind: str, *, lock: bool = True) -> Pool:
    """The one pool of `kind`, created from the settings on first use."""
    query = Pool.objects.filter(kind=kind, subnet__isnull=True)
    pool = (query.select_for_update() if lock else query).first()
    if pool is not None:
        return pool
    spec = _global_spec(kind)
    try:
        with transaction.atomic():
            Pool.objects.create(kind=kind, base=spec["base"], offset=spec["offset"],
                                size=spec["size"], available=FREE * spec["size"],
                                reserved=USED * spec["size"])
    except IntegrityError:
        pass  # another transaction created it first
    return (query.select_for_update() if lock else query).get()


def allocate_value(kind: str) -> str:
    pool = global_pool(kind)
    for index, char in enumerate(pool.available):
        if char == FREE and pool.reserved[index] != FREE:
            pool.available = _set(pool.available, index, USED)
            pool.save(update_fields=["available"])
            return value_of(pool, index)
    raise PoolExhausted(f"The {kind.replace('_', ' ')} pool is exhausted.")


def release_value(kind: str, value: str) -> bool:
    pool = global_pool(kind)
    index = index_of(pool, value)
    if index is None:
        return False
    pool.available = _set(pool.available, index, FREE)
    pool.save(update_fields=["available"])
    return True


def describe(pool: Pool) -> dict:
    used = [value_of(pool, i) for i, c in enumerate(pool.available) if c != FREE]
    reserved = [value_of(pool, i) for i, c in enumerate(pool.reserved) if c == FREE]
    return {"id": pool.id, "kind": pool.kind, "subnet": pool.subnet_id,
            "first": value_of(pool, 0), "last": value_of(pool, pool.size - 1),
            "size": pool.size, "used": len(used), "reserved": reserved,
            "free": pool.size - len(set(used) | set(reserved)), "used_values": used}
