"""Refresh a backend's capacity and capabilities from its cluster over RAPI."""

from __future__ import annotations

import logging

from django.utils import timezone

from cyclades.backends.ganeti.rapi import RapiError, client_for
from cyclades.backends.models import Backend

log = logging.getLogger(__name__)


def refresh(backend: Backend, *, save: bool = True) -> Backend:
    """Sum the online nodes' free/total memory, disk and cpus; read the disk templates."""
    rapi = client_for(backend)
    nodes = rapi.nodes()
    info = rapi.info()
    online = [n for n in nodes if not n.get("offline") and not n.get("drained")]
    backend.mfree = sum(int(n.get("mfree") or 0) for n in online)
    backend.mtotal = sum(int(n.get("mtotal") or 0) for n in online)
    backend.dfree = sum(int(n.get("dfree") or 0) for n in online)
    backend.dtotal = sum(int(n.get("dtotal") or 0) for n in online)
    backend.ctotal = sum(int(n.get("ctotal") or 0) for n in online)
    backend.pinst_cnt = sum(len(n.get("pinst_list") or []) for n in nodes)
    templates = info.get("enabled_disk_templates") or \
        (info.get("ipolicy") or {}).get("disk-templates")
    if templates:
        backend.disk_templates = list(templates)
    if info.get("default_hypervisor"):
        backend.hypervisor = info["default_hypervisor"]
    backend.updated = timezone.now()
    if save:
        backend.save()
    log.info("backend %s stats: mfree=%s dfree=%s pinst=%s", backend.id, backend.mfree,
             backend.dfree, backend.pinst_cnt)
    return backend


def refresh_quietly(backend: Backend) -> bool:
    try:
        refresh(backend)
    except RapiError as exc:
        log.warning("backend %s: cannot refresh stats: %s", backend.id, exc)
        return False
    return True
