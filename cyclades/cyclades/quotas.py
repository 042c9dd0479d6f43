"""Quota of servers, as commissions to Astakos: the one place Cyclades meets the quota holder.

A server action that changes what a user holds issues a commission (its deltas
per resource); the Ganeti job's outcome accepts or rejects it. Which adapter
talks to Astakos is a setting (CYCLADES_QUOTAS) so unit tests can use a double.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

MIB = 1 << 20
GIB = 1 << 30

RESOURCES = [
    # name, unit, description, default limit
    ("cyclades.vm", None, "Number of virtual machines", 2),
    ("cyclades.total_cpu", None, "Number of virtual machine processors", 4),
    ("cyclades.cpu", None, "Number of virtual machine processors of running servers", 4),
    ("cyclades.total_ram", "bytes", "Virtual machine memory", 4 * GIB),
    ("cyclades.ram", "bytes", "Memory of running virtual machines", 4 * GIB),
    ("cyclades.disk", "bytes", "Virtual machine disk size", 40 * GIB),
    ("cyclades.network.private", None, "Number of private networks", 2),
    ("cyclades.floating_ip", None, "Number of floating IP addresses", 2),
]


class QuotaHolder(Protocol):
    def issue(self, *, owner: str, project: str, provisions: dict[str, int], name: str,
              force: bool = False) -> int:
        """Reserve the deltas; returns the serial, raises QuotaExceeded (413) on no capacity."""

    def resolve(self, *, accept: list[int], reject: list[int]) -> None:
        """Make serials final or undo them (unknown serials are ignored)."""

    def pending(self) -> list[int]:
        """Serials this service issued that are still neither accepted nor rejected."""

    def usage(self, *, owner: str, project: str) -> dict[str, dict[str, int]]:
        """{resource: {"limit": n, "usage": n}} of a user in a project."""


def flavor_provisions(flavor: Any, *, running: bool, sign: int = 1) -> dict[str, int]:
    """What one server of `flavor` holds (cpu/ram counted only while it runs)."""
    deltas = {"cyclades.vm": 1, "cyclades.total_cpu": flavor.cpu,
              "cyclades.total_ram": flavor.ram * MIB, "cyclades.disk": flavor.disk * GIB}
    if running:
        deltas.update({"cyclades.cpu": flavor.cpu, "cyclades.ram": flavor.ram * MIB})
    return {k: sign * v for k, v in deltas.items()}


def running_provisions(flavor: Any, *, sign: int = 1) -> dict[str, int]:
    return {"cyclades.cpu": sign * flavor.cpu, "cyclades.ram": sign * flavor.ram * MIB}


class AstakosQuotas:
    """Commissions over the Synnefo Account API (/account/v1.0) with the service token.

    Provisions name the user as holder and the project as source; Astakos charges
    both the user's share in the project and the project's total.
    """

    def __init__(self) -> None:
        from snf_common.clients.account import AccountClient, account_url_from_identity

        url = settings.CYCLADES_ACCOUNT_URL or account_url_from_identity(settings.IDENTITY_URL)
        self.client = AccountClient(url, settings.SERVICE_TOKEN, timeout=15, retries=2)

    def issue(self, *, owner: str, project: str, provisions: dict[str, int], name: str,
              force: bool = False) -> int:
        from snf_common.clients.base import ClientError

        try:
            return int(self.client.issue_one_commission(
                owner, {(project, resource): q for resource, q in provisions.items()},
                force=force, name=name))
        except ClientError as exc:
            raise _quota_fault(exc) from None

    def resolve(self, *, accept: list[int], reject: list[int]) -> None:
        from snf_common.clients.base import ClientError

        if not accept and not reject:
            return
        try:
            self.client.resolve_commissions(accept=list(accept), reject=list(reject),
                                            reason="cyclades")
        except ClientError as exc:
            raise exc.as_fault() from None

    def pending(self) -> list[int]:
        return [int(s) for s in self.client.get_pending_commissions()]

    def usage(self, *, owner: str, project: str) -> dict[str, dict[str, int]]:
        quotas = self.client.service_quotas(users=[owner])
        return quotas.get(owner, {}).get(project, {})


def _quota_fault(exc: Any) -> Exception:
    from snf_common.faults import QuotaExceeded

    if exc.status == 413:
        return QuotaExceeded(f"Quota exceeded: {exc.message}", details=exc.details)
    return exc.as_fault()


_holder: QuotaHolder | None = None
_holder_lock = threading.Lock()


def holder() -> QuotaHolder:
    """The configured adapter (one per process)."""
    global _holder
    with _holder_lock:
        if _holder is None:
            _holder = import_string(settings.CYCLADES_QUOTAS)()
        return _holder


def reset_holder() -> None:
    global _holder
    with _holder_lock:
        _holder = None
