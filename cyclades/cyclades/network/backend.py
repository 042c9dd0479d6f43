"""Networks on Ganeti backends: created when a server there first needs one, removed when
the last port there goes.

A BackendNetwork row is PENDING from the moment its jobs are decided (in the
caller's transaction) until the update path sees OP_NETWORK_CONNECT succeed
(ACTIVE). The RAPI jobs are submitted after the commit, before the instance job
that needs them, which names them in `depends` (Ganeti runs it only after they
succeed; the development cluster runs jobs in order anyway).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from cyclades.backends.ganeti.rapi import RapiError, client_for
from cyclades.network.models import BackendNetwork, Network, Port

log = logging.getLogger(__name__)


def ganeti_name(network_id: int) -> str:
    return f"{settings.CYCLADES_NETWORK_NAME_PREFIX}{network_id}"


def network_id_of(name: str) -> int | None:
    prefix = settings.CYCLADES_NETWORK_NAME_PREFIX
    if not name.startswith(prefix):
        return None
    try:
        return int(name[len(prefix):])
    except ValueError:
        return None


def nic_params(network: Network) -> dict[str, Any]:
    return {"mode": network.mode, "link": network.link}


def nic_body(port: Port, ipv4: str | None) -> dict[str, Any]:
    """One entry of the create body's `nics` (or of a modify `add`)."""
    body: dict[str, Any] = {"name": port.nic_name, "network": ganeti_name(port.network_id),
                            "mac": port.mac, **nic_params(port.network)}
    if ipv4:
        body["ip"] = ipv4
    return body


def needs(network: Network, backend: Any) -> bool:
    """Record that `backend` must have `network`; True when its jobs must be submitted.

    Runs in the caller's transaction, with the network row locked, so two
    servers needing the same network at once create it once.
    """
    row, created = BackendNetwork.objects.get_or_create(network=network, backend=backend)
    if created or row.operstate in ("ERROR", "DELETING"):
        row.operstate, row.job_ids, row.log_msg = "PENDING", [], ""
        row.save()
        refresh_status(network)
        return True
    return False


def _create_body(network: Network) -> dict[str, Any]:
    subnets = list(network.subnets.filter(deleted=False))
    v4 = next((s for s in subnets if s.ip_version == 4), None)
    v6 = next((s for s in subnets if s.ip_version == 6), None)
    body: dict[str, Any] = {
        "network_name": ganeti_name(network.id),
        "network": v4.cidr if v4 else settings.CYCLADES_NETWORK_PLACEHOLDER_CIDR,
        "conflicts_check": False,
        "tags": list(network.tags) + [f"synnefo:network:flavor:{network.flavor.lower()}"],
    }
    if v4 and v4.gateway:
        body["gateway"] = v4.gateway
    if v6:
        body["network6"] = v6.cidr
        if v6.gateway:
            body["gateway6"] = v6.gateway
    if network.mac_prefix:
        body["mac_prefix"] = network.mac_prefix
    return body


def _groups(rapi: Any) -> list[str | None]:
    try:
        groups = rapi.groups()
    except (RapiError, AttributeError) as exc:
        log.warning("cannot list node groups (%s); connecting to the default group", exc)
        return [None]
    return [g["name"] for g in groups] or [None]


def submit_create(rapi: Any, network_id: int, backend_id: int) -> list[int]:
    """Submit add + connect jobs; returns their ids (for `depends`)."""
    network = Network.objects.get(pk=network_id)
    job_ids = [rapi.create_network(_create_body(network))]
    for group in _groups(rapi):
        job_ids.append(rapi.connect_network(ganeti_name(network.id), group=group,
                                            mode=network.mode, link=network.link))
    BackendNetwork.objects.filter(network_id=network_id, backend_id=backend_id) \
        .update(job_ids=job_ids)
    log.info("network %s on backend %s: jobs %s", network_id, backend_id, job_ids)
    return job_ids


def refresh_status(network: Network) -> None:
    """Network status from its backends: BUILD while one is pending, ERROR if one failed."""
    states = set(BackendNetwork.objects.filter(network=network)
                 .values_list("operstate", flat=True))
    status = "ERROR" if "ERROR" in states else "BUILD" if "PENDING" in states else "ACTIVE"
    if not network.admin_state_up and status == "ACTIVE":
        status = "DOWN"
    if network.status != status:
        Network.objects.filter(pk=network.pk).update(status=status)
        network.status = status


def in_use_on(network_id: int, backend_id: int) -> bool:
    return Port.objects.filter(network_id=network_id, server__backend_id=backend_id,
                               server__deleted=False).exists()


def release_unused(network_id: int, backend_ids: list[int] | None = None) -> list[int]:
    """Remove the network from backends where no live server uses it (after a commit)."""
    rows = BackendNetwork.objects.filter(network_id=network_id) \
        .exclude(operstate="DELETING").select_related("backend")
    if backend_ids is not None:
        rows = rows.filter(backend_id__in=backend_ids)
    removed = []
    for row in rows:
        if in_use_on(network_id, row.backend_id):
            continue
        with transaction.atomic():
            locked = BackendNetwork.objects.select_for_update().filter(pk=row.pk).first()
            if locked is None or locked.operstate == "DELETING":
                continue
            locked.operstate = "DELETING"
            locked.save(update_fields=["operstate", "updated"])
        rapi = client_for(row.backend)
        name = ganeti_name(network_id)
        try:
            job_ids = [rapi.disconnect_network(name, group=g) for g in _groups(rapi)]
            job_ids.append(rapi.delete_network(name))
        except RapiError as exc:
            log.error("network %s on backend %s: removal failed: %s", network_id,
                      row.backend_id, exc)
            BackendNetwork.objects.filter(pk=row.pk).update(operstate="ERROR",
                                                            log_msg=str(exc)[:2000])
            continue
        BackendNetwork.objects.filter(pk=row.pk).update(job_ids=job_ids)
        removed.append(row.backend_id)
    return removed


def release_unused_later(network_ids: set[int], backend_id: int | None) -> None:
    """Schedule release_unused for after the caller's transaction commits."""
    for network_id in network_ids:
        transaction.on_commit(lambda n=network_id: _safe_release(
            n, None if backend_id is None else [backend_id]))


def _safe_release(network_id: int, backend_ids: list[int] | None) -> None:
    try:
        release_unused(network_id, backend_ids)
    except Exception:  # never fail the request that triggered the cleanup
        log.exception("network %s: releasing unused backend networks failed", network_id)

