"""Apply `ganeti-network-status` messages to the per-backend state of networks.

OP_NETWORK_ADD and OP_NETWORK_CONNECT bring a BackendNetwork to ACTIVE once
the connect job succeeded; OP_NETWORK_DISCONNECT / OP_NETWORK_REMOVE take it
away. A failure marks it ERROR (the next server that needs the network there
resubmits its jobs). Like the instance handler, a message not newer than the
last applied one is ignored, so redelivery changes nothing.
"""

from __future__ import annotations

import logging

from django.db import transaction

from cyclades.network.backend import network_id_of, refresh_status
from cyclades.network.models import BackendNetwork, Network
from cyclades.updates.handlers.instance import event_datetime
from snf_common.ganeti_events import FINAL_STATUSES, NetworkStatus

log = logging.getLogger(__name__)


def _row_for(message: NetworkStatus) -> BackendNetwork | None:
    network_id = network_id_of(message.network)
    if network_id is None:
        log.info("ignoring event of network %s: not one of ours", message.network)
        return None
    rows = list(BackendNetwork.objects.select_for_update().select_related("backend")
                .filter(network_id=network_id))
    # A network lives on several backends; the job id (and the cluster) tell which.
    by_job = [r for r in rows if message.jobId in (r.job_ids or [])]
    if len(by_job) > 1:
        by_job = [r for r in by_job if message.cluster in (r.backend.name, r.backend.host)] \
            or by_job[:1]
    if not by_job:
        log.warning("network event job %s of %s matches no backend network", message.jobId,
                    message.network)
        return None
    return by_job[0]


def process_network_status(message: NetworkStatus) -> int | None:
    """Apply one message; returns the network id it concerned, if any."""
    with transaction.atomic():
        row = _row_for(message)
        if row is None:
            return None
        event_at = event_datetime(message.event_time)
        if row.backend_time is not None and event_at <= row.backend_time:
            return row.network_id
        row.backend_time = event_at
        if message.status not in FINAL_STATUSES:
            row.save(update_fields=["backend_time", "updated"])
            return row.network_id
        op, ok = message.operation, message.status == "success"
        text = message.logmsg or (str(message.result) if message.result else "")
        if not ok and op == "OP_NETWORK_ADD" and "already exists" in text:
            ok = True       # a resubmitted create: the network is there
        if op == "OP_NETWORK_REMOVE" and (ok or "not found" in text.lower()):
            network = Network.objects.get(pk=row.network_id)
            row.delete()
            refresh_status(network)
            log.info("network %s removed from backend %s", network.id, row.backend_id)
            return network.id
        if not ok:
            row.operstate, row.log_msg = "ERROR", text[:2000]
        elif op == "OP_NETWORK_CONNECT" and row.operstate == "PENDING":
            row.operstate = "ACTIVE"
        row.save()
        refresh_status(Network.objects.get(pk=row.network_id))
        log.info("network %s on backend %s: %s %s -> %s", row.network_id, row.backend_id, op,
                 message.status, row.operstate)
        return row.network_id
