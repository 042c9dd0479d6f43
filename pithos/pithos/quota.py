"""pithos.diskspace through Astakos commissions: the one place Pithos talks about quota.

Every size change is charged with `charge(account, project, delta, name)`: a
commission is issued before the database change (413 when over the limit),
accepted when the change commits and rejected when it fails. Unit tests replace
the holder with `set_holder()`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Protocol

from django.conf import settings

from snf_common.faults import Fault, OverLimit

log = logging.getLogger(__name__)

RESOURCE = "pithos.diskspace"


class QuotaHolder(Protocol):
    def issue(self, *, account: str, project: str, delta: int, name: str) -> int | None:
        """Reserve `delta` bytes; raise OverLimit when it does not fit; return a serial."""

    def accept(self, serial: int) -> None: ...

    def reject(self, serial: int) -> None: ...


class NoQuota:
    """PITHOS_QUOTA = "none": unlimited, nothing recorded."""

    def issue(self, *, account: str, project: str, delta: int, name: str) -> int | None:
        return None

    def accept(self, serial: int) -> None:
        pass

    def reject(self, serial: int) -> None:
        pass


class AstakosQuota:
    """Commissions at Astakos' Account API with this service's token."""

    def __init__(self) -> None:
        from snf_common.clients.account import AccountClient, account_url_from_identity

        self.client = AccountClient(account_url_from_identity(settings.IDENTITY_URL),
                                    settings.SERVICE_TOKEN)

    def issue(self, *, account: str, project: str, delta: int, name: str) -> int | None:
        from snf_common.clients.base import ClientError

        try:
            # Freeing space never fails (force), as Synnefo does for deletions.
            return self.client.issue_one_commission(
                account, {(project, RESOURCE): delta}, force=delta < 0, name=name[:200])
        except ClientError as exc:
            if exc.status == 413:
                raise OverLimit(f"Quota exceeded for {RESOURCE}.") from None
            raise exc.as_fault() from None

    def accept(self, serial: int) -> None:
        self.client.accept_commission(serial)

    def reject(self, serial: int) -> None:
        self.client.reject_commission(serial)

    def usage(self, accounts: list[str]) -> dict[str, int]:
        """Astakos' view of pithos.diskspace usage per account (all projects summed)."""
        found = self.client.service_quotas(users=accounts)
        return {user: sum(res.get(RESOURCE, {}).get("usage", 0) for res in projects.values())
                for user, projects in found.items()}


_holder_lock = threading.Lock()
_holder: QuotaHolder | None = None


def get_holder() -> QuotaHolder:
    global _holder
    with _holder_lock:
        if _holder is None:
            _holder = AstakosQuota() if settings.PITHOS_QUOTA == "astakos" else NoQuota()
        return _holder


def set_holder(holder: QuotaHolder | None) -> None:
    """Replace the holder (tests); None goes back to the configured one."""
    global _holder
    with _holder_lock:
        _holder = holder


@contextlib.contextmanager
def charge(account: str, project: str, delta: int, name: str) -> Iterator[None]:
    """Reserve `delta` bytes around a database change; accept on success, reject on error."""
    if delta == 0:
        yield
        return
    holder = get_holder()
    serial = holder.issue(account=account, project=project or account, delta=delta, name=name)
    try:
        yield
    except BaseException:
        if serial is not None:
            _resolve(holder.reject, serial)
        raise
    if serial is not None:
        _resolve(holder.accept, serial)


def precheck(account: str, project: str, delta: int, name: str) -> None:
    """413 now if `delta` more bytes would not fit, before an upload is received.

    A probe (a commission issued and rejected at once), not a reservation: the
    commit still charges the real delta, so a concurrent writer cannot slip past.
    """
    if delta <= 0:
        return
    holder = get_holder()
    serial = holder.issue(account=account, project=project or account, delta=delta,
                          name="precheck " + name)
    if serial is not None:
        _resolve(holder.reject, serial)


def _resolve(action, serial: int) -> None:
    from snf_common.clients.base import ClientError

    try:
        action(serial)
    except (Fault, ClientError) as exc:  # left pending at Astakos; reconcile-usage settles it
        log.warning("commission %s not resolved: %s", serial, getattr(exc, "message", exc))
