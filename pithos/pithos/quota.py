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
        from snf_common.clients.account import AccountClient  # owned by the Astakos side

        base = settings.IDENTITY_URL.rsplit("/identity/", 1)[0]
        self.client = AccountClient(base + "/account/v1.0", settings.SERVICE_TOKEN)

    def issue(self, *, account: str, project: str, delta: int, name: str) -> int | None:
        from snf_common.clients.base import ClientError

        try:
            return self.client.issue_commission(
                holder=account, source=project, provisions={RESOURCE: delta}, name=name)
        except ClientError as exc:
            if exc.status == 413:
                raise OverLimit(f"Quota exceeded for {RESOURCE}: {exc.message}") from None
            raise exc.as_fault() from None

    def accept(self, serial: int) -> None:
        self.client.resolve_commissions(accept=[serial], reject=[])

    def reject(self, serial: int) -> None:
        self.client.resolve_commissions(accept=[], reject=[serial])


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


def _resolve(action, serial: int) -> None:
    try:
        action(serial)
    except Fault as fault:  # left pending at Astakos; reconcile-usage settles it
        log.warning("commission %s not resolved: %s", serial, fault.message)
