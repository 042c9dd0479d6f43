"""Commissions of networks and floating IPs: issue before the row is written, accept after.

The pattern: issue (Astakos refuses over quota), write the row in a transaction,
accept once it committed; reject if the transaction failed. A crash between
issue and accept leaves a pending serial that Astakos keeps until
reconcile-servers (which rejects serials we never recorded) or an admin resolves it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from cyclades import quotas

log = logging.getLogger(__name__)

PRIVATE_NETWORK = "cyclades.network.private"
FLOATING_IP = "cyclades.floating_ip"


@contextlib.contextmanager
def commission(owner: str, project: str, resource: str, quantity: int, name: str, *,
               force: bool = False) -> Iterator[int]:
    """Issue one delta; the body writes the state. Accepted on success, rejected on error."""
    serial = quotas.holder().issue(owner=owner, project=project or owner,
                                   provisions={resource: quantity}, name=name, force=force)
    try:
        yield serial
    except BaseException:
        _resolve(serial, accept=False)
        raise
    _resolve(serial, accept=True)


def _resolve(serial: int, *, accept: bool) -> None:
    try:
        quotas.holder().resolve(accept=[serial] if accept else [],
                                reject=[] if accept else [serial])
    except Exception as exc:  # Astakos down: the serial stays pending there
        log.warning("commission %s: %s failed (%s)", serial, "accept" if accept else "reject",
                    exc)
