"""Server commissions: issue before the intent is recorded, decide with the state change,
resolve at Astakos after the commit.

issue() talks to Astakos (the quota check happens there, atomically for every
service); decide() only writes our row in the caller's transaction; resolve()
sends every decided, unresolved serial of a server (or of all servers) and marks
them resolved. resolve() is idempotent, so a crash anywhere is finished by the
next dispatcher message or by reconciliation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from cyclades import quotas
from cyclades.compute import statements
from cyclades.compute.models import Commission, Server

log = logging.getLogger(__name__)


def issue(server: Server, action: str, provisions: dict[str, int], *,
          force: bool = False) -> int | None:
    """Reserve quota for an action of `server`; returns the serial (None if nothing to charge)."""
    provisions = {k: v for k, v in provisions.items() if v}
    if not provisions:
        return None
    return quotas.holder().issue(owner=server.owner, project=server.project,
                                 provisions=provisions, force=force,
                                 name=f"server {server.id or 'new'} {action.lower()}")


def record(serial: int | None, server: Server, action: str,
           provisions: dict[str, int]) -> Commission | None:
    if serial is None:
        return None
    return Commission.objects.create(serial=serial, server=server, action=action,
                                     provisions={k: v for k, v in provisions.items() if v})


def reject_now(serial: int | None) -> None:
    """Undo a serial whose intent never reached the database."""
    if serial is None:
        return
    try:
        quotas.holder().resolve(accept=[], reject=[serial])
    except Exception as exc:  # Astakos down: reconciliation rejects it later
        log.warning("commission %s: reject failed (%s); left for reconciliation", serial, exc)


def decide(server: Server, action: str, *, accept: bool,
           save_server: bool = True) -> Commission | None:
    """Decide the server's undecided commission for `action` (inside the caller's transaction).

    An accepted one adds to `server.quota_held`, saved at once unless the caller saves
    the whole server afterwards anyway (save_server=False)."""
    commission = statements.take_undecided_commission(server.id, action)
    if commission is None:
        return None
    statements.set_decision(commission, "accept" if accept else "reject")
    if accept:
        held = dict(server.quota_held)
        for resource, quantity in commission.provisions.items():
            held[resource] = held.get(resource, 0) + quantity
        server.quota_held = {k: v for k, v in held.items() if v}
        if save_server:
            server.save(update_fields=["quota_held"])
    return commission


def resolve(server_id: int | None = None, *, server_ids: Iterable[int] | None = None) -> int:
    """Send decided, unresolved serials to Astakos (of one server, of `server_ids`, or of
    all); one call resolves them all. Returns how many were resolved."""
    query = Commission.objects.filter(resolved=False).exclude(decision="")
    if server_id is not None:
        query = query.filter(server_id=server_id)
    if server_ids is not None:
        query = query.filter(server_id__in=list(server_ids))
    rows = list(query.values_list("serial", "decision"))
    if not rows:
        return 0
    accept = [s for s, d in rows if d == "accept"]
    reject = [s for s, d in rows if d == "reject"]
    try:
        quotas.holder().resolve(accept=accept, reject=reject)
    except Exception as exc:  # Astakos down: the rows stay decided and are retried
        log.warning("resolving commissions %s failed: %s", [s for s, _ in rows], exc)
        return 0
    with transaction.atomic():
        Commission.objects.filter(serial__in=[s for s, _ in rows]).update(resolved=True)
    log.info("commissions accepted=%s rejected=%s", accept, reject)
    return len(rows)
